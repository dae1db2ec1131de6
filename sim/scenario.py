"""The scenario schema: every key a scenario file can hold, once, as declared parameters
(sim/params.py): type, unit, allowed values, default, meaning and the source of the default.

Defaults come from docs/REFERENCE-FIGURES.md where a public figure exists; the rest are labelled
modelling guesses. docs/scenario-reference.md is generated from these declarations
(docs/make_reference.py). Plug-in parameters (sensor types, patrol / routing / reaction
policies, coordination policies, injects) are declared with the plug-in, in its own module.
Every object here is frozen: a parsed scenario never changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from sim.params import Chosen, NoParams, param
from sim.policies.patrol.random_beat import RandomBeatParams
from sim.policies.reaction.run import RunParams
from sim.recorder import DECOY_CARGO

MODELLING_GUESS = "**modelling guess**"
JURISDICTION_HINT = "sector names, `home`, `all`, `towns:<km>`, `ports:<km>`"


MAX_REPLICATIONS = 100_000  # in one run: the run plans and lists every replication up front
MAX_SEED = 2**63 - 1  # the results' seed column is a 64-bit integer: the last replication's seed must fit


def safe_name(name: str) -> bool:
    """A name that can stand as one file or folder name: letters, digits, _, - and ., not . or .."""
    return bool(name) and all(c.isalnum() or c in "_-." for c in name) and name not in (".", "..")


@dataclass(frozen=True)
class KindSpec:
    share: float = param(
        0.0,
        ge=0,
        doc="Share of the generated land. A kind with 0 appears only where the "
        "generator draws a feature on it (rivers, towns).",
    )
    cover: float = param(
        0.0,
        ge=0,
        le=1,
        doc="Concealment. Every detection by a sensor, a patrol or a search is "
        "multiplied by `max(0, 1 - cover_sensitivity * cover)` of the cell.",
    )
    speed_factor: float = param(
        1.0,
        gt=0,
        le=100,
        unit="×",
        doc="Multiplies the off-road speed of every mode. An "
        "edge uses the mean factor of its two cells. Roads ignore it.",
    )


def default_kinds() -> dict[str, KindSpec]:
    return {
        "open": KindSpec(share=0.5, cover=0.1, speed_factor=1.0),
        "scrub": KindSpec(share=0.3, cover=0.4, speed_factor=0.8),
        "mountain": KindSpec(share=0.2, cover=0.6, speed_factor=0.5),
        "river": KindSpec(share=0.0, cover=0.2, speed_factor=0.3),
        "urban": KindSpec(share=0.0, cover=0.5, speed_factor=1.0),
    }


KIND_SOURCES = {  # where the default kinds' values come from, for the reference
    "share": "**modelling guess**",
    "cover": "**modelling guess**",
    "speed_factor": "`scrub` 0.8 is AccessMod's low vegetation (4 km/h) divided by bare soil (5 km/h), from the "
    "AccessMod manual [W] in §1; `open` 1.0 is the reference; `mountain` 0.5: Tobler's slope range "
    "of 0.3–6 km/h (Wikipedia [W]) is only a bound; the rest **modelling guess**.",
}


@dataclass(frozen=True)
class TerrainSpec:
    source: Chosen = param(
        factory=lambda: Chosen("generate", NoParams()),
        role="slot",
        family="terrain source",
        doc="Where the terrain comes from: a name, or `{type: NAME, ...its keys}` (see Terrain sources; "
        "file formats: see the end of this page).",
    )
    path: str = param(
        "", doc="A GraphML file, or a folder holding `nodes.csv` and `edges.csv`. Relative paths start at `scenarios/`."
    )
    seed: int = param(
        1, ge=0, doc="Seed of the generator and of `random` sensor placement. Independent of the replication seed."
    )
    length_km: float = param(
        40.0,
        gt=0,
        le=5000,
        unit="km",
        doc="Length of the border (x extent).",
        source="**modelling guess**: keeps runs fast. The REFERENCE-FIGURES example sector is ~400 km.",
    )
    depth_foreign_km: float = param(
        8.0, gt=0, le=1000, unit="km", doc="Depth of the foreign side.", source=MODELLING_GUESS
    )
    depth_home_km: float = param(
        24.0,
        gt=0,
        le=1000,
        unit="km",
        doc="Depth of the home side. Towns sit at the far edge.",
        source="**modelling guess**. For comparison, §1 gives border-to-pickup "
        "distances of 6.4 km (Phoenix New Times [N]) to 145 km (POLICE Magazine [N]).",
    )
    cell_km: float = param(
        1.0,
        gt=0,
        le=100,
        unit="km",
        doc="Cell size. It is also the ground sensor's footprint. The generator rounds each extent to whole cells. "
        "It draws its map on the cell grid: another `cell_km` is another random map (towns, ports, staging areas, "
        "roads and land kinds move by kilometres), not the same map at a finer grain; to compare cell sizes on "
        "one map, load it (`graphml`, `csv`) or use the `grid` source.",
        source=MODELLING_GUESS,
    )
    smoothness_km: float = param(
        4.0, ge=0, unit="km", doc="Correlation length of the kind field.", source=MODELLING_GUESS
    )
    kinds: dict[str, KindSpec] = param(
        factory=default_kinds,
        doc="Land kinds (table below). Loaded files must use these names. Merged with the defaults.",
        source="see Kinds",
    )
    rivers: int = param(
        1,
        ge=0,
        le=1000,
        unit="count",
        doc="Meandering rivers (kind `river`) on the home side, running from the far edge to the border.",
        source=MODELLING_GUESS,
    )
    border_river: bool = param(
        False, doc="If true, the first home row is river (Rio Grande-like).", source=MODELLING_GUESS
    )
    roads_home: int = param(
        3,
        ge=0,
        le=1000,
        unit="count",
        doc="North-south home roads. Each starts at the border road (or at a port) and ends in a town.",
        source=MODELLING_GUESS,
    )
    roads_foreign: int = param(
        3,
        ge=0,
        le=1000,
        unit="count",
        doc="Foreign roads from the far edge to the nearest staging area.",
        source=MODELLING_GUESS,
    )
    border_road_km: float = param(
        2.0,
        ge=0,
        unit="km",
        doc="Distance of the east-west patrol road from the border. 0 means no border road.",
        source=MODELLING_GUESS,
    )
    ports: int = param(
        1,
        ge=0,
        le=1000,
        unit="count",
        doc="The first `ports` home roads cross the border. Their "
        "first home-side cell is marked `port`, a foreign road leads to it, and an urban disc (not a "
        "destination) is drawn on the foreign side. Inspection and traffic are modelled only for the "
        "entries of `scenario.ports`, which take these cells in order (see Ports). `ports:<km>` "
        "jurisdictions are measured from these cells.",
        source=MODELLING_GUESS,
    )
    town_radius_km: float = param(
        1.5, ge=0, unit="km", doc="Radius of the urban disc around each town.", source=MODELLING_GUESS
    )
    staging_areas: int = param(
        6, ge=1, le=10_000, unit="count", doc="Foreign-side origins, spread along the border.", source=MODELLING_GUESS
    )
    staging_setback_km: float = param(
        3.0, ge=0, unit="km", doc="Distance of the staging areas from the border.", source=MODELLING_GUESS
    )
    sectors: int = param(
        2,
        ge=1,
        le=1000,
        unit="count",
        doc="Number of sectors (`S1`..`Sn`), used by jurisdictions and placement: at most the cells along the "
        "border (each sector must hold a cell; a check).",
        source=MODELLING_GUESS,
    )

    def check(self) -> list[str]:
        reads = getattr(self.source.params, "reads_path", "")  # a source that loads a file (csv, graphml)
        if reads and not self.path.strip():
            return [
                f"path: source {self.source.type} reads {reads}; allowed: its path (relative paths start at scenarios/)"
            ]
        kind = getattr(self.source.params, "kind", None)  # a source laying out one land kind (grid)
        if kind is not None and kind not in self.kinds:
            return [f"source.kind: unknown land kind {kind!r}; allowed: {', '.join(self.kinds)}"]
        extents = (self.cell_km, self.length_km, self.depth_foreign_km, self.depth_home_km)
        if self.source.type == "generate" and all(0 < v < math.inf for v in extents):  # (else: their ranges)
            return self._generated_problems()
        return []

    def _generated_problems(self) -> list[str]:
        """The generator rounds each extent to whole cells; an extent too small for the cells it
        needs would be silently stretched, so it is refused instead. It also needs a land kind to draw."""
        out = []
        for key, km, least in (
            ("length_km", self.length_km, 2),
            ("depth_foreign_km", self.depth_foreign_km, 1),
            ("depth_home_km", self.depth_home_km, 2),
        ):
            if round(km / self.cell_km) < least:
                cells = f"{least} cell{'s' if least > 1 else ''}"
                out.append(
                    f"{key}: {km:g} km is {km / self.cell_km:.2g} cells of cell_km {self.cell_km:g} km; allowed: "
                    f"at least {cells} ({least * self.cell_km:g} km or more), or a smaller cell_km"
                )
        if not any(k.share > 0 for k in self.kinds.values()):
            names = ", ".join(self.kinds)
            out.append(f"kinds: no land kind has share > 0; allowed: a share > 0 for at least one of {names}")
        cols = max(2, round(self.length_km / self.cell_km))  # the generator's columns along the border
        for key, count in (
            ("roads_home", self.roads_home),
            ("roads_foreign", self.roads_foreign),
            ("staging_areas", self.staging_areas),
        ):
            if count > cols:  # each needs a column of its own: two in one column would be one
                out.append(
                    f"{key}: got {count}, but the border is {cols} cells long (length_km {self.length_km:g} / "
                    f"cell_km {self.cell_km:g}); allowed: at most {cols}, or a longer border or smaller cells"
                )
        if self.ports > self.roads_home:  # a port is where a home road crosses the border
            out.append(
                f"ports: got {self.ports}, but only {self.roads_home} home road(s) can cross the border; "
                f"allowed: at most roads_home ({self.roads_home}), or more roads_home"
            )
        if self.roads_home == 0:  # the generator's towns (the smugglers' destinations) end its home roads
            out.append(
                "roads_home: got 0, but each town (a smugglers' destination) ends a home road; allowed: 1 or more"
            )
        return out


@dataclass(frozen=True)
class ModeSpec:
    offroad_kmh: float = param(
        3.0, gt=0, le=1000, unit="km/h", doc="Off-road speed, × the mean `speed_factor` of the two cells of an edge."
    )
    road_kmh: float = param(4.0, gt=0, le=1000, unit="km/h", doc="Speed on road edges.")
    breaches_barriers: bool = param(
        False, doc="Can cross a barrier edge (adding its `breach_min`); other modes treat barrier edges as impassable."
    )


def default_modes() -> dict[str, ModeSpec]:
    return {
        "foot": ModeSpec(offroad_kmh=3.0, road_kmh=4.0, breaches_barriers=True),
        "vehicle": ModeSpec(offroad_kmh=15.0, road_kmh=40.0),
    }


MODE_SOURCES = {
    "offroad_kmh": "**foot**: Tobler's flat on-path speed 5.0 km/h × off-path factor 0.6 (Tobler 1993 via "
    'Wikipedia [W]). **vehicle**: UE 15 km/h (§1 "Patrol-vehicle speed off-road"); **modelling '
    "guess**, below AccessMod's 20 km/h track maximum [W].",
    "road_kmh": '**foot**: REFERENCE-FIGURES\' suggested "on trail 4.0" (§1). Compare the foot-march rate of 4 '
    "km/h by day (Combat Leader's Field Guide via blog [W]). **vehicle**: UE 40 km/h (§1 "
    '"Patrol-vehicle speed on graded dirt road"); **modelling guess**.',
    "breaches_barriers": '**foot**: a bollard is cut "in a matter of minutes" with a saw (Washington Post via The '
    "Independent [N], §4). **vehicle**: **modelling guess** (a barrier stops vehicles).",
}


@dataclass(frozen=True)
class AgencySpec:
    jurisdiction: list[str] = param(
        factory=lambda: ["home"],
        hint=JURISDICTION_HINT,
        doc="Where the agency's "
        "units may act: the area where its centre places incidents, where its units "
        "are based and patrol, and where they may arrest and search. A list of terms "
        "whose cells are joined (union): a sector name, `home`, `all`, `towns:<km>` "
        "(home cells whose centre is within `<km>` km of a town centre, e.g. "
        "`towns:6`) or `ports:<km>` (home cells within `<km>` km of a terrain port "
        "cell, e.g. `ports:4`). `<km>` is a non-negative number. The result is always "
        "limited to the home side, so `all` behaves like `home` (an empty list does "
        "too). Towns and ports are the terrain's `town` and `port` cells.",
    )
    operators: int = param(
        2,
        ge=1,
        le=10_000,
        unit="persons",
        doc="Operators handling alerts in parallel.",
        source="**modelling guess**. Operator workload is unsourced in §7.",
    )
    handling_min: float = param(
        2.0,
        ge=0,
        le=1e4,
        unit="min",
        doc="Mean operator time per alert.",
        source='UE 2 min (§7 "Alert-to-dispatch delay", range 0.5–5 min): **modelling guess**',
    )
    handling: str = param(
        "exponential",
        choices=("exponential", "fixed"),
        doc="Distribution of the handling time: `exponential` (mean `handling_min`) or `fixed`.",
        source=MODELLING_GUESS,
    )
    correlate_km: float = param(
        5.0,
        unit="km",
        doc="An alert this close to an open incident joins it, and no new dispatch is made (a negative value: never).",
        source=MODELLING_GUESS,
    )
    correlate_min: float = param(
        90.0, unit="min", doc="The join applies only if the incident was opened this recently.", source=MODELLING_GUESS
    )
    max_response_min: float = param(
        180.0,
        gt=0,
        unit="min",
        allow_inf=True,
        doc="A unit is sent only if it "
        "arrives within this time (else `no_unit`); applies to the unit's own agency, "
        "under every coordination policy. `.inf` (YAML; `inf` in a command-line override): no limit. "
        "It is the automatic dispatcher's rule: a live drill seat's own dispatch order is not held to it "
        "(the person decides; the order returns the arrival time).",
        source="**modelling guess** within §7's range (dispatch-to-arrival in remote "
        'desert 10 min to "several hours"; remote sectors "hours to days").',
    )


@dataclass(frozen=True)
class UnitGroupSpec:
    agency: str = param("", ref="agency", required=True, doc="Owning agency.")
    count: int = param(0, ge=0, le=100_000, unit="units", doc="Number of units.")
    mode: str = param("vehicle", ref="mode", doc="A key of `scenario.modes`.", source=MODELLING_GUESS)
    officers: int = param(
        2, ge=1, le=1000, unit="persons", doc="Officers per unit. Used for operating cost.", source=MODELLING_GUESS
    )
    capacity: int = param(
        8,
        ge=1,
        le=10_000,
        unit="persons",
        doc="Persons the unit apprehends at one contact. It "
        "takes `min(capacity, group size)`; the rest escape (`escaped_at_contact`), and the "
        "attempt still counts as interdicted. Seized kg scales with the persons taken.",
        source=MODELLING_GUESS,
    )
    policy: Chosen = param(
        factory=lambda: Chosen("random_beat", RandomBeatParams()),
        role="slot",
        family="patrol policy",
        doc="Patrol policy: a name, or `{type: NAME, ...its keys}` (see Patrol policies).",
        source=MODELLING_GUESS,
    )
    placement: str = param(
        "spread",
        choices=("spread", "random", "explicit"),
        doc="How bases are placed. `spread`: the area's road cells (the cells road edges start from, "
        "in the terrain's edge list) ordered by x, and `count` bases at evenly spaced places in that "
        "order (all area cells if there is no road): each base stands for an equal share of the road "
        "cells, not of the border's length, so a north-south road, whose cells share one x, takes "
        "bases along its length (inland too). `random`: `count` distinct home-side cells of the area "
        "(with repeats only if it has fewer), seeded by the terrain seed and the group name. `explicit`: `nodes`, then "
        "`coords`; the first `count` are used.",
        source=MODELLING_GUESS,
    )
    nodes: list[int] = param(factory=list, ref="node", unit="node ids", doc="Explicit base cells.")
    coords: list[list[float]] = param(
        factory=list, unit="km `[x, y]`", doc="Explicit bases, snapped to the nearest home-side cell."
    )
    sectors: list[str] = param(
        factory=list,
        ref="sector",
        doc="Area for placement and for the beat. The area is "
        "the agency's jurisdiction ∩ these sectors. If empty, bases are spread over the "
        "whole jurisdiction, and each unit's beat is its jurisdiction within the sector of "
        "its base.",
    )
    shift_hours: float = param(
        10.0,
        gt=0,
        le=24,
        unit="h",
        doc="Shift length. Tasks in hand are finished before the unit goes off duty.",
        source="8-h shift + ~2 h/day administratively "
        "uncontrollable overtime ≈ 10 h (AP analysis 2012, Denver Post [N], §5)",
    )
    shifts_per_day: int = param(3, ge=1, le=1440, doc="Number of staggered shift start times.", source=MODELLING_GUESS)
    detect_prob: float = param(
        0.5,
        ge=0,
        le=1,
        unit="prob.",
        doc="A unit on duty (not processing) that shares a "
        "cell with a group at the same time detects it with `detect_prob × max(0, 1 − "
        "cover_sensitivity × cover)`. Each shared cell visit is one draw. Meeting is sharing a cell, so "
        "how often units meet groups depends on `terrain.cell_km`: on smaller cells they meet less often (six "
        "vehicle units on `random_beat` over a 20 × 11 km board met 96%, 89%, 75% and 58% of the groups "
        "crossing it at cells of 2, 1, 0.5 and 0.25 km); compare configurations at one cell size. A `weather` inject "
        "multiplies `detect_prob` by its factor (capped at 1). A detection is a contact, "
        "which ends in an apprehension, if the unit may arrest in that cell (its own "
        "jurisdiction, its task-force pool, or an MOU host's during an MOU dispatch once the "
        "host's `authorisation_min` is over; see "
        "Agreements). Otherwise the unit reports the group to its centre as an alert (source "
        "`patrol`) and does not arrest.",
        source=MODELLING_GUESS,
    )
    cover_sensitivity: float = param(
        1.0, ge=0, doc="How much cover reduces this unit's detection and search.", source=MODELLING_GUESS
    )
    search_min: float = param(
        45.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="After arriving at an incident, the unit "
        "searches there for this long. For a partner tip it waits `intel.partner.hold_min` "
        "instead.",
        source="**modelling guess**. The UE 45 min in §7 is dispatch-to-arrival, not this.",
    )
    search_radius_km: float = param(
        3.0,
        ge=0,
        unit="km",
        doc="During the search, a group behind the incident that "
        "is on the home side within this distance of the target, in a cell where the "
        "unit may arrest, can be found. Only the first such moment counts. For a coarse "
        "incident (location stripped, see Comms), the radius is × "
        "`comms.coarse_search_factor`.",
        source=MODELLING_GUESS,
    )
    find_prob: float = param(
        0.8,
        ge=0,
        le=1,
        unit="prob.",
        doc="Chance of finding such a group: `find_prob × "
        "max(0, 1 − cover_sensitivity × cover)` of the group's cell (÷ "
        "`comms.coarse_search_factor` for a coarse incident). One draw per search. `weather` "
        "injects do not change it.",
        source=MODELLING_GUESS,
    )
    processing_min: float = param(
        90.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="Apprehension processing after a contact. "
        "During it the unit is off the beat, does not observe and cannot be dispatched.",
        source=MODELLING_GUESS,
    )
    capital_usd: float = param(
        50_000.0,
        ge=0,
        unit="USD/unit",
        doc="Capital outlay per unit (vehicle, equipment). "
        "It is reported in `capital_usd`; `cost_usd` includes only its share for the horizon "
        "(the equivalent annual cost over `lifetime_years` at `costs.discount_rate`, for the days run).",
        source=MODELLING_GUESS,
    )
    lifetime_years: float = param(
        5.0,
        gt=0,
        unit="years",
        doc="Amortisation life of `capital_usd`: its equivalent annual cost is capital × CRF(discount rate, life) "
        "(see `costs`), and `cost_usd` holds that times the horizon in years.",
        source=MODELLING_GUESS,
    )
    cost_per_officer_hour_usd: float = param(
        60.0, ge=0, unit="USD/h", doc="Operating cost = this × `officers` × hours on duty.", source=MODELLING_GUESS
    )

    def check(self) -> list[str]:
        out = []
        if self.placement == "explicit" and len(self.nodes) + len(self.coords) < self.count:
            out.append(
                f"nodes: explicit placement needs {self.count} nodes/coords, got {len(self.nodes) + len(self.coords)}"
            )
        if any(len(c) != 2 for c in self.coords):
            out.append("coords: each base is a pair [x, y] in km")
        return out


@dataclass(frozen=True)
class BarrierSpec:
    agency: str = param("", ref="agency", required=True, doc="Agency the cost is booked to.")
    from_km: float = param(0.0, unit="km", doc="Start along the border (x).")
    to_km: float = param(1.0e9, unit="km", doc="End along the border. The default covers the whole border.")
    breach_min: float = param(
        5.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="Delay to cross one barrier edge, for modes with `breaches_barriers`.",
        source='Bollard breach takes "a matter of minutes" '
        "(Washington Post via The Independent [N], §4). The number itself is UE (suggested "
        "3–15 min): **modelling guess**.",
    )
    capital_usd_per_km: float = param(
        12.4e6,
        ge=0,
        unit="USD/km",
        doc="Capital outlay per km of barrier, amortised over `lifetime_years` in `cost_usd`.",
        source="Border Wall System 2017–21 ≈ $20M/mi (ProPublica/Texas Tribune 2020 "
        "[N], §4). 20e6 / 1.609 = 12.4e6 USD/km [D].",
    )
    opex_usd_per_km_day: float = param(
        0.0,
        ge=0,
        unit="USD/(km·day)",
        doc="Operating cost.",
        source="**modelling guess**. Breach repairs (≈$620–795 each [D], §4) are not modelled.",
    )
    lifetime_years: float = param(
        25.0, gt=0, unit="years", doc="Amortisation life of the barrier's capital.", source=MODELLING_GUESS
    )

    def check(self) -> list[str]:
        return (
            [f"to_km: must be >= from_km ({self.from_km:g}), got {self.to_km:g}"] if self.to_km < self.from_km else []
        )


def _day_profile() -> list[float]:
    # Relative legitimate traffic per hour of day at a port: busy by day, quiet at night.
    return [
        0.3,
        0.2,
        0.2,
        0.2,
        0.3,
        0.6,
        1.0,
        1.4,
        1.6,
        1.6,
        1.5,
        1.4,
        1.4,
        1.4,
        1.5,
        1.6,
        1.7,
        1.7,
        1.5,
        1.2,
        0.9,
        0.7,
        0.5,
        0.4,
    ]


def horizon_minutes(horizon_days: float) -> float:
    """A horizon in minutes, to a nanosecond: 1.1 days is 1584 minutes, not the float product
    1584.0000000000002 (which let an event of minute 1584 into the run). The model and the
    scenario checks use this one figure, so what the checks accept happens in the run."""
    return round(horizon_days * 24 * 60, 9)


def _profile_problem(profile: list[float]) -> list[str]:
    """24 non-negative weights that can be scaled to mean 1, as the launch and port traffic do
    (a sum that overflows, or weights so small that their mean is 0, would launch nothing)."""
    total = sum(profile)
    if total <= 0:
        return ["hourly_profile: got weights summing to 0; allowed: 24 non-negative weights with a positive sum"]
    mean = total / len(profile) if profile else 0.0
    if not (math.isfinite(total) and mean > 0 and all(math.isfinite(w / mean) for w in profile)):
        return [
            "hourly_profile: got weights too large or too small to scale to a mean of 1; allowed: 24 weights "
            "of ordinary size (e.g. relative counts per hour)"
        ]
    return []


@dataclass(frozen=True)
class PortSpec:
    agency: str = param(
        "",
        ref="agency",
        required=True,
        doc="Agency running the port (customs). Seizures are credited to it; its cost is booked to it.",
    )
    node: int = param(
        -1,
        ge=-1,
        ref="node",
        unit="node id",
        doc="-1: the terrain's port cells, in declaration order "
        "(the i-th entry with -1 takes the i-th port cell; it is an error if the terrain has too "
        "few). Otherwise an explicit cell.",
    )
    primary_lanes: int = param(
        10,
        ge=1,
        le=1000,
        unit="lanes",
        doc="Primary inspection lanes.",
        source="UE 10 (`poe_lanes = 10` for a mid-size desert port, in REFERENCE-FIGURES' "
        'suggested defaults, "Ports of entry"): **modelling guess**. For scale: San Ysidro '
        "has 25 northbound lanes and 46 booths (San Diego Union-Tribune 2014, GSA [P/N], §6).",
    )
    secondary_lanes: int = param(
        2, ge=1, le=1000, unit="lanes", doc="Secondary inspection lanes.", source=MODELLING_GUESS
    )
    cars_per_day: float = param(
        3000.0,
        ge=0,
        le=1e6,
        unit="1/day",
        doc="Mean legitimate cars per day.",
        source="**modelling guess**. Bound: San Ysidro ≈ 50 000 northbound vehicles/day (§6 [P/N]).",
    )
    trucks_per_day: float = param(
        600.0,
        ge=0,
        le=1e6,
        unit="1/day",
        doc="Mean legitimate trucks per day.",
        source="**modelling guess**. Bound: Laredo up to 4 000 trucks/day (Land Line 2004 [N], §6).",
    )
    hourly_profile: list[float] = param(
        factory=_day_profile,
        ge=0,
        items=24,
        unit="weights",
        doc="Relative traffic per hour; index 0 = midnight. Normalised to mean 1. Needs a positive sum.",
        source="**modelling guess** (busy by day, quiet at night)",
    )
    primary_car_min: float = param(
        1.0,
        ge=0,
        le=1e4,
        unit="min",
        doc="Mean primary inspection time of a car (also of a smuggling vehicle).",
        source="UE 60 s (`primary_pov_s = 60` in the "
        'suggested defaults, "Ports of entry"): **modelling guess**. Derived ≈ 80 s at '
        "San Ysidro: 50 000 vehicles ÷ 46 booths ÷ 24 h ≈ 45 vehicles per booth-hour [D]; "
        'blog: "~95% of travelers admitted within 1 minute" [W].',
    )
    primary_truck_min: float = param(
        2.0,
        ge=0,
        le=1e4,
        unit="min",
        doc="Mean primary inspection time of a truck.",
        source='UE 2 min (§6 "Truck primary, non-FAST", range 1–5 min): **modelling '
        "guess**. For a FAST-lane port use ≈ 0.5: 27 s at Laredo's World Trade Bridge "
        "(CNBC [N via W], §6; suggested `primary_truck_fast_s = 30`).",
    )
    secondary_min: float = param(
        20.0,
        ge=0,
        le=1e4,
        unit="min",
        doc="Mean secondary inspection time.",
        source="**modelling guess**, between an NII exam of ~8 min and a physical exam of "
        "up to 120 min (Opportimes citing CBP data [W], §6).",
    )
    referral: str = param(
        "random",
        choices=("random", "risk"),
        doc="`random` or `risk`: how vehicles are chosen for secondary inspection (above).",
        source=MODELLING_GUESS,
    )
    referral_rate: float = param(
        0.03,
        ge=0,
        le=1,
        unit="prob.",
        doc="Share of (legitimate) vehicles sent to secondary, cars and trucks alike.",
        source="UE 3% of passenger vehicles (§6 "
        '"Secondary referral rate", range 1–10%): **modelling guess**. For comparison, '
        "NII scans covered < 2% of passenger and ~15% of commercial vehicles in FY2021 (CBP "
        "testimony via Defense Daily [P via N], §6).",
    )
    risk_quality: float = param(
        0.75,
        ge=0.5,
        le=1,
        unit="AUC",
        doc="`risk`: P(a smuggling vehicle scores above a legitimate one). 0.5 = scores carry no information.",
        source="**modelling guess**: no public figure on targeting accuracy.",
    )
    scanner_detect_prob: float = param(
        0.8,
        ge=0,
        le=1,
        unit="prob.",
        doc="Chance that secondary inspection finds hidden cargo.",
        source=MODELLING_GUESS,
    )
    capital_usd: float = param(
        0.0,
        ge=0,
        unit="USD/port",
        doc="Capital outlay, amortised over `lifetime_years` in `cost_usd`.",
        source="**modelling guess**: ports are not costed by default.",
    )
    opex_usd_per_day: float = param(
        0.0,
        ge=0,
        unit="USD/day",
        doc="Operating cost over the horizon.",
        source="**modelling guess**: as `capital_usd`.",
    )
    lifetime_years: float = param(
        25.0, gt=0, unit="years", doc="Amortisation life of `capital_usd`.", source=MODELLING_GUESS
    )

    def check(self) -> list[str]:
        return _profile_problem(self.hourly_profile)


@dataclass(frozen=True)
class CargoSpec:
    share: float = param(
        0.0, ge=0, doc="Relative share of the organisation's attempts. Shares are normalised.", source=MODELLING_GUESS
    )
    size_min: int = param(1, ge=1, le=10_000, unit="persons", doc="Smallest group.", source=MODELLING_GUESS)
    size_max: int = param(1, ge=1, le=10_000, unit="persons", doc="Largest group.", source=MODELLING_GUESS)
    load_kg_per_person: float = param(
        0.0,
        ge=0,
        le=1000,
        unit="kg",
        doc="Contraband carried per person. The group carries size × load.",
        source="drugs: `load_per_packer_kg = 20`: two 20-lb "
        "bales ≈ 18 kg (Phoenix New Times, POLICE Magazine [N], §1). Others: "
        "**modelling guess**.",
    )
    mode: str = param(
        "foot",
        ref="mode",
        doc="Movement mode (a key of `modes`). Only modes with "
        "`breaches_barriers` (by default `foot`) can cross barriers. Not used by attempts through a "
        "port.",
        source=MODELLING_GUESS,
    )

    def check(self) -> list[str]:
        return [f"size_max: must be >= size_min ({self.size_min})"] if self.size_max < self.size_min else []


def default_cargo() -> dict[str, CargoSpec]:
    return {
        "people": CargoSpec(share=0.7, size_min=2, size_max=15),
        "drugs": CargoSpec(share=0.3, size_min=2, size_max=6, load_kg_per_person=20.0),
    }


CARGO_SOURCES = {
    "load_kg_per_person": "drugs: `load_per_packer_kg = 20`: two 20-lb bales ≈ 18 kg (Phoenix New Times, POLICE "
    "Magazine [N], §1). Others: **modelling guess**.",
}


def _night_profile() -> list[float]:
    # Relative attempt rate per hour of day (0 = midnight): crossings concentrate at night.
    return [3, 3, 3, 3, 2, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 2, 3, 3, 3, 3]


@dataclass(frozen=True)
class OrgSpec:
    attempts_per_day: float = param(
        10.0, ge=0, le=1e5, unit="1/day", doc="Mean attempts per day (at most 100,000).", source=MODELLING_GUESS
    )
    hourly_profile: list[float] = param(
        factory=_night_profile,
        ge=0,
        items=24,
        unit="weights",
        doc="Relative attempt rate per hour; index 0 = midnight. Normalised to mean 1. Needs a positive sum.",
        source="**modelling guess** (crossings concentrated at night)",
    )
    cargo: dict[str, CargoSpec] = param(
        factory=default_cargo,
        doc="Cargo types (table below). Merged with the "
        "defaults: `drugs: {share: 0.0}` turns the default drugs cargo off. `decoy` is the name of a "
        "decoy inject's cargo and cannot be used.",
        source="see Cargo",
    )
    launch: Chosen = param(
        factory=lambda: Chosen("poisson", NoParams()),
        role="slot",
        family="launch process",
        doc="When attempts are launched: a name, or `{type: NAME, ...its keys}` (see Launch processes). "
        "`poisson` uses `attempts_per_day` and `hourly_profile`.",
        source=MODELLING_GUESS,
    )
    routing: Chosen = param(
        factory=lambda: Chosen("fastest", NoParams()),
        role="slot",
        family="routing policy",
        doc="Routing policy: a name, or `{type: NAME, ...its keys}` (see Routing policies).",
        source=MODELLING_GUESS,
    )
    reaction: Chosen = param(
        factory=lambda: Chosen("run", RunParams()),
        role="slot",
        family="reaction",
        doc="What a group does when it notices a sensor detection: a name, or `{type: NAME, "
        "...its keys}` (see Reactions).",
        source=MODELLING_GUESS,
    )
    notice_prob: float = param(
        0.5,
        ge=0,
        le=1,
        unit="prob.",
        doc="Chance a group notices each sensor detection. "
        "Patrol detections are contacts, so there is no reaction to them.",
        source=MODELLING_GUESS,
    )
    staging: list[int] = param(
        factory=list,
        ref="node",
        unit="node ids",
        doc="Origin cells, which must be on the foreign side. Empty means all staging areas.",
    )
    destinations: list[int] = param(
        factory=list,
        ref="node",
        unit="node ids",
        doc="Destination cells, which must be on the home side. Empty means all towns.",
    )
    port_share: float = param(
        0.0,
        ge=0,
        le=1,
        unit="prob.",
        doc="Share of the attempts hidden in a vehicle at a "
        "random port instead of crossing between ports; a value > 0 needs at least one entry "
        "in `scenario.ports`.",
        source="**modelling guess**. For context: ~90% of fentanyl "
        "*seizures* are made at ports of entry (Senate HSGAC 2018 [P], CBP via weaker sources "
        "[W], §6); that is a share of seizures, not of attempts, so it is not used as the "
        "default.",
    )

    def check(self) -> list[str]:
        out = _profile_problem(self.hourly_profile)
        for key in ("staging", "destinations"):  # drawn uniformly: a cell listed twice would weigh double
            twice = sorted({v for v in getattr(self, key) if getattr(self, key).count(v) > 1})
            if twice:
                out.append(f"{key}: lists {', '.join(map(str, twice))} more than once; allowed: each cell once")
        if not any(c.share > 0 for c in self.cargo.values()):
            out.append("cargo: needs at least one cargo type with share > 0")
        if DECOY_CARGO in self.cargo:  # its groups would be counted as decoys, not as attempts
            out.append(f"cargo.{DECOY_CARGO}: the name of a decoy inject's cargo; allowed: any other name")
        return out


@dataclass(frozen=True)
class CoordinationSpec:
    policy: str = param(
        "isolated",
        role="name",
        family="coordination policy",
        doc="Which command centres hear an "
        "alert, what they pass on, which units each may task (see Coordination policies).",
    )
    settings: dict = param(
        factory=dict,
        role="blocks",
        family="coordination policy",
        doc="The parameter block of "
        "each policy, written as `scenario.coordination.<policy>.*`; only the selected policy's "
        "block is used, every block is checked.",
    )
    dispatch: Chosen = param(
        factory=lambda: Chosen("nearest", NoParams()),
        role="slot",
        family="dispatch rule",
        doc="Where every command centre sends which unit: a name, or `{type: NAME, ...its keys}` "
        "(see Dispatch rules). A live drill seat's hint is always `nearest`'s.",
        source=MODELLING_GUESS,
    )


@dataclass(frozen=True)
class AgreementSpec:
    """An MOU: units of `agency` may act in the jurisdiction of `host` (after an authorisation)."""

    agency: str = param("", ref="agency", required=True, doc="Agency whose units may act outside their jurisdiction.")
    host: str = param("", ref="agency", required=True, doc="Agency in whose jurisdiction they may then act.")
    authorisation_min: float = param(
        0.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="Wait for the host's authorisation before a unit dispatched under the MOU moves.",
        source=MODELLING_GUESS,
    )

    def check(self) -> list[str]:
        if self.agency and self.agency == self.host:
            return [
                f"host: {self.host!r} is the agency itself (it acts in its own jurisdiction anyway); "
                "allowed: another agency"
            ]
        return []


@dataclass(frozen=True)
class CommsSpec:
    non_interoperable: list[list[str]] = param(
        factory=list,
        ref="agency",
        doc="Agency pairs `[a, b]` whose systems "
        "do not talk to each other. Order does not matter: alerts in both "
        "directions are relayed.",
    )
    relay_delay_min: float = param(
        10.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="Extra delay of a relayed alert, added to the liaison delay.",
        source=MODELLING_GUESS,
    )
    strip_location: list[list[str]] = param(
        factory=list,
        ref="agency",
        doc="Ordered pairs `[sender, receiver]`: "
        "alerts passed from sender to receiver lose their precise location "
        "(data-sharing rules). The reverse direction is not affected.",
    )
    coarse_search_factor: float = param(
        3.0,
        ge=1,
        le=1000,
        unit="×",
        doc="For a coarse incident: search radius × factor, find chance ÷ factor.",
        source=MODELLING_GUESS,
    )

    def check(self) -> list[str]:
        """Each entry names two different agencies (a pair of one agency would be accepted and do
        nothing: no agency passes alerts to itself)."""
        return [
            f"{key}: each entry is a pair of two different agencies [agency, agency], got {list(pair)}"
            for key in ("non_interoperable", "strip_location")
            for pair in getattr(self, key)
            if len(pair) != 2 or pair[0] == pair[1]
        ]


@dataclass(frozen=True)
class PartnerTipSpec:
    agency: str = param("", ref="agency", doc="Agency the partner nation informs. Empty = no partner tips.")
    prob: float = param(0.0, ge=0, le=1, unit="prob.", doc="Chance that an attempt is tipped.", source=MODELLING_GUESS)
    lead_min: float = param(
        60.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="The tip arrives this long before the group crosses.",
        source=MODELLING_GUESS,
    )
    accuracy_km: float = param(
        3.0, ge=0, le=1e4, unit="km (sd)", doc="Error of the tipped location along the border.", source=MODELLING_GUESS
    )
    hold_min: float = param(
        180.0,
        ge=0,
        le=1e5,
        unit="min",
        doc="A unit sent on a tip waits this long at the location.",
        source=MODELLING_GUESS,
    )


@dataclass(frozen=True)
class CommunityTipSpec:
    agency: str = param("", ref="agency", doc="Agency residents call. Empty = no community tips.")
    radius_km: float = param(
        3.0,
        ge=0,
        unit="km",
        doc="Residents see groups this close to a town centre (home side).",
        source=MODELLING_GUESS,
    )
    report_prob: float = param(
        0.3,
        ge=0,
        le=1,
        unit="prob.",
        doc="Chance that a group passing near a town is reported (once per group).",
        source=MODELLING_GUESS,
    )
    delay_min: float = param(
        20.0, ge=0, le=1e5, unit="min", doc="Mean (exponential) delay of a report. 0 = at once.", source=MODELLING_GUESS
    )
    false_per_day: float = param(
        1.0,
        ge=0,
        le=1e5,
        unit="1/day",
        doc="False reports per day, at random cells near towns.",
        source=MODELLING_GUESS,
    )


@dataclass(frozen=True)
class IntelSpec:
    partner: PartnerTipSpec = param(factory=PartnerTipSpec, doc="Partner-nation tips.")
    community: CommunityTipSpec = param(factory=CommunityTipSpec, doc="Community tips near towns.")


@dataclass(frozen=True)
class CostSpec:
    discount_rate: float = param(
        0.0,
        ge=0,
        le=0.5,
        unit="1/year",
        doc="Real discount rate of the capital recovery factor that turns each asset's capital into an "
        "equivalent annual cost over its `lifetime_years` (sim/metrics.py `annualised_capital`). 0 = "
        "straight-line capital / life.",
        source="**modelling guess**: 0 keeps costs comparable with undiscounted budget figures; no rate is in "
        "REFERENCE-FIGURES. US federal cost-effectiveness studies use OMB Circular A-94's real rates (a few "
        "percent) for a sensitivity run.",
    )


@dataclass(frozen=True)
class CorridorSpec:
    length_km: float = param(
        2.0,
        ge=0.1,
        le=10_000,
        unit="km",
        doc="Length of a corridor: the border is cut into segments this long, C1, C2, ... from west to east "
        "(sim/terrain/corridors.py). Crossings are counted per corridor (displacement metrics), and `adaptive` "
        "organisations choose among them. At least the width of a border cell (checked against the terrain: "
        "narrower corridors would mostly hold no border cell).",
        source="**modelling guess**: about the reach of one tower or one foot patrol's beat along the border.",
    )
    measure_from_day: float = param(
        0.0,
        ge=0,
        unit="days",
        doc="The corridor metrics (`crossings.<corridor>`, `route_entropy_bits`, ...) count crossings from this day "
        "on: a warm-up before a change of defence (a sensor group's `installed_day`) is left out. It must lie "
        "before the horizon (there would be nothing to count).",
    )


@dataclass(frozen=True)
class ScenarioSpec:
    name: str = param(
        "unnamed",
        doc="Label used in the output and the summary table; letters, digits, `_`, `-` and `.` (it names files).",
    )
    description: str = param("", doc="Free text.")
    questions: list[str] = param(
        factory=list,
        doc="A scripted drill: the questions the trainer wants answered; "
        "shown at the top of the after-action review (`python -m analysis.aar`). A question may start "
        "with a [tag] naming its evidence (inject NAME, agency NAME, sector NAME, A-Bh): the names "
        "must be the scenario's, the window must start before the end of the run.",
    )
    horizon_days: float = param(
        2.0,
        gt=0,
        le=3650,
        unit="days",
        doc="Simulated time (at most 10 years). Groups still moving at the end are counted as `under_way`.",
        source=MODELLING_GUESS,
    )
    tick_min: float = param(
        10.0,
        gt=0,
        le=1440,
        unit="min",
        doc="Step length of `model.step()`, used by the live "
        "map and DataCollector. `sim.run` plays the whole horizon at once, so results do not "
        "depend on this key.",
        source=MODELLING_GUESS,
    )
    terrain: TerrainSpec = param(factory=TerrainSpec, doc="The map.")
    modes: dict[str, ModeSpec] = param(
        factory=default_modes,
        doc="Movement modes. Units and cargo refer to them by name. Merged with the defaults.",
        source="see Modes",
    )
    agencies: dict[str, AgencySpec] = param(factory=dict, doc="Agencies, each with one command centre.")
    units: dict[str, UnitGroupSpec] = param(factory=dict, doc="Groups of patrol units.")
    sensors: dict[str, Chosen] = param(
        factory=dict,
        role="tagged",
        family="sensor type",
        doc="Groups of fixed sensors, each `{type: NAME, ...}` (see Sensors).",
    )
    barriers: dict[str, BarrierSpec] = param(factory=dict, doc="Border barriers.")
    ports: dict[str, PortSpec] = param(
        factory=dict,
        doc="Ports of entry with inspection queues. Without entries, the terrain's ports are map markers only.",
    )
    organisations: dict[str, OrgSpec] = param(factory=dict, doc="Smuggling organisations.")
    coordination: CoordinationSpec = param(
        factory=CoordinationSpec,
        doc="Which command centres hear an alert and which units each may task.",
        source="see Coordination",
    )
    agreements: dict[str, AgreementSpec] = param(
        factory=dict, doc="MOUs: one agency's units may act in another agency's jurisdiction."
    )
    comms: CommsSpec = param(
        factory=CommsSpec, doc="Relays and location stripping on alerts passed between agencies.", source="see Comms"
    )
    intel: IntelSpec = param(factory=IntelSpec, doc="Partner-nation tips and community tips.", source="see Intel")
    costs: CostSpec = param(factory=CostSpec, doc="How capital is annualised in `cost_usd`.")
    corridors: CorridorSpec = param(
        factory=CorridorSpec, doc="Border corridors: where crossings are counted and adaptive organisations choose."
    )
    injects: dict[str, Chosen] = param(
        factory=dict,
        role="tagged",
        family="inject",
        doc="Timed scenario events, each `{type: NAME, start_hours, duration_hours, ...}` (see Injects).",
    )

    def check(self) -> list[str]:
        return (
            [] if safe_name(self.name) else [f"name: {self.name!r} names files; allowed: letters, digits, _, - and ."]
        )


@dataclass(frozen=True)
class RunKeys:
    """The run keys (root of conf/config.yaml): how a scenario is run, not what it is. The only
    list of them: sim/config.py and sim/run.py read it from here."""

    # keys that change how a run is carried out or shown, not its results: left out of a sweep
    # point's folder name, so the same sweep with other workers resumes in the same folders
    NOT_IN_FOLDER_NAME: ClassVar[tuple[str, ...]] = ("workers", "chunk_size", "events", "map", "quiet", "sweep_name")

    seed: int = param(
        1,
        ge=0,
        doc="Seed of replication 0. Replication *i* uses `seed + i`, in every configuration (common random numbers).",
    )
    replications: int = param(
        1,
        ge=1,
        hint="1..100,000",
        doc="Number of replications (at most 100,000 per run: split "
        "larger studies over several seeds); the summary gives the mean and min..max.",
    )
    workers: int = param(
        1,
        ge=0,
        le=1024,
        doc="Processes running replications in parallel; 0 = one per core. Results do not depend on it.",
    )
    chunk_size: int = param(
        0,
        ge=0,
        le=100_000,
        doc="Replications per result file (chunk). 0 = about 16 chunks per "
        "run (1..50 replications each). A chunk is the unit of resuming. Results do not depend "
        "on it.",
    )
    events: bool = param(
        True,
        doc="Keep the event logs (`events/rep-*.parquet`). `false` keeps the summaries only, "
        "and then no `map.png` is drawn.",
    )
    map: bool = param(True, doc="Draw `map.png` in the run directory (needs `events: true`).")
    quiet: bool = param(False, doc="Suppress the progress line and the printed summary.")
    sweep_name: str = param(
        "default",
        doc="With `--multirun`, results go to `outputs/sweeps/<sweep_name>/"
        "<overrides>/`; letters, digits, `_`, `-` and `.`.",
    )

    def check(self) -> list[str]:
        out = []
        if not safe_name(self.sweep_name):
            out.append(f"sweep_name: {self.sweep_name!r} names a folder; allowed: letters, digits, _, - and .")
        if self.seed + self.replications - 1 > MAX_SEED:
            out.append(
                f"seed: got {self.seed}; allowed: 0..{MAX_SEED - self.replications + 1:,} with "
                f"replications={self.replications} (replication i uses seed + i, a 64-bit integer)"
            )
        if self.replications > MAX_REPLICATIONS:
            out.append(
                f"replications: got {self.replications}; allowed: at most {MAX_REPLICATIONS:,} in one run; "
                f"split the study into runs of up to {MAX_REPLICATIONS:,} with seed={self.seed}, "
                f"seed={self.seed + MAX_REPLICATIONS}, ... (seeds stay distinct and paired)"
            )
        return out
