"""surge: during the window an organisation launches extra attempts at (factor - 1) x its normal
rate and profile, from a stream of its own (normal arrivals are unchanged)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.injects.base import Inject, InjectParams
from sim.params import param


@dataclass(frozen=True)
class SurgeParams(InjectParams):
    organisation: str = param("", ref="organisation", required=True, doc="The organisation that surges.")
    factor: float = param(
        3.0,
        ge=1,
        le=100,
        unit="×",
        doc="Attempt-rate multiplier during the window (≥ 1: a "
        "surge cannot lower the rate; at most 100, a hundredfold rate).",
    )


class Surge(Inject):
    name = "surge"
    Params = SurgeParams

    def apply(self) -> None:
        org = next(o for o in self.model.orgs if o.params.name == self.params.organisation)
        self.model.env.process(org.extra_arrivals(self.params.factor - 1.0, self.end_min, f"surge:{self.label}"))
