"""Compiled routing: CSR travel-time matrices per movement mode and cached shortest-path trees.

Travel time of an edge (minutes) = length / speed * 60, with speed = the mode's road speed on
road edges and its off-road speed times the mean speed factor of the two end cells otherwise.
Barrier edges add a breach delay for modes that can breach them (foot) and are closed to the
others (vehicles). Units of the home side
route on the home-side subgraph only. Dijkstra runs in scipy.sparse.csgraph; trees towards a
destination are cached (cut at a cost limit and widened when needed), and ties between equal-cost
paths are broken by a rule that reads only costs and coordinates, so routes never depend on the
cache.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.terrain.model import HOME, Terrain

if TYPE_CHECKING:
    from sim.scenario import ModeSpec

_FIELD_CACHE_BYTES = 1 << 30  # cached fields are kept up to about 1 GiB
_MAX_FIELDS = 4096
SPARSE_MIN_NODES = 50_000  # from this terrain size a cut field keeps the cells it reached only
_PATH_CACHE = 16384
_MISSING = object()


class Router:
    """Shortest paths on one terrain for several movement modes."""

    def __init__(
        self, terrain: Terrain, modes: dict[str, ModeSpec], barrier_delay_min: dict[int, float] | None = None
    ) -> None:
        self.terrain = terrain
        self.modes = modes
        self.barrier_delay_min = dict(barrier_delay_min or {})
        self._edge_min: dict[str, np.ndarray] = {}
        self._csr: dict[tuple, csr_matrix] = {}
        self._rows: dict[tuple, np.ndarray] = {}  # per matrix: the row of each stored entry
        self._fields: OrderedDict[tuple, _Field] = OrderedDict()
        self._field_bytes = 0  # held by the cached fields
        self._scratch: np.ndarray | None = None  # a terrain-sized cost array for stepping sparse fields
        self._paths: OrderedDict[tuple, np.ndarray | None] = OrderedDict()
        self._adjacency: dict[int, list[tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]]] = {}
        self._adjacency_of: dict[int, tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = {}  # by array identity
        self._steps: OrderedDict[tuple, list] = OrderedDict()  # (id(route), mode) -> [route, steps, offsets]
        n = terrain.n_nodes  # edge lookup: key u * n + v (both directions), sorted, -> edge index
        keys = np.concatenate(
            [terrain.edge_u.astype(np.int64) * n + terrain.edge_v, terrain.edge_v.astype(np.int64) * n + terrain.edge_u]
        )
        self._key_order = np.argsort(keys, kind="stable")
        self._keys = keys[self._key_order]
        self._home_edges = (terrain.side[terrain.edge_u] == HOME) & (terrain.side[terrain.edge_v] == HOME)

    def edge_minutes(self, mode: str) -> np.ndarray:
        """Travel time of every edge for `mode` (inf where impassable)."""
        if mode not in self._edge_min:
            t, m = self.terrain, self.modes[mode]
            factor = 0.5 * (t.speed_factor[t.edge_u] + t.speed_factor[t.edge_v])
            speed = np.where(t.edge_road, m.road_kmh, m.offroad_kmh * factor)
            minutes = t.edge_length_km / np.maximum(speed, 1e-9) * 60.0
            for e, delay in self.barrier_delay_min.items():
                minutes[e] = minutes[e] + delay if m.breaches_barriers else np.inf
            self._edge_min[mode] = minutes
        return self._edge_min[mode]

    def matrix(
        self, mode: str, home_only: bool = False, node_penalty: np.ndarray | None = None, penalty_key: str = ""
    ) -> csr_matrix:
        """Symmetric CSR cost matrix; cost = minutes * (1 + mean node penalty of the two ends).
        Searches treat it as directed (it holds both directions), which spares scipy a CSC copy
        per search."""
        key = (mode, home_only, penalty_key)
        if key not in self._csr:
            t = self.terrain
            w = self.edge_minutes(mode).copy()
            if node_penalty is not None:
                w = w * (1.0 + 0.5 * (node_penalty[t.edge_u] + node_penalty[t.edge_v]))
            keep = np.isfinite(w)
            if home_only:
                keep &= self._home_edges
            u, v, w = t.edge_u[keep], t.edge_v[keep], w[keep]
            n = t.n_nodes
            self._csr[key] = csr_matrix(
                (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n)
            )
            self._rows[key] = _entry_rows(self._csr[key])
        return self._csr[key]

    def _field(self, root: int, mode: str, home_only: bool, node_penalty, penalty_key: str, limit: float) -> _Field:
        """Least-cost minutes to `root` from every node whose cost is at most `limit` (inf
        beyond), cached; a cached field with a smaller limit is searched again, wider."""
        key = (root, mode, home_only, penalty_key)
        field = self._fields.get(key)
        if field is None or field.limit < limit:
            graph = self.matrix(mode, home_only, node_penalty, penalty_key)
            dist = dijkstra(graph, directed=True, indices=root, limit=limit)
            dist.setflags(write=False)
            xy = (self.terrain.x, self.terrain.y)
            sparse = self.terrain.n_nodes >= SPARSE_MIN_NODES and np.isfinite(limit)
            rows = self._rows[(mode, home_only, penalty_key)]
            wider = _Field(root, dist, limit, graph, xy, rows, sparse)
            self._field_bytes += wider.nbytes - (field.nbytes if field is not None else 0)
            field = self._fields[key] = wider
            field.key = key
            self._fields.move_to_end(key)  # a widened field is the newest
            self._evict()
        else:
            self._fields.move_to_end(key)
        return field

    def _evict(self) -> None:
        """Drop the least recently used fields until the cache holds at most its bytes and count
        (the newest field always stays)."""
        while len(self._fields) > 1 and (self._field_bytes > _FIELD_CACHE_BYTES or len(self._fields) > _MAX_FIELDS):
            self._field_bytes -= self._fields.popitem(last=False)[1].nbytes

    def minutes_within(
        self,
        target: int,
        mode: str,
        home_only: bool = False,
        limit: float = np.inf,
        node_penalty: np.ndarray | None = None,
        penalty_key: str = "",
    ) -> np.ndarray:
        """Least travel time from every node to `target` (the matrix is symmetric, so also from
        `target`): exact wherever it is at most `limit`; beyond the limit inf, or exact when the
        cached search went further. A search cut at the limit settles exactly the nodes it would
        settle uncut, with the same costs. With `node_penalty` (named by `penalty_key`, as in
        `path`) the costs are penalised minutes. Read-only."""
        return self._field(target, mode, home_only, node_penalty, penalty_key, limit).full_dist()

    def minutes_from(self, source: int, mode: str, home_only: bool = False) -> np.ndarray:
        """Travel time from `source` to every node (inf where unreachable)."""
        return self.minutes_within(source, mode, home_only)

    def path(
        self,
        origin: int,
        dest: int,
        mode: str,
        home_only: bool = False,
        node_penalty: np.ndarray | None = None,
        penalty_key: str = "",
    ) -> np.ndarray | None:
        """Least-cost node sequence origin..dest, or None if dest is unreachable.

        Where several paths cost the same, each step goes to the neighbour on a least-cost path
        that is nearest `dest` in a straight line (then the lowest-numbered). That rule reads only
        costs and coordinates, which any search reaching the origin gets exactly right, so the
        route never depends on how wide the cached search was (that is, on which routes were
        asked for before). The search starts at twice a straight-line estimate and widens
        fourfold until it reaches the origin."""
        if origin == dest:
            return np.array([origin], dtype=np.int64)
        key = (origin, dest, mode, home_only, penalty_key)
        path = self._paths.get(key, _MISSING)
        if path is not _MISSING:
            return path
        path = self._paths[key] = self._find_path(origin, dest, mode, home_only, node_penalty, penalty_key)
        if len(self._paths) > _PATH_CACHE:
            self._paths.popitem(last=False)
        return path

    def _find_path(
        self, origin: int, dest: int, mode: str, home_only: bool, node_penalty, penalty_key: str
    ) -> np.ndarray | None:
        field = self._reaching(origin, dest, mode, home_only, node_penalty, penalty_key)
        if not np.isfinite(field.at(origin)):
            return None
        table = field.has_table()
        if table:
            out = _walk(field.next_hops().item, origin, dest, self.terrain.n_nodes)
        else:
            if self._scratch is None and field.sparse:
                self._scratch = np.full(self.terrain.n_nodes, np.inf)
            try:
                dist = field.costs_in(self._scratch)
                out = _walk(lambda node: field.next_hop(node, dist), origin, dest, self.terrain.n_nodes)
            finally:
                field.clear(self._scratch)  # all inf again, whatever happened
        path = np.array(out, dtype=np.int64)
        path.setflags(write=False)  # shared by every caller asking for the same route
        # the route's step times (step_minutes finds them in its cache): read from the field's
        # per-cell steps where it has a next-hop table (the edge lookup done once per field, for
        # the many routes a small terrain's field serves), else looked up for this route alone
        steps = self._field_steps(field, mode)[path[:-1]] if table else self._step_minutes(path, mode)
        steps.setflags(write=False)
        self._keep_steps(path, mode, steps)
        return path

    def _reaching(self, origin: int, dest: int, mode: str, home_only: bool, node_penalty, penalty_key: str) -> _Field:
        """The cached field towards `dest` if it reaches `origin` (or is uncut); else one searched
        from twice a straight-line estimate, widened fourfold until it does."""
        fkey = (dest, mode, home_only, penalty_key)
        field = self._fields.get(fkey)
        if field is not None:
            self._fields.move_to_end(fkey)
            if np.isfinite(field.at(origin)) or np.isinf(field.limit):
                return field
        t = self.terrain
        km = float(np.hypot(t.x[origin] - t.x[dest], t.y[origin] - t.y[dest]))
        limit = 2.0 * km / self._top_kmh(mode) * 60.0 + 30.0
        if field is not None:
            limit = max(limit, field.limit * 4.0)  # it does not reach the origin: widen it
        while field is None or not (np.isfinite(field.at(origin)) or np.isinf(field.limit)):
            field = self._field(dest, mode, home_only, node_penalty, penalty_key, limit)
            limit = limit * 4.0 if limit < 1e6 else np.inf
        return field

    def _field_steps(self, field: _Field, mode: str) -> np.ndarray:
        """Minutes of each cell's step to its next hop in `field` for `mode` (NaN where none)."""
        steps = field.steps.get(mode)
        if steps is None:
            nxt = field.next_hops()
            rows = np.flatnonzero(nxt >= 0)
            steps = np.full(nxt.size, np.nan)
            steps[rows] = self._step_minutes_between(rows, nxt[rows].astype(np.int64), mode)
            steps.setflags(write=False)
            field.steps[mode] = steps
            field.nbytes += steps.nbytes  # held by the field: counted against the cache's bytes
            if self._fields.get(field.key) is field:  # (an evicted field counts no more)
                self._field_bytes += steps.nbytes
                self._evict()
        return steps

    def adjacency_within(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Neighbour lists (CSR: ptr per node, neighbours in edge order) of the edges with both
        ends in `cells`; one read-only copy per cell set, shared by every unit walking it (a copy
        per unit took 3 GiB with 1,000 units on 100,000 cells). The units of one beat share its
        read-only array, which owns its data: they are recognised by it, without reading it
        (hashing and comparing a million cells per unit took 34 s for 10,000 units)."""
        if cells.flags.writeable or not cells.flags.owndata:  # (a read-only view may still change)
            return self._adjacency_by_value(cells)
        seen = self._adjacency_of.get(id(cells))
        if seen is not None and seen[0] is cells:
            return seen[1]
        table = self._adjacency_by_value(cells)
        self._adjacency_of[id(cells)] = (cells, table)  # holds `cells`: its id is not reused meanwhile
        return table

    def _adjacency_by_value(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = hash(cells.tobytes())
        for kept, table in self._adjacency.get(key, []):
            if np.array_equal(kept, cells):
                return table
        t = self.terrain
        inside = np.zeros(t.n_nodes, dtype=bool)
        inside[cells] = True
        keep = inside[t.edge_u] & inside[t.edge_v]
        u, v = np.concatenate([t.edge_u[keep], t.edge_v[keep]]), np.concatenate([t.edge_v[keep], t.edge_u[keep]])
        order = np.argsort(u, kind="stable")
        table = (np.concatenate([[0], np.cumsum(np.bincount(u, minlength=t.n_nodes))]), v[order])
        for a in table:
            a.setflags(write=False)
        self._adjacency.setdefault(key, []).append((cells.copy(), table))
        return table

    def _top_kmh(self, mode: str) -> float:
        m = self.modes[mode]
        return max(m.road_kmh, m.offroad_kmh * float(self.terrain.speed_factor.max()), 1e-9)

    def step_minutes(self, path: np.ndarray, mode: str) -> np.ndarray:
        """Travel time of each step of `path` for `mode` (a step from a node to itself: 0); for a
        route from `path()` it is computed once. Read-only."""
        if len(path) < 2:
            return np.zeros(0)
        cached = self._steps.get((id(path), mode))
        if cached is not None and cached[0] is path:
            return cached[1]
        steps = self._step_minutes(path, mode)
        steps.setflags(write=False)
        if isinstance(path, np.ndarray) and not path.flags.writeable:  # a cached route: keep it
            self._keep_steps(path, mode, steps)
        return steps

    def step_minutes_at(self, path: np.ndarray, mode: str, speed: float) -> np.ndarray:
        """Travel time of each step of `path` for `mode` at `speed` times the mode's pace (a group
        that runs): the walking part is divided by `speed`, a barrier's breach time is not (cutting
        a fence takes as long for a running group). At speed 1: `step_minutes`."""
        steps = self.step_minutes(path, mode)
        if speed == 1.0:
            return steps
        if not self.barrier_delay_min or not self.modes[mode].breaches_barriers or len(path) < 2:
            return steps / speed
        path = np.asarray(path, dtype=np.int64)
        breach = self._per_step(path[:-1], path[1:], self._breach_minutes(mode))
        return (steps - breach) / speed + breach

    def _breach_minutes(self, mode: str) -> np.ndarray:
        """The breach time of every edge for `mode` (0 off barriers; a mode that cannot breach
        never steps on one)."""
        key = f"{mode}:breach"
        if key not in self._edge_min:
            out = np.zeros(self.terrain.n_edges)
            if self.modes[mode].breaches_barriers:
                for e, delay in self.barrier_delay_min.items():
                    out[e] = delay
            self._edge_min[key] = out
        return self._edge_min[key]

    def offsets(self, path: np.ndarray, mode: str) -> np.ndarray:
        """Minutes from the start of `path` to each of its nodes for `mode`: [0, cumsum of the
        step times]; for a route from `path()` computed once. Read-only."""
        key = (id(path), mode)
        cached = self._steps.get(key)
        if cached is None or cached[0] is not path:
            steps = self.step_minutes(path, mode)
            cached = self._steps.get(key)
            if cached is None or cached[0] is not path:  # not a cached route
                return np.concatenate([[0.0], np.cumsum(steps)])
        if cached[2] is None:
            offsets = np.concatenate([[0.0], np.cumsum(cached[1])])
            offsets.setflags(write=False)
            cached[2] = offsets
        return cached[2]

    def _keep_steps(self, path: np.ndarray, mode: str, steps: np.ndarray) -> None:
        """Cache a read-only route's step times (and, later, its offsets) under its id; the entry
        holds the path, so the id stays unique while the entry lives."""
        self._steps[(id(path), mode)] = [path, steps, None]
        if len(self._steps) > _PATH_CACHE:
            self._steps.popitem(last=False)

    def _step_minutes(self, path: np.ndarray, mode: str) -> np.ndarray:
        path = np.asarray(path, dtype=np.int64)
        return self._step_minutes_between(path[:-1], path[1:], mode)

    def _step_minutes_between(self, u: np.ndarray, v: np.ndarray, mode: str) -> np.ndarray:
        """Minutes of the edge u[i] - v[i] for `mode` (0 where u[i] == v[i]); a non-edge raises."""
        return self._per_step(u, v, self.edge_minutes(mode))

    def _per_step(self, u: np.ndarray, v: np.ndarray, per_edge: np.ndarray) -> np.ndarray:
        """`per_edge` of the edge u[i] - v[i] (0 where u[i] == v[i]); a non-edge raises."""
        pos = np.searchsorted(self._keys, u * self.terrain.n_nodes + v)
        pos = np.minimum(pos, self._keys.size - 1)
        edge = self._key_order[pos] % self.terrain.n_edges
        found = self._keys[pos] == u * self.terrain.n_nodes + v
        if not np.all(found | (u == v)):
            raise ValueError("path steps along a non-edge")
        return np.where(u == v, 0.0, per_edge[edge])


def _walk(hop, origin: int, dest: int, n_nodes: int) -> list[int]:
    """origin, hop(origin), ... up to dest."""
    out = [origin]
    node = origin
    for _ in range(n_nodes):
        if node == dest:
            return out
        node = hop(node)
        out.append(node)
    raise RuntimeError(f"routing: no end to the route {origin} -> {dest}")  # each step lowers the cost


class _Field:
    """Costs to one root (exact up to `limit`) and, built on first use, each node's next hop:
    of its neighbours on a least-cost path to the root, the one nearest the root in a straight
    line (then the lowest-numbered).

    A sparse field (a cut search on a large terrain) keeps only the cells it reached and their
    costs: 12 bytes per reached cell (an int32 id, a float64 cost), not per terrain cell, so the cache
    holds thousands of fields instead of ~170, and a beat's destinations are searched once. Its
    routes step cell by cell on a terrain-sized scratch array (`costs_in`, `clear`)."""

    _TABLE_MIN = 8192  # a dense field reaching fewer cells builds its next-hop table (reused by every route)

    def __init__(
        self,
        root: int,
        dist: np.ndarray,
        limit: float,
        graph: csr_matrix,
        xy: tuple[np.ndarray, np.ndarray],
        rows: np.ndarray | None = None,
        sparse: bool = False,
    ) -> None:
        """`dist`: the search's costs of every node; `rows`: the row of every stored entry of
        `graph` (computed here if not given)."""
        self.root, self.limit, self._graph, self._xy = root, limit, graph, xy
        self._rows = rows if rows is not None else _entry_rows(graph)
        self._n = dist.size
        self._next: np.ndarray | None = None
        self.steps: dict[str, np.ndarray] = {}  # per mode: minutes of each cell's step to its next hop
        self.key: tuple = ()  # its key in the router's cache (Router._field)
        if sparse:
            self._dense = None
            self._nodes = np.flatnonzero(np.isfinite(dist)).astype(np.int32)  # ascending
            self._costs = dist[self._nodes]
            self._reached = self._nodes.size
            self.nbytes = self._nodes.nbytes + self._costs.nbytes
        else:
            self._dense, self._nodes, self._costs = dist, None, None
            self._reached = int(np.count_nonzero(np.isfinite(dist)))
            self.nbytes = dist.nbytes + dist.nbytes // 2  # with the next-hop table (int32) once built

    def at(self, node: int) -> float:
        """The cost of `node` (inf where not reached)."""
        if self._dense is not None:
            return float(self._dense[node])
        i = int(np.searchsorted(self._nodes, node))
        return float(self._costs[i]) if i < self._nodes.size and self._nodes[i] == node else np.inf

    def full_dist(self) -> np.ndarray:
        """The cost of every node (inf where not reached). Read-only; a sparse field makes a new
        array each call (terrain-sized arrays are what sparse fields spare the cache)."""
        if self._dense is not None:
            return self._dense
        full = self.costs_in(np.full(self._n, np.inf))
        full.setflags(write=False)
        return full

    @property
    def sparse(self) -> bool:
        return self._dense is None

    def costs_in(self, scratch: np.ndarray | None) -> np.ndarray:
        """Every node's cost as one array: a dense field's own, or a sparse field's written into
        `scratch` (all inf; `clear` makes it so again)."""
        if self._dense is not None:
            return self._dense
        scratch[self._nodes] = self._costs
        return scratch

    def clear(self, scratch: np.ndarray | None) -> None:
        if self._dense is None:
            scratch[self._nodes] = np.inf

    def has_table(self) -> bool:
        """Whether routes read the next-hop table (built now if missing) or step by `next_hop`:
        a table covers every cell the field reached, which on a long border is ~100 times the
        cells of the one or two routes that use the field before it is evicted."""
        return self._dense is not None and (self._next is not None or self._reached < self._TABLE_MIN)

    def next_hop(self, node: int, dist: np.ndarray) -> int:
        """The next hop of one reached cell other than the root (`dist`: every node's cost,
        `costs_in`): the rule of `next_hops`, for that cell alone (the same float comparisons,
        so the same choice)."""
        g = self._graph
        a, b = int(g.indptr[node]), int(g.indptr[node + 1])
        here = float(dist[node])  # a few neighbours: Python floats (the same float64 sums) beat NumPy's calls
        on_path = [c for c, w in zip(g.indices[a:b].tolist(), g.data[a:b].tolist()) if float(dist[c]) + w == here]
        if len(on_path) == 1:
            return on_path[0]
        if not on_path:  # only an asymmetric or negative cost matrix does this
            raise RuntimeError("routing: a reachable cell has no neighbour on a least-cost path")
        x, y = self._xy
        xr, yr = float(x[self.root]), float(y[self.root])

        def nearest_then_lowest(c: int) -> tuple[float, int]:  # the tie rule, with the floats of `next_hops`
            dx, dy = float(x[c]) - xr, float(y[c]) - yr
            return dx * dx + dy * dy, c  # (NumPy squares by multiplying too)

        return min(on_path, key=nearest_then_lowest)

    def next_hops(self) -> np.ndarray:
        """Every reached cell's next hop (-1: the root and cells not reached); dense fields only."""
        if self._next is None:
            g, dist = self._graph, self._dense
            rows = np.flatnonzero(np.isfinite(dist))
            rows = rows[rows != self.root]
            nxt = np.full(dist.size, -1, dtype=np.int32)
            if rows.size == 0:  # nothing but the root is reachable
                self._next = nxt
                return nxt
            if 4 * rows.size > dist.size:  # most cells reached: every stored edge at once
                row, col, cost = self._rows, g.indices, g.data
                near_root = dist[row]
                on_path = (dist[col] + cost == near_root) & np.isfinite(near_root) & (row != self.root)
            else:
                counts = g.indptr[rows + 1] - g.indptr[rows]
                idx = np.repeat(g.indptr[rows] - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
                row, col, cost = np.repeat(rows, counts), g.indices[idx], g.data[idx]
                on_path = dist[col] + cost == dist[row]
            # on_path: a neighbour on a least-cost path (the search computed dist[row] as exactly this sum)
            row, col = row[on_path], col[on_path]
            if row.size > rows.size:  # some cell has tied neighbours
                row, col = self._break_ties(row, col, g.has_sorted_indices)
            nxt[row] = col
            if not (nxt[rows] >= 0).all():  # only an asymmetric or negative cost matrix does this
                raise RuntimeError("routing: a reachable cell has no neighbour on a least-cost path")
            self._next = nxt
        return self._next

    def _break_ties(self, row: np.ndarray, col: np.ndarray, cols_ascend: bool) -> tuple[np.ndarray, np.ndarray]:
        """One (row, col) per row of the candidates (grouped by row): the neighbour nearest the
        root in a straight line, then the lowest-numbered (paths on even ground run along the
        straight line, not around two sides). `cols_ascend`: columns ascend within each row."""
        x, y = self._xy
        near = (x[col] - x[self.root]) ** 2 + (y[col] - y[self.root]) ** 2
        if not cols_ascend:
            order = np.lexsort((col, near, row))
            row, col, near = row[order], col[order], near[order]
        starts = np.flatnonzero(np.concatenate([[True], row[1:] != row[:-1]]))
        lowest = np.minimum.reduceat(near, starts)  # each row's least distance
        keep = near == np.repeat(lowest, np.diff(np.append(starts, row.size)))
        row, col = row[keep], col[keep]
        first = np.flatnonzero(np.concatenate([[True], row[1:] != row[:-1]]))  # the lowest-numbered
        return row[first], col[first]


def _entry_rows(g: csr_matrix) -> np.ndarray:
    """The row of every stored entry of `g`, in storage order. Read-only."""
    rows = np.repeat(np.arange(g.shape[0], dtype=g.indices.dtype), np.diff(g.indptr))
    rows.setflags(write=False)
    return rows
