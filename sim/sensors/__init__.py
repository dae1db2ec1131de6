"""Fixed sensor types (a plug-in family). To add one: a new module with a `SensorType`
subclass (its `name`, its `Params` dataclass, its footprint), and its line in the list below."""

from sim.registry import Registry
from sim.sensors.base import Footprint, SensorGroupParams, SensorType
from sim.sensors.drone import Drone
from sim.sensors.ground import GroundSensor
from sim.sensors.tower import CameraTower

SENSOR_TYPES: Registry[type[SensorType]] = Registry(
    "sensor type",
    [
        GroundSensor,
        CameraTower,
        Drone,
    ],
)

__all__ = ["SENSOR_TYPES", "Footprint", "SensorGroupParams", "SensorType"]
