"""Patrol units: shifts, beats, responses to dispatch, searches and apprehensions.

One SimPy process per unit. Per shift, in order:
1. wait for the shift start at the base, then go on duty (logged);
2. while on duty: if a task is pending (dispatch or contact) do it, else plan the next beat leg
   with the patrol policy and wait for its end, the shift end, or an interrupt (a dispatch or a
   contact interrupts the leg; the leg's remaining plan is superseded by a new version);
3. a response: travel to the incident (encounters on the way count), log arrival, search there
   for search_min (the model decides if and when the group is found), log search_end if not;
4. a contact: apprehension processing for processing_min, off the beat, then unit_free;
   a hold (a live drill seat's order): stay in the cell, observing, until another order or the
   shift end;
5. after the shift end (tasks in hand are finished first) go off duty and return to base.
Off duty, a unit is neither visible to encounters nor dispatchable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.agents.base import RunAgent
from sim.assets import UnitParams
from sim.movement import Timeline, Whereabouts, reached_first
from sim.policies.patrol import PATROL_POLICIES

if TYPE_CHECKING:
    from sim.agents.command import Incident
    from sim.model import BorderModel


@dataclass
class Task:
    kind: str  # respond | process | hold (a seat's order: stay put)
    incident: Incident | None = None
    delay_min: float = 0.0  # respond: MOU authorisation before moving
    authorised: bool = False  # respond: the authorisation (if any) has come through
    searching: bool = False  # respond: arrived at the incident and searching


class PatrolUnit(RunAgent):
    """A foot or vehicle unit of an agency."""

    def __init__(self, model: BorderModel, params: UnitParams) -> None:
        super().__init__(model)
        self.params = params
        self.stream = model.streams.get(f"unit:{params.name}")  # its beat legs, and nothing else
        self.policy = PATROL_POLICIES.get(params.spec.policy.type)(self, params.spec.policy.params)
        self.timeline = Timeline.stay(params.base, 0.0, 0.0, 0)
        self.version = 0
        self.on_duty = False
        self.task: Task | None = None
        self.process: simpy.Process | None = None
        self.shift_end = 0.0  # end of the current (or last) shift
        self.next_shift_start = params.shift_offset_min  # start of the shift after the current one (see on_duty_at)

    # --- queries -------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        return self.on_duty and self.task is None

    def on_duty_at(self, now: float) -> bool:
        """On duty at `now` as the log will say once this instant's events have run (a live map
        reads it between ticks, before them): shifts are [start, end), so a shift that ends at
        `now` is over unless the unit is still on a task, and one that starts at `now` (or is
        overdue, its start delayed by a task) has begun. Nothing runs at the horizon: there the
        unit stays as it is (a shift ending then has no end in the log)."""
        if now >= self.model.world.horizon_min:
            return self.on_duty
        if self.on_duty and (now < self.shift_end or self.task is not None):
            return True
        return self.next_shift_start <= now

    @property
    def observing(self) -> bool:
        """Can detect groups it meets (on duty, not busy processing an apprehension)."""
        return self.on_duty and (self.task is None or self.task.kind != "process")

    @property
    def live(self) -> bool:
        """For the stale-plan check (sim.movement.fresh): an encounter or a find needs it observing."""
        return self.observing

    def node_at(self, t: float) -> int:
        return self.timeline.node_at(t)

    def may_act(self, node: int) -> tuple[bool, float, str]:
        """Whether the unit may act at `node`, after what authorisation time, and why."""
        return self.model.world.authority[self.params.agency].check(node, self.model.coordination.pooled_area(self))

    def arrest_area(self) -> np.ndarray:
        """Cells where the unit may apprehend now (own, pooled, or MOU hosts' on an MOU dispatch)."""
        task = self.task
        authorised = task is not None and task.kind == "respond" and task.incident.how == "mou" and task.authorised
        return self.model.world.authority[self.params.agency].area(
            self.model.coordination.pooled_area(self), authorised
        )

    def route_to(self, origin: int, target: int) -> np.ndarray | None:
        return self.model.world.router.path(origin, target, self.params.spec.mode, home_only=True)

    # --- commands from outside -----------------------------------------------------------
    def dispatch(self, incident: Incident, delay_min: float = 0.0) -> None:
        incident.unit = self
        self.task = Task("respond", incident, delay_min)
        self.process.interrupt("dispatch")

    def drop_response(self, found_for: Incident | None) -> None:
        """Before a contact: a response in hand for another incident is abandoned ("diverted")."""
        prev = self.task
        if prev is not None and prev.kind == "respond" and prev.incident is not found_for:
            self._abandon(prev.incident, "diverted")

    def engage(self) -> None:
        """A contact happened: switch to apprehension processing."""
        self.task = Task("process")
        self.process.interrupt("contact")

    # --- movement ------------------------------------------------------------------------
    def starts(self, now: float) -> list[tuple[int, float]]:
        """Where the unit can set out from at `now` and when it is there: its cell's centre (after
        walking on in, or back), and, if it is between that centre and a neighbour's, the
        neighbour (going on, or turning back). A dispatcher takes whichever gets it there first."""
        node, ready, _, other, share, step = self.timeline.where(now)
        if share <= 0:
            return [(node, ready)]
        return [(node, ready if ready > now else now + share * step), (other, now + (1.0 - share) * step)]

    def _plan(self, path: np.ndarray, observing: bool = True, here: Whereabouts | None = None) -> Timeline:
        """Follow `path` (starting at the unit's cell) from now, without a jump: a unit between its
        cell's centre and a neighbour's keeps the way it has walked if `path` goes to that
        neighbour (on, or back where it came from), else it first walks to the centre (on in, or
        back); as groups do, see Attempt.replan. `here`: where the unit is now, if already read."""
        now = self.model.now
        _, ready, reached, other, share, step = here if here is not None else self.timeline.where(now)
        came_from = first_reach = None
        if share > 0:
            keeps_way = path.size > 1 and int(path[1]) == other
            if keeps_way:
                ready = now - share * step
            else:
                ready = ready if ready > now else now + share * step
                came_from = (other, step)
            first_reach = reached_first(reached, keeps_way)
        times = ready + self.model.world.router.offsets(path, self.params.spec.mode)  # cached per route
        self.version += 1
        self.timeline = Timeline(path, times, self.version, entered=now, came_from=came_from, reached_first=first_reach)
        self.model.record_plan("unit", self.params.id, self.timeline)
        if observing:
            self.model.on_unit_planned(self)
        return self.timeline

    def _route_from_here(self, target: int) -> np.ndarray | None:
        """The unit's way to `target` that arrives first: from its cell's centre, or, if it is
        between that centre and a neighbour's, through the neighbour (the same choice as `starts`,
        read from the routes' own times; a tie keeps the route from its cell)."""
        now, mode = self.model.now, self.params.spec.mode
        options = self.starts(now)
        path = self.route_to(options[0][0], target)
        if len(options) == 1:
            return path
        offsets = self.model.world.router.offsets
        (node, centre), (other, there) = options
        via = self.route_to(other, target)
        if via is None:
            return path
        if path is not None and (
            (path.size > 1 and int(path[1]) == other)  # it goes that way anyway
            or centre + offsets(path, mode)[-1] <= there + offsets(via, mode)[-1]
        ):
            return path
        return np.concatenate([[node], via])

    def _stay(self, minutes: float, observing: bool) -> Timeline:
        """Stay `minutes` where the unit is: at its cell's centre, or where it stands between that
        centre and a neighbour's (`Timeline.aside`)."""
        now = self.model.now
        node, ready, _, other, share, step = self.timeline.where(now)
        aside = (other, share, step) if share > 0 else None
        if aside is not None:
            ready = now
        self.version += 1
        self.timeline = Timeline(
            np.array([node, node]), np.array([ready, ready + minutes]), self.version, entered=now, aside=aside
        )
        self.model.record_plan("unit", self.params.id, self.timeline)
        if observing:
            self.model.on_unit_planned(self)
        return self.timeline

    def _wait(self, minutes: float):
        """Wait; returns True if interrupted (a dispatch or a contact)."""
        try:
            yield self.model.env.timeout(max(0.0, minutes))
            return False
        except simpy.Interrupt:
            return True

    # --- the process ---------------------------------------------------------------------
    def run(self):
        p, m = self.params, self.model
        env, log = m.env, m.log
        shift_start = p.shift_offset_min
        shift_len = p.spec.shift_hours * 60.0
        while True:
            while shift_start + shift_len <= env.now:  # a shift wholly missed (task overran it)
                shift_start += 24 * 60.0
            self.next_shift_start = shift_start
            yield env.timeout(max(0.0, shift_start - env.now))
            self.on_duty = True
            self.next_shift_start = shift_start + 24 * 60.0
            shift_end = self.shift_end = shift_start + shift_len  # a late start (task overran) shortens it
            log.record(
                env.now, "shift_start", unit=p.id, agency=p.agency, node=self.node_at(env.now), size=p.spec.officers
            )
            while env.now < shift_end or self.task is not None:
                if self.task is not None:
                    yield from self._do_task()
                    continue
                here = self.timeline.where(env.now)
                path = self.policy.next_leg(here.node, self.stream)
                if path.size > 1 or here.share > 0:
                    tl = self._plan(path, here=here)  # (nowhere to go: to its cell's centre, from where it stopped)
                else:
                    tl = self._stay(30.0, observing=True)  # nowhere to go: wait at the centre
                yield from self._wait(min(tl.end, shift_end) - env.now)
            self.on_duty = False
            log.record(
                env.now, "shift_end", unit=p.id, agency=p.agency, node=self.node_at(env.now), size=p.spec.officers
            )
            home = self.route_to(self.node_at(env.now), p.base)
            if home is not None:
                self._plan(home, observing=False)
            shift_start += 24 * 60.0

    def _do_task(self):
        m, p = self.model, self.params
        env, log = m.env, m.log
        task = self.task
        if task.kind == "process":
            end = self._stay(p.spec.processing_min, observing=False).end
            while env.now < end:  # a second interrupt at the same instant must not cut it short
                yield from self._wait(end - env.now)
            log.record(env.now, "unit_free", unit=p.id, agency=p.agency, node=self.node_at(env.now))
            if self.task is task:
                self.task = None
            return
        if task.kind == "hold":  # a seat's order: stay put, observing, until another order or the shift end
            while self.task is task and env.now < self.shift_end:
                yield from self._wait(self._stay(self.shift_end - env.now, observing=True).end - env.now)
            if self.task is task:
                self.task = None
                log.record(env.now, "unit_free", unit=p.id, agency=p.agency, node=self.node_at(env.now))
            return
        inc = task.incident
        if task.delay_min > 0:  # waiting for the host agency's authorisation (MOU), in place
            held = self._stay(task.delay_min, observing=True)
            if (yield from self._wait(held.end - env.now)):
                return  # a contact on the spot (engage logged the diversion)
        task.authorised = True
        path = self._route_from_here(inc.target)
        if path is None:
            path = np.array([self.node_at(env.now)])
        tl = self._plan(path)
        if (yield from self._wait(tl.end - env.now)):
            return  # diverted by a contact on the way (engage logged it)
        log.record(env.now, "arrival", incident=inc.id, unit=p.id, agency=p.agency, node=inc.target)
        search_min = inc.hold_min if inc.hold_min is not None else p.spec.search_min  # a tip: wait for the group
        searching = self._stay(search_min, observing=True)
        task.searching = True
        m.interactions.start_search(self, inc)
        interrupted = yield from self._wait(searching.end - env.now)
        m.interactions.end_search(self, inc)
        if interrupted:  # found the group (or another one): the model logged the interdiction
            return
        log.record(
            env.now, "search_end", incident=inc.id, unit=p.id, agency=p.agency, node=inc.target, detail="not_found"
        )
        inc.open = False
        self.task = None
        log.record(env.now, "unit_free", unit=p.id, agency=p.agency, node=self.node_at(env.now))

    def _abandon(self, inc: Incident, why: str) -> None:
        m = self.model
        m.log.record(
            m.now,
            "search_end",
            incident=inc.id,
            unit=self.params.id,
            agency=self.params.agency,
            node=self.node_at(m.now),
            detail=why,
        )
        inc.open = False
