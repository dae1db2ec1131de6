"""Replications, sweeps, resume, interruption, the results store, statistics and the report."""

import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats

from analysis.costs import pareto_front
from analysis.report import build_report
from analysis.stats import group_means, mean_ci, paired_differences
from analysis.store import load, varying_params
from sim import api, runner
from sim.config import SCENARIO_DIR, compose
from sim.run import SHOWN
from sim.runner import Experiment, run_experiment

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["scenario.horizon_days=1", "map=false", "quiet=true"]


def cli(*args: str, module: str = "sim.run", **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=600, **kw
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A 2 x 2 sweep with 3 replications each, through the local (joblib) launcher."""
    root = tmp_path_factory.mktemp("sweep")
    args = [
        "--multirun",
        "hydra/launcher=local",
        f"hydra.sweep.dir={root}",
        "scenario.units.bp_vehicle.count=6,18",
        "scenario.organisations.cartel.reaction=run,turn_back",
        "replications=3",
        *SHORT,
    ]
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    return root, args


def test_sweep_loads_as_one_table_with_config_columns(sweep):
    root, _ = sweep
    table = load(root)
    assert len(table) == 12
    assert varying_params(table) == ["scenario.organisations.cartel.reaction", "scenario.units.bp_vehicle.count"]
    assert "scenario.horizon_days" in table.attrs["params"] and set(table["scenario.horizon_days"]) == {1}
    assert set(table["scenario.units.bp_vehicle.count"]) == {6, 18}
    assert set(table["scenario.organisations.cartel.reaction"]) == {"run", "turn_back"}
    # common random numbers: replication i has the same seed in every configuration
    assert (table.groupby("replication").seed.nunique() == 1).all()
    assert table.groupby("run").size().tolist() == [3, 3, 3, 3]
    assert set(table.git_commit) != {""} and set(table.version) == {"0.1.0"}
    cfg = (root / table.run.iloc[0] / "config.yaml").read_text()
    assert "reaction" in cfg  # each result carries its resolved config


def test_a_group_added_whole_and_a_key_inside_it_are_each_one_column():
    """Adding a sensor group on the command line and sweeping its count: the count is its own
    column, and the group's column holds the rest (the same at every point, so not a swept key)."""
    from sim.api import swept  # noqa: PLC0415

    group = "scenario.sensors.uas={type: drone, agency: border_patrol, setback_km: 3}"
    cols = [swept(compose([group, f"scenario.sensors.uas.count={n}"])) for n in (0, 4)]
    assert [c["scenario.sensors.uas.count"] for c in cols] == [0, 4]
    assert cols[0]["scenario.sensors.uas"] == cols[1]["scenario.sensors.uas"]
    assert "count" not in cols[0]["scenario.sensors.uas"] and "setback_km: 3" in cols[0]["scenario.sensors.uas"]
    table = pd.DataFrame(cols)
    table.attrs["params"] = list(cols[0])
    assert varying_params(table) == ["scenario.sensors.uas.count"]


def test_points_run_side_by_side_print_whole_lines_and_whole_summaries(tmp_path):
    """Two sweep points in two processes (the local launcher) print at once: each point's
    progress is whole lines naming the point (no progress bar redrawn over the other's), and each
    summary is one block headed by its point, never interleaved with the other's."""
    proc = cli(
        "--multirun",
        "hydra/launcher=local",
        f"hydra.sweep.dir={tmp_path}",
        "scenario.units.bp_vehicle.count=2,4",
        "replications=4",
        "scenario.horizon_days=1",
        "map=false",
    )
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith("[point ")]
    assert {line.split("]")[0] for line in progress} == {
        f"[point {n}: replications=4,scenario.horizon_days=1,scenario.units.bp_vehicle.count={c}"
        for n, c in ((0, 2), (1, 4))
    }
    assert all(line.endswith("/4 replications") for line in progress)
    lines = proc.stdout.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("[point ")]
    assert len(heads) == 2
    for i in heads:
        block = lines[i : i + len(SHOWN) + 3]
        assert block[1].startswith("metric") and block[-1].startswith("results: ")
        assert [line.split()[0] for line in block[2:-1]] == [key for key, _ in SHOWN]


def test_a_sweep_point_run_by_the_local_launcher_may_use_worker_processes(tmp_path):
    """A point of a local (joblib/loky) sweep runs in a loky process, whose start method its own
    worker pool's children were told to set up and could not find: every point died."""
    proc = cli(
        "--multirun",
        "hydra/launcher=local",
        f"hydra.sweep.dir={tmp_path}",
        "scenario.units.bp_vehicle.count=2,4",
        "replications=2",
        "chunk_size=1",
        "workers=2",
        *SHORT,
    )
    assert proc.returncode == 0, proc.stderr
    table = load(tmp_path)
    assert len(table) == 4 and table.groupby("run").seed.apply(sorted).tolist() == [[1, 2], [1, 2]]


def test_a_sweep_of_a_scenario_file_of_ones_own(tmp_path):
    """scenario_file=PATH in a --multirun sweep: each point loads the file (it was refused by
    Hydra, and +scenario_file= silently swept the demo); folders are named by the swept keys."""
    mine = tmp_path / "scen" / "mine.yaml"
    mine.parent.mkdir()
    mine.write_text("defaults: [demo, _self_]\nname: mine\nhorizon_days: 1\n")
    root = tmp_path / "sweep"
    for form in ("scenario_file", "+scenario_file"):
        proc = cli(
            "--multirun",
            f"hydra.sweep.dir={root}",
            f"{form}={mine}",
            "scenario.units.bp_vehicle.count=2,4",
            "map=false",
            "quiet=true",
        )
        assert proc.returncode == 0, proc.stderr
    table = load(root)
    assert len(table) == 2 and set(table.scenario) == {"mine"} and set(table.horizon_days) == {1}
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".") and p.is_dir()) == [
        "scenario.units.bp_vehicle.count=2",
        "scenario.units.bp_vehicle.count=4",
    ]
    proc = cli("--multirun", f"hydra.sweep.dir={root}", f"scenario_file={mine},{mine}", "map=false", "quiet=true")
    assert proc.returncode == 2 and "one scenario file per sweep" in proc.stderr


def test_a_sweep_loads_from_a_relative_path_and_from_inside_a_hidden_folder(sweep, tmp_path):
    """`analysis.report ../sweep` or a sweep kept under ~/.cache: the root's own path may hold
    `..` or a hidden folder (only hidden folders below the root are skipped)."""
    root, _ = sweep
    hidden = tmp_path / ".cache" / "sweep"
    hidden.parent.mkdir()
    hidden.symlink_to(root, target_is_directory=True)
    relative = Path(os.path.relpath(root, Path.cwd()))
    assert ".." in relative.parts
    assert len(load(hidden)) == len(load(relative)) == len(load(root)) == 12


def test_rerunning_a_sweep_resumes_without_recomputing(sweep):
    root, args = sweep
    files = sorted(root.rglob("summary/rep-*.parquet"))
    before = {f: f.stat().st_mtime_ns for f in files}
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert {f: f.stat().st_mtime_ns for f in files} == before
    assert len(load(root)) == 12


def test_parallel_replications_equal_serial(tmp_path):
    c = compose(SHORT)
    a = run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), tmp_path / "a", 5, 4, 1))
    b = run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), tmp_path / "b", 5, 4, 2))
    assert list(a.seed) == [5, 6, 7, 8]
    pd.testing.assert_frame_equal(a, b)


def test_a_run_interrupted_after_its_first_chunks_has_its_map_and_a_report(tmp_path):
    """The map (terrain files) is written before any replication: a run stopped part-way is
    reported on, outcome map included (it was written only at the end, and the report failed with
    the missing file's path)."""
    c = compose(SHORT)
    out = tmp_path / "run"

    def stop_after_two(done: int, total: int) -> None:
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 6, 1, 1), stop_after_two)
    assert not (out / "summary.parquet").exists() and len(list((out / "summary").glob("rep-*.parquet"))) == 2
    assert (out / "terrain_nodes.parquet").is_file() and (out / "terrain_edges.parquet").is_file()
    page = build_report(out, out_dir=tmp_path / "report").read_text()
    assert "outcome_map.png" in page


def test_a_study_split_into_runs_by_base_seed_is_one_configuration(tmp_path):
    """README: split a big study into runs with seed=1, seed=100001, ... ("seeds stay distinct and
    paired"). Runs of one scenario from other base seeds, events kept or not, are one configuration
    whose replications are all their seeds (they were as many configurations as runs)."""
    from analysis.configurations import add_config_labels, check_common_seeds, per_configuration

    c = compose(SHORT)
    for base, events in ((1, True), (4, False)):
        run_experiment(
            Experiment(c.scenario, c.origin, str(SCENARIO_DIR), tmp_path / f"from-{base}", base, 3, keep_events=events)
        )
    table = add_config_labels(per_configuration(load(tmp_path)), [])
    assert table.config_hash.nunique() == 1 and sorted(table.seed) == [1, 2, 3, 4, 5, 6]
    assert check_common_seeds(table, pair_on_common_seeds=False) == ""


def test_a_run_resumed_after_its_map_file_was_edited_is_refused(tmp_path):
    """A loaded map's path, not its content, is in the folder key: after the file was edited, a
    resume with more replications ran them on the new map beside the old map's (one folder, one
    configuration, two terrains)."""
    import networkx as nx

    from sim.api import world_of
    from sim.runner import RunDirConflict

    graph = world_of(compose(SHORT)).terrain.to_networkx()
    path = tmp_path / "map.graphml"
    nx.write_graphml(graph, path)
    c = compose([*SHORT, "scenario.terrain.source=graphml", f"scenario.terrain.path={path}"])
    out = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 2, 1, 1))
    original = path.read_bytes()
    for _, attrs in graph.nodes(data=True):
        attrs["cover"] = 0.9
    nx.write_graphml(graph, path)
    with pytest.raises(RunDirConflict, match=r"another configuration: the scenario \(a loaded map's file too\)"):
        run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 4, 1, 1))
    assert len(load(out)) == 2  # nothing added
    path.write_bytes(original)  # the map it ran on: the folder resumes
    assert len(run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 4, 1, 1))) == 4


def test_a_folder_keyed_before_the_map_content_was_resumes_on_its_own_map_only(tmp_path):
    """A run folder written before a loaded map's content was part of the folder key resumes after
    an upgrade if the map is the one it ran on (its terrain tables), and is refused if it is not."""
    import networkx as nx

    from sim.api import world_of
    from sim.runner import RunDirConflict, check_run_dir, mapless_run_key, run_key

    graph = world_of(compose(SHORT)).terrain.to_networkx()
    path = tmp_path / "map.graphml"
    nx.write_graphml(graph, path)
    c = compose([*SHORT, "scenario.terrain.source=graphml", f"scenario.terrain.path={path}"])
    mapless = mapless_run_key(c.scenario, 1, True, str(SCENARIO_DIR))
    for name, edit, field in (("same", False, "run_key"), ("edited", True, "run_key"), ("oldest", True, "config_hash")):
        out = tmp_path / name
        nx.write_graphml(graph, path)
        run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 2, 1, 1))
        manifest = json.loads((out / "manifest.json").read_text())
        del manifest["run_key"]
        manifest[field] = mapless  # as an older version wrote it (the oldest under config_hash)
        (out / "manifest.json").write_text(json.dumps(manifest))
        if edit:
            moved = graph.copy()
            for _, attrs in moved.nodes(data=True):
                attrs["cover"] = 0.9
            nx.write_graphml(moved, path)
            key = run_key(c.scenario, 1, True, str(SCENARIO_DIR))
            with pytest.raises(RunDirConflict, match="another map than this scenario's now"):  # a sweep's check
                check_run_dir(out, key, 4, mapless, lambda: world_of(c))
            with pytest.raises(RunDirConflict, match="another map than this scenario's now"):
                run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 4, 1, 1))
        else:
            assert len(run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 4, 1, 1))) == 4


def test_a_csv_maps_digest_reads_its_two_files_only(tmp_path):
    """A lock file or a note beside nodes.csv and edges.csv is not the map: it must not make the
    run another configuration (refused resumes, reports split in two)."""
    from sim.runner import terrain_digest

    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "nodes.csv").write_text("id,x,y\n0,0,0\n")
    (folder / "edges.csv").write_text("u,v,length_km\n")
    spec = compose([*SHORT, "scenario.terrain.source=csv", f"scenario.terrain.path={folder}"]).scenario
    before = terrain_digest(spec, str(tmp_path))
    (folder / ".~lock.nodes.csv#").write_text("someone")
    assert before and terrain_digest(spec, str(tmp_path)) == before
    (folder / "nodes.csv").write_text("id,x,y\n0,0,1\n")
    assert terrain_digest(spec, str(tmp_path)) != before


def test_a_folder_resumed_across_the_config_hash_change_is_one_configuration(tmp_path):
    """Chunks written when a row's config hash held the base seed and events= carry another hash
    than those added on resume: the folder's summary gives all its rows today's."""
    c = compose(SHORT)
    out = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 2, 1, 1))
    for f in (out / "summary").glob("rep-*.parquet"):  # as an older version wrote them
        pd.read_parquet(f).assign(config_hash="0ld5eed0f3vents").to_parquet(f)
    summary = run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 4, 1, 1))
    assert summary.config_hash.nunique() == 1 and "0ld5eed0f3vents" not in set(load(out).config_hash)


def test_more_replications_in_a_run_folder_keep_the_finished_ones(tmp_path):
    """Raising `replications` on a finished folder runs only the new seeds (the finished chunk
    files stay as they are, even though the default chunk size grows with the count); lowering
    it is refused, since it would drop finished replications from the results."""
    c = compose(SHORT)
    out = tmp_path / "run"
    first = run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 17, 1))
    files = sorted((out / "summary").glob("rep-*.parquet"))
    before = {f: f.stat().st_mtime_ns for f in files}
    assert len(files) == 9  # 17 replications: chunks of 2
    more = run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 40, 1))
    assert {f: f.stat().st_mtime_ns for f in files} == before
    assert list(more.seed) == list(range(1, 41))
    pd.testing.assert_frame_equal(more.iloc[:17].reset_index(drop=True), first)
    with pytest.raises(runner.RunDirConflict, match=r"holds 40 finished replications.*replications=40"):
        run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 39, 1))
    assert len(pd.read_parquet(out / "summary.parquet")) == 40
    assert len(list((out / "summary").glob("rep-*.parquet"))) == len(files) + 8  # 23 more: chunks of 3
    # an interrupted parallel run finishes chunks out of order: the message counts those on disk
    gappy = [runner.Chunk(0, 9), runner.Chunk(280, 299)]
    with pytest.raises(runner.RunDirConflict) as err:
        runner._check_finished(out, gappy, 100)
    assert "holds 30 finished replications, up to replication 299" in str(err.value)
    assert "would leave 20 of them out" in str(err.value) and "replications=300" in str(err.value)


def test_a_folder_grown_with_other_overrides_of_the_same_configuration_keeps_its_columns(tmp_path):
    """The same configuration, a key named at its default value the second time: the folder's rows
    keep its own parameter columns (the new column was NaN for the rows already there, and ints
    became floats)."""
    out = tmp_path / "run"
    api.run(overrides=["scenario.horizon_days=0.25"], replications=2, out_dir=out)
    grown = api.run(
        overrides=["scenario.horizon_days=0.25", "scenario.units.bp_vehicle.count=18"], replications=3, out_dir=out
    )  # 18: the demo's own count
    assert len(grown.summary) == 3
    assert "scenario.units.bp_vehicle.count" not in grown.summary
    assert (grown.summary["scenario.horizon_days"] == 0.25).all() and grown.manifest["params"] == {
        "scenario.horizon_days": 0.25
    }


def test_a_grown_run_stopped_part_way_loads_its_new_replications_too(tmp_path, monkeypatch):
    """Growing a finished run and stopping it part-way: sim.api.load gives every finished
    replication (the old summary.parquet, which held only the first ones, is not read as the result)."""
    c = compose(SHORT)
    out = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 3, 1, chunk_size=1))

    def stop_at_the_fifth(*args, **kw):
        if args[-4].first == 4:  # run_chunk(..., chunk, out, labels, keep_events)
            raise KeyboardInterrupt
        return _REAL_RUN_CHUNK(*args, **kw)

    monkeypatch.setattr(runner, "run_chunk", stop_at_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), out, 1, 6, 1, chunk_size=1))
    assert sorted(api.load(out).summary.seed) == [1, 2, 3, 4]


_PARENT = os.getpid()
_REAL_RUN_CHUNK = runner.run_chunk


def _chunk_that_kills_its_worker(*args, **kw):
    """run_chunk, except that a pool worker dies at once, as one killed by the OOM killer."""
    if os.getpid() != _PARENT:
        os._exit(1)
    return _REAL_RUN_CHUNK(*args, **kw)


def _outcome_within(seconds: float, fn) -> BaseException | None:
    """Run fn in a thread; the exception it raised, None if it returned; fails if it hangs."""
    result: list = []

    def target():
        try:
            fn()
            result.append(None)
        except BaseException as exc:  # the outcome under test
            result.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the run hung for {seconds} s"
    return result[0]


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of fork:DeprecationWarning")
def test_a_dead_worker_stops_the_run_with_an_error_instead_of_hanging(tmp_path, monkeypatch):
    """A pool worker dying mid-chunk breaks the pool; the run must fail with BrokenProcessPool,
    saying the likely causes (a script without the `__main__` guard ends so). (Starting the next
    chunk from the failed one's callback deadlocked inside the pool.)"""
    c = compose(SHORT)
    monkeypatch.setattr(runner, "run_chunk", _chunk_that_kills_its_worker)
    monkeypatch.setattr(
        runner, "process_pool", lambda n: ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"))
    )  # the child sees the patched run_chunk (and
    # only exits, so forking this multi-threaded process is safe here)
    exp = Experiment(c.scenario, c.origin, str(SCENARIO_DIR), tmp_path / "run", 1, 6, 2, chunk_size=1)
    outcome = _outcome_within(120, lambda: run_experiment(exp))
    assert isinstance(outcome, BrokenProcessPool), outcome
    assert "killed (out of memory?), or a script" in str(outcome) and "__main__" in str(outcome)  # what to do


class _PoolThatCannotStart:
    """A process pool whose processes cannot be started (as with too many open files)."""

    def __init__(self, n: int) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def submit(self, *args, **kw):
        raise OSError(24, "Too many open files")


def test_a_pool_that_cannot_start_is_reported_and_no_chunk_is_lost(tmp_path, monkeypatch):
    c = compose(SHORT)
    monkeypatch.setattr(runner, "process_pool", _PoolThatCannotStart)
    exp = Experiment(c.scenario, c.origin, str(SCENARIO_DIR), tmp_path / "run", 1, 4, 2, chunk_size=1)
    with pytest.raises(OSError, match="Too many open files"):
        run_experiment(exp)
    assert len(list((tmp_path / "run" / "summary").glob("rep-*.parquet"))) == 4  # all ran here
    monkeypatch.undo()
    assert len(run_experiment(exp)) == 4  # and the rerun completes from them


def interrupted(args: list[str], cwd: Path, chunks: str) -> str:
    """Run `python -m sim.run ARGS` in `cwd`, press Ctrl-C once two chunk files match the glob
    `chunks`; check it ended as Ctrl-C should (exit 130, no traceback) and return its stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.run", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.time() + 120
    while len(list(cwd.glob(chunks))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 130 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_says_where_the_finished_replications_are_and_how_to_resume(tmp_path, workers):
    """A plain run goes to a new time-stamped folder: Ctrl-C names it, with the command that resumes
    (and, with a process pool, no traceback from chunks finishing while the pool shuts down)."""
    args = ["replications=24", "chunk_size=2", f"workers={workers}", *SHORT]
    err = interrupted(args, tmp_path, "outputs/*/*/summary/rep-*.parquet")
    hint = re.search(r"the same command (hydra\.run\.dir=\S+) resumes", err)
    assert hint, err
    done = len(list(tmp_path.glob("outputs/*/*/summary/rep-*.parquet")))
    assert 2 <= done < 12
    resumed = subprocess.run(
        [sys.executable, "-m", "sim.run", *args, hint.group(1)], cwd=tmp_path, capture_output=True, timeout=600
    )
    assert resumed.returncode == 0 and len(load(tmp_path / hint.group(1).split("=", 1)[1])) == 24


def test_ctrl_c_on_a_sweep_keeps_the_finished_chunks_and_the_same_command_resumes(tmp_path):
    """--multirun: Ctrl-C says where the finished runs are, without a traceback, and the same
    command finishes the sweep from them."""
    sweep = tmp_path / "sweep"
    args = [
        "--multirun",
        "scenario.units.bp_vehicle.count=2,4",
        "replications=24",
        "chunk_size=2",
        f"hydra.sweep.dir={sweep}",
        *SHORT,
    ]
    err = interrupted(args, tmp_path, "sweep/*/summary/rep-*.parquet")
    assert f"interrupted: finished runs are kept in {sweep}; the same command resumes them" in err
    assert 2 <= len(list(sweep.glob("*/summary/rep-*.parquet"))) < 24
    resumed = subprocess.run([sys.executable, "-m", "sim.run", *args], cwd=tmp_path, capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert len(load(sweep)) == 48


def test_a_killed_run_leaves_only_complete_files_and_resumes(tmp_path):
    out = tmp_path / "run"
    args = [f"hydra.run.dir={out}", "replications=24", "chunk_size=2", *SHORT]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.run", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 120
    while len(list((out / "summary").glob("rep-*.parquet"))) < 3 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    done = sorted((out / "summary").glob("rep-*.parquet"))
    assert 3 <= len(done) < 12, "the run should have been stopped part-way"
    assert not list(out.rglob("*.tmp")), "a temporary file survived SIGTERM"
    for f in done + sorted((out / "events").glob("rep-*.parquet")):
        pq.read_table(f)  # every visible file is complete
    assert not json.loads((out / "manifest.json").read_text())["complete"]
    assert len(load(out)) == 2 * len(done)  # the store sees the finished chunks

    mtimes = {f: f.stat().st_mtime_ns for f in done}
    assert cli(*args).returncode == 0
    assert {f: f.stat().st_mtime_ns for f in done} == mtimes  # finished chunks were kept
    resumed = load(out)
    assert len(resumed) == 24 and list(resumed.replication) == list(range(24))
    fresh = tmp_path / "fresh"
    assert cli(f"hydra.run.dir={fresh}", "replications=24", "chunk_size=2", *SHORT).returncode == 0
    cols = [c for c in resumed if c not in ("run", "git_commit")]
    pd.testing.assert_frame_equal(resumed[cols], load(fresh)[cols])


def test_a_run_dir_of_another_config_is_refused(tmp_path):
    assert cli(f"hydra.run.dir={tmp_path}", *SHORT).returncode == 0
    proc = cli(f"hydra.run.dir={tmp_path}", "scenario.units.bp_vehicle.count=3", *SHORT)
    assert proc.returncode == 2 and "another configuration" in proc.stderr


def test_a_folder_written_before_run_key_resumes_under_its_config_hash(tmp_path):
    """Folders written before manifests named their key run_key held it as config_hash: the same
    command still finds its own folder (more replications are added), another one is refused."""
    assert cli(f"hydra.run.dir={tmp_path}", "replications=2", *SHORT).returncode == 0
    path = tmp_path / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["config_hash"] = manifest.pop("run_key")
    path.write_text(json.dumps(manifest))
    more = cli(f"hydra.run.dir={tmp_path}", "replications=4", *SHORT)
    assert more.returncode == 0, more.stderr
    assert len(load(tmp_path)) == 4
    other = cli(f"hydra.run.dir={tmp_path}", "replications=4", "seed=7", *SHORT)
    assert other.returncode == 2 and "the folder's key" in other.stderr


def test_a_sweep_meeting_folders_of_another_config_is_refused_in_one_message(tmp_path):
    """events= is left out of folder names: the same sweep with events=true meets the folders of
    the events=false one. Before anything runs, each such point is named with what differs and how
    to choose another folder; the sweep exits with 2 and no job traceback."""
    args = ["--multirun", f"hydra.sweep.dir={tmp_path}", "scenario.units.bp_vehicle.count=2,4", *SHORT]
    assert cli(*args, "events=false").returncode == 0
    proc = cli(
        "--multirun", f"hydra.sweep.dir={tmp_path}", "scenario.units.bp_vehicle.count=2,4,6", *SHORT, "events=true"
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "hydra.run.dir" not in proc.stderr
    for n in (2, 4):
        assert f"error: sweep point scenario.horizon_days=1,scenario.units.bp_vehicle.count={n}: " in proc.stderr
    assert "nothing was run" in proc.stderr and not list(tmp_path.glob("*count=6"))
    assert "another configuration: the scenario (a loaded map's file too), the base seed or events= " in proc.stderr
    assert "(sweep_name=NAME or hydra.sweep.dir=PATH)" in proc.stderr


def test_sweep_folders_are_checked_where_each_point_goes(tmp_path):
    """A sweep goes to the folder of its sweep_name, one per command (a swept sweep_name=a,b is
    refused: Hydra writes the record, multirun.yaml, to one folder, another sweep's), and the
    command's own kv_sep (also given with ++) names the folders: both are where the refusal looks.
    Two points that would share one folder (events is left out of names) with different folder
    keys are refused before either runs."""
    named = ["--multirun", f"hydra.sweep.dir={tmp_path}/${{sweep_name}}", "sweep_name='a1'", *SHORT[:2]]
    first = cli(*named, "events=false")
    assert first.returncode == 0, first.stderr
    assert f"sweep finished: {tmp_path}/a1\n" in first.stdout
    proc = cli(*named, "events=true")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{tmp_path}/a1/scenario.horizon_days=1 holds results of another configuration" in proc.stderr
    swept = cli("--multirun", f"hydra.sweep.dir={tmp_path}/${{sweep_name}}", "sweep_name=b,c", *SHORT)
    assert swept.returncode == 2 and "sweep_name: one per command" in swept.stderr
    assert not (tmp_path / "b").exists() and not (tmp_path / "default").exists()

    shared = cli("--multirun", f"hydra.sweep.dir={tmp_path}/shared", "events=false,true", *SHORT)
    assert shared.returncode == 2 and "would share the folder" in shared.stderr
    assert "nothing was run" in shared.stderr and not (tmp_path / "shared").exists()

    sep = ["--multirun", f"hydra.sweep.dir={tmp_path}/sep", "++hydra.job.config.override_dirname.kv_sep=_", *SHORT]
    assert cli(*sep, "events=false").returncode == 0
    assert (tmp_path / "sep" / "scenario.horizon_days_1").is_dir()
    again = cli(*sep, "events=true")
    assert again.returncode == 2 and "nothing was run" in again.stderr


def test_mean_ci_and_paired_differences_agree_with_scipy():
    rng = np.random.default_rng(0)
    seeds = np.arange(30)
    common = rng.normal(0, 1, 30)  # shared randomness of each seed
    table = pd.DataFrame(
        {
            "policy": ["a"] * 30 + ["b"] * 30 + ["c"] * 30,
            "seed": np.tile(seeds, 3),
            "m": np.concatenate(
                [common + 5, common + 5.3 + rng.normal(0, 0.1, 30), common + 5 + rng.normal(0, 0.1, 30)]
            ),
        }
    )
    ci = mean_ci(table, "m", "policy").set_index("policy")
    for p in "abc":
        x = table[table.policy == p].m
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert ci.loc[p, "ci_low"] == pytest.approx(lo) and ci.loc[p, "ci_high"] == pytest.approx(hi)
    d = paired_differences(table, "m", "policy", "a").set_index("policy")
    for p in "bc":
        x, b = table[table.policy == p].m.to_numpy(), table[table.policy == "a"].m.to_numpy()
        diff = x - b
        lo, hi = stats.t.interval(0.95, 29, loc=diff.mean(), scale=stats.sem(diff))
        assert d.loc[p, "mean_diff"] == pytest.approx(diff.mean())
        assert (d.loc[p, "ci_low"], d.loc[p, "ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
        assert d.loc[p, "p_value"] == pytest.approx(stats.ttest_rel(x, b).pvalue)
    # a difference the same in every pair is certain (p 0), none at all is no evidence (p 1), as
    # mean_test_p decides them for the displacement claims
    a = table[table.policy == "a"].assign(m=np.arange(30.0))
    for shift, p in ((0.25, 0.0), (0.0, 1.0)):
        pair = pd.concat([a, a.assign(policy="b", m=a.m + shift)])
        assert paired_differences(pair, "m", "policy", "a").p_value.tolist() == [p]
    # pairing removes the shared noise: the paired interval is far narrower than the unpaired one
    assert d.loc["b", "ci_high"] - d.loc["b", "ci_low"] < 0.2 * (ci.loc["b", "ci_high"] - ci.loc["b", "ci_low"])
    assert d.loc["b", "ci_low"] > 0 > d.loc["c", "ci_low"]
    # a key with no other level than the baseline: no rows, and still the table's columns
    none = paired_differences(table[table.policy == "a"], "m", "policy", "a")
    assert none.empty and {"n_pairs", "n_seeds", "mean_diff", "p_value"} <= set(none.columns)


def test_cost_per_interdiction_over_runs_is_total_cost_over_total_interdictions():
    """A run with no interdiction has no cost per interdiction of its own; averaging the runs
    that have one left out exactly the runs that bought least: here one vehicle looked cheaper
    per interdiction than six (4,086 against 4,836 USD), though it paid 5,572 USD for each of
    its 6 interdictions and six vehicles 3,720 USD for each of their 10."""
    rows = []
    for mix, cost, caught in (("one", 6685.91, [2, 3, 0, 1, 0]), ("six", 7440.15, [1, 4, 2, 2, 1])):
        rows += [
            {
                "mix": mix,
                "seed": s,
                "cost_usd": cost,
                "interdicted": k,
                "cost_per_interdiction_usd": cost / k if k else np.nan,
            }
            for s, k in enumerate(caught)
        ]
    table = pd.DataFrame(rows)
    ci = mean_ci(table, "cost_per_interdiction_usd", "mix").set_index("mix")
    assert ci.loc["one", "mean"] == pytest.approx(5 * 6685.91 / 6) and ci.loc["one", "n"] == 5
    assert ci.loc["six", "mean"] == pytest.approx(5 * 7440.15 / 10)
    d = paired_differences(table, "cost_per_interdiction_usd", "mix", "one").iloc[0]
    assert d.n_seeds == 5 and d.mean_diff == pytest.approx(5 * 7440.15 / 10 - 5 * 6685.91 / 6)


def test_a_ratio_without_a_denominator_has_no_value_mean_or_difference():
    """Configurations (or design points) whose runs never interdicted have no cost per
    interdiction: no replication gives it a value (n 0), no paired difference is taken, and a
    design point's mean is undefined, not the mean of the runs that had one."""
    rows = [
        {
            "mix": mix,
            "point": point,
            "seed": s,
            "cost_usd": 100.0,
            "interdicted": k,
            "cost_per_interdiction_usd": np.nan,
        }
        for mix, point, caught in (("none", 0, (0, 0, 0)), ("some", 1, (1, 0, 3)))
        for s, k in enumerate(caught)
    ]
    table = pd.DataFrame(rows)
    ci = mean_ci(table, "cost_per_interdiction_usd", "mix").set_index("mix")
    assert ci.loc["none", "n"] == 0 and np.isnan(ci.loc["none", "mean"])
    assert ci.loc["some", "n"] == 3 and ci.loc["some", "mean"] == pytest.approx(300.0 / 4)
    d = paired_differences(table, "cost_per_interdiction_usd", "mix", "none").iloc[0]
    assert d.n_pairs == 3 and d.n_seeds == 0 and np.isnan(d.mean_diff) and np.isnan(d.ci_low)
    means = group_means(table, "cost_per_interdiction_usd", "point")
    assert np.isnan(means[0]) and means[1] == pytest.approx(75.0)
    assert group_means(table, "interdicted", "point").tolist() == [0.0, pytest.approx(4 / 3)]


def test_ratio_intervals_cover_the_ratio_of_expectations():
    """The delta-method intervals of a ratio metric (one configuration's, and a paired difference
    of two) cover the true ratio E[cost] / E[interdictions] at about their level; seeds share a
    shock that moves both configurations' counts."""
    rng = np.random.default_rng(5)
    trials, n, covered, covered_diff = 400, 30, 0, 0
    true_a, true_b = 6000.0 / 1.5, 7000.0 / 2.5
    for _ in range(trials):
        shock = rng.gamma(4.0, 0.25, n)  # mean 1
        rows = []
        for mix, cost, rate in (("a", 6000.0, 1.5), ("b", 7000.0, 2.5)):
            caught = rng.poisson(rate * shock)
            costs = cost * (1 + 0.1 * (caught - rate * shock)) + rng.normal(0, 200, n)
            rows += [
                {"mix": mix, "seed": s, "cost_usd": c, "interdicted": k} for s, (c, k) in enumerate(zip(costs, caught))
            ]
        table = pd.DataFrame(rows).assign(cost_per_interdiction_usd=np.nan)
        a = mean_ci(table, "cost_per_interdiction_usd", "mix").set_index("mix").loc["a"]
        covered += a.ci_low <= true_a <= a.ci_high
        d = paired_differences(table, "cost_per_interdiction_usd", "mix", "a").iloc[0]
        covered_diff += d.ci_low <= true_b - true_a <= d.ci_high
    # binomial(400, 0.95): sd 1.1%, so +-3.5 sd; 4,000 such trials gave 95.3% and 95.6%
    assert 0.91 <= covered / trials <= 0.99, covered / trials
    assert 0.91 <= covered_diff / trials <= 0.99, covered_diff / trials


def test_pareto_front():
    cost = np.array([1.0, 2.0, 3.0, 2.5, 4.0])
    rate = np.array([0.5, 0.7, 0.6, 0.8, 0.79])
    assert sorted(pareto_front(cost, rate).tolist()) == [0, 1, 3]


def test_pareto_front_is_the_set_no_configuration_beats():
    """Against the definition, on seeded random sets with many ties (equal configurations are all
    on the front) and missing rates (on none)."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        cost = rng.integers(1, 5, 8).astype(float)
        rate = rng.integers(0, 4, 8) / 4
        rate[rng.random(8) < 0.1] = np.nan
        beaten = [
            np.isnan(rate[i]) or any((cost <= cost[i]) & (rate >= rate[i]) & ((cost < cost[i]) | (rate > rate[i])))
            for i in range(8)
        ]
        assert sorted(pareto_front(cost, rate).tolist()) == [i for i in range(8) if not beaten[i]]


def test_paired_test_pooled_over_another_key_holds_its_level():
    """A paired difference pooled over another swept key's values: the pairs of one seed share its
    random streams, so they are one sample, not several. With no true difference and a seed's
    effect shared by its pairs, the test rejects at 5% about 5% of the time (treating the 32 pairs
    as independent rejected 74 of these 400 times), and the interval is over the 8 seeds."""
    rng = np.random.default_rng(11)
    seeds, situations, trials = np.arange(8), ["s1", "s2", "s3", "s4"], 400
    rejected = 0
    for _ in range(trials):
        shared = rng.normal(0, 1, seeds.size)  # the seed's effect on the difference, in every situation
        rows = [
            {
                "policy": policy,
                "other": o,
                "seed": s,
                "m": base + (shared[s] + rng.normal(0, 0.2) if policy == "b" else 0),
            }
            for s in seeds
            for o in situations
            for policy, base in (("a", rng.normal(5, 1)), ("b", 5.0))
        ]
        d = paired_differences(pd.DataFrame(rows), "m", "policy", "a", within=["other"]).iloc[0]
        assert (d.n_pairs, d.n_seeds) == (32, 8)
        rejected += d.p_value < 0.05
    # binomial(400, 0.05): mean 20, sd 4.4
    assert 8 <= rejected <= 34, rejected


def test_report_draws_every_figure_from_a_real_sweep(sweep, tmp_path):
    import re

    from analysis.configurations import add_config_labels
    from analysis.outcome_maps import outcome_figures

    root, _ = sweep
    path = build_report(root, out_dir=tmp_path / "r")
    names = {p.name for p in (tmp_path / "r").glob("*.png")}
    assert {"paired_count.png", "paired_reaction.png", "cost_vs_rate.png", "outcome_map.png"} <= names
    page = path.read_text()
    assert all(n in page for n in names)
    # the front is over the planner's key only, within each smugglers' reaction
    assert "Pareto front over the decision keys scenario.units.bp_vehicle.count (by default" in page
    assert "within each combination of the other swept keys (scenario.organisations.cartel.reaction)" in page
    assert "<th>seeds (n)</th>" in page and "<th>bp vehicle count</th>" in page
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert cells and not [c for c in cells if re.fullmatch(r"[-+\u2212]?[\d,]*\.\d{4,}", c)]  # rounded
    # one outcome map per configuration, with the same size key for all
    table = load(root)
    table = add_config_labels(table, varying_params(table))
    [fig] = outcome_figures(root, table)
    titles = {ax.get_title().replace("\n", "; ") for ax in fig.axes if ax.get_visible()}
    assert titles == {f"{c} (3 replications)" for c in table.config.unique()} and len(titles) == 4
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"crossing", "interdiction", "got away"} <= set(legend)
    assert len([t for t in legend if t.endswith(" per replication")]) >= 2


def test_a_metric_typo_is_refused_naming_the_nearest_metrics(sweep, tmp_path):
    root, _ = sweep
    with pytest.raises(ValueError, match=r"--metric interdiction_rat: .*did you mean interdiction_rate"):
        build_report(root, metric="interdiction_rat", out_dir=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_report_on_sibling_points_that_differ_in_replications(sweep, tmp_path):
    """A point run again with more replications: refused by default with the seeds named; with
    --pair-on-common-seeds, each comparison pairs the seeds both sides hold, each seed once."""
    import shutil

    root, _ = sweep
    copy = tmp_path / "sweep"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("report"))
    more = cli(
        "--multirun",
        f"hydra.sweep.dir={copy}",
        "scenario.units.bp_vehicle.count=6",
        "scenario.organisations.cartel.reaction=run",
        "replications=5",
        *SHORT,
    )
    assert more.returncode == 0, more.stderr
    table = load(copy)  # the sibling folder repeats seeds 1-3: each counts once, as in the report
    assert len(table) == 14 and table.attrs["repeats"] == 3
    assert not table.duplicated(["config_hash", "seed"]).any()
    refused = cli(str(copy), module="analysis.report")
    assert refused.returncode == 2
    assert "3 configuration(s) hold seeds 1–3; seeds 1–5: cartel reaction = run; bp vehicle count = 6" in (
        refused.stderr
    )
    assert "--pair-on-common-seeds" in refused.stderr
    done = cli(str(copy), "--pair-on-common-seeds", module="analysis.report")
    assert done.returncode == 0, done.stderr
    page = (copy / "report" / "report.html").read_text()
    assert "3 replication(s) appear in two run directories of the same configuration" in page
    assert "<td>5</td>" in page  # the configuration's mean uses its five replications
    help_text = cli("--help", module="analysis.report").stdout
    assert "--pair-on-common-seeds" in help_text and "--decision-keys KEY" in help_text


def test_designed_sweep_report_has_sensitivity_and_parameter_figures(tmp_path):
    name = f"test-design-{os.getpid()}"
    proc = cli(
        "--design",
        "morris",
        "--n",
        "2",
        "--name",
        name,
        "--workers",
        "2",
        "--param",
        "scenario.units.bp_vehicle.count=2:20:int",
        "--param",
        "scenario.sensors.towers.detect_rate_per_hour=0.05:1.0",
        *SHORT,
        module="sim.design",
    )
    assert proc.returncode == 0, proc.stderr
    root = ROOT / "outputs" / "sweeps" / name
    try:
        table = load(root)
        assert len(table) == 6 and {"point", "scenario.units.bp_vehicle.count"} <= set(table.attrs["params"])
        build_report(root, out_dir=tmp_path / "r")
        names = {p.name for p in (tmp_path / "r").glob("*.png")}
        assert {
            "sensitivity.png",
            "design_count.png",
            "design_detect_rate_per_hour.png",
            "cost_vs_rate.png",
            "outcome_map.png",
        } <= names
        again = cli(
            "--design",
            "morris",
            "--n",
            "2",
            "--name",
            name,
            "--param",
            "scenario.units.bp_vehicle.count=2:20:int",
            "--param",
            "scenario.sensors.towers.detect_rate_per_hour=0.05:1.0",
            *SHORT,
            module="sim.design",
        )
        assert again.returncode == 0 and "(6 already done)" in again.stdout
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_a_design_writes_under_the_current_folder_as_a_sweep_does(tmp_path):
    """sim.design run from another folder puts its points there (outputs/sweeps/NAME), not in the
    project's folder."""
    args = ["--design", "lhs", "--n", "2", "--name", "here", "--param", "scenario.units.bp_vehicle.count=2:4:int"]
    proc = subprocess.run(
        [sys.executable, "-m", "sim.design", *args, "scenario.horizon_days=0.2", "map=false", "quiet=true"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(load(tmp_path / "outputs" / "sweeps" / "here")) == 2
    assert not (ROOT / "outputs" / "sweeps" / "here").exists()


def test_a_design_resumed_after_its_scenario_file_changed_is_refused(tmp_path):
    """Resuming runs only the points without results: after an edit of the scenario file they
    would run the edited scenario beside points of the old one, and the report mix the two."""
    scenario = tmp_path / "mine.yaml"
    args = ["--design", "lhs", "--n", "2", "--name", "mine", "--param", "scenario.units.bp_vehicle.count=2:4:int"]

    def run() -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "sim.design", *args, f"scenario_file={scenario}", "map=false", "quiet=true"]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    scenario.write_text("defaults: [demo, _self_]\nhorizon_days: 0.2\n")
    assert run().returncode == 0
    scenario.write_text("defaults: [demo, _self_]\nhorizon_days: 0.3\n")
    proc = run()
    assert proc.returncode == 2 and "another scenario" in proc.stderr and "another --name" in proc.stderr
    scenario.write_text("defaults: [demo, _self_]\nhorizon_days: 0.2\n")
    proc = run()
    assert proc.returncode == 0 and "(2 already done)" in proc.stdout


def test_a_design_and_a_grid_sweep_never_share_a_folder(tmp_path):
    """A design named like a grid sweep (or a grid sweep named like a design) would add its points
    to the other's folder: one experiment of two, whose report then fails on unequal seeds."""

    def run(module: str, *args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", module, *args, "scenario.horizon_days=0.2", "map=false", "quiet=true"]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    design = ("--design", "lhs", "--n", "2", "--param", "scenario.units.bp_vehicle.count=2:4:int")
    grid = run("sim.run", "--multirun", "sweep_name=towers", "scenario.sensors.towers.spacing_km=8,12")
    assert grid.returncode == 0, grid.stderr
    towers = tmp_path / "outputs" / "sweeps" / "towers"
    points = sorted(p.name for p in towers.iterdir())
    proc = run("sim.design", *design, "--name", "towers")
    assert proc.returncode == 2 and "holds a grid sweep's runs" in proc.stderr and "another --name" in proc.stderr
    assert sorted(p.name for p in towers.iterdir()) == points

    nested = tmp_path / "outputs" / "sweeps" / "nested" / "scenario.terrain.path=tiles" / "a"  # a swept value with a /
    nested.mkdir(parents=True)
    (nested / "manifest.json").write_text("{}")
    proc = run("sim.design", *design, "--name", "nested")
    assert proc.returncode == 2 and "holds a grid sweep's runs" in proc.stderr

    assert run("sim.design", *design, "--name", "lhs").returncode == 0
    proc = run("sim.run", "--multirun", "sweep_name=lhs", "scenario.sensors.towers.spacing_km=8,12")
    assert proc.returncode == 2 and "holds a design" in proc.stderr and "another sweep_name" in proc.stderr
    assert len(load(tmp_path / "outputs" / "sweeps" / "lhs")) == 2


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_an_integer_design_key_takes_every_value_of_its_range_equally_often(method):
    """1:3:int over 600 samples: each of 1, 2, 3 about a third (sampled over [1, 3] and rounded,
    the ends had a quarter each and 2 half); a Latin hypercube puts one sample in each of n equal
    strata, so its counts are exact to one."""
    from sim.design import Param, sample

    params = [Param.parse("scenario.units.bp_vehicle.count=1:3:int"), Param.parse("scenario.seed_x=0:1")]
    x = sample(method, params, 600 if method == "lhs" else 256, seed=3)
    values, counts = np.unique(x[:, 0], return_counts=True)
    assert values.tolist() == [1, 2, 3]
    if method == "lhs":
        assert counts.max() - counts.min() <= 1
    else:
        assert stats.chisquare(counts).pvalue > 0.001, counts
    assert 0 <= x[:, 1].min() and x[:, 1].max() <= 1  # a real key keeps its range


def _indices_of(method: str, params, f, n: int, tmp_path, monkeypatch) -> tuple[np.ndarray, pd.DataFrame]:
    """sim.design's sample and analysis.sensitivity's indices of a known function f (one
    replication per point, its value the metric)."""
    import analysis.sensitivity as sens
    from sim.design import problem, sample

    x = sample(method, params, n, seed=3)
    design = {"method": method, "n": n, "seed": 3, "replications": 1, "problem": problem(params), "samples": x.tolist()}
    (tmp_path / "design.json").write_text(json.dumps(design))
    table = pd.DataFrame({"point": np.arange(len(x)), "replication": 0, "m": f(x)})
    monkeypatch.setattr(sens, "load", lambda _root: table)
    idx = sens.indices(tmp_path, "m")
    return x, idx if idx.empty else idx.set_index("parameter")


def test_morris_effects_of_an_integer_key_are_over_the_steps_it_took(tmp_path, monkeypatch):
    """y = k + 1.3 z, k in 2:4:int, z in 0:2: mu* is slope x range, 2.0 for k and 2.6 for z (k's
    rounded steps were divided by the grid's nominal step: 3.0, ranking k first), and every
    integer of k's range is run (the grid over 1.5..4.5 rounded to even never ran 3)."""
    from sim.design import Param

    params = [Param.parse("k=2:4:int"), Param.parse("z=0:2")]
    x, idx = _indices_of("morris", params, lambda x: x[:, 0] + 1.3 * x[:, 1], 20, tmp_path, monkeypatch)
    assert sorted(np.unique(x[:, 0])) == [2, 3, 4]
    assert idx.mu_star.to_dict() == pytest.approx({"k": 2.0, "z": 2.6})


def test_sensitivity_of_a_metric_undefined_at_a_point_is_refused_not_zero(tmp_path, monkeypatch):
    """A point whose replications all left the metric undefined (NaN): Sobol indices came out
    exactly 0 for every parameter, saying nothing matters."""
    from analysis.sensitivity import UndefinedAtPoints
    from sim.design import Param

    def f(x):
        y = x[:, 0] + 0.1 * x[:, 1]
        y[5] = np.nan
        return y

    with pytest.raises(UndefinedAtPoints, match="m has no value at 1 of .* design points \\(e.g. point 5"):
        _indices_of("sobol", [Param.parse("a=0:1"), Param.parse("b=0:1")], f, 64, tmp_path, monkeypatch)
    # a space-filling design has no indices to refuse: its report says nothing about sensitivity
    (tmp_path / "lhs").mkdir()
    _, idx = _indices_of("lhs", [Param.parse("a=0:1"), Param.parse("b=0:1")], f, 64, tmp_path / "lhs", monkeypatch)
    assert idx.empty


def test_sensitivity_of_a_design_with_a_point_interrupted_part_way_is_refused(tmp_path, monkeypatch):
    """A point that holds only some of the design's replications (interrupted) has a mean of fewer
    runs than the others: the indices were computed from it silently, as from a finished design."""
    import analysis.sensitivity as sens
    from sim.design import Param, problem, sample

    params = [Param.parse("a=0:1"), Param.parse("b=0:1")]
    x = sample("morris", params, 4, seed=3)
    design = {"method": "morris", "n": 4, "seed": 3, "replications": 3, "problem": problem(params)}
    (tmp_path / "design.json").write_text(json.dumps({**design, "samples": x.tolist()}))
    whole = pd.DataFrame({"point": np.repeat(np.arange(len(x)), 3), "replication": np.tile([0, 1, 2], len(x))})
    whole["m"] = x[whole.point, 0] + whole.replication
    monkeypatch.setattr(sens, "load", lambda _root: whole)
    assert len(sens.indices(tmp_path, "m")) == 2
    cut = whole[~((whole.point == 2) & (whole.replication > 0))]
    monkeypatch.setattr(sens, "load", lambda _root: cut)
    with pytest.raises(ValueError, match="1 design points hold fewer than the design's 3 replications .*point 2: 1"):
        sens.indices(tmp_path, "m")


def test_bad_input_errors_reach_the_launchers_process_as_themselves():
    """A sweep point's bad input is raised in a worker process (joblib, Ray, SLURM) and pickled
    back: it arrives as the same error with the same message and problems (it could not be
    unpickled, and the sweep died with an unreadable BrokenProcessPool)."""
    import pickle

    from sim.terrain.validate import TerrainError
    from sim.validation import ScenarioError

    with pytest.raises(ScenarioError) as bad:
        compose(["scenario.units.bp_vehicle.count=2.5"])
    errors = [bad.value, TerrainError("terrain.graphml", ["node 3: no x", "no staging cell"])]
    for exc in errors:
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc) and back.problems == exc.problems


def test_a_map_drawing_interrupted_leaves_no_file_behind(tmp_path, monkeypatch):
    """map.png is drawn to a hidden temporary and renamed; Ctrl-C while it is drawn leaves neither
    a partial map nor a visible temporary (map.tmp.png stayed, and the next start kept it)."""
    from matplotlib.figure import Figure

    from analysis.maps import draw_run_map

    out = tmp_path / "run"
    api.run(overrides=["scenario.horizon_days=0.2"], replications=1, seed=1, out_dir=out)

    def interrupted(self, fname, **kw):
        Path(fname).write_bytes(b"\x89PNG partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        draw_run_map(out, out / "map.png")
    assert not (out / "map.png").exists() and not list(out.glob("*map*"))


def test_outcome_maps_leave_decoys_out_as_the_summary_does(tmp_path):
    """The outcome map counts the crossings, interdictions and got-aways of real attempts, as
    every attempt-based metric does (a decoy inject's groups were drawn as crossings)."""
    from analysis.configurations import add_config_labels
    from analysis.outcome_maps import outcome_counts
    from sim.run import single_run

    out = tmp_path / "sweep" / "run"
    decoys = "+scenario.injects.feint={type: decoy, organisation: cartel, count: 40, start_hours: 2}"
    args = [f"hydra.run.dir={out}", "scenario.horizon_days=0.5", "replications=2", "map=false", "quiet=true", decoys]
    assert single_run(args) == 0
    table = load(tmp_path / "sweep")
    counts, reps = outcome_counts(tmp_path / "sweep", add_config_labels(table, varying_params(table)))
    ev = pq.read_table(out / "events").to_pandas()
    decoy = ev[(ev.kind == "attempt") & (ev.cargo == "decoy")][["seed", "attempt"]]
    assert len(decoy) == 80
    real = ev.merge(decoy.assign(is_decoy=True), on=["seed", "attempt"], how="left").is_decoy.isna()
    for kind in ("crossed", "interdiction", "got_away"):
        assert counts[counts.kind == kind].n.sum() == ((ev.kind == kind) & real.to_numpy()).sum()
    assert ((ev.kind == "crossed") & ~real.to_numpy()).sum() > 0  # the decoys did cross
    assert list(reps.values()) == [2]


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ("scenario.horizon_days=0.1", "one string; allowed: a list of KEY=VALUE strings"),
        (["scenario.horizon_days=0.1", "seed=7"], "'seed=7' is a run key of its own; allowed: api.run(..., seed=...)"),
        (["replications=3"], "allowed: api.run(..., replications=...)"),
        (["map=true"], "a key of the command line, which the Python API does not read"),
        (["hydra.run.dir=elsewhere"], "out_dir= names the run directory"),
    ],
)
def test_the_python_api_refuses_overrides_it_would_drop_and_writes_nothing(tmp_path, overrides, says):
    """A run key given in `overrides` was replaced by the argument's default (seed=7 ran seed 1),
    the command line's own keys did nothing, and one string was read letter by letter."""
    with pytest.raises(api.ConfigError) as err:
        api.run(overrides=overrides, out_dir=tmp_path / "run")
    assert says in str(err.value)
    assert not (tmp_path / "run").exists()


def test_overrides_given_as_a_generator_are_applied(tmp_path):
    result = api.run(overrides=(o for o in ["scenario.horizon_days=0.1"]), out_dir=tmp_path / "run")
    assert (result.summary["scenario.horizon_days"] == 0.1).all()


def test_the_python_api_names_its_own_argument_for_the_folder(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(api.ConfigError, match="out_dir=.*a file, not a folder"):
        api.run(overrides=["scenario.horizon_days=0.1"], out_dir=tmp_path / "file")
    api.run(overrides=["scenario.horizon_days=0.1"], out_dir=tmp_path / "run")
    with pytest.raises(runner.RunDirConflict) as err:  # another base seed: another configuration's folder
        api.run(overrides=["scenario.horizon_days=0.1"], seed=5, out_dir=tmp_path / "run")
    assert "choose another output directory (out_dir=...)" in str(err.value) and "hydra" not in str(err.value)


def test_loading_a_folder_of_runs_as_one_run_points_to_the_store(tmp_path):
    for count in (10, 12):
        api.run(
            overrides=["scenario.horizon_days=0.1", f"scenario.units.bp_vehicle.count={count}"],
            out_dir=tmp_path / f"sweep/{count}",
        )
    with pytest.raises(FileNotFoundError, match=r"a folder of runs .* analysis.store.load\(path\)"):
        api.load(tmp_path / "sweep")
    assert len(load(tmp_path / "sweep")) == 2


def test_a_script_running_workers_without_the_main_guard_stops_and_says_why(tmp_path):
    """Each worker imports the script: unguarded, the run started again inside the worker, into
    the same folder, and both finished as if nothing had happened."""
    script = tmp_path / "study.py"
    script.write_text(
        "from sim import api\n"
        "api.run(overrides=['scenario.horizon_days=0.1'], replications=4, workers=2, out_dir='out')\n"
        "print('finished')\n"
    )
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "finished" not in done.stdout
    assert 'put the call under `if __name__ == "__main__":`' in done.stderr
    assert "BrokenProcessPool" in done.stderr
