"""Command centres: operators queue and handle alerts, then open incidents and dispatch units.

Order for one alert: (1) it arrives and is logged (`alert`); (2) it waits for a free operator
(FIFO, `operators` servers); (3) the operator spends the handling time on it and, when done,
logs `alert_handled` (with the queue wait); (4) if an open incident of this centre lies within
correlate_km and was opened within correlate_min, the alert joins it; otherwise (5) a new
incident is opened at the cell of the centre's area nearest to the alert (a coarse alert, whose
precise location was stripped, is placed near the border in the middle of its sector) and (6) the
scenario's dispatch rule (sim/policies/dispatch/) picks the unit and the cell. Under `nearest`,
the default: of the units this centre may task, the available one that may act there and
arrives first is dispatched: its arrival counts the rest of its current move, any MOU
authorisation time and the travel, and must be within its agency's `max_response_min`; if none
may act there, a multi-agency centre sends the quickest unit to the nearest cell where its own
agency may act (interception); else `no_unit` is logged. (`intercept` instead sends a unit to wait
on the group's route ahead.) (7) the coordination policy decides what the centre passes on to
other agencies. Under `nearest` the operator does not know which group an alert is about, only
where and when: an alert about a group already caught or gone is handled like any other, and
the response it causes counts in `wasted_responses` (sim/metrics.py).
A centre belongs to an agency, or is shared (joint command, task force).

A `human` centre (a seat of a live drill decides for it, sim/agents/orders.py) stops after (4)/(5):
the new incident waits in its open incidents for the seat's order (`incident_open`, with the unit
that step (6) would have sent as a suggestion); (7) still runs. An `mou_request` alert (a seat
asking a partner for support under an MOU) is answered at the requesting centre's cell, not in
the helper's own area. Batch runs have no human centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.agents.base import RunAgent
from sim.policies.dispatch import DISPATCH_RULES
from sim.rng import addressed_uniform

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit
    from sim.model import BorderModel
    from sim.terrain.model import Terrain


NEAREST_FIRST_LIMIT_MIN = 15.0  # dispatch searches travel times this far out first, then 2x wider


@dataclass
class Alert:
    id: int
    time: float
    agency: str  # the centre it is addressed to
    node: int
    attempt: int  # ground truth (-1 = false alarm); the command centre does not read it
    source: str
    sensor: int = -1
    unit: int = -1
    origin: str = ""  # agency owning the asset (or receiving the tip) that raised it
    shared_from: str = ""  # centre that passed it on ("" = first-hand)
    coarse: bool = False  # the precise location was stripped: only the sector is known
    hold_min: float | None = None  # a tip: the unit waits this long at the location (None: its search_min)
    copy: bool = False  # the same alert reaching a second centre (task force)
    first: int = -1  # the first-hand alert this is a receipt of (a copy passed on or a second
    # centre's); -1: it is first-hand itself (see `first_hand`)

    @property
    def first_hand(self) -> int:
        """The id of the first-hand alert this one is (a receipt of)."""
        return self.first if self.first >= 0 else self.id


@dataclass
class Incident:
    id: int
    agency: str
    node: int  # where the alert placed the group
    target: int  # home-side cell the unit goes to
    opened: float
    alerts: list[Alert] = field(default_factory=list)
    unit: PatrolUnit | None = None
    open: bool = True
    coarse: bool = False
    hold_min: float | None = None  # how long the unit waits there (None: its search_min)
    how: str = ""  # why the dispatched unit may act there: own | mou | task_force

    @property
    def attempts(self) -> set[int]:
        """Ground-truth attempts behind the incident's alerts (used by the search, not by staff)."""
        return {a.attempt for a in self.alerts if a.attempt >= 0}


def sector_cell(terrain: Terrain, node: int, area: np.ndarray) -> int:
    """Where a centre that knows only the sector of `node` places it: the sector's middle, near
    the border, in its own area (in the sector where it may act there)."""
    in_sector = terrain.sector == terrain.sector[node]
    x = 0.5 * (terrain.x[in_sector].min() + terrain.x[in_sector].max())
    return terrain.nearest_node(x, 1.0, area & in_sector if (area & in_sector).any() else area)


class CommandCentre(RunAgent):
    """A command centre: operators, an area for placing incidents, and the units it may task."""

    def __init__(
        self,
        model: BorderModel,
        name: str,
        area: np.ndarray,
        operators: int,
        handling_min: float,
        handling: str,
        correlate_km: float,
        correlate_min: float,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.area = area
        self.handling_min, self.handling = handling_min, handling
        self.correlate_km, self.correlate_min = correlate_km, correlate_min
        self.operators = simpy.Resource(model.env, capacity=operators)
        self._received: dict[str, int] = {}  # alerts received so far per address (see draw_key)
        self._draw_keys: dict[int, str] = {}  # alert id -> what its draws are addressed by
        rule = model.world.scenario.coordination.dispatch
        self.rule = DISPATCH_RULES.get(rule.type)(rule.params)
        self.incidents: list[Incident] = []
        self.units: list[PatrolUnit] = []
        self.human = False  # a seat decides (live drill); set by the model before the run starts
        self.seated = False  # a seat decides or watches (live drill): the alerts and closed incidents are kept
        self.closed: set[int] = set()  # a seated centre's closed incidents no longer in `incidents`
        self.told = 0  # alerts received so far (what a seat had been told, in its orders' rows)
        self.received: dict[int, Alert] = {}  # a seated centre's alerts by id (what its seat may share or open)

    def receive(self, alert: Alert) -> None:
        self.draw_key(alert)  # numbered in the order such alerts arrive, not the order they are handled
        self.told += 1
        if self.seated:
            self.received[alert.id] = alert
        self.model.log.record(
            self.model.now,
            "alert",
            alert=alert.id,
            agency=self.name,
            node=alert.node,
            attempt=alert.attempt,
            source=alert.source,
            sensor=alert.sensor,
            unit=alert.unit,
            origin=alert.origin,
            shared_from=alert.shared_from,
            second_centre=alert.copy,
            coarse=alert.coarse,
            first_alert=alert.first_hand,
        )
        self.model.env.process(self._handle(alert))

    def draw_key(self, alert: Alert) -> str:
        """What the draws made for `alert` at this centre are addressed by: the centre, what the
        alert is (`BorderModel.alert_address`) and how many alerts of that address reached the
        centre before it. Fixed when the alert arrives; other alerts, more or fewer, change no
        alert's key (its handling time, liaison's delay and loss of its copies)."""
        key = self._draw_keys.get(alert.id)
        if key is None:
            address = self.model.alert_address(alert)
            n = self._received.get(address, 0)
            self._received[address] = n + 1
            key = self._draw_keys[alert.id] = f"{self.name}:{address}:{n}"
        return key

    def handling_time(self, alert: Alert) -> float:
        """The operator's time on `alert`: fixed, or exponential with mean `handling_min` drawn for
        this alert alone (addressed by `draw_key`)."""
        if self.handling == "fixed":
            return self.handling_min
        return -self.handling_min * math.log(addressed_uniform(self.model.seed, f"handle:{self.draw_key(alert)}"))

    def _handle(self, alert: Alert):
        env, log = self.model.env, self.model.log
        arrived = env.now
        handling = self.handling_time(alert)
        with self.operators.request() as req:
            yield req
            waited = env.now - arrived
            yield env.timeout(handling)
        log.record(env.now, "alert_handled", alert=alert.id, agency=self.name, duration_min=waited)
        self._decide(alert)
        self.model.coordination.after_handling(self, alert)

    def _place(self, alert: Alert) -> int:
        """The cell of this centre's area where the incident is opened."""
        terrain = self.model.world.terrain
        if alert.coarse:  # only the sector is known
            return sector_cell(terrain, alert.node, self.area)
        if self.area[alert.node]:
            return alert.node
        return terrain.nearest_node(terrain.x[alert.node], terrain.y[alert.node], self.area)

    def _decide(self, alert: Alert) -> None:
        m, now = self.model, self.model.now
        terrain = m.world.terrain
        where = self._place(alert) if alert.coarse else alert.node  # a coarse alert: only its sector is known
        for inc in self.incidents:
            if (
                inc.open
                and now - inc.opened <= self.correlate_min
                and terrain.distance_km(inc.node, where) <= self.correlate_km
            ):
                inc.alerts.append(alert)
                m.log.record(now, "alert_merged", alert=alert.id, incident=inc.id, agency=self.name)
                m.interactions.on_incident_updated(inc)
                return
        if self.seated:  # a seat's order about a closed incident is refused as closed, not as unknown
            self.closed.update(i.id for i in self.incidents if not i.open)
        self.incidents = [i for i in self.incidents if i.open]
        inc = Incident(
            m.next_id("incident"), self.name, where, -1, now, [alert], coarse=alert.coarse, hold_min=alert.hold_min
        )
        if not self.area.any():
            m.log.record(now, "no_unit", incident=inc.id, alert=alert.id, agency=self.name, node=alert.node)
            return
        inc.target = alert.node if alert.source == "mou_request" else self._place(alert)
        if self.human:
            self._await_order(inc, alert)
            return
        choice = self.rule.choose(self, alert, inc.target)
        inc.target, unit, minutes, delay, how = choice.target, choice.unit, choice.minutes, choice.delay, choice.how
        if unit is not None and minutes > m.world.agencies[unit.params.agency].spec.max_response_min:
            unit = None  # beyond its agency's limit: not sent, whatever the rule (the shipped ones never offer it)
        inc.hold_min = choice.hold_min if choice.hold_min is not None else inc.hold_min
        if unit is None:
            m.log.record(now, "no_unit", incident=inc.id, alert=alert.id, agency=self.name, node=inc.target)
            return
        inc.how = how
        self.incidents.append(inc)
        m.log.record(
            now,
            "dispatch",
            incident=inc.id,
            alert=alert.id,
            unit=unit.params.id,
            agency=self.name,
            unit_agency=unit.params.agency,
            node=inc.target,
            attempt=alert.attempt,
            duration_min=minutes,
            detail=how,
        )
        unit.dispatch(inc, delay)

    def _await_order(self, inc: Incident, alert: Alert) -> None:
        """A human centre: the incident waits for its seat's order; the unit the automatic
        dispatcher would send is logged as the seat's hint."""
        m = self.model
        self.incidents.append(inc)
        _, unit, minutes, _, _ = self.suggest(inc.target)
        m.log.record(
            m.now,
            "incident_open",
            incident=inc.id,
            alert=alert.id,
            agency=self.name,
            node=inc.target,
            attempt=alert.attempt,
            unit=unit.params.id if unit is not None else -1,
            duration_min=minutes if unit is not None else float("nan"),
        )

    def suggest(self, target: int) -> tuple[int, PatrolUnit | None, float, float, str]:
        """What the automatic dispatcher does for an incident at `target`: the available unit
        that may act there and arrives first (`_nearest_available`); if none may, a multi-agency
        centre intercepts at the nearest cell where another agency's unit may act. Returns the
        target (moved when intercepting), the unit (None), its arrival, the authorisation part
        and how it may act there. A pure query: no random draw, nothing logged."""
        terrain = self.model.world.terrain
        unit, minutes, delay, how = self._nearest_available(target)
        if unit is None:  # a multi-agency centre: intercept where another agency's unit may act
            for agency in sorted({u.params.agency for u in self.units if u.available}):
                area = self.model.world.agencies[agency].jurisdiction
                if area.any() and not area[target]:
                    alt = terrain.nearest_node(terrain.x[target], terrain.y[target], area)
                    cand = self._nearest_available(alt)
                    if cand[0] is not None and cand[1] < minutes:
                        target, (unit, minutes, delay, how) = alt, cand
        return target, unit, minutes, delay, how

    def _nearest_available(self, target: int) -> tuple[PatrolUnit | None, float, float, str]:
        """The available unit that may act at `target` and gets there first, counting the rest
        of its current step (a unit between two cells' centres sets out from whichever end is
        sooner: `PatrolUnit.starts`), any MOU authorisation time and the travel; a unit whose
        arrival is beyond its agency's `max_response_min` is not sent. Ties: lowest id. Returns
        the unit, its arrival in minutes from now, the authorisation part and how it may act
        there (own | mou | task_force)."""
        m = self.model
        router, now, agencies = m.world.router, m.now, m.world.agencies
        candidates = []
        for u in self.units:
            if not u.available:
                continue
            ok, delay, how = u.may_act(target)
            if ok:
                starts = [(node, (ready - now) + delay) for node, ready in u.starts(now)]
                candidates.append((u, starts, delay, how, agencies[u.params.agency].spec.max_response_min))
        if not candidates:
            return None, np.inf, 0.0, ""
        cap_all = max(c[4] for c in candidates)
        limit = NEAREST_FIRST_LIMIT_MIN
        while True:  # search outward from the target until the best candidate is inside
            limit = min(limit, cap_all)
            best, best_t, best_delay, best_how = None, np.inf, 0.0, ""
            by_mode: dict[str, np.ndarray] = {}
            for u, starts, delay, how, cap in candidates:
                mode = u.params.spec.mode
                if mode not in by_mode:
                    by_mode[mode] = router.minutes_within(target, mode, home_only=True, limit=limit)
                t = min(by_mode[mode][node] + extra for node, extra in starts)
                if t <= cap and t < best_t:
                    best, best_t, best_delay, best_how = u, float(t), delay, how
            if best_t <= limit or limit >= cap_all:
                break  # anyone outside the limit arrives later than it: this is the best
            limit = limit * 2.0 if limit < 1e5 else np.inf
        return best, best_t, best_delay, best_how
