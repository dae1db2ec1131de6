"""A small Python API for notebooks and scripts; the command-line entry point uses it too.

    from sim import api
    result = api.run("tri_agency", overrides=["scenario.coordination.policy=task_force"],
                     replications=5, out_dir="outputs/tf")
    result.summary            # one row per replication (pandas)
    result.events()           # every event of every replication (pandas)
    api.load("outputs/tf")    # the same from the files of a finished run

A run writes the same run directory as `python -m sim.run` (sim/runner.py lists the files), all
but `map.png` (`analysis.maps.draw_run_map(run_dir, run_dir / "map.png")` draws it), so a result can
be loaded again, reviewed (`python -m analysis.aar`) or reported on later. A script that runs with
workers > 1 calls `run` under `if __name__ == "__main__":` (each worker process imports the script).
"""

from __future__ import annotations

import json
import multiprocessing
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

from sim.config import INPUT_KEYS, RUN_KEYS, SCENARIO_DIR, Composed, ConfigError, compose, key_sources
from sim.files import write_text_atomic
from sim.runner import FOLDER_KEY, Experiment, RunDirConflict, run_experiment
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
            raise ValueError(
                f"{self.run_dir} has no event log ({why}); run it again with events=True into another out_dir"
            )
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
    """Compose `scenario` (a name in scenarios/, or `scenario_file`, a path) with `overrides` (a list
    of KEY=VALUE strings, as on the command line: scenario keys, and `chunk_size`; the other run
    keys are this function's arguments), run the replications into `out_dir` (default
    outputs/<date>/<time>-<scenario>; an existing one of the same configuration is resumed) and
    return the result. Bad input raises ConfigError / ScenarioError / TerrainError before anything
    is written; an `out_dir` holding another configuration's results raises RunDirConflict."""
    _refuse_in_a_worker_import()
    overrides = _checked_overrides(overrides)
    if out_dir is not None and Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ConfigError(f"out_dir={out_dir}: a file, not a folder; allowed: a folder (made if missing)")
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
    try:
        return execute(composed, world, target, swept(composed), progress)
    except RunDirConflict as exc:
        raise RunDirConflict(str(exc).replace(FOLDER_KEY, "(out_dir=...)")) from None


ARGUMENT_KEYS = ("seed", "replications", "workers", "events")  # run keys that are arguments of `run`


def _checked_overrides(overrides: Sequence[str]) -> list[str]:
    """The overrides as a list, if the API takes them: a list or other iterable (not one string,
    read letter by letter) of scenario keys and chunk_size; a run key given there would be
    replaced by the argument's default, and the command line's own keys (map, quiet, sweep_name,
    hydra.*) do nothing here."""
    if isinstance(overrides, (str, bytes)):
        raise ConfigError(
            f"overrides={overrides!r}: one string; allowed: a list of KEY=VALUE strings, as on the command line "
            f"(overrides=[{overrides!r}])"
        )
    overrides = list(overrides)  # once: a generator is read here, not used up
    for o in overrides:
        key = str(o).lstrip("+~").partition("=")[0]
        if key in ARGUMENT_KEYS:
            raise ConfigError(f"overrides: '{o}' is a run key of its own; allowed: api.run(..., {key}=...)")
        if key in RUN_KEYS and key != "chunk_size" or key.startswith("hydra"):
            raise ConfigError(
                f"overrides: '{o}' is a key of the command line, which the Python API does not read; allowed: "
                "scenario.* keys and chunk_size (out_dir= names the run directory; "
                "analysis.maps.draw_run_map draws map.png)"
            )
    return overrides


def _refuse_in_a_worker_import() -> None:
    """A worker process imports the main script as it starts (multiprocessing marks the process
    `_inheriting` meanwhile, the mark Python's own check of this reads): a run called at the
    script's top level would start again inside every worker (into the same folder)."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError(
            "sim.api.run was called while a worker process imported the script that runs it: put the call "
            'under `if __name__ == "__main__":` (each worker process imports the script)'
        )


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
        inner = any(path.glob("*/summary.parquet")) or any(path.glob("*/summary/rep-*.parquet"))
        if inner or (path / "design.json").exists():
            raise FileNotFoundError(
                f"{path} is a folder of runs (a sweep or a design), not one run; allowed: one of its run folders, "
                "or analysis.store.load(path) for all of them as one table"
            )
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
