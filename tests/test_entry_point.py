"""The demo end to end through the real entry point, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.run", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_printed_cost_per_interdiction_is_total_cost_over_total_interdictions():
    """Over replications the printed mean of a ratio is the ratio of the totals: a replication
    without an interdiction still paid its cost (the mean of the ratios dropped it)."""
    import pandas as pd

    from sim.run import SHOWN, format_summary

    rows = pd.DataFrame({key: [1.0, 1.0, 1.0] for key, _ in SHOWN})
    rows["cost_usd"] = [9000.0, 9000.0, 9000.0]
    rows["interdicted"] = [3.0, 0.0, 1.0]
    rows["cost_per_interdiction_usd"] = [3000.0, float("nan"), 9000.0]
    line = next(x for x in format_summary(rows).splitlines() if x.startswith("cost_per_interdiction_usd"))
    assert line.split()[1:] == ["6,750", "3,000", "..", "9,000"]


def test_help_shows_the_users_own_scenario_file(tmp_path):
    """--help with scenario_file=PATH lists that file's keys (it failed with Hydra's traceback, and
    +scenario_file showed the demo); a missing file is one message, exit 2."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nhorizon_days: 1.5\n")
    proc = run_cli("--help", f"scenario_file={mine}")
    assert proc.returncode == 0, proc.stderr
    assert "  name: mine\n  horizon_days: 1.5\n" in proc.stdout and "name: demo" not in proc.stdout
    missing = run_cli("--help", f"scenario_file={tmp_path / 'nope.yaml'}")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "no such file" in missing.stderr


def test_demo_writes_config_events_summary_and_map(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(f"hydra.run.dir={out}", "replications=2", "seed=3")
    assert proc.returncode == 0, proc.stderr
    assert "interdiction_rate" in proc.stdout and str(out) in proc.stdout

    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["scenario"]["name"] == "demo" and cfg["replications"] == 2 and cfg["seed"] == 3

    summary = pq.read_table(out / "summary.parquet").to_pandas()
    assert list(summary.seed) == [3, 4] and list(summary.replication) == [0, 1]
    events = pq.read_table(out / "events").to_pandas()
    for rep, row in summary.iterrows():
        ev = events[events.replication == rep]
        assert row.attempts == (ev.kind == "attempt").sum() > 0
        assert row.interdicted == (ev.kind == "interdiction").sum()

    png = (out / "map.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert not list(out.rglob(".*.tmp")), "temporary files left behind"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["git_commit"] and manifest["version"]


def test_bad_override_fails_with_one_clear_message(tmp_path):
    proc = run_cli(f"hydra.run.dir={tmp_path}", "scenario.units.bp_foot.policy=zigzag")
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "scenarios/demo.yaml" in proc.stderr and "random_beat" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_result_files_are_readable_like_any_file_the_user_makes(tmp_path):
    import os
    import stat

    out = tmp_path / "run"
    proc = run_cli(f"hydra.run.dir={out}", "scenario.horizon_days=0.2", "map=false", "quiet=true")
    assert proc.returncode == 0, proc.stderr
    umask = os.umask(0o022)
    os.umask(umask)
    for f in (out / "summary.parquet", out / "manifest.json", out / "config.yaml"):
        mode = stat.S_IMODE(f.stat().st_mode)
        assert mode == 0o666 & ~umask, f"{f.name}: {oct(mode)}"


def test_two_runs_started_in_the_same_second_get_their_own_directories(tmp_path):
    from sim.api import new_run_dir

    dirs = {new_run_dir("demo", tmp_path) for _ in range(5)}
    assert len(dirs) == 5 and all(d.is_dir() and not any(d.iterdir()) for d in dirs)


def test_bad_input_leaves_no_run_directory(tmp_path):
    proc = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "scenario.sensors.towers.detect_rate_per_hour=nan")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert not (tmp_path / "run").exists() and not list(tmp_path.iterdir())


def test_the_run_folder_is_the_one_hydra_reads_quoted_or_given_twice(tmp_path):
    """hydra.run.dir='PATH' is PATH (a folder named with the quotes was made), and of two the last
    counts, as for every other key."""
    quoted = tmp_path / "quoted"
    proc = run_cli(f"hydra.run.dir='{quoted}'", "quiet=true", "map=false", "scenario.horizon_days=0.1")
    assert proc.returncode == 0, proc.stderr
    assert (quoted / "summary.parquet").exists()
    first, last = tmp_path / "first", tmp_path / "last"
    proc = run_cli(f"hydra.run.dir={first}", f"hydra.run.dir={last}", "quiet=true", "scenario.horizon_days=0.1")
    assert proc.returncode == 0, proc.stderr
    assert (last / "summary.parquet").exists() and not first.exists()


def test_a_disk_full_part_way_keeps_the_finished_replications_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    """The disk fills while the second replication's results are written: one error line (a
    pyarrow traceback came out), the first replication kept, and the same command resumes to the
    run's whole result."""
    import errno

    import sim.runner
    from sim.run import single_run

    out = tmp_path / "run"
    args = [
        f"hydra.run.dir={out}",
        "scenario.horizon_days=0.1",
        "replications=2",
        "chunk_size=1",
        "map=false",
        "quiet=true",
    ]
    write = sim.runner.write_parquet_atomic

    def full_at_the_second(table, path):
        if path.parent.name == "summary" and path.name != "rep-00000-00000.parquet":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write(table, path)

    monkeypatch.setattr(sim.runner, "write_parquet_atomic", full_at_the_second)
    assert single_run(args) == 1
    err = capsys.readouterr().err
    assert "error: [Errno 28] No space left on device" in err and "the same command resumes" in err
    assert [p.name for p in (out / "summary").glob("*.parquet")] == ["rep-00000-00000.parquet"]
    monkeypatch.setattr(sim.runner, "write_parquet_atomic", write)
    assert single_run(args) == 0
    assert sorted(pq.read_table(out / "summary.parquet").column("seed").to_pylist()) == [1, 2]


def test_resuming_a_folder_run_by_another_commit_says_so(tmp_path, monkeypatch, capsys):
    """A folder whose finished replications another version of the code ran is resumed with a
    note naming that commit (the two versions' results would otherwise mix without a word); a
    folder of this version's runs gets none, nor a finished one run again (nothing new runs)."""
    import sim.runner
    from sim.run import single_run

    out = tmp_path / "run"
    args = [f"hydra.run.dir={out}", "scenario.horizon_days=0.1", "chunk_size=1", "map=false", "quiet=true"]
    monkeypatch.setattr(sim.runner, "git_commit", lambda: "a" * 40)
    assert single_run([*args, "replications=1"]) == 0
    assert single_run([*args, "replications=2"]) == 0
    assert "note:" not in capsys.readouterr().err
    monkeypatch.setattr(sim.runner, "git_commit", lambda: "b" * 40)
    assert single_run([*args, "replications=3"]) == 0
    err = capsys.readouterr().err
    assert "another version of the code (2 by aaaaaaaaaa)" in err
    assert single_run([*args, "replications=3"]) == 0  # finished: nothing runs, nothing mixes
    assert "note:" not in capsys.readouterr().err
    commits = pq.read_table(out / "summary.parquet", columns=["git_commit"]).column(0).to_pylist()
    assert commits == ["a" * 40] * 2 + ["b" * 40]
