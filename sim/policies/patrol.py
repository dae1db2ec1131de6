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
    """Drive (or walk) to a random point of the unit's beat, then another; vehicles keep to
    the beat's roads where it has any."""

    def __init__(self, unit: "PatrolUnit") -> None:
        super().__init__(unit)
        terrain = unit.model.world.terrain
        beat = unit.params.beat
        if unit.params.spec.mode != "foot":
            on_road = np.zeros(terrain.n_nodes, dtype=bool)
            on_road[terrain.edge_u[terrain.edge_road]] = True
            on_road[terrain.edge_v[terrain.edge_road]] = True
            roads = beat[on_road[beat]]
            beat = roads if roads.size >= 2 else beat
        self.waypoints = beat

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
