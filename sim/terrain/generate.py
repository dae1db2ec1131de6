"""Seeded procedural border region: a grid of cells with kinds, rivers, roads, towns, ports.

Layout: x runs along the border (0..length_km), y is the distance from the border line
(negative on the foreign side). Cells are joined to their 8 neighbours. The kind field is
smoothed noise cut at quantiles so that each kind gets its declared share of the land; rivers,
towns (urban) and roads are drawn over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import gaussian_filter

from sim.terrain.model import FOREIGN, HOME, NO_FEATURE, PORT, STAGING, TOWN, Terrain

if TYPE_CHECKING:
    from sim.scenario import TerrainSpec


def generate(spec: TerrainSpec) -> Terrain:
    """Build a terrain from `spec` (deterministic in spec.seed)."""
    rng = np.random.default_rng(spec.seed)
    cell = spec.cell_km
    cols = max(2, int(round(spec.length_km / cell)))
    rows_f = max(1, int(round(spec.depth_foreign_km / cell)))
    rows_h = max(2, int(round(spec.depth_home_km / cell)))
    rows = rows_f + rows_h
    # row r (0..rows-1) is at y = (r - rows_f + 0.5) * cell; rows < rows_f are foreign
    node = np.arange(rows * cols).reshape(rows, cols)
    xs = (np.arange(cols) + 0.5) * cell
    ys = (np.arange(rows) - rows_f + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    side = np.where(gy < 0, FOREIGN, HOME).astype(np.int8)

    kind_names = tuple(spec.kinds)
    kind_grid = _kind_field(spec, rng, rows, cols, kind_names)
    feature = np.full((rows, cols), NO_FEATURE, dtype=np.int8)
    road_edges: set[tuple[int, int]] = set()

    def mark(kind: str, cells: list[tuple[int, int]]) -> None:
        if kind in spec.kinds and cells:
            r, c = zip(*cells)
            kind_grid[list(r), list(c)] = kind_names.index(kind)

    # rivers: the border itself, and meandering rivers flowing to the border on the home side
    if spec.border_river:
        mark("river", [(rows_f, c) for c in range(cols)])
    for _ in range(spec.rivers):
        mark("river", _river(rng, rows_f, rows, cols))

    def road(cells: list[tuple[int, int]]) -> None:
        for a, b in zip(cells, cells[1:]):
            road_edges.add((min(node[a], node[b]), max(node[a], node[b])))

    # home roads: north-south, from the border road (or a port) to a town at the far edge
    road_cols = _spread_columns(rng, cols, spec.roads_home)
    port_cols = list(road_cols[: min(spec.ports, len(road_cols))])
    border_row = rows_f + min(rows_h - 1, int(spec.border_road_km / cell)) if spec.border_road_km > 0 else None
    town_radius = max(0, int(round(spec.town_radius_km / cell)))
    # a town's centre lies its radius from the far edge; where the disc is deeper than the home side
    # that row is foreign, and the centre (a destination) is put in the middle of the home side instead
    town_row = rows - 1 - town_radius
    if town_row < rows_f:
        town_row = rows_f + rows_h // 2
    for c in road_cols:
        start = rows_f if c in port_cols else (border_row if border_row is not None else rows_f + 1)
        road([(r, c) for r in range(start, rows)])
        _town(kind_grid, feature, kind_names, spec, town_row, c, town_radius, rows_f, rows, cols)
    if border_row is not None:
        road([(border_row, c) for c in range(cols)])

    # foreign roads: from the far foreign edge to a port, or to one of the staging areas
    setback = max(1, int(round(spec.staging_setback_km / cell)))
    staging_row = max(0, rows_f - setback)
    staging_cols = _spread_columns(rng, cols, max(1, spec.staging_areas))
    for c in staging_cols:
        feature[staging_row, c] = STAGING
    for c in port_cols:
        road([(r, c) for r in range(0, rows_f + 1)])
        feature[rows_f, c] = PORT
        _town(
            kind_grid,
            feature,
            kind_names,
            spec,
            max(0, rows_f - 1 - town_radius),
            c,
            town_radius,
            rows_f,
            rows,
            cols,
            town_feature=False,
        )
    for c in _spread_columns(rng, cols, spec.roads_foreign):
        end = min(staging_cols, key=lambda s: abs(s - c))  # the road leads to the nearest staging area
        road([(r, c) for r in range(0, staging_row + 1)] + _straight(staging_row, c, end))

    # 8-neighbour grid edges
    eu, ev = [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1 = max(0, -dr), rows - max(0, dr)
        c0, c1 = max(0, -dc), cols - max(0, dc)
        a = node[r0:r1, c0:c1]
        b = node[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
        eu.append(a.ravel())
        ev.append(b.ravel())
    eu_a = np.concatenate(eu)
    ev_a = np.concatenate(ev)
    lo, hi = np.minimum(eu_a, ev_a), np.maximum(eu_a, ev_a)
    length = np.hypot(gx.ravel()[lo] - gx.ravel()[hi], gy.ravel()[lo] - gy.ravel()[hi])
    road_keys = {a * (rows * cols) + b for a, b in road_edges}
    is_road = np.isin(
        lo.astype(np.int64) * (rows * cols) + hi, np.fromiter(road_keys, dtype=np.int64, count=len(road_keys))
    )

    kind_flat = kind_grid.ravel()
    covers = np.array([spec.kinds[k].cover for k in kind_names])
    speeds = np.array([spec.kinds[k].speed_factor for k in kind_names])
    n_sectors = max(1, spec.sectors)
    sector = np.minimum((gx.ravel() / (cols * cell) * n_sectors).astype(np.int16), n_sectors - 1)
    return Terrain(
        x=gx.ravel().astype(float),
        y=gy.ravel().astype(float),
        kind=kind_flat.astype(np.int16),
        kind_names=kind_names,
        cover=covers[kind_flat].astype(float),
        speed_factor=speeds[kind_flat].astype(float),
        side=side.ravel(),
        sector=sector,
        sector_names=tuple(f"S{i + 1}" for i in range(n_sectors)),
        feature=feature.ravel(),
        edge_u=lo.astype(np.int32),
        edge_v=hi.astype(np.int32),
        edge_length_km=length.astype(float),
        edge_road=is_road,
        name=f"generated(seed={spec.seed})",
    )


def _kind_field(
    spec: TerrainSpec, rng: np.random.Generator, rows: int, cols: int, kind_names: tuple[str, ...]
) -> np.ndarray:
    """Kinds with share > 0 assigned by quantiles of smooth noise, roughest kind on the peaks."""
    sigma = max(0.5, spec.smoothness_km / spec.cell_km)
    noise = gaussian_filter(rng.standard_normal((rows, cols)), sigma=sigma, mode="reflect")
    shared = [k for k in kind_names if spec.kinds[k].share > 0]
    shared.sort(key=lambda k: -spec.kinds[k].speed_factor)  # fastest on low noise
    total = sum(spec.kinds[k].share for k in shared) or 1.0
    grid = np.full((rows, cols), kind_names.index(shared[0]) if shared else 0, dtype=np.int16)
    order = np.argsort(noise, axis=None, kind="stable")
    start = 0
    for i, k in enumerate(shared):
        end = rows * cols if i == len(shared) - 1 else start + int(round(spec.kinds[k].share / total * rows * cols))
        grid.ravel()[order[start:end]] = kind_names.index(k)
        start = end
    return grid


def _river(rng: np.random.Generator, rows_f: int, rows: int, cols: int) -> list[tuple[int, int]]:
    """A meander from the far home edge down to the border row."""
    c = int(rng.integers(cols // 6, max(cols // 6 + 1, 5 * cols // 6)))
    cells = []
    for r in range(rows - 1, rows_f - 1, -1):
        cells.append((r, c))
        step = int(rng.choice([-1, 0, 0, 1]))
        if step:
            c = int(np.clip(c + step, 0, cols - 1))
            cells.append((r, c))
    return cells


def _spread_columns(rng: np.random.Generator, cols: int, k: int) -> list[int]:
    """k distinct columns (k <= cols, checked by TerrainSpec) spread along the border, jittered
    inside equal bands. Bands narrower than two columns can round two jittered positions to one
    column: each is then moved to the next free column (at the east end, the previous one), so
    that k roads or staging areas are k, not fewer."""
    if k <= 0:
        return []
    band = cols / k
    out = [int(np.clip(int(band * (i + 0.5) + rng.uniform(-band / 4, band / 4)), 0, cols - 1)) for i in range(k)]
    for i in range(1, k):  # positions never decrease: make them increase
        out[i] = max(out[i], out[i - 1] + 1)
    out[-1] = min(out[-1], cols - 1)
    for i in range(k - 2, -1, -1):  # and stay inside the border
        out[i] = min(out[i], out[i + 1] - 1)
    return out


def _straight(row: int, c0: int, c1: int) -> list[tuple[int, int]]:
    """Cells along a row from column c0 (exclusive) to c1 (inclusive)."""
    step = 1 if c1 >= c0 else -1
    return [(row, c) for c in range(c0 + step, c1 + step, step)]


def _town(kind_grid, feature, kind_names, spec, r0, c0, radius, rows_f, rows, cols, town_feature=True) -> None:
    """Urban disc around (r0, c0); the centre becomes a TOWN feature (a smuggler destination)."""
    if "urban" in spec.kinds:
        for r in range(max(0, r0 - radius), min(rows, r0 + radius + 1)):
            for c in range(max(0, c0 - radius), min(cols, c0 + radius + 1)):
                same_side = (r >= rows_f) == (r0 >= rows_f)
                if same_side and (r - r0) ** 2 + (c - c0) ** 2 <= radius**2:
                    kind_grid[r, c] = kind_names.index("urban")
    if town_feature:
        feature[r0, c0] = TOWN
