"""weather: during the window every sensor's exposure and every unit's detection chance are
multiplied by `factor` (several weather injects multiply)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.injects.base import Inject, InjectParams
from sim.params import param


@dataclass(frozen=True)
class WeatherParams(InjectParams):
    factor: float = param(
        0.5, ge=0, le=10, unit="×", doc="Detection multiplier (a unit's chance is capped at 1). 1 = no change."
    )


class Weather(Inject):
    name = "weather"
    Params = WeatherParams

    def apply(self) -> None:
        self.model.weather[self.label] = self.params.factor
        self.model.sensors_changed()

    def undo(self) -> None:
        del self.model.weather[self.label]
        self.model.sensors_changed()
