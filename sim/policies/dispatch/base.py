"""Dispatch rules: where a command centre sends which unit for an incident."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.params import NoParams

if TYPE_CHECKING:
    from sim.agents.command import Alert, CommandCentre
    from sim.agents.patrols import PatrolUnit


@dataclass(frozen=True)
class Choice:
    """A rule's answer: the cell to go to, the unit (None: no unit may go), its arrival in minutes
    from now, the authorisation part of that, how it may act there (own | mou | task_force), and
    how long it waits there (None: as the alert says, else the unit's `search_min`; 0 is no wait)."""

    target: int
    unit: PatrolUnit | None
    minutes: float
    delay: float
    how: str
    hold_min: float | None = None


class DispatchRule:
    """Base class: `choose(centre, alert, target)` picks the response to a new incident that the
    centre placed at `target`. A pure query: no random draw, nothing logged."""

    name = ""
    Params: type = NoParams

    def __init__(self, params: Any) -> None:
        self.params = params

    def choose(self, centre: CommandCentre, alert: Alert, target: int) -> Choice:
        raise NotImplementedError
