"""Check that an engine change leaves every replication's output unchanged, bit for bit.

    .venv/bin/python bench/check_same_logs.py --store /tmp/logs-before.json   # before the change
    .venv/bin/python bench/check_same_logs.py --check /tmp/logs-before.json   # after it

Runs each shipped scenario (scenarios/*.yaml) for seeds 1..5 (`--seeds`) through
`sim.runner.run_replication` on one world built per scenario, as a run does, and takes a SHA-256
of each replication's event log, plan log and port_vehicles table (and of its summary row, which
is derived from them). `--store` writes the digests to a JSON file; `--check` compares with such
a file and exits 1 naming every (scenario, seed, table) that differs. Keep the stored file
outside the repository (e.g. /tmp): it belongs to one machine's before-and-after.

`--reverse` runs the seeds in the opposite order on the same world. The routing tables and other
world-shared caches are then filled in another order, so a check with it also shows that no
replication depends on what earlier ones left in the caches. `--cold` builds a new world for
every replication (every cache empty).

A table's digest covers its column names, Arrow types, row count and values (each column
through `pandas.util.hash_pandas_object`, which hashes the values' bits), so two tables with the
same content but another chunk layout have the same digest. A scenario whose replication takes
more than a few seconds would be listed under SLOW and shortened; none of the shipped ones is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.config import SCENARIO_DIR, compose
from sim.runner import ReplicationResult, run_replication
from sim.world import build_world

SLOW: dict[str, list[str]] = {}  # scenario -> overrides that shorten it (none needed today)


def table_digest(table: pa.Table | None) -> str:
    """SHA-256 of a table's names, types, row count and values (not of its chunk layout)."""
    h = hashlib.sha256()
    if table is None:
        return "none"
    h.update(f"{table.num_rows}\n".encode())
    for name, field in zip(table.column_names, table.schema):
        h.update(f"{name}:{field.type}\n".encode())
        _hash_column(h, table.column(name).combine_chunks())
    return h.hexdigest()


def _hash_column(h, column: pa.Array) -> None:
    """Feed a column's values to `h`: a list column as its validity, lengths and flat values."""
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        h.update(column.is_null().to_numpy(zero_copy_only=False).tobytes())
        h.update(pc.list_value_length(column).fill_null(0).to_numpy().astype("int64").tobytes())
        _hash_column(h, pc.list_flatten(column))
        return
    h.update(pd.util.hash_pandas_object(column.to_pandas(), index=False).to_numpy().tobytes())


def summary_digest(summary: dict[str, float]) -> str:
    """SHA-256 of the summary row (keys in order, values by repr: every float's exact value)."""
    return hashlib.sha256(repr(sorted(summary.items())).encode()).hexdigest()


def digests(result: ReplicationResult) -> dict[str, str]:
    """The digests of one replication's outputs."""
    return {
        "events": table_digest(result.events),
        "plans": table_digest(result.plans),
        "ports": table_digest(result.ports),
        "summary": summary_digest(result.summary),
    }


def scenario_names() -> list[str]:
    """The shipped scenarios, by file name."""
    return sorted(p.stem for p in Path(SCENARIO_DIR).glob("*.yaml"))


def run_all(names: list[str], seeds: list[int], cold: bool = False) -> dict[str, dict[str, str]]:
    """Digests keyed by 'scenario/seed', one world per scenario (`cold`: per replication);
    prints a line per scenario."""
    out: dict[str, dict[str, str]] = {}
    for name in names:
        c = compose([f"scenario={name}", *SLOW.get(name, [])])
        build = lambda: build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))  # noqa: B023
        world = build()
        t0 = time.perf_counter()
        for seed in seeds:
            out[f"{name}/{seed}"] = digests(run_replication(build() if cold else world, seed))
        wall = (time.perf_counter() - t0) / max(len(seeds), 1)
        print(f"{name}: {len(seeds)} replications, {wall:.2f} s each (first one fills the routing tables)")
    return out


def compare(now: dict[str, dict[str, str]], stored: dict[str, dict[str, str]]) -> list[str]:
    """Every difference between two sets of digests, in words (empty: identical)."""
    problems = []
    for key, tables in now.items():
        if key not in stored:
            problems.append(f"{key}: not in the stored file")
            continue
        problems += [f"{key}: {t} differs" for t, d in tables.items() if stored[key].get(t) != d]
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--store", metavar="FILE", help="write the digests to FILE (JSON)")
    mode.add_argument("--check", metavar="FILE", help="compare with the digests in FILE; exit 1 on a difference")
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..N (default 5)")
    ap.add_argument("--reverse", action="store_true", help="run the seeds in reverse order")
    ap.add_argument("--cold", action="store_true", help="a new world (empty caches) for every replication")
    ap.add_argument("--only", nargs="*", default=None, help="these scenarios only (default: every shipped one)")
    args = ap.parse_args()
    seeds = list(range(1, args.seeds + 1))
    now = run_all(args.only or scenario_names(), seeds[::-1] if args.reverse else seeds, args.cold)
    if args.store:
        Path(args.store).write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"stored {len(now)} replications' digests in {args.store}")
        return
    problems = compare(now, json.loads(Path(args.check).read_text()))
    for p in problems:
        print(f"DIFFERS {p}")
    print(f"{len(now)} replications compared: {'identical' if not problems else f'{len(problems)} differences'}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
