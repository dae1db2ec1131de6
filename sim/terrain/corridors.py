"""Corridors: the border cut into segments of a set length, defined once.

The border runs along x (the terrain's convention: x km along the border, y km from it). The
cells that touch it have their centres c apart (the median gap between them; on a border one cell
wide, the median length of its crossings), so the border runs from x0 = the westernmost such
cell's centre - c / 2 to the easternmost one's + c / 2. Corridor k
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

import math
from dataclasses import dataclass

import numpy as np

from sim.terrain.model import HOME, Terrain


@dataclass(frozen=True)
class Corridors:
    length_km: float
    x0: float
    cell_km: float  # the border cells' centres are this far apart (c above)
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

    def index_at(self, x: float) -> int:
        """`index_of_x` of one position, on Python floats (the same operations; NumPy's calls cost
        forty times more for one number, once per crossing)."""
        k = math.floor((float(x) - self.x0) / self.length_km)
        return min(max(k, 0), max(self.n - 1, 0))

    def index(self, name: str) -> int:
        return self.names.index(name)

    @property
    def crossable(self) -> np.ndarray:
        """Per corridor: whether some border edge lies in it (a loaded map's border may have a
        stretch without crossings; the last corridor may be a sliver holding no border cell)."""
        return np.bincount(self.edge_corridor, minlength=self.n)[: self.n] > 0


def _names(n: int) -> tuple[str, ...]:
    width = len(str(n)) if n >= 10 else 1
    return tuple(f"C{k + 1:0{width}d}" for k in range(n))


def border_span(xs: np.ndarray, cell_km: float) -> tuple[float, float]:
    """The stretch of border that border cells at x positions `xs` cover, their centres `cell_km`
    apart (`Corridors.cell_km`): from the westernmost centre - cell_km / 2 to the easternmost +
    cell_km / 2 (one cell's width for a single column, not zero)."""
    return float(np.min(xs)) - cell_km / 2, float(np.max(xs)) + cell_km / 2


def border_cell_km(home_x: np.ndarray, crossing_km: np.ndarray) -> float:
    """How far apart the centres of the border's home-side cells (at x positions `home_x`) are:
    the median gap between them, or on a border one cell wide the median length of its crossings
    (`crossing_km`; a square cell is as wide as it is long)."""
    centres = np.unique(home_x)
    if centres.size > 1:
        return float(np.median(np.diff(centres)))
    return float(np.median(crossing_km)) if crossing_km.size else 0.0


def corridors_of(terrain: Terrain, length_km: float) -> Corridors:
    """The corridors of `terrain` at `length_km` each (see the module docstring)."""
    be = terrain.border_edges
    u, v = terrain.edge_u[be], terrain.edge_v[be]
    home_end = terrain.side[v] == HOME
    home = np.where(home_end, v, u).astype(np.int64)
    foreign = np.where(home_end, u, v).astype(np.int64)
    if be.size == 0:
        empty = np.zeros(0)
        return Corridors(length_km, 0.0, 0.0, (), empty, empty, empty, foreign, home, np.zeros(0, dtype=np.int64))
    hx = terrain.x[home]
    cell_km = border_cell_km(hx, terrain.edge_length_km[be])
    x0, x_end = border_span(hx, cell_km)
    n = max(1, int(np.ceil((x_end - x0) / length_km - 1e-9)))
    start = x0 + length_km * np.arange(n)
    end = np.minimum(start + length_km, x_end)
    out = Corridors(length_km, x0, cell_km, _names(n), start, end, np.zeros(n), foreign, home, np.zeros(0))
    corridor = out.index_of_x(hx)
    slowness = 1.0 / np.maximum(terrain.speed_factor, 1e-9)
    per_edge = 0.5 * (slowness[home] + slowness[foreign])
    total = np.bincount(corridor, weights=per_edge, minlength=n)
    count = np.bincount(corridor, minlength=n)
    difficulty = np.divide(total, count, out=np.ones(n), where=count > 0)
    return Corridors(length_km, x0, cell_km, out.names, start, end, difficulty, foreign, home, corridor)
