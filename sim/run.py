"""Entry point: `python -m sim.run [scenario=NAME] [KEY=VALUE ...]` (console script `border-sim`).

Composes conf/config.yaml with a scenario from scenarios/, validates it, runs the requested
replications and writes to Hydra's run directory (sim/runner.py lists the files) and map.png.
With --multirun, every sweep point is one such run directory under outputs/sweeps/<sweep_name>/.
Bad input stops with one message naming the file, the key and the allowed values (exit code 2).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from sim.config import (CONF_DIR, SCENARIO_DIR, ConfigError, compose, register_schema, scenario_origin,
                        to_run_config)
from sim.runner import Experiment, RunDirConflict, run_experiment
from sim.terrain import TerrainError
from sim.validation import ScenarioError
from sim.world import build_world

SHOWN = [
    ("attempts", "{:.0f}"), ("interdicted", "{:.0f}"), ("got_away", "{:.0f}"), ("turned_back", "{:.0f}"),
    ("under_way", "{:.0f}"), ("interdiction_rate", "{:.2f}"), ("detection_rate", "{:.2f}"),
    ("apprehended", "{:.0f}"), ("seized_kg", "{:.0f}"), ("time_to_first_detection_min", "{:.1f}"),
    ("alerts", "{:.0f}"), ("false_alarms", "{:.0f}"), ("wasted_responses", "{:.0f}"),
    ("alert_to_dispatch_min", "{:.1f}"), ("dispatch_to_arrival_min", "{:.1f}"),
    ("dispatch_to_arrival_p90_min", "{:.1f}"), ("patrol_utilisation", "{:.2f}"), ("capital_usd", "{:,.0f}"), ("cost_usd", "{:,.0f}"),
    ("cost_per_interdiction_usd", "{:,.0f}"),
]


def format_summary(summary) -> str:
    """A plain-text table: one metric per line, mean over replications (and min..max if > 1)."""
    lines = [f"{'metric':32s} {'mean':>16s}" + ("   min .. max" if len(summary) > 1 else "")]
    for key, fmt in SHOWN:
        col = summary[key].astype(float)
        line = f"{key:32s} {fmt.format(col.mean()):>16s}"
        if len(summary) > 1:
            line += f"   {fmt.format(col.min())} .. {fmt.format(col.max())}"
        lines.append(line)
    return "\n".join(lines)


RUN_KEYS = {"seed", "replications", "workers", "chunk_size", "events", "map", "quiet", "sweep_name"}


def swept_params(task_overrides: list[str]) -> dict[str, object]:
    """The command-line overrides of this job as {key: value}: the columns that tell sweep
    points apart in the results (run mechanics such as workers or seed are left out)."""
    params: dict[str, object] = {}
    for o in task_overrides:
        key, _, value = o.lstrip("+~").partition("=")
        if key.startswith("hydra") or key in RUN_KEYS:
            continue
        params[key] = yaml.safe_load(value) if value else None
        if isinstance(params[key], (list, dict)):
            params[key] = value  # keep composite values readable as one column
    return params


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def _main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    origin = scenario_origin(hc.runtime.choices.get("scenario"))
    run_cfg = to_run_config(cfg)
    params = swept_params(list(hc.overrides.task))
    try:
        world = build_world(run_cfg.scenario, origin, base_dir=str(SCENARIO_DIR))
    except (ScenarioError, TerrainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    (out_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    workers = run_cfg.workers if run_cfg.workers > 0 else (os.cpu_count() or 1)
    exp = Experiment(run_cfg.scenario, origin, str(SCENARIO_DIR), out_dir, run_cfg.seed, run_cfg.replications,
                     workers, run_cfg.chunk_size, run_cfg.events, params)
    bar = None if run_cfg.quiet else tqdm(total=run_cfg.replications, unit="rep", desc=world.scenario.name,
                                          file=sys.stderr, leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.n = done
            bar.refresh()

    try:
        summary = run_experiment(exp, progress)
    except RunDirConflict as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    finally:
        if bar is not None:
            bar.close()
    if run_cfg.map and run_cfg.events:
        from analysis.maps import draw_run_map
        draw_run_map(out_dir, out_dir / "map.png")
    if not run_cfg.quiet:
        print(f"scenario {world.scenario.name}: {world.terrain.n_nodes} cells, {len(world.units)} units, "
              f"{len(world.sensors)} sensors, {run_cfg.replications} replication(s) x "
              f"{world.scenario.horizon_days:g} days")
        print(format_summary(summary))
        print(f"results: {out_dir}")


def _precheck(args: list[str]) -> None:
    """Compose once before Hydra does, to turn composition errors into one clear message.
    Skipped for Hydra's own flags (--multirun, --help, --cfg, ...), which Hydra handles."""
    if any(a.startswith("-") for a in args):
        return
    try:
        compose([a for a in args if not a.startswith("hydra.") and not a.startswith("hydra/")])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


def _terminate(signum, frame) -> None:  # SIGTERM ends the run like Ctrl-C: temporaries are removed
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    register_schema()
    _precheck(sys.argv[1:])
    _main()


if __name__ == "__main__":
    main()
