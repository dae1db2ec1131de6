"""Results store: every replication row under a run or sweep directory, as one table.

A run directory is any folder with a manifest.json (sim/runner.py). Complete runs contribute
their summary.parquet; interrupted ones the chunk files they finished. DuckDB reads them all in
one scan (union by column name, so runs with different swept keys line up); the swept config
keys are columns, and their names are in `table.attrs["params"]`.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from analysis.configurations import distinct_replications


def run_dirs(root: str | Path) -> list[Path]:
    """Every run directory at or below `root` (sorted), none under a hidden folder below `root`
    (the root's own path may hold `..` or a hidden folder)."""
    root = Path(root)
    return sorted(
        p.parent for p in root.rglob("manifest.json") if not any(s.startswith(".") for s in p.relative_to(root).parts)
    )


def read_manifest(run_dir: Path) -> dict:
    """A run directory's manifest.json (sim/runner.py); ValueError naming the file if it is not
    the JSON object the runner writes (cut short, edited by hand)."""
    path = run_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, OSError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ValueError(f"{path}: not a readable manifest ({exc}); allowed: the JSON object sim.run writes") from exc
    if not isinstance(manifest, dict):
        raise ValueError(
            f"{path}: a JSON {type(manifest).__name__}, not a manifest; allowed: the JSON object sim.run writes"
        )
    return manifest


def summary_files(run_dir: Path, manifest: dict) -> list[Path]:
    """The finished summaries of a run directory, by its manifest (`read_manifest`)."""
    if manifest.get("complete") and (run_dir / "summary.parquet").exists():
        return [run_dir / "summary.parquet"]
    return [f for c in manifest.get("chunks", []) if (f := run_dir / "summary" / f"{c}.parquet").exists()]


def load(root: str | Path) -> pd.DataFrame:
    """One row per replication under `root`, with a `run` column (the run directory relative to
    root) and the swept keys as columns (listed in .attrs["params"]; the scenario's name is one
    where runs of several scenarios are read together). A seed run for one
    configuration in two run directories (sibling sweep points that differ only in
    `replications`) is one replication: its first directory's row is kept, and the number of rows
    left out is in .attrs["repeats"]."""
    root = Path(root)
    dirs = run_dirs(root)
    files, runs, params = [], [], set()
    for d in dirs:
        manifest = read_manifest(d)
        fs = summary_files(d, manifest)
        files += [str(f) for f in fs]
        runs += [str(d.relative_to(root)) if d != root else "."] * len(fs)
        params |= set(manifest.get("params", {}))
    if not files:
        raise FileNotFoundError(f"no results under {root} (no manifest.json with finished replications)")
    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE f AS SELECT * FROM (VALUES " + ", ".join("(?, ?)" for _ in files) + ") t(file, run)",
        [v for pair in zip(files, runs) for v in pair],
    )
    try:
        table = con.execute(
            "SELECT s.*, f.run FROM read_parquet(?, union_by_name = true, filename = true) s "
            "JOIN f ON s.filename = f.file ORDER BY f.run, s.replication",
            [[literal_path(f) for f in files]],
        ).df()
    except duckdb.Error as exc:  # a summary cut short or overwritten: name it
        why = str(exc).splitlines()[0]  # (the rest quotes the query)
        raise ValueError(
            f"cannot read the summaries under {root}: {why}; allowed: the Parquet files sim.run writes"
        ) from exc
    if table.empty:
        raise FileNotFoundError(f"no results under {root} (its summaries hold no replication)")
    table = table.drop(columns=["filename"])
    if "scenario" in table and table["scenario"].nunique(dropna=False) > 1:
        params.add("scenario")  # chosen on the command line (scenario=, scenario_file=): swept, not a key of it
    table.attrs["params"] = sorted(params)
    table, repeats = distinct_replications(table)
    table.attrs["repeats"] = repeats
    return table


def literal_path(path: str) -> str:
    """`path` as a DuckDB file pattern that matches only itself: read_parquet expands `*`, `?` and
    `[...]` in every name it is given, and a sweep folder named by its overrides holds brackets
    (a list value: `jurisdiction=[home]`), so `k=[1,2]` read the folders `k=1` and `k=2` instead."""
    return "".join(f"[{c}]" if c in "[]*?" else c for c in path)


def varying_params(table: pd.DataFrame) -> list[str]:
    """The overridden keys whose value differs between runs: the swept keys (a key set in some
    runs only is swept too: unset is a value of its own)."""
    return [p for p in table.attrs.get("params", []) if p != "point" and table[p].nunique(dropna=False) > 1]
