"""Compiled routing: CSR travel-time matrices per movement mode and cached shortest-path trees.

Travel time of an edge (minutes) = length / speed * 60, with speed = the mode's road speed on
road edges and its off-road speed times the mean speed factor of the two end cells otherwise.
Barrier edges add a breach delay for modes that can breach them (foot) and are closed to the
others (vehicles). Units of the home side
route on the home-side subgraph only. Dijkstra runs in scipy.sparse.csgraph; trees towards a
destination are cached, so planning a route is a walk up a predecessor array.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.scenario import ModeSpec
from sim.terrain.model import HOME, Terrain

_TREE_CACHE = 4096


class Router:
    """Shortest paths on one terrain for several movement modes."""

    def __init__(self, terrain: Terrain, modes: dict[str, ModeSpec],
                 barrier_delay_min: dict[int, float] | None = None) -> None:
        self.terrain = terrain
        self.modes = modes
        self.barrier_delay_min = dict(barrier_delay_min or {})
        self._edge_min: dict[str, np.ndarray] = {}
        self._csr: dict[tuple, csr_matrix] = {}
        self._trees: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._from: OrderedDict[tuple, np.ndarray] = OrderedDict()
        n = terrain.n_nodes  # edge lookup: key u * n + v (both directions), sorted, -> edge index
        keys = np.concatenate([terrain.edge_u.astype(np.int64) * n + terrain.edge_v,
                               terrain.edge_v.astype(np.int64) * n + terrain.edge_u])
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

    def matrix(self, mode: str, home_only: bool = False, node_penalty: np.ndarray | None = None,
               penalty_key: str = "") -> csr_matrix:
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
        return self._csr[key]

    def _tree(self, root: int, mode: str, home_only: bool, node_penalty, penalty_key: str) -> np.ndarray:
        """The whole shortest-path tree towards `root` (cached). Always the whole tree, never one
        cut at a cost limit: where costs tie, the path chosen must not depend on which routes were
        asked before (replications share a World, and a chunk's results must not depend on the
        chunks run before it in the same process)."""
        key = (root, mode, home_only, penalty_key)
        pred = self._trees.get(key)
        if pred is None:
            graph = self.matrix(mode, home_only, node_penalty, penalty_key)
            _, pred = dijkstra(graph, directed=True, indices=root, return_predecessors=True)
            self._trees[key] = pred
            if len(self._trees) > _TREE_CACHE:
                self._trees.popitem(last=False)
        else:
            self._trees.move_to_end(key)
        return pred

    def path(self, origin: int, dest: int, mode: str, home_only: bool = False,
             node_penalty: np.ndarray | None = None, penalty_key: str = "") -> np.ndarray | None:
        """Least-cost node sequence origin..dest, or None if dest is unreachable."""
        if origin == dest:
            return np.array([origin], dtype=np.int64)
        pred = self._tree(dest, mode, home_only, node_penalty, penalty_key)
        if pred[origin] < 0:
            return None
        out = [origin]
        node = origin
        while node != dest:
            node = int(pred[node])
            out.append(node)
        return np.array(out, dtype=np.int64)

    def step_minutes(self, path: np.ndarray, mode: str) -> np.ndarray:
        """Travel time of each step of `path` for `mode` (a step from a node to itself: 0)."""
        if len(path) < 2:
            return np.zeros(0)
        path = np.asarray(path, dtype=np.int64)
        u, v = path[:-1], path[1:]
        pos = np.searchsorted(self._keys, u * self.terrain.n_nodes + v)
        pos = np.minimum(pos, self._keys.size - 1)
        edge = self._key_order[pos] % self.terrain.n_edges
        found = self._keys[pos] == u * self.terrain.n_nodes + v
        if not np.all(found | (u == v)):
            raise ValueError("path steps along a non-edge")
        return np.where(u == v, 0.0, self.edge_minutes(mode)[edge])

    def minutes_from(self, source: int, mode: str, home_only: bool = False) -> np.ndarray:
        """Travel time from `source` to every node (inf where unreachable); recent ones cached."""
        key = (source, mode, home_only)
        dist = self._from.get(key)
        if dist is None:
            dist = dijkstra(self.matrix(mode, home_only), directed=True, indices=source)
            dist.setflags(write=False)
            self._from[key] = dist
            if len(self._from) > 256:
                self._from.popitem(last=False)
        else:
            self._from.move_to_end(key)
        return dist
