"""After-action review from a run directory's files alone (events/ and plans/), never the model.

    python -m analysis.aar RUN_DIR [--replication 0] [--at 600 1200] [--out RUN_DIR/aar]

- chains: per attempt, the times of its crossing, detections, alerts, dispatches, arrivals and
  outcome, and the latencies between steps (crossing -> first detection -> first alert ->
  first dispatch -> first arrival -> outcome); the slowest links are highlighted;
- per-agency summary: alerts received, handled, shared, lost, dispatches, interdictions, mean
  queue wait and dispatch-to-arrival;
- replay: where every unit and group was at chosen minutes, reconstructed from the plans (the
  latest plan made at or before t, read at t), drawn on the map;
- a drill with seats: per agency the orders given, the time from alert to order and their
  outcomes, every order in words, and beside each counterfactual written in
  RUN_DIR/counterfactual/ (python -m sim.drill.counterfactual) each attempt's outcome in both.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from analysis.evidence import evidence, horizon_of, inject_windows
from analysis.figures import output_folder, subplots
from analysis.labels import clock, html_table, number
from analysis.maps import (
    COVERAGE_KEYS,
    add_legend,
    agency_colours,
    comms_lines,
    comms_outages,
    coverage_radius_km,
    draw_comms,
    draw_terrain,
    read_scenario,
    read_terrain,
    run_agencies,
    run_config,
)
from analysis.seats import compare, counterfactual_runs, human_seats, order_outcomes, seat_summary
from analysis.situation import ALARM_MINUTES, draw_situation
from analysis.store import read_manifest
from analysis.timeline import timeline_figures
from sim.files import end_on_sigterm, save_figure_atomic, write_text_atomic
from sim.metrics import decoy_attempts, dispatch_results, dispatch_to_arrival, first_hand
from sim.questions import Question, parse_question

LINKS = [
    ("crossed", "first_detection"),
    ("first_detection", "first_alert"),
    ("first_alert", "first_dispatch"),
    ("first_dispatch", "first_arrival"),
    ("first_arrival", "outcome"),
]


def check_run_dir(run_dir: Path) -> None:
    """Refuse, in words, a RUN_DIR the review cannot be made from: no such folder, a sweep folder
    (run folders below it), a run made with events=false, a folder that is not a run."""
    if not run_dir.exists():
        raise ValueError(f"RUN_DIR {run_dir}: no such folder")
    if not run_dir.is_dir():
        raise ValueError(f"RUN_DIR {run_dir}: not a folder; name a run folder written by python -m sim.run")
    if any((run_dir / "events").glob("rep-*.parquet")):
        return
    if (run_dir / "manifest.json").exists() and (run_dir / "events").is_dir():
        raise ValueError(
            f"{run_dir} has no finished replication yet (events/ holds no rep-*.parquet file); "
            "let the run finish, or resume it with its command"
        )
    if (run_dir / "manifest.json").exists():
        settings = {**run_config(run_dir), **read_manifest(run_dir)}  # (config.yaml is written when the run ends)
        if settings.get("events") is False:
            raise ValueError(f"{run_dir} has no event log (it was run with events=false); re-run with events=true")
        raise ValueError(f"{run_dir} has no event log (no events/ folder: no replication of it has finished?)")
    runs = sorted(
        m.parent
        for m in run_dir.rglob("manifest.json")
        if not any(p.startswith(".") for p in m.relative_to(run_dir).parts)
    )
    if runs:
        example = next((r for r in runs if (r / "events").is_dir()), runs[0])
        raise ValueError(
            f"{run_dir} is a sweep folder ({len(runs)} run folders below it); "
            f"name one of its run folders, e.g. {example}"
        )
    raise ValueError(
        f"{run_dir} is not a run folder (no manifest.json or events/); name a folder written by python -m sim.run"
    )


def spans(values) -> str:
    """Sorted integers as ranges: [0, 1, 2, 5] -> '0..2, 5'."""
    out: list[list[int]] = []
    for v in sorted(set(int(v) for v in values)):
        if out and v == out[-1][1] + 1:
            out[-1][1] = v
        else:
            out.append([v, v])
    return ", ".join(f"{a}..{b}" if b > a else f"{a}" for a, b in out) or "none"


def read_run(run_dir: Path, replication: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One replication's events and plans (None when the run kept no plans). A folder that is not
    one run with an event log, or a replication the log does not hold, is refused in words."""
    run_dir = Path(run_dir)
    check_run_dir(run_dir)
    flt = [("replication", "=", replication)]
    events = pq.read_table(run_dir / "events", filters=flt).to_pandas()
    if not (events.kind == "run_start").any():
        held = pq.read_table(run_dir / "events", columns=["replication"]).column("replication").unique()
        raise ValueError(f"--replication {replication}: the run holds replications {spans(held.to_pylist())}")
    plans = pq.read_table(run_dir / "plans", filters=flt).to_pandas() if (run_dir / "plans").is_dir() else None
    return events, plans


def played_to(run_dir: Path, ev: pd.DataFrame) -> float | None:
    """The minute a drill stopped before its horizon was played to (its config.yaml's
    drill.minute; the log has no run_end); None for a run that reached its horizon."""
    if (ev.kind == "run_end").any():
        return None
    minute = (run_config(Path(run_dir)).get("drill") or {}).get("minute")
    return None if minute is None else float(minute)


def end_of_run(run_dir: Path, ev: pd.DataFrame) -> float:
    """The minute the replication's log runs to: its horizon, or the minute a drill stopped
    early was played to (its injects, outages and replays end there, not at the horizon)."""
    stopped = played_to(run_dir, ev)
    return horizon_of(ev) if stopped is None else stopped


def check_minutes(at: list[float], end: float, stopped: bool = False) -> None:
    """Refuse replay minutes outside the run (0 to its end), naming the end: the horizon, or the
    minute a drill was stopped at (`stopped`)."""
    bad = [t for t in at if not 0.0 <= float(t) <= end]
    if bad:
        what = "the drill was stopped at minute" if stopped else "the run's horizon is"
        raise ValueError(
            f"--at {' '.join(f'{float(t):g}' for t in bad)}: a replay minute lies in 0..{end:g} "
            f"(minutes from the start; {what} {end:g} min, {end / 1440:g} days)"
        )


def chains(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per attempt (decoys left out, as by every metric): milestone times and the
    latencies between them (minutes)."""
    att = ev[(ev.kind == "attempt") & ~ev.attempt.isin(decoy_attempts(ev))].set_index("attempt")
    first = lambda kind: ev[(ev.kind == kind) & (ev.attempt >= 0)].groupby("attempt").t.min()  # noqa: E731
    out = pd.DataFrame({"start": att.t, "cargo": att.cargo, "size": att["size"], "org": att.source})
    out["crossed"] = first("crossed")
    out["first_detection"] = first("detection")
    out["first_alert"] = first("alert")
    out["first_dispatch"] = first("dispatch")
    disp = ev[ev.kind == "dispatch"].reset_index(drop=True)
    sent = dispatch_results(disp, ev[ev.kind == "arrival"], ev[ev.kind == "interdiction"])
    arrived = (disp.t + sent.arrived_min)[disp.attempt >= 0]  # each dispatch's own unit's arrival
    out["first_arrival"] = arrived.groupby(disp.attempt[disp.attempt >= 0]).min()
    ends = ev[ev.kind.isin(["interdiction", "got_away", "turned_back"]) & (ev.attempt >= 0)].set_index("attempt")
    out["outcome"] = ends.t
    out["result"] = ends.kind.reindex(out.index).fillna("under_way")
    for a, b in LINKS:
        out[f"{a}->{b}"] = out[b] - out[a]
    return out


def agency_summary(ev: pd.DataFrame) -> pd.DataFrame:
    """Per agency and per command centre (a joint centre or a task force is a row of its own):
    alerts received (every receipt, copies passed on by liaison and a task force's second receipt
    too), first-hand alerts and false alarms among them (summed over the centres: the run's alerts
    and false_alarms), queue wait, sharing, dispatches, dispatch to arrival (the metric of
    sim/metrics.py, over the dispatches that arrived), interdictions of real groups and of decoys
    apart, credited as `interdicted.<agency>` is: to the agency of the unit (or port) that made
    them, so the column sums to the run's interdictions under every coordination policy. Counts
    are integers, times in minutes."""
    rows = []
    decoy = ev.attempt.isin(decoy_attempts(ev))
    d2a = dispatch_to_arrival(ev[ev.kind == "dispatch"], ev[ev.kind == "arrival"])
    kinds = ["alert", "dispatch", "interdiction", "asset"]  # the centres, and every agency with assets or arrests
    names = set(ev[ev.kind.isin(kinds) & (ev.agency != "")].agency)
    for name in sorted(names):
        alerts = ev[(ev.kind == "alert") & (ev.agency == name)]
        raised = first_hand(alerts)  # as sim/metrics.py counts alerts and false alarms
        handled = ev[(ev.kind == "alert_handled") & (ev.agency == name)]
        disp = ev[(ev.kind == "dispatch") & (ev.agency == name)]
        rows.append(
            {
                "agency": name,
                "alerts received": len(alerts),
                "first-hand": len(raised),
                "false alarms": int((raised.attempt < 0).sum()),
                "mean queue wait (min)": handled.duration_min.mean(),
                "shared": int(((ev.kind == "alert_shared") & (ev.agency == name)).sum()),
                "lost": int(((ev.kind == "alert_lost") & (ev.agency == name)).sum()),
                "dispatches": len(disp),
                "arrivals": int((d2a.agency == name).sum()),
                "mean dispatch to arrival (min)": d2a[d2a.agency == name].minutes.mean(),
                "interdictions": int(((ev.kind == "interdiction") & (ev.agency == name) & ~decoy).sum()),
                "decoys interdicted": int(((ev.kind == "interdiction") & (ev.agency == name) & decoy).sum()),
            }
        )
    columns = ["agency", "alerts received", "first-hand", "false alarms", "mean queue wait (min)", "shared", "lost"]
    columns += ["dispatches"]
    columns += ["arrivals", "mean dispatch to arrival (min)", "interdictions", "decoys interdicted"]
    return pd.DataFrame(rows, columns=columns).set_index("agency")


def positions_at(plans: pd.DataFrame, t: float) -> pd.DataFrame:
    """Where each mover is at minute t: its latest plan made at or before t, read at t
    (the cell whose presence interval holds t; before its first plan a mover is not shown)."""
    made = plans[plans.t <= t].sort_values(["mover", "id", "t", "version"])
    latest = made.groupby(["mover", "id"]).tail(1)
    rows = []
    for r in latest.itertuples():
        times = np.asarray(r.times, dtype=float)
        if times.size == 0:
            continue
        mid = 0.5 * (times[1:] + times[:-1])
        i = int(np.searchsorted(mid, t, side="right"))
        rows.append({"mover": r.mover, "id": r.id, "node": int(r.nodes[i])})
    return pd.DataFrame(rows, columns=["mover", "id", "node"]).astype({"id": int, "node": int})  # int when empty


def finished_before(ev: pd.DataFrame, t: float) -> set[int]:
    ends = ev[ev.kind.isin(["interdiction", "got_away", "turned_back"]) & (ev.attempt >= 0) & (ev.t <= t)]
    return set(ends.attempt)


def sensor_states_at(ev: pd.DataFrame, t: float, alarm_min: float = ALARM_MINUTES) -> pd.DataFrame:
    """Every sensor at minute t: node, type, and state (down after a sensor_down not yet
    followed by sensor_up; alarm if it raised an alert in the last `alarm_min` minutes; else up)."""
    assets = ev[(ev.kind == "asset") & (ev.sensor >= 0)]
    toggles = ev[ev.kind.isin(["sensor_down", "sensor_up"]) & (ev.t <= t)].groupby("sensor").kind.last()
    alarms = ev[(ev.kind == "alert") & (ev.sensor >= 0) & (ev.t <= t) & (ev.t >= t - alarm_min)].sensor
    state = np.where(
        assets.sensor.map(toggles).eq("sensor_down"), "down", np.where(assets.sensor.isin(set(alarms)), "alarm", "up")
    )
    return pd.DataFrame(
        {
            "sensor": assets.sensor.to_numpy(),
            "node": assets.node.to_numpy(),
            "type": assets.source.str.removeprefix("sensor:").to_numpy(),
            "state": state,
        }
    )


def situation_at(ev: pd.DataFrame, plans: pd.DataFrame, t: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units on duty (id, node, agency) and groups on the move (id, node, detected) at minute t,
    from the files alone (as the live drill map shows them)."""
    pos = positions_at(plans, t)
    agency_of = ev[(ev.kind == "asset") & (ev.unit >= 0)].set_index("unit").agency
    shifts = ev[ev.kind.isin(["shift_start", "shift_end"]) & (ev.t <= t)].groupby("unit").kind.last()
    on_duty = set(shifts[shifts == "shift_start"].index)
    units = pos[(pos.mover == "unit") & pos.id.isin(on_duty)].assign(agency=lambda d: d.id.map(agency_of))
    started = set(ev[(ev.kind == "attempt") & (ev.t <= t)].attempt)
    groups = pos[(pos.mover == "attempt") & pos.id.isin(started) & ~pos.id.isin(finished_before(ev, t))]
    detected = set(ev[(ev.kind == "detection") & (ev.t <= t)].attempt)
    return units, groups.assign(detected=groups.id.isin(detected))


def replay_name(t: float) -> str:
    """A replay's file name, one per minute asked for (300 and 300.5 are two images)."""
    return f"replay_{t:g}.png"


def replay_figure(
    run_dir: Path, ev: pd.DataFrame, plans: pd.DataFrame, t: float, out: Path, end: float | None = None
) -> Path:
    """replay_<t>.png (replay_map; `end`: see end_of_run)."""
    fig = replay_map(run_dir, ev, plans, t, end)
    fig.tight_layout()
    save_figure_atomic(fig, out, bbox_inches="tight")
    return out


def replay_map(run_dir: Path, ev: pd.DataFrame, plans: pd.DataFrame, t: float, end: float | None = None) -> Figure:
    """The map at minute t, drawn like the live drill map: jurisdictions, sensors with their
    state (and tower coverage where the scenario states one range), units and groups with their
    ids, comms outages in force."""
    nodes, edges = read_terrain(run_dir)
    scenario = read_scenario(run_dir)
    units, groups = situation_at(ev, plans, t)
    colours = agency_colours(run_agencies(scenario, ev))
    fig, ax = subplots(figsize=(12, 7.5), dpi=100)
    draw_terrain(ax, nodes, edges, colours)
    sensors = sensor_states_at(ev, t)
    sensors["range_km"] = np.nan
    for typ in COVERAGE_KEYS:
        radius = coverage_radius_km(scenario, typ)
        sensors.loc[sensors.type == typ, "range_km"] = radius if radius is not None else np.nan
    draw_situation(
        ax, nodes.x.to_numpy(), nodes.y.to_numpy(), units=units, groups=groups, sensors=sensors, colours=colours
    )
    draw_comms(ax, comms_lines(comms_outages(ev, scenario, end), t))
    ax.set_title(f"replay at minute {t:g} ({clock(t)})")
    add_legend(ax, nodes)
    return fig


def drill_questions(run_dir: Path) -> list[str]:
    """The trainer's questions of a scripted drill, from the run's resolved config.yaml."""
    return list(read_scenario(run_dir).get("questions") or [])


def inject_log(ev: pd.DataFrame, end: float | None = None) -> pd.DataFrame:
    """The injects in words: name, type, start and end (clock and minute; `end`: the end of the
    run, see `end_of_run`)."""
    w = inject_windows(ev, end)
    return pd.DataFrame(
        {
            "inject": w.name,
            "type": w.type.str.replace("_", " "),
            "start": w.start.map(clock),
            "end": w.end.map(clock),
            "start (min)": w.start.map(lambda v: number(v, 0)),
            "end (min)": w.end.map(lambda v: number(v, 0)),
        }
    )


LINK_NAMES = {
    "crossed": "crossing",
    "first_detection": "first detection",
    "first_alert": "first alert",
    "first_dispatch": "first dispatch",
    "first_arrival": "first arrival",
    "outcome": "outcome",
}
RESULT_NAMES = {"interdiction": "interdicted", "got_away": "got away", "turned_back": "turned back"}


def link_label(col: str) -> str:
    """'crossed->first_detection' -> 'crossing → first detection (min)'."""
    a, b = col.split("->")
    return f"{LINK_NAMES[a]} \u2192 {LINK_NAMES[b]} (min)"


def agency_table(ev: pd.DataFrame) -> pd.DataFrame:
    """agency_summary in words: counts as integers, minutes to one decimal."""
    summary = agency_summary(ev)
    out = summary.reset_index()
    for c in summary.columns:
        digits = 1 if c.endswith("(min)") else 0
        out[c] = summary[c].map(lambda v, d=digits: number(v, d)).to_numpy()
    return out


def question_html(q: Question, ev: pd.DataFrame, nodes: pd.DataFrame, end: float | None = None) -> str:
    """A drill question with the evidence its tag names under it (`end`: see `end_of_run`)."""
    parts = [f"<li><p class='q'>{html.escape(q.text)}</p>"]
    if not q.about and not q.problem:
        return parts[0] + "</li>"
    e = evidence(q, ev, nodes, end)
    parts.append(f"<div class='evidence'><p><b>Evidence</b>: {html.escape(e.scope)}</p>")
    parts += [f"<p class='problem'>{html.escape(p)}</p>" for p in e.problems]
    parts += [f"<p>{html.escape(f)}</p>" for f in e.findings]
    parts.append(html_table(pd.DataFrame([e.counts])))
    for name, frame in e.lists.items():
        if len(frame):
            opened = " open" if len(frame) <= 12 else ""
            parts.append(f"<details{opened}><summary>{html.escape(name)} ({len(frame)})</summary>")
            parts.append(html_table(frame) + "</details>")
    return "".join(parts) + "</div></li>"


def seats_html(ev: pd.DataFrame, run_dir: Path) -> list[str]:
    """A drill with seats: orders per agency, every order, and each counterfactual beside the team."""
    if not human_seats(ev):
        return []
    out = ["<h2>Seats: the orders of each agency</h2>", html_table(seat_summary(ev))]
    orders = order_outcomes(ev)
    out.append(f"<details open><summary>Every order ({len(orders)})</summary>{html_table(orders)}</details>")
    for name, other in counterfactual_runs(run_dir).items():
        totals, differ = compare(ev, other)
        who = "every human seat" if name == "all-auto" else name.removeprefix("auto-").replace("_", " ")
        out += [
            f"<h2>Counterfactual ({html.escape(name)}): the standard procedure in place of {html.escape(who)}</h2>",
            "<p>The same seed, the trainer's injects at their logged minutes, the automatic dispatcher "
            "deciding; the same groups set off at the same minutes.</p>",
            html_table(totals),
            f"<details open><summary>Attempts where the two differ ({len(differ)})</summary>"
            f"{html_table(differ)}</details>",
        ]
    return out


def build_aar(
    run_dir: str | Path, replication: int = 0, at: list[float] | None = None, out_dir: str | Path | None = None
) -> Path:
    run_dir = Path(run_dir)
    run_config(run_dir)  # a damaged config.yaml is refused before anything is written
    ev, plans = read_run(run_dir, replication)
    stopped = played_to(run_dir, ev)  # a drill stopped early ends there (see end_of_run)
    end = horizon_of(ev) if stopped is None else stopped
    check_minutes(at or [], end, stopped is not None)  # all checked before anything is written
    out = output_folder(out_dir, run_dir / "aar")
    out.mkdir(parents=True, exist_ok=True)
    nodes, _ = read_terrain(run_dir)
    ch = chains(ev)
    latency_cols = [f"{a}->{b}" for a, b in LINKS]
    slow = {c: ch[c].quantile(0.9) for c in latency_cols if ch[c].notna().any()}
    timelines = timeline_figures(ch, ev, inject_windows(ev, end), out, end)
    replays = []
    if plans is not None:
        for t in dict.fromkeys(float(t) for t in (at or [end / 4, end / 2])):  # each minute once
            replays.append(replay_figure(run_dir, ev, plans, t, out / replay_name(t), end))

    def cell(col, v):
        text = number(v, 1) if col in slow else html.escape(str(v))
        hot = col in slow and pd.notna(v) and v >= slow[col] and v > 0
        return f"<td style='background:#fdd'>{text}</td>" if hot else f"<td>{text}</td>"

    shown = ch[["cargo", "size", "result"] + latency_cols].assign(
        result=ch.result.map(RESULT_NAMES).fillna("under way")
    )
    rows = "".join(
        f"<tr><td>#{a}</td>" + "".join(cell(c, r[c]) for c in shown.columns) + "</tr>" for a, r in shown.iterrows()
    )
    headers = ["attempt", "cargo", "group size", "outcome"] + [link_label(c) for c in latency_cols]
    medians = pd.DataFrame([{link_label(c): number(ch[c].median(), 1) for c in latency_cols}])
    page = [
        f"<html><head><meta charset='utf-8'><title>AAR {html.escape(str(run_dir))}</title>",
        "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}table{border-collapse:collapse;"
        "font-size:12px;margin:0.4em 0}td,th{border:1px solid #ccc;padding:2px 6px}th{background:#f3f3f3}"
        "img{max-width:100%}.q{font-weight:bold;margin-bottom:0.2em}.evidence{margin:0 0 1.2em 0;font-size:13px}"
        ".problem{color:#b2182b}summary{cursor:pointer;margin-top:0.3em}</style></head><body>",
        f"<h1>After-action review: {html.escape(str(run_dir))}, replication {replication}</h1>",
    ]
    questions = [parse_question(q) for q in drill_questions(run_dir)]
    if questions:
        items = "".join(question_html(q, ev, nodes, end) for q in questions)
        page.append(f"<h2>Drill questions</h2><ol>{items}</ol>")
    injects = inject_log(ev, end)
    if len(injects):
        page += ["<h2>Injects</h2>", html_table(injects)]
    page += [
        "<h2>Per agency</h2>",
        html_table(agency_table(ev)),
        *seats_html(ev, run_dir),
        "<h2>Median latencies (min); red cells below: the slowest 10% of each link</h2>",
        html_table(medians),
        f"<h2>Attempts ({len(ch)})</h2>",
        *[f"<img src='{f.name}'>" for f in timelines],
        "<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in headers) + "</tr>" + rows + "</table>",
    ]
    for f in replays:
        minute = float(f.stem.removeprefix("replay_"))
        page.append(f"<h2>Replay at minute {minute:g} ({clock(minute)})</h2><img src='{f.name}'>")
    page.append("</body></html>")
    path = out / "aar.html"
    write_text_atomic("\n".join(page), path)
    return path


def main(argv: list[str] | None = None) -> int:
    end_on_sigterm()
    ap = argparse.ArgumentParser(
        prog="python -m analysis.aar", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("run_dir")
    ap.add_argument("--replication", type=int, default=0, help="one the run holds (0 to its replications - 1)")
    ap.add_argument(
        "--at",
        type=float,
        nargs="*",
        help="minutes to replay, 0 to the end of the run: its horizon, or the minute a drill was stopped at "
        "(default: a quarter and half of that)",
    )
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    try:
        path = build_aar(args.run_dir, args.replication, args.at, args.out)
    except (OSError, KeyError, ValueError) as exc:  # OSError: a file not found, a disk full, ...
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"after-action review: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
