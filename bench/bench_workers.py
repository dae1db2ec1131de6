"""Benchmark: replications per minute of the demo with 1 and with 2 local worker processes.

    .venv/bin/python bench/bench_workers.py [--replications 16] [--days 2]

Runs the same replications (same seeds) through sim.runner.run_experiment twice, into
temporary folders, and prints wall time, replications per minute and the speed-up.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.config import SCENARIO_DIR, compose
from sim.runner import Experiment, run_experiment


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


if __name__ == "__main__":
    main()
