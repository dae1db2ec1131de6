"""Fixed sensor types: the parameters every sensor group has, and how a type turns its
footprint into detection exposure.

A group passing a cell accumulates exposure `per_visit + rate_per_min * minutes_in_cell` from
every sensor covering it; each sensor detects when its exposure over the trip exceeds an Exp(1)
draw (sim/detection.py). So a ground sensor with probability p per pass has
per_visit = -ln(1 - p), and independent sensors combine as 1 - prod(1 - p_i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import param
from sim.terrain.model import Terrain

PLACEMENTS = ("along_border", "random", "explicit")
MIN_SPACING_KM = 0.1
MIN_MTBF_DAYS = 0.01
SURE_CHANCE = 1 - 1e-12  # a chance per pass at or above this is certain (see SensorType.pass_exposure)
SURE_EXPOSURE = float(-np.log1p(-SURE_CHANCE))


@dataclass(frozen=True)
class Footprint:
    nodes: np.ndarray  # cells the sensor covers
    per_visit: np.ndarray  # exposure per pass over the cell
    rate_per_min: np.ndarray  # exposure per minute spent in the cell


@dataclass(frozen=True)
class SensorGroupParams:
    """Keys of every sensor group, whatever its type."""

    agency: str = param("", ref="agency", required=True, doc="Agency that receives the alerts.")
    count: int = param(
        0,
        ge=0,
        unit="sensors",
        doc="Number of sensors for `along_border` (with `spacing_km` = 0: spread evenly) and for `random`.",
    )
    placement: str = param(
        "along_border",
        choices=PLACEMENTS,
        doc="`along_border`: one sensor every "
        "`spacing_km` (or `count` evenly), starting half a spacing in, at y = `setback_km`, "
        "snapped to the nearest home-side cell. `random`: `count` distinct home-side cells, "
        "seeded by the terrain seed and the group name. `explicit`: all of `nodes` + `coords`.",
    )
    spacing_km: float = param(
        0.0,
        ge=0,
        unit="km",
        hint="0, or ≥ 0.1",
        doc="`along_border` spacing: 0 (place `count` evenly) or at least 0.1 km (a sensor every 100 m), so that a "
        "line of them stays countable. Not with `count` > 0 (one of the two would be ignored). Other placements "
        "do not read it.",
    )
    setback_km: float = param(
        1.0,
        ge=0,
        unit="km",
        doc="`along_border` distance from the border into the home side.",
        source="**modelling guess**",
    )
    nodes: list[int] = param(factory=list, ref="node", unit="node ids", doc="Explicit sensor cells.")
    coords: list[list[float]] = param(
        factory=list, unit="km `[x, y]`", doc="Explicit positions, snapped to the nearest cell of `sectors`."
    )
    sectors: list[str] = param(
        factory=list,
        ref="sector",
        doc="Limits placement to these sectors (explicit `nodes` must lie in them). Empty means all.",
    )
    corridor: str = param(
        "",
        ref="corridor",
        hint="'', a corridor name (C1, C2, ...) or `busiest`",
        doc="Limits `along_border` and `random` placement to this corridor (C1, C2, ...: see `corridors`). "
        "`busiest`: the corridor with the most crossings so far when the group is installed, every crossing "
        "counted (decoys and every organisation's: the run's ground truth, as an analyst places a reinforcement; "
        "needs `installed_day` > 0; ties go to the westernmost). Empty: the whole border.",
    )
    installed_day: float = param(
        0.0,
        ge=0,
        unit="days",
        doc="Day the group is put up. Before it its sensors do not exist: no detections, no false alarms, no "
        "costs, and organisations that watch for towers do not know them. Its costs count from then. At or "
        "after the horizon the group is not put up in this run (as with `count: 0`), so a shortened run of a "
        "scenario needs no other change.",
    )
    cover_sensitivity: float = param(
        1.0, ge=0, doc="How much cover reduces this sensor's detection.", source="**modelling guess**"
    )
    false_alarms_per_day: float = param(
        0.5,
        ge=0,
        le=10_000,
        unit="1/day",
        doc="False alarms per sensor while up.",
        source="**modelling guess**. For calibration: >90% of responses to UGS "
        "alerts were false (DHS OIG-06-15 [P via N]).",
    )
    mtbf_days: float = param(
        20.0,
        ge=0,
        hint="0, or ≥ 0.01",
        unit="days",
        doc="Mean time between failures. 0 means the sensor never fails.",
        source="Together with `repair_hours`: IFT availability 98% (Defense Daily "
        "[N], §2). 20 d / (20 d + 10 h) = 0.979 [D]. Only the ratio is sourced; the split "
        "between the two keys is a **modelling guess**.",
    )
    repair_hours: float = param(10.0, ge=0, unit="h", doc="Mean repair time.", source="see `mtbf_days`")
    capital_usd: float = param(
        2.6e6,
        ge=0,
        unit="USD/sensor",
        doc="Capital outlay per sensor, amortised over `lifetime_years` in `cost_usd`.",
        source="IFT cost: $26M final order / 10 towers = $2.6M per tower [D] (Defense Daily [N], §2)",
    )
    opex_usd_per_day: float = param(
        300.0, ge=0, unit="USD/day", doc="Operating cost per sensor over the horizon.", source="**modelling guess**"
    )
    lifetime_years: float = param(
        10.0,
        gt=0,
        unit="years",
        doc="Amortisation life of `capital_usd`.",
        source="**modelling guess**. For comparison, §2 has a 9-year IFT contract and a "
        "10-year RVSS contract (Defense Daily [N]), and ~10 years of O&M in the Arizona "
        "plan (GAO-12-22 [P]); these are contract periods, not service lives.",
    )

    @property
    def daily_opex_usd(self) -> float:
        """Operating cost per calendar day in service (the asset row's opex_usd_per_day)."""
        return self.opex_usd_per_day

    def check(self) -> list[str]:
        if 0 < self.mtbf_days < MIN_MTBF_DAYS:
            return [
                f"mtbf_days: got {self.mtbf_days:g}; allowed: 0 (never fails) or at least {MIN_MTBF_DAYS:g} "
                f"days (a failure every quarter of an hour)"
            ]
        if 0 < self.spacing_km < MIN_SPACING_KM:
            return [f"spacing_km: got {self.spacing_km:g}; allowed: 0 (use count) or at least {MIN_SPACING_KM:g} km"]
        if self.placement == "along_border" and self.spacing_km > 0 and self.count > 0:  # a sweep of count did nothing
            return [
                f"count: got {self.count} with spacing_km {self.spacing_km:g}; allowed: one of them (spacing_km "
                "places one every so many km; set spacing_km=0 to place `count` evenly)"
            ]
        if self.placement == "explicit" and not (self.nodes or self.coords):
            return ["nodes: explicit placement needs `nodes` or `coords`"]
        if self.placement == "explicit" and self.corridor:
            return ["corridor: explicit placement puts sensors where `nodes` and `coords` say; allowed: '' with it"]
        if self.corridor == "busiest" and self.installed_day <= 0:
            return ["corridor: `busiest` is decided when the group is installed; allowed: with installed_day > 0"]
        if any(len(c) != 2 for c in self.coords):
            return ["coords: each position is a pair [x, y] in km"]
        return []


class SensorType:
    """Base class of a registered sensor type: `name`, `Params` and the footprint of one sensor."""

    name = ""
    Params = SensorGroupParams
    visible = False  # smugglers know where it stands (least_risk routing avoids it)

    @staticmethod
    def footprint(terrain: Terrain, node: int, params: SensorGroupParams) -> Footprint:
        raise NotImplementedError

    @staticmethod
    def daily_window(params: SensorGroupParams) -> tuple[float, float] | None:
        """(opens at minute of the day, minutes): the window in which the sensor works each day
        (a drone's flight hours); None: around the clock."""
        return None

    @staticmethod
    def check_cells(params: SensorGroupParams, cell_km: float) -> list[str]:
        """Problems of the group's keys on a terrain whose cells are `cell_km` apart, as
        'key: got ...; allowed: ...' (none by default)."""
        return []

    @staticmethod
    def pass_exposure(p: float | np.ndarray) -> np.ndarray:
        """`per_visit` of a chance `p` per pass: -ln(1 - p). A chance of 1 (or within 1e-12 of it)
        gives SURE_EXPOSURE, which detection reads as certain under any weather factor above 0
        (1 - (1 - p)^factor = 1); finite, so that the exposure organisations know of stays a cost."""
        return -np.log1p(-np.minimum(p, SURE_CHANCE))

    @staticmethod
    def cover_factor(terrain: Terrain, nodes: np.ndarray, params: SensorGroupParams) -> np.ndarray:
        return np.clip(1.0 - params.cover_sensitivity * terrain.cover[nodes], 0.0, 1.0)
