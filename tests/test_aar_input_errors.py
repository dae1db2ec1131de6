"""python -m analysis.aar: bad input is one clear message (error: ..., exit code 2), never a
traceback or a silently wrong review; a question whose window lies beyond the run says so."""

from pathlib import Path

import pytest

from analysis.aar import build_aar, main, read_run
from analysis.evidence import evidence
from analysis.maps import read_terrain
from sim.api import run
from sim.questions import parse_question

HORIZON_MIN = 360.0  # scenario.horizon_days=0.25
SCENARIO = """\
defaults: [demo, _self_]
horizon_days: 0.25
questions:  # one starting after the end is refused by sim.run; the review still guards against it
  - "[2-40h] What happened late on?"
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A sweep folder holding one run folder (2 replications, with a drill's questions), and a
    run made with events=false; a few seconds of simulation in all."""
    root = tmp_path_factory.mktemp("aar_input")
    (root / "drill.yaml").write_text(SCENARIO)
    sweep = root / "sweep"
    point = sweep / "seed=1"
    run(scenario_file=root / "drill.yaml", replications=2, seed=1, out_dir=point)
    noev = root / "noev"
    run(overrides=["scenario.horizon_days=0.1"], replications=1, seed=1, out_dir=noev, events=False)
    return {"run": point, "sweep": sweep, "noev": noev, "root": root}


def refused(capsys, argv: list[str], out: Path) -> str:
    """The one message main() gives for argv, having written nothing."""
    code = main([*argv, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists()  # nothing written
    return lines[0]


def test_a_replication_the_run_does_not_hold_is_refused(runs, capsys, tmp_path):
    for rep in ("5", "2", "-1"):
        msg = refused(capsys, [str(runs["run"]), "--replication", rep], tmp_path / "out")
        assert f"--replication {rep}: the run holds replications 0..1" in msg
    with pytest.raises(ValueError, match="--replication 7: the run holds replications 0..1"):
        read_run(runs["run"], 7)


def test_a_negative_replay_minute_is_refused_with_the_range(runs, capsys, tmp_path):
    msg = refused(capsys, [str(runs["run"]), "--at", "-100"], tmp_path / "out")
    assert "--at -100" in msg and "0..360" in msg and "minutes" in msg


def test_a_replay_minute_beyond_the_horizon_is_refused_naming_the_horizon(runs, capsys, tmp_path):
    msg = refused(capsys, [str(runs["run"]), "--at", "100", "361", "nan"], tmp_path / "out")
    assert "--at 361 nan" in msg and "0..360" in msg and "0.25 days" in msg and " 100" not in msg


def test_a_run_without_an_event_log_says_so(runs, capsys, tmp_path):
    msg = refused(capsys, [str(runs["noev"])], tmp_path / "out")
    assert f"{runs['noev']} has no event log (it was run with events=false); re-run with events=true" in msg


def test_a_sweep_folder_names_one_of_its_run_folders(runs, capsys, tmp_path):
    msg = refused(capsys, [str(runs["sweep"])], tmp_path / "out")
    assert f"{runs['sweep']} is a sweep folder" in msg
    assert f"name one of its run folders, e.g. {runs['run']}" in msg


def test_a_folder_that_is_not_a_run_says_so(runs, capsys, tmp_path):
    msg = refused(capsys, [str(runs["root"] / "missing")], tmp_path / "out")
    assert "no such folder" in msg
    msg = refused(capsys, [str(runs["root"] / "drill.yaml")], tmp_path / "out")
    assert "not a folder" in msg
    empty = tmp_path / "empty"
    empty.mkdir()
    msg = refused(capsys, [str(empty)], tmp_path / "out")
    assert "not a run folder" in msg


def test_a_question_window_beyond_the_horizon_is_refused_and_one_across_it_is_cut(runs, tmp_path):
    ev, _ = read_run(runs["run"], 0)
    nodes, _ = read_terrain(runs["run"])
    after = evidence(parse_question("[30-40h] x"), ev, nodes)
    assert after.problems == [
        "window 30-40h starts at or after the end of the run (hour 6); the evidence below is for the whole run"
    ]
    assert after.scope.startswith("the whole run:") and "(minutes 0-360)" in after.scope
    inject = evidence(parse_question("[inject nope 30-40h] x"), ev, nodes)  # no such inject either: the whole run
    assert len(inject.problems) == 2 and inject.scope.startswith("the whole run:")
    across = evidence(parse_question("[2-40h] x"), ev, nodes)
    assert not across.problems
    assert (
        across.scope.startswith("hours 2-40, cut at the end of the run (hour 6):")
        and "(minutes 120-360)" in across.scope
    )
    inside = evidence(parse_question("[1-2h] x"), ev, nodes)
    assert not inside.problems and inside.scope.startswith("hours 1-2:") and "(minutes 60-120)" in inside.scope

    # the review shows it under the question; the last replication and the horizon's ends are fine
    page = build_aar(runs["run"], 1, [0, HORIZON_MIN], tmp_path / "aar").read_text()
    assert "hours 2-40, cut at the end of the run (hour 6)" in page
    assert (tmp_path / "aar" / "replay_0.png").exists() and (tmp_path / "aar" / "replay_360.png").exists()


def test_a_run_with_no_finished_replication_yet_says_so(capsys, tmp_path):
    """A run killed during its first write leaves events/ with only a temporary file."""
    started = tmp_path / "started"
    (started / "events").mkdir(parents=True)
    (started / "manifest.json").write_text("{}")
    (started / "events" / ".rep-00000-00000.parquet.a.tmp").write_text("x")
    msg = refused(capsys, [str(started)], tmp_path / "out")
    assert f"{started} has no finished replication yet" in msg


def damaged_copy(runs, tmp_path: Path, name: str, damage) -> Path:
    """A copy of the run folder with one file damaged by `damage(folder)`."""
    import shutil

    copy = tmp_path / name
    shutil.copytree(runs["run"], copy)
    damage(copy)
    return copy


def test_damaged_run_files_are_named_in_one_message(runs, capsys, tmp_path):
    """A config.yaml cut short, a summary cut short, a manifest that is not the runner's JSON
    object, a report or review written over a file: each is one message naming the file (they
    were tracebacks)."""
    from analysis.report import main as report

    cut_config = damaged_copy(runs, tmp_path, "cut_config", lambda d: (d / "config.yaml").write_text("foo: [\n"))
    msg = refused(capsys, [str(cut_config)], tmp_path / "out")
    assert "cut_config/config.yaml: not readable YAML" in msg and "allowed: the config.yaml the run wrote" in msg

    def cut(path: Path) -> None:
        path.write_bytes(path.read_bytes()[:40])

    cut_summary = damaged_copy(runs, tmp_path, "cut_summary", lambda d: cut(d / "summary.parquet"))
    listed = damaged_copy(runs, tmp_path, "listed", lambda d: (d / "manifest.json").write_text("[1, 2]"))
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for argv, expected in [
        ([str(cut_summary)], "cannot read the summaries under"),
        ([str(listed)], "listed/manifest.json: a JSON list, not a manifest"),
        ([str(runs["sweep"]), "--metric", "scenario"], "--metric scenario: a text column, not a metric"),
        ([str(runs["sweep"]), "--out", str(a_file)], "a file, not a folder"),
    ]:
        code = report(argv)
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err and expected in err, err
    assert main([str(runs["run"]), "--out", str(a_file)]) == 2
    assert "a file, not a folder" in capsys.readouterr().err


def test_the_counterfactual_of_a_batch_run_or_a_file_is_refused(runs, capsys, tmp_path):
    from sim.drill.counterfactual import main as counterfactual

    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for target, expected in [(runs["run"], "is not a drill"), (a_file, "no such folder")]:
        assert counterfactual([str(target)]) == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err, err
    assert not (runs["run"] / "counterfactual").exists()


def test_a_relative_output_folder_outside_the_current_folder_is_refused(runs, capsys, tmp_path, monkeypatch):
    """As sim.run's output folders: --out ../elsewhere would write beside the user's folder."""
    from analysis.report import main as report

    inside = tmp_path / "here"
    inside.mkdir()
    monkeypatch.chdir(inside)
    for command, argv in [(main, [str(runs["run"])]), (report, [str(runs["sweep"])])]:
        assert command([*argv, "--out", "../elsewhere"]) == 2
        err = capsys.readouterr().err
        assert "--out ../elsewhere: a relative output folder must stay inside the current folder" in err, err
    assert not (tmp_path / "elsewhere").exists()


def interrupt_before_the_second_summary(monkeypatch) -> None:
    """Interrupt a run (as Ctrl-C would) after chunk 1's other files and before its summary."""
    import sim.runner as runner

    original = runner.write_parquet_atomic

    def interrupted(table, path):
        if path.parent.name == "summary" and path.name.startswith("rep-00001"):
            raise KeyboardInterrupt
        original(table, path)

    monkeypatch.setattr(runner, "write_parquet_atomic", interrupted)


def test_an_interrupted_run_without_an_event_log_says_why(capsys, tmp_path, monkeypatch):
    """The setting is read from the manifest, written before anything runs: an events=false run
    interrupted after its first chunk is not 'no replication finished?' (config.yaml is written
    at the end). The Python API's events() says the same, and a resume with events=true is
    refused naming the folder's setting."""
    import sim.runner as runner
    from sim.api import load

    interrupt_before_the_second_summary(monkeypatch)
    out = tmp_path / "noev"
    with pytest.raises(KeyboardInterrupt):
        run(overrides=["scenario.horizon_days=0.1", "chunk_size=1"], replications=3, out_dir=out, events=False)
    monkeypatch.undo()
    assert not (out / "config.yaml").exists() and len(load(out).summary) == 1
    msg = refused(capsys, [str(out)], tmp_path / "review")
    assert f"{out} has no event log (it was run with events=false); re-run with events=true" in msg
    with pytest.raises(ValueError, match="it was run with events=false"):
        load(out).events()
    with pytest.raises(runner.RunDirConflict, match="the folder was run with base seed 1, events=false"):
        run(overrides=["scenario.horizon_days=0.1", "chunk_size=1"], replications=3, out_dir=out, events=True)


def test_the_event_log_of_an_interrupted_run_holds_the_replications_its_summary_holds(tmp_path, monkeypatch):
    """A chunk's events are written before its summary: interrupted between the two, the run does
    not count that chunk as done, and neither do its events()."""
    from sim.api import load

    interrupt_before_the_second_summary(monkeypatch)
    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        run(overrides=["scenario.horizon_days=0.1", "chunk_size=1"], replications=3, out_dir=out)
    result = load(out)
    assert (out / "events" / "rep-00001-00001.parquet").exists()
    assert sorted(result.summary.replication) == [0] and sorted(result.events().replication.unique()) == [0]
