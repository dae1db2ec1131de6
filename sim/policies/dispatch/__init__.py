"""Dispatch rules (a plug-in family), chosen for every command centre by
`scenario.coordination.dispatch`. To add one: a new module with a `DispatchRule` subclass (its
`name`, its `Params` dataclass, `choose`), and its line in the list below."""

from sim.policies.dispatch.base import Choice, DispatchRule
from sim.policies.dispatch.intercept import Intercept
from sim.policies.dispatch.nearest import Nearest
from sim.registry import Registry

DISPATCH_RULES: Registry[type[DispatchRule]] = Registry(
    "dispatch rule",
    [
        Nearest,
        Intercept,
    ],
)

__all__ = ["DISPATCH_RULES", "Choice", "DispatchRule"]
