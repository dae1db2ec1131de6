"""Append-only, typed event log kept in memory as columns.

Every metric is computed from this log (sim/metrics.py), so each event kind below documents
which columns it fills. Integer ids use -1 for "none"; floats use NaN.

| kind          | meaning                                   | columns used                                   |
|---------------|-------------------------------------------|------------------------------------------------|
| run_start     | replication begins                        | duration_min = horizon, detail = scenario name,|
|               |                                           | discount_rate (costs.discount_rate),           |
|               |                                           | measure_from_min (corridors.measure_from_day)  |
| centre        | a command centre (t = 0; one row each:    | agency = its name                              |
|               | each agency's, and a joint or task-force  |                                                |
|               | centre the coordination policy adds)      |                                                |
| corridor      | a border corridor (t = 0; one row each,   | source = name (C1, ...), size = index, from_km,|
|               | sim/terrain/corridors.py)                 | to_km (along the border), difficulty (mean     |
|               |                                           | slowness of its border cells)                  |
| asset         | an asset enters service: t = 0, or a      | agency, unit or sensor, source = asset type,   |
|               | sensor group's installed_day (its costs   | node, capital_usd, opex_usd_per_day (units:    |
|               | count from then)                          | per day on duty), lifetime_years; sensors:     |
|               |                                           | detail = the corridor of the sensor's cell;    |
|               |                                           | ports: detail = name; barriers: detail = name, |
|               |                                           | size = its border edges (no node)              |
| shift_start   | a unit goes on duty                       | unit, agency, node, size = officers            |
| shift_end     | a unit goes off duty                      | unit, agency, node, size = officers            |
| sensor_down   | a sensor fails (or is knocked out, or a   | sensor, agency, node, detail = grounded for a  |
|               | drone lands)                              | drone outside its flight window                |
| sensor_up     | a sensor is repaired (or a drone takes    | sensor, agency, node, detail = aloft when a    |
|               | off)                                      | drone's flight window opens                    |
| flight        | a drone's daily flight window opens or    | sensor, agency, node, detail = aloft / grounded|
|               | closes (and as it enters service), up or  | (an outage is sensor_down while aloft)         |
|               | down: its schedule, not its state         |                                                |
| attempt       | a smuggling attempt leaves its staging    | attempt, node (origin), cargo, size,           |
|               |                                           | quantity_kg, source = org, detail = mode>dest  |
| crossed       | the group crosses the border              | attempt, node (home-side cell), detail=breach? |
|               |                                           | (or port), source = corridor of the cell (""   |
|               |                                           | through a port)                                |
| detection     | a sensor or unit detects a group          | attempt, sensor or unit, agency, node, source  |
| reaction      | the group reacts to being noticed         | attempt, node, detail = run/hide/turn_back     |
| alert         | an alert reaches a command centre         | alert, agency (the centre), sensor or unit,    |
|               |                                           | node, attempt (ground truth, -1 = false        |
|               |                                           | alarm), source (tower, ground, drone, patrol,  |
|               |                                           | partner_tip, community_tip, tip; mou_request:  |
|               |                                           | a seat asking a partner for MOU support),      |
|               |                                           | origin (the agency owning the asset /          |
|               |                                           | receiving the tip),                            |
|               |                                           | shared_from (the centre that passed it on; ""  |
|               |                                           | first-hand), second_centre (another centre's  |
|               |                                           | receipt of the same alert: task force), coarse |
|               |                                           | (only the sector is known), first_alert (the   |
|               |                                           | first-hand alert it is a receipt of: its own   |
|               |                                           | id when first-hand)                            |
| alert_handled | an operator finished with the alert (its  | alert, agency, duration_min = queue wait       |
|               | handling time is t - alert.t - wait)      |                                                |
| alert_merged  | the alert joins an open incident          | alert, incident, agency                        |
| no_unit       | no unit could be tasked for an incident   | incident, alert, agency, node                  |
| dispatch      | a unit is sent to an incident             | incident, alert, unit, agency (the centre),    |
|               |                                           | unit_agency (the unit's own agency), node      |
|               |                                           | (target), attempt (ground truth of the alert), |
|               |                                           | duration_min = minutes until it arrives (rest  |
|               |                                           | of its current move + authorisation + travel), |
|               |                                           | detail = own / mou / task_force (why the unit  |
|               |                                           | may act there)                                 |
| arrival       | the unit reaches the incident location    | incident, unit, agency, node                   |
| search_end    | the unit's response ends without finding  | incident, unit, agency, node, detail =         |
|               | the group                                 | not_found (searched in vain) / diverted (it    |
|               |                                           | met another group on the way)                  |
| interdiction  | a unit apprehends (part of) a group       | attempt, unit, agency, node, size (persons     |
|               | (or a port seizes a vehicle's cargo)      | taken), quantity_kg seized, incident, source;  |
|               |                                           | at a port: no unit, source = port, detail =    |
|               |                                           | the port's name                                |
| got_away      | the group reaches its destination         | attempt, node, size (persons not taken);       |
|               |                                           | through a port: detail = the port's name       |
| turned_back   | the group is back at its staging area     | attempt, node                                  |
| unit_free     | a unit returns to its beat (or is held by | unit, agency, node                             |
|               | a seat while responding: its response     |                                                |
|               | ends there)                               |                                                |
| alert_shared  | a centre passes an alert to another       | alert (the copy's id), agency (sender),        |
|               | (liaison), sent now, received later       | attempt, duration_min = delay, detail =        |
|               |                                           | receiver, relayed, coarse                      |
| alert_lost    | a passed alert is lost                    | alert, agency (sender), attempt, detail =      |
|               |                                           | receiver, source = lost / comms_down           |
| adaptation    | an adaptive organisation drops or adds a  | source = organisation, detail = "drop C07      |
|               | corridor at a review                      | (loss rate 0.412)" / "add ..."                 |
| inject        | a scenario event starts                   | source = inject name, detail = type,           |
|               |                                           | duration_min                                   |
| inject_end    | it ends                                   | source, detail                                 |
| run_end       | the horizon is reached                    | duration_min = horizon                         |
| port_primary  | a smuggling vehicle reaches a primary     | node, agency, source = port name, detail =     |
|               | lane at a port of entry (legitimate       | car/truck, attempt,                            |
|               | vehicles: the port_vehicles table below)  |                                                |
|               |                                           | duration_min = wait in the primary queue       |
| port_referral | it is sent to secondary inspection        | node, agency, source = port name, detail =     |
|               |                                           | smuggling, attempt                             |
| port_exit     | it leaves the port released               | node, agency, source = port name, detail =     |
|               |                                           | car/truck, attempt,                            |
|               |                                           | duration_min = total time in port (queues +    |
|               |                                           | inspections); smuggling: cargo, size,          |
|               |                                           | quantity_kg (passed undetected)                |
| port_seizure  | secondary inspection finds hidden cargo   | as port_exit (the vehicle is held, not         |
|               |                                           | released): attempt, cargo, size, quantity_kg   |
| incident_open | a centre decided by a seat (live drill,   | incident, alert, agency (the centre), node     |
|               | `human`) opens an incident and waits for  | (target), attempt (ground truth of the alert), |
|               | its seat's order                          | unit = the automatic dispatcher's suggestion   |
|               |                                           | (-1 none), duration_min = its arrival (min)    |
| order         | a seat's order, carried out               | agency (the centre), seat, detail = dispatch / |
|               |                                           | recall / hold / share / mou / close, unit,     |
|               |                                           | incident as given (-1: a dispatch to a cell;   |
|               |                                           | the dispatch row names the incident opened     |
|               |                                           | there), node (target; share: the alert's cell),|
|               |                                           | alert, attempt (ground truth of the incident's |
|               |                                           | first alert: dispatch, mou, close; of the      |
|               |                                           | alert: share), unit_agency (the unit's; share /|
|               |                                           | mou: the partner centre),                      |
|               |                                           | duration_min = arrival (dispatch), told,       |
|               |                                           | source = seat (live) or replay (counterfactual)|
| order_refused | a seat's order refused (nothing changed)  | as order, reason = why                         |
| look          | a seat opens or acknowledges an alert or  | agency, seat, detail = open / ack, alert or    |
|               | an incident                               | incident, told, source = seat / replay         |
| mode          | a centre is decided by a seat or by the   | agency (the centre), detail = human / auto;    |
|               | automatic dispatcher (live drill, t = 0)  | logged only when some centre is `human`        |

Columns of the seats (empty or -1 elsewhere): `seat` names the seat that acted (its centre's name;
the trainer's injects are `inject` rows); `told` is how many alerts that centre had received by
then, so its picture at the order is the first `told` alert rows addressed to it; `reason` says
why an order was refused.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

EVENT_KINDS = (
    "run_start",
    "corridor",
    "asset",
    "shift_start",
    "shift_end",
    "sensor_down",
    "sensor_up",
    "flight",
    "attempt",
    "crossed",
    "detection",
    "reaction",
    "alert",
    "alert_handled",
    "alert_merged",
    "no_unit",
    "dispatch",
    "arrival",
    "search_end",
    "interdiction",
    "got_away",
    "turned_back",
    "unit_free",
    "alert_shared",
    "alert_lost",
    "inject",
    "inject_end",
    "run_end",
    "port_primary",
    "port_referral",
    "port_exit",
    "port_seizure",  # ports of entry (sim/agents/ports.py)
    "incident_open",  # seats of a live drill (sim/agents/command.py, human centres)
    "order",
    "order_refused",
    "look",
    "mode",
    "adaptation",  # adaptive organisations (sim/policies/routing/adaptive.py)
    "centre",  # the command centres (t = 0), so that every centre's counts are 0, not missing
)

DECOY_CARGO = "decoy"  # the cargo of a decoy inject's groups: counted apart from attempts (sim.metrics)

_KINDS = frozenset(EVENT_KINDS)
INT_COLUMNS = ("attempt", "unit", "sensor", "alert", "incident", "node", "size", "told", "first_alert")
FLOAT_COLUMNS = (
    "quantity_kg",
    "duration_min",
    "capital_usd",
    "opex_usd_per_day",
    "lifetime_years",
    "discount_rate",
    "measure_from_min",
    "from_km",
    "to_km",
    "difficulty",
)
STR_COLUMNS = ("agency", "source", "cargo", "detail", "unit_agency", "origin", "shared_from", "seat", "reason")
BOOL_COLUMNS = ("second_centre", "relayed", "coarse")

SCHEMA = pa.schema(
    [("t", pa.float64()), ("seq", pa.int64()), ("kind", pa.string())]
    + [(c, pa.int64()) for c in INT_COLUMNS]
    + [(c, pa.float64()) for c in FLOAT_COLUMNS]
    + [(c, pa.string()) for c in STR_COLUMNS]
    + [(c, pa.bool_()) for c in BOOL_COLUMNS]
)


_COLUMNS = frozenset(INT_COLUMNS + FLOAT_COLUMNS + STR_COLUMNS + BOOL_COLUMNS)
_INT, _FLOAT, _STR = frozenset(INT_COLUMNS), frozenset(FLOAT_COLUMNS), frozenset(STR_COLUMNS)
_BOOL = frozenset(BOOL_COLUMNS)
_TYPE_NAMES = {
    **dict.fromkeys(INT_COLUMNS, "an integer"),
    **dict.fromkeys(FLOAT_COLUMNS, "a number"),
    **dict.fromkeys(STR_COLUMNS, "text"),
    **dict.fromkeys(BOOL_COLUMNS, "a flag"),
}
# the value of a column an event does not have
_DEFAULT = {
    **dict.fromkeys(INT_COLUMNS, -1),
    **dict.fromkeys(FLOAT_COLUMNS, math.nan),
    **dict.fromkeys(STR_COLUMNS, ""),
    **dict.fromkeys(BOOL_COLUMNS, False),
}


class Recorder:
    """Columnar event log. `record` appends one row; nothing is ever changed afterwards.

    Each column is kept as it is recorded: the time and kind of every row, and for every other
    column the rows that have a value in it with those values, numbers in typed arrays (8 bytes
    each). A row fills only its own few columns, so memory follows the values logged: about 60
    bytes a row, where a dict per row took about 350 (a long run's largest store)."""

    def __init__(self) -> None:
        self._t = array("d")
        self._kind: list[str] = []
        self._at: dict[str, array] = {c: array("q") for c in _DEFAULT}  # per column: the rows that have a value
        self._values: dict[str, array | list] = {c: _store(c) for c in _DEFAULT}  # per column: those values
        self._last = -math.inf

    def record(self, t: float, kind: str, **values: object) -> None:
        if kind not in _KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        t = float(t)
        if t < self._last:
            raise ValueError(f"event {kind!r} at t={t} is earlier than the last event (t={self._last})")
        if not values.keys() <= _COLUMNS:
            raise ValueError(f"unknown event columns {sorted(values.keys() - _COLUMNS)}")
        row = len(self._kind)
        at, store = self._at, self._values
        for c, x in values.items():
            column = store[c]
            try:
                column.append(x)
            except (TypeError, OverflowError):  # a float, a NumPy bool, a flag of 2: converted as NumPy would
                try:
                    column.append(_convert(c, x))
                except (TypeError, ValueError, OverflowError):
                    self._drop_row(row, values)
                    raise ValueError(f"event {kind!r}: column {c!r} takes {_TYPE_NAMES[c]}, not {x!r}") from None
            at[c].append(row)
        self._last = t
        self._t.append(t)
        self._kind.append(kind)

    def _drop_row(self, row: int, values: dict) -> None:
        """Take back the values of a row that could not be recorded whole."""
        for c in values:
            if self._at[c] and self._at[c][-1] == row:
                self._at[c].pop()
                self._values[c].pop()

    def __len__(self) -> int:
        return len(self._kind)

    def rows_since(self, start: int) -> list[dict]:
        """Rows start.. as dicts with every column (defaults filled in)."""
        n = len(self._kind)
        rows = [{"t": t, "seq": i, "kind": k} for i, t, k in zip(range(start, n), self._t[start:], self._kind[start:])]
        for c, default in _DEFAULT.items():
            at, values = self._at[c], self._values[c]
            first = bisect_left(at, start)
            for row in rows:
                row[c] = default
            for i, x in zip(at[first:], values[first:]):
                rows[i - start][c] = _plain(c, x)
        return rows

    @property
    def columns(self) -> dict[str, list | np.ndarray]:
        """The log as one list or array per column (built on each call)."""
        return dict(self._each_column())

    def to_arrow(self) -> pa.Table:
        """The log as a table; each column is converted and let go before the next is built, in
        memory from the system's allocator (Arrow's default, mimalloc, reserved 16 MiB more for an
        85,000-row log): what matters is a long log's peak memory."""
        pool = pa.system_memory_pool()
        columns = {c: pa.array(v, type=SCHEMA.field(c).type, memory_pool=pool) for c, v in self._each_column()}
        return pa.table(columns, schema=SCHEMA)

    def _each_column(self) -> Iterator[tuple[str, list | np.ndarray]]:
        """(name, values) per column, in schema order, each built when asked for (copies: the
        log may still grow)."""
        n = len(self._kind)
        yield "t", np.array(self._t, dtype=np.float64)
        yield "seq", np.arange(n, dtype=np.int64)
        yield "kind", list(self._kind)
        for c, default in _DEFAULT.items():
            at, values = np.array(self._at[c], dtype=np.int64), self._values[c]
            if c in _STR:
                col = [""] * n
                for i, x in zip(at.tolist(), values):
                    col[i] = x if type(x) is str else str(x)
                yield c, col
            else:
                dtype = np.int64 if c in _INT else np.float64 if c in _FLOAT else bool
                col = np.full(n, default, dtype=dtype)
                col[at] = np.array(values, dtype=dtype)
                yield c, col


def _store(column: str) -> array | list:
    """An empty store for a column's values: a typed array for numbers and flags, a list for text."""
    if column in _STR:
        return []
    return array("q" if column in _INT else "d" if column in _FLOAT else "b")


def _convert(column: str, x: object) -> int | float:
    """`x` as its column's typed array holds it (a float node id truncated, as NumPy's int64 does)."""
    return int(x) if column in _INT else float(x) if column in _FLOAT else int(bool(x))


def _plain(column: str, x: object) -> object:
    """A stored value as a row of `rows_since` gives it."""
    return str(x) if column in _STR else bool(x) if column in _BOOL else x


PLAN_SCHEMA = pa.schema(
    [
        ("t", pa.float64()),  # when the plan was made
        ("mover", pa.string()),  # unit | attempt
        ("id", pa.int64()),  # unit id or attempt id
        ("version", pa.int64()),
        ("entered", pa.float64()),  # when the mover entered the first cell
        ("nodes", pa.list_(pa.int64())),
        ("times", pa.list_(pa.float64())),  # time at each cell's centre
    ]
)


@dataclass
class PlanLog:
    """Every movement plan (timeline) as made, so positions at any time can be replayed from
    files alone: at time t a mover is where its latest plan made at or before t puts it."""

    rows: list[tuple] = field(default_factory=list)

    def record(self, t: float, mover: str, ident: int, version: int, entered: float, nodes, times) -> None:
        """`nodes` and `times` are kept as given (a timeline's arrays are never changed)."""
        self.rows.append((float(t), mover, int(ident), int(version), float(entered), nodes, times))

    def to_arrow(self) -> pa.Table:
        if not self.rows:
            return PLAN_SCHEMA.empty_table()
        t, mover, ident, version, entered, nodes, times = zip(*self.rows)

        def lists(arrays, dtype) -> pa.ListArray:  # one flat buffer + offsets, no Python objects per element
            flat = np.concatenate([np.asarray(a, dtype=dtype) for a in arrays])
            offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype(np.int32)
            return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat))

        return pa.table(
            {
                "t": t,
                "mover": mover,
                "id": ident,
                "version": version,
                "entered": entered,
                "nodes": lists(nodes, np.int64),
                "times": lists(times, np.float64),
            },
            schema=PLAN_SCHEMA,
        )


# The port-vehicle table (sim/agents/ports.py): one row per vehicle through a port of entry, part
# of a run's event log (port_vehicles/ in the run directory), read by the port metrics.
PORT_SCHEMA = pa.schema(
    [
        ("port", pa.string()),
        ("vehicle", pa.int64()),  # row number within the port: legitimate vehicles first, then joining ones
        ("kind", pa.string()),  # car | truck
        ("attempt", pa.int64()),  # -1: legitimate
        ("arrival", pa.float64()),  # joins the primary queue (min)
        ("lane", pa.int64()),  # primary lane (0-based; -1: not reached before the horizon)
        ("primary_start", pa.float64()),  # NaN: not reached before the horizon
        ("primary_end", pa.float64()),
        ("referred", pa.bool_()),  # sent to secondary at primary_end (False: not, or not by the horizon)
        ("secondary_start", pa.float64()),
        ("secondary_end", pa.float64()),
        ("exit", pa.float64()),  # leaves the port (NaN: still inside at the horizon)
        ("seized", pa.bool_()),  # a smuggling vehicle whose cargo was found
    ]
)
