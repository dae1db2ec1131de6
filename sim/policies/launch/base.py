"""Launch processes: when an organisation sends its attempts."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.params import NoParams

if TYPE_CHECKING:
    from sim.agents.smugglers import Organisation


class LaunchProcess:
    """Base class: `arrivals` is the SimPy process that calls `org.launch_one(tag)` at each
    launch. `factor` scales the rate (a surge inject runs a second process at factor - 1), the
    process stops at `until`, and every draw comes from `rng` (the organisation's arrival stream,
    or the inject's own), so extra attempts never shift the normal ones' draws."""

    name = ""
    Params: type = NoParams

    def __init__(self, params: Any) -> None:
        self.params = params

    def arrivals(
        self, org: Organisation, rng: np.random.Generator, factor: float, until: float, tag: str
    ) -> Generator[Any, Any, None]:
        raise NotImplementedError
