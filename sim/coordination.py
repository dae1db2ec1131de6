"""Coordination policies: which command centres hear an alert, what they pass on, which units
each may task. One registered class per policy, selected by `scenario.coordination.policy`.

- isolated: an alert stays with the agency that owns the detecting asset.
- liaison: after handling an alert from one of `share_sources`, a centre passes it to its
  partner agencies (default: all others) after an exponential delay, through the comms layer (relays, outages, stripped
  locations), and a passed alert is lost with `loss_prob`.
- joint_command: one shared centre hears every alert and may task any unit, each within its
  own agency's jurisdiction (or an MOU host's).
- task_force: the named unit groups are pooled under a task-force centre that hears the alerts
  of every participating agency (task_force_agencies, default: the agencies of the pooled
  units); pooled units may act anywhere in those agencies' jurisdictions.
  Agency centres keep their other units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.command import Alert, CommandCentre
from sim.registry import Registry

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit
    from sim.model import BorderModel

COORDINATION: Registry[type["Coordination"]] = Registry("coordination policy")


class Coordination:
    """Base: isolated agencies. Subclasses change who hears what and who tasks whom."""

    def __init__(self, model: "BorderModel") -> None:
        self.model = model
        self.spec = model.world.scenario.coordination
        self.centres: dict[str, CommandCentre] = {}

    def build(self) -> None:
        """Create the centres and hand them their units."""
        for name, agency in self.model.world.agencies.items():
            self.centres[name] = CommandCentre.for_agency(self.model, agency)
        for u in self.model.units:
            self.centres[u.params.agency].units.append(u)

    def receivers(self, agency: str) -> list[CommandCentre]:
        """The centres an alert from `agency`'s asset goes to first."""
        return [self.centres[agency]]

    def after_handling(self, centre: CommandCentre, alert: Alert) -> None:
        """What a centre passes on once an operator has handled the alert."""

    def pooled_area(self, unit: "PatrolUnit") -> np.ndarray | None:
        """Extra area where `unit` may act because it is pooled (task force)."""
        return None


@COORDINATION.register("isolated")
class Isolated(Coordination):
    pass


@COORDINATION.register("liaison")
class Liaison(Coordination):
    def after_handling(self, centre: CommandCentre, alert: Alert) -> None:
        if alert.shared_from or alert.source not in self.spec.share_sources:
            return  # liaison officers pass on their own agency's credible alerts, not hearsay
        partners = self.spec.partners.get(centre.name, [a for a in self.centres if a != centre.name])
        rng = self.model.streams.get(f"liaison:{centre.name}")
        for partner in partners:
            delay = float(rng.exponential(self.spec.share_delay_min)) if self.spec.share_delay_min > 0 else 0.0
            lost = rng.uniform() < self.spec.loss_prob
            self.model.comms.send(centre.name, self.centres[partner], alert, delay, lost)


@COORDINATION.register("joint_command")
class JointCommand(Coordination):
    def build(self) -> None:
        world = self.model.world
        joint = CommandCentre(self.model, "joint", world.union_jurisdiction(list(world.agencies)),
                              self.spec.joint_operators, self.spec.joint_handling_min, self.spec.joint_handling,
                              *_correlation(world))
        joint.units = list(self.model.units)
        self.centres = {"joint": joint}

    def receivers(self, agency: str) -> list[CommandCentre]:
        return [self.centres["joint"]]


@COORDINATION.register("task_force")
class TaskForce(Coordination):
    def build(self) -> None:
        super().build()
        world = self.model.world
        pooled_groups = set(self.spec.task_force_units)
        pooled = [u for u in self.model.units if u.params.group in pooled_groups]
        self.members = list(self.spec.task_force_agencies) or sorted({u.params.agency for u in pooled})
        self.area = world.union_jurisdiction(self.members)
        tf = CommandCentre(self.model, "task_force", self.area, self.spec.joint_operators,
                           self.spec.joint_handling_min, self.spec.joint_handling, *_correlation(world))
        tf.units = pooled
        for c in self.centres.values():
            c.units = [u for u in c.units if u.params.group not in pooled_groups]
        self.centres["task_force"] = tf

    def receivers(self, agency: str) -> list[CommandCentre]:
        return [self.centres[agency]] + ([self.centres["task_force"]] if agency in self.members else [])

    def pooled_area(self, unit: "PatrolUnit") -> np.ndarray | None:
        return self.area if unit.params.group in self.spec.task_force_units else None


def _correlation(world) -> tuple[float, float]:
    """A shared centre merges alerts like the most conservative agency centre does."""
    specs = [a.spec for a in world.agencies.values()] or [None]
    km = min((s.correlate_km for s in specs if s), default=5.0)
    minutes = min((s.correlate_min for s in specs if s), default=90.0)
    return km, minutes
