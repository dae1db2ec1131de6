"""random_walk: step to a random neighbouring cell of the beat, again and again; the classic
random-search patrol. A unit left outside its beat (a response can take it anywhere its agency
may act) first goes back to the beat's nearest cell by travel time, then walks on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.policies.patrol.base import PatrolPolicy

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit


@dataclass(frozen=True)
class RandomWalkParams:
    steps_per_leg: int = param(
        20,
        ge=1,
        le=10_000,
        unit="steps",
        doc="Steps planned at a time (a leg); the walk itself does not depend on it, only how often it is re-planned.",
        source="**modelling guess**",
    )


class RandomWalk(PatrolPolicy):
    name = "random_walk"
    Params = RandomWalkParams

    def __init__(self, unit: PatrolUnit, params: RandomWalkParams) -> None:
        super().__init__(unit, params)
        self.ptr, self.neighbours = unit.model.world.router.adjacency_within(unit.params.beat)

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        if self.ptr[node] == self.ptr[node + 1]:  # no neighbour in the beat: outside it (or a lone cell)
            back = self._back_to_beat(node)
            if back is not None:
                return back
        path = [node]
        draws = rng.random(self.params.steps_per_leg)
        for d in draws:
            a, b = self.ptr[path[-1]], self.ptr[path[-1] + 1]
            if a == b:
                break
            path.append(int(self.neighbours[a + int(d * (b - a))]))
        return np.array(path)

    def _back_to_beat(self, node: int) -> np.ndarray | None:
        """The way from `node` to the nearest cell of the beat by travel time (None: in the beat
        already, or no way)."""
        u = self.unit
        beat = u.params.beat
        minutes = u.model.world.router.minutes_from(node, u.params.spec.mode, home_only=True)[beat]
        target = int(beat[np.argmin(minutes)])
        if target == node or not np.isfinite(minutes.min()):
            return None
        return u.route_to(node, target)
