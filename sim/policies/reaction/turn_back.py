"""turn_back: abort and go back to the staging area the group came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.policies.reaction.base import Reaction

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


class TurnBack(Reaction):
    name = "turn_back"

    def react(self, attempt: Attempt) -> None:
        attempt.replan(attempt.origin)
