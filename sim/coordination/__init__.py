"""Coordination policies (a plug-in family), selected by `scenario.coordination.policy`; each
policy's parameters are the block `scenario.coordination.<policy>`. To add one: a new module with
a `Coordination` subclass (its `name`, its `Params` dataclass), and its line in the list below."""

from sim.coordination.base import Coordination
from sim.coordination.isolated import Isolated
from sim.coordination.joint_command import JointCommand
from sim.coordination.liaison import Liaison
from sim.coordination.task_force import TaskForce
from sim.registry import Registry

COORDINATION: Registry[type[Coordination]] = Registry(
    "coordination policy",
    [
        Isolated,
        Liaison,
        JointCommand,
        TaskForce,
    ],
)

__all__ = ["COORDINATION", "Coordination"]
