"""Small hand-built worlds and model runs shared by the tests."""

from __future__ import annotations

import networkx as nx

from sim.model import BorderModel
from sim.scenario import (AgencySpec, CargoSpec, KindSpec, ModeSpec, OrgSpec, ScenarioSpec,
                          SensorGroupSpec, UnitGroupSpec)
from sim.terrain import KindProps
from sim.terrain.io import from_networkx
from sim.world import World, build_world

KINDS = {"open": KindSpec(share=1.0, cover=0.0, speed_factor=1.0),
         "scrub": KindSpec(share=0.0, cover=0.5, speed_factor=1.0)}


def corridor_graph(length: int = 8, kind: str = "open") -> nx.Graph:
    """A straight 1-km-per-edge corridor: node 0 is a foreign staging area, node 1 the first
    home cell, node `length` the town."""
    g = nx.Graph()
    for i in range(length + 1):
        g.add_node(i, x=float(i), y=-0.5 if i == 0 else 0.5, kind=kind, side="foreign" if i == 0 else "home",
                   sector="S1", feature="staging" if i == 0 else ("town" if i == length else ""))
    for i in range(length):
        g.add_edge(i, i + 1, length_km=1.0)
    return g


def corridor_world(sensors: dict[str, SensorGroupSpec] | None = None,
                   units: dict[str, UnitGroupSpec] | None = None,
                   attempts_per_day: float = 100.0, horizon_days: float = 3.0, length: int = 8,
                   kind: str = "open", agency: AgencySpec | None = None, agencies: dict | None = None,
                   scenario_kw: dict | None = None, **org_kw) -> World:
    """A corridor scenario with one agency ('bp', or `agencies`), one organisation and the given
    assets; `scenario_kw` sets further ScenarioSpec fields (coordination, agreements, injects...)."""
    kinds = {k: KindProps(v.cover, v.speed_factor) for k, v in KINDS.items()}
    terrain = from_networkx(corridor_graph(length, kind), kinds, "corridor")
    org = OrgSpec(attempts_per_day=attempts_per_day, hourly_profile=[1.0] * 24,
                  cargo={"people": CargoSpec(share=1.0, size_min=4, size_max=4)}, notice_prob=0.0)
    for k, v in org_kw.items():
        setattr(org, k, v)
    spec = ScenarioSpec(name="corridor", horizon_days=horizon_days,
                        modes={"foot": ModeSpec(3.0, 4.0, True), "vehicle": ModeSpec(15.0, 40.0)},
                        agencies=agencies or {"bp": agency or AgencySpec(jurisdiction=["all"])},
                        units=units or {}, sensors=sensors or {}, organisations={"org": org}, **(scenario_kw or {}))
    spec.terrain.kinds = dict(KINDS)
    return build_world(spec, "corridor", terrain=terrain)


def sure_ground(*nodes: int) -> dict[str, SensorGroupSpec]:
    """Ground sensors that always detect a group passing their cell, one per node."""
    return {f"g{n}": SensorGroupSpec(agency="bp", type="ground", placement="explicit", nodes=[n], detect_prob=1.0,
                                     cover_sensitivity=0.0, false_alarms_per_day=0.0, mtbf_days=0.0) for n in nodes}


def posted_unit(node: int, **kw) -> UnitGroupSpec:
    """A unit of agency 'bp' that stays at `node` around the clock (a fixed route of one waypoint)."""
    spec = dict(agency="bp", count=1, placement="explicit", nodes=[node], policy="fixed_route", route=[node, node],
                shift_hours=24.0, shifts_per_day=1, mode="vehicle")
    spec.update(kw)
    return UnitGroupSpec(**spec)


def run(world: World, seed: int) -> tuple[BorderModel, "object"]:
    model = BorderModel(world, seed)
    events = model.run().to_arrow().to_pandas()
    return model, events
