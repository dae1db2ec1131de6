"""One trainee's live drill: a model, its clock, injects, a feed, and the log saved to disk.

No web code here: the Solara app (sim/drill/app.py) only calls these methods, so the drill's
behaviour is tested without a browser. Stepping and injects take the same lock, and the play
loop runs in a worker thread, so an inject never lands in the middle of a step. The event log
is written (after every inject, on pause, every AUTOSAVE_S while playing, at the end) to
`out_dir` in the layout of a batch run (events/, plans/, terrain tables, config.yaml), so
`python -m analysis.aar out_dir` reviews a drill like any other run.

With seats (one exercise, several browsers), each command centre has a seat: `order` and `look`
take the same lock as a step, act at the current simulated minute before the next step, in the
order they came, and are logged with the seat; `picture` is what one seat may see
(sim/drill/picture.py). The centres named in `human` are decided by their seats.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

from analysis.labels import clock
from analysis.maps import COVERAGE_KEYS
from analysis.situation import ALARM_MINUTES
from sim.agents.command import sector_cell
from sim.agents.orders import ORDERS, OrderRefused, Orders, malformed
from sim.drill.feed import Narrator
from sim.drill.picture import Picture, PictureSensor, SeatNarrator, alerts, incidents, units
from sim.files import write_parquet_atomic, write_text_atomic
from sim.metrics import summarize
from sim.model import BorderModel
from sim.params import Problems, check_refs, check_tree, dump, parse_choice
from sim.plugins import PLUGINS
from sim.recorder import SCHEMA
from sim.runner import labelled, terrain_tables
from sim.validation import SensorNames
from sim.world import World

FEED_LENGTH = 200
_ORDER_ARGS = ("unit", "incident", "node", "alert", "partner")  # what an order names
NOT_NARRATED = frozenset(("asset", "run_start", "corridor", "centre", "flight"))  # the setting, not events (a
# drone's flight rows: its sensor_down / sensor_up say when it lands or takes off)
AUTOSAVE_S = 10.0  # while playing, the log is written at least this often (wall seconds)
COUNTERS = (  # what the page shows -> its sim/metrics.py summary column (see counters())
    ("attempts", "attempts"),
    ("groups detected", "detected"),
    ("detection events", "detections"),
    ("interdicted", "interdicted"),
    ("got away", "got_away"),
    ("alerts (first-hand)", "alerts"),
    ("alerts shared (copies sent)", "alerts_shared"),
    ("shared alerts lost", "alerts_lost"),
)


CENTRE_KINDS = frozenset(  # a seat's feed: its centre's rows ...
    ("alert", "alert_handled", "alert_merged", "no_unit", "incident_open", "dispatch", "alert_shared", "alert_lost")
    + ("order", "order_refused", "look", "mode")
)
# ... and its units'
UNIT_KINDS = frozenset(("arrival", "search_end", "unit_free", "shift_start", "shift_end", "interdiction"))


def counters(summary: dict) -> dict[str, int]:
    """The page's counters from a summary row (sim/metrics.py), each a whole number."""
    return {label: int(round(summary.get(key, 0))) for label, key in COUNTERS}


@dataclass(frozen=True)
class View:
    """Everything the page shows, read at one instant under the lock (never a half-made step)."""

    now: float
    playing: bool
    finished: bool
    counters: dict
    error: str  # why the play thread stopped, if it failed
    feed: list[str]
    map: MapState
    groups: list[tuple[int, int]]  # (attempt id, node) of the groups on the move


@dataclass(frozen=True)
class MapState:
    """What the live map shows at one moment (positions as node ids)."""

    t: float
    unit_ids: np.ndarray
    unit_nodes: np.ndarray
    unit_agencies: list[str]
    unit_on_duty: np.ndarray  # bool
    group_ids: np.ndarray
    group_nodes: np.ndarray
    group_detected: np.ndarray  # bool
    sensor_nodes: np.ndarray  # per sensor in place now (groups installed during the run included)
    sensor_types: list[str]
    sensor_range_km: np.ndarray  # a tower's range, a drone's search radius; NaN for a type without one
    sensor_state: list[str]  # up | down | alarm, per sensor
    comms_down: list[str]  # the comms outages in force, in words


def _coverage_km(sensor_type: str, spec) -> float:
    """The radius a sensor covers on the map (the key analysis.maps draws: a tower's range, a
    drone's search disc); NaN for a type without one."""
    key = COVERAGE_KEYS.get(sensor_type)
    return float(getattr(spec, key[0])) if key is not None else np.nan


def _groups(state: MapState) -> list[tuple[int, int]]:
    return list(zip(state.group_ids.tolist(), state.group_nodes.tolist()))


class DrillSession:
    """A live drill for one browser session. Thread-safe: every public method takes the lock."""

    def __init__(
        self,
        world: World,
        seed: int,
        out_dir: Path | str,
        origin: str = "drill",
        human: Iterable[str] = (),
        source: str = "seat",
    ) -> None:
        self.world, self.seed, self.origin = world, seed, origin
        self.out_dir = Path(out_dir)
        self.human = frozenset(human)
        self.model = BorderModel(world, seed, self.human, seated=True)
        self._orders = {name: Orders(c, source) for name, c in self.model.coordination.centres.items()}
        self.autosave = True  # write the log after every inject and order (a replay writes once, at the end)
        self._seat_rows: dict[str, list[dict]] = {name: [] for name in self._orders}  # alert rows per centre
        self._seat_feed: dict[str, deque[str]] = {name: deque(maxlen=FEED_LENGTH) for name in self._orders}
        self._seat_narrator = SeatNarrator(world)
        self.lock = threading.RLock()
        self.speed = 4.0  # ticks per real second while playing
        self.feed: deque[str] = deque(maxlen=FEED_LENGTH)
        self.narrator = Narrator(world)
        self.counters: dict[str, int] = {}
        self.detected: set[int] = set()
        self._last_alarm: dict[int, float] = {}  # sensor id -> time of its latest alert
        self._cursor = 0  # events already read into the feed
        self._counted = 0  # events the counters were last computed over
        self._counted_rows: list[dict] = []  # every row so far (legitimate port traffic is not in the log)
        self.error = ""
        self._n_injects = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.revision = 0  # bumped by every change: the page redraws when it sees a new one
        self._read_new_events()
        self.save()

    # --- the clock -----------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.model.now

    @property
    def finished(self) -> bool:
        return self.model.finished

    @property
    def playing(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def step(self) -> None:
        """Advance one tick (scenario.tick_min)."""
        try:
            with self.lock:
                if self.model.finished:
                    return
                self.model.step()
                self._read_new_events()
                if self.model.finished:
                    self.save()
        finally:
            self._notify()

    def play(self) -> None:
        """Step in a worker thread, `speed` ticks per second, until paused or finished."""
        with self.lock:
            if self.playing or self.model.finished:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="drill-play", daemon=True)
            self._thread.start()
        self._notify()

    def pause(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()  # at most one step: the loop checks the stop flag between steps
        self.save()
        self._notify()

    def close(self) -> None:
        """Stop playing and write the log (the browser session ended)."""
        self.pause()

    def _loop(self) -> None:
        saved = time.perf_counter()
        try:
            while not self._stop.is_set() and not self.model.finished:
                started = time.perf_counter()
                self.step()
                if self.model.finished:
                    break
                if started - saved > AUTOSAVE_S:
                    self.save()
                    saved = started
                self._stop.wait(max(0.0, 1.0 / self.speed - (time.perf_counter() - started)))
        except Exception as exc:  # noqa: BLE001  (shown on the page; the log so far is kept)
            self.error = f"the drill stopped: {type(exc).__name__}: {exc}"
            self.save()
            raise
        finally:
            self._thread_done()

    def _thread_done(self) -> None:
        """The play thread ends: the page must hear of it (Play comes back)."""
        with self.lock:
            self._thread = None
        self._notify()

    # --- injects -------------------------------------------------------------------------
    def inject(self, type: str, *, replayed: bool = False, **params: object) -> str:
        """Start an inject now (any registered type; params as a scenario file writes them).
        Checked like a scenario file's inject; a refusal (ValueError) names the key and what is
        allowed, and nothing is fired. Logged at once. Returns the inject's name. `replayed`: a
        drill's inject re-run (sim/drill/counterfactual.py); the group a tip names was on the
        move in the drill, and one that is not in this run is left to the tip (it reports nothing)."""
        with self.lock:
            if self.model.finished:
                raise ValueError("the drill is over: no more injects")
            name = f"trainer-{self._n_injects + 1}-{type}"
            key = f"inject {name}"
            problems = Problems()
            raw = {**params, "type": type, "start_hours": self.model.now / 60.0}
            chosen = parse_choice("inject", raw, key, PLUGINS, problems, named_only=False)
            if chosen is not None and not problems:
                problems.extend(check_tree(chosen.params, key))
            if chosen is not None and not problems:
                names = {r: self.names(r) for r in ("agency", "organisation", "unit_group", "sector", "mode")}
                groups = self.world.scenario.sensors
                placed = [s.params.name for s in self.model.sensors]
                up = {s.params.group for s in self.model.sensors}
                later = {g for g, c in groups.items() if c.params.installed_day > 0 and g not in up}
                names.update(sensor=SensorNames(groups, placed, later), node=range(self.world.terrain.n_nodes))
                if not replayed:
                    names.update(attempt=[a for a, _ in self.active_groups()])
                problems.extend(check_refs(chosen.params, key, names, PLUGINS))
            if chosen is not None and not problems and chosen.type == "decoy":
                org = next(o for o in self.model.orgs if o.params.name == chosen.params.organisation)
                if not org.decoys_can_walk():
                    problems.append(
                        f"{key}.organisation: {org.params.name}'s groups cannot walk to any destination (barriers "
                        "close the border on foot); allowed: an organisation whose staging areas reach one on foot"
                    )
            if problems:
                raise ValueError("; ".join(problems))
            self._n_injects += 1
            self.model.inject(name, chosen, start_min=self.model.now)
            self._settle()  # apply it now, not at the next tick
            if self.autosave:
                self.save()
        self._notify()
        return name

    def names(self, ref: str) -> list[str]:
        """What a reference of kind `ref` may name in this drill (for forms and checks)."""
        spec, terrain = self.world.scenario, self.world.terrain
        return {
            "agency": list(spec.agencies),
            "organisation": list(spec.organisations),
            "unit_group": list(spec.units),
            "mode": list(spec.modes),
            "sector": list(terrain.sector_names),
            "sensor": list(spec.sensors),
        }.get(ref, [])

    # --- seats ---------------------------------------------------------------------------
    @property
    def seats(self) -> list[str]:
        """The seats: one per command centre (an agency's, or a joint / task-force centre)."""
        return list(self._orders)

    def order(self, seat: str, action: str, **args: object) -> str:
        """Carry out seat `seat`'s order now (`action` one of ORDERS; args as Orders' methods
        take them: unit, incident, node, alert, partner). Checked server-side against the seat's
        centre; a refusal (OrderRefused, a ValueError) says why and changes nothing but what any
        order does first: it runs what was already due at this minute (`settle`). Returns what
        was done, in words."""
        with self.lock:
            orders = self._seat(seat)
            if self.model.finished:
                raise OrderRefused("the drill is over: no more orders")
            if action not in ORDERS:
                raise OrderRefused(f"unknown order {action!r}; allowed: {', '.join(ORDERS)}")
            method = {"mou": orders.request_mou}.get(action) or getattr(orders, action)
            # what is due at this minute (a shift's start or end) runs first, so an order sees the
            # same state whatever orders (accepted or refused) came before it at this minute: the
            # counterfactual, which replays only some of them, then meets the same state (and
            # settles where a refused order did: a trainer's inject of that minute then comes
            # after the minute's events, as in the drill)
            self._settle()
            try:
                try:
                    inspect.signature(method).bind(**args)
                except TypeError as exc:  # an argument missing or unknown: refused and logged as any refusal
                    given = {k: v for k, v in args.items() if k in _ORDER_ARGS and not malformed({k: v})}
                    orders.refuse(action, f"{exc}; allowed: {', '.join(inspect.signature(method).parameters)}", **given)
                result = method(**args)
            finally:
                self._settle()
            if self.autosave:
                self.save()
            eta = f", due in {result:.0f} min" if isinstance(result, float) else ""
            done = f"{action} done at {clock(self.now)}{eta}"  # the minute it was given, under the lock
        self._notify()
        return done

    def refuse(self, seat: str, action: str, reason: str, **args: object) -> None:
        """Log seat `seat`'s order as refused for `reason` (OrderRefused raised), as `order` logs
        a refusal, the minute's due events run first: a replayed order that no longer applies."""
        with self.lock:
            orders = self._seat(seat)
            self._settle()
            try:
                orders.refuse(action, reason, **args)
            finally:
                self._settle()

    def look(self, seat: str, action: str, alert: int = -1, incident: int = -1) -> None:
        """Seat `seat` opened or acknowledged one of its alerts or incidents: logged with the time
        and what the seat had been told by then. Once the drill is over nothing more is logged
        (the log ends with run_end; a page may still be open and clicked)."""
        with self.lock:
            if self.model.finished:
                return
            self._seat(seat).look(action, alert=alert, incident=incident)
            self._read_new_events()
        self._notify()

    def has_incident(self, seat: str, incident: int, node: int) -> bool:
        """Whether seat `seat`'s centre has open incident `incident` at cell `node`."""
        with self.lock:
            c = self._seat(seat).centre
            return any(i.id == incident and i.target == node and i.open for i in c.incidents)

    def incident_at(self, seat: str, node: int, attempt: int) -> int:
        """The id of seat `seat`'s centre's open incident at cell `node`, one about group `attempt`
        first, then the earliest opened (-1: none): where a replayed order about an incident
        goes when this run numbered its incidents otherwise."""
        with self.lock:
            here = [i for i in self._seat(seat).centre.incidents if i.open and i.target == node]
            about = [i for i in here if i.alerts and i.alerts[0].attempt == attempt]
            return (about or here)[0].id if here else -1

    def alert_at(self, seat: str, alert: int, node: int, attempt: int) -> int:
        """The id of the alert seat `seat`'s centre received at cell `node` about group `attempt`:
        `alert` if that one is, else the latest such one (-1: none): where a replayed share goes
        when this run numbered its alerts otherwise."""
        with self.lock:
            received = self._seat(seat).centre.received
            a = received.get(alert)
            if a is not None and a.node == node and a.attempt == attempt:
                return alert
            same = [a.id for a in received.values() if a.node == node and a.attempt == attempt]
            return same[-1] if same else -1

    def _seat(self, seat: str) -> Orders:
        orders = self._orders.get(seat)
        if orders is None:
            raise OrderRefused(f"no seat {seat!r}; allowed: {', '.join(self._orders)}")
        return orders

    def settle(self) -> None:
        """Run what is due at this minute now, as an order does before it is checked (a replay
        does this where the drill's seat gave an order that was refused)."""
        with self.lock:
            if not self.model.finished:
                self._settle()

    def _settle(self) -> None:
        """Run what an order or inject set off at this minute (a unit turning), then read the log."""
        env = self.model.env
        while env.peek() <= env.now:
            env.step()
        self._read_new_events()

    def picture(self, seat: str) -> Picture:
        """What seat `seat` may see now: its alerts, units, incidents, sensors and feed."""
        with self.lock:
            c = self._seat(seat).centre
            m, t = self.model, self.model.now
            sensors = [x for x in m.sensors if x.params.agency == seat]
            helpers = sorted(a.agency for a in self.world.scenario.agreements.values() if a.host == seat)
            return Picture(
                seat=seat,
                now=t,
                mode="human" if c.human else "auto",
                playing=self.playing,
                finished=self.finished,
                alerts=alerts(self._seat_rows[seat], t),
                units=units(c, t),
                incidents=incidents(c),
                sensors=tuple(
                    PictureSensor(x.params.id, x.params.node, x.params.type, self._sensor_state(x, t)) for x in sensors
                ),
                feed=tuple(self._seat_feed[seat]),
                partners=tuple(n for n in self._orders if n != seat),
                mou_partners=tuple(h for h in helpers if h in self._orders),
            )

    def _seat_row(self, row: dict) -> None:
        """File a log row under the seats that may see it (their centre's rows, their units')."""
        kind, agency = row["kind"], row["agency"]
        if kind == "alert" and agency in self._seat_rows:
            told = row
            if row["coarse"]:  # the seat knows only the sector: it is shown where its centre places it
                told = {**row, "node": sector_cell(self.world.terrain, row["node"], self._orders[agency].centre.area)}
            self._seat_rows[agency].append(told)
        for name, orders in self._orders.items():
            if self._sees(orders, row):
                self._seat_feed[name].appendleft(self._seat_narrator.line(row))

    def _sees(self, orders: Orders, row: dict) -> bool:
        kind, name = row["kind"], orders.centre.name
        if kind in CENTRE_KINDS or kind in ("sensor_down", "sensor_up"):
            return row["agency"] == name
        return kind in UNIT_KINDS and row["unit"] >= 0 and self.model.unit(row["unit"]) in orders.centre.units

    # --- what the app shows --------------------------------------------------------------
    def map_state(self) -> MapState:
        with self.lock:
            m, t = self.model, self.model.now
            groups = [a for a in m.attempts.values() if a.active and a.timeline.start <= t]
            return MapState(
                t=t,
                unit_ids=np.array([u.params.id for u in m.units], dtype=np.int64),
                unit_nodes=np.array([u.node_at(t) for u in m.units], dtype=np.int64),
                unit_agencies=[u.params.agency for u in m.units],
                unit_on_duty=np.array([u.on_duty_at(t) for u in m.units], dtype=bool),
                group_ids=np.array([a.attempt_id for a in groups], dtype=np.int64),
                group_nodes=np.array([a.timeline.node_at(t) for a in groups], dtype=np.int64),
                group_detected=np.array([a.attempt_id in self.detected for a in groups], dtype=bool),
                sensor_nodes=np.array([s.params.node for s in m.sensors], dtype=np.int64),
                sensor_types=[s.params.type for s in m.sensors],
                sensor_range_km=np.array([_coverage_km(s.params.type, s.params.spec) for s in m.sensors], dtype=float),
                sensor_state=[self._sensor_state(s, t) for s in m.sensors],
                comms_down=self._comms_down(t),
            )

    def _comms_down(self, t: float) -> list[str]:
        """Comms outages in force at t, in words (the live map's red box)."""
        out = []
        for chosen in self.model.injects.values():
            p = chosen.params
            start, end = p.start_hours * 60.0, (p.start_hours + p.duration_hours) * 60.0
            if chosen.type == "comms_outage" and start <= t < end:
                a, b = p.agencies
                out.append(f"comms down: {a} \u2194 {b} (until {clock(end)})")
        return out

    def _sensor_state(self, sensor, t: float) -> str:
        if not bool(sensor.is_up(np.array([t]))[0]):
            return "down"
        last = self._last_alarm.get(sensor.params.id)
        return "alarm" if last is not None and t - last <= ALARM_MINUTES else "up"

    def active_groups(self) -> list[tuple[int, int]]:
        """(attempt id, node) of every group on the move: what a trainer can tip about."""
        return _groups(self.map_state())

    def view(self, feed_lines: int = 80) -> View:
        with self.lock:
            self._update_counters()
            state = self.map_state()
            return View(
                now=self.now,
                playing=self.playing,
                finished=self.finished,
                counters=dict(self.counters),
                error=self.error,
                feed=list(self.feed)[:feed_lines],
                map=state,
                groups=_groups(state),
            )

    def _read_new_events(self) -> None:
        log = self.model.log
        if len(log) == self._cursor:
            return
        for row in log.rows_since(self._cursor):
            if row["kind"] == "detection":
                self.detected.add(row["attempt"])
            if row["kind"] == "alert" and row["sensor"] >= 0:
                self._last_alarm[row["sensor"]] = row["t"]
            self._counted_rows.append(row)
            if row["kind"] not in NOT_NARRATED:
                self.feed.appendleft(self.narrator.line(row))
                self._seat_row(row)
        self._cursor = len(log)

    def _update_counters(self) -> None:
        """The counters from sim/metrics.py over the log so far. Computed when shown, not per
        step."""
        if self._counted == self._cursor:
            return
        self._counted = self._cursor
        summary = summarize(pa.Table.from_pylist(self._counted_rows, schema=SCHEMA))
        self.counters = counters(summary)

    def _notify(self) -> None:
        self.revision += 1

    def touch(self) -> None:
        """Something the pages show changed outside the model (a seat joined or left): redraw."""
        self._notify()

    # --- files ---------------------------------------------------------------------------
    def save(self) -> Path:
        """Write the log so far in the layout of a batch run (atomic files; repeated saves
        replace the previous ones)."""
        with self.lock:
            out = self.out_dir
            events, plans, ports = labelled(
                self.model.log.to_arrow(), self.model.plans.to_arrow(), self.model.port_vehicles(), 0, self.seed
            )
            # config.yaml first: each file is atomic but the set is not, and a trainer's inject in the
            # config but not yet in the events is harmless (the replay follows the event rows)
            self._write_config(out)
            write_parquet_atomic(events, out / "events" / "rep-0.parquet")
            write_parquet_atomic(plans, out / "plans" / "rep-0.parquet")
            write_parquet_atomic(ports, out / "port_vehicles" / "rep-0.parquet")
            if not (out / "terrain_nodes.parquet").exists():
                nodes, edges = terrain_tables(self.world)
                write_parquet_atomic(nodes, out / "terrain_nodes.parquet")
                write_parquet_atomic(edges, out / "terrain_edges.parquet")
            return out

    def _write_config(self, out: Path) -> None:
        """config.yaml: the seed, the minute played to and the scenario with every inject."""
        scenario = dump(self.world.scenario)
        scenario["injects"] = {k: dump(v) for k, v in self.model.injects.items()}
        drill = {"seed": self.seed, "drill": {"origin": self.origin, "minute": self.model.now}, "scenario": scenario}
        write_text_atomic(yaml.safe_dump(drill, sort_keys=False), out / "config.yaml")
