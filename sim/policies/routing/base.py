"""Routing policies: the path a smuggling group plans from its position to its destination."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import NoParams

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
