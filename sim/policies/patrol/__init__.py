"""Patrol policies (a plug-in family), chosen per unit group by `policy`. To add one: a new module
with a `PatrolPolicy` subclass (its `name`, its `Params` dataclass, `next_leg`), and its line in
the list below."""

from sim.policies.patrol.base import PatrolPolicy
from sim.policies.patrol.fixed_route import FixedRoute
from sim.policies.patrol.random_beat import RandomBeat
from sim.policies.patrol.random_walk import RandomWalk
from sim.registry import Registry

PATROL_POLICIES: Registry[type[PatrolPolicy]] = Registry(
    "patrol policy",
    [
        RandomBeat,
        FixedRoute,
        RandomWalk,
    ],
)

__all__ = ["PATROL_POLICIES", "PatrolPolicy"]
