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
    centre placed at `target`. A pure query: nothing logged, and no draw from a stream (a rule
    that picks at random draws `sim.rng.addressed_uniform(centre.model.seed, centre.draw_key(alert)
    + ":<purpose>")`, so that other alerts change no alert's draw). A choice whose arrival is beyond
    the unit's agency's `max_response_min` is not sent (the centre checks; a rule may leave such
    units out first, as `nearest` does). What a rule reads: `centre.units` (its units),
    `unit.available`, `unit.may_act(target)` (may it act there: ok, authorisation delay, how),
    `unit.starts(now)` (where it can set out from, and when), and the router's travel times
    (`centre.model.world.router.minutes_from(target, mode, home_only=True)`); see nearest.py."""

    name = ""
    Params: type = NoParams

    def __init__(self, params: Any) -> None:
        self.params = params

    def choose(self, centre: CommandCentre, alert: Alert, target: int) -> Choice:
        raise NotImplementedError
