"""The seats of a live drill in the after-action review, from the event log alone: per agency the
orders given, the time from alert to order and the outcomes; every order in words; and, beside a
counterfactual run (sim/drill/counterfactual.py: the automatic dispatcher in place of the human
seats), each attempt's outcome in both, so the trainer can show what the standard procedure would
have done beside what the team did.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from analysis.labels import clock, number
from sim.metrics import decoy_attempts, dispatch_results

OUTCOMES = {"interdiction": "interdicted", "got_away": "got away", "turned_back": "turned back"}


def human_seats(ev: pd.DataFrame) -> list[str]:
    """The centres whose seats decided in this run (its `mode` rows)."""
    modes = ev[ev.kind == "mode"]
    return sorted(modes[modes.detail == "human"].agency)


def order_outcomes(ev: pd.DataFrame) -> pd.DataFrame:
    """Every order carried out or refused, in time order: time, seat, order, what the seat had
    been told (alerts received), minutes from the alert behind it, and what came of it."""
    orders = ev[ev.kind.isin(["order", "order_refused"])].sort_values("seq")
    alert_t = ev[ev.kind == "alert"].groupby("alert").t.min()
    results = _dispatch_results(ev)
    rows = []
    for r in orders.itertuples():
        result = f"refused: {r.reason}" if r.kind == "order_refused" else "done"
        if r.kind == "order" and r.detail == "dispatch":
            # the dispatch row an order carried out logs just before it, at the same minute
            sent = results[(results.t == r.t) & (results.unit == r.unit) & (results.seq < r.seq)].tail(1)
            if len(sent) and sent.interdicted.iloc[0] >= 0:
                result = f"interdicted group {int(sent.interdicted.iloc[0])}"
            elif len(sent) and sent.arrived_min.iloc[0] == sent.arrived_min.iloc[0]:
                result = f"arrived after {sent.arrived_min.iloc[0]:.0f} min, nobody found"
            else:
                result = "did not arrive (recalled, diverted or under way)"
        rows.append(
            {
                "time": clock(r.t),
                "seat": r.seat.replace("_", " "),
                "order": _order_words(r),
                "told (alerts)": int(r.told),
                "alert to order (min)": number(r.t - alert_t[r.alert], 1) if r.alert in alert_t.index else "",
                "outcome": result,
            }
        )
    return pd.DataFrame(rows)


def _dispatch_results(ev: pd.DataFrame) -> pd.DataFrame:
    """Every dispatch row with what came of it (sim/metrics.py's dispatch_results)."""
    disp = ev[ev.kind == "dispatch"].sort_values("seq").reset_index(drop=True)
    found = dispatch_results(disp, ev[ev.kind == "arrival"], ev[ev.kind == "interdiction"])
    return pd.concat([disp[["seq", "t", "unit", "incident", "agency"]], found], axis=1)


def _order_words(r) -> str:
    to = f"incident {r.incident}" if r.incident >= 0 else f"cell {r.node}"
    partner = str(r.unit_agency).replace("_", " ")
    return {
        "dispatch": f"dispatch unit {r.unit} to {to}",
        "recall": f"recall unit {r.unit}",
        "hold": f"hold unit {r.unit}",
        "share": f"share alert A{r.alert} with {partner}",
        "mou": f"ask {partner} for support (MOU) at incident {r.incident}",
        "close": f"close incident {r.incident}",
    }.get(r.detail, r.detail)


def seat_summary(ev: pd.DataFrame) -> pd.DataFrame:
    """Per seat: orders by kind, refusals, looks, time from alert to dispatch order (mean,
    median), incidents left without an order, and what its dispatches found."""
    alert_t = ev[ev.kind == "alert"].groupby("alert").t.min()
    results = _dispatch_results(ev)
    rows = []
    for seat in human_seats(ev):
        mine = ev[ev.seat == seat]
        orders = mine[mine.kind == "order"]
        sent = orders[(orders.detail == "dispatch") & orders.alert.isin(alert_t.index)]
        waits = (sent.t - sent.alert.map(alert_t)).to_numpy()
        opened = ev[(ev.kind == "incident_open") & (ev.agency == seat)].incident
        dispatched = results[results.agency == seat]
        rows.append(
            {
                "seat": seat.replace("_", " "),
                **{f"{k} orders": int((orders.detail == k).sum()) for k in ("dispatch", "recall", "hold", "share")},
                "MOU requests": int((orders.detail == "mou").sum()),
                "closed": int((orders.detail == "close").sum()),
                "refused": int((mine.kind == "order_refused").sum()),
                "looks": int((mine.kind == "look").sum()),
                "alert to order, mean (min)": number(float(np.mean(waits)), 1) if len(waits) else "",
                "alert to order, median (min)": number(float(np.median(waits)), 1) if len(waits) else "",
                "incidents never sent to": int((~opened.isin(set(dispatched.incident))).sum()),
                "interdictions by its dispatches": int((dispatched.interdicted >= 0).sum()),
            }
        )
    return pd.DataFrame(rows)


def counterfactual_runs(run_dir: Path) -> dict[str, pd.DataFrame]:
    """name -> event log of each counterfactual written beside the drill (counterfactual/<name>/)."""
    root = run_dir / "counterfactual"
    if not root.is_dir():
        return {}
    return {d.name: pq.read_table(d / "events").to_pandas() for d in sorted(root.iterdir()) if (d / "events").is_dir()}


def outcomes(ev: pd.DataFrame) -> pd.DataFrame:
    """Per attempt (decoys left out): outcome, its minute, first dispatch minute."""
    att = ev[(ev.kind == "attempt") & ~ev.attempt.isin(decoy_attempts(ev))].set_index("attempt")
    ends = ev[ev.kind.isin(list(OUTCOMES)) & (ev.attempt >= 0)].groupby("attempt").first()
    first_dispatch = ev[(ev.kind == "dispatch") & (ev.attempt >= 0)].groupby("attempt").t.min()
    out = pd.DataFrame(index=att.index)
    out["outcome"] = ends.kind.reindex(att.index).map(OUTCOMES).fillna("under way")
    out["at"] = ends.t.reindex(att.index)
    out["first dispatch"] = first_dispatch.reindex(att.index)
    return out


def compare(ev: pd.DataFrame, other: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The team's run beside a counterfactual: totals per outcome, and per attempt where the two
    differ (outcome or first dispatch), with the minutes in words."""
    mine, theirs = outcomes(ev), outcomes(other)
    both = mine.add_suffix(" (team)").join(theirs.add_suffix(" (standard)"), how="outer")
    totals = pd.DataFrame(
        {
            "team": mine.outcome.value_counts(),
            "standard procedure": theirs.outcome.value_counts(),
        }
    ).fillna(0)
    totals = totals.astype(int).reset_index(names="outcome")
    a, b = both["outcome (team)"], both["outcome (standard)"]
    fa, fb = both["first dispatch (team)"], both["first dispatch (standard)"]
    differ = (a != b) | ~((fa == fb) | (fa.isna() & fb.isna()))
    rows = both[differ]
    table = pd.DataFrame(
        {
            "attempt": [f"#{i}" for i in rows.index],
            "team: outcome": rows["outcome (team)"].to_numpy(),
            "team: first dispatch": [clock(t) if t == t else "none" for t in rows["first dispatch (team)"]],
            "standard: outcome": rows["outcome (standard)"].to_numpy(),
            "standard: first dispatch": [clock(t) if t == t else "none" for t in rows["first dispatch (standard)"]],
        }
    )
    return totals, table
