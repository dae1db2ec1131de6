"""Launch processes (a plug-in family), chosen per organisation by `launch`. To add one: a new
module with a `LaunchProcess` subclass (its `name`, its `Params` dataclass, `arrivals`), and its
line in the list below."""

from sim.policies.launch.base import LaunchProcess
from sim.policies.launch.fixed_rate import FixedRate
from sim.policies.launch.poisson import Poisson
from sim.registry import Registry

LAUNCH_PROCESSES: Registry[type[LaunchProcess]] = Registry(
    "launch process",
    [
        Poisson,
        FixedRate,
    ],
)

__all__ = ["LAUNCH_PROCESSES", "LaunchProcess"]
