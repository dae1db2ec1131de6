"""Command centres: operators queue and handle alerts, then open incidents and dispatch units.

Order for one alert: (1) it arrives and is logged; (2) it waits for a free operator (FIFO,
`operators` servers); (3) the operator spends the handling time on it; (4) if an open incident
of the same agency lies within correlate_km and was opened within correlate_min, the alert joins
it; otherwise (5) a new incident is opened at the home-side cell nearest to the alert and
(6) the available unit of the agency with the shortest travel time that may act there is
dispatched, or `no_unit` is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np
import simpy

from sim.world import AgencyParams

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit
    from sim.model import BorderModel


@dataclass
class Alert:
    id: int
    time: float
    agency: str
    node: int
    attempt: int  # ground truth (-1 = false alarm); the command centre does not read it
    source: str
    sensor: int = -1
    unit: int = -1


@dataclass
class Incident:
    id: int
    agency: str
    node: int  # where the alert placed the group
    target: int  # home-side cell the unit goes to
    opened: float
    alerts: list[Alert] = field(default_factory=list)
    unit: "PatrolUnit | None" = None
    open: bool = True

    @property
    def attempts(self) -> set[int]:
        """Ground-truth attempts behind the incident's alerts (used by the search, not by staff)."""
        return {a.attempt for a in self.alerts if a.attempt >= 0}


class CommandCentre(mesa.Agent):
    """One agency's command centre."""

    def __init__(self, model: "BorderModel", agency: AgencyParams) -> None:
        super().__init__(model)
        self.agency = agency
        self.operators = simpy.Resource(model.env, capacity=agency.spec.operators)
        self.stream = model.streams.get(f"command:{agency.name}")
        self.incidents: list[Incident] = []
        self.units: list["PatrolUnit"] = []

    def receive(self, alert: Alert) -> None:
        self.model.log.record(alert.time, "alert", alert=alert.id, agency=self.agency.name, node=alert.node,
                              attempt=alert.attempt, source=alert.source, sensor=alert.sensor, unit=alert.unit)
        self.model.env.process(self._handle(alert))

    def _handling_time(self) -> float:
        spec = self.agency.spec
        return spec.handling_min if spec.handling == "fixed" else float(self.stream.exponential(spec.handling_min))

    def _handle(self, alert: Alert):
        env, log = self.model.env, self.model.log
        with self.operators.request() as req:
            yield req
            log.record(env.now, "alert_handled", alert=alert.id, agency=self.agency.name,
                       duration_min=env.now - alert.time)
            yield env.timeout(self._handling_time())
        self._decide(alert)

    def _decide(self, alert: Alert) -> None:
        m, now, spec = self.model, self.model.now, self.agency.spec
        terrain = m.world.terrain
        for inc in self.incidents:
            if inc.open and now - inc.opened <= spec.correlate_min \
                    and terrain.distance_km(inc.node, alert.node) <= spec.correlate_km:
                inc.alerts.append(alert)
                m.log.record(now, "alert_merged", alert=alert.id, incident=inc.id, agency=self.agency.name)
                m.on_incident_updated(inc)
                return
        self.incidents = [i for i in self.incidents if i.open]
        inc = Incident(m.next_id("incident"), self.agency.name, alert.node, -1, now, [alert])
        juris = self.agency.jurisdiction
        if not juris.any():
            m.log.record(now, "no_unit", incident=inc.id, alert=alert.id, agency=self.agency.name, node=alert.node)
            return
        inc.target = alert.node if juris[alert.node] else terrain.nearest_node(
            terrain.x[alert.node], terrain.y[alert.node], juris)
        unit, minutes = self._nearest_available(inc.target)
        if unit is None:
            m.log.record(now, "no_unit", incident=inc.id, alert=alert.id, agency=self.agency.name, node=inc.target)
            return
        self.incidents.append(inc)
        m.log.record(now, "dispatch", incident=inc.id, alert=alert.id, unit=unit.params.id,
                     agency=self.agency.name, node=inc.target, attempt=alert.attempt, duration_min=minutes)
        unit.dispatch(inc)

    def _nearest_available(self, target: int) -> tuple["PatrolUnit | None", float]:
        """The available unit with the least travel time to `target` (ties: lowest id)."""
        router, now = self.model.world.router, self.model.now
        best, best_t = None, np.inf
        by_mode: dict[str, np.ndarray] = {}
        for u in self.units:
            if not u.available:
                continue
            mode = u.params.spec.mode
            if mode not in by_mode:
                by_mode[mode] = router.minutes_from(target, mode, home_only=True)
            t = by_mode[mode][u.node_at(now)]
            if t < best_t:
                best, best_t = u, float(t)
        return best, best_t
