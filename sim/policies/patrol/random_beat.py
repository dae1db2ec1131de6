"""random_beat: drive (or walk) to a random one of the beat's points, then another. Each leg
takes the fastest way on the home side: from where a task left the unit it may pass through cells
outside the beat and its agency's jurisdiction (there the unit reports a group it meets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.policies.patrol.base import PatrolPolicy
from sim.terrain.model import Terrain

if TYPE_CHECKING:
    from sim.agents.patrols import PatrolUnit


@dataclass(frozen=True)
class RandomBeatParams:
    beat_points: int = param(
        64,
        ge=2,
        unit="cells",
        doc="How many cells of the beat the unit drives between. "
        "They are spread over the beat by farthest-point sampling, starting from the cell "
        "nearest its centre. Non-foot units use the beat's road cells if it has ≥ 2. A beat "
        "with at most this many cells uses all of them. The points do not depend on the "
        "seed, and units that share a beat share its points. A fixed set of points keeps "
        "each leg's cost to its path length (routes come from cached trees), whatever the "
        "cell size.",
        source="**modelling guess**: the waypoint density does not depend on the cell size.",
    )


class RandomBeat(PatrolPolicy):
    """Drive (or walk) to a random one of the beat's points (`beat_points` cells spread over
    the beat; vehicles keep to its roads where it has any), then another. Routes to a fixed set
    of points come from cached trees, so a leg costs its path length, not a search of the map.
    A leg takes the fastest way on the home side: between two of the beat's points it stays in
    the beat on the shipped worlds, but from where a task left the unit it may cut through cells
    outside the beat (and the jurisdiction; the unit observes there and reports, not arrests)."""

    name = "random_beat"
    Params = RandomBeatParams

    def __init__(self, unit: PatrolUnit, params: RandomBeatParams) -> None:
        super().__init__(unit, params)
        p, world = unit.params, unit.model.world
        roads = p.spec.mode != "foot"
        key = ("beat_points", p.beat.tobytes(), roads, params.beat_points)
        self.waypoints = world.shared(key, lambda: beat_points(world.terrain, p.beat, roads, params.beat_points))

    def next_leg(self, node: int, rng: np.random.Generator) -> np.ndarray:
        for _ in range(8):
            target = int(self.waypoints[rng.integers(self.waypoints.size)])
            if target == node:
                continue
            path = self.unit.route_to(node, target)
            if path is not None:
                return path
        return np.array([node])


def beat_points(terrain: Terrain, beat: np.ndarray, keep_to_roads: bool, k: int) -> np.ndarray:
    """At most k cells spread over a beat (over its road cells if `keep_to_roads` and it has at
    least 2): farthest-point sampling from the cell nearest the beat's centre, so every cell of
    the beat is near a point, whatever the cell size. A beat of at most k cells is all points."""
    if keep_to_roads:
        on_road = np.zeros(terrain.n_nodes, dtype=bool)
        on_road[terrain.edge_u[terrain.edge_road]] = True
        on_road[terrain.edge_v[terrain.edge_road]] = True
        roads = beat[on_road[beat]]
        beat = roads if roads.size >= 2 else beat
    if beat.size <= k:
        return beat
    x, y = terrain.x[beat], terrain.y[beat]
    chosen = [int(np.argmin((x - x.mean()) ** 2 + (y - y.mean()) ** 2))]
    gap = (x - x[chosen[0]]) ** 2 + (y - y[chosen[0]]) ** 2
    while len(chosen) < k:
        i = int(np.argmax(gap))
        chosen.append(i)
        gap = np.minimum(gap, (x - x[i]) ** 2 + (y - y[i]) ** 2)
    return np.sort(beat[chosen])
