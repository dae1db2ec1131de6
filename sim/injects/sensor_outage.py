"""sensor_outage: the named sensors, and every sensor in `sector`, are down for the window.
Groups on the move get their sensor detections drawn again (exact: the hazard is memoryless)."""

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

    def apply(self) -> None:
        m, s = self.model, self.params
        terrain = m.world.terrain
        chosen = [
            x
            for x in m.sensors
            if x.params.name in s.sensors
            or x.params.group in s.sensors
            or (s.sector and terrain.sector_names[terrain.sector[x.params.node]] == s.sector)
        ]
        for sensor in chosen:
            sensor.force_down(m.now, self.end_min)
        m.sensors_changed()
