"""csv: a folder at `scenario.terrain.path` holding `nodes.csv` and `edges.csv` (format: Terrain
files, at the end of this page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sim.terrain.io import load_csv
from sim.terrain.model import Terrain
from sim.terrain.sources.base import TerrainSource, kind_props, resolved

if TYPE_CHECKING:
    from sim.scenario import TerrainSpec


@dataclass(frozen=True)
class CSVParams:
    """No keys of its own: it reads `scenario.terrain.path` (a folder holding nodes.csv and
    edges.csv), which must then be set."""

    reads_path: ClassVar[str] = "a folder holding nodes.csv and edges.csv"


class CSV(TerrainSource):
    name = "csv"
    Params = CSVParams

    def build(self, spec: TerrainSpec, base_dir: str) -> Terrain:
        return load_csv(resolved(spec, base_dir), kind_props(spec))

    def files(self, spec: TerrainSpec, base_dir: str) -> list[Path]:
        folder = resolved(spec, base_dir)
        return [folder / "nodes.csv", folder / "edges.csv"]
