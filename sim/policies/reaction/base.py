"""Reactions of a group that notices it has been seen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.params import NoParams

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


class Reaction:
    """Base class: `react(attempt)` re-plans the group's movement from now."""

    name = ""
    Params: type = NoParams

    def __init__(self, params) -> None:
        self.params = params

    def react(self, attempt: Attempt) -> None:
        raise NotImplementedError
