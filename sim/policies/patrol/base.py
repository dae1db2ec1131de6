"""Patrol policies: where an on-duty unit goes next when it is not responding to anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import NoParams

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit


class PatrolPolicy:
    """Base class. `next_leg` returns the path (starting at `node`) of the unit's next leg.
    Touches the world only through `self.unit` (and its model)."""

    name = ""
    Params: type = NoParams

    def __init__(self, unit: PatrolUnit, params) -> None:
        self.unit = unit
        self.params = params

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError
