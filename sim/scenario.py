"""Typed scenario and run schema: the closed set of keys Hydra composes into.

Defaults are declared once, here. Their sources are listed in docs/scenario-reference.md
(public figures from REFERENCE-FIGURES.md where they exist; the rest are labelled modelling
guesses). Unknown keys and wrong types are rejected by Hydra/OmegaConf against these
dataclasses; cross-references (agency names, policy names, sectors, nodes) are checked by
`sim.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _default_kinds() -> dict[str, "KindSpec"]:
    return {
        "open": KindSpec(share=0.5, cover=0.1, speed_factor=1.0),
        "scrub": KindSpec(share=0.3, cover=0.4, speed_factor=0.8),
        "mountain": KindSpec(share=0.2, cover=0.6, speed_factor=0.5),
        "river": KindSpec(share=0.0, cover=0.2, speed_factor=0.3),
        "urban": KindSpec(share=0.0, cover=0.5, speed_factor=1.0),
    }


def _default_modes() -> dict[str, "ModeSpec"]:
    return {
        "foot": ModeSpec(offroad_kmh=3.0, road_kmh=4.0, breaches_barriers=True),
        "vehicle": ModeSpec(offroad_kmh=15.0, road_kmh=40.0),
    }


def _night_profile() -> list[float]:
    # Relative attempt rate per hour of day (0 = midnight): crossings concentrate at night.
    return [3, 3, 3, 3, 2, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
            0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 2, 3, 3, 3, 3]


@dataclass
class KindSpec:
    share: float = 0.0  # share of generated land; 0 = only placed by features (rivers, towns)
    cover: float = 0.0  # concealment 0..1; multiplies detection by (1 - sensitivity * cover)
    speed_factor: float = 1.0  # off-road speed multiplier


@dataclass
class TerrainSpec:
    source: str = "generate"  # generate | graphml | csv
    path: str = ""  # graphml file, or a folder holding nodes.csv and edges.csv
    seed: int = 1  # the terrain is part of the scenario: its own seed, not the replication's
    length_km: float = 40.0  # along the border
    depth_foreign_km: float = 8.0
    depth_home_km: float = 24.0
    cell_km: float = 1.0
    smoothness_km: float = 4.0  # correlation length of the terrain-kind field
    kinds: dict[str, KindSpec] = field(default_factory=_default_kinds)
    rivers: int = 1  # rivers flowing towards the border on the home side
    border_river: bool = False  # the first home row is river (Rio Grande-like)
    roads_home: int = 3  # north-south roads on the home side, each ending in a town
    roads_foreign: int = 3  # roads on the foreign side leading to staging areas
    border_road_km: float = 2.0  # distance of the east-west patrol road from the border; 0 = none
    ports: int = 1  # home roads that cross the border; a port of entry where each crosses
    town_radius_km: float = 1.5
    staging_areas: int = 6  # foreign-side starting points spread along the border
    staging_setback_km: float = 3.0  # staging areas this far from the border
    sectors: int = 2


@dataclass
class ModeSpec:
    offroad_kmh: float = 3.0
    road_kmh: float = 4.0
    breaches_barriers: bool = False  # can cross a barrier (after its breach delay); else it is closed


@dataclass
class AgencySpec:
    jurisdiction: list[str] = field(default_factory=lambda: ["home"])  # sector names | home | all |
    # towns:<km> (home cells within km of a town) | ports:<km> (home cells within km of a port)
    operators: int = 2  # command-centre operators handling alerts in parallel
    handling_min: float = 2.0  # mean operator time per alert
    handling: str = "exponential"  # exponential | fixed
    correlate_km: float = 5.0  # an alert this close to an open incident joins it
    correlate_min: float = 90.0  # ... if the incident was opened this recently
    max_response_min: float = 180.0  # a unit is not sent if it would arrive later than this


@dataclass
class UnitGroupSpec:
    agency: str = ""
    count: int = 0
    mode: str = "vehicle"  # a key of scenario.modes
    officers: int = 2
    capacity: int = 8  # persons the unit can apprehend at one contact
    policy: str = "random_beat"  # patrol policy (registry name)
    route: list[int] = field(default_factory=list)  # waypoints for fixed_route
    beat_points: int = 64  # random_beat: points of the beat the unit drives between
    placement: str = "spread"  # spread | explicit
    nodes: list[int] = field(default_factory=list)  # explicit base nodes
    coords: list[list[float]] = field(default_factory=list)  # explicit bases [x, y] km, snapped
    sectors: list[str] = field(default_factory=list)  # where to spread/beat; default: jurisdiction
    shift_hours: float = 10.0
    shifts_per_day: int = 3  # units are staggered over this many shift starts per day
    detect_prob: float = 0.5  # chance to detect a group met in the same cell, no cover
    cover_sensitivity: float = 1.0
    search_min: float = 45.0  # search time at an alert location
    search_radius_km: float = 3.0  # a group within this distance during the search can be found
    find_prob: float = 0.8  # chance to find a group inside the radius, no cover
    processing_min: float = 90.0  # apprehension processing before returning to duty
    capital_usd: float = 50_000.0  # per unit (vehicle/equipment)
    lifetime_years: float = 5.0  # capital is amortised over this life
    cost_per_officer_hour_usd: float = 60.0  # on duty


@dataclass
class SensorGroupSpec:
    agency: str = ""
    type: str = "tower"  # registered sensor type: tower | ground
    count: int = 0  # for along_border / random placement (ignored if spacing_km > 0)
    placement: str = "along_border"  # along_border | random | explicit
    spacing_km: float = 0.0  # along_border: one sensor every spacing_km
    setback_km: float = 1.0  # along_border: distance from the border into the home side
    nodes: list[int] = field(default_factory=list)
    coords: list[list[float]] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)  # restricts placement; default: all
    range_km: float = 10.0  # tower: detection range; ground: ignored (own cell)
    detect_prob: float = 0.8  # ground: chance to detect one pass over its cell
    detect_rate_per_hour: float = 0.5  # tower: detection hazard per hour in view, no cover
    cover_sensitivity: float = 1.0
    false_alarms_per_day: float = 0.5
    mtbf_days: float = 20.0  # mean time between failures; 0 = never fails
    repair_hours: float = 10.0
    capital_usd: float = 2.6e6
    opex_usd_per_day: float = 300.0
    lifetime_years: float = 10.0


@dataclass
class BarrierSpec:
    agency: str = ""
    from_km: float = 0.0  # along the border (x)
    to_km: float = 1.0e9
    breach_min: float = 5.0  # delay to cross one barrier edge on foot; vehicles cannot cross
    capital_usd_per_km: float = 12.4e6
    opex_usd_per_km_day: float = 0.0
    lifetime_years: float = 25.0


def _day_profile() -> list[float]:
    # Relative legitimate traffic per hour of day at a port: busy by day, quiet at night.
    return [0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.0, 1.4, 1.6, 1.6, 1.5, 1.4,
            1.4, 1.4, 1.5, 1.6, 1.7, 1.7, 1.5, 1.2, 0.9, 0.7, 0.5, 0.4]


@dataclass
class PortSpec:
    agency: str = ""  # the agency running the port (customs)
    node: int = -1  # -1: the terrain's ports in declaration order; else an explicit node id
    primary_lanes: int = 10
    secondary_lanes: int = 2
    cars_per_day: float = 3000.0
    trucks_per_day: float = 600.0
    hourly_profile: list[float] = field(default_factory=_day_profile)
    primary_car_min: float = 1.0  # mean primary inspection time of a car
    primary_truck_min: float = 2.0
    secondary_min: float = 20.0  # mean secondary inspection time
    referral: str = "random"  # random | risk: how vehicles are chosen for secondary inspection
    referral_rate: float = 0.03  # share of vehicles sent to secondary
    risk_quality: float = 0.75  # risk: P(a smuggling vehicle scores above a legitimate one) (AUC)
    scanner_detect_prob: float = 0.8  # secondary inspection finds hidden cargo
    capital_usd: float = 0.0
    opex_usd_per_day: float = 0.0
    lifetime_years: float = 25.0


@dataclass
class CargoSpec:
    share: float = 0.0  # share of the organisation's attempts
    size_min: int = 1  # persons in the group
    size_max: int = 1
    load_kg_per_person: float = 0.0  # carried contraband per person (drugs, contraband)
    mode: str = "foot"


def _default_cargo() -> dict[str, CargoSpec]:
    return {
        "people": CargoSpec(share=0.7, size_min=2, size_max=15),
        "drugs": CargoSpec(share=0.3, size_min=2, size_max=6, load_kg_per_person=20.0),
    }


@dataclass
class OrgSpec:
    attempts_per_day: float = 10.0
    hourly_profile: list[float] = field(default_factory=_night_profile)
    cargo: dict[str, CargoSpec] = field(default_factory=_default_cargo)
    routing: str = "fastest"  # routing policy (registry name): fastest | least_risk
    risk_aversion: float = 3.0  # least_risk: weight of known sensor coverage against time
    reaction: str = "run"  # reaction policy (registry name): run | hide | turn_back
    notice_prob: float = 0.5  # chance a group notices it was seen by a sensor
    run_speedup: float = 1.3
    hide_min: float = 60.0
    staging: list[int] = field(default_factory=list)  # origin nodes; default: all staging areas
    destinations: list[int] = field(default_factory=list)  # default: all towns
    port_share: float = 0.0  # share of attempts hidden in port traffic instead of crossing between ports


@dataclass
class CoordinationSpec:
    policy: str = "isolated"  # registry name: isolated | liaison | joint_command | task_force
    share_delay_min: float = 15.0  # liaison: mean delay (exponential) to pass an alert to a partner
    loss_prob: float = 0.1  # liaison: chance a passed alert is lost
    partners: dict[str, list[str]] = field(default_factory=dict)  # liaison: agency -> agencies it informs
    share_sources: list[str] = field(default_factory=lambda: ["tower", "patrol", "partner_tip", "community_tip", "tip"])
    # liaison: alert sources passed on (raw ground-sensor hits, mostly false alarms, are not)
    joint_operators: int = 4  # joint_command / task_force: operators of the shared centre
    joint_handling_min: float = 2.0
    joint_handling: str = "exponential"  # exponential | fixed
    task_force_units: list[str] = field(default_factory=list)  # task_force: unit groups pooled
    task_force_agencies: list[str] = field(default_factory=list)  # whose alerts and area it takes
    # (default: the agencies of the pooled units)


@dataclass
class AgreementSpec:
    """An MOU: units of `agency` may act in the jurisdiction of `host` (after an authorisation)."""

    agency: str = ""
    host: str = ""
    authorisation_min: float = 0.0


@dataclass
class CommsSpec:
    non_interoperable: list[list[str]] = field(default_factory=list)  # agency pairs that need a relay
    relay_delay_min: float = 10.0  # extra delay of a relayed message
    strip_location: list[list[str]] = field(default_factory=list)  # [sender, receiver]: sector only
    coarse_search_factor: float = 3.0  # a coarse alert: search radius x factor, find chance / factor


@dataclass
class PartnerTipSpec:
    agency: str = ""  # the agency the partner nation informs ("" = no partner tips)
    prob: float = 0.0  # chance an attempt is tipped
    lead_min: float = 60.0  # the tip arrives this long before the group crosses
    accuracy_km: float = 3.0  # sd of the tipped location's error along the border
    hold_min: float = 180.0  # a unit sent on a tip waits this long at the location


@dataclass
class CommunityTipSpec:
    agency: str = ""  # who residents call ("" = no community tips)
    radius_km: float = 3.0  # residents see groups this close to a town
    report_prob: float = 0.3  # chance a group passing near a town is reported
    delay_min: float = 20.0  # mean delay of a report (exponential)
    false_per_day: float = 1.0  # false reports per day (random cells near towns)


@dataclass
class IntelSpec:
    partner: PartnerTipSpec = field(default_factory=PartnerTipSpec)
    community: CommunityTipSpec = field(default_factory=CommunityTipSpec)


@dataclass
class InjectSpec:
    type: str = ""  # registry name: sensor_outage | comms_outage | surge | weather | decoy | tip
    start_hours: float = 0.0
    duration_hours: float = 1.0
    sensors: list[str] = field(default_factory=list)  # sensor_outage: sensor names (group:i) or groups
    sector: str = ""  # sensor_outage: every sensor in this sector
    agencies: list[str] = field(default_factory=list)  # comms_outage: the two agencies cut off
    factor: float = 1.0  # surge: attempt-rate multiplier; weather: detection multiplier
    organisation: str = ""  # surge / decoy: which organisation
    count: int = 0  # decoy: groups sent as decoys at the start
    agency: str = ""  # tip: the agency whose command centre receives the tip
    node: int = -1  # tip: the reported cell (-1: where the tipped group is when the tip comes)
    attempt: int = -1  # tip: the group the tip is about (-1: a false tip, at `node`)


@dataclass
class ScenarioSpec:
    name: str = "unnamed"
    description: str = ""
    questions: list[str] = field(default_factory=list)  # a drill: what the trainer wants answered (AAR)
    horizon_days: float = 2.0
    tick_min: float = 10.0  # step() length for the live map / DataCollector
    terrain: TerrainSpec = field(default_factory=TerrainSpec)
    modes: dict[str, ModeSpec] = field(default_factory=_default_modes)
    agencies: dict[str, AgencySpec] = field(default_factory=dict)
    units: dict[str, UnitGroupSpec] = field(default_factory=dict)
    sensors: dict[str, SensorGroupSpec] = field(default_factory=dict)
    barriers: dict[str, BarrierSpec] = field(default_factory=dict)
    ports: dict[str, PortSpec] = field(default_factory=dict)
    organisations: dict[str, OrgSpec] = field(default_factory=dict)
    coordination: CoordinationSpec = field(default_factory=CoordinationSpec)
    agreements: dict[str, AgreementSpec] = field(default_factory=dict)
    comms: CommsSpec = field(default_factory=CommsSpec)
    intel: IntelSpec = field(default_factory=IntelSpec)
    injects: dict[str, InjectSpec] = field(default_factory=dict)


@dataclass
class RunConfig:
    """Root of the composed config (registered as `run_schema`, not `config`: see DESIGN pitfalls)."""

    scenario: ScenarioSpec = field(default_factory=ScenarioSpec)
    seed: int = 1  # base seed of replication 0; replication i uses seed + i
    replications: int = 1
    workers: int = 1  # processes running replications in parallel (0 = one per core)
    chunk_size: int = 0  # replications per result file; 0 = about 16 files per run
    events: bool = True  # keep the event logs (events/*.parquet)
    map: bool = True  # draw map.png
    quiet: bool = False
    sweep_name: str = "default"  # --multirun results go to outputs/sweeps/<sweep_name>/
