"""Benchmark: replications per minute of the demo with 1 and with 2 local worker processes.

    .venv/bin/python bench/bench_workers.py [--replications 16] [--days 2] [--rounds 3]

Runs the same replications (same seeds) through sim.runner.run_experiment with 1 and with 2
workers, alternating for --rounds rounds, each run in a fresh process as a command runs it
(world, routing tables and worker pool start cold), into temporary folders, and prints the
wall time of run_experiment, replications per minute, the speed-up of each round and their
median. Then, for calibration, the machine's own ceiling: the same replications in one process
and split over two forked processes (no pool, no files, routing caches warmed first).
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import SCENARIO_DIR, compose
from sim.runner import run_replication
from sim.world import build_world


def timed_run(replications: int, days: float, workers: int, out_dir: Path) -> float:
    """One experiment in a fresh process, as a command runs it (imports done, then world, routing
    tables and the worker pool all start cold); returns the wall time of run_experiment."""
    code = (
        "import sys, time; from pathlib import Path; from sim.config import SCENARIO_DIR, compose; "
        "from sim.runner import Experiment, run_experiment; "
        f"c = compose(['scenario.horizon_days={days}']); "
        f"exp = Experiment(c.scenario, c.origin, str(SCENARIO_DIR), Path(sys.argv[1]), 1, {replications}, "
        f"{workers}); t0 = time.perf_counter(); run_experiment(exp); print(time.perf_counter() - t0)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(out_dir)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the {workers}-worker run failed:\n{proc.stderr}")
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", type=int, default=16)
    ap.add_argument("--days", type=float, default=2.0)
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="1-worker and 2-worker runs alternate this many times; the VM's speed drifts by "
        "tens of percent within minutes, so a ratio is taken within each round and the "
        "median reported",
    )
    args = ap.parse_args()
    ratios, first = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            walls = {}
            for workers in (1, 2) if r % 2 == 0 else (2, 1):  # alternate, so a steady drift cancels
                out = Path(tmp) / f"r{r}w{workers}"
                walls[workers] = timed_run(args.replications, args.days, workers, out)
                summary = pd.read_parquet(out / "summary.parquet")
                if first is None:
                    first = summary
                pd.testing.assert_frame_equal(first, summary)  # same seeds, same results, every run
                print(
                    f"round {r + 1}, workers={workers}: {args.replications} replications in "
                    f"{walls[workers]:6.2f} s = {args.replications / walls[workers] * 60:7.1f} replications/min"
                )
            ratios.append(walls[1] / walls[2])
            print(f"round {r + 1}: speed-up with 2 workers {ratios[-1]:.2f}x")
    print(
        f"speed-up with 2 workers: median {np.median(ratios):.2f}x over {len(ratios)} rounds "
        f"({', '.join(f'{x:.2f}x' for x in ratios)}; results identical in every run)"
    )
    c = compose([f"scenario.horizon_days={args.days}"])
    one, two = bare_scaling(c.scenario, c.origin, args.replications)
    print(f"ceiling: bare replication loops, 1 process {one:.2f} s, 2 forked processes {two:.2f} s: {one / two:.2f}x")


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
