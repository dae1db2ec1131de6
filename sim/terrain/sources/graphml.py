"""graphml: a GraphML file at `scenario.terrain.path` (format: Terrain files, at the end of this
page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sim.terrain.io import load_graphml
from sim.terrain.model import Terrain
from sim.terrain.sources.base import TerrainSource, kind_props, resolved

if TYPE_CHECKING:
    from sim.scenario import TerrainSpec


@dataclass(frozen=True)
class GraphMLParams:
    """No keys of its own: it reads `scenario.terrain.path` (a GraphML file), which must then be set."""

    reads_path: ClassVar[str] = "a GraphML file"


class GraphML(TerrainSource):
    name = "graphml"
    Params = GraphMLParams

    def build(self, spec: TerrainSpec, base_dir: str) -> Terrain:
        return load_graphml(resolved(spec, base_dir), kind_props(spec))

    def files(self, spec: TerrainSpec, base_dir: str) -> list[Path]:
        return [resolved(spec, base_dir)]
