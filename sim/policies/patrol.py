"""Patrol policies: where an on-duty unit goes next when it is not responding to anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.registry import Registry

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit

PATROL_POLICIES: Registry[type["PatrolPolicy"]] = Registry("patrol policy")


class PatrolPolicy:
    """Base class. `next_leg` returns the path (starting at `node`) of the unit's next leg."""

    def __init__(self, unit: "PatrolUnit") -> None:
        self.unit = unit

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError


@PATROL_POLICIES.register("random_beat")
class RandomBeat(PatrolPolicy):
    """Drive (or walk) to a random one of the beat's points (`beat_points` cells spread over
    the beat; vehicles keep to its roads where it has any), then another. Routes to a fixed set
    of points come from cached trees, so a leg costs its path length, not a search of the map."""

    def __init__(self, unit: "PatrolUnit") -> None:
        super().__init__(unit)
        self.waypoints = unit.params.beat_points

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        for _ in range(8):
            target = int(self.waypoints[rng.integers(self.waypoints.size)])
            if target == node:
                continue
            path = self.unit.route_to(node, target)
            if path is not None:
                return path
        return np.array([node])


@PATROL_POLICIES.register("fixed_route")
class FixedRoute(PatrolPolicy):
    """Visit the scenario's waypoints in order, forever."""

    def __init__(self, unit: "PatrolUnit") -> None:
        super().__init__(unit)
        self.waypoints = [int(v) for v in unit.params.spec.route]
        self.next_index = 0

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        for _ in range(len(self.waypoints)):
            target = self.waypoints[self.next_index]
            self.next_index = (self.next_index + 1) % len(self.waypoints)
            if target != node:
                path = self.unit.route_to(node, target)
                if path is not None:
                    return path
        return np.array([node])


@PATROL_POLICIES.register("random_walk")
class RandomWalk(PatrolPolicy):
    """Step to a random neighbouring cell of the beat, again and again (planned 20 steps at a
    time); the classic random-search patrol."""

    steps_per_leg = 20

    def __init__(self, unit: "PatrolUnit") -> None:
        super().__init__(unit)
        self.ptr, self.neighbours = unit.model.world.router.adjacency_within(unit.params.beat)

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        path = [node]
        draws = rng.random(self.steps_per_leg)
        for d in draws:
            a, b = self.ptr[path[-1]], self.ptr[path[-1] + 1]
            if a == b:
                break
            path.append(int(self.neighbours[a + int(d * (b - a))]))
        return np.array(path)
