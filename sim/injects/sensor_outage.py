"""sensor_outage: the named sensors, and every sensor in `sector`, are down for the window.
Groups on the move keep their detection thresholds; each sensor goes on with what is left of its own
(exact: the hazard is memoryless)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.injects.base import Inject, InjectParams
from sim.params import param


@dataclass(frozen=True)
class SensorOutageParams(InjectParams):
    sensors: list[str] = param(
        factory=list,
        ref="sensor",
        doc="Sensor group names, or `group:i` (the i-th sensor of a group, counting from 0).",
    )
    sector: str = param("", ref="sector", doc="Every sensor whose cell lies in this sector, in addition to `sensors`.")

    def check(self) -> list[str]:
        out = super().check()
        if not self.sensors and not self.sector:
            out.append("sensors: a sensor_outage needs `sensors` or a `sector`")
        return out


class SensorOutage(Inject):
    name = "sensor_outage"
    Params = SensorOutageParams

    def covers(self, sensor) -> bool:
        """Whether the outage takes `sensor` down: named, of a named group, or in its sector."""
        s, terrain = self.params, self.model.world.terrain
        return (
            sensor.params.name in s.sensors
            or sensor.params.group in s.sensors
            or bool(s.sector and terrain.sector_names[terrain.sector[sensor.params.node]] == s.sector)
        )

    def apply(self) -> None:
        m = self.model
        for sensor in m.sensors:
            if self.covers(sensor):
                sensor.force_down(m.now, self.end_min)
        m.outages.append((self.covers, self.end_min))  # a sensor put up during the window goes down too
        m.sensors_changed()
