"""Entry point: `python -m sim.run [scenario=NAME] [KEY=VALUE ...]` (console script `border-sim`).

A single run composes its configuration once, checks it, builds the world once, then creates
the run directory (outputs/<date>/<time>-<scenario>/, or `hydra.run.dir=PATH`), runs the
replications (sim/runner.py lists the files it writes), draws map.png and prints a summary from
the same world. With --multirun every sweep point is one such run directory under
outputs/sweeps/<sweep_name>/, run by a Hydra launcher (local, ray_cluster, slurm, slurm_local); every
point is checked before any directory is made. Bad input stops with one message naming the file (or
command-line override), the key and the allowed values, and exit code 2.
"""

from __future__ import annotations

import functools
import gc
import itertools
import math
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import hydra
import mesa  # noqa: F401  (Mesa's logging decorator reads the whole import stack as mesa.model loads: ~0.1 s less from here than from deep inside sim)
import yaml
from hydra._internal.config_loader_impl import get_overrides_dirname  # how the folders are named
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper  # the sweeper that names them
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig
from tqdm import tqdm

from sim import api
from sim.config import (
    CONF_DIR,
    SCENARIO_DIR,
    Composed,
    ConfigError,
    check_launcher,
    check_output_dir,
    compose,
    file_origin,
    from_config,
    jobs_of_scenario_file,
    register_schema,
    scenario_origin,
)
from sim.files import end_on_sigterm
from sim.metrics import RATIO_METRICS
from sim.runner import (
    FOLDER_KEY,
    RunDirConflict,
    check_run_dir,
    finished_chunks,
    mapless_run_key,
    other_commits,
    run_key,
)
from sim.scenario import RunKeys
from sim.terrain import TerrainError
from sim.validation import ScenarioError
from sim.world import World

SHOWN = [
    ("attempts", "{:.0f}"),
    ("interdicted", "{:.0f}"),
    ("got_away", "{:.0f}"),
    ("turned_back", "{:.0f}"),
    ("under_way", "{:.0f}"),
    ("interdiction_rate", "{:.2f}"),
    ("detection_rate", "{:.2f}"),
    ("apprehended", "{:.0f}"),
    ("seized_kg", "{:.0f}"),
    ("time_to_first_detection_min", "{:.1f}"),
    ("alerts", "{:.0f}"),
    ("false_alarms", "{:.0f}"),
    ("wasted_responses", "{:.0f}"),
    ("alert_to_dispatch_min", "{:.1f}"),
    ("dispatch_to_arrival_min", "{:.1f}"),
    ("dispatch_to_arrival_p90_min", "{:.1f}"),
    ("patrol_utilisation", "{:.2f}"),
    ("capital_usd", "{:,.0f}"),
    ("cost_usd", "{:,.0f}"),
    ("cost_per_interdiction_usd", "{:,.0f}"),
]
BAD_INPUT = (ConfigError, ScenarioError, TerrainError, RunDirConflict)
HYDRA_FLAGS = (
    "-m",
    "--multirun",
    "-h",
    "--help",
    "--hydra-help",
    "-c",
    "--cfg",
    "-i",
    "--info",
    "-p",
    "--package",
    "--resolve",
    "--version",
    "--shell-completion",
    "-sc",
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--experimental-rerun",
)


def format_summary(summary) -> str:
    """A plain-text table: one metric per line, mean over replications (and min..max if > 1); a
    ratio metric's mean is the ratio of its parts' means (RATIO_METRICS)."""
    lines = [f"{'metric':32s} {'mean':>16s}" + ("   min .. max" if len(summary) > 1 else "")]
    for key, fmt in SHOWN:
        col = summary[key].astype(float)
        mean = col.mean()
        if key in RATIO_METRICS:
            num, den = (float(summary[c].astype(float).sum()) for c in RATIO_METRICS[key])
            mean = num / den if den > 0 else math.nan
        line = f"{key:32s} {fmt.format(mean):>16s}"
        if len(summary) > 1:
            line += f"   {fmt.format(col.min())} .. {fmt.format(col.max())}"
        lines.append(line)
    return "\n".join(lines)


def _progress_bar(composed: Composed, point: str | None):
    if composed.run.quiet:
        return None, None
    if point is not None:  # a sweep point beside others: whole lines (bars of several processes garble)
        return None, _progress_lines(point)
    bar = tqdm(total=composed.run.replications, unit="rep", desc=composed.scenario.name, file=sys.stderr, leave=False)

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    return bar, progress


def _progress_lines(point: str) -> Callable[[int, int], None]:
    """Progress of one sweep point as whole lines on stderr, about every tenth of its replications."""
    shown = [-1]

    def progress(done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth > shown[0]:
            shown[0] = tenth
            print(f"[{point}] {done}/{total} replications", file=sys.stderr, flush=True)

    return progress


def run_one(
    composed: Composed, world: World, out_dir: Path, params: dict[str, object], point: str | None = None
) -> None:
    """Run one checked configuration into `out_dir`, draw its map and print its summary.
    `point`: the sweep point's name when it runs beside others (a parallel launcher): progress
    is then shown as whole lines and the summary printed in one piece, headed by the point, so
    that the points' outputs do not interleave."""
    done = sum(c.last - c.first + 1 for c in finished_chunks(out_dir))
    others = other_commits(out_dir) if done < composed.run.replications else {}  # (nothing to run: no mixing)
    if others:
        head = f"[{point}] " if point is not None else ""
        held = ", ".join(f"{n} by {c[:10]}" for c, n in sorted(others.items()))
        print(
            f"{head}note: {out_dir} holds replications run by another version of the code ({held}); the ones run "
            "now join them in one result (the summary's git_commit column tells them apart): if the model changed "
            "since, choose another output directory",
            file=sys.stderr,
        )
    bar, progress = _progress_bar(composed, point)
    try:
        result = api.execute(composed, world, out_dir, params, progress)
    finally:
        if bar is not None:
            bar.close()
    if composed.run.map and composed.run.events:
        from analysis.maps import draw_run_map  # noqa: PLC0415  (matplotlib only for runs that draw a map)

        draw_run_map(out_dir, out_dir / "map.png")
    if not composed.run.quiet:
        r = composed.run
        head = f"[{point}] " if point is not None else ""
        about = (
            f"{head}scenario {world.scenario.name}: {world.terrain.n_nodes} cells, {len(world.units)} units, "
            f"{sensor_count(world)}, {r.replications} replication(s) x {world.scenario.horizon_days:g} days"
        )
        print(f"{about}\n{format_summary(result.summary)}\nresults: {out_dir}", flush=True)  # one write


def sensor_count(world: World) -> str:
    """The sensors placed at the start, and the groups installed later (placed on their day)."""
    later = len(world.later_sensors)
    return f"{len(world.sensors)} sensors" + (
        f" (+ {later} group{'s' if later > 1 else ''} installed later)" if later else ""
    )


def last_value(args: list[str], key: str) -> str | None:
    """The value `key=VALUE` takes on the command line as Hydra reads it: the last one given, a
    quoted value without its quotes (`hydra.run.dir='out/a'` is out/a, not a folder named 'out)."""
    given = [a for a in args if a.startswith(f"{key}=")]
    if not given:
        return None
    try:
        return str(OverridesParser.create().parse_override(given[-1]).value())
    except HydraException:  # not Hydra's grammar: compose() says so, naming the override
        return given[-1].split("=", 1)[1]


def single_run(args: list[str]) -> int:
    """Compose once, check, build the world once, then (and only then) make the run directory."""
    run_dir = last_value(args, "hydra.run.dir")
    try:
        target = check_output_dir("hydra.run.dir", run_dir) if run_dir is not None else None
        composed = compose(args)
        world = api.world_of(composed)
        out_dir = target if target is not None else api.new_run_dir(composed.scenario.name)
    except BAD_INPUT as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        run_one(composed, world, out_dir, api.swept(composed))
    except BAD_INPUT as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # finished chunks are on disk (each written atomically)
        resume = "" if run_dir else f" hydra.run.dir={out_dir}"
        print(
            f"\ninterrupted: finished replications are kept in {out_dir}; the same command{resume} resumes",
            file=sys.stderr,
        )
        return 130
    except OSError as exc:  # a disk full, a file gone: what is finished is on disk (each chunk atomic)
        resume = "" if run_dir else f" hydra.run.dir={out_dir}"
        print(
            f"error: {exc}; finished replications are kept in {out_dir}; once the cause is fixed, the same "
            f"command{resume} resumes",
            file=sys.stderr,
        )
        return 1
    return 0


def sweep_points(args: list[str]) -> list[list[str]]:
    """Every combination of the swept values (a,b,c / range / choice), as override lists: the
    points Hydra's basic sweeper runs (a key given twice takes its last values, in the place where
    it was first given; two lists of it made a product of points no job ran)."""
    parser = OverridesParser.create()
    parsed = parser.parse_overrides([a for a in args if not a.startswith("-")])
    options: dict[str, list[str]] = {}
    for o in parsed:
        key = o.get_key_element()
        if not o.is_sweep_override():
            options[key] = [o.input_line]  # as typed: key=value, +key=value, ~key or ~key=value
            continue
        options[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
    return [list(point) for point in itertools.product(*options.values())]


def check_sweep(args: list[str]) -> int:
    """Check every sweep point as a single run would be checked, before Hydra makes a directory."""
    try:
        points = sweep_points(args)
    except Exception as exc:  # noqa: BLE001  (Hydra's grammar raises several types)
        print(f"error: command line: {exc}", file=sys.stderr)
        return 2
    if len({p.lstrip("+") for point in points for p in point if p.lstrip("+").startswith("sweep_name=")}) > 1:
        print(
            "error: sweep_name: one per command (Hydra writes the sweep's record, multirun.yaml, to one "
            "folder; a sweep over names would overwrite another sweep's); allowed: one name, one command each",
            file=sys.stderr,
        )
        return 2
    worlds: dict[str, object] = {}
    composed_points = []
    for point in points:
        try:
            composed = compose(point)
            key = repr(composed.scenario)
            if key not in worlds:
                worlds[key] = api.world_of(composed)
        except BAD_INPUT as exc:
            print(
                f"error: sweep point {' '.join(p for p in point if not p.startswith('hydra'))}: {exc}", file=sys.stderr
            )
            return 2
        composed_points.append(composed)
    return check_sweep_folders(args, composed_points)


def check_sweep_folders(args: list[str], composed: list[Composed]) -> int:
    """Before any point runs: refuse, naming each, the points whose folder holds another run's
    results (the same sweep with events=true after events=false: events is left out of folder
    names) or more finished replications, and points that would share one folder with different
    folder keys (`events=false,true` in one command). A point's folder is named as Hydra's basic
    sweeper names it (its overrides but the excluded keys, with the command's kv_sep and
    item_sep), in the sweep folder of its sweep_name (one per command: `check_sweep`); with a
    hydra.sweep.subdir of one's own, or a sweep folder holding another ${...}, each point checks
    its own when it runs."""
    template = sweep_dir_template(["--multirun", *args])
    if template is None or any(a.lstrip("+").startswith("hydra.sweep.subdir=") for a in args):
        return 0
    parser = OverridesParser.create()
    own = [a for a in args if not a.lstrip("+~").startswith(("hydra.", "hydra/"))]
    file = any(a.lstrip("+").startswith("scenario_file=") for a in own)
    named = [a for a in own if not a.lstrip("+").startswith("scenario_file=")]  # linked, loaded as scenario=_file
    excluded = list(RunKeys.NOT_IN_FOLDER_NAME) + (["scenario"] if file else [])
    batches = BasicSweeper.split_arguments(parser.parse_overrides(named), None)[0]
    kv_sep = hydra_arg(args, "hydra.job.config.override_dirname.kv_sep", "=")
    item_sep = hydra_arg(args, "hydra.job.config.override_dirname.item_sep", ",")
    refused = []
    taken: dict[Path, tuple[str, str]] = {}  # folder -> (folder key, the point that has it)
    for overrides, c in zip(batches, composed):
        sweep = sweep_folder(template, c.run.sweep_name)
        if sweep is None:
            continue
        name = get_overrides_dirname(parser.parse_overrides(overrides), excluded, item_sep=item_sep, kv_sep=kv_sep)
        label = " ".join(overrides) or "defaults"
        folder = Path(sweep) / name
        key = run_key(c.scenario, c.run.seed, c.run.events, str(SCENARIO_DIR))
        other = taken.setdefault(folder, (key, label))
        if other[0] != key:
            refused.append(
                f"error: sweep points {other[1]} and {label} would share the folder {folder} with different "
                f"folder keys ({', '.join(RunKeys.NOT_IN_FOLDER_NAME)} are left out of folder names); allowed: one "
                "value of events per command"
            )
            continue
        try:
            check_run_dir(
                folder,
                key,
                c.run.replications,
                mapless_run_key(c.scenario, c.run.seed, c.run.events, str(SCENARIO_DIR)),
                functools.partial(api.world_of, c),
            )
        except RunDirConflict as exc:
            text = str(exc).replace(FOLDER_KEY, "(sweep_name=NAME or hydra.sweep.dir=PATH)")
            refused.append(f"error: sweep point {name or 'defaults'}: {text}")
    if refused:
        print("\n".join(refused) + "\nnothing was run", file=sys.stderr)
        return 2
    return 0


def hydra_arg(args: list[str], key: str, default: str) -> str:
    """The value of a hydra.* override on the command line (its last), or `default`."""
    given = [a.lstrip("+") for a in args if a.lstrip("+").startswith(f"{key}=")]
    if not given:
        return default
    value = OverridesParser.create().parse_override(given[-1]).value()
    return default if value is None else str(value)


def sweep_job(cfg: DictConfig, labels: Mapping[str, Mapping[str, object]] | None = None) -> None:
    """One sweep point, in whichever process (or machine) the launcher runs it: the Hydra task
    function of every launcher profile. `labels`: extra summary columns per sweep subfolder (a
    design's point numbers); a grid point's columns are its swept keys alone."""
    hc = HydraConfig.get()
    choice = hc.runtime.choices.get("scenario")
    origin = (file_origin(hc.searchpath) if choice == "_file" else None) or scenario_origin(choice)
    composed = from_config(cfg, origin, list(hc.overrides.task))
    world = api.world_of(composed)
    params = {**(labels.get(str(hc.sweep.subdir), {}) if labels else {}), **api.swept(composed)}
    beside_others = "BasicLauncher" not in str(hc.launcher.get("_target_", "BasicLauncher"))
    point = f"point {hc.job.num}: {hc.job.override_dirname or 'defaults'}" if beside_others else None
    run_one(composed, world, Path(hc.runtime.output_dir), params, point)


_sweep_job = hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")(sweep_job)


def absolute_sweep_dir(args: list[str]) -> list[str]:
    """`args` with the sweep folder (hydra.sweep.dir, or conf/config.yaml's) made absolute here,
    where the command was typed: a launcher may run sweep points in another folder (a Ray worker
    runs where its node was started), and every point must land in this sweep's folder."""
    given = next((a for a in reversed(args) if a.startswith("hydra.sweep.dir=")), None)  # the last holds
    if given is not None:
        value = last_value(args, "hydra.sweep.dir")
    else:
        value = yaml.safe_load((CONF_DIR / "config.yaml").read_text())["hydra"]["sweep"]["dir"]
    if Path(value).is_absolute():
        return args
    override = f"hydra.sweep.dir={quoted(str(Path.cwd() / value))}"
    return [override if a is given else a for a in args] if given is not None else [*args, override]


def quoted(value: str) -> str:
    """`value` as a quoted Hydra override value (commas, spaces and brackets stay literal)."""
    escaped = re.sub(r"(\\+)(?='|$)", lambda m: m.group(1) * 2, value).replace("'", "\\'")
    return f"'{escaped}'"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    end_on_sigterm()
    register_schema()
    if not any(a.split("=", 1)[0] in HYDRA_FLAGS for a in args):
        return single_run(args)
    if any(a in ("-m", "--multirun") for a in args):
        sweep_dir = last_value(args, "hydra.sweep.dir")
        try:
            if sweep_dir is not None:
                check_output_dir("hydra.sweep.dir", sweep_dir)
            check_launcher(args)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        args = absolute_sweep_dir(args)
        code = check_sweep([a for a in args if not a.startswith("-")])
        if code:
            return code
        sweep = finished_sweep_dir(args)
        if sweep is not None and (Path(sweep) / "design.json").exists():
            print(
                f"error: {sweep} holds a design (python -m sim.design, design.json): a grid sweep's points would "
                "mix with its points in one experiment; allowed: another sweep_name (or hydra.sweep.dir)",
                file=sys.stderr,
            )
            return 2
        try:
            args = sweep_of_scenario_file(args)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if any(a in ("-h", "--help") for a in args):
        return _help(args)
    excluded = ",".join(RunKeys.NOT_IN_FOLDER_NAME + (("scenario",) if "scenario=_file" in args else ()))
    sys.argv = [sys.argv[0], *args, f"hydra.job.config.override_dirname.exclude_keys=[{excluded}]"]
    try:
        _sweep_job()
    except KeyboardInterrupt:  # every finished point, and every finished chunk of the others, is on disk
        where = finished_sweep_dir(args) or "the sweep folder"
        print(
            f"\ninterrupted: finished runs are kept in {where}; the same command resumes them (none is re-run)",
            file=sys.stderr,
        )
        return 130
    sweep = finished_sweep_dir(args)
    if sweep is not None and "quiet=true" not in (a.lower() for a in args):
        print(f"sweep finished: {sweep}\nits report (figures, tables, report.html): python -m analysis.report {sweep}")
    return 0


def _help(args: list[str]) -> int:
    """--help: the run keys and the scenario's keys with their values; with scenario_file=PATH,
    that file's (linked for Hydra in a temporary folder, as a sweep links it for its jobs)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            args = jobs_of_scenario_file(args, Path(folder) / "scenario_file")
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *args]
        try:
            _sweep_job()
        except BrokenPipeError:  # the reader stopped reading (| head): nothing wrong
            return 0
        except Exception as exc:  # noqa: BLE001  (Hydra's composition errors: one line, not a traceback)
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


def sweep_of_scenario_file(args: list[str]) -> list[str]:
    """`args` of a --multirun command with its scenario_file=PATH made something Hydra's jobs load:
    the file linked in the sweep folder (hidden: .scenario_file/), loaded as scenario=_file, which
    is then left out of folder names (the points' folders are named by their swept keys alone, as
    for a shipped scenario). One file per sweep: a sweep over files is one command per file."""
    if not any(a.lstrip("+").startswith("scenario_file=") for a in args):
        return args
    sweep = finished_sweep_dir(args)
    if sweep is None:
        raise ConfigError(
            "scenario_file in a sweep: allowed: a hydra.sweep.dir without ${...} other than ${sweep_name}"
        )
    return jobs_of_scenario_file(args, Path(sweep) / ".scenario_file")


def sweep_dir_template(args: list[str]) -> str | None:
    """A --multirun command's hydra.sweep.dir (made absolute by `absolute_sweep_dir`), its
    ${sweep_name} not filled in; None when the command is not a sweep."""
    given = next((a for a in args if a.startswith("hydra.sweep.dir=")), None)
    if given is None or not any(a in ("-m", "--multirun") for a in args):
        return None
    return str(OverridesParser.create().parse_override(given).value())


def sweep_folder(template: str, sweep_name: str) -> str | None:
    """The sweep folder of the points named `sweep_name`, or None when it holds another ${...}."""
    folder = template.replace("${sweep_name}", sweep_name)
    return None if "${" in folder else folder


def finished_sweep_dir(args: list[str]) -> str | None:
    """The folder a --multirun command's sweep went to (its hydra.sweep.dir, made absolute by
    `absolute_sweep_dir`, with ${sweep_name} filled in), or None when it is not a sweep or the
    folder holds another interpolation."""
    template = sweep_dir_template(args)
    if template is None:
        return None
    given = [a for a in args if a.lstrip("+").startswith("sweep_name=")]
    name = OverridesParser.create().parse_override(given[-1].lstrip("+")).value() if given else "default"
    return sweep_folder(template, str(name))


def cli() -> int:
    """The command: `main`, then spare the interpreter's final garbage collections. Everything is
    written and closed by then; with pandas, Mesa and matplotlib loaded those collections
    traverse some 200,000 objects several times, about 0.4 s of every command (`gc.freeze` moves
    them out of the collector's reach; the process ends right after)."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(cli())
