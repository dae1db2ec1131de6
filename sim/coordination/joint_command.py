"""joint_command: one shared centre hears every alert and may task every unit, each only where
its own agency (or an MOU host, after authorisation) may act; its area is the union of all
jurisdictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.coordination.base import Coordination, SharedCentreParams, shared_centre

if TYPE_CHECKING:
    from sim.agents.command import CommandCentre


@dataclass(frozen=True)
class JointCommandParams(SharedCentreParams):
    pass


JOINT = "joint"  # the one centre's name


class JointCommand(Coordination):
    name = "joint_command"
    Params = JointCommandParams
    shared_centres = (JOINT,)

    def build(self) -> None:
        world = self.model.world
        joint = shared_centre(self.model, JOINT, world.union_jurisdiction(list(world.agencies)), self.params)
        joint.units = list(self.model.units)
        self.centres = {JOINT: joint}

    def receivers(self, agency: str) -> list[CommandCentre]:
        return [self.centres[JOINT]]
