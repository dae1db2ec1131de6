"""decoy: an organisation sends `count` small groups at once (two persons on foot, no cargo) to
draw units away; they are left out of every attempt-based metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sim.injects.base import Inject, InjectParams
from sim.params import param


@dataclass(frozen=True)
class DecoyParams(InjectParams):
    windowed: ClassVar[bool] = False

    organisation: str = param("", ref="organisation", required=True, doc="The organisation sending decoys.")
    count: int = param(3, ge=1, le=1000, unit="groups", doc="Groups sent at `start_hours` (at most 1,000).")


class Decoy(Inject):
    name = "decoy"
    Params = DecoyParams

    def apply(self) -> None:
        org = next(o for o in self.model.orgs if o.params.name == self.params.organisation)
        for _ in range(self.params.count):
            org.launch_decoy(f"decoy:{self.label}")
