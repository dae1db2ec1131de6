"""Scenario -> World: the terrain plus every asset placed and parameterised.

Pure and deterministic in the scenario: placement randomness comes from the terrain seed and
the asset group's name, never from the replication seed, so every replication of a scenario
sees the same map and the same deployment. Imports no agent module: the world is data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.assets import AgencyParams, Authority, BarrierParams, Coverage, OrgParams, PortParams, SensorParams, UnitParams
from sim.params import Chosen
from sim.rng import item_keys
from sim.scenario import OrgSpec, ScenarioSpec, horizon_minutes
from sim.sensors import SENSOR_TYPES
from sim.terrain import HOME, Router, Terrain
from sim.terrain.corridors import Corridors, border_span, corridors_of
from sim.terrain.sources import TERRAIN_SOURCES
from sim.validation import ScenarioError, check_against_terrain, check_sensor_refs, check_spec


@dataclass
class World:
    scenario: ScenarioSpec
    terrain: Terrain
    router: Router
    agencies: dict[str, AgencyParams]
    units: list[UnitParams]
    sensors: list[SensorParams]
    barriers: list[BarrierParams]
    orgs: list[OrgParams]
    coverage: Coverage
    known_risk: np.ndarray  # per node: exposure per hour from visible sensors
    authority: dict[str, Authority]  # per agency
    ports: list[PortParams]
    corridors: Corridors
    later_sensors: list[tuple[str, Chosen]]  # sensor groups installed after day 0, by install time
    _shared: dict = field(default_factory=dict, repr=False, compare=False)

    def union_jurisdiction(self, agencies: list[str]) -> np.ndarray:
        out = np.zeros(self.terrain.n_nodes, dtype=bool)
        for a in agencies:
            out |= self.agencies[a].jurisdiction
        return out

    @property
    def horizon_min(self) -> float:
        return horizon_minutes(self.scenario.horizon_days)

    def shared(self, key: tuple, build: Callable[[], Any]) -> Any:
        """Derived data that depends only on the world (e.g. a beat's points), built once and
        shared read-only by every agent and replication that asks for the same key."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]


def _placement_rng(seed: int, name: str) -> np.random.Generator:
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng([seed, key])


def load_terrain(spec: ScenarioSpec, base_dir: str = ".") -> Terrain:
    """The scenario's terrain from its source (a plug-in, sim/terrain/sources/), validated."""
    chosen = spec.terrain.source
    return TERRAIN_SOURCES.get(chosen.type)(chosen.params).build(spec.terrain, base_dir)


def _sector_mask(terrain: Terrain, names: list[str]) -> np.ndarray:
    """Union of jurisdiction terms: all | home | a sector name | towns:<km> | ports:<km>."""
    if not names:
        return np.ones(terrain.n_nodes, dtype=bool)
    mask = np.zeros(terrain.n_nodes, dtype=bool)
    for name in names:
        if name == "all":
            mask[:] = True
        elif name == "home":
            mask |= terrain.side == HOME
        elif name.startswith(("towns:", "ports:")):
            kind, km = name.split(":", 1)
            places = terrain.towns if kind == "towns" else terrain.ports
            for v in places.tolist():
                mask |= (terrain.distance_km(v, np.arange(terrain.n_nodes)) <= float(km)) & (terrain.side == HOME)
        else:
            mask |= terrain.sector == terrain.sector_id(name)
    return mask


def _explicit_nodes(terrain: Terrain, nodes: list[int], coords: list[list[float]], mask: np.ndarray) -> list[int]:
    out = [int(v) for v in nodes]
    out += [terrain.nearest_node(c[0], c[1], mask) for c in coords]
    return out


def _spread(terrain: Terrain, candidates: np.ndarray, k: int) -> list[int]:
    """k nodes spread evenly along the border among `candidates` (sorted by x)."""
    if k <= 0 or candidates.size == 0:
        return []
    order = candidates[np.argsort(terrain.x[candidates], kind="stable")]
    idx = ((np.arange(k) + 0.5) / k * order.size).astype(int)
    return order[np.minimum(idx, order.size - 1)].tolist()


def build_world(
    spec: ScenarioSpec, origin: str = "scenario", base_dir: str = ".", terrain: Terrain | None = None
) -> World:
    """Check the scenario, build (or take) the terrain and place every asset."""
    check_spec(spec, origin)
    if terrain is None:
        terrain = load_terrain(spec, base_dir)
    check_against_terrain(spec, terrain, origin)
    home = terrain.side == HOME

    agencies = {
        name: AgencyParams(name, a, _sector_mask(terrain, list(a.jurisdiction)) & home)
        for name, a in spec.agencies.items()
    }
    corridors = corridors_of(terrain, spec.corridors.length_km)
    empty = _empty_areas(spec, terrain, agencies, corridors)
    if empty:
        raise ScenarioError(origin, empty)
    units = _units(spec, terrain, agencies)
    sensors: list[SensorParams] = []
    for gname, chosen in spec.sensors.items():
        if chosen.params.installed_day <= 0:
            corridor = corridors.index(chosen.params.corridor) if chosen.params.corridor else None
            sensors += place_sensor_group(terrain, corridors, gname, chosen, corridor, len(sensors), spec.terrain.seed)
    later = sorted(
        ((g, c) for g, c in spec.sensors.items() if c.params.installed_day > 0),
        key=lambda gc: gc[1].params.installed_day,
    )
    check_sensor_refs(spec, [s.name for s in sensors], [g for g, _ in later], origin)
    barriers, delay = _barriers(spec, terrain, corridors.cell_km)
    router = Router(terrain, spec.modes, delay)
    decoys = {c.params.organisation for c in spec.injects.values() if c.type == "decoy"}
    orgs = [_org(name, o, terrain, router, origin, name in decoys) for name, o in spec.organisations.items()]
    coverage, known = coverage_of(terrain.n_nodes, sensors)
    authority = {
        name: Authority(
            a.jurisdiction,
            [
                (agencies[m.host].jurisdiction, m.authorisation_min)
                for m in spec.agreements.values()
                if m.agency == name
            ],
        )
        for name, a in agencies.items()
    }
    ports = place_ports(spec, terrain, origin)
    outside = _ports_outside_jurisdiction(ports, agencies, terrain)
    if outside:
        raise ScenarioError(origin, outside)
    return World(
        spec,
        terrain,
        router,
        agencies,
        units,
        sensors,
        barriers,
        orgs,
        coverage,
        known,
        authority,
        ports,
        corridors,
        later,
    )


def _empty_areas(
    spec: ScenarioSpec, terrain: Terrain, agencies: dict[str, AgencyParams], corridors: Corridors
) -> list[str]:
    """Groups asked to place assets where their area holds no home cell (a unit group's sectors
    outside its agency's jurisdiction, a sensor group's sectors and corridor apart): they would
    get none, silently."""
    home = terrain.side == HOME
    problems = []
    for gname, g in spec.units.items():
        if g.count > 0 and g.placement != "explicit":
            area = agencies[g.agency].jurisdiction & (_sector_mask(terrain, list(g.sectors)) if g.sectors else True)
            if not (area & home).any():
                acts = sorted({terrain.sector_names[k] for k in terrain.sector[agencies[g.agency].jurisdiction]})
                problems.append(
                    f"scenario.units.{gname}.sectors: {list(g.sectors)} holds no home cell where {g.agency} "
                    f"may act, so none of its {g.count} units could be placed; allowed: sectors of "
                    f"{g.agency}'s jurisdiction ({', '.join(acts) or 'none'})"
                )
    for gname, chosen in spec.sensors.items():
        g = chosen.params
        places = g.spacing_km > 0 or g.count > 0
        if not places or g.placement == "explicit" or g.corridor == "busiest":
            continue
        area = _sector_mask(terrain, list(g.sectors)) & home
        if g.corridor:
            area &= corridors.index_of_x(terrain.x) == corridors.index(g.corridor)
        if not area.any():
            where = f"sectors {list(g.sectors)}" if g.sectors else "the terrain"
            problems.append(
                f"scenario.sensors.{gname}: {where}"
                + (f" and corridor {g.corridor}" if g.corridor else "")
                + " share no home cell, so none of its sensors could be placed; allowed: a corridor that "
                "crosses its sectors, or sectors that the corridor crosses"
            )
    return problems


def _units(spec: ScenarioSpec, terrain: Terrain, agencies: dict[str, AgencyParams]) -> list[UnitParams]:
    """Each group's units: bases spread over (or given in) the group's area, a beat each, and
    shift starts staggered over the day."""
    units: list[UnitParams] = []
    home = terrain.side == HOME
    for gname, g in spec.units.items():
        juris = agencies[g.agency].jurisdiction
        area = juris & (_sector_mask(terrain, list(g.sectors)) if g.sectors else True)
        if g.placement == "explicit":
            bases = _explicit_nodes(terrain, list(g.nodes), list(g.coords), home)[: g.count]
        elif g.placement == "random":
            cand = np.flatnonzero(area & home)
            rng = _placement_rng(spec.terrain.seed, f"units:{gname}")
            # every cell once before any twice: whole permutations, as many as `count` needs
            rounds = -(-g.count // cand.size) if cand.size else 0
            bases = np.concatenate([rng.permutation(cand) for _ in range(rounds)])[: g.count].tolist() if rounds else []
        else:
            roads = np.zeros(terrain.n_nodes, dtype=bool)
            roads[terrain.edge_u[terrain.edge_road]] = True  # as documented (UnitSpec.placement); a
            # road's last cell is then left out, and counting it would move every shipped base
            cand = np.flatnonzero(area & roads)
            bases = _spread(terrain, cand if cand.size else np.flatnonzero(area), g.count)
        period = 24 * 60 / g.shifts_per_day
        beats: dict[int, np.ndarray] = {}  # one read-only array per beat area, shared by its units
        for i, base in enumerate(bases):
            key = -1 if g.sectors else int(terrain.sector[base])
            if key not in beats:
                beat_area = area if g.sectors else (juris & (terrain.sector == key))
                beats[key] = np.flatnonzero(beat_area).copy()  # owning its data: recognised by identity
                beats[key].setflags(write=False)  # (sim.terrain.routing.Router.adjacency_within)
            units.append(
                UnitParams(
                    id=len(units),
                    name=f"{gname}:{i}",
                    group=gname,
                    agency=g.agency,
                    base=int(base),
                    spec=g,
                    beat=beats[key],  # a copy per unit took 760 MiB with 1,000 units on 100,000 cells
                    shift_offset_min=(i % g.shifts_per_day) * period,
                )
            )
    return units


def place_sensor_group(
    terrain: Terrain,
    corridors: Corridors,
    gname: str,
    chosen: Chosen,
    corridor: int | None,
    first_id: int,
    placement_seed: int,
) -> list[SensorParams]:
    """One sensor group placed (along the border, at random, or explicitly), with its footprint,
    within `corridor` (an index into `corridors`) if given; ids from `first_id`; `random`
    placement is seeded by `placement_seed` (the terrain seed) and the group name. Groups installed
    at day 0 are placed when the world is built, later ones by the model when they go up (a
    `busiest` corridor is known only then)."""
    g, kind = chosen.params, SENSOR_TYPES.get(chosen.type)
    home = terrain.side == HOME
    area = _sector_mask(terrain, list(g.sectors))
    if corridor is not None:
        area = area & (corridors.index_of_x(terrain.x) == corridor)
    if g.placement == "explicit":
        nodes = _explicit_nodes(terrain, list(g.nodes), list(g.coords), area)
    elif g.placement == "along_border":
        xs_all = terrain.x[area & home]
        lo, hi = (xs_all.min(), xs_all.max()) if xs_all.size else (0.0, 0.0)
        if g.spacing_km > 0:  # one every spacing_km over the border the area covers, its cells' full width
            lo, hi = border_span(xs_all, corridors.cell_km)  # measured as corridors are
            xs = np.arange(lo + g.spacing_km / 2, hi + 1e-9, g.spacing_km)
        else:
            xs = lo + (np.arange(g.count) + 0.5) / max(g.count, 1) * (hi - lo)
        # a target midway between two cells takes the eastern one (1 mm east: ties are not left to the order of cells)
        nodes = [terrain.nearest_node(x + 1e-6, g.setback_km, area & home) for x in xs] if xs_all.size else []
    else:
        rng = _placement_rng(placement_seed, f"sensors:{gname}")
        cand = np.flatnonzero(area & home)
        nodes = rng.choice(cand, size=min(g.count, cand.size), replace=False).tolist()
    return [
        SensorParams(
            id=first_id + i,
            name=f"{gname}:{i}",
            group=gname,
            type=chosen.type,
            agency=g.agency,
            node=int(node),
            spec=g,
            footprint=kind.footprint(terrain, int(node), g),
            visible=kind.visible,
            window=kind.daily_window(g),
        )
        for i, node in enumerate(nodes)
    ]


def _barriers(spec: ScenarioSpec, terrain: Terrain, cell_km: float) -> tuple[list[BarrierParams], dict[int, float]]:
    """Barriers on the border edges of their span, and the breach delay of each such edge. A
    barrier's length is the span of its edges' midpoints plus one border cell's width `cell_km`
    (measured from the terrain's own border cells: a loaded map's, not the generator's key)."""
    barriers: list[BarrierParams] = []
    delay: dict[int, float] = {}
    be = terrain.border_edges
    mid_x = 0.5 * (terrain.x[terrain.edge_u[be]] + terrain.x[terrain.edge_v[be]])
    for bname, b in spec.barriers.items():
        edges = be[(mid_x >= b.from_km) & (mid_x <= b.to_km)]
        xs = mid_x[(mid_x >= b.from_km) & (mid_x <= b.to_km)]
        length = float(xs.max() - xs.min() + cell_km) if xs.size else 0.0
        barriers.append(BarrierParams(bname, b.agency, edges, length, b))
        for e in edges.tolist():
            delay[e] = max(delay.get(e, 0.0), b.breach_min)
    return barriers, delay


def place_ports(spec: ScenarioSpec, terrain: Terrain, origin: str) -> list[PortParams]:
    """One PortParams per entry of `spec.ports`, in declaration order. A port with node -1 takes
    the next unused terrain port (the i-th such entry takes `terrain.ports[i]`)."""
    terrain_ports = terrain.ports.tolist()
    problems: list[str] = []
    ports: list[PortParams] = []
    auto = 0
    for name, p in spec.ports.items():
        node = int(p.node)
        if node < 0:
            if auto < len(terrain_ports):
                node = int(terrain_ports[auto])
            else:
                problems.append(
                    f"scenario.ports.{name}.node: -1 takes the terrain's port number {auto + 1}, but "
                    f"the terrain has {len(terrain_ports)} port(s); allowed: an explicit node id "
                    f"0..{terrain.n_nodes - 1}, or fewer ports with node -1"
                )
            auto += 1
        ports.append(PortParams(id=len(ports), name=name, node=node, agency=p.agency, spec=p))
    if problems:
        raise ScenarioError(origin, problems)
    return ports


def _ports_outside_jurisdiction(
    ports: list[PortParams], agencies: dict[str, AgencyParams], terrain: Terrain
) -> list[str]:
    """Ports run by an agency that may not act at the port's cell: its seizures would be arrests
    outside its jurisdiction."""
    problems = []
    for port in ports:
        agency = agencies[port.agency]
        if not agency.jurisdiction[port.node]:
            able = [a for a, params in agencies.items() if params.jurisdiction[port.node]]
            sector = terrain.sector_names[terrain.sector[port.node]]
            problems.append(
                f"scenario.ports.{port.name}.agency: {port.agency}'s jurisdiction "
                f"({', '.join(agency.spec.jurisdiction)}) does not hold the port's cell {port.node} (sector "
                f"{sector}; ports:<km> counts from the terrain's port cells); allowed: an agency whose jurisdiction "
                f"holds it ({', '.join(able) or 'none'}), or {sector} added to {port.agency}'s jurisdiction"
            )
    return problems


def _org(name: str, o: OrgSpec, terrain: Terrain, router: Router, origin: str, sends_decoys: bool) -> OrgParams:
    """An organisation with, per movement mode and staging area, the destinations it can reach
    (barriers close some modes): its cargo's modes and `foot` (decoys walk). A staging area that
    reaches none is a scenario error for a cargo's mode; if a decoy inject names the organisation,
    so is no staging area reaching one on foot (a decoy leaves from one that does)."""
    staging = np.array(o.staging, dtype=np.int64) if o.staging else terrain.staging_areas
    dests = np.array(o.destinations, dtype=np.int64) if o.destinations else terrain.towns
    reachable: dict[tuple[str, int], np.ndarray] = {}
    problems = []
    modes = {c.mode for c in o.cargo.values() if c.share > 0}
    for mode in sorted(modes | {"foot"}):  # foot also for a decoy a drill's trainer may send
        ok = np.array([np.isfinite(router.minutes_from(int(d), mode)[staging]) for d in dests]).reshape(len(dests), -1)
        for k, s in enumerate(staging.tolist()):
            reachable[(mode, s)] = dests[ok[:, k]]
            if not ok[:, k].any() and mode in modes:
                problems.append(
                    f"scenario.organisations.{name}: a '{mode}' group from staging node {s} cannot "
                    f"reach any destination (barriers close the border to modes that cannot breach them)"
                )
        if mode == "foot" and sends_decoys and not ok.any():
            problems.append(
                f"scenario.organisations.{name}: its decoys walk, and no staging area reaches a destination on foot "
                "(barriers close the border to modes that cannot breach them)"
            )
    if problems:
        raise ScenarioError(origin, problems)
    return OrgParams(name, o, staging, dests, reachable)


def coverage_of(n: int, sensors: list[SensorParams]) -> tuple[Coverage, np.ndarray]:
    """Which sensors cover each of the n cells (CSR), and the exposure per hour organisations
    know of there (visible sensors only)."""
    if sensors:
        node = np.concatenate([s.footprint.nodes for s in sensors])
        sid = np.concatenate([np.full(s.footprint.nodes.size, s.id) for s in sensors])
        pv = np.concatenate([s.footprint.per_visit for s in sensors])
        rate = np.concatenate([s.footprint.rate_per_min for s in sensors])
        vis = np.concatenate([np.full(s.footprint.nodes.size, s.visible) for s in sensors])
    else:
        node = sid = np.zeros(0, dtype=np.int64)
        pv = rate = np.zeros(0)
        vis = np.zeros(0, dtype=bool)
    order = np.argsort(node, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(node, minlength=n))])
    known = np.bincount(node[vis], weights=(rate[vis] * 60 + pv[vis]), minlength=n)
    keys = np.zeros(max((s.id for s in sensors), default=-1) + 1, dtype=np.uint64)
    keys[[s.id for s in sensors]] = item_keys([s.name for s in sensors])
    return Coverage(ptr, sid[order], pv[order], rate[order], keys), known
