"""fastest: least travel time for the group's movement mode (breach delays included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.policies.routing.base import RoutingPolicy

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


class Fastest(RoutingPolicy):
    name = "fastest"

    def route(self, attempt: Attempt, origin: int, dest: int) -> np.ndarray | None:
        return self.least_cost(attempt, origin, dest)
