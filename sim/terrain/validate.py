"""Terrain checks: every problem found is reported, one line each, naming the source."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sim.terrain.model import FOREIGN, HOME, Terrain


def rebuilt_error(cls: type[ValueError], message: str, state: dict) -> ValueError:
    """An error with extra constructor arguments, as it was pickled (`__reduce__` below): a sweep
    point's bad input reaches the launcher's process as itself, not as an unpickling failure."""
    exc = cls.__new__(cls)
    ValueError.__init__(exc, message)
    exc.__dict__.update(state)
    return exc


class TerrainError(ValueError):
    """An impossible or malformed terrain; the message lists every problem found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid terrain from {source}:\n{lines}")

    def __reduce__(self):
        return rebuilt_error, (type(self), str(self), dict(self.__dict__))


def validate(t: Terrain, source: str, file_ids: list[int] | None = None) -> None:
    """Raise TerrainError listing every structural problem of `t` (no-op when sound). Nodes are
    named by `file_ids` (node i is file_ids[i]): the ids of the file the terrain was read from,
    before they were renumbered 0..n-1, so that the message points at the file's rows."""
    problems: list[str] = []
    n = t.n_nodes
    ids = file_ids if file_ids is not None else range(n)
    if n == 0:
        raise TerrainError(source, ["the terrain has no nodes"])
    bad_xy = np.flatnonzero(~(np.isfinite(t.x) & np.isfinite(t.y)))
    for i in bad_xy[:5]:
        problems.append(f"node {ids[i]}: x and y must be finite numbers (km), got x={t.x[i]}, y={t.y[i]}")
    bad_len = np.flatnonzero(~((t.edge_length_km > 0) & np.isfinite(t.edge_length_km)))
    for e in bad_len[:5]:
        problems.append(
            f"edge ({ids[t.edge_u[e]]}, {ids[t.edge_v[e]]}): length_km must be a finite number > 0, "
            f"got {t.edge_length_km[e]}"
        )
    if bad_len.size > 5:
        problems.append(f"... and {bad_len.size - 5} more edges with non-positive length_km")
    bad_cover = np.flatnonzero(~((t.cover >= 0) & (t.cover <= 1)))
    for i in bad_cover[:5]:
        problems.append(f"node {ids[i]}: cover must be in [0, 1], got {t.cover[i]}")
    if t.border_edges.size == 0:
        problems.append("no border edge: no edge joins a 'foreign' node to a 'home' node")
    finite = np.isfinite(t.y)
    home_y, foreign_y = t.y[(t.side == HOME) & finite], t.y[(t.side == FOREIGN) & finite]
    if home_y.size and foreign_y.size and not np.median(home_y) > np.median(foreign_y):
        problems.append(
            f"the home side must lie at greater y than the foreign side (x runs along the border, y is the distance "
            f"from it: negative on the foreign side, positive at home); median y: home {np.median(home_y):g}, "
            f"foreign {np.median(foreign_y):g} (a border along y: swap x and y)"
        )
    staging, towns = t.staging_areas, t.towns
    if staging.size == 0:
        problems.append("no staging area: mark foreign-side nodes with feature='staging'")
    if towns.size == 0:
        problems.append("no destination: mark home-side nodes with feature='town'")
    for s in staging[t.side[staging] != FOREIGN]:
        problems.append(f"node {ids[s]}: staging area on the home side (staging areas must be foreign)")
    for d in towns[t.side[towns] != HOME]:
        problems.append(f"node {ids[d]}: town on the foreign side (destinations must be home)")
    if staging.size and towns.size and t.n_edges:
        ok = t.edge_length_km > 0
        adj = coo_matrix((np.ones(ok.sum()), (t.edge_u[ok], t.edge_v[ok])), shape=(n, n))
        _, label = connected_components(adj, directed=False)
        town_labels = set(label[towns].tolist())
        for s in staging:
            if label[s] not in town_labels:
                problems.append(f"node {ids[s]}: staging area cannot reach any destination (town)")
    if problems:
        raise TerrainError(source, problems)
