"""Benchmark: the engine against plain Mesa, on the same reduced scenario.

    .venv/bin/python bench/bench_engine.py [--size small|border-10k|border-100k|border-1m] [--seeds 3]
                                           [--mode both|none|respond] [--rss]

The reduced scenario is a scenario file, `scenarios/reduced.yaml`, run by the engine as any
scenario is (`BorderModel`; no benchmark-only path). Its plug-ins: a `grid` terrain source (4
neighbours, every edge one minute), a `fixed_rate` launch process (`launch` groups of one every
minute, each at a random staging cell of row 0 for a random town of the last row), `random_walk`
patrols on the home side, ground sensors on 5% of the home cells, and the `intercept` dispatch
rule. Groups follow shortest paths (where they tie, the neighbour nearest the destination in a
straight line, then the lowest-numbered: the engine's rule); a group on a patrol's cell is
stopped with probability p = 0.5; a sensor cell sees a passing group with q = 0.3 (it goes on).
A size is a set of overrides of that file (grid side, launches per minute, patrols, minutes,
sensor count, and the terrain seed = the benchmark seed, which places patrols and sensors).

Two modes:
- `none`: the sensors belong to an agency without units: no alert is acted on;
- `respond`: every sensor detection is dispatched at once (1,000 operators, no handling time,
  no merging of incidents): of the free patrols, the one that can stand on the group's route
  soonest within 30 minutes ahead goes there on a shortest path and waits until a minute after
  the group's planned passing (ties: the shorter walk, then the lower id); none if no free
  patrol can make it. A patrol that stops any group is free again at once. Within a minute the
  engine's meetings (as groups walk into cells) come before its sensor detections (at the
  centres), so the response reference takes all meetings first, then sensors and dispatches.

Implementations, fed the same launches (read from the engine's event log) and patrol starts (the
engine's bases), so that seeds pair:
- reference, lean loop: Mesa agents with integer node attributes, one edge per step, a next-hop
  table, a NumPy occupancy array, smugglers stepped in the model's loop; in `respond` mode the
  same dispatch rule (Manhattan distances on the grid, the engine's path rule);
- reference, Mesa space (`none` mode): the same written with Mesa's own space, as most Mesa
  models are (a `mesa.discrete_space.Network`, CellAgents stepping themselves, co-location read
  from the cell's agents);
- the project's engine (`BorderModel` on the composed scenario; its wall includes the model's
  set-up and the event log's conversion to a table);
- arrays (`none` mode): the reduced model as a few whole-array NumPy passes. It is not an engine
  (it knows only this model); it calibrates the yardstick: how far vectorising goes on this
  machine (its wall is the best of 3 runs).

Outcome counts (stops by patrols, sensor detections, arrivals) are compared with the lean
reference over seeds; then wall time, agent-steps per second, the ratios, events per second,
decisions (dispatches) per 1,000 agent-steps and peak memory (tracemalloc, a separate run).
`--rss` instead runs the engine once (seed 1) and prints the process's peak RSS minus its RSS
after the imports (what numba or NumPy allocate outside tracemalloc's view included).
"""

from __future__ import annotations

import argparse
import gc
import math
import resource
import time
import tracemalloc
from dataclasses import dataclass

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import CellAgent, Network
from scipy import stats
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

SIZES = {  # side of the grid, groups launched per minute, patrols, minutes
    "small": (40, 3, 20, 300),
    "border-10k": (100, 10, 100, 1000),
    "border-100k": (316, 50, 1000, 200),
    "border-1m": (1000, 1000, 10000, 100),  # ~100,000 groups in flight at the end
}
P_PATROL, Q_SENSOR, SENSOR_SHARE = 0.5, 0.3, 0.05  # as in scenarios/reduced.yaml
LOOKAHEAD_MIN, WAIT_AFTER_MIN = 30, 1  # the scenario's intercept rule (its defaults)


def overrides(size: str, seed: int, respond: bool) -> list[str]:
    """The entry point's overrides that make scenarios/reduced.yaml this size and mode."""
    side, per_minute, n_patrols, minutes = SIZES[size]
    out = [
        "scenario=reduced",
        f"scenario.terrain.source.columns={side}",
        f"scenario.terrain.source.rows_home={side - 1}",
        f"scenario.terrain.seed={seed}",
        f"scenario.organisations.smugglers.launch.per_minute={per_minute}",
        f"scenario.units.patrol.count={n_patrols}",
        f"scenario.sensors.net.count={round(SENSOR_SHARE * side * (side - 1))}",
        f"scenario.horizon_days={minutes / 1440!r}",
    ]
    return out + (["scenario.sensors.net.agency=bp"] if respond else [])


def engine_world(size: str, seed: int, respond: bool):
    from sim.config import SCENARIO_DIR, compose
    from sim.world import build_world

    c = compose(overrides(size, seed, respond))
    return build_world(c.scenario, c.origin, str(SCENARIO_DIR))


@dataclass
class Layout:
    side: int
    n: int
    u: np.ndarray
    v: np.ndarray
    staging: np.ndarray
    dests: np.ndarray
    sensors: np.ndarray  # node ids
    hops: np.ndarray  # next node from every node (columns), one row per destination (`dests` order)
    next_hop: dict[int, np.ndarray]  # destination -> its row of `hops` (a view)


def layout_of(world) -> Layout:
    """The engine's grid, staging cells, towns and sensors, with a next-hop table per town."""
    t = world.terrain
    side, n = world.scenario.terrain.source.params.columns, t.n_nodes
    u, v = t.edge_u.astype(np.int64), t.edge_v.astype(np.int64)
    staging, dests = np.sort(t.staging_areas), np.sort(t.towns)
    graph = csr_matrix((np.ones(2 * u.size), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    # next hop: of the neighbours one step closer to the destination, the one nearest it in a
    # straight line, then the lowest-numbered (the engine's tie rule between equal-cost paths,
    # so both walk the same shortest paths)
    src, dst = np.concatenate([u, v]), np.concatenate([v, u])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    hops = np.full((dests.size, n), -1, dtype=np.int64)
    for nh, d in zip(hops, dests.tolist()):
        dist = dijkstra(graph, indices=d)
        closer = dist[dst] + 1.0 == dist[src]
        s_c, d_c = src[closer], dst[closer]
        near = (d_c % side - d % side) ** 2 + (d_c // side - d // side) ** 2
        order = np.lexsort((d_c, near, s_c))
        s_c, d_c = s_c[order], d_c[order]
        first = np.flatnonzero(np.concatenate([[True], s_c[1:] != s_c[:-1]]))
        nh[s_c[first]] = d_c[first]
        nh[d] = d
    sensors = np.sort(np.array([s.node for s in world.sensors], dtype=np.int64))
    return Layout(side, n, u, v, staging, dests, sensors, hops, dict(zip(dests.tolist(), hops)))


def patrol_starts(world) -> np.ndarray:
    """The engine's patrol bases: where every implementation's patrols start."""
    return np.array([u.base for u in world.units], dtype=np.int64)


def walk_to(a: int, b: int, side: int) -> list[int]:
    """Cells after `a` up to `b` on the engine's shortest path across the open grid: each step to
    the neighbour one step closer that is nearest `b` in a straight line, then the lowest id."""
    rb, cb = divmod(b, side)
    cells = []
    while a != b:
        ra, ca = divmod(a, side)
        options = []
        if ra != rb:
            options.append(a + side * (1 if rb > ra else -1))
        if ca != cb:
            options.append(a + (1 if cb > ca else -1))
        a = min(options, key=lambda c: ((c // side - rb) ** 2 + (c % side - cb) ** 2, c))
        cells.append(a)
    return cells


# --- reference: plain Mesa ------------------------------------------------------------------
class Smuggler(mesa.Agent):
    def __init__(self, model: ReducedMesa, node: int, dest: int) -> None:
        super().__init__(model)
        self.node, self.dest = node, dest


class Patrol(mesa.Agent):
    def __init__(self, model: ReducedMesa, node: int) -> None:
        super().__init__(model)
        self.node = node

    def step(self) -> None:
        m = self.model
        nbrs = m.nbr[m.nbr_ptr[self.node] : m.nbr_ptr[self.node + 1]]
        m.occupancy[self.node] -= 1
        self.node = int(nbrs[int(m.random.random() * len(nbrs))])
        m.occupancy[self.node] += 1


class ReducedMesa(mesa.Model):
    """Per minute: launch, detect (sensors, patrols on the same cell), arrive, move."""

    def __init__(self, lay: Layout, plan: list[tuple[int, int, int]], starts: np.ndarray, seed: int) -> None:
        super().__init__(rng=seed)
        self.lay = lay
        self.plan, self.cursor, self.minute = plan, 0, 0
        # patrols walk the home side only (rows 1..): edges with both ends there
        home = (lay.u >= lay.side) & (lay.v >= lay.side)
        src = np.concatenate([lay.u[home], lay.v[home]])
        order = np.argsort(src, kind="stable")
        self.nbr = np.concatenate([lay.v[home], lay.u[home]])[order]
        self.nbr_ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=lay.n))])
        self.occupancy = np.zeros(lay.n, dtype=np.int64)
        self.is_sensor = np.zeros(lay.n, dtype=bool)
        self.is_sensor[lay.sensors] = True
        self.patrols = [self.new_patrol(int(node)) for node in starts]
        self.smugglers: list[Smuggler] = []
        self.patrol_detections = self.sensor_detections = self.arrivals = self.dispatches = 0

    def new_patrol(self, node: int) -> Patrol:
        self.occupancy[node] += 1
        return Patrol(self, node)

    def launch(self) -> None:
        while self.cursor < len(self.plan) and self.plan[self.cursor][0] == self.minute:
            _, origin, dest = self.plan[self.cursor]
            self.smugglers.append(Smuggler(self, origin, dest))
            self.cursor += 1

    def step(self) -> None:
        rnd = self.random.random
        self.launch()
        still = []
        for s in self.smugglers:
            node = s.node
            caught = False
            for _ in range(self.occupancy[node]):  # a patrol meets the group as it walks in,
                if rnd() < P_PATROL:  # before a sensor sees it at the cell's centre (the engine's order)
                    caught = True
                    break
            if not caught and self.is_sensor[node] and rnd() < Q_SENSOR:
                self.sensor_detections += 1
            if caught:
                self.patrol_detections += 1
            elif node == s.dest:
                self.arrivals += 1
            else:
                s.node = int(self.lay.next_hop[s.dest][node])
                still.append(s)
                continue
            s.remove()
        self.smugglers = still
        for p in self.patrols:
            p.step()
        self.minute += 1


class ResponsePatrol(mesa.Agent):
    """A patrol of the response mode, on the engine's continuous clock seen at half minutes.
    In step (`half` false) it is at `node`'s centre on the minute, in the cell from half a minute
    before to half a minute after, as the groups are. Out of step (`half`) its centres fall on
    the half minutes: it is in `prev` during the minute before and in `node` during the minute
    after. A patrol gets out of step when it stops a group while standing still (waiting on a
    route): it leaves the moment the group walks in, half a minute before the minute; it gets
    back in step when a wait ends on the minute."""

    def __init__(self, model: ReducedMesaResponse, node: int) -> None:
        super().__init__(model)
        self.node = self.prev = node
        self.half = False
        self.path: list[int] = []  # on a response: cells still to walk to the interception cell
        self.release = -1  # on a response: the minute it walks on again (-1: free)
        self.since = 0  # the minute since which it has been on `node` (in step)

    def cells(self) -> set[int]:
        """Cells it occupies during the current minute's window."""
        return {self.prev, self.node} if self.half else {self.node}

    def place(self, prev: int, node: int, half: bool) -> None:
        m = self.model
        m.unmark(self)
        if not half and node != self.node:
            self.since = m.minute + 1
        self.prev, self.node, self.half = prev, node, half
        m.mark(self)

    def neighbour(self, node: int) -> int:
        m = self.model
        nbrs = m.nbr[m.nbr_ptr[node] : m.nbr_ptr[node + 1]]
        return int(nbrs[int(m.random.random() * len(nbrs))])

    def step(self) -> None:
        m = self.model
        if self.release >= 0:
            if self.path:
                self.place(self.node, self.path.pop(0), self.half)
                return
            if m.minute + 1 < self.release:
                self.place(self.node, self.node, self.half)
                return
            if m.minute + 1 == self.release:  # the wait ends on the minute: in step from here
                self.place(self.node, self.node, False)
                return
            self.release = -1
        self.place(self.node, self.neighbour(self.node), self.half)


class ReducedMesaResponse(ReducedMesa):
    """The response mode: a sensor detection dispatches a patrol by the intercept rule; a patrol
    shares a cell with a group when their times in it overlap (the engine's encounter rule)."""

    def __init__(self, lay: Layout, plan: list[tuple[int, int, int]], starts: np.ndarray, seed: int) -> None:
        self.overlap = np.zeros(lay.n, dtype=np.int64)  # patrols in each cell this minute (before the patrols)
        super().__init__(lay, plan, starts, seed)

    def new_patrol(self, node: int) -> ResponsePatrol:
        p = ResponsePatrol(self, node)
        self.mark(p)
        return p

    def mark(self, p: ResponsePatrol) -> None:
        for c in p.cells():
            self.overlap[c] += 1

    def unmark(self, p: ResponsePatrol) -> None:
        for c in p.cells():
            self.overlap[c] -= 1

    def step(self) -> None:
        rnd = self.random.random
        self.launch()
        # the engine's order within a minute: every meeting (as the groups walk in, half a minute
        # before) comes before any sensor detection (at the cells' centres) and so before any
        # dispatch: a patrol freed by a stop can be sent in the same minute
        going = []
        for s in self.smugglers:
            node = s.node
            caught = -1
            for k in range(self.overlap[node]):
                if rnd() < P_PATROL:
                    caught = k
                    break
            if caught >= 0:
                self.patrol_detections += 1
                self._stopped_by([p for p in self.patrols if node in p.cells()][caught], node)
                s.remove()
            else:
                going.append(s)
        still = []
        for s in going:
            node = s.node
            if self.is_sensor[node] and rnd() < Q_SENSOR:
                self.sensor_detections += 1
                self._dispatch(s, node)
            if node == s.dest:
                self.arrivals += 1
                s.remove()
            else:
                s.node = int(self.lay.next_hop[s.dest][node])
                still.append(s)
        self.smugglers = still
        for p in self.patrols:
            p.step()
        self.minute += 1

    def _stopped_by(self, p: ResponsePatrol, node: int) -> None:
        """A patrol that stops a group is free again at once; it walks on from the cell's centre,
        or, if it was standing there when the group walked in, from that moment."""
        standing = (p.half and p.prev == p.node == node) or (not p.half and p.release >= 0 and p.since < self.minute)
        leaving = p.half and p.prev == node != p.node  # already past the centre: it re-plans its walk
        p.path, p.release = [], -1
        if standing or leaving:
            p.place(node, p.neighbour(node), True)

    def _dispatch(self, s: Smuggler, node: int) -> None:
        """The scenario's intercept rule: the free patrol that can stand soonest on the group's
        route ahead (cells at minutes +1 .. +30) goes there; ties: sooner arrival, lower id. An
        out-of-step patrol starts half a minute later (when it reaches its cell's centre)."""
        side, hops = self.lay.side, self.lay.next_hop[s.dest]
        ahead, c = [], node
        while len(ahead) < LOOKAHEAD_MIN and c != s.dest:
            c = int(hops[c])
            ahead.append(c)
        free = [p for p in self.patrols if p.release < 0]
        if not ahead or not free:
            return
        pos, cells = np.array([p.node for p in free]), np.array(ahead)
        late = np.array([0.5 * p.half for p in free])
        arrive = (
            np.abs(pos[:, None] // side - cells // side) + np.abs(pos[:, None] % side - cells % side) + late[:, None]
        )
        ok = arrive <= np.arange(1, cells.size + 1)
        reach = ok.any(axis=0)
        if not reach.any():
            return
        i = int(np.argmax(reach))
        rows = np.flatnonzero(ok[:, i])
        p = free[int(rows[int(np.argmin(arrive[rows, i]))])]  # the first minimum: the lowest id
        p.path, p.release = walk_to(p.node, ahead[i], side), self.minute + i + 1 + WAIT_AFTER_MIN
        self.dispatches += 1


def run_reference(lay: Layout, plan, starts: np.ndarray, minutes: int, seed: int, respond: bool = False):
    model = (ReducedMesaResponse if respond else ReducedMesa)(lay, plan, starts, seed)
    agent_steps = 0
    t0 = time.perf_counter()
    for _ in range(minutes):
        agent_steps += len(model.smugglers) + len(starts)
        model.step()
    wall = time.perf_counter() - t0
    out = {"patrol": model.patrol_detections, "sensor": model.sensor_detections, "arrived": model.arrivals}
    return out, wall, agent_steps, model.dispatches


# --- reference with Mesa's space: a Network of cells, CellAgents -----------------------------
class SpaceSmuggler(CellAgent):
    def __init__(self, model: ReducedMesaSpace, cell, dest: int) -> None:
        super().__init__(model)
        self.cell, self.dest = cell, dest

    def step(self) -> None:
        m = self.model
        node = self.cell.coordinate
        for other in self.cell.agents:  # patrols first, as in ReducedMesa
            if isinstance(other, SpacePatrol) and m.random.random() < P_PATROL:
                m.patrol_detections += 1
                self.remove()
                return
        if m.is_sensor[node] and m.random.random() < Q_SENSOR:
            m.sensor_detections += 1
        if node == self.dest:
            m.arrivals += 1
            self.remove()
            return
        self.cell = m.cells[int(m.lay.next_hop[self.dest][node])]


class SpacePatrol(CellAgent):
    def __init__(self, model: ReducedMesaSpace, cell) -> None:
        super().__init__(model)
        self.cell = cell

    def step(self) -> None:
        m = self.model
        nbrs = m.home_nbrs[self.cell.coordinate]
        self.cell = m.cells[nbrs[int(m.random.random() * len(nbrs))]]


class ReducedMesaSpace(mesa.Model):
    """The reference as a Mesa user writes it with Mesa's own space: the grid as a
    `mesa.discrete_space.Network` (no layout computed), smugglers and patrols as CellAgents that
    step themselves (`AgentSet.do`), co-location read from the cell's agents. Same order per
    minute as ReducedMesa: launch, smugglers (detect, arrive, move), patrols."""

    def __init__(self, lay: Layout, plan: list[tuple[int, int, int]], starts: np.ndarray, seed: int) -> None:
        super().__init__(rng=seed)
        self.lay, self.plan, self.cursor, self.minute = lay, plan, 0, 0
        graph = nx.Graph()
        graph.add_nodes_from(range(lay.n))
        graph.add_edges_from(zip(lay.u.tolist(), lay.v.tolist()))
        self.grid = Network(graph, layout=None, random=self.random)
        self.cells = [self.grid._cells[v] for v in range(lay.n)]
        self.home_nbrs = {v: [w for w in graph[v] if w >= lay.side] for v in range(lay.side, lay.n)}
        self.is_sensor = np.zeros(lay.n, dtype=bool)
        self.is_sensor[lay.sensors] = True
        for node in starts.tolist():
            SpacePatrol(self, self.cells[node])
        self.patrol_detections = self.sensor_detections = self.arrivals = 0

    def step(self) -> None:
        while self.cursor < len(self.plan) and self.plan[self.cursor][0] == self.minute:
            _, origin, dest = self.plan[self.cursor]
            SpaceSmuggler(self, self.cells[origin], dest)
            self.cursor += 1
        if SpaceSmuggler in self.agents_by_type:
            self.agents_by_type[SpaceSmuggler].do("step")
        self.agents_by_type[SpacePatrol].do("step")
        self.minute += 1


def run_reference_space(lay: Layout, plan, starts: np.ndarray, minutes: int, seed: int) -> tuple[dict, float]:
    model = ReducedMesaSpace(lay, plan, starts, seed)
    t0 = time.perf_counter()
    for _ in range(minutes):
        model.step()
    wall = time.perf_counter() - t0
    return {"patrol": model.patrol_detections, "sensor": model.sensor_detections, "arrived": model.arrivals}, wall


# --- calibration: the reduced model as whole-array NumPy ---------------------------------------
def run_vectorised(lay: Layout, plan, starts: np.ndarray, minutes: int, seed: int) -> tuple[dict, float]:
    """The reduced model written as a handful of whole-array NumPy passes: every patrol's walk
    for all minutes (one vector step per minute), every smuggler's (minute, cell) rows at once, a
    dense (minute, cell) patrol-count table, one draw per row. It knows nothing but this reduced
    model (discrete minutes, unit edges, no decisions), so it is not an engine; it shows how far
    vectorising can go against this reference on this machine (the yardstick's ceiling)."""
    t0 = time.perf_counter()
    n = lay.n
    rng = np.random.default_rng([seed, 13])
    home = (lay.u >= lay.side) & (lay.v >= lay.side)  # patrols walk the home side, as in the reference
    src = np.concatenate([lay.u[home], lay.v[home]])
    nbr = np.concatenate([lay.v[home], lay.u[home]])[np.argsort(src, kind="stable")]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
    pos = starts.astype(np.int64)
    walk = np.empty((minutes, pos.size), dtype=np.int64)  # cell of each patrol at each minute
    draws = rng.random((minutes, pos.size))
    for k in range(minutes):
        walk[k] = pos
        start = ptr[pos]
        pos = nbr[start + (draws[k] * (ptr[pos + 1] - start)).astype(np.int64)]
    patrols_on = np.zeros(minutes * n, dtype=np.uint8)  # patrols per (minute, cell)
    np.add.at(patrols_on, (np.arange(minutes)[:, None] * n + walk).ravel(), 1)
    launch = np.array(plan, dtype=np.int64).reshape(-1, 3)
    t_launch, pair = launch[:, 0], launch[:, 1] * n + launch[:, 2]
    pairs, route_of = np.unique(pair, return_inverse=True)
    # every (origin, destination) route at once: all pairs take one hop per pass, a pass per
    # cell of the longest route (row i of `routes` is pair i's route; a pair that has arrived
    # stays on its destination)
    here, dest = pairs // n, pairs % n
    row = np.searchsorted(lay.dests, dest) * n  # each pair's next-hop row in the flat table
    hops = lay.hops.ravel()
    routes = [here]
    while not np.array_equal(here, dest):
        here = hops[row + here]
        routes.append(here)
    routes = np.stack(routes, axis=1)
    route_len = 1 + np.count_nonzero(routes != dest[:, None], axis=1)  # cells on each pair's route
    length = route_len[route_of]  # cells on each smuggler's route
    seen = np.minimum(length, minutes - t_launch)  # minutes before the horizon
    smuggler = np.repeat(np.arange(t_launch.size), seen)  # one row per smuggler-minute
    step = np.arange(smuggler.size) - np.repeat(np.cumsum(seen) - seen, seen)
    cell = routes.ravel()[route_of[smuggler] * routes.shape[1] + step]
    minute = t_launch[smuggler] + step
    met = patrols_on[minute * n + cell]
    rows = np.flatnonzero(met)
    caught = rows[rng.random(rows.size) < 1.0 - (1.0 - P_PATROL) ** met[rows]]
    first = caught[np.concatenate([[True], smuggler[caught][1:] != smuggler[caught][:-1]])] if caught.size else caught
    caught_at = np.full(t_launch.size, np.iinfo(np.int64).max)
    caught_at[smuggler[first]] = minute[first]
    is_sensor = np.zeros(n, dtype=bool)
    is_sensor[lay.sensors] = True
    passes = np.count_nonzero(is_sensor[cell] & (minute < caught_at[smuggler]))  # patrols first, as in ReducedMesa
    sensor = int((rng.random(passes) < Q_SENSOR).sum())
    arrived = int(np.count_nonzero((seen == length) & (caught_at > t_launch + length - 1)))
    return {"patrol": int(first.size), "sensor": sensor, "arrived": arrived}, time.perf_counter() - t0


# --- the project's engine -------------------------------------------------------------------
def run_engine(world, seed: int) -> tuple[dict, float, int, int, list[tuple[int, int, int]]]:
    """One replication: outcomes, wall time, event rows, dispatches, and the launches it made
    ((minute, origin, destination) in launch order, for the references)."""
    from sim.model import BorderModel

    t0 = time.perf_counter()
    ev = BorderModel(world, seed).run().to_arrow().to_pandas()
    wall = time.perf_counter() - t0
    att = ev[ev.kind == "attempt"].sort_values("attempt")
    dests = [int(d.split(">")[1]) for d in att.detail]
    plan = [(int(round(t)), int(o), d) for t, o, d in zip(att.t, att.node, dests)]
    return outcomes(ev), wall, len(ev), int((ev.kind == "dispatch").sum()), plan


def outcomes(ev) -> dict[str, int]:
    """The counts compared with the references, from an engine event log (a DataFrame)."""
    det = ev[ev.kind == "detection"]
    return {
        "patrol": int((det.source == "patrol").sum()),
        "sensor": int((det.source == "ground").sum()),
        "arrived": int((ev.kind == "got_away").sum()),
    }


def peak_memory(fn, *args) -> float:
    """Peak traced Python allocation (bytes) of one call."""
    tracemalloc.start()
    try:
        fn(*args)
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


AGREE_P = 0.001  # an outcome DIFFERs when either test rejects equality at this two-sided level


def agreement(name: str, a_rows: list[dict], b_rows: list[dict], keys=("patrol", "sensor", "arrived")) -> None:
    """Print, per outcome, the two means with Welch's t of their difference and the paired t of
    the per-seed differences, each with its two-sided p from Student's t (with 4 seeds, 3 degrees
    of freedom, |t| > 3 happens by chance 6% of the time; a normal p would call it 0.3%)."""
    for key in keys:
        a = np.array([r[key] for r in a_rows], dtype=float)
        b = np.array([r[key] for r in b_rows], dtype=float)
        # paired: a seed gives both the same launches and patrol starts, so its two counts are
        # correlated and the difference per seed is the sharper test
        d = b - a
        if d.size < 2:  # one seed: no spread to judge a difference by
            print(f"  {key:8s} reference {a.mean():10.1f}  {name} {b.mean():10.1f}  (1 seed: not testable)")
            continue
        if a.var() > 0 or b.var() > 0:
            welch = stats.ttest_ind(b, a, equal_var=False)
            t_w, p_w = float(welch.statistic), float(welch.pvalue)
        else:  # both constant: equal means agree, any difference is certain (t is infinite)
            t_w, p_w = _degenerate(b.mean() - a.mean())
        if d.var() > 0:
            paired = stats.ttest_1samp(d, 0.0)
            t_p, p_p = float(paired.statistic), float(paired.pvalue)
        else:  # every seed differs by the same amount: 0 agrees, any other is systematic
            t_p, p_p = _degenerate(d.mean())
        verdict = "agree" if min(p_w, p_p) >= AGREE_P else "DIFFER"
        print(
            f"  {key:8s} reference {a.mean():10.1f}  {name} {b.mean():10.1f}  (Welch t = {t_w:+.2f}, "
            f"p = {p_w:.3f}; paired t = {t_p:+.2f}, p = {p_p:.3f}; {d.size} seeds: {verdict})"
        )


def _degenerate(diff: float) -> tuple[float, float]:
    """t and p of a difference with no spread: (0, 1) if it is 0, else (+-inf, 0), as the limit."""
    return (0.0, 1.0) if diff == 0 else (math.copysign(math.inf, diff), 0.0)


def rss_mode(size: str, respond: bool) -> None:
    """Peak RSS of this process minus its RSS after the imports, for one engine replication (the
    world built, the run, its event log as a table), read before this benchmark's own analysis."""

    def rss_now() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20

    import sim.world  # noqa: F401  (the engine's imports belong to "after the imports")
    from sim.model import BorderModel

    base = rss_now()
    world = engine_world(size, 1, respond)
    built = rss_now()
    t0 = time.perf_counter()
    events = BorderModel(world, 1).run().to_arrow()  # the replication and its event log, as a sweep has them
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before this benchmark's own analysis
    ev = events.to_pandas()
    out = outcomes(ev)
    _, _, n_patrols, minutes = SIZES[size]
    launched = ev[ev.kind == "attempt"].set_index("attempt").t
    ended = ev[ev.kind.isin(["interdiction", "got_away"])].groupby("attempt").t.min().reindex(launched.index)
    # the lean reference's count: every group on the move and every patrol, once a minute
    agent_steps = float((ended.fillna(minutes).clip(upper=minutes) - launched).sum()) + n_patrols * minutes
    print(
        f"{size} ({'respond' if respond else 'none'}): {launched.size:,} groups, {n_patrols:,} patrols, {minutes} "
        f"minutes, {events.num_rows:,} event rows, {out}; the replication took {wall:.1f} s, about "
        f"{agent_steps / 1e6:.2f} M agent-steps ({agent_steps / wall:,.0f} per s). RSS after imports {base:.0f} MiB; "
        f"the world built {built - base:.0f} MiB; peak {peak:.0f} MiB: **{peak - base:.0f} MiB above the imports**"
    )


def bench(size: str, seeds: int, respond: bool) -> dict:
    """Every implementation on `seeds` seeds of one size and mode; prints the comparison and returns
    the row of the decisions table."""
    side, per_minute, n_patrols, minutes = SIZES[size]
    mode = "respond" if respond else "none"
    rows = []
    for seed in range(1, seeds + 1):
        world = engine_world(size, seed, respond)
        lay, starts = layout_of(world), patrol_starts(world)
        # each timed run starts on a collected heap: the previous run's cyclic garbage (100,000
        # Mesa cells and their agents) otherwise lands in the next run's time
        gc.collect()
        eng, eng_wall, events, dispatches, plan = run_engine(world, seed)
        gc.collect()
        ref, ref_wall, agent_steps, ref_dispatches = run_reference(lay, plan, starts, minutes, seed, respond)
        row = dict(ref=ref, eng=eng, ref_wall=ref_wall, eng_wall=eng_wall, agent_steps=agent_steps, events=events)
        row.update(dispatches=dispatches, ref_dispatches=ref_dispatches)
        if not respond:
            gc.collect()
            row["spc"], row["spc_wall"] = run_reference_space(lay, plan, starts, minutes, seed)
            # the calibration asks how fast vectorising can go: best of 3 runs, since in a 50-ms run
            # the first touch of its ~100 MB of fresh arrays (page faults) weighs a third or more
            gc.collect()
            vec_runs = [run_vectorised(lay, plan, starts, minutes, seed) for _ in range(3)]
            row["vec"], row["vec_wall"] = vec_runs[0][0], min(w for _, w in vec_runs)
        if seed == 1:  # timed without tracemalloc (it slows allocation-heavy code unevenly), then again
            row["ref_peak"] = peak_memory(run_reference, lay, plan, starts, minutes, seed, respond)
            row["eng_peak"] = peak_memory(run_engine, world, seed)
        rows.append(row)
        others = (
            ""
            if respond
            else f" | Mesa-space reference {row['spc']} in {row['spc_wall']:.2f} s | arrays {row['vec']} in "
            f"{row['vec_wall'] * 1000:.0f} ms"
        )
        print(
            f"seed {seed}: reference {ref} in {ref_wall:.2f} s | engine {eng} in {eng_wall:.2f} s "
            f"({dispatches} dispatches; reference {ref_dispatches}){others}",
            flush=True,
        )
    print(
        f"\n{size}, {mode}: grid {side}x{side} = {side * side} cells, {per_minute}/min launched, {n_patrols} patrols, "
        f"{minutes} minutes"
    )
    print("outcomes against the lean reference:")
    base = [r["ref"] for r in rows]
    names = (("eng", "engine"),) if respond else (("spc", "Mesa-space"), ("eng", "engine"), ("vec", "arrays"))
    for key, name in names:
        agreement(name, base, [r[key] for r in rows])
    if respond:  # the mechanic the response mode mirrors: how many dispatches it makes
        agreement(
            "engine",
            [{"dispatches": r["ref_dispatches"]} for r in rows],
            [{"dispatches": r["dispatches"]} for r in rows],
            ("dispatches",),
        )
    agent_steps = np.mean([r["agent_steps"] for r in rows])  # the lean reference's count, for all
    # the median over seeds: the VM stalls now and then, which a mean would carry into the ratios
    keys = ("ref", "eng") if respond else ("ref", "spc", "eng", "vec")
    walls = {key: np.median([r[key + "_wall"] for r in rows]) for key in keys}
    print(f"\n  {'implementation':34s} {'median wall (s)':>15s} {'agent-steps/s':>14s} {'vs lean':>9s}")
    labels = {
        "ref": "reference: lean loop",
        "spc": "reference: Mesa space (CellAgents)",
        "eng": "engine (includes model set-up)",
        "vec": "arrays (calibration; best of 3)",
    }
    for key in keys:
        w = walls[key]
        print(f"  {labels[key]:34s} {w:15.3f} {agent_steps / w:14,.0f} {walls['ref'] / w:8.2f}x")
    decisions = 1000 * np.mean([r["dispatches"] for r in rows]) / agent_steps
    print(f"  engine events/s {np.mean([r['events'] for r in rows]) / walls['eng']:,.0f}")
    print(f"  decisions (dispatches) per 1,000 agent-steps: {decisions:.2f}")
    print(
        f"  peak memory (seed 1, tracemalloc)  reference {rows[0]['ref_peak'] / 2**20:.1f} MiB   "
        f"engine {rows[0]['eng_peak'] / 2**20:.1f} MiB\n"
    )
    return dict(size=size, mode=mode, decisions=decisions, ratio=walls["ref"] / walls["eng"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=sorted(SIZES), default="border-10k")
    ap.add_argument("--seeds", type=int, default=3, help="paired seeds 1..N (at least 1; 2 or more to test agreement)")
    ap.add_argument("--mode", choices=("both", "none", "respond"), default="both")
    ap.add_argument("--rss", action="store_true", help="only the engine's peak RSS above its imports (one seed)")
    args = ap.parse_args()
    if args.seeds < 1:
        ap.error(f"--seeds {args.seeds}: allowed: at least 1 (2 or more to test agreement)")
    modes = [False, True] if args.mode == "both" else [args.mode == "respond"]
    if args.rss:
        for respond in modes:
            rss_mode(args.size, respond)
        return
    table = [bench(args.size, args.seeds, respond) for respond in modes]
    print("how the engine's ratio to the lean reference falls with decisions:")
    print(f"  {'size':12s} {'mode':8s} {'decisions / 1,000 agent-steps':>30s} {'engine vs lean':>15s}")
    for r in table:
        print(f"  {r['size']:12s} {r['mode']:8s} {r['decisions']:30.2f} {r['ratio']:14.3f}x")


if __name__ == "__main__":
    main()
