"""Small drone (sUAS) on station: a random search of a disc, by Koopman's random-search law.

A drone searching an area A (km²) at speed v (km/h) with sweep width W (km) detects a group in
that area at the hazard W·v/A per hour while it is aloft (Koopman's random search: a group that
stays T minutes in the area is seen with probability 1 − exp(−W·v·T / (60·A))). The area is the
disc of `search_radius_km` around the drone's station; its effort is spread over the whole disc,
so a station near the border spends a share of it over the foreign side (where, like a tower,
it sees groups before they cross). Cover lowers the hazard as it does a tower's. Outside its
daily flight window the drone is on the ground: its sensor is down (logged as sensor_down and
sensor_up), and failures and repairs come on top as for any sensor; `flight` rows log each
take-off and landing whatever the working state (an outage is the time down while aloft).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.params import param
from sim.sensors.base import Footprint, SensorGroupParams, SensorType
from sim.terrain.model import Terrain

MIN_RADIUS_CELLS = 1  # a search disc of less than a cell's radius misstates its area (see search_radius_km)


@dataclass(frozen=True)
class DroneParams(SensorGroupParams):
    search_radius_km: float = param(
        4.0,
        gt=0,
        le=200,
        unit="km",
        doc="Radius of the disc around the station that the drone searches. A larger disc spreads the same "
        "search effort thinner: the hazard in it is `sweep_width_km × speed_kmh / (π × radius²)` per hour. "
        "The cells within the radius stand for the disc: the search effort spent is the hazard times their "
        "area, on a square grid 0.7–1.6 times W·v at a radius of one to two cells, 0.8–1.3 times at two to "
        "three, 0.9–1.2 times from three on; below one cell (unbounded: 3.5 times at 0.3 cells) the radius "
        "is refused.",
        source="**modelling guess**. For scale: a Puma's radio range is 60 km (§3, Small UAS fleet); a "
        "search box is much smaller than that.",
    )
    sweep_width_km: float = param(
        0.3,
        gt=0,
        unit="km",
        doc="Effective sweep width of its camera against a group on foot in the open (Koopman's W: the width "
        "of a strip it would search perfectly with the same effort).",
        source="**modelling guess**: no public figure for border EO/IR (§3, UAS detection / sweep width); "
        "checked with Koopman's formula in docs/validation.md.",
    )
    speed_kmh: float = param(
        45.0,
        gt=0,
        unit="km/h",
        doc="Search speed over the ground.",
        source="**modelling guess** (a small fixed-wing sUAS's cruise; not in REFERENCE-FIGURES).",
    )
    aloft_hours_per_day: float = param(
        7.5,
        gt=0,
        le=24,
        unit="h/day",
        doc="Hours a day on station, in one window from `launch_hour` (sorties flown back to back). 24 = "
        "always aloft. Outside the window the drone is on the ground and sees nothing.",
        source="**modelling guess**: three sorties of a Puma's 2.5 h endurance (§3, Small UAS fleet and "
        "cueing; sUAS endurance 0.5–3 h).",
    )
    launch_hour: float = param(
        19.0,
        ge=0,
        lt=24,
        unit="h of day",
        doc="Hour of the day the flight window opens (19 with 7.5 h: 19:00–02:30, the night hours).",
        source="**modelling guess**",
    )
    cover_sensitivity: float = param(
        1.0, ge=0, doc="How much cover reduces the drone's detection.", source="**modelling guess**"
    )
    false_alarms_per_day: float = param(
        0.5,
        ge=0,
        le=10_000,
        unit="1/day",
        doc="False alarms per drone per 24 hours aloft (a rate while flying: a drone aloft 6 h a day "
        "raises a quarter of it per calendar day).",
        source="**modelling guess**",
    )
    mtbf_days: float = param(
        10.0,
        ge=0,
        hint="0, or ≥ 0.01",
        unit="days",
        doc="Mean time between failures (days of the calendar, aloft or not). 0 means it never fails.",
        source="**modelling guess**",
    )
    repair_hours: float = param(24.0, ge=0, unit="h", doc="Mean repair time.", source="**modelling guess**")
    capital_usd: float = param(
        250_000.0,
        ge=0,
        unit="USD/sensor",
        doc="Capital outlay per drone (aircraft, ground station share), amortised over `lifetime_years`.",
        source="**modelling guess** (not in REFERENCE-FIGURES; a Predator B is $14–18M, §3)",
    )
    opex_usd_per_day: float = param(
        600.0,
        ge=0,
        unit="USD/day",
        doc="Fixed operating cost per drone and calendar day, flying or not (crew on call, ground "
        "station, upkeep); the hours aloft add `usd_per_flight_hour` each (until 2026-12-03 this key was "
        "the whole daily cost: a file written for that sets `usd_per_flight_hour: 0`).",
        source="**modelling guess** (with `usd_per_flight_hour`: 1,500 USD a day at the default 7.5 h aloft)",
    )
    usd_per_flight_hour: float = param(
        120.0,
        ge=0,
        le=1e6,
        unit="USD/h",
        doc="Operating cost of each hour aloft (pilots' time, fuel, wear), so that more hours on station "
        "cost more: the drone's operating cost per day is `opex_usd_per_day` + this × "
        "`aloft_hours_per_day`.",
        source="**modelling guess**; CBP's full cost of a Predator B flight hour is $12,255 (§3), a small "
        "drone's is far lower",
    )

    @property
    def daily_opex_usd(self) -> float:
        """Operating cost per calendar day: the fixed part and the hours aloft."""
        return self.opex_usd_per_day + self.usd_per_flight_hour * self.aloft_hours_per_day

    lifetime_years: float = param(
        5.0, gt=0, unit="years", doc="Amortisation life of `capital_usd`.", source="**modelling guess**"
    )


class Drone(SensorType):
    name = "drone"
    Params = DroneParams

    @staticmethod
    def footprint(terrain: Terrain, node: int, params: DroneParams) -> Footprint:
        d = terrain.distance_km(node, np.arange(terrain.n_nodes))
        nodes = np.flatnonzero(d <= params.search_radius_km)
        area_km2 = math.pi * params.search_radius_km**2
        per_hour = params.sweep_width_km * params.speed_kmh / area_km2
        rate = per_hour / 60.0 * SensorType.cover_factor(terrain, nodes, params)
        return Footprint(nodes, np.zeros(nodes.size), rate)

    @staticmethod
    def check_cells(params: DroneParams, cell_km: float) -> list[str]:
        r = params.search_radius_km
        if cell_km > 0 and r < MIN_RADIUS_CELLS * cell_km:
            return [
                f"search_radius_km: got {r:g} km, {r / cell_km:.2g} cells of this terrain ({cell_km:g} km); allowed: "
                f"at least {MIN_RADIUS_CELLS} cell ({MIN_RADIUS_CELLS * cell_km:g} km; 3 or more spend the search "
                "effort within about 20%): the cells within a smaller radius stand for its disc badly (at 0.3 "
                "cells their area is 3.5 x pi radius^2, and the search effort with it)"
            ]
        return []

    @staticmethod
    def daily_window(params: DroneParams) -> tuple[float, float] | None:
        """On station from `launch_hour` for `aloft_hours_per_day` every day (None: always)."""
        if params.aloft_hours_per_day >= 24:
            return None
        return params.launch_hour * 60.0, params.aloft_hours_per_day * 60.0
