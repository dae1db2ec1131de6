"""A small Python API for notebooks and scripts; the command-line entry point uses it too.

    from sim import api
    result = api.run("tri_agency", overrides=["scenario.coordination.policy=task_force"],
                     replications=5, out_dir="outputs/tf")
    result.summary            # one row per replication (pandas)
    result.events()           # every event of every replication (pandas)
    api.load("outputs/tf")    # the same from the files of a finished run

A run writes the same run directory as `python -m sim.run` (sim/runner.py lists the files), so a
result can be loaded again, reviewed (`python -m analysis.aar`) or reported on later.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.config import INPUT_KEYS, RUN_KEYS, SCENARIO_DIR, Composed, compose, key_sources
from sim.files import write_text_atomic
from sim.runner import Experiment, run_experiment
from sim.validation import ScenarioError
from sim.world import World, build_world


@dataclass(frozen=True)
class Result:
    """A finished (or resumed) run directory."""

    run_dir: Path
    summary: pd.DataFrame  # one row per replication

    def events(self) -> pd.DataFrame:
        """Every event of every replication whose summary was written (columns of
        sim/recorder.py + replication, seed): a chunk's events are written before its summary, so
        an interrupted run may hold events of a replication it does not count as done."""
        folder = self.run_dir / "events"
        if not folder.is_dir():
            why = "it was run with events=false" if self.manifest.get("events") is False else "no events/ folder"
            raise ValueError(f"{self.run_dir} has no event log ({why}); re-run with events=true")
        done = {p.name for p in (self.run_dir / "summary").glob("rep-*.parquet")}
        files = sorted(p for p in folder.glob("rep-*.parquet") if p.name in done)
        if not files:
            raise ValueError(f"{self.run_dir} has no finished replication with an event log yet")
        return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()

    @property
    def manifest(self) -> dict:
        return json.loads((self.run_dir / "manifest.json").read_text())


def run(
    scenario: str = "demo",
    overrides: Sequence[str] = (),
    *,
    scenario_file: str | Path | None = None,
    replications: int = 1,
    seed: int = 1,
    workers: int = 1,
    out_dir: str | Path | None = None,
    events: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Compose `scenario` (a name in scenarios/, or `scenario_file`, a path) with `overrides` (as on
    the command line), run the replications into `out_dir` (default outputs/<date>/<time>-<scenario>)
    and return the result. Bad input raises ConfigError / ScenarioError / TerrainError before
    anything is written."""
    source = f"scenario_file={scenario_file}" if scenario_file is not None else f"scenario={scenario}"
    composed = compose(
        [
            source,
            *overrides,
            f"replications={replications}",
            f"seed={seed}",
            f"workers={workers}",
            f"events={str(events).lower()}",
        ]
    )
    world = world_of(composed)
    target = Path(out_dir) if out_dir is not None else new_run_dir(composed.scenario.name)
    return execute(composed, world, target, swept(composed), progress)


def world_of(composed: Composed) -> World:
    """The world of a composed scenario. A problem found against the map (a sector, a jurisdiction,
    a node) names the command-line override or the file of the `defaults:` chain its key came
    from, as the scenario's own checks do (`sim.validation._attribute`)."""
    try:
        return build_world(composed.scenario, composed.origin, base_dir=str(SCENARIO_DIR))
    except ScenarioError as exc:
        sources = key_sources(composed.origin)
        raise ScenarioError(composed.origin, exc.raw_problems, composed.overrides, sources) from None


def load(run_dir: str | Path) -> Result:
    """A run directory written by `run` or `python -m sim.run` (complete or interrupted)."""
    path = Path(run_dir)
    summary_file = path / "summary.parquet"
    if summary_file.exists():
        return Result(path, pd.read_parquet(summary_file))
    chunks = sorted((path / "summary").glob("rep-*.parquet"))
    if not chunks:
        raise FileNotFoundError(f"{path} holds no results (no summary.parquet or summary/ chunks)")
    return Result(path, pd.concat([pd.read_parquet(f) for f in chunks], ignore_index=True))


def execute(
    composed: Composed,
    world: World,
    out_dir: Path,
    params: dict[str, object] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Run a composed, checked configuration on its world into `out_dir` (resuming what is
    there); `params`: the swept keys and values, a column each in the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    run_keys = composed.run
    workers = run_keys.workers if run_keys.workers > 0 else (os.cpu_count() or 1)
    exp = Experiment(
        composed.scenario,
        composed.origin,
        str(SCENARIO_DIR),
        out_dir,
        run_keys.seed,
        run_keys.replications,
        workers,
        run_keys.chunk_size,
        run_keys.events,
        params,
        world=world,
    )
    summary = run_experiment(exp, progress)
    write_text_atomic(yaml.safe_dump(composed.raw, sort_keys=False), out_dir / "config.yaml")
    return Result(out_dir, summary)


def swept(composed: Composed) -> dict[str, object]:
    """The scenario keys set on the command line, with their composed values: the columns that
    tell sweep points apart in the results (run keys and Hydra's own are not among them). A key
    set together with keys inside it (a sensor group added whole, its count swept) is recorded
    without them: each swept value then sits in one column only."""
    keys = [o.lstrip("+~").partition("=")[0] for o in composed.overrides]
    params: dict[str, object] = {}
    for key in keys:
        if key in INPUT_KEYS or key.startswith("hydra") or key in RUN_KEYS:
            continue
        inner = [k[len(key) + 1 :] for k in keys if k.startswith(key + ".")]
        params[key] = _readable(_without(composed.value(key), inner))
    return params


def _without(value: Any, paths: list[str]) -> Any:
    """A mapping without the entries at the dotted `paths` (a copy; other values as they are)."""
    if not paths or not isinstance(value, dict):
        return value
    out = dict(value)
    for path in paths:
        head, _, rest = path.partition(".")
        if head in out and rest:
            out[head] = _without(out[head], [rest])
        else:
            out.pop(head, None)
    return out


def _readable(value: Any) -> object:
    """A composed value as one results-table cell (lists and mappings as compact YAML)."""
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return value


def new_run_dir(scenario_name: str, root: Path = Path("outputs")) -> Path:
    """A fresh run directory outputs/<date>/<time>-<scenario>[-k], created now, so that two runs
    started in the same second never share one."""
    stamp = datetime.now()
    base = root / stamp.strftime("%Y-%m-%d") / f"{stamp.strftime('%H-%M-%S')}-{scenario_name}"
    base.parent.mkdir(parents=True, exist_ok=True)
    for k in range(1, 10_000):
        path = base if k == 1 else base.with_name(f"{base.name}-{k}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise RuntimeError(f"no free run directory next to {base}")
