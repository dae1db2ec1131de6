"""Every plug-in family, by the name scenario parameters use for it (`Param.family`)."""

from __future__ import annotations

from collections.abc import Mapping

from sim.coordination import COORDINATION
from sim.injects import INJECTS
from sim.policies.dispatch import DISPATCH_RULES
from sim.policies.launch import LAUNCH_PROCESSES
from sim.policies.patrol import PATROL_POLICIES
from sim.policies.reaction import REACTIONS
from sim.policies.routing import ROUTING_POLICIES
from sim.registry import Registry
from sim.sensors import SENSOR_TYPES
from sim.terrain.sources import TERRAIN_SOURCES


class Catalogue:
    """The plug-in registries, looked up by family name."""

    def __init__(self, registries: list[Registry]) -> None:
        self._by_family = {r.family: r for r in registries}

    def family(self, name: str) -> Mapping:
        return self._by_family[name]

    def families(self) -> list[Registry]:
        return list(self._by_family.values())


PLUGINS = Catalogue(
    [
        SENSOR_TYPES,
        INJECTS,
        COORDINATION,
        PATROL_POLICIES,
        ROUTING_POLICIES,
        REACTIONS,
        LAUNCH_PROCESSES,
        TERRAIN_SOURCES,
        DISPATCH_RULES,
    ]
)
