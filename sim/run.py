"""Entry point: `python -m sim.run [scenario=NAME] [KEY=VALUE ...]` (console script `border-sim`).

Composes conf/config.yaml with a scenario from scenarios/, validates it, runs the requested
replications and writes to Hydra's run directory: config.yaml (resolved), events.parquet,
summary.parquet, terrain tables and map.png. Bad input stops with one message naming the file,
the key and the allowed values (exit code 2).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import (CONF_DIR, SCENARIO_DIR, ConfigError, compose, register_schema, scenario_origin,
                        to_run_config)
from sim.runner import run_replications, write_results
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


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def _main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    origin = scenario_origin(hc.runtime.choices.get("scenario"))
    run_cfg = to_run_config(cfg)
    try:
        world = build_world(run_cfg.scenario, origin, base_dir=str(SCENARIO_DIR))
    except (ScenarioError, TerrainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    (out_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if not run_cfg.quiet:
            print(f"\rreplication {done}/{total} ({time.perf_counter() - t0:.1f} s)", end="", file=sys.stderr,
                  flush=True)

    results = run_replications(world, run_cfg.seed, run_cfg.replications, progress)
    if not run_cfg.quiet:
        print(file=sys.stderr)
    summary = write_results(results, world, out_dir)
    if run_cfg.map:
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


def main() -> None:
    register_schema()
    _precheck(sys.argv[1:])
    _main()


if __name__ == "__main__":
    main()
