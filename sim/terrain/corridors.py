"""Corridors: the border cut into segments of a set length, defined once.

The border runs along x (the terrain's convention: x km along the border, y km from it). The
cells that touch it have their centres c apart (the median gap between them), so the border runs
from x0 = the westernmost such cell's centre - c / 2 to the easternmost one's + c / 2. Corridor k
covers x in [x0 + k L, x0 + (k + 1) L), the last one cut at the border's end, where L is
`scenario.corridors.length_km`; they are named C1, C2, ... from west
to east (zero-padded, C01.., when there are ten or more, so that names sort in order). A crossing
belongs to the corridor of the home-side cell it enters, so a border edge (foreign cell, home
cell) belongs to the corridor of its home end. Displacement metrics (sim/metrics.py) count
crossings per corridor, and adaptive organisations (sim/policies/routing/adaptive.py) choose
among corridors.

A corridor's `difficulty` is the mean slowness (1 / speed factor) of the cells at either end of
its border edges: 1 on open ground, 2 where walking takes twice as long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.terrain.model import HOME, Terrain


@dataclass(frozen=True)
class Corridors:
    length_km: float
    x0: float
    names: tuple[str, ...]
    from_km: np.ndarray  # per corridor
    to_km: np.ndarray
    difficulty: np.ndarray
    edge_foreign: np.ndarray  # per border edge: its foreign-side cell
    edge_home: np.ndarray  # its home-side cell
    edge_corridor: np.ndarray  # the corridor it belongs to

    @property
    def n(self) -> int:
        return len(self.names)

    def index_of_x(self, x: np.ndarray | float) -> np.ndarray:
        """Corridor index of positions x (km along the border), clipped to the first and last."""
        k = np.floor((np.asarray(x, dtype=float) - self.x0) / self.length_km).astype(np.int64)
        return np.clip(k, 0, max(self.n - 1, 0))

    def index(self, name: str) -> int:
        return self.names.index(name)


def _names(n: int) -> tuple[str, ...]:
    width = len(str(n)) if n >= 10 else 1
    return tuple(f"C{k + 1:0{width}d}" for k in range(n))


def border_span(xs: np.ndarray) -> tuple[float, float]:
    """The stretch of border that cells at x positions `xs` cover: their centres c apart (the
    median gap), from the westernmost centre - c / 2 to the easternmost + c / 2."""
    centres = np.unique(xs)
    gap = float(np.median(np.diff(centres))) if centres.size > 1 else 0.0
    return float(centres[0]) - gap / 2, float(centres[-1]) + gap / 2


def corridors_of(terrain: Terrain, length_km: float) -> Corridors:
    """The corridors of `terrain` at `length_km` each (see the module docstring)."""
    be = terrain.border_edges
    u, v = terrain.edge_u[be], terrain.edge_v[be]
    home_end = terrain.side[v] == HOME
    home = np.where(home_end, v, u).astype(np.int64)
    foreign = np.where(home_end, u, v).astype(np.int64)
    if be.size == 0:
        empty = np.zeros(0)
        return Corridors(length_km, 0.0, (), empty, empty, empty, foreign, home, np.zeros(0, dtype=np.int64))
    hx = terrain.x[home]
    x0, x_end = border_span(hx)
    n = max(1, int(np.ceil((x_end - x0) / length_km - 1e-9)))
    start = x0 + length_km * np.arange(n)
    end = np.minimum(start + length_km, x_end)
    out = Corridors(length_km, x0, _names(n), start, end, np.zeros(n), foreign, home, np.zeros(0))
    corridor = out.index_of_x(hx)
    slowness = 1.0 / np.maximum(terrain.speed_factor, 1e-9)
    per_edge = 0.5 * (slowness[home] + slowness[foreign])
    total = np.bincount(corridor, weights=per_edge, minlength=n)
    count = np.bincount(corridor, minlength=n)
    difficulty = np.divide(total, count, out=np.ones(n), where=count > 0)
    return Corridors(length_km, x0, out.names, start, end, difficulty, foreign, home, corridor)


def corridor_names(terrain: Terrain, length_km: float) -> list[str]:
    """Names of the corridors of `terrain` at `length_km` (for checks and messages)."""
    return list(corridors_of(terrain, length_km).names)
