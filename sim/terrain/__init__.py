"""Terrain graph: generation, loading, validation and compiled routing arrays."""

from sim.terrain.generate import generate
from sim.terrain.io import load_csv, load_graphml
from sim.terrain.model import FOREIGN, HOME, PORT, STAGING, TOWN, KindProps, Terrain
from sim.terrain.routing import Router
from sim.terrain.validate import TerrainError, validate

__all__ = [
    "FOREIGN",
    "HOME",
    "PORT",
    "STAGING",
    "TOWN",
    "KindProps",
    "Router",
    "Terrain",
    "TerrainError",
    "generate",
    "load_csv",
    "load_graphml",
    "validate",
]
