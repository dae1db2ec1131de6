"""grid: a plain rectangular grid of one land kind, 4 neighbours, every edge `cell_km` long; no
roads, rivers or ports. `rows_foreign` rows of foreign side, then `rows_home` rows of home side;
`endpoints` staging areas on the foreign row farthest from the border and as many towns on the
home row farthest from it, at the same evenly spaced columns. Node id = row x `columns` +
column, row 0 the farthest foreign row. The reduced benchmark's terrain (bench/bench_engine.py);
also a clean board for checking the model against theory. Sectors split the columns evenly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.terrain.model import FOREIGN, HOME, STAGING, TOWN, Terrain
from sim.terrain.sources.base import TerrainSource
from sim.terrain.validate import TerrainError, validate

if TYPE_CHECKING:
    from sim.scenario import TerrainSpec


@dataclass(frozen=True)
class GridParams:
    columns: int = param(100, ge=2, le=10_000, unit="cells", doc="Cells along the border (x).")
    rows_foreign: int = param(1, ge=1, le=10_000, unit="cells", doc="Rows of foreign side.")
    rows_home: int = param(99, ge=1, le=10_000, unit="cells", doc="Rows of home side.")
    endpoints: int = param(
        20,
        ge=1,
        le=10_000,
        unit="count",
        doc="Staging areas (and towns): at most `columns`, at evenly spaced columns from the first to the last.",
    )
    kind: str = param("open", doc="The land kind of every cell (a name of `scenario.terrain.kinds`).")

    def check(self) -> list[str]:
        if self.endpoints > self.columns:
            return [f"endpoints: at most `columns` ({self.columns}), got {self.endpoints}"]
        return []


class Grid(TerrainSource):
    name = "grid"
    Params = GridParams

    def build(self, spec: TerrainSpec, base_dir: str) -> Terrain:
        p, cell = self.params, spec.cell_km
        source = f"grid source (scenario.terrain.source, {p.columns} x {p.rows_foreign + p.rows_home} cells)"
        kind_names = tuple(spec.kinds)
        if p.kind not in kind_names:
            raise TerrainError(source, [f"kind: unknown land kind {p.kind!r}; allowed: {', '.join(kind_names)}"])
        rows, cols = p.rows_foreign + p.rows_home, p.columns
        ids = np.arange(rows * cols).reshape(rows, cols)
        xs, ys = np.meshgrid((np.arange(cols) + 0.5) * cell, (np.arange(rows) - p.rows_foreign + 0.5) * cell)
        n = rows * cols
        ends = np.round(np.linspace(0, cols - 1, p.endpoints)).astype(int)
        feature = np.zeros(n, dtype=np.int8)
        feature[ids[0, ends]], feature[ids[-1, ends]] = STAGING, TOWN
        u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()]).astype(np.int32)
        v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()]).astype(np.int32)
        k, props = kind_names.index(p.kind), spec.kinds[p.kind]
        n_sectors = max(1, spec.sectors)
        sector = np.minimum(xs.ravel() / (cols * cell) * n_sectors, n_sectors - 1).astype(np.int16)
        terrain = Terrain(
            x=xs.ravel(),
            y=ys.ravel(),
            kind=np.full(n, k, dtype=np.int16),
            kind_names=kind_names,
            cover=np.full(n, float(props.cover)),
            speed_factor=np.full(n, float(props.speed_factor)),
            side=np.where(ys.ravel() < 0, FOREIGN, HOME).astype(np.int8),
            sector=sector,
            sector_names=tuple(f"S{i + 1}" for i in range(n_sectors)),
            feature=feature,
            edge_u=u,
            edge_v=v,
            edge_length_km=np.full(u.size, float(cell)),
            edge_road=np.zeros(u.size, dtype=bool),
            name=f"grid{cols}x{rows}",
        )
        validate(terrain, source)
        return terrain
