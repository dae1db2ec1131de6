"""Small hand-built worlds, plug-in choices and model runs shared by the tests."""

from __future__ import annotations

import dataclasses

import networkx as nx

from sim.coordination import COORDINATION
from sim.injects import INJECTS
from sim.model import BorderModel
from sim.params import Chosen
from sim.policies.patrol.fixed_route import FixedRouteParams
from sim.policies.reaction import REACTIONS
from sim.scenario import (
    AgencySpec,
    CargoSpec,
    CoordinationSpec,
    KindSpec,
    ModeSpec,
    OrgSpec,
    ScenarioSpec,
    TerrainSpec,
    UnitGroupSpec,
)
from sim.sensors.drone import DroneParams
from sim.sensors.ground import GroundParams
from sim.sensors.tower import TowerParams
from sim.terrain import KindProps
from sim.terrain.io import from_networkx
from sim.world import World, build_world

KINDS = {
    "open": KindSpec(share=1.0, cover=0.0, speed_factor=1.0),
    "scrub": KindSpec(share=0.0, cover=0.5, speed_factor=1.0),
}


def corridor_graph(length: int = 8, kind: str = "open") -> nx.Graph:
    """A straight 1-km-per-edge corridor: node 0 is a foreign staging area, node 1 the first
    home cell, node `length` the town."""
    g = nx.Graph()
    for i in range(length + 1):
        g.add_node(
            i,
            x=float(i),
            y=-0.5 if i == 0 else 0.5,
            kind=kind,
            side="foreign" if i == 0 else "home",
            sector="S1",
            feature="staging" if i == 0 else ("town" if i == length else ""),
        )
    for i in range(length):
        g.add_edge(i, i + 1, length_km=1.0)
    return g


def ground(node: int, p: float, agency: str = "bp", **kw) -> Chosen:
    """A ground sensor at `node` with detection probability p per pass, no cover effect, no
    false alarms, never failing."""
    spec = dict(
        agency=agency,
        placement="explicit",
        nodes=[node],
        detect_prob=p,
        cover_sensitivity=0.0,
        false_alarms_per_day=0.0,
        mtbf_days=0.0,
    )
    return Chosen("ground", GroundParams(**{**spec, **kw}))


def tower(node: int, rate: float, range_km: float, agency: str = "bp", **kw) -> Chosen:
    spec = dict(
        agency=agency,
        placement="explicit",
        nodes=[node],
        range_km=range_km,
        detect_rate_per_hour=rate,
        false_alarms_per_day=0.0,
        mtbf_days=0.0,
    )
    return Chosen("tower", TowerParams(**{**spec, **kw}))


def drone(node: int, sweep_width_km: float, speed_kmh: float, radius_km: float, agency: str = "bp", **kw) -> Chosen:
    """A drone searching the disc of `radius_km` around `node`, aloft around the clock unless
    `aloft_hours_per_day` says otherwise, no false alarms, never failing."""
    spec = dict(
        agency=agency,
        placement="explicit",
        nodes=[node],
        search_radius_km=radius_km,
        sweep_width_km=sweep_width_km,
        speed_kmh=speed_kmh,
        aloft_hours_per_day=24.0,
        false_alarms_per_day=0.0,
        mtbf_days=0.0,
    )
    return Chosen("drone", DroneParams(**{**spec, **kw}))


def sure_ground(*nodes: int) -> dict[str, Chosen]:
    """Ground sensors that always detect a group passing their cell, one per node."""
    return {f"g{n}": ground(n, 1.0) for n in nodes}


def fixed_route(*route: int) -> Chosen:
    return Chosen("fixed_route", FixedRouteParams(route=list(route)))


def posted_unit(node: int, **kw) -> UnitGroupSpec:
    """A unit of agency 'bp' that stays at `node` around the clock (a fixed route of one waypoint)."""
    spec = dict(
        agency="bp",
        count=1,
        placement="explicit",
        nodes=[node],
        policy=fixed_route(node, node),
        shift_hours=24.0,
        shifts_per_day=1,
        mode="vehicle",
    )
    spec.update(kw)
    return UnitGroupSpec(**spec)


def reaction(name: str, **params) -> Chosen:
    return Chosen(name, REACTIONS.get(name).Params(**params))


def coordination(policy: str, **params) -> CoordinationSpec:
    """Coordination by `policy`, with `params` for that policy's block."""
    return CoordinationSpec(policy=policy, settings={policy: COORDINATION.get(policy).Params(**params)})


def inject(type_: str, **params) -> Chosen:
    return Chosen(type_, INJECTS.get(type_).Params(**params))


def corridor_world(
    sensors: dict[str, Chosen] | None = None,
    units: dict[str, UnitGroupSpec] | None = None,
    attempts_per_day: float = 100.0,
    horizon_days: float = 3.0,
    length: int = 8,
    kind: str = "open",
    agency: AgencySpec | None = None,
    agencies: dict | None = None,
    scenario_kw: dict | None = None,
    **org_kw,
) -> World:
    """A corridor scenario with one agency ('bp', or `agencies`), one organisation and the given
    assets; `scenario_kw` sets further ScenarioSpec fields (coordination, agreements, injects...);
    `org_kw` the organisation's (`reaction` by name, with its parameters: `hide_min`, `speedup`, ...)."""
    kinds = {k: KindProps(v.cover, v.speed_factor) for k, v in KINDS.items()}
    terrain = from_networkx(corridor_graph(length, kind), kinds, "corridor")
    react = org_kw.pop("reaction", "run")
    fields = {f.name for f in dataclasses.fields(REACTIONS.get(react).Params)}
    react_params = {k: org_kw.pop(k) for k in fields & org_kw.keys()}
    org = OrgSpec(
        attempts_per_day=attempts_per_day,
        hourly_profile=[1.0] * 24,
        cargo={"people": CargoSpec(share=1.0, size_min=4, size_max=4)},
        notice_prob=0.0,
        reaction=reaction(react, **react_params),
    )
    org = dataclasses.replace(org, **org_kw)
    spec = ScenarioSpec(
        name="corridor",
        horizon_days=horizon_days,
        terrain=TerrainSpec(kinds=dict(KINDS)),
        modes={"foot": ModeSpec(3.0, 4.0, True), "vehicle": ModeSpec(15.0, 40.0)},
        agencies=agencies or {"bp": agency or AgencySpec(jurisdiction=["all"])},
        units=units or {},
        sensors=sensors or {},
        organisations={"org": org},
        **(scenario_kw or {}),
    )
    return build_world(spec, "corridor", terrain=terrain)


def run(world: World, seed: int) -> tuple[BorderModel, object]:
    model = BorderModel(world, seed)
    events = model.run().to_arrow().to_pandas()
    return model, events
