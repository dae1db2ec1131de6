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
        self.heading: int | None = None  # the waypoint of the last leg planned
        self.cut_short = 0  # legs to it cut short so far

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        """A leg to the next waypoint not yet reached. The waypoint moves on when the unit
        stands on it, when it cannot be reached, or when the legs to it were cut short twice: a
        leg cut short once (a dispatch, a search, the shift's end) is taken up again from where
        the unit is, not skipped; a waypoint cut short twice lies beyond what the unit reaches
        between interruptions (further than a shift walks from its base), and the rest of the
        route is patrolled instead of walking towards it forever."""
        n = len(self.waypoints)
        for _ in range(n):
            target = self.waypoints[self.next_index]
            if target != node and not self._given_up(target):
                path = self.unit.route_to(node, target)
                if path is not None:
                    self.heading = target
                    return path
            self.next_index = (self.next_index + 1) % n  # reached, unreachable or given up: the next one
            self.heading, self.cut_short = None, 0
        return np.array([node])

    def _given_up(self, target: int) -> bool:
        """Asked for a leg to `target` again without standing on it: the last leg was cut short."""
        if self.heading != target:
            return False
        self.cut_short += 1
        return self.cut_short >= 2
