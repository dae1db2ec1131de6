"""Camera / radar tower: sees every cell within its range, with a detection hazard per hour in view."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import param
from sim.sensors.base import Footprint, SensorGroupParams, SensorType
from sim.terrain.model import Terrain


@dataclass(frozen=True)
class TowerParams(SensorGroupParams):
    range_km: float = param(
        10.0,
        ge=0,
        unit="km",
        doc="Tower range (cell-centre distance): the tower sees the cells whose centres lie within it, so what it "
        "covers is whole cells (a range under one cell sees its own cell only; at 1.5 cells it sees 9 cells, "
        "1.27 × the disc's area; at 1 cell 5 cells, 1.59 ×). Keep the range at 2 cells or more: the area seen is "
        "then within about 7% of the disc's (3% from 3 cells).",
        source="IFT detects a walking person at 5–8 mi (8–13 km) (azcentral/Arizona Republic "
        "2014 on GAO-14-368 [N], §2)",
    )
    detect_rate_per_hour: float = param(
        0.5,
        ge=0,
        unit="1/h",
        doc="Detection hazard per hour in view with no "
        "cover, × `clip(1 − cover_sensitivity × cover, 0, 1)`. Example: 1 h in "
        "`open` (cover 0.1) gives 1 − e^(−0.45) ≈ 0.36.",
        source="**modelling guess**",
    )


class CameraTower(SensorType):
    name = "tower"
    Params = TowerParams
    visible = True  # smugglers know where towers stand (least_risk routing avoids them)

    @staticmethod
    def footprint(terrain: Terrain, node: int, params: TowerParams) -> Footprint:
        d = terrain.distance_km(node, np.arange(terrain.n_nodes))
        nodes = np.flatnonzero(d <= params.range_km)
        rate = params.detect_rate_per_hour / 60.0 * SensorType.cover_factor(terrain, nodes, params)
        return Footprint(nodes, np.zeros(nodes.size), rate)
