"""Timed scenario events (injects), each a registered class: they start at start_hours, end
after duration_hours, and are logged (`inject`, `inject_end`) like everything else.

- sensor_outage: the named sensors (group names or group:index) or every sensor in `sector`
  are down for the window.
- comms_outage: the link between the two `agencies` is down: alerts passed on it are lost.
- surge: `organisation` launches extra attempts at (factor - 1) x its normal rate and profile
  during the window (from a stream of its own, so normal arrivals are unchanged).
- weather: every sensor's and unit's detection is multiplied by `factor` during the window.
- decoy: `organisation` sends `count` small groups at once, to draw units away.
- tip: a report reaches `agency`'s command centre as an alert (source "tip"): about group
  `attempt` (at `node`, or where the group is at that moment), or a false tip at `node`.
Extra attempts (surge, decoy) draw from streams of their own: the scenario's normal attempts are
the same with or without the inject (common random numbers for inject comparisons).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.registry import Registry
from sim.scenario import InjectSpec

if TYPE_CHECKING:
    from sim.model import BorderModel

INJECTS: Registry[type["Inject"]] = Registry("inject")


class Inject:
    """Base class: `apply()` at the start, `undo()` at the end (if the inject has a window)."""

    def __init__(self, model: "BorderModel", name: str, spec: InjectSpec) -> None:
        self.model, self.name, self.spec = model, name, spec

    @property
    def end_min(self) -> float:
        return (self.spec.start_hours + self.spec.duration_hours) * 60.0

    def begin(self) -> None:
        m = self.model
        m.log.record(m.now, "inject", source=self.name, detail=self.spec.type,
                     duration_min=self.spec.duration_hours * 60.0)
        self.apply()
        if self.spec.duration_hours > 0:
            m.at(self.end_min, self.finish)

    def finish(self) -> None:
        self.undo()
        self.model.log.record(self.model.now, "inject_end", source=self.name, detail=self.spec.type)

    def apply(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        pass


@INJECTS.register("sensor_outage")
class SensorOutage(Inject):
    def apply(self) -> None:
        m, s = self.model, self.spec
        terrain = m.world.terrain
        chosen = [x for x in m.sensors
                  if x.params.name in s.sensors or x.params.group in s.sensors
                  or (s.sector and terrain.sector_names[terrain.sector[x.params.node]] == s.sector)]
        for sensor in chosen:
            sensor.force_down(m.now, self.end_min)
        m.sensors_changed()


@INJECTS.register("comms_outage")
class CommsOutage(Inject):
    def apply(self) -> None:
        a, b = self.spec.agencies
        self.model.comms.cut(a, b, self.model.now, self.end_min)


@INJECTS.register("surge")
class Surge(Inject):
    def apply(self) -> None:
        org = next(o for o in self.model.orgs if o.params.name == self.spec.organisation)
        self.model.env.process(org.extra_arrivals(self.spec.factor - 1.0, self.end_min, f"surge:{self.name}"))


@INJECTS.register("weather")
class Weather(Inject):
    def apply(self) -> None:
        self.model.weather[self.name] = self.spec.factor
        self.model.sensors_changed()

    def undo(self) -> None:
        del self.model.weather[self.name]
        self.model.sensors_changed()


@INJECTS.register("decoy")
class Decoy(Inject):
    def apply(self) -> None:
        org = next(o for o in self.model.orgs if o.params.name == self.spec.organisation)
        for _ in range(self.spec.count):
            org.launch_decoy(f"decoy:{self.name}")


@INJECTS.register("tip")
class Tip(Inject):
    def apply(self) -> None:
        m, s = self.model, self.spec
        group = m.attempts.get(s.attempt)
        if s.attempt >= 0 and (group is None or not group.active):
            return  # the group is already gone: nobody sees it any more (the inject stays logged)
        node = s.node if s.node >= 0 else group.timeline.node_at(m.now)
        m.raise_alert(s.agency, node, s.attempt, "tip")
