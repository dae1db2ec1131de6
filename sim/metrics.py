"""Event log -> one summary row per replication. Every metric is defined here, once.

Definitions (all from the event log, `sim/recorder.py` documents the columns):
- attempts: `attempt` events. resolved = interdicted + got_away + turned_back; under_way = the rest.
- interdiction_rate = interdicted / resolved; effectiveness_rate = (interdicted + turned_back) /
  resolved (the CBP "interdiction effectiveness rate" shape).
- detected = attempts with >= 1 detection (distinct groups); detection_rate = detected / attempts;
  detections = detection events; detections_<source>: detection events by source (tower, ground,
  patrol).
- apprehended: persons taken (interdiction.size); escaped_at_contact: group size minus persons
  taken, summed over interdictions; seized_kg: interdiction.quantity_kg.
- time_to_first_detection_min: first detection minus attempt start, over detected attempts.
- alert_to_dispatch_min: dispatch time minus the time of the alert that caused it (queue +
  handling); dispatch_to_arrival_min: arrival minus dispatch of the same incident; mean and p90.
- alerts, false_alarms (alerts whose ground truth is no attempt): first-hand alerts only (not the
  copies passed on by liaison, nor the second receipt of a task-force centre); alert_wait_min
  (mean operator queue wait, every receipt), alerts_merged, alerts_no_unit.
- responses = dispatches; responses_to_resolved = dispatches for a group that was already
  interdicted, got away or turned back (logged before the dispatch: the centre cannot know which
  group an alert is about); wasted_responses = dispatches caused by a false alarm plus
  responses_to_resolved;
  responses_found = interdictions made by a responding unit.
- patrol_utilisation = unit busy minutes / unit on-duty minutes; busy runs from a dispatch or a
  patrol contact to the unit's next unit_free (clipped at the horizon).
- decoys (attempts with cargo "decoy", sent by a decoy inject) are not attempts: they are counted
  in `decoys` / `decoys_interdicted` and left out of every attempt-based metric.
- coordination: alerts_shared / alerts_relayed / alerts_lost (alert_shared / alert_lost events),
  share_delay_min (mean delay of shared alerts), detection_to_interdiction_min (mean and p90,
  interdiction time minus the group's first detection), responses_outside_jurisdiction
  (dispatches under an MOU or a task force), partner_tips / community_tips / tips (alerts by source; `tips` come
  from tip injects, e.g. a trainer's in a live drill),
  interdicted.<agency> (by the apprehending unit's agency or the port's), responses.<centre>,
  alerts_shared.<agency> / alerts_lost.<agency> (by the sending agency).
- cost, defined once (`annualised_capital`, used by every figure and feature that costs
  anything): capital_usd is the outlay of all assets; capital_share_usd is the capital's
  equivalent annual cost times the horizon in years: capital x CRF(r, L) x horizon / 365 days,
  with L the asset's lifetime_years and CRF(r, L) = r / (1 - (1 + r)^-L) the capital recovery
  factor at the scenario's real discount rate r (costs.discount_rate; r = 0 gives straight-line
  capital / L per year); an asset that outlives the horizon pays only its share, one that does
  not is replaced at the same annual cost; an asset that enters service later (a sensor group's
  installed_day: its asset row's time) pays from then. operating_usd = opex_usd_per_day x days
  active (from entering service to the horizon for sensors, barriers and ports, time on duty
  for units); cost_usd = capital_share_usd
  + operating_usd, per agency in cost_usd.<agency>; cost_per_interdiction_usd = cost_usd /
  interdicted.
- ports of entry (`port_metrics`, from the port-vehicle table of sim/agents/ports.py, attempt -1 =
  legitimate, and the smuggling vehicles' event rows): port_vehicles = legitimate vehicles released
  (an exit before the horizon); port_wait_min / port_wait_p50_min / port_wait_p95_min = mean,
  median and 95th percentile of the legitimate vehicles' wait in the primary queue, from joining
  the line to reaching a booth (primary_start - arrival; the published "border wait time");
  port_time_in_port_min = mean total time in port of released legitimate vehicles (exit -
  arrival); port_secondary_legit = legitimate vehicles referred to secondary; port_seizures =
  smuggling vehicles whose cargo was found (port_seizure); port_smuggling_passed = smuggling
  vehicles released (port_exit). Counts are 0 and times NaN when there are no ports.
- corridors (`corridor_metrics`; the border cut into corridors, sim/terrain/corridors.py): a
  counted crossing is a `crossed` event through the terrain (not a port) of a real attempt, at or
  after run_start.measure_from_min (scenario corridors.measure_from_day); corridor_crossings =
  counted crossings; crossings.<corridor> = those in each corridor (every corridor, 0 included);
  the share of a corridor = crossings.<corridor> / corridor_crossings (`corridor_shares`);
  route_entropy_bits = -sum(share x log2 share) (0: one corridor; log2 n: n equally used);
  corridors_over_5pct = corridors with a share >= 0.05; border_km_used = the length of the
  corridors with at least one counted crossing; got_away_measured = got_away events at or after
  the same time; got_away_difficulty = mean difficulty (mean slowness of the corridor's border
  cells) of the corridors the counted crossings of groups that got away went through. Over time:
  `corridor_crossings_by_period` (crossings and shares per corridor per period) and
  `interdiction_rate_by_week` (the learning curve: interdicted / resolved by the week of the
  outcome). `displacement_index` compares two paired runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.recorder import PORT_SCHEMA


def _mean(x: pd.Series) -> float:
    return float(x.mean()) if len(x) else math.nan


def _p90(x: pd.Series) -> float:
    return float(np.percentile(x, 90)) if len(x) else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _unit_marks(ev: pd.DataFrame, mask: np.ndarray) -> Iterator[tuple[int, Iterator[tuple[int, str, float]]]]:
    """The (unit, kind, t) of the rows in `mask`, grouped by unit (ascending), each unit's rows
    in log order (seq), from plain lists: the per-unit loops below read a few hundred rows,
    which lists serve far faster than a pandas sort and groupby (the same rows in the same
    order, so the same float sums)."""
    unit = ev.unit.to_numpy()[mask]
    order = np.lexsort((ev.seq.to_numpy()[mask], unit))
    rows = zip(unit[order].tolist(), ev.kind.to_numpy()[mask][order].tolist(), ev.t.to_numpy()[mask][order].tolist())
    return groupby(rows, key=itemgetter(0))


def _on_duty_minutes(ev: pd.DataFrame, horizon: float) -> pd.Series:
    """Minutes on duty per unit: shift_start .. shift_end pairs, open shifts clipped at horizon."""
    total: dict[int, float] = {}
    for unit, rows in _unit_marks(ev, ev.kind.isin(["shift_start", "shift_end"]).to_numpy()):
        start = None
        acc = 0.0
        for _, kind, t in rows:
            if kind == "shift_start":
                start = t
            elif start is not None:
                acc += t - start
                start = None
        if start is not None:
            acc += horizon - start
        total[unit] = acc
    return pd.Series(total, dtype=float)


def _busy_minutes(ev: pd.DataFrame, horizon: float) -> float:
    """Sum over units of time from becoming busy (dispatch / patrol contact) to unit_free."""
    k = ev.kind
    marks = (k == "dispatch") | (k == "unit_free") | ((k == "interdiction") & (ev.source == "patrol"))
    busy = 0.0
    for _, rows in _unit_marks(ev, marks.to_numpy()):
        start = None
        for _, kind, t in rows:
            if kind == "unit_free":
                if start is not None:
                    busy += t - start
                start = None
            elif start is None:
                start = t
        if start is not None:
            busy += horizon - start
    return busy


def _quantile(x: pd.Series, q: float) -> float:
    return float(np.percentile(x, q)) if len(x) else math.nan


def annualised_capital(capital: np.ndarray, lifetime_years: np.ndarray, discount_rate: float) -> np.ndarray:
    """Equivalent annual cost of capital outlays: capital x r / (1 - (1 + r)^-L), the capital
    recovery factor at real discount rate r over a life of L years (r = 0: capital / L)."""
    capital, life = np.asarray(capital, dtype=float), np.asarray(lifetime_years, dtype=float)
    if discount_rate == 0:
        return capital / life
    return capital * discount_rate / (1.0 - (1.0 + discount_rate) ** -life)


def port_metrics(ev: pd.DataFrame, vehicles: pd.DataFrame | None) -> dict[str, float]:
    """Ports-of-entry metrics of one run (definitions in the module docstring)."""
    v = vehicles if vehicles is not None else PORT_SCHEMA.empty_table().to_pandas()
    legit = v[v.attempt < 0]
    released = legit[legit.exit.notna()]
    waits = (legit.primary_start - legit.arrival).dropna()
    kind = ev.kind
    return {
        "port_vehicles": len(released),
        "port_wait_min": _mean(waits),
        "port_wait_p50_min": _quantile(waits, 50),
        "port_wait_p95_min": _quantile(waits, 95),
        "port_time_in_port_min": _mean(released.exit - released.arrival),
        "port_secondary_legit": int(legit.referred.sum()),
        "port_seizures": int((kind == "port_seizure").sum()),
        "port_smuggling_passed": int(((kind == "port_exit") & (ev.attempt >= 0)).sum()),
    }


def _measure_from(ev: pd.DataFrame) -> float:
    """When the corridor metrics start counting (run_start.measure_from_min; 0 if not logged)."""
    start = ev[ev.kind == "run_start"].measure_from_min.iloc[0]
    return 0.0 if np.isnan(start) else float(start)


def corridor_metrics(ev: pd.DataFrame, real_ids: pd.Series, got: pd.DataFrame) -> dict[str, float]:
    """Crossings per corridor and how spread they are (definitions in the module docstring).
    `real_ids`: the attempts that are not decoys; `got`: their got_away events."""
    corridors = ev[ev.kind == "corridor"].sort_values("size")
    start = _measure_from(ev)
    crossed = ev[(ev.kind == "crossed") & (ev.source != "") & (ev.t >= start) & ev.attempt.isin(real_ids)]
    counts = crossed.source.value_counts().reindex(corridors.source, fill_value=0)
    total = int(counts.sum())
    share = counts.to_numpy() / total if total else np.full(len(counts), np.nan)
    used = counts.to_numpy() > 0
    nonzero = share[share > 0]
    difficulty = dict(zip(corridors.source, corridors.difficulty))
    escaped = crossed[crossed.attempt.isin(got.attempt)]
    row: dict[str, float] = {
        "corridor_crossings": total,
        "route_entropy_bits": float(-(nonzero * np.log2(nonzero)).sum()) if total else math.nan,
        "corridors_over_5pct": int((share >= 0.05).sum()) if total else 0,
        "border_km_used": float((corridors.to_km - corridors.from_km).to_numpy()[used].sum()),
        "got_away_measured": int((got.t >= start).sum()),
        "got_away_difficulty": _mean(escaped.source.map(difficulty)),
    }
    for name, n in counts.items():
        row[f"crossings.{name}"] = int(n)
    return row


def corridor_shares(summary: pd.DataFrame) -> pd.DataFrame:
    """Each corridor's share of the counted crossings, per summary row (columns: the corridor
    names): crossings.<corridor> / corridor_crossings (NaN for a row without crossings)."""
    cols = [c for c in summary.columns if c.startswith("crossings.")]
    total = summary.corridor_crossings.where(summary.corridor_crossings > 0)
    return summary[cols].div(total, axis=0).rename(columns=lambda c: c.removeprefix("crossings."))


def corridor_crossings_by_period(ev: pd.DataFrame, period_days: float = 7.0) -> pd.DataFrame:
    """Crossings through the terrain per corridor and period of `period_days` (from t = 0, the
    warm-up included), with each corridor's share of its period: columns period (0, 1, ...),
    day (the period's first day), corridor, crossings, share. Decoys are left out."""
    decoys = ev[(ev.kind == "attempt") & (ev.cargo == "decoy")].attempt
    crossed = ev[(ev.kind == "crossed") & (ev.source != "") & ~ev.attempt.isin(decoys)]
    names = ev[ev.kind == "corridor"].sort_values("size").source.tolist()
    horizon = float(ev[ev.kind == "run_start"].duration_min.iloc[0])
    n_periods = max(1, math.ceil(horizon / (period_days * 1440.0)))
    period = np.minimum((crossed.t.to_numpy() // (period_days * 1440.0)).astype(int), n_periods - 1)
    counts = (
        pd.DataFrame({"period": period, "corridor": crossed.source.to_numpy()})
        .value_counts()
        .reindex(pd.MultiIndex.from_product([range(n_periods), names], names=["period", "corridor"]), fill_value=0)
        .rename("crossings")
        .reset_index()
    )
    per = counts.groupby("period").crossings.transform("sum")
    counts["share"] = counts.crossings / per.where(per > 0)
    counts.insert(1, "day", counts.period * period_days)
    return counts


def interdiction_rate_by_week(ev: pd.DataFrame) -> pd.DataFrame:
    """The learning curve: per week of the outcome (0, 1, ...), real attempts resolved
    (interdicted, got away or turned back), interdicted, and interdicted / resolved."""
    decoys = ev[(ev.kind == "attempt") & (ev.cargo == "decoy")].attempt
    ends = ev[ev.kind.isin(["interdiction", "got_away", "turned_back"]) & ~ev.attempt.isin(decoys)]
    ends = ends.sort_values("seq").drop_duplicates("attempt")  # a group's first outcome (partial catches)
    horizon = float(ev[ev.kind == "run_start"].duration_min.iloc[0])
    weeks = max(1, math.ceil(horizon / (7 * 1440.0)))
    week = np.minimum((ends.t.to_numpy() // (7 * 1440.0)).astype(int), weeks - 1)
    out = pd.DataFrame({"week": range(weeks)})
    out["resolved"] = np.bincount(week, minlength=weeks)
    out["interdicted"] = np.bincount(week[ends.kind.to_numpy() == "interdiction"], minlength=weeks)
    out["interdiction_rate"] = out.interdicted / out.resolved.where(out.resolved > 0)
    return out


def displacement_index(control: pd.Series, treated: pd.Series, corridors: list[str]) -> float:
    """Share of the flow through `corridors` (the treated ones) that moved elsewhere, from a pair
    of runs with the same seed: (control share - treated share) / control share, with shares of
    the counted crossings (`corridor_shares` rows). 0: no displacement; 1: all of it moved;
    NaN when the control run had no crossing there."""
    before = float(control[corridors].sum())
    after = float(treated[corridors].sum())
    return (before - after) / before if before > 0 else math.nan


def first_hand(alerts: pd.DataFrame) -> pd.DataFrame:
    """Alert receipts that are new alerts: not a liaison copy (shared_from) nor a second
    centre's receipt of the same alert (second_centre), see CommandCentre.receive."""
    return alerts[(alerts.shared_from == "") & ~alerts.second_centre]


def coordination_metrics(
    get, inter: pd.DataFrame, first_det: pd.Series, alerts: pd.DataFrame, decoy_ids: set
) -> dict[str, float]:
    """Sharing between agencies, how fast detections turn into interdictions, who did what.
    `first_det`: each group's first detection time; `alerts`: first-hand alerts."""
    shared, lost, disp = get("alert_shared"), get("alert_lost"), get("dispatch")
    caught = inter[inter.attempt.isin(first_det.index)]
    d2i = caught.t.to_numpy() - first_det.reindex(caught.attempt).to_numpy()
    decoy_inter = get("interdiction")
    row: dict[str, float] = {
        "alerts_shared": len(shared),
        "alerts_relayed": int(shared.relayed.sum()),
        "alerts_lost": len(lost),
        "share_delay_min": _mean(shared.duration_min),
        "detection_to_interdiction_min": _mean(pd.Series(d2i)),
        "detection_to_interdiction_p90_min": _p90(d2i),
        "responses_outside_jurisdiction": int(disp.detail.isin(["mou", "task_force"]).sum()),
        "partner_tips": int((alerts.source == "partner_tip").sum()),
        "community_tips": int((alerts.source == "community_tip").sum()),
        "tips": int((alerts.source == "tip").sum()),
        "decoys": len(decoy_ids),
        "decoys_interdicted": int(decoy_inter.attempt.isin(decoy_ids).sum()),
    }
    for agency, n in inter.groupby("agency").size().items():
        row[f"interdicted.{agency}"] = int(n)
    for agency, n in shared.groupby("agency").size().items():
        row[f"alerts_shared.{agency}"] = int(n)
    for agency, n in lost.groupby("agency").size().items():
        row[f"alerts_lost.{agency}"] = int(n)
    for centre, n in disp.groupby("agency").size().items():
        row[f"responses.{centre}"] = int(n)
    return row


def responses_to_resolved(disp: pd.DataFrame, outcomes: pd.DataFrame) -> int:
    """Dispatches whose alert's group had an outcome logged before the dispatch."""
    ended = outcomes.groupby("attempt").seq.min()
    end_seq = ended.reindex(disp.attempt).to_numpy()
    return int(((disp.attempt.to_numpy() >= 0) & (end_seq < disp.seq.to_numpy())).sum())


def dispatch_to_arrival(disp: pd.DataFrame, arr: pd.DataFrame) -> pd.DataFrame:
    """Per arrival: the dispatching centre (agency) and minutes from its incident's dispatch."""
    disp_t = disp.set_index("incident")
    return pd.DataFrame(
        {
            "agency": disp_t.agency.reindex(arr.incident).to_numpy(),
            "minutes": arr.t.to_numpy() - disp_t.t.reindex(arr.incident).to_numpy(),
        }
    )


def summarize(
    events: pa.Table | pd.DataFrame, port_vehicles: pa.Table | pd.DataFrame | None = None
) -> dict[str, float]:
    """The per-replication summary row computed from one event log (and its port-vehicle table,
    part of the log: sim/agents/ports.py)."""
    ev = events.to_pandas() if isinstance(events, pa.Table) else events
    vehicles = port_vehicles.to_pandas() if isinstance(port_vehicles, pa.Table) else port_vehicles
    by = {k: g for k, g in ev.groupby("kind")}
    empty = ev.iloc[0:0]
    get = lambda k: by.get(k, empty)  # noqa: E731
    horizon = float(get("run_start").duration_min.iloc[0])
    all_attempts = get("attempt")
    decoy_ids = set(all_attempts[all_attempts.cargo == "decoy"].attempt)
    real = lambda frame: frame[~frame.attempt.isin(decoy_ids)]  # noqa: E731  (decoys are not attempts)
    attempts, inter = real(all_attempts), real(get("interdiction"))
    got, back, det = real(get("got_away")), real(get("turned_back")), real(get("detection"))
    alerts, disp, arr = get("alert"), get("dispatch"), get("arrival")
    new_alerts = first_hand(alerts)
    n_att = len(attempts)
    resolved = len(inter) + len(got) + len(back)

    first_det = det.groupby("attempt").t.min()
    start_t = attempts.set_index("attempt").t
    ttd = (first_det - start_t.reindex(first_det.index)).dropna()
    alert_t = alerts.set_index("alert").t
    a2d = disp.t.to_numpy() - alert_t.reindex(disp.alert).to_numpy()
    d2a = dispatch_to_arrival(disp, arr).minutes.to_numpy()
    sizes = attempts.set_index("attempt")["size"]
    escaped = (sizes.reindex(inter.attempt).to_numpy() - inter["size"].to_numpy()).sum() if len(inter) else 0

    to_resolved = responses_to_resolved(disp, pd.concat([inter, got, back]))
    on_duty = _on_duty_minutes(ev, horizon)
    assets = get("asset")
    in_service = (horizon - assets.t.to_numpy()) / 1440.0  # days from entering service (asset row)
    days_active = np.where(assets.unit >= 0, assets.unit.map(on_duty).fillna(0.0) / 1440.0, in_service)
    opex = assets.opex_usd_per_day.fillna(0.0).to_numpy() * days_active
    capital = assets.capital_usd.fillna(0.0).to_numpy()
    rate = get("run_start").discount_rate.iloc[0]
    annual = annualised_capital(capital, assets.lifetime_years.to_numpy(), 0.0 if np.isnan(rate) else float(rate))
    share = annual * in_service / 365.0

    row: dict[str, float] = {
        "horizon_days": horizon / 1440.0,
        "attempts": n_att,
        "persons_attempted": float(attempts["size"].sum()),
        "interdicted": len(inter),
        "got_away": len(got),
        "turned_back": len(back),
        "under_way": n_att - resolved,
        "interdiction_rate": _ratio(len(inter), resolved),
        "effectiveness_rate": _ratio(len(inter) + len(back), resolved),
        "detections": len(det),
        "detected": int(det.attempt.nunique()),
        "detection_rate": _ratio(det.attempt.nunique(), n_att),
        "apprehended": float(inter["size"].sum()),
        "escaped_at_contact": float(escaped),
        "seized_kg": float(inter.quantity_kg.sum()),
        "time_to_first_detection_min": _mean(ttd),
        "alerts": len(new_alerts),
        "false_alarms": int((new_alerts.attempt < 0).sum()),
        "alert_wait_min": _mean(get("alert_handled").duration_min),
        "alerts_merged": len(get("alert_merged")),
        "alerts_no_unit": len(get("no_unit")),
        "responses": len(disp),
        "wasted_responses": int((disp.attempt < 0).sum()) + to_resolved,
        "responses_to_resolved": to_resolved,
        "responses_found": int((inter.source == "response").sum()),
        "alert_to_dispatch_min": _mean(pd.Series(a2d)),
        "alert_to_dispatch_p90_min": _p90(a2d),
        "dispatch_to_arrival_min": _mean(pd.Series(d2a)),
        "dispatch_to_arrival_p90_min": _p90(d2a),
        "patrol_utilisation": _ratio(_busy_minutes(ev, horizon), float(on_duty.sum())),
        "capital_usd": float(capital.sum()),
        "capital_share_usd": float(share.sum()),
        "operating_usd": float(opex.sum()),
        "cost_usd": float(share.sum() + opex.sum()),
        "cost_per_interdiction_usd": _ratio(float(share.sum() + opex.sum()), len(inter)),
    }
    for src in ("tower", "ground", "patrol"):
        row[f"detections_{src}"] = int((det.source == src).sum())
    row.update(coordination_metrics(get, inter, first_det, new_alerts, decoy_ids))
    for agency, idx in assets.groupby("agency").groups.items():
        pos = assets.index.get_indexer(idx)
        row[f"cost_usd.{agency}"] = float(share[pos].sum() + opex[pos].sum())
    row.update(port_metrics(ev, vehicles))
    row.update(corridor_metrics(ev, attempts.attempt, got))
    return row
