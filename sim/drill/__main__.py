"""Live drill app: a scenario on a map in the browser, with play/pause/step, injects and a feed.

    python -m sim.drill [OVERRIDES...] [--host 127.0.0.1] [--port 8765] [--out outputs/drills]
    python -m sim.drill scenario=tri_agency seed=3 scenario.coordination.policy=task_force
    python -m sim.drill --fetch-assets        # fetch the front-end files once (needs npm)
    python -m sim.drill scenario=tri_agency --seats                  # one exercise, a seat per centre
    python -m sim.drill scenario=tri_agency --seats --human border_patrol,local_police

OVERRIDES are Hydra overrides as for `python -m sim.run` (default: scenario=tri_agency).
Each browser tab is its own drill (its own model); its event log is written to
OUT/<scenario>-<timestamp>/ in the layout of a batch run, after every inject, on pause and at
the end, so `python -m analysis.aar OUT/<scenario>-<timestamp>` reviews it.

With --seats, one exercise is joined by several browsers: the trainer's link and one link per
command centre are printed (each with its own unguessable token; keep them as you would keep
passwords). --human names the centres whose seats decide (default: every centre); the others
are decided automatically and their seats watch.

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
from sim.drill.seats import TRAINER, SeatBook
from sim.model import BorderModel
from sim.terrain.validate import TerrainError
from sim.validation import ScenarioError
from sim.world import World, build_world


def port_number(text: str) -> int:
    """--port: a TCP port the server can listen on (argparse says which value it refused)."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}; allowed: a whole number 1..65535")
    return port


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.drill", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. scenario=tri_agency seed=2")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    ap.add_argument("--port", type=port_number, default=8765, help="TCP port, 1..65535 (default 8765)")
    ap.add_argument("--out", default="outputs/drills", help="where each drill's log goes (default outputs/drills)")
    ap.add_argument("--fetch-assets", action="store_true", help="fetch the front-end files and exit")
    ap.add_argument("--seats", action="store_true", help="one exercise, a seat per command centre (links printed)")
    ap.add_argument(
        "--human",
        default="all",
        help="with --seats: the centres whose seats decide, comma-separated, 'all' (default) or 'none'",
    )
    args = ap.parse_args(argv)
    if args.human != "all" and not args.seats:
        ap.error(f"--human {args.human}: names the human seats of an exercise with --seats; allowed: add --seats")

    try:
        import solara  # noqa: F401, PLC0415  (an optional extra: say how to install it, not a traceback)
    except ImportError:
        print('error: the drill app needs the `drill` extra: .venv/bin/pip install -e ".[drill]"', file=sys.stderr)
        return 2
    if not args.fetch_assets:
        overrides = args.overrides or ["scenario=tri_agency"]
        try:  # one clear message before anything is fetched or started
            composed = compose(overrides)
            world = build_world(composed.scenario, composed.origin, base_dir=str(SCENARIO_DIR))
            book, human = seats(world, composed.run.seed, args.human) if args.seats else (None, [])
        except (ConfigError, ScenarioError, TerrainError, ValueError) as exc:
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
    base = f"http://{args.host}:{args.port}"
    print(f"drill app: {base}  (scenario {composed.scenario.name}; logs under {args.out})", file=sys.stderr)
    if book is not None:
        env |= {"BORDER_DRILL_SEATS": book.to_json(), "BORDER_DRILL_HUMAN": json.dumps(human)}
        for seat, link in book.links(base).items():
            mode = "" if seat == TRAINER else " (human)" if seat in human else " (auto: watches)"
            print(f"  {seat}{mode}: {link}", file=sys.stderr)
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


def seats(world: World, seed: int, human: str) -> tuple[SeatBook, list[str]]:
    """The seats of an exercise (its command centres) with fresh tokens, and the human ones."""
    centres = list(BorderModel(world, seed).coordination.centres)
    chosen = centres if human == "all" else [] if human == "none" else [h for h in human.split(",") if h]
    unknown = [h for h in chosen if h not in centres]
    if unknown:
        raise ValueError(f"--human: no centre {', '.join(unknown)}; allowed: {', '.join(centres)}, all, none")
    return SeatBook.new(centres), chosen


if __name__ == "__main__":
    sys.exit(main())
