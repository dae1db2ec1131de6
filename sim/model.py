"""BorderModel: one SimPy clock (minutes), Mesa agents, one event log.

Order of a replication:
1. t = 0: every asset is logged (costs), sensors put their pre-drawn failures, repairs and
   false alarms on the clock, units start their shift processes, organisations start
   generating attempts.
2. The clock runs events in (time, priority, insertion) order (SimPy). Nothing moves edge by
   edge: a plan (timeline) of a unit or a group is published when made, and the events that
   can change something are scheduled then: sensor detections (vectorised exposure), unit-group
   encounters that lead to a detection (space-time index), the border crossing, the arrival.
   Each carries the plan's version and is ignored if the plan changed before it came due.
3. A detection by a sensor raises an alert at its agency's command centre; the group may
   notice and react (re-plan). A detection by a unit is a contact: the unit apprehends up to
   its capacity. Command centres dispatch units; arriving units search; a found group is a
   contact.
4. At the horizon, `run_end` is logged; groups still moving are "under way".
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import count

import mesa
import numpy as np
import pyarrow as pa
import simpy
from mesa.agent import AgentSet

from sim.agents.command import Alert, CommandCentre
from sim.agents.intel import Intelligence
from sim.agents.patrols import PatrolUnit
from sim.agents.ports import PortOfEntry, port_tables
from sim.agents.sensors import Sensor
from sim.agents.smugglers import Attempt, Organisation
from sim.assets import SensorParams
from sim.comms import Comms
from sim.coordination import COORDINATION
from sim.detection import exposure_between, sensor_hits
from sim.injects import INJECTS
from sim.interactions import Interactions
from sim.movement import PresenceIndex, fresh
from sim.params import Chosen
from sim.recorder import PlanLog, Recorder
from sim.rng import Streams, address_key, addressed_uniform
from sim.terrain.model import HOME
from sim.world import World, coverage_of, place_sensor_group

UNITS, GROUPS = 0, 1
LATE = simpy.core.NORMAL + 1  # priority of events that run after every ordinary event of their instant


class BorderModel(mesa.Model):
    """A border region with agencies, sensors, patrols and smugglers, for one seed.

    `run()` plays the whole horizon; `step()` advances the SimPy clock by one tick (for the
    live map and Mesa's DataCollector). Mesa's own `time` counts steps; simulated minutes are
    `model.now`.

    `human` names the command centres whose decisions a live drill's seats make (their
    incidents wait for orders, sim/agents/orders.py); batch runs leave it empty.
    """

    def __init__(self, world: World, seed: int, human: Iterable[str] = (), seated: bool = False) -> None:
        """A replication of `world` on `seed`; `human`: the centres a seat decides, `seated`: a live
        drill, where every centre has a seat (deciding or watching) that may name its alerts and
        incidents (they are kept for it)."""
        super().__init__(rng=seed)
        self.world = world
        self.seed = seed
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.log = Recorder()
        self.plans = PlanLog()  # every movement plan, for replays
        self.presence = PresenceIndex(until=world.horizon_min)
        self._ids: dict[str, count] = {}
        self.finished = False
        self.weather: dict[str, float] = {}  # active weather injects: detection multipliers
        self.injects: dict[str, Chosen] = {}  # every inject scheduled: the scenario's and a live drill's
        self.outages: list[tuple[Callable[[Sensor], bool], float]] = []  # sensor outages begun: which
        # sensors each takes down, until when (a sensor installed during one is down from its install)
        self._unit_by_id = tuple(PatrolUnit(self, p) for p in world.units)  # ids are 0..n-1
        self.comms = Comms(self)
        coordination = world.scenario.coordination
        policy = COORDINATION.get(coordination.policy)
        self.coordination = policy(self, coordination.settings.get(policy.name) or policy.Params())
        self.coordination.build()
        human = set(human)
        if human - set(self.coordination.centres):
            raise ValueError(
                f"human: no centre {', '.join(sorted(human - set(self.coordination.centres)))}; "
                f"allowed: {', '.join(self.coordination.centres)}"
            )
        for name, centre in self.coordination.centres.items():
            centre.human = name in human
            centre.seated = seated or centre.human
        self.intel = Intelligence(self)
        self._sensor_by_id = tuple(Sensor(self, p) for p in world.sensors)
        self.coverage = world.coverage  # this run's: sensor groups installed later extend it
        self.known_risk = world.known_risk  # exposure per hour of the towers organisations know of
        self._known_risk_key = "known_risk"  # names known_risk's content (keys cached routes)
        self.corridor_crossings = np.zeros(world.corridors.n, dtype=np.int64)  # so far, per corridor
        for p in world.ports:
            PortOfEntry(self, p)
        for o in world.orgs:
            Organisation(self, o)
        self.attempts: dict[int, Attempt] = {}
        self.interactions = Interactions(self)
        t = world.terrain
        self._barrier_pairs = {(int(t.edge_u[e]), int(t.edge_v[e])) for b in world.barriers for e in b.edges}
        self._start()
        for name, centre in self.coordination.centres.items() if human else ():
            self.log.record(0.0, "mode", agency=name, detail="human" if centre.human else "auto")

    # --- agents: registered Mesa agents, reached through their AgentSets ---------------------
    def _agents(self, cls: type) -> AgentSet:
        return self.agents_by_type.get(cls) or AgentSet([], random=self.random)

    @property
    def units(self) -> AgentSet:
        """Patrol units, in id order."""
        return self._agents(PatrolUnit)

    @property
    def sensors(self) -> AgentSet:
        """Fixed sensors, in id order."""
        return self._agents(Sensor)

    @property
    def ports(self) -> AgentSet:
        return self._agents(PortOfEntry)

    @property
    def orgs(self) -> AgentSet:
        return self._agents(Organisation)

    @property
    def centres(self) -> AgentSet:
        """Command centres (the coordination policy made them)."""
        return self._agents(CommandCentre)

    def new_centre(
        self,
        name: str,
        area: np.ndarray,
        operators: int,
        handling_min: float,
        handling: str,
        correlate_km: float,
        correlate_min: float,
    ) -> CommandCentre:
        """A command centre (a registered agent), for the coordination policy to hand units to."""
        return CommandCentre(self, name, area, operators, handling_min, handling, correlate_km, correlate_min)

    def unit(self, uid: int) -> PatrolUnit:
        """Unit `uid` (ids come back from the space-time index and the event log)."""
        return self._unit_by_id[uid]

    def sensor(self, sid: int) -> Sensor:
        return self._sensor_by_id[sid]

    # --- clock helpers -------------------------------------------------------------------
    @property
    def now(self) -> float:
        return float(self.env.now)

    def next_id(self, family: str) -> int:
        return next(self._ids.setdefault(family, count()))

    def after(self, delay: float, fn, *args) -> None:
        """Call fn(*args) `delay` minutes from now (the clock adds the delay itself, exactly as a
        SimPy timeout of a process would)."""
        self.env.timeout(delay).callbacks.append(partial(_fire, fn, args))

    def at(self, t: float, fn, *args, first: bool = False, last: bool = False) -> None:
        """Call fn(*args) at simulated time t (never earlier than now); `first`: before the
        ordinary events of that instant; `last`: after every ordinary event of that instant,
        including those scheduled for it meanwhile. A call due at or after the horizon is not
        scheduled: only events strictly before the horizon belong to the run (the clock stops
        there; a `first` call at exactly the horizon used to slip in before the stop), and a
        group's arrival, crossing and sensor detections beyond a short horizon were most of the
        clock's events."""
        if t >= self.world.horizon_min:
            return
        if first or last:
            ev = simpy.Event(self.env)
            ev._ok, ev._value = True, None  # a triggered event, scheduled by hand with a priority
            ev.callbacks.append(partial(_fire, fn, args))
            self.env.schedule(ev, simpy.core.URGENT if first else LATE, max(0.0, t - self.env.now))
            return
        self.after(max(0.0, t - self.env.now), fn, *args)

    # --- set-up and running --------------------------------------------------------------
    def _start(self) -> None:
        w, log = self.world, self.log
        log.record(
            0.0,
            "run_start",
            duration_min=w.horizon_min,
            detail=w.scenario.name,
            discount_rate=w.scenario.costs.discount_rate,
            measure_from_min=w.scenario.corridors.measure_from_day * 1440.0,
        )
        for u in self.units:
            s = u.params.spec
            log.record(
                0.0,
                "asset",
                agency=u.params.agency,
                unit=u.params.id,
                source=f"unit:{s.mode}",
                node=u.params.base,
                capital_usd=s.capital_usd,
                opex_usd_per_day=s.cost_per_officer_hour_usd * s.officers * 24.0,
                lifetime_years=s.lifetime_years,
            )
        for name in self.coordination.centres:
            log.record(0.0, "centre", agency=name)
        corridors = w.corridors
        for k, name in enumerate(corridors.names):
            log.record(
                0.0,
                "corridor",
                source=name,
                size=k,
                from_km=float(corridors.from_km[k]),
                to_km=float(corridors.to_km[k]),
                difficulty=float(corridors.difficulty[k]),
            )
        for s in self.sensors:
            self._log_sensor_asset(s.params)
        for b in w.barriers:
            log.record(
                0.0,
                "asset",
                agency=b.agency,
                source="barrier",
                size=int(b.edges.size),
                capital_usd=b.spec.capital_usd_per_km * b.length_km,
                opex_usd_per_day=b.spec.opex_usd_per_km_day * b.length_km,
                detail=b.name,
                lifetime_years=b.spec.lifetime_years,
            )
        for u in self.units:  # where each unit waits before its first plan
            self.record_plan("unit", u.params.id, u.timeline)
        for port in self.ports:
            port.start()
        for s in self.sensors:
            s.schedule()
        for gname, chosen in w.later_sensors:
            self.at(chosen.params.installed_day * 1440.0, self._install_sensors, gname, chosen)
        for u in self.units:
            u.process = self.env.process(u.run())
        for o in self.orgs:
            self.env.process(o.run())
        self.intel.start()
        for name, spec in w.scenario.injects.items():
            self.inject(name, spec)

    def _log_sensor_asset(self, p: SensorParams) -> None:
        """A sensor enters service (its costs count from now): logged with its corridor."""
        corridors = self.world.corridors
        self.log.record(
            self.now,
            "asset",
            agency=p.agency,
            sensor=p.id,
            source=f"sensor:{p.type}",
            node=p.node,
            capital_usd=p.spec.capital_usd,
            opex_usd_per_day=p.spec.daily_opex_usd,
            lifetime_years=p.spec.lifetime_years,
            detail=corridors.names[corridors.index_at(self.world.terrain.x[p.node])] if corridors.n else "",
        )

    def _install_sensors(self, gname: str, chosen: Chosen) -> None:
        """A sensor group goes up (its `installed_day`): placed now (a `busiest` corridor is the one
        with the most crossings so far, ties to the westernmost), logged, put on the clock; the
        run's coverage and known risk grow; every moving group keeps its detection thresholds (the
        new sensors draw theirs, the others go on with what is left of their own)."""
        w = self.world
        name = chosen.params.corridor
        if name == "busiest":
            # the most crossings so far (ties to the west) among corridors a group can cross
            crossings = np.where(w.corridors.crossable, self.corridor_crossings, -1)
            corridor = int(np.argmax(crossings)) if w.corridors.n else None
        else:
            corridor = w.corridors.index(name) if name else None
        first = len(self._sensor_by_id)
        placed = place_sensor_group(w.terrain, w.corridors, gname, chosen, corridor, first, w.scenario.terrain.seed)
        new = tuple(Sensor(self, p, installed_min=self.now) for p in placed)
        self._sensor_by_id += new
        for sensor in new:
            self._log_sensor_asset(sensor.params)
            sensor.schedule()
            for covers, until in self.outages:
                if until > self.now and covers(sensor):
                    sensor.force_down(self.now, until)
        self.coverage, known = coverage_of(w.terrain.n_nodes, [s.params for s in self._sensor_by_id])
        if not np.array_equal(known, self.known_risk):  # a hidden sensor changes nothing organisations know
            # routes are cached in the world across replications: the key names the content
            self.known_risk = known
            self._known_risk_key = f"known_risk:{hashlib.sha256(known.tobytes()).hexdigest()[:16]}"
        self.sensors_changed()

    def known_risk_penalty(self, weight: float) -> tuple[np.ndarray, str]:
        """`weight` x the exposure per hour of the towers organisations know of now (towers
        installed during the run included, from their install), with the routing-cache key
        that names it (for `Router.path`'s node_penalty and penalty_key)."""
        return weight * self.known_risk, f"{self._known_risk_key}*{weight}"

    def inject(self, name: str, chosen: Chosen, start_min: float | None = None) -> None:
        """Schedule an inject (a scenario's, or one a trainer adds during a live drill) at its
        start (`start_min`, default its start_hours), never earlier than now. Its name must be new."""
        if name in self.injects:
            raise ValueError(f"inject {name!r} exists already; allowed: a new name")
        self.injects[name] = chosen
        start = chosen.params.start_hours * 60.0 if start_min is None else start_min
        # a live inject goes before the other events of its minute, as a scenario's (scheduled
        # at t = 0, so earlier in the queue) would
        self.at(start, INJECTS.get(chosen.type)(self, name, chosen.params).begin, first=start_min is not None)

    @property
    def detection_factor(self) -> float:
        """Multiplier of every sensor's and unit's detection now (weather injects)."""
        return float(np.prod(list(self.weather.values()))) if self.weather else 1.0

    def _end(self) -> None:
        """Events strictly before the horizon belong to the run; run_end closes the log."""
        if not self.finished:
            self.finished = True
            self.running = False
            self.log.record(self.world.horizon_min, "run_end", duration_min=self.world.horizon_min)

    def port_vehicles(self) -> pa.Table:
        """Every vehicle through the ports so far (sim.recorder.PORT_SCHEMA), up to now."""
        return port_tables(
            self.ports, min(self.now, self.world.horizon_min) if not self.finished else self.world.horizon_min
        )

    def run(self) -> Recorder:
        """Play the replication to its horizon and return the event log. Python's cyclic garbage
        collector is paused meanwhile (see `collector_paused`)."""
        if self.now < self.world.horizon_min:
            with collector_paused():
                self.env.run(until=self.world.horizon_min)
        self._end()
        return self.log

    def step(self) -> None:
        """Advance the simulated clock by one tick (scenario.tick_min); the last tick ends the run."""
        horizon = self.world.horizon_min
        until = min(self.now + self.world.scenario.tick_min, horizon)
        if until > self.now:
            self.env.run(until=until)
        if self.now >= horizon:
            self._end()

    # --- plans published -----------------------------------------------------------------
    def _unit_version(self, uid: int) -> int:
        u = self._unit_by_id[uid]
        return u.version if u.observing else -1

    def _attempt_version(self, aid: int) -> int:
        a = self.attempts.get(aid)
        return a.version if a is not None and a.active else -1

    def record_plan(self, mover: str, ident: int, tl) -> None:
        self.plans.record(self.now, mover, ident, tl.version, tl.start, tl.nodes, tl.times)

    def on_unit_planned(self, unit: PatrolUnit) -> None:
        for enc in self.presence.publish(UNITS, unit.params.id, unit.timeline, self._attempt_version, self.now):
            self.interactions.consider_encounter(unit, unit.version, self.attempts[enc.other], enc.other_version, enc)

    def on_attempt_planned(self, a: Attempt) -> None:
        self.attempts[a.attempt_id] = a
        self.record_plan("attempt", a.attempt_id, a.timeline)
        tl, v = a.timeline, a.version
        for enc in self.presence.publish(GROUPS, a.attempt_id, tl, self._unit_version, self.now):
            self.interactions.consider_encounter(self._unit_by_id[enc.other], enc.other_version, a, v, enc)
        self._schedule_sensor_hits(a, a.first_visit_counted)
        self.ensure_crossed(a, int(tl.nodes[0]))  # re-planned inside the first home cell
        i = a.crossing_index()
        if i is not None:  # the group crosses when it enters the first home cell
            entered = 0.5 * float(tl.times[i - 1] + tl.times[i])
            self.at(entered, self._crossed, a, v, int(tl.nodes[i]), int(tl.nodes[i - 1]))
        self.at(tl.end, self._arrived, a, v)
        self.interactions.on_group_planned(a)
        if a.version > 1:
            self.intel.on_plan(a)
        tl.forget()

    # sensor states, read by sim.detection
    def is_up(self, sensor_id: int, times: np.ndarray) -> np.ndarray:
        return self._sensor_by_id[sensor_id].is_up(times)

    def down_minutes_before(self, sensor_id: int, times: np.ndarray) -> np.ndarray:
        return self._sensor_by_id[sensor_id].down_minutes_before(times)

    def when_up_for(self, sensor_id: int, start: float, minutes: float) -> float:
        return self._sensor_by_id[sensor_id].when_up_for(start, minutes)

    def never_down(self, sensor_id: int) -> bool:
        return self._sensor_by_id[sensor_id].never_down()

    # --- events --------------------------------------------------------------------------
    def _schedule_sensor_hits(self, a: Attempt, first_visit_counted: bool, keep_thresholds: bool = False) -> None:
        """Schedule the group's sensor detections along its plan from now. A new plan draws new
        thresholds (exact: the hazard is memoryless); a change of the sensors (`keep_thresholds`)
        keeps them, less the exposure each sensor gave since the last schedule under the
        conditions then (sim.detection.exposure_between), so a run with the change and one
        without share every draw of the sensors they share."""
        drawn = a.sensor_drawn
        if keep_thresholds and drawn is not None:
            since, coverage, factor, counted = drawn
            for s, e in exposure_between(
                a.timeline, coverage, self, a.detected_by, since, self.now, counted, factor
            ).items():
                a.sensor_spent[s] = a.sensor_spent.get(s, 0.0) + e
        else:
            a.sensor_thresholds += 1
            a.sensor_spent = {}
        a.sensor_epoch += 1
        a.sensor_drawn = (self.now, self.coverage, self.detection_factor, first_visit_counted)
        for hit in sensor_hits(
            a.timeline,
            self.coverage,
            self,
            a.detected_by,
            address_key(self.seed, f"sensors:{a.stream_name}:{a.sensor_thresholds}"),
            self.now,
            first_visit_counted=first_visit_counted,
            factor=self.detection_factor,
            until=self.world.horizon_min,
            spent=a.sensor_spent,
        ):
            self.at(hit.time, self._sensor_detection, a, a.version, a.sensor_epoch, hit.sensor, hit.node)

    def sensors_changed(self) -> None:
        """Sensor schedules or detection conditions changed (an inject): every group on the move
        gets its sensor detections scheduled again from now, each sensor with what is left of its
        threshold (`_schedule_sensor_hits`). A cell's centre passed before now counts no more
        (sim.detection); one reached exactly now is still due, as it was in the schedule replaced:
        an inject begins and ends, and sensors are installed, before the ordinary events of their
        minute, the detections at that centre among them (sim/injects/base.py; a group launched at
        an inject's minute lost its staging cell's detection)."""
        for a in list(self.attempts.values()):
            if a.active:
                self._schedule_sensor_hits(a, a.first_visit_counted, keep_thresholds=True)

    def ensure_crossed(self, a: Attempt, node: int) -> None:
        """A group acted on in a home cell has crossed: log the crossing first if an event at
        the same instant came before it."""
        if not a.crossed and self.world.terrain.side[node] == HOME:
            self._crossed(a, a.version, node, -1)

    def _crossed(self, a: Attempt, v: int, node: int, prev: int) -> None:
        if not fresh(a, v) or a.crossed:
            return
        a.crossed = True
        breach = (min(prev, node), max(prev, node)) in self._barrier_pairs
        corridors = self.world.corridors
        k = corridors.index_at(self.world.terrain.x[node]) if corridors.n else -1
        if k >= 0:
            self.corridor_crossings[k] += 1
            if a.corridor is None:
                a.corridor = k
        self.log.record(
            self.now,
            "crossed",
            attempt=a.attempt_id,
            node=node,
            detail="breach" if breach else "",
            source=corridors.names[k] if k >= 0 else "",
        )

    def _arrived(self, a: Attempt, v: int) -> None:
        if not fresh(a, v):
            return
        node = int(a.timeline.nodes[-1])
        self.ensure_crossed(a, node)
        if a.heading_to == a.origin and node == a.origin:
            a.finish("turned_back")
            self.log.record(self.now, "turned_back", attempt=a.attempt_id, node=node)
        elif node == a.dest:
            a.finish("got_away")
            self.log.record(self.now, "got_away", attempt=a.attempt_id, node=node, size=a.size)
        self.interactions.group_gone(a)

    def _sensor_detection(self, a: Attempt, v: int, epoch: int, sensor_id: int, node: int) -> None:
        if not fresh(a, v) or a.sensor_epoch != epoch or sensor_id in a.detected_by:
            return
        a.detected_by.add(sensor_id)
        self.ensure_crossed(a, node)
        sp = self._sensor_by_id[sensor_id].params
        self.log.record(
            self.now, "detection", attempt=a.attempt_id, sensor=sensor_id, agency=sp.agency, node=node, source=sp.type
        )
        self.raise_alert(sp.agency, node, attempt=a.attempt_id, source=sp.type, sensor=sensor_id)
        if addressed_uniform(self.seed, f"notice:{a.stream_name}:{sp.name}") < a.org.params.spec.notice_prob:
            self.react_after_instant(a)  # (each sensor detects a group once: one draw per group and sensor)

    def react_after_instant(self, a: Attempt) -> None:
        """The group noticed it was seen: it reacts once every other event due at this instant
        has been seen (a second sensor in the same cell, a patrol met there), so a re-plan never
        drops an event of the same minute. Several notices at one instant give one reaction."""
        if a.reaction_due:
            return
        a.reaction_due = True
        self.at(self.now, self._react, a, last=True)

    def _react(self, a: Attempt) -> None:
        a.reaction_due = False
        a.react()

    def alert_address(self, alert: Alert) -> str:
        """What an alert is, in terms that do not depend on the order the run processed events in
        (alert ids do): its source, the agency it came from and the sensor or unit that raised it,
        the group it is about (its organisation and launch number) or, for an alert about no group,
        its time (false alarms are drawn as a Poisson process of their own), its cell, and the
        centre that passed it on. What the draws made for it are addressed by (with the count of
        such alerts before it, `CommandCentre.draw_key`)."""
        if alert.sensor >= 0:
            raiser = self.sensor(alert.sensor).params.name
        else:
            raiser = self.unit(alert.unit).params.name if alert.unit >= 0 else ""
        about = self.attempts[alert.attempt].stream_name if alert.attempt >= 0 else f"t={alert.time!r}"
        return f"{alert.source}:{alert.origin}:{raiser}:{about}:{alert.node}:{alert.shared_from}"

    def raise_alert(
        self,
        agency: str,
        node: int,
        attempt: int,
        source: str,
        sensor: int = -1,
        unit: int = -1,
        hold_min: float | None = None,
    ) -> None:
        """An alert from `agency`'s asset (or a tip to it) reaches the centres the coordination
        policy names, at once."""
        first = -1
        for k, centre in enumerate(self.coordination.receivers(agency)):
            alert_id = self.next_id("alert")
            centre.receive(
                Alert(
                    alert_id,
                    self.now,
                    centre.name,
                    node,
                    attempt,
                    source,
                    sensor,
                    unit,
                    origin=agency,
                    hold_min=hold_min,
                    copy=k > 0,
                    first=first,
                )
            )
            first = alert_id if k == 0 else first


def _fire(fn, args, _event) -> None:
    fn(*args)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, then restore its previous state.

    A replication holds millions of small containers (presence-index entries, timelines, events)
    but makes almost no reference cycles: a border-10k run of the engine benchmark leaves about
    800 objects for the collector, all else is freed by reference counting. The collector's
    passes over the live containers cost a quarter of that run (9.97 s -> 7.1-7.6 s) and find
    nothing to free; in a demo replication it spent 18 ms, now 3.6 ms."""
    enabled = gc.isenabled()
    try:
        gc.disable()
        yield
    finally:
        if enabled:
            gc.enable()
