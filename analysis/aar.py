"""After-action review from a run directory's files alone (events/ and plans/), never the model.

    python -m analysis.aar RUN_DIR [--replication 0] [--at 600 1200] [--out RUN_DIR/aar]

- chains: per attempt, the times of its crossing, detections, alerts, dispatches, arrivals and
  outcome, and the latencies between steps (crossing -> first detection -> first alert ->
  first dispatch -> first arrival -> outcome); the slowest links are highlighted;
- per-agency summary: alerts received, handled, shared, lost, dispatches, interdictions, mean
  queue wait and dispatch-to-arrival;
- replay: where every unit and group was at chosen minutes, reconstructed from the plans (the
  latest plan made at or before t, read at t), drawn on the map.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

from analysis.figures import subplots
from analysis.maps import ALARM_MINUTES, agency_colours, draw_situation, draw_terrain, finish, read_terrain
from sim.metrics import dispatch_to_arrival

LINKS = [
    ("crossed", "first_detection"),
    ("first_detection", "first_alert"),
    ("first_alert", "first_dispatch"),
    ("first_dispatch", "first_arrival"),
    ("first_arrival", "outcome"),
]


def read_run(run_dir: Path, replication: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    flt = [("replication", "=", replication)]
    events = pq.read_table(run_dir / "events", filters=flt).to_pandas()
    plans = pq.read_table(run_dir / "plans", filters=flt).to_pandas() if (run_dir / "plans").is_dir() else None
    return events, plans


def chains(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per attempt: milestone times and the latencies between them (minutes)."""
    att = ev[ev.kind == "attempt"].set_index("attempt")
    first = lambda kind: ev[(ev.kind == kind) & (ev.attempt >= 0)].groupby("attempt").t.min()  # noqa: E731
    out = pd.DataFrame({"start": att.t, "cargo": att.cargo, "size": att["size"], "org": att.source})
    out["crossed"] = first("crossed")
    out["first_detection"] = first("detection")
    out["first_alert"] = first("alert")
    out["first_dispatch"] = first("dispatch")
    inc_of_attempt = ev[(ev.kind == "dispatch") & (ev.attempt >= 0)].groupby("attempt").incident.first()
    arrivals = ev[ev.kind == "arrival"].set_index("incident").t
    out["first_arrival"] = inc_of_attempt.map(arrivals.groupby(level=0).min())
    ends = ev[ev.kind.isin(["interdiction", "got_away", "turned_back"]) & (ev.attempt >= 0)].set_index("attempt")
    out["outcome"] = ends.t
    out["result"] = ends.kind.reindex(out.index).fillna("under_way")
    for a, b in LINKS:
        out[f"{a}->{b}"] = out[b] - out[a]
    return out


def agency_summary(ev: pd.DataFrame) -> pd.DataFrame:
    """Per agency (centre): alerts, queue wait, sharing, dispatches, dispatch to arrival (the
    metric of sim/metrics.py, over the dispatches that arrived), interdictions."""
    rows = {}
    d2a = dispatch_to_arrival(ev[ev.kind == "dispatch"], ev[ev.kind == "arrival"])
    for name in sorted(set(ev[ev.kind == "alert"].agency) | set(ev[ev.kind == "dispatch"].agency)):
        alerts = ev[(ev.kind == "alert") & (ev.agency == name)]
        handled = ev[(ev.kind == "alert_handled") & (ev.agency == name)]
        disp = ev[(ev.kind == "dispatch") & (ev.agency == name)]
        rows[name] = {
            "alerts received": len(alerts),
            "false alarms": int((alerts.attempt < 0).sum()),
            "mean queue wait (min)": handled.duration_min.mean(),
            "shared": int(((ev.kind == "alert_shared") & (ev.agency == name)).sum()),
            "lost": int(((ev.kind == "alert_lost") & (ev.agency == name)).sum()),
            "dispatches": len(disp),
            "arrivals": int((d2a.agency == name).sum()),
            "mean dispatch to arrival (min)": d2a[d2a.agency == name].minutes.mean(),
            "interdictions": int(((ev.kind == "interdiction") & (ev.agency == name)).sum()),
        }
    return pd.DataFrame(rows).T


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
    return pd.DataFrame(rows, columns=["mover", "id", "node"])


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


def replay_figure(run_dir: Path, ev: pd.DataFrame, plans: pd.DataFrame, t: float, out: Path) -> Path:
    nodes, edges = read_terrain(run_dir)
    units, groups = situation_at(ev, plans, t)
    fig, ax = subplots(figsize=(12, 7.5), dpi=100)
    draw_terrain(ax, nodes, edges)
    agencies = list(pd.unique(ev[ev.kind == "asset"].agency))
    draw_situation(
        ax,
        nodes.x.to_numpy(),
        nodes.y.to_numpy(),
        units=units,
        groups=groups,
        sensors=sensor_states_at(ev, t),
        colours=agency_colours(agencies),
    )
    ax.set_title(f"replay at minute {t:g} (day {int(t // 1440) + 1}, {int(t % 1440) // 60:02d}:{int(t % 60):02d})")
    return finish(fig, ax, nodes, out)


TIMELINE_MARKS = (  # event kind -> marker, colour, legend label (every such event of the attempt)
    ("crossed", "|", "black", "crossed"),
    ("detection", "o", "#2166ac", "detected"),
    ("alert", "^", "#762a83", "alert at a centre"),
    ("alert_shared", "D", "#01665e", "shared with an agency"),
    ("alert_lost", "x", "#d73027", "share lost"),
    ("dispatch", ">", "#e08214", "unit dispatched"),
    ("arrival", "s", "#1b7837", "unit arrived"),
)


def timeline_figure(ch: pd.DataFrame, ev: pd.DataFrame, out: Path, limit: int = 40) -> Path:
    """One line per attempt (the first `limit` that were detected or tipped), start to outcome,
    with a marker for each crossing, detection, alert, share, loss, dispatch and arrival."""
    ch = ch[ch.first_detection.notna() | ch.first_alert.notna()].head(limit)
    fig, ax = subplots(figsize=(12, 0.3 * len(ch) + 2.2))
    colours = {"interdiction": "#1a9850", "got_away": "#d73027", "turned_back": "#fdae61", "under_way": "#999999"}
    incident_attempt = ev[(ev.kind == "dispatch") & (ev.attempt >= 0)].groupby("incident").attempt.first()
    marks = ev[ev.kind.isin([k for k, *_ in TIMELINE_MARKS])].copy()
    arrivals = marks.kind == "arrival"
    marks.loc[arrivals, "attempt"] = marks.loc[arrivals, "incident"].map(incident_attempt).fillna(-1).astype(int)
    row_of = {a: i for i, a in enumerate(ch.index)}
    marks = marks[marks.attempt.isin(row_of)]
    for i, (_, r) in enumerate(ch.iterrows()):
        end = r.outcome if pd.notna(r.outcome) else ev.t.max()
        ax.plot([r.start, end], [i, i], color=colours.get(r.result, "#999999"), lw=2.5, alpha=0.6, zorder=1)
    handles = []
    for kind, marker, colour, label in TIMELINE_MARKS:
        m = marks[marks.kind == kind]
        handles.append(
            ax.scatter(
                m.t,
                m.attempt.map(row_of),
                marker=marker,
                c=colour,
                s=30,
                zorder=3,
                label=label,
                linewidths=1.2 if marker in "|x" else 0.3,
            )
        )
    ax.set_yticks(range(len(ch)), [f"#{a}" for a in ch.index])
    ax.set_xlabel("minutes from the start")
    ax.set_title("attempts from start to outcome (line: green interdicted, red got away, grey under way)", fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(out)
    return out


def drill_questions(run_dir: Path) -> list[str]:
    """The trainer's questions of a scripted drill, from the run's resolved config.yaml."""
    path = run_dir / "config.yaml"
    if not path.exists():
        return []
    return list((yaml.safe_load(path.read_text()) or {}).get("scenario", {}).get("questions") or [])


def inject_log(ev: pd.DataFrame) -> pd.DataFrame:
    starts = ev[ev.kind == "inject"].set_index("source")
    ends = ev[ev.kind == "inject_end"].set_index("source").t
    return pd.DataFrame({"type": starts.detail, "start (min)": starts.t, "end (min)": ends.reindex(starts.index)})


def build_aar(
    run_dir: str | Path, replication: int = 0, at: list[float] | None = None, out_dir: str | Path | None = None
) -> Path:
    run_dir = Path(run_dir)
    out = Path(out_dir) if out_dir else run_dir / "aar"
    out.mkdir(parents=True, exist_ok=True)
    ev, plans = read_run(run_dir, replication)
    ch = chains(ev)
    latency_cols = [f"{a}->{b}" for a, b in LINKS]
    slow = {c: ch[c].quantile(0.9) for c in latency_cols if ch[c].notna().any()}
    figs = [timeline_figure(ch, ev, out / "timelines.png")]
    horizon = float(ev[ev.kind == "run_start"].duration_min.iloc[0])
    if plans is not None:
        for t in at or [horizon / 4, horizon / 2]:
            figs.append(replay_figure(run_dir, ev, plans, float(t), out / f"replay_{int(t)}.png"))
    styled = ch[["cargo", "size", "result"] + latency_cols].round(1)

    def cell(col, v):
        hot = col in slow and pd.notna(v) and v >= slow[col] and v > 0
        return f"<td style='background:#fdd'>{v}</td>" if hot else f"<td>{'' if pd.isna(v) else v}</td>"

    rows = "".join(
        f"<tr><td>#{a}</td>" + "".join(cell(c, r[c]) for c in styled.columns) + "</tr>" for a, r in styled.iterrows()
    )
    page = [
        f"<html><head><meta charset='utf-8'><title>AAR {html.escape(str(run_dir))}</title>",
        "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}table{border-collapse:collapse;"
        "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}</style></head><body>",
        f"<h1>After-action review: {html.escape(str(run_dir))}, replication {replication}</h1>",
    ]
    questions = drill_questions(run_dir)
    if questions:
        page.append("<h2>Drill questions</h2><ol>" + "".join(f"<li>{html.escape(q)}</li>" for q in questions) + "</ol>")
    injects = inject_log(ev)
    if len(injects):
        page += ["<h2>Injects</h2>", injects.to_html()]
    page += [
        "<h2>Per agency</h2>",
        agency_summary(ev).round(2).to_html(),
        "<h2>Median latencies (min); red cells: the slowest 10% of each link</h2>",
        ch[latency_cols].median().round(1).to_frame("median").T.to_html(index=False),
        "<h2>Attempts</h2>",
        "<img src='timelines.png'>",
        "<table><tr><th>attempt</th>"
        + "".join(f"<th>{html.escape(c)}</th>" for c in styled.columns)
        + "</tr>"
        + rows
        + "</table>",
    ]
    for f in figs[1:]:
        page.append(f"<h2>Replay</h2><img src='{f.name}'>")
    page.append("</body></html>")
    path = out / "aar.html"
    path.write_text("\n".join(page))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m analysis.aar", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("run_dir")
    ap.add_argument("--replication", type=int, default=0)
    ap.add_argument(
        "--at", type=float, nargs="*", help="minutes to replay (default: a quarter and half of the horizon)"
    )
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    try:
        path = build_aar(args.run_dir, args.replication, args.at, args.out)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"after-action review: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
