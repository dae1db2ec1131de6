"""comms_outage: the link between two agencies is down for the window, both ways: alerts passed
on it under `liaison` are lost."""

from __future__ import annotations

from dataclasses import dataclass

from sim.injects.base import Inject, InjectParams
from sim.params import param


@dataclass(frozen=True)
class CommsOutageParams(InjectParams):
    agencies: list[str] = param(factory=list, ref="agency", items=2, doc="The two agencies cut off from each other.")

    def check(self) -> list[str]:
        out = super().check()
        if len(self.agencies) == 2 and self.agencies[0] == self.agencies[1]:
            out.append("agencies: needs two different agencies")
        return out


class CommsOutage(Inject):
    name = "comms_outage"
    Params = CommsOutageParams

    def apply(self) -> None:
        a, b = self.params.agencies
        self.model.comms.cut(a, b, self.model.now, self.end_min)
