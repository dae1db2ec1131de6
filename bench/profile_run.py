"""Profile replications of a scenario: where does one replication spend its time?

    .venv/bin/python bench/profile_run.py [--reps 3] [--sort tottime|cumtime] [--top 25]
                                          [--out run.prof] [override ...]

Overrides are the entry point's (`scenario=tri_agency`, `scenario.horizon_days=7`, ...). The
world is built and one untimed replication fills the routing tables first, so the profile shows
the steady cost of a replication in a sweep, not the first one's table building. Prints the
mean wall time per replication (without the profiler), then the profiler's top functions by
own time (`tottime`, where the time is spent) or by time including callees (`cumtime`, which
decision costs it). `--out` writes the raw profile for `python -m pstats` or snakeviz.

cProfile (the standard library) is used, not pyinstrument or py-spy: it needs no install and
counts calls, which is what tells a per-event cost from a per-cell one; it adds roughly 2x
overhead to Python-heavy code, so compare its figures with each other, not with wall times.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time

from sim.config import SCENARIO_DIR, ConfigError, compose
from sim.runner import run_replication
from sim.validation import ScenarioError
from sim.world import build_world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3, help="replications timed, then profiled (seeds 1..reps)")
    ap.add_argument("--sort", choices=("tottime", "cumtime"), default="tottime")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", default="", help="write the raw profile here")
    ap.add_argument("overrides", nargs="*", help="entry-point overrides, e.g. scenario=tri_agency")
    args = ap.parse_args()
    try:
        c = compose(args.overrides)
        world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    except (ConfigError, ScenarioError) as exc:
        sys.exit(f"error: {exc}")
    run_replication(world, 0)  # fills the routing tables, as the first replication of a sweep does
    t0 = time.perf_counter()
    for seed in range(1, args.reps + 1):
        run_replication(world, seed)
    wall = (time.perf_counter() - t0) / args.reps
    print(f"{c.scenario.name}: {wall:.3f} s per replication (mean of {args.reps}, no profiler)")
    profiler = cProfile.Profile()
    profiler.enable()
    for seed in range(1, args.reps + 1):
        run_replication(world, seed)
    profiler.disable()
    if args.out:
        profiler.dump_stats(args.out)
        print(f"raw profile written to {args.out}")
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
