"""graphml: a GraphML file at `scenario.terrain.path` (format: Terrain files, at the end of this
page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.terrain.io import load_graphml
from sim.terrain.model import Terrain
from sim.terrain.sources.base import TerrainSource, kind_props, resolved

if TYPE_CHECKING:
    from sim.scenario import TerrainSpec


class GraphML(TerrainSource):
    name = "graphml"

    def build(self, spec: TerrainSpec, base_dir: str) -> Terrain:
        return load_graphml(resolved(spec, base_dir), kind_props(spec))
