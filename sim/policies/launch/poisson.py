"""poisson: attempts as a non-homogeneous Poisson process at the organisation's
`attempts_per_day`, shaped by its 24-hour `hourly_profile` (thinning against the peak hour)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.policies.launch.base import LaunchProcess

if TYPE_CHECKING:
    from sim.agents.smugglers import Organisation

MAX_GAP_MIN = 1440.0 * 365 * 1000  # a rate this low launches nothing in any horizon


class Poisson(LaunchProcess):
    name = "poisson"

    def arrivals(
        self, org: Organisation, rng: np.random.Generator, factor: float, until: float, tag: str
    ) -> Generator[Any, Any, None]:
        env, profile = org.model.env, org.profile
        peak = org.params.spec.attempts_per_day * factor / 1440.0 * profile.max()
        if not 1.0 / MAX_GAP_MIN < peak:  # none (or fewer than one in a thousand years)
            return
        while True:
            yield env.timeout(rng.exponential(1.0 / peak))
            if env.now >= until:
                return
            hour = int(env.now // 60) % 24
            if rng.uniform() * profile.max() <= profile[hour]:
                org.launch_one(tag)
