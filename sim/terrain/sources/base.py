"""Terrain sources: where a scenario's terrain comes from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.params import NoParams
from sim.terrain.model import KindProps, Terrain

if TYPE_CHECKING:
    from sim.scenario import TerrainSpec


class TerrainSource:
    """Base class: `build(spec, base_dir)` returns the validated terrain. `spec` is the whole
    `scenario.terrain` section (kinds, cell size, sectors, path, ...); `base_dir` is where
    relative paths start."""

    name = ""
    Params: type = NoParams

    def __init__(self, params: Any) -> None:
        self.params = params

    def build(self, spec: TerrainSpec, base_dir: str) -> Terrain:
        raise NotImplementedError

    def files(self, spec: TerrainSpec, base_dir: str) -> list[Path]:
        """The files `build` reads (a loaded map's), whose content is part of the configuration
        (sim.runner.terrain_digest); none for a terrain made from the scenario's keys alone."""
        return []


def kind_props(spec: TerrainSpec) -> dict[str, KindProps]:
    """The scenario's land kinds as the loaders read them."""
    return {k: KindProps(v.cover, v.speed_factor) for k, v in spec.kinds.items()}


def resolved(spec: TerrainSpec, base_dir: str) -> Path:
    """`spec.path`, relative paths taken from `base_dir`."""
    path = Path(spec.path)
    return path if path.is_absolute() else Path(base_dir) / path
