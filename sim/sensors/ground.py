"""Unattended ground sensor (seismic): sees its own cell, with a probability per pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import param
from sim.sensors.base import Footprint, SensorGroupParams, SensorType
from sim.terrain.model import Terrain


@dataclass(frozen=True)
class GroundParams(SensorGroupParams):
    detect_prob: float = param(
        0.8,
        ge=0,
        le=1,
        unit="prob./pass",
        doc="Chance to detect one pass over its cell, × `max(0, 1 − cover_sensitivity × cover)`.",
        source='UE 0.8 (§2 "UGS probability of detection", range 0.5–0.95): **modelling '
        "guess**. The seismic research range of >30 m [W] is much smaller than one cell; "
        "`detect_prob` absorbs that.",
    )
    capital_usd: float = param(
        5_000.0,
        ge=0,
        unit="USD/sensor",
        doc="Capital outlay per sensor (a buried seismic sensor and its relay share), amortised over "
        "`lifetime_years` in `cost_usd`.",
        source="**modelling guess** (no UGS price in REFERENCE-FIGURES; the shipped scenarios' figure). Not the "
        "tower's $2.6M: a ground sensor left at the sensor default was priced as a camera tower",
    )
    opex_usd_per_day: float = param(
        5.0, ge=0, unit="USD/day", doc="Operating cost per sensor over the horizon.", source="**modelling guess**"
    )


class GroundSensor(SensorType):
    name = "ground"
    Params = GroundParams

    @staticmethod
    def footprint(terrain: Terrain, node: int, params: GroundParams) -> Footprint:
        nodes = np.array([node])
        p = params.detect_prob * SensorType.cover_factor(terrain, nodes, params)
        return Footprint(nodes, SensorType.pass_exposure(p), np.zeros(1))
