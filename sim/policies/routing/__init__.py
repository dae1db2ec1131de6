"""Routing policies (a plug-in family), chosen per organisation by `routing`. To add one: a new
module with a `RoutingPolicy` subclass (its `name`, its `Params` dataclass, `route`), and its
line in the list below."""

from sim.policies.routing.adaptive import Adaptive
from sim.policies.routing.base import RoutingPolicy
from sim.policies.routing.fastest import Fastest
from sim.policies.routing.least_risk import LeastKnownRisk
from sim.registry import Registry

ROUTING_POLICIES: Registry[type[RoutingPolicy]] = Registry(
    "routing policy",
    [
        Fastest,
        LeastKnownRisk,
        Adaptive,
    ],
)

__all__ = ["ROUTING_POLICIES", "RoutingPolicy"]
