"""Reactions of a group that notices it has been seen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.registry import Registry

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt

REACTIONS: Registry[type["Reaction"]] = Registry("reaction")


class Reaction:
    """Base class: `react(attempt)` re-plans the group's movement from now."""

    def react(self, attempt: "Attempt") -> None:
        raise NotImplementedError


@REACTIONS.register("run")
class Run(Reaction):
    """Keep going to the destination, faster (run_speedup), for the rest of the trip."""

    def react(self, attempt: "Attempt") -> None:
        attempt.speed = max(attempt.speed, attempt.org.params.spec.run_speedup)
        attempt.replan(attempt.heading_to)


@REACTIONS.register("hide")
class Hide(Reaction):
    """Stay put in the current cell for hide_min, then carry on at normal speed."""

    def react(self, attempt: "Attempt") -> None:
        attempt.replan(attempt.heading_to, pause_min=attempt.org.params.spec.hide_min)


@REACTIONS.register("turn_back")
class TurnBack(Reaction):
    """Abort: go back to the staging area the group came from."""

    def react(self, attempt: "Attempt") -> None:
        attempt.replan(attempt.origin)
