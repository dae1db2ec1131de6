"""Designed experiments beyond the grid: Latin hypercube, Sobol (Saltelli) and Morris designs
over declared parameter ranges, sampled with SALib, each point run as its own run directory.

    python -m sim.design --design lhs --n 20 --name towers \\
        --param scenario.sensors.towers.spacing_km=5:20 \\
        --param scenario.units.bp_vehicle.count=4:30:int \\
        --replications 3 --workers 2 [--launcher local|ray_cluster|slurm] [scenario=demo] [KEY=VALUE ...]

Results (under the current folder, as sim.run's sweeps): outputs/sweeps/<name>/design.json (the
method, the ranges, the sample matrix) and one
run directory per point (point-00000/, ...). The points are run through a Hydra launcher profile
(sim/launch.py), the one a grid sweep uses: local processes by default, or a Ray cluster or SLURM
(`hydra.launcher.*` overrides configure it). Running the same command again resumes: finished
points are skipped. Sensitivity indices: analysis.sensitivity / the report command.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config import CONF_DIR, SCENARIO_DIR, ConfigError, check_launcher, compose, jobs_of_scenario_file
from sim.files import end_on_sigterm, write_text_atomic
from sim.launch import launch
from sim.run import quoted, sweep_job
from sim.runner import RunDirConflict, config_hash
from sim.scenario import MAX_REPLICATIONS, MAX_SEED, safe_name
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
        try:
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            raise ValueError(f"--param {text!r}: LOW and HIGH must be numbers") from None
        if not low < high:
            raise ValueError(f"--param {text!r}: LOW must be below HIGH")
        return cls(key, low, high, len(parts) == 3)

    def at(self, where: str) -> float:
        """The range's `low` or `high` end, or a value `inside` it that is no integer (unless
        the key is), for the check before a design runs."""
        return {"low": self.low, "high": self.high}.get(where, self.low + 0.3819660113 * (self.high - self.low))

    def value(self, x: float) -> float | int:
        return int(round(x)) if self.integer else float(x)


def problem(params: list[Param]) -> dict:
    return {"num_vars": len(params), "names": [p.key for p in params], "bounds": [[p.low, p.high] for p in params]}


def sample(method: str, params: list[Param], n: int, seed: int) -> np.ndarray:
    """The design matrix (points x params) from SALib. An integer key is sampled over [low - 0.5,
    high + 0.5] and rounded, so that every integer of its range is equally likely (sampled over
    [low, high], the two ends got half the share of the others and a Latin hypercube lost its
    one point per stratum). Morris's grid of 4 levels is laid over [low, high] and rounded: its
    levels then include both ends and the integers between (over the widened range they fell on
    halves, which rounding to even sent to the same values: 2:4:int never ran 3); the effects are
    taken over the steps actually made (analysis.sensitivity.morris_effects)."""
    from SALib.sample import latin, morris  # noqa: PLC0415  (SALib takes 0.3 s to import: only when sampling)
    from SALib.sample import sobol as saltelli  # noqa: PLC0415

    prob = problem(params)
    if method != "morris":  # (Morris walks a grid of 4 levels from low to high: both ends are levels)
        prob["bounds"] = [[p.low - 0.5, p.high + 0.5] if p.integer else [p.low, p.high] for p in params]
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
            x[:, j] = np.clip(np.round(x[:, j]), p.low, p.high)  # (a draw at exactly high + 0.5)
    return x


def design_points(
    x: np.ndarray, params: list[Param], root: Path, overrides: list[str], replications: int, seed: int
) -> tuple[list[list[str]], dict[str, dict[str, object]]]:
    """The overrides of every point without results yet (its folder as `hydra.sweep.subdir`), and
    the `point` column of each, by folder. Every point runs its replications in one process, the
    seeds of every other point (common random numbers), without a map or printing."""
    fixed = [*overrides]
    fixed += [
        f"{k}={v}" for k, v in (("map", "false"), ("quiet", "true")) if not any(o.startswith(f"{k}=") for o in fixed)
    ]
    fixed += [f"replications={replications}", f"seed={seed}", "workers=1"]
    points, labels = [], {}
    for i, row in enumerate(x):
        subdir = f"point-{i:05d}"
        if (root / subdir / "summary.parquet").exists():
            continue
        points.append([*fixed, *(f"{p.key}={p.value(v)}" for p, v in zip(params, row)), f"hydra.sweep.subdir={subdir}"])
        labels[subdir] = {"point": i}
    return points, labels


def _is_hydra(override: str) -> bool:
    return override.lstrip("+~").startswith(("hydra.", "hydra/"))


def launchers() -> list[str]:
    """The launcher profiles of conf/hydra/launcher/."""
    return sorted(p.stem for p in (CONF_DIR / "hydra" / "launcher").glob("*.yaml"))


def launcher_overrides(launcher: str, workers: int, root: Path, overrides: list[str]) -> list[str]:
    """The Hydra overrides that choose and configure the launcher: the profile, the sweep folder,
    the user's `hydra.*` overrides, and for local processes `--workers` (0 = one per core)."""
    own = [o for o in overrides if _is_hydra(o)]
    local = [f"hydra.launcher.n_jobs={workers if workers > 0 else -1}"] if launcher == "local" else []
    return [f"hydra/launcher={launcher}", f"hydra.sweep.dir={quoted(str(root))}", *local, *own]


def check_options(args: argparse.Namespace) -> None:
    """Refuse option values that cannot make a design, before anything is sampled or written."""
    for flag, value, least in (
        ("--n", args.n, 1),
        ("--replications", args.replications, 1),
        ("--workers", args.workers, 0),
    ):
        if value < least:
            raise ValueError(f"{flag} {value}: must be at least {least}")
    if args.n > MAX_REPLICATIONS:  # a design lists its sample up front, as a run its replications
        raise ValueError(f"--n {args.n}: allowed: 1..{MAX_REPLICATIONS:,} points")
    if not 0 <= args.seed <= MAX_SEED - args.replications + 1:  # the last replication's seed is a 64-bit integer
        raise ValueError(
            f"--seed {args.seed}: allowed: 0..{MAX_SEED - args.replications + 1:,} with --replications "
            f"{args.replications} (replication i uses seed + i)"
        )
    placed = [o for o in args.overrides if o.lstrip("+~").startswith(("hydra.sweep.dir=", "hydra.sweep.subdir="))]
    if placed:
        raise ValueError(
            f"{', '.join(placed)}: a design's points go to outputs/sweeps/NAME/point-NNNNN; choose NAME with --name"
        )
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


def main(argv: list[str] | None = None) -> int:
    end_on_sigterm()
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
    ap.add_argument(
        "--workers", type=int, default=1, help="points run in parallel by the local launcher (0 = one per core)"
    )
    ap.add_argument(
        "--launcher",
        default="local",
        choices=launchers(),
        help="the Hydra launcher profile that runs the points (conf/hydra/launcher/; default: local); "
        "configure it with hydra.launcher.* overrides",
    )
    ap.add_argument("overrides", nargs="*", help="fixed Hydra overrides for every point, e.g. scenario=demo")
    args = ap.parse_args(argv)
    try:
        check_options(args)
        params = [Param.parse(p) for p in args.param]
        not_scenario = [p.key for p in params if not p.key.startswith("scenario.")]
        if not_scenario:  # run keys (seed, replications, ...) are the design's options, not its factors
            raise ValueError(
                f"--param {', '.join(not_scenario)}: not a scenario key; allowed: scenario.* keys (the seed and "
                "replications are --seed and --replications)"
            )
        twice = sorted({p.key for p in params if [q.key for q in params].count(p.key) > 1})
        if twice:
            raise ValueError(f"--param {', '.join(twice)}: given more than once; give each parameter one range")
        scenario = ""  # the scenario composed at the ranges' low end, hashed: what the points run besides the design
        for end in ("low", "high", "inside"):  # fail early on bad keys and on ranges the scenario does not allow
            try:
                composed = compose(list(args.overrides) + [f"{p.key}={p.value(p.at(end))}" for p in params])
                scenario = scenario or config_hash(composed.scenario, {}, str(SCENARIO_DIR))
            except ScenarioError as exc:
                where = f"at their {end.upper()} end" if end != "inside" else "inside (the sample between the ends)"
                hint = "; an integer key's range is written LOW:HIGH:int" if "integer" in str(exc) else ""
                raise ValueError(f"--param ranges {where}: {exc}{hint}") from None
        x = sample(args.design, params, args.n, args.seed)
    except (ValueError, ConfigError, ScenarioError, TerrainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    root = Path.cwd() / "outputs" / "sweeps" / args.name  # as sim.run's sweeps: under the current folder
    own = [o for o in args.overrides if not _is_hydra(o)]  # the launcher's are not part of the design
    design = {
        "method": args.design,
        "n": args.n,
        "seed": args.seed,
        "replications": args.replications,
        "problem": problem(params),
        "integer": [p.integer for p in params],
        "overrides": own,
        "samples": x.tolist(),
        "scenario": scenario,
    }
    path = root / "design.json"
    if path.exists():
        held = json.loads(path.read_text())
        held.setdefault("scenario", scenario)  # a design written before the scenario was recorded
        if held != design:
            edited = {k: v for k, v in held.items() if k != "scenario"} == {
                k: v for k, v in design.items() if k != "scenario"
            }
            why = (
                "the same design of another scenario (its file, or a file it builds on, changed since its points ran):"
                " its points would mix the two"
                if edited
                else "another design"
            )
            print(f"error: {path} holds {why}; use another --name", file=sys.stderr)
            return 2
    if not path.exists() and root.is_dir() and next(root.rglob("manifest.json"), None) is not None:  # any depth, as
        # the report reads run folders (a swept value holding a / names nested folders)
        print(
            f"error: {root} holds a grid sweep's runs (python -m sim.run --multirun) and no design: the design's "
            "points would mix with them in one experiment; allowed: another --name",
            file=sys.stderr,
        )
        return 2
    try:  # the launcher's keys, before anything is written
        check_launcher(launcher_overrides(args.launcher, args.workers, root, list(args.overrides)))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_text_atomic(json.dumps(design, indent=1), path)
    try:  # a scenario file of one's own: linked in the design's folder for its points to load
        loaded = jobs_of_scenario_file(list(args.overrides), root / ".scenario_file")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    points, labels = design_points(
        x, params, root, [o for o in loaded if not _is_hydra(o)], args.replications, args.seed
    )
    try:
        launch(
            points,
            launcher_overrides(args.launcher, args.workers, root, loaded),
            functools.partial(sweep_job, labels=labels),
            job_name="design",
        )
    except (ScenarioError, TerrainError, RunDirConflict) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(x)} points ({len(x) - len(points)} already done) in {root}")
    print(f"its report (figures, tables, report.html): python -m analysis.report {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
