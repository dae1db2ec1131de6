"""Routing policies: the path a smuggling group plans from its position to its destination."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.registry import Registry

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt

ROUTING_POLICIES: Registry[type["RoutingPolicy"]] = Registry("routing policy")


class RoutingPolicy:
    """Base class: `route(attempt, origin, dest)` returns a node path or None."""

    def route(self, attempt: "Attempt", origin: int, dest: int) -> np.ndarray | None:
        raise NotImplementedError


@ROUTING_POLICIES.register("fastest")
class Fastest(RoutingPolicy):
    """Least travel time for the group's movement mode (breach delays included)."""

    def route(self, attempt: "Attempt", origin: int, dest: int) -> np.ndarray | None:
        return attempt.model.world.router.path(origin, dest, attempt.mode)


@ROUTING_POLICIES.register("least_risk")
class LeastKnownRisk(RoutingPolicy):
    """Trade time against known risk: cost = minutes * (1 + aversion * visible-sensor exposure
    per hour of the cells). Hidden sensors (ground) are unknown to the organisation."""

    def route(self, attempt: "Attempt", origin: int, dest: int) -> np.ndarray | None:
        world = attempt.model.world
        aversion = attempt.org.params.spec.risk_aversion
        return world.router.path(origin, dest, attempt.mode, node_penalty=aversion * world.known_risk,
                                 penalty_key=f"known_risk*{aversion}")
