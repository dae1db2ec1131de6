"""Sweeps beyond one machine, on this machine: a real Ray cluster (a head node and a worker node,
each its own `ray start` process) and submitit's local executor (the code path of the `slurm`
profile, without a scheduler) run the same sweep commands as the local launcher, to identical
files (seeds, summaries, event logs, plans); a sweep stopped part-way on Ray resumes to the same
result; a design runs its points through the same launchers; the `slurm` profile's job script
carries the user's partition and time limit.

Needs the `ray` and `slurm` extras (`.ci/run` installs them: pip install -e '.[ray,slurm]').
Without one, its tests are skipped with the reason, except under CI, where they fail.
"""

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser

from analysis.store import load
from sim.config import ConfigError, check_launcher
from sim.run import absolute_sweep_dir, finished_sweep_dir, quoted, sweep_points

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GRID = ["scenario.units.bp_vehicle.count=6,18", "scenario.organisations.cartel.reaction=run,turn_back"]
SMALL = ["scenario.horizon_days=0.25", "replications=3", "chunk_size=1", "map=false", "quiet=true"]
DESIGN = [  # a Latin hypercube of 2 points
    "--design",
    "lhs",
    "--n",
    "2",
    "--replications",
    "2",
    "--param",
    "scenario.units.bp_vehicle.count=2:20:int",
    "--param",
    "scenario.sensors.towers.detect_rate_per_hour=0.05:1.0",
    "scenario.horizon_days=0.25",
    "chunk_size=1",
]


def require(module: str, extra: str) -> None:
    """Skip (fail under CI) unless `module` of the `extra` extra is installed."""
    if importlib.util.find_spec(module) is None:
        message = f"the {extra!r} extra is not installed (pip install -e '.[{extra}]')"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: .ci/run installs it", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")  # module scope: checked before the module's reference sweeps are made
def submitit() -> None:
    """The `slurm` extra (hydra-submitit-launcher), or a skip (a failure under CI)."""
    require("hydra_plugins.hydra_submitit_launcher", "slurm")


def run(*args: str, module: str = "sim.run", cwd: Path = ROOT, env: dict | None = None, timeout: int = 300):
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def sweep(launcher: str, sweep_dir: Path | str, *extra: str) -> list[str]:
    return ["--multirun", f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep_dir}", *GRID, *SMALL, *extra]


def run_dirs(root: Path) -> list[str]:
    return sorted(str(p.parent.relative_to(root)) for p in root.rglob("manifest.json") if ".submitit" not in p.parts)


def same_table(a: Path, b: Path) -> None:
    """Two Parquet files hold the same table: schema, values to the bit (NaN where NaN)."""
    ta, tb = pq.read_table(a), pq.read_table(b)
    assert ta.schema.equals(tb.schema, check_metadata=True), (a, b)
    pd.testing.assert_frame_equal(ta.to_pandas(), tb.to_pandas(), check_exact=True, obj=str(b))


def assert_same_results(expected: Path, actual: Path, points: int) -> None:
    """The same run directories, each with the same summary, event logs, plans and manifest."""
    dirs = run_dirs(expected)
    assert len(dirs) == points and run_dirs(actual) == dirs
    for d in dirs:
        a, b = expected / d, actual / d
        same_table(a / "summary.parquet", b / "summary.parquet")
        assert json.loads((a / "manifest.json").read_text()) == json.loads((b / "manifest.json").read_text())
        for sub in ("events", "plans"):
            files = sorted(f.name for f in (a / sub).glob("rep-*.parquet"))
            assert files and sorted(f.name for f in (b / sub).glob("rep-*.parquet")) == files, (d, sub)
            for f in files:
                same_table(a / sub / f, b / sub / f)
        assert not list(b.rglob("*.tmp"))


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory) -> Path:
    """The reference: the 2 x 2 grid through the local (joblib) launcher."""
    root = tmp_path_factory.mktemp("local") / "sweep"
    proc = run(*sweep("local", root))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


# --- Ray: a head node and a worker node, each started and stopped by its own process id ---------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_node(args: list[str], env: dict, log: Path, cwd: Path) -> subprocess.Popen:
    """`ray start ... --block`: the process stays in the foreground, and SIGTERM to it stops
    every process of that node. Its own session, so that its processes can be told apart."""
    with open(log, "w") as out:
        cmd = [str(BIN / "ray"), "start", "--block", *args]
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(ready, nodes: list[subprocess.Popen], logs: list[Path], what: str) -> None:
    deadline = time.time() + 180
    while not ready():
        if any(p.poll() is not None for p in nodes) or time.time() > deadline:
            raise RuntimeError(f"{what} failed:\n" + "\n".join(f.read_text()[-3000:] for f in logs))
        time.sleep(0.2)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop_node(proc: subprocess.Popen) -> None:
    """SIGTERM to the node's `ray start` process; if it has not stopped its node within a minute,
    SIGKILL to the process group it leads (the node's processes, started by this test)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def alive_nodes(env: dict) -> int:
    code = "import ray; ray.init(logging_level='ERROR'); print(sum(n['Alive'] for n in ray.nodes()))"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return int(proc.stdout.split()[-1])


@pytest.fixture(scope="module")
def ray_cluster():
    """A two-node Ray cluster on this machine (one CPU each), with token authentication (a fresh
    token in the environment, nothing written to ~/.ray); yields the environment a driver needs
    (RAY_ADDRESS and the token). Ray advertises the host's address, not 127.0.0.1, on Linux."""
    require("ray", "ray")
    require("hydra_plugins.hydra_ray_launcher", "ray")
    tmp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    port = free_port()
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--object-store-memory=100000000"]
    nodes: list[subprocess.Popen] = []
    logs = [tmp / "head.log", tmp / "worker.log"]
    try:
        head = ["--head", f"--port={port}", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={tmp}"]
        nodes.append(start_node([*head, *common], env, logs[0], tmp))
        wait_until(lambda: listening(port), nodes, logs, "the head node")  # then the worker may join
        nodes.append(start_node([f"--address=127.0.0.1:{port}", *common], env, logs[1], tmp))
        wait_until(lambda: all("Ray runtime started" in f.read_text() for f in logs), nodes, logs, "ray start")
        driver_env = {**env, "RAY_ADDRESS": f"127.0.0.1:{port}"}
        assert alive_nodes(driver_env) == 2
        yield driver_env
    finally:
        for proc in reversed(nodes):  # the worker node first, then the head
            stop_node(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_sweep_on_a_ray_cluster_equals_the_local_one(ray_cluster, local_sweep, tmp_path):
    """Typed in another folder than the nodes were started in, with a relative sweep folder: the
    results land where the command was typed."""
    proc = run(*sweep("ray_cluster", "sweep"), cwd=tmp_path, env=ray_cluster)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_same_results(local_sweep, tmp_path / "sweep", points=4)


def longer_sweep(launcher: str, sweep_dir: Path) -> list[str]:
    """The grid with 30 replications a point in chunks of one (120 chunks): long enough that a
    stop after the first chunks is part-way however fast the engine gets (with 3 a point, all 12
    were once written before the driver's stop took effect)."""
    small = [o if not o.startswith("replications=") else "replications=30" for o in SMALL]
    return ["--multirun", f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep_dir}", *GRID, *small]


def test_a_sweep_stopped_part_way_on_ray_resumes_to_the_identical_result(ray_cluster, tmp_path):
    reference = tmp_path / "local"
    proc = run(*longer_sweep("local", reference))
    assert proc.returncode == 0, proc.stderr[-3000:]
    root = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "sim.run", *longer_sweep("ray_cluster", root)]
    with open(tmp_path / "stopped.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=ray_cluster, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 180
        while len(list(root.rglob("summary/rep-*.parquet"))) < 2 and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)  # as a scheduler or Ctrl-C stops the driver
        proc.wait(timeout=120)
    assert proc.returncode != 0, (tmp_path / "stopped.log").read_text()[-3000:]
    done = {f: f.stat().st_mtime_ns for f in root.rglob("summary/rep-*.parquet")}
    assert 2 <= len(done) < 120, "the sweep should have been stopped part-way"

    proc = run(*longer_sweep("ray_cluster", root), env=ray_cluster)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {f: f.stat().st_mtime_ns for f in done} == done  # finished chunks were kept
    assert_same_results(reference, root, points=4)


# --- designs: their points through the same launchers ---------------------------------------------
def design(name: str, *extra: str, env: dict | None = None) -> Path:
    """Run the small design as `name` (under outputs/sweeps/, where designs go); its folder."""
    proc = run(*DESIGN, "--name", name, *extra, module="sim.design", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return ROOT / "outputs" / "sweeps" / name


@pytest.fixture(scope="module")
def local_design():
    name = f"test-cluster-design-local-{os.getpid()}"
    try:
        yield design(name)  # one point after the other, in this process
    finally:
        shutil.rmtree(ROOT / "outputs" / "sweeps" / name, ignore_errors=True)


def test_a_design_of_a_scenario_file_of_ones_own(tmp_path):
    """scenario_file=PATH in a design: every point loads the file (+scenario_file= passed the
    design's check, then every point failed with a traceback)."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("defaults: [demo, _self_]\nname: mine\nhorizon_days: 0.5\n")
    name = f"test-design-file-{os.getpid()}"
    try:
        proc = run(*DESIGN, f"+scenario_file={mine}", "--name", name, module="sim.design")
        assert proc.returncode == 0, proc.stderr[-3000:]
        table = load(ROOT / "outputs" / "sweeps" / name)
        assert len(table) == 4 and set(table.scenario) == {"mine"}  # (the design sets the horizon itself)
    finally:
        shutil.rmtree(ROOT / "outputs" / "sweeps" / name, ignore_errors=True)


def test_a_design_runs_its_points_on_the_ray_cluster_as_locally(ray_cluster, local_design):
    name = f"test-cluster-design-ray-{os.getpid()}"
    try:
        root = design(name, "--launcher", "ray_cluster", env=ray_cluster)
        assert_same_results(local_design, root, points=2)
        assert (root / "design.json").read_text() == (local_design / "design.json").read_text()
    finally:
        shutil.rmtree(ROOT / "outputs" / "sweeps" / name, ignore_errors=True)


def test_a_design_runs_its_points_through_submitit_as_locally(submitit, local_design):
    name = f"test-cluster-design-submitit-{os.getpid()}"
    try:
        assert_same_results(local_design, design(name, "--launcher", "slurm_local"), points=2)
    finally:
        shutil.rmtree(ROOT / "outputs" / "sweeps" / name, ignore_errors=True)


# --- SLURM through submitit ------------------------------------------------------------------------
def test_a_sweep_through_submitit_equals_the_local_one(submitit, local_sweep, tmp_path):
    """submitit's local executor: each point pickled, run as its own process from submitit's job
    folder and collected, as on a SLURM cluster."""
    root = tmp_path / "sweep"
    proc = run(*sweep("slurm_local", root))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_same_results(local_sweep, root, points=4)
    assert len(list((root / ".submitit").glob("*/*_result.pkl"))) == 4


def test_the_slurm_profile_submits_one_job_array_with_the_users_partition_and_time_limit(submitit, tmp_path):
    """The `slurm` profile up to the scheduler: an `sbatch` that keeps the job script it is given
    and refuses it (no scheduler here), and an `srun` (never called) for submitit to find."""
    bin_dir, kept = tmp_path / "bin", tmp_path / "job.sh"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(f'#!/bin/sh\ncp "$1" {kept}\necho "sbatch: error: no scheduler here" >&2\nexit 1\n')
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 1\n")
    for tool in ("sbatch", "srun"):
        (bin_dir / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    limits = ["hydra.launcher.partition=compute", "hydra.launcher.timeout_min=120"]
    proc = run(*sweep("slurm", tmp_path / "sweep", *limits), env=env)
    assert proc.returncode != 0 and "no scheduler here" in proc.stderr
    script = kept.read_text()
    for line in ("--partition=compute", "--time=120", "--array=0-3%4", "--cpus-per-task=1", "--mem=4GB"):
        assert f"#SBATCH {line}\n" in script, script
    assert f"{sys.executable} -u -m submitit.core._submit" in script


# --- the profiles and the sweep folder (no extra needed) -------------------------------------------
def test_slurm_local_runs_the_slurm_profiles_settings():
    folder = ROOT / "conf" / "hydra" / "launcher"
    slurm, local = (yaml.safe_load((folder / f"{n}.yaml").read_text()) for n in ("slurm", "slurm_local"))
    shared = {k: v for k, v in slurm.items() if k not in ("defaults", "array_parallelism")}
    assert {k: v for k, v in local.items() if k != "defaults"} == shared
    assert local["defaults"] == ["submitit_local"] and slurm["defaults"] == ["submitit_slurm"]


def test_the_sweep_folder_is_made_absolute_where_the_command_is_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parser = OverridesParser.create()
    default = absolute_sweep_dir(["--multirun", "x=1,2"])[-1]
    assert parser.parse_override(default).value() == f"{tmp_path}/outputs/sweeps/${{sweep_name}}"
    given = absolute_sweep_dir(["hydra.sweep.dir=a/b"])
    assert [parser.parse_override(a).value() for a in given] == [f"{tmp_path}/a/b"]
    assert absolute_sweep_dir(["hydra.sweep.dir=/abs"]) == ["hydra.sweep.dir=/abs"]
    named = absolute_sweep_dir(["--multirun", "sweep_name=cmp", "x=1,2"])
    assert finished_sweep_dir(named) == f"{tmp_path}/outputs/sweeps/cmp"  # what the closing hint names
    assert finished_sweep_dir(["--multirun", "x=1,2", default]) == f"{tmp_path}/outputs/sweeps/default"
    assert finished_sweep_dir(["x=1", default]) is None  # not a sweep
    for value in ("/a b,c/[d]=e", "/it's", "/end\\", "/x\\'y"):
        assert parser.parse_override(f"k={quoted(value)}").value() == value


def test_sweep_points_keep_deletions_and_additions_as_typed():
    """Every point a sweep runs is checked first; a deletion without a value (~key) is a point's
    override like any other (it was refused as 'list index out of range')."""
    points = sweep_points(["~scenario.sensors", "+scenario.x=1", "seed=1,2", "~scenario.ports=p"])
    assert points == [
        ["~scenario.sensors", "+scenario.x=1", "seed=1", "~scenario.ports=p"],
        ["~scenario.sensors", "+scenario.x=1", "seed=2", "~scenario.ports=p"],
    ]
    assert sweep_points(["+extra=a,b"]) == [["+extra=a"], ["+extra=b"]]


@pytest.mark.parametrize(
    "args",
    [
        ["b=1,2", "a=4,5", "a=6,7"],
        ["a=4,5", "b=x", "a=6", "b=range(1,3)"],
        ["+x=1", "a=1", "+x=2,3"],
    ],
)
def test_sweep_points_are_the_jobs_hydra_runs_when_a_key_is_given_twice(args):
    """The points checked (and whose folders are checked) are the jobs Hydra's basic sweeper
    runs: a key given twice takes its last values (two lists of it made a product of points,
    paired with Hydra's jobs in the wrong order by the folder check)."""
    parser = OverridesParser.create()
    assert sweep_points(args) == BasicSweeper.split_arguments(parser.parse_overrides(args), None)[0]


def test_a_launcher_given_twice_is_the_last_one_as_in_hydra_and_its_keys_are_checked():
    """Hydra takes the last hydra/launcher=; the check does too (the first was read as a key of
    the second, and a working command refused), and names a key the launcher does not take."""
    check_launcher(["hydra/launcher=basic", "hydra/launcher=local", "hydra.launcher.n_jobs=2"])
    check_launcher(["hydra/launcher=lcoal", "hydra/launcher=local", "hydra.launcher.n_jobs=2"])
    with pytest.raises(ConfigError, match="the basic launcher has no key 'n_jobs'"):
        check_launcher(["hydra/launcher=local", "hydra/launcher=basic", "hydra.launcher.n_jobs=2"])
    with pytest.raises(ConfigError, match="no such launcher; allowed: basic"):
        check_launcher(["hydra/launcher=local", "hydra/launcher=lcoal"])
