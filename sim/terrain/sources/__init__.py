"""Terrain sources (a plug-in family), chosen by `scenario.terrain.source`. To add one: a new
module with a `TerrainSource` subclass (its `name`, its `Params` dataclass, `build`), and its
line in the list below."""

from sim.registry import Registry
from sim.terrain.sources.base import TerrainSource
from sim.terrain.sources.csv_files import CSV
from sim.terrain.sources.generated import Generate
from sim.terrain.sources.graphml import GraphML
from sim.terrain.sources.grid import Grid

TERRAIN_SOURCES: Registry[type[TerrainSource]] = Registry(
    "terrain source",
    [
        Generate,
        GraphML,
        CSV,
        Grid,
    ],
)

__all__ = ["TERRAIN_SOURCES", "TerrainSource"]
