"""Routing policies: the path a smuggling group plans from its position to its destination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


@dataclass(frozen=True)
class NoParams:
    """A policy without parameters of its own."""


class RoutingPolicy:
    """Base class: `route(attempt, origin, dest)` returns a node path or None."""

    name = ""
    Params: type = NoParams

    def __init__(self, params) -> None:
        self.params = params

    def route(self, attempt: Attempt, origin: int, dest: int) -> np.ndarray | None:
        raise NotImplementedError
