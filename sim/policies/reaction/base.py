"""Reactions of a group that notices it has been seen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


@dataclass(frozen=True)
class NoParams:
    """A reaction without parameters of its own."""


class Reaction:
    """Base class: `react(attempt)` re-plans the group's movement from now."""

    name = ""
    Params: type = NoParams

    def __init__(self, params) -> None:
        self.params = params

    def react(self, attempt: Attempt) -> None:
        raise NotImplementedError
