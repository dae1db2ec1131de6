"""Patrol policies: where an on-duty unit goes next when it is not responding to anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit


@dataclass(frozen=True)
class NoParams:
    """A policy without parameters of its own."""


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
