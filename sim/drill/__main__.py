"""Live drill app: a scenario on a map in the browser, with play/pause/step, injects and a feed.

    python -m sim.drill [OVERRIDES...] [--host 127.0.0.1] [--port 8765] [--out outputs/drills]
    python -m sim.drill scenario=tri_agency seed=3 scenario.coordination.policy=task_force
    python -m sim.drill --fetch-assets        # fetch the front-end files once (needs npm)

OVERRIDES are Hydra overrides as for `python -m sim.run` (default: scenario=tri_agency).
Each browser tab is its own drill (its own model); its event log is written to
OUT/<scenario>-<timestamp>/ in the layout of a batch run, after every inject, on pause and at
the end, so `python -m analysis.aar OUT/<scenario>-<timestamp>` reviews it.

The app serves every front-end file itself (no internet needed while it runs): they are
fetched from the npm registry the first time (about 50 MB) into the Python environment, or
into $BORDER_SIM_ASSETS. It listens on 127.0.0.1 unless --host says otherwise. Needs the
`drill` extra: pip install -e ".[drill]".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sim.config import SCENARIO_DIR, ConfigError, compose
from sim.drill.assets import assets_dir, fetch_assets, have_assets, offline_environment
from sim.terrain.validate import TerrainError
from sim.validation import ScenarioError
from sim.world import build_world


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.drill", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. scenario=tri_agency seed=2")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--out", default="outputs/drills", help="where each drill's log goes (default outputs/drills)")
    ap.add_argument("--fetch-assets", action="store_true", help="fetch the front-end files and exit")
    args = ap.parse_args(argv)

    try:
        import solara  # noqa: F401, PLC0415  (an optional extra: say how to install it, not a traceback)
    except ImportError:
        print('error: the drill app needs the `drill` extra: .venv/bin/pip install -e ".[drill]"', file=sys.stderr)
        return 2
    if not args.fetch_assets:
        overrides = args.overrides or ["scenario=tri_agency"]
        try:  # one clear message before anything is fetched or started
            composed = compose(overrides)
            build_world(composed.scenario, composed.origin, base_dir=str(SCENARIO_DIR))
        except (ConfigError, ScenarioError, TerrainError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.fetch_assets or not have_assets():
        print(f"fetching the drill app's front-end files into {assets_dir()} (npm registry, once) ...", file=sys.stderr)
        try:
            fetch_assets()
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.fetch_assets:
            return 0
    env = {
        **os.environ,
        **offline_environment(),
        "BORDER_DRILL_OVERRIDES": json.dumps(overrides),
        "BORDER_DRILL_OUT": str(Path(args.out).resolve()),
    }
    print(
        f"drill app: http://{args.host}:{args.port}  (scenario {composed.scenario.name}; logs under {args.out})",
        file=sys.stderr,
    )
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.drill.app:Page",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level-uvicorn",
        "warning",
    ]
    os.execve(sys.executable, cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
