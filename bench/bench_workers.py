"""Benchmark: replications per minute of the demo with 1 and with 2 local worker processes.

    .venv/bin/python bench/bench_workers.py [--replications 16] [--days 2]

Runs the same replications (same seeds) through sim.runner.run_experiment twice, into
temporary folders, and prints wall time, replications per minute and the speed-up. Then, for
calibration, the machine's own ceiling: the same replications in one process and split over two
forked processes (no pool, no files, routing caches warmed first).
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.config import SCENARIO_DIR, compose
from sim.runner import Experiment, run_experiment, run_replication
from sim.world import build_world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", type=int, default=16)
    ap.add_argument("--days", type=float, default=2.0)
    args = ap.parse_args()
    cfg, origin = compose([f"scenario.horizon_days={args.days}"])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            exp = Experiment(cfg.scenario, origin, str(SCENARIO_DIR), Path(tmp) / f"w{workers}", 1,
                             args.replications, workers)
            t0 = time.perf_counter()
            summary = run_experiment(exp)
            wall = time.perf_counter() - t0
            results[workers] = (wall, summary)
            print(f"workers={workers}: {args.replications} replications in {wall:6.2f} s = "
                  f"{args.replications / wall * 60:7.1f} replications/min")
    pd.testing.assert_frame_equal(results[1][1], results[2][1])  # same seeds, same results
    print(f"speed-up with 2 workers: {results[1][0] / results[2][0]:.2f}x (results identical)")
    one, two = bare_scaling(cfg.scenario, origin, args.replications)
    print(f"ceiling: bare replication loops, 1 process {one:.2f} s, 2 forked processes {two:.2f} s: "
          f"{one / two:.2f}x")


def _loop(world, seeds) -> None:
    for s in seeds:
        run_replication(world, s)


def bare_scaling(scenario, origin: str, n: int) -> tuple[float, float]:
    """Wall time of n replications in one process and split over two forked ones (warm caches)."""
    world = build_world(scenario, origin, str(SCENARIO_DIR))
    _loop(world, range(1000, 1004))  # warm the routing caches the children inherit
    t0 = time.perf_counter()
    _loop(world, range(n))
    one = time.perf_counter() - t0
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_loop, args=(world, range(k, n, 2))) for k in range(2)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return one, time.perf_counter() - t0


if __name__ == "__main__":
    main()
