"""run: keep going to the destination, faster, for the rest of the trip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.params import param
from sim.policies.reaction.base import Reaction

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


@dataclass(frozen=True)
class RunParams:
    speedup: float = param(
        1.3,
        ge=1,
        le=10,
        unit="×",
        doc="Speed multiplier for the rest of the trip (walking and driving; a barrier's `breach_min` "
        "is not shortened).",
        source="**modelling guess**",
    )


class Run(Reaction):
    name = "run"
    Params = RunParams

    def react(self, attempt: Attempt) -> None:
        attempt.speed = max(attempt.speed, self.params.speedup)
        attempt.replan(attempt.heading_to)
