"""task_force: the named unit groups are pooled under a task-force centre that hears the alerts
of every participating agency; pooled units may act anywhere in those agencies' jurisdictions.
Agency centres keep their other units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.coordination.base import Coordination, SharedCentreParams, shared_centre
from sim.params import param

if TYPE_CHECKING:
    from sim.agents.command import CommandCentre
    from sim.agents.patrols import PatrolUnit


@dataclass(frozen=True)
class TaskForceParams(SharedCentreParams):
    units: list[str] = param(
        factory=list,
        ref="unit_group",
        doc="Unit groups (keys of `scenario.units`) that are pooled. `task_force` needs at least one.",
    )
    agencies: list[str] = param(
        factory=list,
        ref="agency",
        doc="Agencies whose alerts the task force hears and "
        "whose jurisdictions it may act in. Empty = the agencies of the pooled units.",
    )


CENTRE = "task_force"  # the pooled units' centre


class TaskForce(Coordination):
    name = "task_force"
    Params = TaskForceParams
    shared_centres = (CENTRE,)

    def build(self) -> None:
        super().build()
        world, p = self.model.world, self.params
        if not p.units:
            raise ValueError("task_force needs the unit groups it pools (scenario.coordination.task_force.units)")
        pooled_groups = set(p.units)
        pooled = [u for u in self.model.units if u.params.group in pooled_groups]
        self.members = list(p.agencies) or sorted({u.params.agency for u in pooled})
        self.area = world.union_jurisdiction(self.members)
        tf = shared_centre(self.model, CENTRE, self.area, p)
        tf.units = pooled
        for c in self.centres.values():
            c.units = [u for u in c.units if u.params.group not in pooled_groups]
        self.centres[CENTRE] = tf

    def receivers(self, agency: str) -> list[CommandCentre]:
        return [self.centres[agency]] + ([self.centres[CENTRE]] if agency in self.members else [])

    def pooled_area(self, unit: PatrolUnit) -> np.ndarray | None:
        return self.area if unit.params.group in self.params.units else None
