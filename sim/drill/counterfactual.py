"""What the standard procedure would have done: a drill with seats re-run on the same seed with the
automatic dispatcher in place of every human seat (or of one seat), the trainer's injects replayed
at their logged minutes, and the orders of the seats still human replayed at theirs.

    python -m sim.drill.counterfactual DRILL_DIR                 # -> DRILL_DIR/counterfactual/all-auto
    python -m sim.drill.counterfactual DRILL_DIR --auto border_patrol   # that seat alone -> auto-border_patrol

The smugglers' draws do not depend on the units' choices (named random streams, sim/rng.py), so
the same groups set off at the same minutes; `python -m analysis.aar DRILL_DIR` then shows each
attempt's outcome beside the counterfactual's. Replaying with every seat kept human gives the
drill's own log back (tested). A replayed order is checked again: one that no longer applies (a
unit busy in this run, an alert never received, an incident this run never opened at the logged
cell) is refused and logged as such. An order about an incident whose id this run gave to another
place goes to the centre's open incident at the logged cell (`remapped`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from analysis.maps import run_config
from sim.agents.orders import OrderRefused
from sim.config import SCENARIO_DIR
from sim.drill.session import DrillSession
from sim.validation import ScenarioError, parse_scenario
from sim.world import World, build_world

TRAINER_PREFIX = "trainer-"  # the names the live session gives the trainer's injects


def read_drill(drill_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The drill's config.yaml (seed, scenario with every inject) and its event log; ValueError
    (FileNotFoundError) naming what is missing where `drill_dir` is not a saved drill."""
    if not drill_dir.is_dir():
        raise FileNotFoundError(f"{drill_dir}: no such folder; allowed: a drill's folder (python -m sim.drill)")
    config = run_config(drill_dir)
    if "drill" not in config or "scenario" not in config:
        raise ValueError(
            f"{drill_dir} is not a drill (its config.yaml has no drill section: a batch run, or no config); "
            "allowed: a folder a live drill saved (python -m sim.drill)"
        )
    events = pq.read_table(drill_dir / "events").to_pandas().sort_values("seq")
    return config, events


def drill_world(config: dict, origin: str) -> World:
    """The drill's world, without the trainer's injects (they are replayed at their minutes)."""
    raw = dict(config["scenario"])
    raw["injects"] = {k: v for k, v in (raw.get("injects") or {}).items() if not k.startswith(TRAINER_PREFIX)}
    spec = parse_scenario(raw, origin)
    return build_world(spec, origin, base_dir=str(SCENARIO_DIR))


def human_seats(events: pd.DataFrame) -> set[str]:
    """The centres the drill's seats decided for (its `mode` rows)."""
    modes = events[events.kind == "mode"]
    return set(modes[modes.detail == "human"].agency)


def order_args(row) -> dict:
    """A logged order row -> the arguments of DrillSession.order."""
    kind = row.detail
    if kind == "dispatch":
        where = {"incident": int(row.incident)} if row.incident >= 0 else {"node": int(row.node)}
        return {"unit": int(row.unit)} | where
    if kind in ("recall", "hold"):
        return {"unit": int(row.unit)}
    if kind == "share":
        return {"alert": int(row.alert), "partner": row.unit_agency}
    if kind == "mou":
        return {"incident": int(row.incident), "partner": row.unit_agency}
    return {"incident": int(row.incident)}


def remapped(session: DrillSession, row, args: dict) -> dict | None:
    """A logged order about an incident or an alert, for this run: ids are numbered as incidents
    open and alerts come, so they differ once a centre decides otherwise. A share goes to the
    alert the centre received at the logged cell about the logged group (None: none, the order no
    longer applies). An order whose incident is not this
    run's open incident at the logged cell goes to the centre's open incident at that cell (one
    about the same group first); with none there (the group was caught earlier in this run, or
    never seen by this centre), None: the order no longer applies (a dispatch to the bare cell
    would send a unit to search for nothing). Rows of drills logged before close rows had a cell
    (node -1) keep their id."""
    if row.detail == "share" and row.node >= 0:  # (share rows name the alert's cell and group since 2026-12)
        same = session.alert_at(row.agency, int(row.alert), int(row.node), int(row.attempt))
        return args | {"alert": same} if same >= 0 else None
    if row.incident < 0 or row.node < 0 or row.detail not in ("dispatch", "close", "mou"):
        return args
    if session.has_incident(row.agency, int(row.incident), int(row.node)):
        return args
    same = session.incident_at(row.agency, int(row.node), int(row.attempt))
    return args | {"incident": same} if same >= 0 else None


def replay(
    world: World, seed: int, config: dict, events: pd.DataFrame, human: set[str], out_dir: Path, origin: str
) -> DrillSession:
    """Re-run the drill: `human` centres keep their seats' logged orders, every other centre is
    automatic; the trainer's injects at their logged minutes, in the logged order (where a seat's
    order was refused, what was due at that minute is run there, as the refused order did). Writes the
    run to `out_dir` (the layout of a batch run) and returns the finished session."""
    injects = config["scenario"].get("injects") or {}
    rows = events[
        ((events.kind == "inject") & events.source.str.startswith(TRAINER_PREFIX))
        | ((events.kind == "order") & events.agency.isin(human))
        | (events.kind == "order_refused")  # not replayed; it ran what was due at its minute
    ]
    session = DrillSession(world, seed, out_dir, origin="counterfactual", human=human, source="replay")
    session.autosave = False
    for row in rows.itertuples():
        while session.now < row.t and not session.finished:
            session.step()
        if row.kind == "order_refused":
            session.settle()  # the refused order ran the minute's due events first (DrillSession.order)
        elif row.kind == "inject":
            raw = {k: v for k, v in injects[row.source].items() if k not in ("type", "start_hours")}
            session.inject(injects[row.source]["type"], replayed=True, **raw)
        else:
            args = order_args(row)
            here = remapped(session, row, args)
            try:
                if here is None:
                    what = f"alert {int(row.alert)}" if row.detail == "share" else f"{int(row.incident)}"
                    thing = "alert received by" if row.detail == "share" else "open incident of"
                    reason = (
                        f"no {thing} {row.agency} at cell {int(row.node)} in this run (the drill's {what}): the "
                        "order no longer applies"
                    )
                    session.refuse(row.agency, row.detail, reason, **args)
                session.order(row.agency, row.detail, **here)
            except OrderRefused:
                pass  # logged as order_refused: it no longer applies in this run
    # an interrupted drill (no run_end) is compared up to the minute it was played to, not beyond
    stop = None if (events.kind == "run_end").any() else float(config.get("drill", {}).get("minute", 0.0))
    while not session.finished and (stop is None or session.now < stop):
        session.step()
    session.save()
    return session


def counterfactual(drill_dir: Path | str, auto: str | None = None) -> Path:
    """Write DRILL_DIR/counterfactual/all-auto (every seat automatic) or auto-<seat> (that seat
    alone) and return it."""
    drill_dir = Path(drill_dir)
    config, events = read_drill(drill_dir)
    origin = f"{drill_dir}/config.yaml"
    human = human_seats(events)
    if auto is not None and auto not in human:
        raise ValueError(f"--auto: {auto} was not a human seat of this drill; allowed: {', '.join(sorted(human))}")
    keep = set() if auto is None else human - {auto}
    out = drill_dir / "counterfactual" / ("all-auto" if auto is None else f"auto-{auto}")
    replay(drill_world(config, origin), int(config["seed"]), config, events, keep, out, origin)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.drill.counterfactual",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("drill_dir")
    ap.add_argument("--auto", default=None, help="replace this seat alone (default: every human seat)")
    args = ap.parse_args(argv)
    try:
        out = counterfactual(args.drill_dir, args.auto)
    except (FileNotFoundError, KeyError, ValueError, ScenarioError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"counterfactual: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
