"""Timed scenario events (a plug-in family). To add one: a new module with an `Inject`
subclass (its `name`, its `Params` dataclass, `apply` / `undo`), and its line in the list below.
The live drill builds its inject form from the `Params` dataclass."""

from sim.injects.base import Inject, InjectParams
from sim.injects.comms_outage import CommsOutage
from sim.injects.decoy import Decoy
from sim.injects.sensor_outage import SensorOutage
from sim.injects.surge import Surge
from sim.injects.tip import Tip
from sim.injects.weather import Weather
from sim.registry import Registry

INJECTS: Registry[type[Inject]] = Registry(
    "inject",
    [
        SensorOutage,
        CommsOutage,
        Surge,
        Weather,
        Decoy,
        Tip,
    ],
)

__all__ = ["INJECTS", "Inject", "InjectParams"]
