"""Coordination policies: which command centres hear an alert, what they pass on after
handling, which units each centre may task. The base class is isolated agencies: one centre per
agency, an alert stays with the agency owning the asset (or receiving the tip)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import NoParams, param

if TYPE_CHECKING:
    from sim.agents.command import Alert, CommandCentre
    from sim.agents.patrols import PatrolUnit
    from sim.model import BorderModel

HANDLING = ("exponential", "fixed")


@dataclass(frozen=True)
class SharedCentreParams:
    """Operators of a centre shared by several agencies (joint command, task force)."""

    operators: int = param(4, ge=1, unit="persons", doc="Operators of the shared centre.", source="**modelling guess**")
    handling_min: float = param(
        2.0,
        ge=0,
        unit="min",
        doc="Mean operator time per alert at the shared centre.",
        source='UE 2 min (§7 "Alert-to-dispatch delay", range 0.5–5 min): **modelling guess**',
    )
    handling: str = param(
        "exponential",
        choices=HANDLING,
        doc="`exponential` (mean `handling_min`) or `fixed`.",
        source="**modelling guess**",
    )


class Coordination:
    """Base: isolated agencies. Subclasses change who hears what and who tasks whom; like every
    plug-in, a policy touches the world only through `self.model` (it asks it for centres)."""

    name = ""
    Params: type = NoParams
    shared_centres: tuple[str, ...] = ()  # the centres it adds beside the agencies' own, by name
    # (an alert's or a dispatch's agency in the event log; a drill question may name them)

    def __init__(self, model: BorderModel, params) -> None:
        self.model = model
        self.params = params
        self.centres: dict[str, CommandCentre] = {}

    def build(self) -> None:
        """Create the centres and hand them their units."""
        for name, agency in self.model.world.agencies.items():
            a = agency.spec
            self.centres[name] = self.model.new_centre(
                name, agency.jurisdiction, a.operators, a.handling_min, a.handling, a.correlate_km, a.correlate_min
            )
        for u in self.model.units:
            self.centres[u.params.agency].units.append(u)

    def receivers(self, agency: str) -> list[CommandCentre]:
        """The centres an alert from `agency`'s asset goes to first."""
        return [self.centres[agency]]

    def after_handling(self, centre: CommandCentre, alert: Alert) -> None:
        """What a centre passes on once an operator has handled the alert."""

    def pooled_area(self, unit: PatrolUnit) -> np.ndarray | None:
        """Extra area where `unit` may act because it is pooled (task force)."""
        return None


def shared_centre(model: BorderModel, name: str, area: np.ndarray, params: SharedCentreParams) -> CommandCentre:
    """A centre for several agencies; it merges alerts like the most conservative agency centre."""
    specs = [a.spec for a in model.world.agencies.values()]
    km = min((s.correlate_km for s in specs), default=5.0)
    minutes = min((s.correlate_min for s in specs), default=90.0)
    return model.new_centre(name, area, params.operators, params.handling_min, params.handling, km, minutes)
