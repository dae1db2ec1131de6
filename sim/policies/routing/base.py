"""Routing policies: the path a smuggling group plans from its position to its destination."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import NoParams
from sim.terrain.model import HOME

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt, Organisation


class RoutingPolicy:
    """Base class: `route(attempt, origin, dest)` returns a node path or None. One instance per
    organisation, so a policy may keep what its organisation has learnt."""

    name = ""
    Params: type = NoParams

    def __init__(self, params) -> None:
        self.params = params

    def start(self, org: Organisation) -> None:
        """The run starts (t = 0): a policy that watches the defence starts watching here."""

    def observe(self, attempt: Attempt, outcome: str) -> None:
        """A group (of this organisation or another) has ended: interdicted, got_away or
        turned_back. A policy that learns from outcomes reads them here."""

    def route(self, attempt: Attempt, origin: int, dest: int) -> np.ndarray | None:
        raise NotImplementedError

    @staticmethod
    def least_cost(
        attempt: Attempt, origin: int, dest: int, node_penalty: np.ndarray | None = None, penalty_key: str = ""
    ) -> np.ndarray | None:
        """The least-cost path origin -> dest for the group's mode. Once a group has crossed, a
        route to a home-side cell stays on the home side: a way out and back in would cross the
        line a second time, which the model neither logs nor exposes to the crossing's sensors as
        a crossing (unrestricted only where the home side alone does not connect the two)."""
        world = attempt.model.world
        router, mode = world.router, attempt.mode
        if attempt.crossed and world.terrain.side[dest] == HOME:
            path = router.path(origin, dest, mode, home_only=True, node_penalty=node_penalty, penalty_key=penalty_key)
            if path is not None:
                return path
        return router.path(origin, dest, mode, node_penalty=node_penalty, penalty_key=penalty_key)
