"""Benchmark: the engine against a lean plain-Mesa step loop, on the same reduced scenario.

    .venv/bin/python bench/bench_engine.py [--size border-10k|border-100k|small] [--seeds 3]

Reduced scenario (both implementations): a square grid (4 neighbours, every edge 1 minute);
row 0 is the foreign side with staging cells, the last row holds destinations. Every minute
`launch` smugglers start at a random staging cell for a random destination and follow a
shortest path (a precomputed next-hop table; where shortest paths tie, both take the
neighbour nearest the destination in a straight line, the engine's routing rule); patrols
random-walk the home side; a smuggler on the same cell as a patrol at the same minute is
detected with probability p (and stopped); a sensor cell detects a smuggler passing it with
probability q (it goes on). Outcome counts (detections by patrols, by sensors, arrivals) are
compared over seeds, then wall time, agent-steps per second, events per second and peak memory
are printed with the ratio.

The reference is written the way a careful Mesa user would: Mesa agents, integer node
positions, one edge per step, a next-hop table, an occupancy array for patrols.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from dataclasses import dataclass

import mesa
import numpy as np
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
    next_hop: dict[int, np.ndarray]  # destination -> next node from every node


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
    next_hop = {}
    for d in dests.tolist():
        dist = dijkstra(graph, indices=d)
        closer = dist[dst] + 1.0 == dist[src]
        s_c, d_c = src[closer], dst[closer]
        near = (d_c % side - d % side) ** 2 + (d_c // side - d // side) ** 2
        order = np.lexsort((d_c, near, s_c))
        s_c, d_c = s_c[order], d_c[order]
        first = np.flatnonzero(np.concatenate([[True], s_c[1:] != s_c[:-1]]))
        nh = np.full(n, -1, dtype=np.int64)
        nh[s_c[first]] = d_c[first]
        nh[d] = d
        next_hop[d] = nh
    return Layout(side, n, u, v, staging, dests, np.sort(sensors), next_hop)


def patrol_starts(lay: Layout, n_patrols: int, seed: int) -> np.ndarray:
    """Where the patrols start (home-side cells): the same for both implementations."""
    home = np.arange(lay.side, lay.n)
    return home[np.random.default_rng([seed, 11]).choice(home.size, n_patrols)]


def launches(lay: Layout, per_minute: int, minutes: int, seed: int) -> list[tuple[int, int, int]]:
    """(minute, origin, destination) of every smuggler: the same list for both implementations."""
    rng = np.random.default_rng([seed, 7])
    return [(t, int(lay.staging[rng.integers(ENDPOINTS)]), int(lay.dests[rng.integers(ENDPOINTS)]))
            for t in range(minutes) for _ in range(per_minute)]


# --- reference: plain Mesa ------------------------------------------------------------------
class Smuggler(mesa.Agent):
    def __init__(self, model: "ReducedMesa", node: int, dest: int) -> None:
        super().__init__(model)
        self.node, self.dest = node, dest


class Patrol(mesa.Agent):
    def __init__(self, model: "ReducedMesa", node: int) -> None:
        super().__init__(model)
        self.node = node

    def step(self) -> None:
        m = self.model
        nbrs = m.nbr[m.nbr_ptr[self.node]:m.nbr_ptr[self.node + 1]]
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
    return ({"patrol": model.patrol_detections, "sensor": model.sensor_detections, "arrived": model.arrivals},
            wall, agent_steps)


# --- the project's engine -------------------------------------------------------------------
def engine_world(lay: Layout, n_patrols: int, minutes: int, seed: int):
    from sim.scenario import (AgencySpec, CargoSpec, KindSpec, ModeSpec, OrgSpec, ScenarioSpec,
                              SensorGroupSpec, UnitGroupSpec)
    from sim.terrain.model import FOREIGN, HOME, STAGING, TOWN, Terrain
    from sim.world import build_world

    side, n = lay.side, lay.n
    xs, ys = np.meshgrid(np.arange(side) + 0.5, np.arange(side) - 0.5)
    side_arr = np.where(ys.ravel() < 0, FOREIGN, HOME).astype(np.int8)
    feature = np.zeros(n, dtype=np.int8)
    feature[lay.staging], feature[lay.dests] = STAGING, TOWN
    terrain = Terrain(x=xs.ravel(), y=ys.ravel(), kind=np.zeros(n, dtype=np.int16), kind_names=("open",),
                      cover=np.zeros(n), speed_factor=np.ones(n), side=side_arr, sector=np.zeros(n, dtype=np.int16),
                      sector_names=("S1",), feature=feature, edge_u=lay.u.astype(np.int32),
                      edge_v=lay.v.astype(np.int32), edge_length_km=np.ones(lay.u.size),
                      edge_road=np.zeros(lay.u.size, dtype=bool), name=f"grid{side}")
    spec = ScenarioSpec(
        name="reduced", horizon_days=minutes / 1440.0,
        modes={"foot": ModeSpec(60.0, 60.0, True), "vehicle": ModeSpec(60.0, 60.0)},
        agencies={"bp": AgencySpec(jurisdiction=["all"]), "net": AgencySpec(jurisdiction=["all"], operators=1000,
                                                                            handling_min=0.0, handling="fixed")},
        units={"patrol": UnitGroupSpec(agency="bp", count=n_patrols, mode="vehicle", policy="random_walk",
                                       placement="explicit", nodes=patrol_starts(lay, n_patrols, seed).tolist(),
                                       shift_hours=24.0, shifts_per_day=1, detect_prob=P_PATROL,
                                       cover_sensitivity=0.0, capacity=10, processing_min=0.0)},
        sensors={"net": SensorGroupSpec(agency="net", type="ground", placement="explicit", nodes=lay.sensors.tolist(),
                                        detect_prob=Q_SENSOR, cover_sensitivity=0.0, false_alarms_per_day=0.0,
                                        mtbf_days=0.0)},
        organisations={"org": OrgSpec(attempts_per_day=0.0, cargo={"people": CargoSpec(1.0, 1, 1)}, notice_prob=0.0)},
    )
    spec.terrain.kinds = {"open": KindSpec(1.0, 0.0, 1.0)}
    return build_world(spec, "reduced", terrain=terrain)


def run_engine(world, plan, minutes: int, seed: int) -> tuple[dict, float, int]:
    from sim.agents.smugglers import Attempt
    from sim.model import BorderModel

    t0 = time.perf_counter()
    model = BorderModel(world, seed)
    org = model.orgs[0]

    def launcher():
        i = 0
        while i < len(plan):
            t, origin, dest = plan[i]
            if t > model.env.now:
                yield model.env.timeout(t - model.env.now)
            Attempt(model, org, model.next_id("attempt"), "people", 1, 0.0, "foot", origin, dest,
                    f"attempt:org:{i}").start()
            i += 1

    model.env.process(launcher())
    ev = model.run().to_arrow().to_pandas()
    wall = time.perf_counter() - t0
    det = ev[ev.kind == "detection"]
    return ({"patrol": int((det.source == "patrol").sum()), "sensor": int((det.source == "ground").sum()),
             "arrived": int((ev.kind == "got_away").sum())}, wall, len(ev))


def peak_memory(fn, *args) -> float:
    """Peak traced Python allocation (bytes) of one call."""
    tracemalloc.start()
    try:
        fn(*args)
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


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
        ref, ref_wall, agent_steps = run_reference(lay, plan, n_patrols, minutes, seed)
        eng, eng_wall, events = run_engine(world, plan, minutes, seed)
        ref_peak = peak_memory(run_reference, lay, plan, n_patrols, minutes, seed) if seed == 1 else np.nan
        eng_peak = peak_memory(run_engine, world, plan, minutes, seed) if seed == 1 else np.nan
        rows.append((ref, eng, ref_wall, eng_wall, agent_steps, events, ref_peak, eng_peak))
        print(f"seed {seed}: reference {ref} in {ref_wall:.2f} s | engine {eng} in {eng_wall:.2f} s")
    print(f"\n{args.size}: grid {side}x{side} = {lay.n} cells, {per_minute}/min launched, {n_patrols} patrols, "
          f"{minutes} minutes")
    for key in ("patrol", "sensor", "arrived"):
        a = np.array([r[0][key] for r in rows], dtype=float)
        b = np.array([r[1][key] for r in rows], dtype=float)
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size) if len(rows) > 1 else np.nan
        z = (b.mean() - a.mean()) / se if se and se > 0 else 0.0
        # paired: a seed gives both the same launches and patrol starts, so its two counts are
        # correlated and the difference per seed is the sharper test
        d = b - a
        se_d = d.std(ddof=1) / np.sqrt(d.size) if len(rows) > 1 else np.nan
        t = d.mean() / se_d if se_d and se_d > 0 else 0.0
        verdict = "agree" if abs(z) < 3 and abs(t) < 3 else "DIFFER"
        print(f"  {key:8s} reference {a.mean():10.1f}  engine {b.mean():10.1f}  (z = {z:+.2f}, paired "
              f"t = {t:+.2f} over {d.size} seeds: {verdict})")
    ref_wall = np.mean([r[2] for r in rows])
    eng_wall = np.mean([r[3] for r in rows])
    agent_steps = np.mean([r[4] for r in rows])
    print(f"  wall         reference {ref_wall:8.2f} s   engine {eng_wall:8.2f} s (engine includes model set-up)")
    print(f"  agent-steps/s reference {agent_steps / ref_wall:12,.0f}   engine {agent_steps / eng_wall:12,.0f}")
    print(f"  engine events/s {np.mean([r[5] for r in rows]) / eng_wall:,.0f}")
    print(f"  peak memory (seed 1, tracemalloc)  reference {rows[0][6] / 2**20:.1f} MiB   "
          f"engine {rows[0][7] / 2**20:.1f} MiB")
    print(f"  ratio (engine agent-steps/s / reference): {ref_wall / eng_wall:.2f}x")


if __name__ == "__main__":
    main()
