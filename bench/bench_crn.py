"""Common random numbers, measured: the paired difference between two values of one scenario key
over the same seeds, with its 95% interval half-width per metric. The narrower the interval for
the same seeds, the more the two configurations share their draws.

    .venv/bin/python bench/bench_crn.py [--seeds 40] [--key scenario.sensors.towers.spacing_km]
                                        [--values 10 5] [override ...]

Run it under two commits (a git worktree, PYTHONPATH=that tree) to compare how much each pairs.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy import stats

from sim.api import world_of
from sim.config import ConfigError, compose
from sim.runner import run_replication
from sim.terrain import TerrainError
from sim.validation import ScenarioError

METRICS = (
    "detections_patrol",
    "detections_ground",
    "detections_tower",
    "interdicted",
    "interdiction_rate",
    "alert_to_dispatch_min",
    "cost_per_interdiction_usd",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--key", default="scenario.sensors.towers.spacing_km")
    ap.add_argument("--values", nargs=2, default=["10", "5"])
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    runs = []
    for value in args.values:
        try:
            world = world_of(compose([*args.overrides, f"{args.key}={value}"]))
        except (ConfigError, ScenarioError, TerrainError) as exc:
            sys.exit(f"error: {exc}")
        runs.append([run_replication(world, seed).summary for seed in range(1, args.seeds + 1)])
    print(f"{args.key}: {args.values[1]} against {args.values[0]}, {args.seeds} paired seeds")
    for m in METRICS:
        d = np.array([b.get(m, np.nan) - a.get(m, np.nan) for a, b in zip(*runs)], dtype=float)
        d = d[np.isfinite(d)]
        if d.size < 2:
            continue
        half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        print(f"  {m:28s} mean difference {d.mean():+10.3f}   95% half-width {half:9.3f}   ({d.size} pairs)")


if __name__ == "__main__":
    main()
