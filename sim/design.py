"""Designed experiments beyond the grid: Latin hypercube, Sobol (Saltelli) and Morris designs
over declared parameter ranges, sampled with SALib, each point run as its own run directory.

    python -m sim.design --design lhs --n 20 --name towers \\
        --param scenario.sensors.towers.spacing_km=5:20 \\
        --param scenario.units.bp_vehicle.count=4:30:int \\
        --replications 3 --workers 2 [scenario=demo] [KEY=VALUE ...]

Results: outputs/sweeps/<name>/design.json (the method, the ranges, the sample matrix) and one
run directory per point (point-00000/, ...). Running the same command again resumes: finished
points are skipped. Sensitivity indices: analysis.sensitivity / the report command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from sim.config import ROOT, SCENARIO_DIR, ConfigError, compose
from sim.runner import Experiment, RunDirConflict, process_pool, run_experiment, write_text_atomic
from sim.scenario import safe_name
from sim.terrain import TerrainError
from sim.validation import ScenarioError

METHODS = ("lhs", "sobol", "morris")


@dataclass(frozen=True)
class Param:
    key: str
    low: float
    high: float
    integer: bool = False

    @classmethod
    def parse(cls, text: str) -> Param:
        """KEY=LOW:HIGH or KEY=LOW:HIGH:int"""
        key, _, rng = text.partition("=")
        parts = rng.split(":")
        if not key or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "int"):
            raise ValueError(f"--param {text!r}: expected KEY=LOW:HIGH or KEY=LOW:HIGH:int")
        low, high = float(parts[0]), float(parts[1])
        if not low < high:
            raise ValueError(f"--param {text!r}: LOW must be below HIGH")
        return cls(key, low, high, len(parts) == 3)

    def value(self, x: float) -> float | int:
        return int(round(x)) if self.integer else float(x)


def problem(params: list[Param]) -> dict:
    return {"num_vars": len(params), "names": [p.key for p in params], "bounds": [[p.low, p.high] for p in params]}


def sample(method: str, params: list[Param], n: int, seed: int) -> np.ndarray:
    """The design matrix (points x params) from SALib; integers rounded."""
    from SALib.sample import latin, morris  # noqa: PLC0415  (SALib takes 0.3 s to import: only when sampling)
    from SALib.sample import sobol as saltelli  # noqa: PLC0415

    prob = problem(params)
    if method == "lhs":
        x = latin.sample(prob, n, seed=seed)
    elif method == "sobol":
        x = saltelli.sample(prob, n, calc_second_order=False, seed=seed)
    elif method == "morris":
        x = morris.sample(prob, n, num_levels=4, seed=seed)
    else:
        raise ValueError(f"unknown design {method!r}; allowed: {', '.join(METHODS)}")
    for j, p in enumerate(params):
        if p.integer:
            x[:, j] = np.round(x[:, j])
    return x


def _run_point(overrides: list[str], out_dir: str, params: dict, replications: int, seed: int) -> str:
    c = compose(overrides)
    exp = Experiment(
        c.scenario,
        c.origin,
        str(SCENARIO_DIR),
        Path(out_dir),
        seed,
        replications,
        1,
        c.run.chunk_size,
        c.run.events,
        params,
    )
    run_experiment(exp)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.design", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--design", choices=METHODS, required=True, help="sampling design")
    ap.add_argument(
        "--n",
        type=int,
        required=True,
        help="lhs: points; sobol: base samples (points = n x (params + 2)); morris: trajectories "
        "(points = n x (params + 1))",
    )
    ap.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="KEY=LOW:HIGH[:int]",
        help="a config key and its range (repeat for each parameter)",
    )
    ap.add_argument("--name", default="design", help="sweep name: results in outputs/sweeps/NAME (default: design)")
    ap.add_argument("--replications", type=int, default=1, help="replications per point (default 1)")
    ap.add_argument("--seed", type=int, default=1, help="base seed of the replications and of the sampler")
    ap.add_argument("--workers", type=int, default=1, help="points run in parallel (0 = one per core)")
    ap.add_argument("overrides", nargs="*", help="fixed Hydra overrides for every point, e.g. scenario=demo")
    args = ap.parse_args(argv)
    try:
        flagged = [o for o in args.overrides if o.partition("=")[0] in ("replications", "seed", "workers")]
        if flagged:
            raise ValueError(
                f"{', '.join(flagged)}: set these with --replications, --seed, --workers (a design's "
                f"options), not as overrides"
            )
        if not safe_name(args.name):
            raise ValueError(
                f"--name {args.name!r} names a folder under outputs/sweeps/; allowed: letters, digits, _, - and ."
            )
        params = [Param.parse(p) for p in args.param]
        x = sample(args.design, params, args.n, args.seed)
        compose(list(args.overrides) + [f"{p.key}={p.value(p.low)}" for p in params])  # fail early on bad keys
    except (ValueError, ConfigError, ScenarioError, TerrainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    root = ROOT / "outputs" / "sweeps" / args.name
    design = {
        "method": args.design,
        "n": args.n,
        "seed": args.seed,
        "replications": args.replications,
        "problem": problem(params),
        "integer": [p.integer for p in params],
        "overrides": args.overrides,
        "samples": x.tolist(),
    }
    path = root / "design.json"
    if path.exists() and json.loads(path.read_text()) != design:
        print(f"error: {path} holds another design; use another --name", file=sys.stderr)
        return 2
    write_text_atomic(json.dumps(design, indent=1), path)
    jobs = []
    for i, row in enumerate(x):
        values = {p.key: p.value(v) for p, v in zip(params, row)}
        overrides = list(args.overrides) + [f"{k}={v}" for k, v in values.items()]
        jobs.append((overrides, str(root / f"point-{i:05d}"), {"point": i, **values}, args.replications, args.seed))
    done = [j for j in jobs if (Path(j[1]) / "summary.parquet").exists()]
    todo = [j for j in jobs if j not in done]
    workers = args.workers if args.workers > 0 else (os.cpu_count() or 1)
    bar = tqdm(total=len(jobs), initial=len(done), unit="point", desc=args.name, file=sys.stderr)
    try:
        if workers > 1 and len(todo) > 1:
            with process_pool(workers) as pool:
                for fut in as_completed([pool.submit(_run_point, *j) for j in todo]):
                    fut.result()
                    bar.update()
        else:
            for j in todo:
                _run_point(*j)
                bar.update()
    except (ScenarioError, TerrainError, RunDirConflict) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    print(f"{len(jobs)} points ({len(done)} already done) in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
