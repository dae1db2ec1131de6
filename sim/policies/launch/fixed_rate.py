"""fixed_rate: `per_minute` attempts every minute on the minute, from the start (the reduced
benchmark's launches; a stress load). A fractional rate is spread evenly: minute k launches
floor((k + 1) r) - floor(k r) attempts, so r = 0.25 is one every fourth minute. A surge inject
on top launches its extra share on the minute too, from the first whole minute of its window.
The organisation's `attempts_per_day` and `hourly_profile` are not used."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.params import param
from sim.policies.launch.base import LaunchProcess

if TYPE_CHECKING:
    from sim.agents.smugglers import Organisation


@dataclass(frozen=True)
class FixedRateParams:
    per_minute: float = param(
        1.0,
        gt=0,
        le=10_000,
        unit="1/min",
        doc="Attempts launched per minute (fractional rates are spread evenly over the minutes).",
        source="**modelling guess** (a load for benchmarks and stress tests, not an observed pattern)",
    )


class FixedRate(LaunchProcess):
    name = "fixed_rate"
    Params = FixedRateParams

    def arrivals(
        self, org: Organisation, rng: np.random.Generator, factor: float, until: float, tag: str
    ) -> Generator[Any, Any, None]:
        env, rate = org.model.env, self.params.per_minute * factor
        if rate <= 0:
            return
        start = math.ceil(env.now)  # on the minute, also for a process started mid-minute (a surge)
        if start > env.now:
            yield env.timeout(start - env.now)
        k = 0
        while env.now < until:
            # exact multiples of the rate must not fall a rounding error short (0.29 x 100 = 28.999...)
            for _ in range(math.floor((k + 1) * rate + 1e-9) - math.floor(k * rate + 1e-9)):
                org.launch_one(tag)
            k += 1
            yield env.timeout(start + k - env.now)
