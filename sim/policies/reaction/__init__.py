"""Reactions (a plug-in family), chosen per organisation by `reaction`. To add one: a new module
with a `Reaction` subclass (its `name`, its `Params` dataclass, `react`), and its line in the list
below."""

from sim.policies.reaction.base import Reaction
from sim.policies.reaction.hide import Hide
from sim.policies.reaction.run import Run
from sim.policies.reaction.turn_back import TurnBack
from sim.registry import Registry

REACTIONS: Registry[type[Reaction]] = Registry(
    "reaction",
    [
        Run,
        Hide,
        TurnBack,
    ],
)

__all__ = ["REACTIONS", "Reaction"]
