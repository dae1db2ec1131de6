"""How the cost of one replication of the full `demo` scenario grows (issue 5's scaling goal).

    .venv/bin/python bench/bench_scaling.py [--seeds 3] [--out bench/scaling.png]

Four sweeps from the demo, one factor at a time, the terrain built once per point and not timed:
- attempts: every organisation's attempts_per_day x 0.5 .. 8;
- patrols: every unit group's count x 0.5 .. 8;
- cells: the same 40 x 32 km region at a cell size of 1, 0.5, 0.25 and 0.125 km (1,280 to 81,920
  cells): only path lengths (cells per route) and routing tables grow, not the work per minute;
- horizon: 1 .. 8 simulated days.
Each point is the median wall time of `run_replication` over the seeds, after one untimed
replication that fills the routing tables (its time is printed as "first replication"). Printed:
the table, the set-up (terrain + placement) time, and per sweep an affine fit a + b x with its
R^2 (linear growth over a fixed cost fits with R^2 near 1) and the log-log slope. For the cells
sweep also a fit against the cells in all plans (the path lengths): if terrain enters only through
path lengths, that fit is linear and the log-log slope against cells is about 0.5 (routes grow as
the square root of the cell count), not 1. The figure shows the four sweeps with their fits (the
cells sweep on log-log axes, with slope-0.5 and slope-1 guides and the first, table-filling
replication).
`--only <sweep>` runs one sweep and skips the figure.

`--wide KM` instead runs one long border: the demo widened to KM of border (its sectors, roads,
ports, command-centre operators, unit counts and attempt rates scaled by KM / 40) at `--cell-km`
(0.25) for `--days` (7), one replication of seed 1 after the world is built; it prints the
cells, units, attempts, the set-up and replication times and the peak memory (the process's peak
RSS, and that minus its RSS after the imports). A 1,000 km border at 250 m cells has 512,000
cells and 600 units.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from sim.config import SCENARIO_DIR, compose
from sim.runner import run_replication
from sim.scenario import ScenarioSpec
from sim.world import build_world

FACTORS = (0.5, 1.0, 2.0, 4.0, 8.0)
CELLS_KM = (1.0, 0.5, 0.25, 0.125)
HORIZONS = (1.0, 2.0, 4.0, 8.0)


def scaled(spec: ScenarioSpec, sweep: str, x: float) -> ScenarioSpec:
    if sweep == "attempts":
        orgs = {
            k: dataclasses.replace(o, attempts_per_day=o.attempts_per_day * x) for k, o in spec.organisations.items()
        }
        return dataclasses.replace(spec, organisations=orgs)
    if sweep == "patrols":
        units = {k: dataclasses.replace(u, count=max(1, round(u.count * x))) for k, u in spec.units.items()}
        return dataclasses.replace(spec, units=units)
    if sweep == "cells":
        return dataclasses.replace(spec, terrain=dataclasses.replace(spec.terrain, cell_km=x))
    if sweep == "horizon":
        return dataclasses.replace(spec, horizon_days=x)
    raise ValueError(sweep)


def widened(spec: ScenarioSpec, km: float, cell_km: float, days: float) -> ScenarioSpec:
    """The demo stretched along the border to `km`: everything that grows with a border's length
    scaled by km / its length (counts rounded, at least what the demo has where it is a minimum)."""
    k = km / spec.terrain.length_km
    t = spec.terrain
    terrain = dataclasses.replace(
        t,
        length_km=km,
        cell_km=cell_km,
        sectors=max(t.sectors, round(t.sectors * k)),
        roads_home=max(t.roads_home, round(t.roads_home * k)),
        roads_foreign=max(t.roads_foreign, round(t.roads_foreign * k)),
        ports=max(t.ports, round(t.ports * k)),
    )
    agencies = {n: dataclasses.replace(a, operators=max(1, round(a.operators * k))) for n, a in spec.agencies.items()}
    units = {n: dataclasses.replace(u, count=max(1, round(u.count * k))) for n, u in spec.units.items()}
    orgs = {n: dataclasses.replace(o, attempts_per_day=o.attempts_per_day * k) for n, o in spec.organisations.items()}
    return dataclasses.replace(
        spec, terrain=terrain, agencies=agencies, units=units, organisations=orgs, horizon_days=days
    )


def rss_mib() -> float:
    """This process's resident memory now (Linux /proc), MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def wide_run(km: float, cell_km: float, days: float) -> None:
    """One replication of the widened demo: time and memory."""
    after_imports = rss_mib()
    spec = widened(compose(["scenario=demo"]).scenario, km, cell_km, days)
    t0 = time.perf_counter()
    world = build_world(spec, "bench", str(SCENARIO_DIR))
    setup = time.perf_counter() - t0
    print(
        f"{km:g} km border at {cell_km:g} km cells: {world.terrain.n_nodes:,} cells, {len(world.units)} units; "
        f"set-up {setup:.1f} s",
        flush=True,
    )
    t0 = time.perf_counter()
    r = run_replication(world, 1)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{days:g}-day replication: {wall:.1f} s, {r.summary['attempts']} attempts, "
        f"interdiction rate {r.summary['interdiction_rate']:.3f}"
    )
    print(f"peak RSS {peak:,.0f} MiB, {peak - after_imports:,.0f} MiB above the process after its imports")


def measure(spec: ScenarioSpec, seeds: int) -> dict:
    t0 = time.perf_counter()
    world = build_world(spec, "bench", str(SCENARIO_DIR))
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_replication(world, 0)  # untimed: fills the routing tables (trees towards fixed points)
    first = time.perf_counter() - t0
    walls, attempts, plans, plan_cells = [], [], [], []
    for seed in range(1, seeds + 1):
        t0 = time.perf_counter()
        r = run_replication(world, seed)
        walls.append(time.perf_counter() - t0)
        attempts.append(r.summary["attempts"])
        plans.append(r.plans.num_rows)
        plan_cells.append(pc.sum(pc.list_value_length(r.plans.column("nodes"))).as_py())
    return {
        "cells": world.terrain.n_nodes,
        "units": len(world.units),
        "setup_s": setup,
        "first_s": first,
        "wall_s": statistics.median(walls),
        "attempts": float(np.mean(attempts)),
        "plans": float(np.mean(plans)),
        "plan_cells": float(np.mean(plan_cells)),
    }


def slope(x: list[float], y: list[float]) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def affine_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares y = a + b x and its R^2: linear growth (plus a fixed cost) fits with R^2 ~ 1."""
    b, a = np.polyfit(x, y, 1)
    r2 = 1.0 - float(np.sum((y - (a + b * x)) ** 2) / np.sum((y - y.mean()) ** 2))
    return float(a), float(b), r2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).with_name("scaling.png")))
    ap.add_argument("--only", choices=["attempts", "patrols", "cells", "horizon"], help="run one sweep (no figure)")
    ap.add_argument("--wide", type=float, metavar="KM", help="instead: one replication of the demo widened to KM")
    ap.add_argument("--cell-km", type=float, default=0.25, help="with --wide: the cell size (km)")
    ap.add_argument("--days", type=float, default=7.0, help="with --wide: the horizon (days)")
    args = ap.parse_args()
    if args.wide:
        wide_run(args.wide, args.cell_km, args.days)
        return
    base = compose(["scenario=demo"])
    sweeps = {"attempts": FACTORS, "patrols": FACTORS, "cells": CELLS_KM, "horizon": HORIZONS}
    if args.only:
        sweeps = {args.only: sweeps[args.only]}
    results: dict[str, list[tuple[float, dict]]] = {}
    for sweep, xs in sweeps.items():
        results[sweep] = []
        for x in xs:
            row = measure(scaled(base.scenario, sweep, x), args.seeds)
            results[sweep].append((x, row))
            print(
                f"{sweep:9s} x={x:<6g} cells={row['cells']:6d} units={row['units']:4d} "
                f"attempts={row['attempts']:7.1f} plans={row['plans']:8.0f} "
                f"cells in plans={row['plan_cells']:9.0f} set-up={row['setup_s']:6.2f} s "
                f"first replication={row['first_s']:6.2f} s  replication={row['wall_s']:6.3f} s",
                flush=True,
            )
    print("\nreplication time: affine fit a + b x (R^2 near 1: linear growth over a fixed cost) and log-log slope")
    drivers = {"attempts": "attempts", "patrols": "units", "cells": "cells", "horizon": None}
    if "cells" in results:  # terrain should enter through path lengths: wall ~ cells planned
        rows = results["cells"]
        a, b, r2 = affine_fit(np.array([r["plan_cells"] for _, r in rows]), np.array([r["wall_s"] for _, r in rows]))
        print(f"  cells     vs cells in plans: a = {a:.3f} s, b = {b * 1e6:.2f} us per planned cell, R^2 = {r2:.3f}")
    for sweep, rows in results.items():
        xs = np.array([x for x, _ in rows] if drivers[sweep] is None else [r[drivers[sweep]] for _, r in rows])
        ys = np.array([r["wall_s"] for _, r in rows])
        a, b, r2 = affine_fit(xs, ys)
        print(
            f"  {sweep:9s} vs {drivers[sweep] or 'days':8s}: a = {a:.3f} s, b = {b * 1000:.3f} ms per unit of x, "
            f"R^2 = {r2:.3f}, log-log slope {slope(list(xs), list(ys)):.2f}"
        )
    if args.only:
        return

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    labels = {
        "attempts": "attempts per replication",
        "patrols": "units",
        "cells": "terrain cells",
        "horizon": "simulated days",
    }
    per = {"attempts": "attempt", "patrols": "unit", "cells": "cell", "horizon": "day"}  # the slope's unit
    for ax, (sweep, rows) in zip(axes, results.items()):
        xs = np.array([x for x, _ in rows] if drivers[sweep] is None else [r[drivers[sweep]] for _, r in rows])
        ys = np.array([r["wall_s"] for _, r in rows])
        a, b, r2 = affine_fit(xs, ys)
        ax.plot(xs, ys, "o", label="replication (median)")
        if sweep == "cells":  # log-log: the slope tells path lengths (0.5) from map area (1)
            ax.plot(
                xs,
                [r["first_s"] for _, r in rows],
                "^",
                color="#7570b3",
                label="first replication (fills routing tables)",
            )
            ax.plot(xs, [r["setup_s"] for _, r in rows], "s--", color="#e08214", label="set-up (terrain)")
            for k, style in ((0.5, ":"), (1.0, "--")):
                ax.plot(xs, ys[0] * (xs / xs[0]) ** k, style, color="grey", label=f"slope {k:g} from the first point")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"cells: log-log slope {slope(list(xs), list(ys)):.2f} (path lengths: 0.5)", fontsize=10)
        else:
            ax.plot(xs, a + b * xs, ":", color="grey", label=f"a + b x, R$^2$ = {r2:.3f}")
            ax.set_ylim(bottom=0)
            ax.set_title(f"{sweep}: +{b * 1000:.2f} ms per {per[sweep]}", fontsize=10)
        ax.set_xlabel(labels[sweep])
        ax.set_ylabel("seconds")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("demo: wall time of one replication, one factor at a time (median of seeds)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"figure: {args.out}")


if __name__ == "__main__":
    main()
