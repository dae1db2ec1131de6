"""nearest: the available unit that may act at the incident's cell and gets there first goes
there and searches for its `search_min` (ties: lowest unit id); if none of the centre's own
agencies may act there, a multi-agency centre intercepts at the nearest cell where another
agency's unit may (`CommandCentre.suggest`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.policies.dispatch.base import Choice, DispatchRule

if TYPE_CHECKING:
    from sim.agents.command import Alert, CommandCentre


class Nearest(DispatchRule):
    name = "nearest"

    def choose(self, centre: CommandCentre, alert: Alert, target: int) -> Choice:
        return Choice(*centre.suggest(target))
