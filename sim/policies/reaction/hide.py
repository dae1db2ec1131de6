"""hide: stay put in the current cell for a while, then carry on at normal speed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.params import param
from sim.policies.reaction.base import Reaction

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


@dataclass(frozen=True)
class HideParams:
    hide_min: float = param(
        60.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="Pause in the cell where the group noticed it was seen.",
        source="**modelling guess**",
    )


class Hide(Reaction):
    name = "hide"
    Params = HideParams

    def react(self, attempt: Attempt) -> None:
        attempt.replan(attempt.heading_to, pause_min=self.params.hide_min)
