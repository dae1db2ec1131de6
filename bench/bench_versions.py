"""Time one replication of the same scenarios under an older commit and under this tree, side by
side in one benchmark run.

    .venv/bin/python bench/bench_versions.py [--old 9bb1b1c] [--rounds 3] [--repeat 3] [--seeds 2]
                                             [--only demo tri_agency tri_agency_30d]

The old commit is checked out in a temporary `git worktree` (removed at the end). For each
scenario and each round, one subprocess per tree (old first, then new, so drifts of the machine's
speed hit both alike) imports the engine from that tree (PYTHONPATH; the same venv), composes the
scenario from that tree's own files, builds the world, runs one untimed warm-up replication (it
fills the routing tables, as the first replication of a sweep does), then runs each of seeds
1..`--seeds` `--repeat` times. A replication's figure is its best wall time over the repeats
and the rounds (the least disturbed by other work on the machine); a scenario's figure is the
mean over the seeds of those bests. The table gives scenario, old s, new s and old / new.

Scenarios: `demo`, `tri_agency` and `tri_agency_30d` (tri_agency with
`scenario.horizon_days=30`). The cyclic garbage collector runs between timed replications,
never inside one (the engine pauses it while a replication runs, from before the old commit).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {
    "demo": ["scenario=demo"],
    "tri_agency": ["scenario=tri_agency"],
    "tri_agency_30d": ["scenario=tri_agency", "scenario.horizon_days=30"],
}


def time_in_this_process(overrides: list[str], seeds: int, repeat: int, tree: str) -> dict[str, list[float]]:
    """Per seed, the wall times (s) of `repeat` replications on one built, warmed-up world; the
    engine is the one importable here (checked to come from `tree`)."""
    import sim
    from sim.config import SCENARIO_DIR, compose
    from sim.runner import run_replication
    from sim.world import build_world

    if not Path(sim.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"bench_versions: imported {sim.__file__}, not the engine of {tree}")
    c = compose(overrides)
    world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    run_replication(world, 0)  # warm-up: fills the routing tables
    walls: dict[str, list[float]] = {}
    for seed in range(1, seeds + 1):
        for _ in range(repeat):
            gc.collect()
            t0 = time.perf_counter()
            run_replication(world, seed)
            walls.setdefault(str(seed), []).append(time.perf_counter() - t0)
    return walls


def time_tree(tree: Path, overrides: list[str], seeds: int, repeat: int) -> dict[str, list[float]]:
    """Run `time_in_this_process` in a subprocess that imports the engine from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, __file__, "--worker", json.dumps([overrides, seeds, repeat, str(tree)])]
    out = subprocess.run(cmd, env=env, cwd=tree, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def old_worktree(commit: str, where: Path) -> Path:
    """A detached worktree of `commit` under `where`."""
    path = where / f"old-{commit}"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), commit], check=True, capture_output=True
    )
    return path


def best_mean(walls: list[dict[str, list[float]]]) -> float:
    """Mean over the seeds of each seed's best wall time over every round and repeat."""
    seeds = walls[0].keys()
    return sum(min(min(w[s]) for w in walls) for s in seeds) / len(seeds)


def compare(old: Path, names: list[str], rounds: int, seeds: int, repeat: int) -> list[tuple[str, float, float]]:
    """(scenario, old s, new s) per scenario, old and new alternating within each round."""
    rows = []
    for name in names:
        runs: dict[str, list] = {"old": [], "new": []}
        for r in range(rounds):
            for label, tree in (("old", old), ("new", ROOT)):
                runs[label].append(time_tree(tree, SCENARIOS[name], seeds, repeat))
                print(f"  {name} round {r + 1} {label}: {best_mean(runs[label][-1:]):.3f} s", file=sys.stderr)
        rows.append((name, best_mean(runs["old"]), best_mean(runs["new"])))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", default="9bb1b1c", help="the older commit (default 9bb1b1c, before the engine-core work)")
    ap.add_argument("--rounds", type=int, default=3, help="subprocess pairs (old, new) per scenario")
    ap.add_argument("--repeat", type=int, default=3, help="timed replications of each seed per subprocess")
    ap.add_argument("--seeds", type=int, default=2, help="seeds 1..N")
    ap.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), default=list(SCENARIOS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        overrides, seeds, repeat, tree = json.loads(args.worker)
        print(json.dumps(time_in_this_process(overrides, seeds, repeat, tree)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as tmp:
        old = old_worktree(args.old, Path(tmp))
        try:
            rows = compare(old, args.only, args.rounds, args.seeds, args.repeat)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"| scenario | old s ({args.old}) | new s ({head.stdout.strip()} + tree) | old / new |")
    print("|---|---|---|---|")
    for name, o, n in rows:
        print(f"| {name} | {o:.3f} | {n:.3f} | {o / n:.2f}x |")


if __name__ == "__main__":
    main()
