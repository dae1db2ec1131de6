"""Event log -> one summary row per replication. Every metric is defined here, once.

Definitions (all from the event log, `sim/recorder.py` documents the columns):
- horizon_days: the run's horizon (run_start.duration_min / 1440).
- attempts: `attempt` events; persons_attempted = the persons in them (attempt.size). resolved =
  interdicted + got_away + turned_back; under_way = the rest.
- interdiction_rate = interdicted / resolved; effectiveness_rate = (interdicted + turned_back) /
  resolved (the CBP "interdiction effectiveness rate" shape).
- detected = attempts with >= 1 detection (distinct groups); detection_rate = detected / attempts
  (a group found by a unit's search after a tip, with no detection event, is interdicted but not
  detected, and is in neither time_to_first_detection_min nor detection_to_interdiction_min);
  detections = detection events; detections_<source>: detection events by source (tower, ground,
  drone, patrol always, 0 included; a plug-in sensor type in the runs that place one, NaN in a table
  that combines them with runs that place none).
- apprehended: persons taken (interdiction.size); escaped_at_contact: group size minus persons
  taken, summed over interdictions; seized_kg: interdiction.quantity_kg.
- time_to_first_detection_min: first detection minus attempt start, over detected attempts.
- alert_to_dispatch_min: dispatch time minus the time of the alert that caused it (queue +
  handling; a drill seat's later dispatch to the same incident, after a recall, counts from the
  incident's first alert, as the dispatch row names it; a dispatch to a cell has no alert and is
  left out); dispatch_to_arrival_min: arrival minus the latest dispatch of the same unit to
  the same incident before it (a live drill's seat may recall a unit and send it, or another,
  there again); mean and p90.
- alerts, false_alarms (alerts whose ground truth is no attempt): first-hand alerts only (not the
  copies passed on by liaison, nor the second receipt of a task-force centre); alert_wait_min
  (mean operator queue wait, every receipt), alerts_merged; alerts_no_unit = first-hand alerts
  for which a centre could task no unit and no centre answered (sent a unit on any receipt of
  it, or joined it to an open incident): under a task force or liaison one centre's "no unit"
  is not counted when another answered.
- responses = dispatches; responses_to_resolved = dispatches for a group (a decoy too) that was
  already interdicted, got away or turned back (logged before the dispatch: the centre cannot know
  which group an alert is about); wasted_responses = dispatches caused by a false alarm (an alert
  whose ground truth is no attempt; a drill seat's dispatch to a cell has no alert and is not
  one) plus responses_to_resolved;
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
  alerts_shared.<agency> / alerts_lost.<agency> (by the sending agency); each of these is given
  for every agency with assets and every command centre (`centre` rows: a joint or task-force
  centre too), 0 when it had none.
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
  interdicted (none without an interdiction; over runs it is the ratio of the means, total cost
  over total interdictions: RATIO_METRICS).
- ports of entry (`port_metrics`, from the port-vehicle table of sim/agents/ports.py, attempt -1 =
  legitimate, and the smuggling vehicles' event rows): port_vehicles = legitimate vehicles released
  (an exit before the horizon); port_wait_min / port_wait_p50_min / port_wait_p95_min = mean,
  median and 95th percentile of the legitimate vehicles' wait in the primary queue, from joining
  the line to reaching a booth (primary_start - arrival; the published "border wait time") of
  those that reached one before the horizon; port_queued_at_end = legitimate vehicles still in the
  primary queue at the horizon (their waits are not counted: when it is more than a few, the
  queue did not keep up and the wait figures understate the waits, at twice the lanes' capacity
  by about half);
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
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.recorder import DECOY_CARGO, PORT_SCHEMA, SCHEMA


def _mean(x) -> float:
    """Mean of the values that are not NaN (NaN if none), summed as pandas does: NaN as 0, then
    the sum over the count, so a figure is the same to the last bit whichever form it is read in."""
    x = np.asarray(x, dtype=float)
    missing = np.isnan(x)
    n = x.size - int(missing.sum())
    if not n:
        return math.nan
    return float((np.where(missing, 0.0, x) if n < x.size else x).sum() / n)


def _zero_nan(x: np.ndarray) -> np.ndarray:
    """NaN as 0 (pandas' fillna(0.0)); infinities stay."""
    return np.where(np.isnan(x), 0.0, x)


def _sum(x: np.ndarray) -> float:
    """Sum skipping NaN (pandas' Series.sum)."""
    return float(_zero_nan(x).sum()) if x.dtype.kind == "f" else float(x.sum())


def _p90(x) -> float:
    """90th percentile of the values that are not NaN (NaN if none), the values `_mean` counts."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    return float(np.percentile(x, 90)) if x.size else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _quantile(x, q: float) -> float:
    return float(np.percentile(x, q)) if len(x) else math.nan


def _frame_column(frame: pd.DataFrame, name: str, schema: pa.Schema) -> np.ndarray:
    """A column of a pandas frame as NumPy in the type the schema gives it (text as Python
    strings), whatever dtype the frame holds it in (object, pandas' str, nullable, Arrow)."""
    i = schema.get_field_index(name)
    t = schema.field(i).type if i >= 0 else None
    if t is None:
        return frame[name].to_numpy(dtype=None if frame[name].dtype.kind in "biuf" else object)
    if pa.types.is_string(t):
        return frame[name].to_numpy(dtype=object)
    dtype = bool if pa.types.is_boolean(t) else np.int64 if pa.types.is_integer(t) else float
    return frame[name].to_numpy(dtype=dtype, na_value=math.nan) if dtype is float else frame[name].to_numpy(dtype=dtype)


LATER_COLUMNS = ("first_alert",)  # integer columns added to the schema later: -1 in older logs

# summary metrics that are a ratio of two of its per-run totals: over runs, the ratio of the totals'
# means (the mean of the runs' ratios would leave out every run whose denominator is 0)
RATIO_METRICS = {"cost_per_interdiction_usd": ("cost_usd", "interdicted")}  # metric: (numerator, denominator)


class _Log:
    """One event log as NumPy columns, each read once when first needed, and each kind's rows.
    A summary reads a few hundred rows through about a hundred small selections and sums: on
    plain arrays they cost microseconds each, on pandas frames about a third of a millisecond
    (the whole summary took 40-50 ms of a 150-200 ms demo replication)."""

    def __init__(self, events: pa.Table | pd.DataFrame) -> None:
        self._events = events
        self._columns: dict[str, np.ndarray] = {}
        if isinstance(events, pa.Table):
            encoded = pc.dictionary_encode(events.column("kind")).combine_chunks()
            codes, names = encoded.indices.to_numpy(), encoded.dictionary.to_pylist()
        else:
            codes, names = pd.factorize(events["kind"].to_numpy(dtype=object))
            names = names.tolist()
        order = np.argsort(codes, kind="stable")
        cuts = np.searchsorted(codes[order], np.arange(len(names) + 1)).tolist()
        self._at = {name: order[cuts[i] : cuts[i + 1]] for i, name in enumerate(names)}
        self._none = np.zeros(0, dtype=np.intp)

    def values(self, name: str, at: np.ndarray) -> np.ndarray:
        """Column `name` at rows `at`: a number column is read whole once; a text column of an
        Arrow log only at those rows (a whole one is thousands of Python strings)."""
        col = self._columns.get(name)
        if col is None:
            ev = self._events
            if name not in (ev.schema.names if isinstance(ev, pa.Table) else ev.columns) and name in LATER_COLUMNS:
                col = np.full(len(ev), -1, dtype=np.int64)  # a log written before the column existed
            elif not isinstance(ev, pa.Table):
                col = _frame_column(ev, name, SCHEMA)
            elif pa.types.is_string(ev.schema.field(name).type):
                return ev.column(name).take(at).to_numpy()
            else:
                col = ev.column(name).to_numpy()
            self._columns[name] = col
        return col[at]

    def rows(self, kind: str) -> _Rows:
        return _Rows(self, self._at.get(kind, self._none))


class _Rows:
    """Some rows of a `_Log` (positions in log order); `rows[name]` is that column's values."""

    __slots__ = ("log", "at")

    def __init__(self, log: _Log, at: np.ndarray) -> None:
        self.log, self.at = log, at

    def __getitem__(self, name: str) -> np.ndarray:
        return self.log.values(name, self.at)

    def __len__(self) -> int:
        return self.at.size

    def where(self, mask: np.ndarray) -> _Rows:
        return _Rows(self.log, self.at[mask])

    def among(self, ids: np.ndarray, keep: bool = True) -> _Rows:
        """The rows whose attempt is (`keep`) or is not in `ids`."""
        return self.where(np.isin(self["attempt"], ids) == keep)


def _unit_marks(parts: dict[str, _Rows]) -> Iterator[tuple[int, Iterator[tuple[int, str, float]]]]:
    """The (unit, kind, t) of the rows of `parts` (by kind), grouped by unit (ascending), each
    unit's rows in log order (seq), from plain lists: the per-unit loops below read a few hundred
    rows."""
    unit = np.concatenate([r["unit"] for r in parts.values()])
    order = np.lexsort((np.concatenate([r["seq"] for r in parts.values()]), unit))
    kind = np.concatenate([np.full(len(r), k, dtype=object) for k, r in parts.items()])
    t = np.concatenate([r["t"] for r in parts.values()])
    return groupby(zip(unit[order].tolist(), kind[order].tolist(), t[order].tolist()), key=itemgetter(0))


def _on_duty_minutes(log: _Log, horizon: float) -> dict[int, float]:
    """Minutes on duty per unit: shift_start .. shift_end pairs, open shifts clipped at horizon."""
    total: dict[int, float] = {}
    for unit, rows in _unit_marks({k: log.rows(k) for k in ("shift_start", "shift_end")}):
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
    return total


def _busy_minutes(log: _Log, horizon: float) -> float:
    """Sum over units of time from becoming busy (dispatch / patrol contact) to unit_free."""
    inter = log.rows("interdiction")
    busy = 0.0
    marks = {"dispatch": log.rows("dispatch"), "unit_free": log.rows("unit_free")}
    marks["contact"] = inter.where(inter["source"] == "patrol")
    for _, rows in _unit_marks(marks):
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


def annualised_capital(capital: np.ndarray, lifetime_years: np.ndarray, discount_rate: float) -> np.ndarray:
    """Equivalent annual cost of capital outlays: capital x r / (1 - (1 + r)^-L), the capital
    recovery factor at real discount rate r over a life of L years (r = 0: capital / L)."""
    capital, life = np.asarray(capital, dtype=float), np.asarray(lifetime_years, dtype=float)
    if discount_rate == 0:
        return capital / life
    return capital * discount_rate / (1.0 - (1.0 + discount_rate) ** -life)


def port_metrics(ev: pd.DataFrame | pa.Table, vehicles: pd.DataFrame | pa.Table | None) -> dict[str, float]:
    """Ports-of-entry metrics of one run (definitions in the module docstring)."""
    return _port_metrics(_Log(ev), vehicles)


def _port_metrics(log: _Log, vehicles: pd.DataFrame | pa.Table | None) -> dict[str, float]:
    v = vehicles if vehicles is not None else PORT_SCHEMA.empty_table()
    if isinstance(v, pa.Table):
        col = lambda c: v.column(c).to_numpy()  # noqa: E731
    else:
        col = lambda c: _frame_column(v, c, PORT_SCHEMA)  # noqa: E731
    legit = col("attempt") < 0
    arrival, exit_ = col("arrival")[legit], col("exit")[legit]
    released = ~np.isnan(exit_)
    waits = col("primary_start")[legit] - arrival
    waits = waits[~np.isnan(waits)]
    return {
        "port_vehicles": int(released.sum()),
        "port_wait_min": _mean(waits),
        "port_wait_p50_min": _quantile(waits, 50),
        "port_wait_p95_min": _quantile(waits, 95),
        "port_time_in_port_min": _mean(exit_[released] - arrival[released]),
        "port_queued_at_end": int(np.isnan(col("primary_start")[legit]).sum()),
        "port_secondary_legit": int(col("referred")[legit].sum()),
        "port_seizures": len(log.rows("port_seizure")),
        "port_smuggling_passed": int((log.rows("port_exit")["attempt"] >= 0).sum()),
    }


def _measure_from(log: _Log) -> float:
    """When the corridor metrics start counting (run_start.measure_from_min; 0 if not logged)."""
    start = log.rows("run_start")["measure_from_min"][0]
    return 0.0 if np.isnan(start) else float(start)


def corridor_metrics(ev: pd.DataFrame | pa.Table, real_ids, got: pd.DataFrame) -> dict[str, float]:
    """Crossings per corridor and how spread they are (definitions in the module docstring).
    `real_ids`: the attempts that are not decoys; `got`: their got_away events."""
    ids = np.fromiter(real_ids, dtype=np.int64)
    return _corridor_metrics(_Log(ev), ids, got.attempt.to_numpy(), got.t.to_numpy())


def _corridor_metrics(log: _Log, real_ids: np.ndarray, got_ids: np.ndarray, got_t: np.ndarray) -> dict[str, float]:
    corridors = log.rows("corridor")
    order = np.argsort(corridors["size"], kind="stable")
    names = corridors["source"][order].tolist()
    start = _measure_from(log)
    c = log.rows("crossed")
    crossed = c.where((c["source"] != "") & (c["t"] >= start) & np.isin(c["attempt"], real_ids))
    source = crossed["source"]
    tally = Counter(source.tolist())
    counts = np.array([tally.get(n, 0) for n in names], dtype=np.int64)
    total = int(counts.sum())
    share = counts / total if total else np.full(len(counts), np.nan)
    used = counts > 0
    nonzero = share[share > 0]
    difficulty = dict(zip(names, corridors["difficulty"][order].tolist()))
    escaped = source[np.isin(crossed["attempt"], got_ids)]
    row: dict[str, float] = {
        "corridor_crossings": total,
        "route_entropy_bits": float(-(nonzero * np.log2(nonzero)).sum()) if total else math.nan,
        "corridors_over_5pct": int((share >= 0.05).sum()) if total else 0,
        "border_km_used": float((corridors["to_km"][order] - corridors["from_km"][order])[used].sum()),
        "got_away_measured": int((got_t >= start).sum()),
        "got_away_difficulty": _mean([difficulty.get(x, math.nan) for x in escaped.tolist()]),
    }
    for name, n in zip(names, counts.tolist()):
        row[f"crossings.{name}"] = n
    return row


def corridor_shares(summary: pd.DataFrame) -> pd.DataFrame:
    """Each corridor's share of the counted crossings, per summary row (columns: the corridor
    names): crossings.<corridor> / corridor_crossings (NaN for a row without crossings)."""
    cols = [c for c in summary.columns if c.startswith("crossings.")]
    total = summary.corridor_crossings.where(summary.corridor_crossings > 0)
    return summary[cols].div(total, axis=0).rename(columns=lambda c: c.removeprefix("crossings."))


def decoy_attempts(ev: pd.DataFrame) -> pd.Series:
    """The attempt ids of the decoys in an event log (attempt rows with cargo "decoy"): not
    attempts, left out of every attempt-based count (the module docstring)."""
    return ev[(ev.kind == "attempt") & (ev.cargo == DECOY_CARGO)].attempt


def corridor_crossings_by_period(ev: pd.DataFrame, period_days: float = 7.0) -> pd.DataFrame:
    """Crossings through the terrain per corridor and period of `period_days` (from t = 0, the
    warm-up included), with each corridor's share of its period: columns period (0, 1, ...),
    day (the period's first day), corridor, crossings, share. Decoys are left out."""
    decoys = decoy_attempts(ev)
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
    decoys = decoy_attempts(ev)
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
    shared_from, second = (_frame_column(alerts, c, SCHEMA) for c in ("shared_from", "second_centre"))
    return alerts[_is_first_hand(shared_from, second)]


def _is_first_hand(shared_from: np.ndarray, second_centre: np.ndarray) -> np.ndarray:
    return (shared_from == "") & ~second_centre


def _counts(values: np.ndarray) -> list[tuple[str, int]]:
    """(value, rows) per distinct value, in sorted order (pandas' groupby(...).size())."""
    return sorted(Counter(values.tolist()).items())


def _coordination_metrics(
    log: _Log, inter: _Rows, first_det: dict[int, float], alerts: _Rows, decoy_ids: np.ndarray
) -> dict[str, float]:
    """Sharing between agencies, how fast detections turn into interdictions, who did what.
    `first_det`: each group's first detection time; `alerts`: first-hand alerts."""
    shared, lost, disp = log.rows("alert_shared"), log.rows("alert_lost"), log.rows("dispatch")
    caught = inter.where(np.isin(inter["attempt"], np.fromiter(first_det, dtype=np.int64, count=len(first_det))))
    d2i = caught["t"] - np.array([first_det[a] for a in caught["attempt"].tolist()], dtype=float)
    source = alerts["source"]
    row: dict[str, float] = {
        "alerts_shared": len(shared),
        "alerts_relayed": int(shared["relayed"].sum()),
        "alerts_lost": len(lost),
        "share_delay_min": _mean(shared["duration_min"]),
        "detection_to_interdiction_min": _mean(d2i),
        "detection_to_interdiction_p90_min": _p90(d2i),
        "responses_outside_jurisdiction": int(np.isin(disp["detail"], ["mou", "task_force"]).sum()),
        "partner_tips": int((source == "partner_tip").sum()),
        "community_tips": int((source == "community_tip").sum()),
        "tips": int((source == "tip").sum()),
        "decoys": len(decoy_ids),
        "decoys_interdicted": int(np.isin(log.rows("interdiction")["attempt"], decoy_ids).sum()),
    }
    # every agency that has assets and every command centre (a joint or task-force one too) gets
    # every count, 0 included: a missing key would read as NaN in the replications where it had
    # none, and means over the others would be too high
    owners = set(log.rows("asset")["agency"].tolist()) | set(log.rows("centre")["agency"].tolist())
    owners -= {""}
    for family, rows in (("interdicted", inter), ("alerts_shared", shared), ("alerts_lost", lost), ("responses", disp)):
        counts = dict(_counts(rows["agency"]))
        for agency in sorted(owners | set(counts) - {""}):
            row[f"{family}.{agency}"] = counts.get(agency, 0)
    return row


def _unanswered(alerts: _Rows, no_unit: _Rows, disp: _Rows, merged: _Rows) -> int:
    """First-hand alerts for which a centre could task no unit and no centre answered: no unit
    was sent on any receipt of it (the copies liaison passed on, a task force's second receipt)
    and none was joined to an open incident. Each receipt names its first-hand alert
    (first_alert); one that does not is taken as first-hand."""
    first = alerts["first_alert"]
    first_of = dict(zip(alerts["alert"].tolist(), np.where(first >= 0, first, alerts["alert"]).tolist()))
    wanting = {first_of.get(a, a) for a in no_unit["alert"].tolist()}
    answered = {first_of.get(a, a) for a in [*disp["alert"].tolist(), *merged["alert"].tolist()]}
    return len(wanting - answered)


def _responses_to_resolved(disp: _Rows, outcomes: list[_Rows]) -> int:
    """Dispatches whose alert's group had an outcome logged before the dispatch."""
    ended: dict[int, int] = {}
    for rows in outcomes:
        for a, q in zip(rows["attempt"].tolist(), rows["seq"].tolist()):
            if q < ended.get(a, q + 1):
                ended[a] = q
    return sum(a >= 0 and ended.get(a, q) < q for a, q in zip(disp["attempt"].tolist(), disp["seq"].tolist()))


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values[keys == w] for each w of `wanted`, NaN where a key is missing (a pandas reindex);
    for ids logged once each (alerts, attempts): a repeated key would keep its last value."""
    found = dict(zip(keys.tolist(), values.tolist()))
    return np.array([found.get(w, math.nan) for w in wanted.tolist()], dtype=float)


def _latest_before(src_key: np.ndarray, src_seq: np.ndarray, dst_key: np.ndarray, dst_seq: np.ndarray) -> np.ndarray:
    """For each destination row, the position of the source row with the same key logged last
    before it (by seq), -1 if none: an arrival's dispatch, also when a live drill's seat sends a
    unit to the same incident again."""
    by_key: dict[int, tuple[list[int], list[int]]] = {}
    for i in np.argsort(src_seq, kind="stable").tolist():
        seqs, rows = by_key.setdefault(int(src_key[i]), ([], []))
        seqs.append(int(src_seq[i]))
        rows.append(i)
    out = np.full(len(dst_key), -1, dtype=np.intp)
    for j, (key, seq) in enumerate(zip(dst_key.tolist(), dst_seq.tolist())):
        found = by_key.get(key)
        if found is not None and (i := bisect_left(found[0], seq) - 1) >= 0:
            out[j] = found[1][i]
    return out


def _response_key(incident: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """One integer per (incident, unit) pair: what ties a dispatch to its unit's arrival and catch."""
    return np.asarray(incident, dtype=np.int64) * (1 << 32) + np.asarray(unit, dtype=np.int64)


def _after_dispatch(disp: Any, arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per arrival (or interdiction): minutes since the dispatch that sent its unit (NaN if
    none), and that dispatch's position (-1 if none). Both take rows with incident, unit, seq, t."""
    at = _latest_before(
        _response_key(disp["incident"], disp["unit"]), np.asarray(disp["seq"]),
        _response_key(arr["incident"], arr["unit"]), np.asarray(arr["seq"]),
    )  # fmt: skip
    disp_t = np.asarray(disp["t"], dtype=float)
    sent = np.where(at >= 0, disp_t[np.maximum(at, 0)], math.nan) if len(disp_t) else np.full(len(at), math.nan)
    return np.asarray(arr["t"], dtype=float) - sent, at


def dispatch_to_arrival(disp: pd.DataFrame, arr: pd.DataFrame) -> pd.DataFrame:
    """Per arrival: the dispatching centre (agency) and minutes from the dispatch that sent it."""
    minutes, at = _after_dispatch(disp, arr)
    agency = disp.agency.tolist()
    by = pd.Series([agency[i] if i >= 0 else math.nan for i in at.tolist()], dtype=object)
    return pd.DataFrame({"agency": by, "minutes": minutes})


def dispatch_results(disp: pd.DataFrame, arr: pd.DataFrame, inter: pd.DataFrame) -> pd.DataFrame:
    """Per dispatch (same order as `disp`): minutes to the unit's arrival that this dispatch sent
    (NaN: recalled, diverted or under way) and the group its unit interdicted at the incident
    before another order sent it again (-1: none). An arrival or catch belongs to the latest
    dispatch of the same unit to the same incident before it, as in dispatch_to_arrival."""
    arrived = np.full(len(disp), math.nan)
    minutes, at = _after_dispatch(disp, arr)
    for i, m in zip(at.tolist(), minutes.tolist()):
        if i >= 0 and not arrived[i] <= m:
            arrived[i] = m
    caught = np.full(len(disp), -1, dtype=np.int64)
    responses = inter[inter.incident >= 0]
    _, at = _after_dispatch(disp, responses)
    for i, attempt in zip(at.tolist(), responses.attempt.tolist()):
        if i >= 0 and caught[i] < 0:
            caught[i] = attempt
    return pd.DataFrame({"arrived_min": arrived, "interdicted": caught})


def summarize(
    events: pa.Table | pd.DataFrame, port_vehicles: pa.Table | pd.DataFrame | None = None
) -> dict[str, float]:
    """The per-replication summary row computed from one event log (and its port-vehicle table,
    part of the log: sim/agents/ports.py)."""
    log = _Log(events)
    get = log.rows
    horizon = float(get("run_start")["duration_min"][0])
    all_attempts = get("attempt")
    decoy_ids = np.unique(all_attempts["attempt"][all_attempts["cargo"] == DECOY_CARGO])
    attempts, inter = all_attempts.among(decoy_ids, keep=False), get("interdiction").among(decoy_ids, keep=False)
    got, back = get("got_away").among(decoy_ids, keep=False), get("turned_back").among(decoy_ids, keep=False)
    det = get("detection").among(decoy_ids, keep=False)
    alerts, disp, arr = get("alert"), get("dispatch"), get("arrival")
    new_alerts = alerts.where(_is_first_hand(alerts["shared_from"], alerts["second_centre"]))
    n_att = len(attempts)
    resolved = len(inter) + len(got) + len(back)

    det_ids, det_at = np.unique(det["attempt"], return_inverse=True)  # each group's first detection
    first_t = np.full(det_ids.size, np.inf)
    np.minimum.at(first_t, det_at, det["t"])
    att_ids, att_t = attempts["attempt"], attempts["t"]
    ttd = first_t - _lookup(att_ids, att_t, det_ids)
    ttd = ttd[~np.isnan(ttd)]
    a2d = disp["t"] - _lookup(alerts["alert"], alerts["t"], disp["alert"])
    d2a, _ = _after_dispatch(disp, arr)
    inter_size = inter["size"]
    escaped = (_lookup(att_ids, attempts["size"], inter["attempt"]) - inter_size).sum() if len(inter) else 0

    # a unit sent for a group already caught or gone is wasted, a decoy's included (drawing units
    # away is what a decoy is for): every outcome row counts here
    to_resolved = _responses_to_resolved(disp, [get("interdiction"), get("got_away"), get("turned_back")])
    on_duty = _on_duty_minutes(log, horizon)
    assets = get("asset")
    in_service = (horizon - assets["t"]) / 1440.0  # days from entering service (asset row)
    unit = assets["unit"]
    days_active = np.where(unit >= 0, np.array([on_duty.get(u, 0.0) for u in unit.tolist()]) / 1440.0, in_service)
    opex = _zero_nan(assets["opex_usd_per_day"]) * days_active
    capital = _zero_nan(assets["capital_usd"])
    rate = get("run_start")["discount_rate"][0]
    annual = annualised_capital(capital, assets["lifetime_years"], 0.0 if np.isnan(rate) else float(rate))
    share = annual * in_service / 365.0
    det_source, inter_source = det["source"], inter["source"]
    new_attempt, disp_attempt = new_alerts["attempt"], disp["attempt"]

    row: dict[str, float] = {
        "horizon_days": horizon / 1440.0,
        "attempts": n_att,
        "persons_attempted": _sum(attempts["size"]),
        "interdicted": len(inter),
        "got_away": len(got),
        "turned_back": len(back),
        "under_way": n_att - resolved,
        "interdiction_rate": _ratio(len(inter), resolved),
        "effectiveness_rate": _ratio(len(inter) + len(back), resolved),
        "detections": len(det),
        "detected": int(det_ids.size),
        "detection_rate": _ratio(det_ids.size, n_att),
        "apprehended": _sum(inter_size),
        "escaped_at_contact": float(escaped),
        "seized_kg": _sum(inter["quantity_kg"]),
        "time_to_first_detection_min": _mean(ttd),
        "alerts": len(new_alerts),
        "false_alarms": int((new_attempt < 0).sum()),
        "alert_wait_min": _mean(get("alert_handled")["duration_min"]),
        "alerts_merged": len(get("alert_merged")),
        "alerts_no_unit": _unanswered(alerts, get("no_unit"), disp, get("alert_merged")),
        "responses": len(disp),
        "wasted_responses": int(((disp_attempt < 0) & (disp["alert"] >= 0)).sum()) + to_resolved,
        "responses_to_resolved": to_resolved,
        "responses_found": int((inter_source == "response").sum()),
        "alert_to_dispatch_min": _mean(a2d),
        "alert_to_dispatch_p90_min": _p90(a2d),
        "dispatch_to_arrival_min": _mean(d2a),
        "dispatch_to_arrival_p90_min": _p90(d2a),
        "patrol_utilisation": _ratio(_busy_minutes(log, horizon), float(np.sum(list(on_duty.values()), dtype=float))),
        "capital_usd": float(capital.sum()),
        "capital_share_usd": float(share.sum()),
        "operating_usd": float(opex.sum()),
        "cost_usd": float(share.sum() + opex.sum()),
        "cost_per_interdiction_usd": _ratio(float(share.sum() + opex.sum()), len(inter)),
    }
    # the shipped types always (stable columns), and any other type the run has (a plug-in's) or detected with
    placed = {str(s).removeprefix("sensor:") for s in assets["source"].tolist() if str(s).startswith("sensor:")}
    shipped = ("tower", "ground", "drone", "patrol")
    for src in (*shipped, *sorted((placed | set(det_source.tolist())) - set(shipped) - {""})):
        row[f"detections_{src}"] = int((det_source == src).sum())
    row.update(_coordination_metrics(log, inter, dict(zip(det_ids.tolist(), first_t.tolist())), new_alerts, decoy_ids))
    agency = assets["agency"]
    centres = set(log.rows("centre")["agency"].tolist())  # an agency without assets costs 0, not NaN (as counts)
    for name in sorted((set(agency.tolist()) | centres) - {""}):
        pos = np.flatnonzero(agency == name)
        row[f"cost_usd.{name}"] = float(share[pos].sum() + opex[pos].sum())
    row.update(_port_metrics(log, port_vehicles))
    row.update(_corridor_metrics(log, attempts["attempt"], got["attempt"], got["t"]))
    return row
