"""generate: a synthetic border region from `scenario.terrain`'s keys (sim/terrain/generate.py):
a smooth field of land kinds, rivers, roads, ports, staging areas on the foreign side and towns
at the far home edge, deterministic in `scenario.terrain.seed`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.terrain.generate import generate
from sim.terrain.model import Terrain
from sim.terrain.sources.base import TerrainSource
from sim.terrain.validate import validate

if TYPE_CHECKING:
    from sim.scenario import TerrainSpec


class Generate(TerrainSource):
    name = "generate"

    def build(self, spec: TerrainSpec, base_dir: str) -> Terrain:
        terrain = generate(spec)
        validate(terrain, f"generator (scenario.terrain, seed {spec.seed})")
        return terrain
