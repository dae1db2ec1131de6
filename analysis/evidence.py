"""The evidence a drill question asks about (sim/questions.py), from one replication's event
log and the terrain table: the window, what happened in it, in words a trainer reads.

Filters apply where the log can tell: an agency to alerts at its centre, shares it sent or should
have received, its dispatches and interdictions; a sector to where alerts, detections, crossings,
dispatches and interdictions happened, and to lost alerts and got-aways through the sector their
group crossed in. Crossings are not filtered by agency (a crossing has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.labels import clock
from sim.metrics import decoy_attempts
from sim.questions import Question

OUTCOMES = {"interdiction": "interdicted", "got_away": "got away", "turned_back": "turned back"}
REASONS = {"comms_down": "link down (comms outage)", "lost": "lost in passing on"}


@dataclass(frozen=True)
class Evidence:
    """What to show under a question: its scope, problems with its tag, counts, event lists."""

    scope: str
    problems: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # the lists in a sentence each
    counts: dict[str, int] = field(default_factory=dict)
    lists: dict[str, pd.DataFrame] = field(default_factory=dict)


def horizon_of(ev: pd.DataFrame) -> float:
    """The run's horizon in minutes, from its run_start event (a log without one, such as an
    empty selection of replications, is refused in words rather than with an IndexError)."""
    start = ev[ev.kind == "run_start"].duration_min
    if start.empty:
        raise ValueError("the event log holds no run_start event (no replication of the run selected?)")
    return float(start.iloc[0])


def inject_windows(ev: pd.DataFrame, end: float | None = None) -> pd.DataFrame:
    """Per inject: name, type, start and end minutes. The end is its inject_end row; without one,
    its start plus its logged duration (an inject of duration 0, such as a decoy or a tip, logs
    no end: its window is its instant), cut at `end`, the end of the run (the horizon unless
    given; a drill stopped early ends at the minute it was played to)."""
    horizon = horizon_of(ev) if end is None else end
    starts = ev[ev.kind == "inject"]
    ends = ev[ev.kind == "inject_end"].groupby("source").t.first()
    planned = (starts.t + starts.duration_min).fillna(horizon).clip(upper=horizon)
    return pd.DataFrame(
        {
            "name": starts.source.to_numpy(),
            "type": starts.detail.to_numpy(),
            "start": starts.t.to_numpy(),
            "end": starts.source.map(ends).fillna(planned).to_numpy(),
        }
    )


def down_intervals(ev: pd.DataFrame, end: float | None = None) -> pd.DataFrame:
    """Every outage of a sensor: sensor, node, start, end (`end`, the end of the run, if never
    repaired; see `inject_windows`). A drone's hours on the ground (its `flight` rows) are its
    schedule, not an outage: an outage is the time it is down while aloft, read from both kinds of
    row, so one that spans a landing or a take-off counts only its hours in the flight window."""
    horizon = horizon_of(ev) if end is None else end
    rows = []
    marks = ev[ev.kind.isin(["sensor_down", "sensor_up", "flight"])].sort_values("seq")
    for sensor, own in marks.groupby("sensor", sort=True):
        working, aloft, since, node = True, True, None, int(own.node.iloc[0])
        flights = (own.kind == "flight").any()
        for kind, t, detail in zip(own.kind, own.t, own.detail):
            if kind == "flight":
                aloft = detail == "aloft"
            else:
                working = kind == "sensor_up"
                if not flights and (working or detail == "grounded"):  # a log from before flight rows: a
                    aloft = working  # logged landing, and a drone that is up is aloft (as these logs were read)
            out = aloft and not working
            if out and since is None:
                since = t
            elif not out and since is not None:
                if t > since:
                    rows.append((sensor, node, since, t))
                since = None
        if since is not None and horizon > since:
            rows.append((sensor, node, since, horizon))
    return pd.DataFrame(rows, columns=["sensor", "node", "start", "end"])


def _sector(nodes: pd.DataFrame, node: pd.Series) -> pd.Series:
    names = nodes.sector.to_numpy()
    return pd.Series(np.where(node >= 0, names[node.clip(lower=0)], ""), index=node.index)


def _outcomes(ev: pd.DataFrame) -> pd.Series:
    ends = ev[ev.kind.isin(list(OUTCOMES)) & (ev.attempt >= 0)].groupby("attempt").head(1).set_index("attempt")
    return ends.kind.map(OUTCOMES) + " at " + ends.t.map(clock)


def _group(attempt: int, decoys: set[int] = frozenset()) -> str:
    if attempt < 0:
        return "false alarm"
    return f"decoy {attempt}" if attempt in decoys else f"group {attempt}"


def _raised_by(r) -> str:
    if r.shared_from:
        return f"passed on by {r.shared_from}"
    what = r.source.replace("_", " ")
    if r.sensor >= 0:
        return f"{what} sensor {r.sensor}"
    if r.unit >= 0:
        return f"{what} unit {r.unit}"
    return what


def _response(ev: pd.DataFrame, alerts: pd.DataFrame) -> list[str]:
    disp = ev[ev.kind == "dispatch"].groupby(["alert", "agency"]).head(1).set_index(["alert", "agency"])
    merged = set(zip(*[ev[ev.kind == "alert_merged"][c] for c in ("alert", "agency")]))
    no_unit = set(zip(*[ev[ev.kind == "no_unit"][c] for c in ("alert", "agency")]))
    out = []
    for r in alerts.itertuples():
        key = (r.alert, r.agency)
        if key in disp.index:
            d = disp.loc[key]
            out.append(f"unit {int(d.unit)} sent after {d.t - r.t:.1f} min")
        elif key in merged:
            out.append("joined an open incident")
        elif key in no_unit:
            out.append("no unit could be sent")
        else:
            out.append("none")
    return out


def _window(q: Question, windows: pd.DataFrame, horizon: float, problems: list[str]) -> tuple[float, float, str]:
    """A question's window in minutes and in words. An explicit [A-Bh] wins; one that runs past the
    end of the run is cut at the horizon (and says so); one that starts at or after it is a problem,
    and the inject's window (else the whole run) stands in its place."""
    late = ""
    if q.hours:
        (a, b), end_h = q.hours, horizon / 60.0
        if b * 60.0 <= horizon:
            return a * 60.0, b * 60.0, f"hours {a:g}-{b:g}"
        if a * 60.0 < horizon:
            return a * 60.0, horizon, f"hours {a:g}-{b:g}, cut at the end of the run (hour {end_h:g})"
        late = f"window {a:g}-{b:g}h starts at or after the end of the run (hour {end_h:g})"
    found = windows[windows.name == q.inject] if q.inject else windows.iloc[:0]
    if len(found):
        r = found.iloc[0]
        what = f"inject {r['name']} ({r.type.replace('_', ' ')})"
        problems += [f"{late}; the evidence below is for {what}"] if late else []
        return float(r.start), float(r.end), what
    problems += [f"{late}; the evidence below is for the whole run"] if late else []
    if q.inject:
        problems.append(f"no inject named {q.inject} in this run (injects: {', '.join(windows.name) or 'none'})")
    return 0.0, horizon, "the whole run"


def evidence(q: Question, ev: pd.DataFrame, nodes: pd.DataFrame, end: float | None = None) -> Evidence:
    """The counts and event lists a question's tag names, within its window and filters (`end`:
    the end of the run, see `inject_windows`)."""
    horizon = horizon_of(ev) if end is None else end
    problems = [q.problem] if q.problem else []
    t0, t1, what = _window(q, inject_windows(ev, horizon), horizon, problems)
    agencies = set(ev[ev.kind.isin(["asset", "alert", "dispatch"])].agency) - {""}
    if q.agency and q.agency not in agencies:
        problems.append(f"no agency or centre named {q.agency} (known: {', '.join(sorted(agencies))})")
    centres = set(ev[ev.kind == "centre"].agency)
    if q.agency in agencies and centres and q.agency not in centres:
        problems.append(
            f"{q.agency} has no command centre in this run (centres: {', '.join(sorted(centres))}): alerts "
            "reach those; its units' dispatches and interdictions are counted"
        )
    if q.sector and q.sector not in set(nodes.sector):
        problems.append(f"no sector named {q.sector} (sectors: {', '.join(sorted(set(nodes.sector)))})")
    scope = f"{what}: {clock(t0)} to {clock(t1)} (minutes {t0:g}-{t1:g})"
    scope += f"; agency {q.agency}" if q.agency else ""
    scope += f"; sector {q.sector}" if q.sector else ""

    w = ev[(ev.t >= t0) & (ev.t <= t1)]
    decoys = set(decoy_attempts(ev))
    decoy = w.attempt.isin(decoys)  # counted apart: not attempts, as in every metric
    sector = _sector(nodes, w.node)
    in_sector = (sector == q.sector) if q.sector else pd.Series(True, index=w.index)
    outcome = _outcomes(ev)

    alerts = w[(w.kind == "alert") & in_sector & ((w.agency == q.agency) if q.agency else True)]
    alert_list = pd.DataFrame(
        {
            "time": alerts.t.map(clock),
            "centre": alerts.agency,
            "raised by": [_raised_by(r) for r in alerts.itertuples()],
            "about": alerts.attempt.map(lambda a: _group(a, decoys)),
            "response": _response(ev, alerts),
        }
    )
    crossing_node = ev[ev.kind == "crossed"].groupby("attempt").node.first()
    lost = w[w.kind == "alert_lost"]
    if q.agency:
        lost = lost[(lost.agency == q.agency) | (lost.detail == q.agency)]
    if q.sector:  # a lost alert has no place: the sector its group crossed in
        lost = lost[_sector(nodes, lost.attempt.map(crossing_node).fillna(-1).astype(int)) == q.sector]
    lost_list = pd.DataFrame(
        {
            "time": lost.t.map(clock),
            "from": lost.agency,
            "to": lost.detail,
            "why": lost.source.map(lambda s: REASONS.get(s, s)),
            "about": lost.attempt.map(lambda a: _group(a, decoys)),
            "the group's outcome": lost.attempt.map(outcome).fillna("under way at the end"),
        }
    )
    crossed = w[(w.kind == "crossed") & in_sector & ~decoy]
    down = down_intervals(ev, horizon)
    down_sector = _sector(nodes, down.node)
    sensor_sector = _sector(nodes, ev[(ev.kind == "asset") & (ev.sensor >= 0)].node)
    first_det = ev[ev.kind == "detection"].groupby("attempt").t.min()
    dark = []
    for r, sec in zip(crossed.itertuples(), _sector(nodes, crossed.node)):
        n_down = int(((down_sector == sec) & (down.start <= r.t) & (down.end > r.t)).sum())
        dark.append(f"{n_down} of {int((sensor_sector == sec).sum())}")
    crossing_list = pd.DataFrame(
        {
            "time": crossed.t.map(clock),
            "group": crossed.attempt.map(_group),
            "sector": _sector(nodes, crossed.node),
            "its sensors down": dark,
            "first detected": crossed.attempt.map(first_det).map(clock, na_action="ignore").fillna("never"),
            "outcome": crossed.attempt.map(outcome).fillna("under way at the end"),
        }
    )
    det = w[(w.kind == "detection") & in_sector & ~decoy]
    disp = w[(w.kind == "dispatch") & in_sector]
    inter = w[(w.kind == "interdiction") & in_sector]
    if q.agency:  # by its centre or of its units (a joint centre dispatches every agency's units)
        units = ev[(ev.kind == "asset") & (ev.unit >= 0)]
        unit_agency = disp.unit.map(dict(zip(units.unit, units.agency)))
        disp = disp[(disp.agency == q.agency) | (unit_agency == q.agency)]
        own_incidents = set(ev[(ev.kind == "dispatch") & (ev.agency == q.agency)].incident) - {-1}
        inter = inter[(inter.agency == q.agency) | inter.incident.isin(own_incidents)]  # its units', or after them
    decoys_stopped = inter[inter.attempt.isin(decoys)]
    inter = inter[~inter.attempt.isin(decoys)]
    got = w[(w.kind == "got_away") & ~decoy]
    if q.sector:
        got = got[_sector(nodes, got.attempt.map(crossing_node).fillna(-1).astype(int)) == q.sector]
    counts = {
        "attempts started": int(((w.kind == "attempt") & ~decoy).sum()),
        "crossings": len(crossed),
        "crossings while a sensor of their sector was down": sum(not d.startswith("0 ") for d in dark),
        "groups detected": int(det.attempt.nunique()),
        "alerts received": len(alerts),
        "alerts lost": len(lost),
        "dispatches": len(disp),
        "interdictions": len(inter),
        "got away": len(got),
    }
    if decoys:
        counts["decoys started"] = int(((w.kind == "attempt") & decoy).sum())
        counts["decoys interdicted"] = len(decoys_stopped)
    lists = {"alerts": alert_list, "alerts lost": lost_list, "crossings": crossing_list}
    findings = [_alerts_finding(ev, alerts), _lost_finding(lost_list), _crossings_finding(crossing_list)]
    return Evidence(scope, problems, [f for f in findings if f], counts, lists)


def _alerts_finding(ev: pd.DataFrame, alerts: pd.DataFrame) -> str:
    """How the alerts were answered: units sent and after how long, merged, none free."""
    if not len(alerts):
        return ""
    disp = ev[ev.kind == "dispatch"].groupby(["alert", "agency"]).t.first()
    sent_at = disp.reindex(list(zip(alerts.alert, alerts.agency))).to_numpy()
    waits = pd.Series(sent_at - alerts.t.to_numpy()).dropna()
    responses = _response(ev, alerts)
    sent = f"{len(waits)} led to a unit being sent"
    if len(waits):
        sent += f", after a median of {waits.median():.1f} min (longest {waits.max():.1f} min)"
    merged = sum(r == "joined an open incident" for r in responses)
    none = sum(r == "no unit could be sent" for r in responses)
    rest = len(alerts) - len(waits) - merged - none
    return (
        f"{len(alerts)} alerts: {sent}; {merged} joined an open incident; {none} found no unit to send"
        + (f"; {rest} had no response logged" if rest else "")
        + "."
    )


def _lost_finding(lost: pd.DataFrame) -> str:
    if not len(lost):
        return ""
    down = int((lost.why == REASONS["comms_down"]).sum())
    fate = lost.drop_duplicates("about")["the group's outcome"].str.replace(r" at day .*", "", regex=True)
    fate = fate.value_counts()
    fates = ", ".join(f"{n} {what}" for what, n in fate.items())
    return (
        f"{len(lost)} passed alerts lost ({down} to a link that was down, {len(lost) - down} in passing on), "
        f"about {lost.about.nunique()} group(s): {fates}."
    )


def _crossings_finding(crossings: pd.DataFrame) -> str:
    if not len(crossings):
        return ""
    dark = crossings[~crossings["its sensors down"].str.startswith("0 ")]
    seen = int((dark["first detected"] != "never").sum())
    return (
        f"{len(crossings)} crossings, {len(dark)} while a sensor of their sector was down; of these {seen} "
        f"group(s) were detected at some time and {len(dark) - seen} never."
    )
