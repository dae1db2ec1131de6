"""Benchmark: the engine against plain Mesa, on the same reduced scenario.

    .venv/bin/python bench/bench_engine.py [--size border-10k|border-100k|small] [--seeds 3]

Reduced scenario (every implementation): a square grid (4 neighbours, every edge 1 minute);
row 0 is the foreign side with staging cells, the last row holds destinations. Every minute
`launch` smugglers start at a random staging cell for a random destination and follow a
shortest path (a precomputed next-hop table; where shortest paths tie, all take the
neighbour nearest the destination in a straight line, the engine's routing rule); patrols
random-walk the home side; a smuggler on the same cell as a patrol at the same minute is
detected with probability p (and stopped); a sensor cell detects a smuggler passing it with
probability q (it goes on). Outcome counts (detections by patrols, by sensors, arrivals) are
compared with the lean reference over seeds, then wall time, agent-steps per second, events
per second and peak memory are printed with the ratios.

Four implementations run on the same launches and patrol starts:
- reference, lean loop: Mesa agents with integer node attributes, one edge per step, a
  next-hop table, a NumPy occupancy array for patrols, smugglers stepped in the model's loop;
- reference, Mesa space: the same written with Mesa's own space, as most Mesa models are (a
  `mesa.discrete_space.Network`, CellAgents stepping themselves through `AgentSet.do`,
  co-location read from the cell's agents);
- the project's engine (`BorderModel`, the reduced scenario as a `World`);
- arrays: the reduced model as a few whole-array NumPy passes. It is not an engine (it knows
  only this model); it calibrates the yardstick: how far vectorising goes on this machine (its
  wall is the best of 3 runs).
"""

from __future__ import annotations

import argparse
import gc
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

SIZES = {  # side of the grid, smugglers launched per minute, patrols, minutes
    "small": (40, 3, 20, 300),
    "border-10k": (100, 10, 100, 1000),
    "border-100k": (316, 50, 1000, 200),
}
P_PATROL, Q_SENSOR, SENSOR_SHARE, ENDPOINTS = 0.5, 0.3, 0.05, 20


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


def layout(side: int, seed: int = 0) -> Layout:
    n = side * side
    ids = np.arange(n).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    rng = np.random.default_rng(seed)
    cols = np.linspace(0, side - 1, ENDPOINTS).astype(int)
    staging, dests = ids[0, cols], ids[-1, cols]
    home = ids[1:, :].ravel()
    sensors = rng.choice(home, size=int(SENSOR_SHARE * home.size), replace=False)
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
    return Layout(side, n, u, v, staging, dests, np.sort(sensors), hops, dict(zip(dests.tolist(), hops)))


def patrol_starts(lay: Layout, n_patrols: int, seed: int) -> np.ndarray:
    """Where the patrols start (home-side cells): the same for both implementations."""
    home = np.arange(lay.side, lay.n)
    return home[np.random.default_rng([seed, 11]).choice(home.size, n_patrols)]


def launches(lay: Layout, per_minute: int, minutes: int, seed: int) -> list[tuple[int, int, int]]:
    """(minute, origin, destination) of every smuggler: the same list for both implementations."""
    rng = np.random.default_rng([seed, 7])
    return [
        (t, int(lay.staging[rng.integers(ENDPOINTS)]), int(lay.dests[rng.integers(ENDPOINTS)]))
        for t in range(minutes)
        for _ in range(per_minute)
    ]


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

    def __init__(self, lay: Layout, plan: list[tuple[int, int, int]], n_patrols: int, seed: int) -> None:
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
        self.patrols = [Patrol(self, int(node)) for node in patrol_starts(lay, n_patrols, seed)]
        for p in self.patrols:
            self.occupancy[p.node] += 1
        self.smugglers: list[Smuggler] = []
        self.patrol_detections = self.sensor_detections = self.arrivals = 0

    def step(self) -> None:
        rnd = self.random.random
        while self.cursor < len(self.plan) and self.plan[self.cursor][0] == self.minute:
            _, origin, dest = self.plan[self.cursor]
            self.smugglers.append(Smuggler(self, origin, dest))
            self.cursor += 1
        still = []
        for s in self.smugglers:
            node = s.node
            if self.is_sensor[node] and rnd() < Q_SENSOR:
                self.sensor_detections += 1
            caught = False
            for _ in range(self.occupancy[node]):
                if rnd() < P_PATROL:
                    caught = True
                    break
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


def run_reference(lay: Layout, plan, n_patrols: int, minutes: int, seed: int) -> tuple[dict, float, int]:
    model = ReducedMesa(lay, plan, n_patrols, seed)
    agent_steps = 0
    t0 = time.perf_counter()
    for _ in range(minutes):
        agent_steps += len(model.smugglers) + n_patrols
        model.step()
    wall = time.perf_counter() - t0
    return (
        {"patrol": model.patrol_detections, "sensor": model.sensor_detections, "arrived": model.arrivals},
        wall,
        agent_steps,
    )


# --- reference with Mesa's space: a Network of cells, CellAgents -----------------------------
class SpaceSmuggler(CellAgent):
    def __init__(self, model: ReducedMesaSpace, cell, dest: int) -> None:
        super().__init__(model)
        self.cell, self.dest = cell, dest

    def step(self) -> None:
        m = self.model
        node = self.cell.coordinate
        if m.is_sensor[node] and m.random.random() < Q_SENSOR:
            m.sensor_detections += 1
        for other in self.cell.agents:
            if isinstance(other, SpacePatrol) and m.random.random() < P_PATROL:
                m.patrol_detections += 1
                self.remove()
                return
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

    def __init__(self, lay: Layout, plan: list[tuple[int, int, int]], n_patrols: int, seed: int) -> None:
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
        for node in patrol_starts(lay, n_patrols, seed).tolist():
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


def run_reference_space(lay: Layout, plan, n_patrols: int, minutes: int, seed: int) -> tuple[dict, float]:
    model = ReducedMesaSpace(lay, plan, n_patrols, seed)
    t0 = time.perf_counter()
    for _ in range(minutes):
        model.step()
    wall = time.perf_counter() - t0
    return {"patrol": model.patrol_detections, "sensor": model.sensor_detections, "arrived": model.arrivals}, wall


# --- calibration: the reduced model as whole-array NumPy ---------------------------------------
def run_vectorised(lay: Layout, plan, n_patrols: int, minutes: int, seed: int) -> tuple[dict, float]:
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
    pos = patrol_starts(lay, n_patrols, seed).astype(np.int64)
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
    passes = np.count_nonzero(is_sensor[cell] & (minute <= caught_at[smuggler]))
    sensor = int((rng.random(passes) < Q_SENSOR).sum())
    arrived = int(np.count_nonzero((seen == length) & (caught_at > t_launch + length - 1)))
    return {"patrol": int(first.size), "sensor": sensor, "arrived": arrived}, time.perf_counter() - t0


# --- the project's engine -------------------------------------------------------------------
def engine_world(lay: Layout, n_patrols: int, minutes: int, seed: int):
    from sim.params import Chosen
    from sim.policies.patrol.random_walk import RandomWalkParams
    from sim.scenario import (
        AgencySpec,
        CargoSpec,
        KindSpec,
        ModeSpec,
        OrgSpec,
        ScenarioSpec,
        TerrainSpec,
        UnitGroupSpec,
    )
    from sim.sensors.ground import GroundParams
    from sim.terrain.model import FOREIGN, HOME, STAGING, TOWN, Terrain
    from sim.world import build_world

    side, n = lay.side, lay.n
    xs, ys = np.meshgrid(np.arange(side) + 0.5, np.arange(side) - 0.5)
    side_arr = np.where(ys.ravel() < 0, FOREIGN, HOME).astype(np.int8)
    feature = np.zeros(n, dtype=np.int8)
    feature[lay.staging], feature[lay.dests] = STAGING, TOWN
    terrain = Terrain(
        x=xs.ravel(),
        y=ys.ravel(),
        kind=np.zeros(n, dtype=np.int16),
        kind_names=("open",),
        cover=np.zeros(n),
        speed_factor=np.ones(n),
        side=side_arr,
        sector=np.zeros(n, dtype=np.int16),
        sector_names=("S1",),
        feature=feature,
        edge_u=lay.u.astype(np.int32),
        edge_v=lay.v.astype(np.int32),
        edge_length_km=np.ones(lay.u.size),
        edge_road=np.zeros(lay.u.size, dtype=bool),
        name=f"grid{side}",
    )
    spec = ScenarioSpec(
        name="reduced",
        horizon_days=minutes / 1440.0,
        modes={"foot": ModeSpec(60.0, 60.0, True), "vehicle": ModeSpec(60.0, 60.0)},
        agencies={
            "bp": AgencySpec(jurisdiction=["all"]),
            "net": AgencySpec(jurisdiction=["all"], operators=1000, handling_min=0.0, handling="fixed"),
        },
        units={
            "patrol": UnitGroupSpec(
                agency="bp",
                count=n_patrols,
                mode="vehicle",
                policy=Chosen("random_walk", RandomWalkParams()),
                placement="explicit",
                nodes=patrol_starts(lay, n_patrols, seed).tolist(),
                shift_hours=24.0,
                shifts_per_day=1,
                detect_prob=P_PATROL,
                cover_sensitivity=0.0,
                capacity=10,
                processing_min=0.0,
            )
        },
        sensors={
            "net": Chosen(
                "ground",
                GroundParams(
                    agency="net",
                    placement="explicit",
                    nodes=lay.sensors.tolist(),
                    detect_prob=Q_SENSOR,
                    cover_sensitivity=0.0,
                    false_alarms_per_day=0.0,
                    mtbf_days=0.0,
                ),
            )
        },
        organisations={"org": OrgSpec(attempts_per_day=0.0, cargo={"people": CargoSpec(1.0, 1, 1)}, notice_prob=0.0)},
        terrain=TerrainSpec(kinds={"open": KindSpec(1.0, 0.0, 1.0)}),
    )
    return build_world(spec, "reduced", terrain=terrain)


def run_engine(world, plan, minutes: int, seed: int) -> tuple[dict, float, int]:
    from sim.agents.smugglers import Attempt
    from sim.model import BorderModel

    t0 = time.perf_counter()
    model = BorderModel(world, seed)
    org = model.orgs.to_list()[0]

    def launcher():
        i = 0
        while i < len(plan):
            t, origin, dest = plan[i]
            if t > model.env.now:
                yield model.env.timeout(t - model.env.now)
            Attempt(
                model, org, model.next_id("attempt"), "people", 1, 0.0, "foot", origin, dest, f"attempt:org:{i}"
            ).start()
            i += 1

    model.env.process(launcher())
    ev = model.run().to_arrow().to_pandas()
    wall = time.perf_counter() - t0
    det = ev[ev.kind == "detection"]
    return (
        {
            "patrol": int((det.source == "patrol").sum()),
            "sensor": int((det.source == "ground").sum()),
            "arrived": int((ev.kind == "got_away").sum()),
        },
        wall,
        len(ev),
    )


def peak_memory(fn, *args) -> float:
    """Peak traced Python allocation (bytes) of one call."""
    tracemalloc.start()
    try:
        fn(*args)
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


AGREE_P = 0.001  # an outcome DIFFERs when either test rejects equality at this two-sided level


def agreement(name: str, a_rows: list[dict], b_rows: list[dict]) -> None:
    """Print, per outcome, the two means with Welch's t of their difference and the paired t of
    the per-seed differences, each with its two-sided p from Student's t (with 4 seeds, 3 degrees
    of freedom, |t| > 3 happens by chance 6% of the time; a normal p would call it 0.3%)."""
    for key in ("patrol", "sensor", "arrived"):
        a = np.array([r[key] for r in a_rows], dtype=float)
        b = np.array([r[key] for r in b_rows], dtype=float)
        # paired: a seed gives both the same launches and patrol starts, so its two counts are
        # correlated and the difference per seed is the sharper test
        d = b - a
        if a.size > 1 and (a.var() > 0 or b.var() > 0):
            welch = stats.ttest_ind(b, a, equal_var=False)
            t_w, p_w = float(welch.statistic), float(welch.pvalue)
        else:  # no spread to judge by: equal means agree, any difference is one
            t_w, p_w = 0.0, float(a.mean() == b.mean())
        if d.size > 1 and d.var() > 0:
            paired = stats.ttest_1samp(d, 0.0)
            t_p, p_p = float(paired.statistic), float(paired.pvalue)
        else:
            t_p, p_p = 0.0, float(d.mean() == 0)
        verdict = "agree" if min(p_w, p_p) >= AGREE_P else "DIFFER"
        print(
            f"  {key:8s} reference {a.mean():10.1f}  {name} {b.mean():10.1f}  (Welch t = {t_w:+.2f}, "
            f"p = {p_w:.3f}; paired t = {t_p:+.2f}, p = {p_p:.3f}; {d.size} seeds: {verdict})"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=sorted(SIZES), default="border-10k")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    side, per_minute, n_patrols, minutes = SIZES[args.size]
    lay = layout(side)
    rows = []
    for seed in range(1, args.seeds + 1):
        world = engine_world(lay, n_patrols, minutes, seed)  # patrols start where the reference's do
        plan = launches(lay, per_minute, minutes, seed)
        # timed without tracemalloc (it slows allocation-heavy code unevenly), then a second
        # run of each under tracemalloc for the peak memory only
        # each timed run starts on a collected heap: the previous run's cyclic garbage (100,000
        # Mesa cells and their agents) otherwise lands in the next run's time (one lean-reference
        # seed took 7.4 s instead of 0.8 s that way)
        gc.collect()
        ref, ref_wall, agent_steps = run_reference(lay, plan, n_patrols, minutes, seed)
        gc.collect()
        spc, spc_wall = run_reference_space(lay, plan, n_patrols, minutes, seed)
        gc.collect()
        eng, eng_wall, events = run_engine(world, plan, minutes, seed)
        # the calibration asks how fast vectorising can go: best of 3 runs, since in a 50-ms run
        # the first touch of its ~100 MB of fresh arrays (page faults) weighs a third or more
        gc.collect()
        vec_runs = [run_vectorised(lay, plan, n_patrols, minutes, seed) for _ in range(3)]
        vec, vec_wall = vec_runs[0][0], min(w for _, w in vec_runs)
        ref_peak = peak_memory(run_reference, lay, plan, n_patrols, minutes, seed) if seed == 1 else np.nan
        eng_peak = peak_memory(run_engine, world, plan, minutes, seed) if seed == 1 else np.nan
        rows.append(
            dict(
                ref=ref,
                spc=spc,
                eng=eng,
                vec=vec,
                ref_wall=ref_wall,
                spc_wall=spc_wall,
                eng_wall=eng_wall,
                vec_wall=vec_wall,
                agent_steps=agent_steps,
                events=events,
                ref_peak=ref_peak,
                eng_peak=eng_peak,
            )
        )
        print(
            f"seed {seed}: reference {ref} in {ref_wall:.2f} s | Mesa-space reference {spc} in {spc_wall:.2f} s | "
            f"engine {eng} in {eng_wall:.2f} s | arrays {vec} in {vec_wall * 1000:.0f} ms",
            flush=True,
        )
    print(
        f"\n{args.size}: grid {side}x{side} = {lay.n} cells, {per_minute}/min launched, {n_patrols} patrols, "
        f"{minutes} minutes"
    )
    print("outcomes against the lean reference:")
    base = [r["ref"] for r in rows]
    for key, name in (("spc", "Mesa-space"), ("eng", "engine"), ("vec", "arrays")):
        agreement(name, base, [r[key] for r in rows])
    agent_steps = np.mean([r["agent_steps"] for r in rows])  # the lean reference's count, for all
    # the median over seeds: the VM stalls now and then, which a mean would carry into the ratios
    walls = {key: np.median([r[key + "_wall"] for r in rows]) for key in ("ref", "spc", "eng", "vec")}
    print(
        f"\n  {'implementation':34s} {'median wall (s)':>15s} {'agent-steps/s':>14s} {'vs lean':>9s} "
        f"{'vs Mesa-space':>14s}"
    )
    for key, name in (
        ("ref", "reference: lean loop"),
        ("spc", "reference: Mesa space (CellAgents)"),
        ("eng", "engine (includes model set-up)"),
        ("vec", "arrays (calibration; best of 3)"),
    ):
        w = walls[key]
        print(f"  {name:34s} {w:15.3f} {agent_steps / w:14,.0f} {walls['ref'] / w:8.2f}x {walls['spc'] / w:13.2f}x")
    print(f"  engine events/s {np.mean([r['events'] for r in rows]) / walls['eng']:,.0f}")
    print(
        f"  peak memory (seed 1, tracemalloc)  reference {rows[0]['ref_peak'] / 2**20:.1f} MiB   "
        f"engine {rows[0]['eng_peak'] / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
