"""least_risk: trade time against known risk: cost = minutes x (1 + aversion x visible-sensor
exposure per hour of the cells). Hidden sensors (ground) are unknown to the organisation; towers
installed during the run are known from their install on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.policies.routing.base import RoutingPolicy

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt


@dataclass(frozen=True)
class LeastRiskParams:
    risk_aversion: float = param(
        3.0,
        ge=0,
        le=1e6,
        doc="Weight of known tower exposure per hour against travel time.",
        source="**modelling guess**",
    )


class LeastKnownRisk(RoutingPolicy):
    name = "least_risk"
    Params = LeastRiskParams

    def route(self, attempt: Attempt, origin: int, dest: int) -> np.ndarray | None:
        penalty, key = attempt.model.known_risk_penalty(self.params.risk_aversion)
        return self.least_cost(attempt, origin, dest, penalty, key)
