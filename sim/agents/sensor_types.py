"""Sensor types: how a sensor's footprint turns into detection exposure on each cell.

A group passing a cell accumulates exposure `per_visit + rate_per_min * minutes_in_cell` from
every sensor covering it; each sensor detects when its exposure over the trip exceeds an
Exp(1) draw. So a ground sensor with probability p per pass has per_visit = -ln(1 - p), and
independent sensors combine as 1 - prod(1 - p_i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.registry import Registry
from sim.scenario import SensorGroupSpec
from sim.terrain.model import Terrain

SENSOR_TYPES: Registry[type["SensorType"]] = Registry("sensor type")


@dataclass(frozen=True)
class Footprint:
    nodes: np.ndarray  # cells the sensor covers
    per_visit: np.ndarray  # exposure per pass over the cell
    rate_per_min: np.ndarray  # exposure per minute spent in the cell


class SensorType:
    """Base class: one subclass per registered sensor type."""

    def footprint(self, terrain: Terrain, node: int, spec: SensorGroupSpec) -> Footprint:
        raise NotImplementedError

    @staticmethod
    def cover_factor(terrain: Terrain, nodes: np.ndarray, spec: SensorGroupSpec) -> np.ndarray:
        return np.clip(1.0 - spec.cover_sensitivity * terrain.cover[nodes], 0.0, 1.0)


@SENSOR_TYPES.register("ground")
class GroundSensor(SensorType):
    """Unattended ground sensor (seismic): sees its own cell; p per pass."""

    def footprint(self, terrain: Terrain, node: int, spec: SensorGroupSpec) -> Footprint:
        nodes = np.array([node])
        p = min(spec.detect_prob, 1 - 1e-12) * self.cover_factor(terrain, nodes, spec)
        return Footprint(nodes, -np.log1p(-p), np.zeros(1))


@SENSOR_TYPES.register("tower")
class CameraTower(SensorType):
    """Camera/radar tower: sees every cell within range_km; a detection hazard per minute in view."""

    visible = True  # smugglers know where towers stand (least_risk routing avoids them)

    def footprint(self, terrain: Terrain, node: int, spec: SensorGroupSpec) -> Footprint:
        d = terrain.distance_km(node, np.arange(terrain.n_nodes))
        nodes = np.flatnonzero(d <= spec.range_km)
        rate = spec.detect_rate_per_hour / 60.0 * self.cover_factor(terrain, nodes, spec)
        return Footprint(nodes, np.zeros(nodes.size), rate)

