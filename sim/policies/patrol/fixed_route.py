"""fixed_route: visit the scenario's waypoints in order, forever."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.policies.patrol.base import PatrolPolicy

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit


@dataclass(frozen=True)
class FixedRouteParams:
    route: list[int] = param(
        factory=list, ref="node", min_items=2, unit="node ids", doc="Waypoints, visited in order, forever."
    )


class FixedRoute(PatrolPolicy):
    name = "fixed_route"
    Params = FixedRouteParams

    def __init__(self, unit: PatrolUnit, params: FixedRouteParams) -> None:
        super().__init__(unit, params)
        self.waypoints = [int(v) for v in params.route]
        self.next_index = 0

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        """A leg to the next waypoint not yet reached. The waypoint moves on only when the unit
        stands on it (or it cannot be reached): a leg cut short (a dispatch, a search, the shift's
        end) is taken up again from where the unit is, not skipped."""
        n = len(self.waypoints)
        for _ in range(n):
            target = self.waypoints[self.next_index]
            if target != node:
                path = self.unit.route_to(node, target)
                if path is not None:
                    return path
            self.next_index = (self.next_index + 1) % n  # reached (or unreachable): the next one
        return np.array([node])
