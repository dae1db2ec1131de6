"""What every agent of the run is to Mesa: registered while it takes part, never removed by hand."""

from __future__ import annotations

import mesa


class RunAgent(mesa.Agent):
    """A Mesa agent (in `model.agents` and `model.agents_by_type`) whose SimPy process and whose
    entries in the model's own tables (units by id, sensor coverage, ...) make it act. Removing it
    from Mesa's sets would leave it acting while Mesa's sets no longer show it, so `remove` refuses
    until the run is over; a run without it is a scenario without it. (A group leaves Mesa's sets
    by itself when its trip ends: `Attempt.finish`.)"""

    def remove(self) -> None:
        if not self.model.running:  # the run is over (Mesa's remove_all_agents, a teardown)
            super().remove()
            return
        raise RuntimeError(
            f"{type(self).__name__} {self.unique_id} cannot be removed during a run: its process and the model's "
            "tables still hold it, so it would go on acting; leave it out of the scenario instead"
        )
