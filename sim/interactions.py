"""How units and groups act on each other: encounters (a unit and a group in the same cell at
the same time), searches at an incident, contacts (apprehension up to the unit's capacity) and a
group leaving through a port.

The rules touch the model only through the small interface `Arena` declares (its clock, log,
world, groups and alerts), as sim/detection.py does through `SensorStates`. Every event they
schedule carries the plan versions of both sides and is dropped if either side re-planned
(`fresh`, sim/movement.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.movement import fresh
from sim.rng import addressed_uniform
from sim.terrain.model import HOME

if TYPE_CHECKING:
    from sim.agents.command import Incident
    from sim.agents.patrols import PatrolUnit
    from sim.agents.ports import PortOfEntry
    from sim.agents.smugglers import Attempt
    from sim.recorder import Recorder
    from sim.world import World


class Arena(Protocol):
    """What the interaction rules need from the model."""

    world: World
    log: Recorder
    attempts: dict[int, Attempt]
    seed: int  # the replication's seed: what addressed draws are keyed by

    @property
    def now(self) -> float: ...

    @property
    def detection_factor(self) -> float: ...

    def at(self, t: float, fn, *args) -> None: ...

    def raise_alert(
        self,
        agency: str,
        node: int,
        attempt: int,
        source: str,
        sensor: int = -1,
        unit: int = -1,
        hold_min: float | None = None,
    ) -> None: ...

    def ensure_crossed(self, a: Attempt, node: int) -> None: ...

    def alert_address(self, alert) -> str: ...


@dataclass(slots=True)
class _Stretch:
    """A stretch of co-presence of a unit and a group in one cell, and its one uniform draw."""

    node: int
    start: float
    end: float
    draw: float
    decided: bool = False  # its draw was compared (once, when it began)


class Interactions:
    """The state of units meeting and searching for groups, and the rules that resolve them."""

    def __init__(self, arena: Arena) -> None:
        self.arena = arena
        self.searches: dict[int, dict[int, tuple[PatrolUnit, Incident, float]]] = {}  # group -> unit -> search
        self._search_draws: dict[tuple[int, int], float] = {}  # (unit, incident) -> its one uniform
        self._searched: dict[str, int] = {}  # searches drawn so far per address (see start_search)
        self._met: dict[int, dict[int, list[_Stretch]]] = {}  # group -> unit -> stretches drawn for

    def group_gone(self, a: Attempt) -> None:
        """The group's trip ended: nobody searches for it any more, and it meets nobody."""
        self.searches.pop(a.attempt_id, None)
        self._met.pop(a.attempt_id, None)

    def on_group_planned(self, a: Attempt) -> None:
        """A group re-planned: searches under way decide again if and when they find it."""
        for unit, inc, u in list(self.searches.get(a.attempt_id, {}).values()):
            self.schedule_find(unit, inc, a, u)

    def consider_encounter(self, unit: PatrolUnit, uv: int, a: Attempt, av: int, enc) -> None:
        """A unit and a group share a cell: one uniform draw per stretch of co-presence, compared
        once, when the stretch begins, with the detection chance in force then (so a weather
        inject made after the plans still counts). A stretch found again because one side
        re-planned keeps its draw, and is not decided again once it has been. The draw is
        addressed, not taken from the unit's stream: meeting more or other groups shifts none of
        the unit's beat legs (common random numbers across configurations)."""
        stretches = self._met.setdefault(a.attempt_id, {}).setdefault(unit.params.id, [])
        for stretch in stretches:
            if stretch.node == enc.node and enc.time <= stretch.end + 1e-9 and enc.end >= stretch.start - 1e-9:
                if stretch.decided:  # the same stretch, found again
                    return
                stretch.start, stretch.end = min(stretch.start, enc.time), max(stretch.end, enc.end)
                break
        else:  # the pair's k-th stretch: its draw addressed by (unit, group, k), not taken from a stream
            draw = addressed_uniform(self.arena.seed, f"meet:{unit.params.name}:{a.stream_name}:{len(stretches)}")
            stretch = _Stretch(enc.node, enc.time, enc.end, draw)
            stretches.append(stretch)
        self.arena.at(enc.time, self._encounter, unit, uv, a, av, stretch)

    def _encounter(self, unit: PatrolUnit, uv: int, a: Attempt, av: int, stretch: _Stretch) -> None:
        if stretch.decided or not (fresh(a, av) and fresh(unit, uv)):
            return  # decided already, or the plans it was found in are superseded (see consider_encounter)
        stretch.decided = True
        s = unit.params.spec
        p = min(1.0, s.detect_prob * self.arena.detection_factor) * max(
            0.0, 1.0 - s.cover_sensitivity * self.arena.world.terrain.cover[stretch.node]
        )
        if stretch.draw < p:
            self._unit_detection(unit, a, stretch.node)

    def _unit_detection(self, unit: PatrolUnit, a: Attempt, node: int) -> None:
        self.arena.ensure_crossed(a, node)
        self.arena.log.record(
            self.arena.now,
            "detection",
            attempt=a.attempt_id,
            unit=unit.params.id,
            agency=unit.params.agency,
            node=node,
            source="patrol",
        )
        if not unit.arrest_area()[node]:  # outside its jurisdiction: report it, do not arrest
            self.arena.raise_alert(unit.params.agency, node, a.attempt_id, "patrol", unit=unit.params.id)
            return
        task = unit.task  # a responding unit that meets the group it was sent for has found it
        inc = task.incident if task is not None and task.kind == "respond" else None
        self.contact(unit, a, node, incident=inc if inc is not None and a.attempt_id in inc.attempts else None)

    def start_search(self, unit: PatrolUnit, inc: Incident) -> None:
        """The unit is at the incident: for each real group behind it that it is not already
        looking for, decide if and when it is found. One uniform draw per search (unit,
        incident), reused when a group re-plans or another alert joins the incident; addressed by
        the unit and the alert that opened the incident (not drawn in the order searches begin)."""
        key = (unit.params.id, inc.id)
        u = self._search_draws.get(key)
        if u is None:
            opened_by = self.arena.alert_address(inc.alerts[0]) if inc.alerts else f"t={inc.opened!r}:{inc.node}"
            address = f"search:{unit.params.name}:{inc.agency}:{opened_by}"
            n = self._searched.get(address, 0)
            self._searched[address] = n + 1
            u = self._search_draws[key] = addressed_uniform(self.arena.seed, f"{address}:{n}")
        for aid in sorted(inc.attempts):
            a = self.arena.attempts.get(aid)
            searching = self.searches.setdefault(aid, {})
            if a is not None and a.active and unit.params.id not in searching:
                searching[unit.params.id] = (unit, inc, u)
                self.schedule_find(unit, inc, a, u)

    def end_search(self, unit: PatrolUnit, inc: Incident) -> None:
        for aid in inc.attempts:
            self.searches.get(aid, {}).pop(unit.params.id, None)
        self._search_draws.pop((unit.params.id, inc.id), None)

    def on_incident_updated(self, inc: Incident) -> None:
        """An alert joined an incident whose unit may already be searching: search for it too."""
        unit = inc.unit
        task = unit.task if unit is not None else None
        if not inc.open or task is None or task.incident is not inc or not task.searching:
            return  # not there yet (travelling, or waiting for an authorisation): the search starts at arrival
        self.start_search(unit, inc)

    def schedule_find(self, unit: PatrolUnit, inc: Incident, a: Attempt, u: float) -> None:
        """First time during the search that the group is on the home side within the search
        radius of the target; found there with probability find_prob * (1 - sensitivity*cover)."""
        s = unit.params.spec
        widen = self.arena.world.scenario.comms.coarse_search_factor if inc.coarse else 1.0
        t0, t1 = self.arena.now, unit.timeline.end
        starts, ends = a.timeline.bounds()
        nodes = a.timeline.nodes
        terrain = self.arena.world.terrain
        near = (terrain.distance_km(inc.target, nodes) <= s.search_radius_km * widen) & (terrain.side[nodes] == HOME)
        near &= unit.arrest_area()[nodes]  # found only where the unit may act
        cand = np.flatnonzero(near & (ends >= t0) & (starts <= t1))
        if cand.size == 0:
            return
        i = int(cand[0])
        p = s.find_prob / widen * max(0.0, 1.0 - s.cover_sensitivity * terrain.cover[nodes[i]])
        if u < p:
            self.arena.at(max(t0, float(starts[i])), self._found, unit, unit.version, inc, a, a.version, int(nodes[i]))

    def _found(self, unit: PatrolUnit, uv: int, inc: Incident, a: Attempt, av: int, node: int) -> None:
        if not (fresh(a, av) and fresh(unit, uv)):
            return
        self.arena.ensure_crossed(a, node)
        self.contact(unit, a, node, incident=inc)

    def finish_at_port(self, a: Attempt, port: PortOfEntry, seized: bool, node: int) -> None:
        """A group hidden in a vehicle leaves a port: seized, or through (crossed and got away)."""
        if not a.active:
            return
        if seized:
            a.finish("interdicted")
            self.arena.log.record(
                self.arena.now,
                "interdiction",
                attempt=a.attempt_id,
                agency=port.params.agency,
                node=node,
                size=a.size,
                quantity_kg=a.quantity_kg,
                source="port",
                detail=port.params.name,
            )
        else:
            a.crossed = True
            self.arena.log.record(self.arena.now, "crossed", attempt=a.attempt_id, node=node, detail="port")
            a.finish("got_away")
            self.arena.log.record(
                self.arena.now, "got_away", attempt=a.attempt_id, node=node, size=a.size, detail=port.params.name
            )

    def contact(self, unit: PatrolUnit, a: Attempt, node: int, incident: Incident | None) -> None:
        """The unit meets the group: it apprehends up to its capacity; the rest scatter."""
        unit.drop_response(found_for=incident)
        taken = min(a.size, unit.params.spec.capacity)
        seized = a.quantity_kg * taken / a.size
        a.finish("interdicted")
        self.group_gone(a)
        self.arena.log.record(
            self.arena.now,
            "interdiction",
            attempt=a.attempt_id,
            unit=unit.params.id,
            agency=unit.params.agency,
            node=node,
            size=taken,
            quantity_kg=seized,
            incident=incident.id if incident is not None else -1,
            source="response" if incident is not None else "patrol",
        )
        if incident is not None:
            incident.open = False
        unit.engage()
