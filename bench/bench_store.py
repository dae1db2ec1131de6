"""Benchmark: load and aggregate 10,000 replication summaries (100 run dirs x 100 rows).

    .venv/bin/python bench/bench_store.py [--runs 100] [--reps 100]

Builds a synthetic sweep from one real demo summary (same columns, jittered values) in a temp
folder, then times the results store (DuckDB over Parquet) and the statistics helpers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.stats import mean_ci, paired_differences
from analysis.store import load
from sim.config import SCENARIO_DIR, compose
from sim.runner import Experiment, run_experiment, write_parquet_atomic

GRID = [
    "scenario.units.bp_vehicle.count",
    "scenario.organisations.cartel.routing",
    "scenario.sensors.towers.spacing_km",
]


def synthetic_sweep(root: Path, runs: int, reps: int) -> None:
    c = compose(["scenario.horizon_days=1"])
    real = run_experiment(
        Experiment(c.scenario, c.origin, str(SCENARIO_DIR), root / "_seed_run", 1, 1, 1, keep_events=False)
    )
    rng = np.random.default_rng(0)
    numeric = [c for c in real.columns if pd.api.types.is_numeric_dtype(real[c])]
    for r in range(runs):
        rows = pd.concat([real] * reps, ignore_index=True)
        for c in numeric:
            rows[c] = rows[c].astype(float) * rng.uniform(0.8, 1.2, reps)
        rows["replication"] = np.arange(reps)
        rows["seed"] = 1 + np.arange(reps)
        params = {  # a 10 x 2 x 5 grid of configurations, one run directory each
            GRID[0]: 4 + r % 10,
            GRID[1]: ["fastest", "least_risk"][r // 10 % 2],
            GRID[2]: 5.0 + r // 20,
        }
        for k, v in params.items():
            rows[k] = v
        rows["config_hash"] = f"bench-{r:03d}"  # its own configuration: a seed counts once per configuration
        d = root / f"run-{r:03d}"
        write_parquet_atomic(pa.Table.from_pandas(rows, preserve_index=False), d / "summary.parquet")
        (d / "manifest.json").write_text(json.dumps({"complete": True, "chunks": [], "params": params}))
    import shutil

    shutil.rmtree(root / "_seed_run")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--reps", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        synthetic_sweep(root, args.runs, args.reps)
        timings = {}
        t0 = time.perf_counter()
        table = load(root)
        timings["load (DuckDB over Parquet)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mean_ci(table, "interdiction_rate", GRID)
        timings["mean + 95% CI per configuration"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        d = paired_differences(
            table, "interdiction_rate", GRID[1], "fastest", pair_on="seed", within=[GRID[0], GRID[2]]
        )
        timings[f"paired differences ({int(d.n_pairs.sum()):,} pairs)"] = time.perf_counter() - t0
        rows = len(table)
        print(f"rows loaded: {rows} from {args.runs} run directories, {table.shape[1]} columns")
        for k, v in timings.items():
            print(f"{k:40s} {v * 1000:8.1f} ms   ({rows / v:,.0f} rows/s)")
        print(f"{'total':40s} {sum(timings.values()) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
