"""Scenario -> World: the terrain plus every asset placed and parameterised.

Pure and deterministic in the scenario: placement randomness comes from the terrain seed and
the asset group's name, never from the replication seed, so every replication of a scenario
sees the same map and the same deployment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from sim.agents.sensor_types import SENSOR_TYPES, Footprint
from sim.scenario import (AgencySpec, BarrierSpec, OrgSpec, ScenarioSpec, SensorGroupSpec,
                          UnitGroupSpec)
from sim.terrain import HOME, KindProps, Router, Terrain, generate, load_csv, load_graphml, validate
from sim.validation import check_against_terrain, check_names


@dataclass(frozen=True)
class AgencyParams:
    name: str
    spec: AgencySpec
    jurisdiction: np.ndarray  # bool per node: where its units may act


@dataclass(frozen=True)
class UnitParams:
    id: int
    name: str
    group: str
    agency: str
    base: int
    spec: UnitGroupSpec
    beat: np.ndarray  # nodes of the unit's beat (home side, its sectors, its jurisdiction)
    beat_points: np.ndarray  # at most spec.beat_points nodes spread over the beat (its roads for
    # non-foot units): where a random_beat unit drives, so its routes come from a few cached trees
    shift_offset_min: float  # first shift start after midnight of day 0


@dataclass(frozen=True)
class SensorParams:
    id: int
    name: str
    group: str
    agency: str
    node: int
    spec: SensorGroupSpec
    footprint: Footprint
    visible: bool  # can smugglers see it (towers) and route around it


@dataclass(frozen=True)
class BarrierParams:
    name: str
    agency: str
    edges: np.ndarray
    length_km: float
    spec: BarrierSpec


@dataclass(frozen=True)
class OrgParams:
    name: str
    spec: OrgSpec
    staging: np.ndarray
    destinations: np.ndarray
    reachable: dict[tuple[str, int], np.ndarray]  # (mode, staging node) -> destinations it can reach


@dataclass
class Coverage:
    """For each node, the sensors covering it: CSR-like (ptr into sensor/per_visit/rate)."""

    ptr: np.ndarray
    sensor: np.ndarray
    per_visit: np.ndarray
    rate_per_min: np.ndarray


@dataclass(frozen=True)
class Authority:
    """Where a unit may act: its own agency's jurisdiction, MOU hosts' (with a delay), and, in
    a task force, the union of the participating agencies' jurisdictions."""

    own: np.ndarray
    mou: list[tuple[np.ndarray, float]]  # (host jurisdiction, authorisation minutes)

    def check(self, node: int, pooled_area: np.ndarray | None = None) -> tuple[bool, float, str]:
        if self.own[node]:
            return True, 0.0, "own"
        if pooled_area is not None and pooled_area[node]:
            return True, 0.0, "task_force"
        options = [delay for area, delay in self.mou if area[node]]
        return (True, min(options), "mou") if options else (False, 0.0, "")

    def area(self, pooled_area: np.ndarray | None = None, authorised: bool = False) -> np.ndarray:
        """Cells where the unit may arrest now: its own area, its pool's, and (once authorised
        for a dispatch under an MOU) its hosts'."""
        mask = self.own.copy()
        if pooled_area is not None:
            mask |= pooled_area
        if authorised:
            for host, _ in self.mou:
                mask |= host
        return mask


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
    ports: list  # PortParams (sim/agents/ports.py)

    def union_jurisdiction(self, agencies: list[str]) -> np.ndarray:
        out = np.zeros(self.terrain.n_nodes, dtype=bool)
        for a in agencies:
            out |= self.agencies[a].jurisdiction
        return out

    @property
    def horizon_min(self) -> float:
        return self.scenario.horizon_days * 24 * 60


def _placement_rng(seed: int, name: str) -> np.random.Generator:
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng([seed, key])


def load_terrain(spec: ScenarioSpec, base_dir: str = ".") -> Terrain:
    """Generate or load the scenario's terrain, validated."""
    ts = spec.terrain
    kinds = {k: KindProps(v.cover, v.speed_factor) for k, v in ts.kinds.items()}
    if ts.source == "generate":
        terrain = generate(ts)
        validate(terrain, f"generator (scenario.terrain, seed {ts.seed})")
        return terrain
    from pathlib import Path
    path = Path(ts.path) if Path(ts.path).is_absolute() else Path(base_dir) / ts.path
    return load_graphml(path, kinds) if ts.source == "graphml" else load_csv(path, kinds)


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


def _beat_points(terrain: Terrain, beat: np.ndarray, keep_to_roads: bool, k: int) -> np.ndarray:
    """At most k cells spread over a beat (over its road cells if `keep_to_roads` and it has at
    least 2): farthest-point sampling from the cell nearest the beat's centre, so every cell of
    the beat is near a point, whatever the cell size. A beat of at most k cells is all points."""
    if keep_to_roads:
        on_road = np.zeros(terrain.n_nodes, dtype=bool)
        on_road[terrain.edge_u[terrain.edge_road]] = True
        on_road[terrain.edge_v[terrain.edge_road]] = True
        roads = beat[on_road[beat]]
        beat = roads if roads.size >= 2 else beat
    if beat.size <= k:
        return beat
    x, y = terrain.x[beat], terrain.y[beat]
    chosen = [int(np.argmin((x - x.mean()) ** 2 + (y - y.mean()) ** 2))]
    gap = (x - x[chosen[0]]) ** 2 + (y - y[chosen[0]]) ** 2
    while len(chosen) < k:
        i = int(np.argmax(gap))
        chosen.append(i)
        gap = np.minimum(gap, (x - x[i]) ** 2 + (y - y[i]) ** 2)
    return np.sort(beat[chosen])


def build_world(spec: ScenarioSpec, origin: str = "scenario", base_dir: str = ".",
                terrain: Terrain | None = None) -> World:
    """Validate the scenario, build (or take) the terrain and place every asset."""
    check_names(spec, origin)
    if terrain is None:
        terrain = load_terrain(spec, base_dir)
    check_against_terrain(spec, terrain, origin)
    home = terrain.side == HOME

    agencies = {
        name: AgencyParams(name, a, _sector_mask(terrain, list(a.jurisdiction)) & home)
        for name, a in spec.agencies.items()
    }

    units: list[UnitParams] = []
    points_of: dict[tuple, np.ndarray] = {}
    for gname, g in spec.units.items():
        juris = agencies[g.agency].jurisdiction
        area = juris & (_sector_mask(terrain, list(g.sectors)) if g.sectors else True)
        if g.placement == "explicit":
            bases = _explicit_nodes(terrain, list(g.nodes), list(g.coords), home)[: g.count]
        else:
            roads = np.zeros(terrain.n_nodes, dtype=bool)
            roads[terrain.edge_u[terrain.edge_road]] = True
            cand = np.flatnonzero(area & roads)
            bases = _spread(terrain, cand if cand.size else np.flatnonzero(area), g.count)
        period = 24 * 60 / g.shifts_per_day
        for i, base in enumerate(bases):
            beat_area = area if g.sectors else (juris & (terrain.sector == terrain.sector[base]))
            beat = np.flatnonzero(beat_area)
            key = (beat.tobytes(), g.mode != "foot", g.beat_points)
            if key not in points_of:  # units sharing a beat share its points (and routing trees)
                points_of[key] = _beat_points(terrain, beat, g.mode != "foot", g.beat_points)
            units.append(UnitParams(
                id=len(units), name=f"{gname}:{i}", group=gname, agency=g.agency, base=int(base), spec=g,
                beat=beat, beat_points=points_of[key], shift_offset_min=(i % g.shifts_per_day) * period,
            ))

    sensors: list[SensorParams] = []
    for gname, g in spec.sensors.items():
        area = _sector_mask(terrain, list(g.sectors))
        kind = SENSOR_TYPES.get(g.type)()
        if g.placement == "explicit":
            nodes = _explicit_nodes(terrain, list(g.nodes), list(g.coords), area)
        elif g.placement == "along_border":
            xs_all = terrain.x[area & home]
            lo, hi = (xs_all.min(), xs_all.max()) if xs_all.size else (0.0, 0.0)
            if g.spacing_km > 0:
                xs = np.arange(lo + g.spacing_km / 2, hi + 1e-9, g.spacing_km)
            else:
                xs = lo + (np.arange(g.count) + 0.5) / max(g.count, 1) * (hi - lo)
            nodes = [terrain.nearest_node(x, g.setback_km, area & home) for x in xs]
        else:
            rng = _placement_rng(spec.terrain.seed, f"sensors:{gname}")
            cand = np.flatnonzero(area & home)
            nodes = rng.choice(cand, size=min(g.count, cand.size), replace=False).tolist()
        for i, node in enumerate(nodes):
            sensors.append(SensorParams(
                id=len(sensors), name=f"{gname}:{i}", group=gname, agency=g.agency, node=int(node), spec=g,
                footprint=kind.footprint(terrain, int(node), g), visible=getattr(kind, "visible", False),
            ))

    barriers: list[BarrierParams] = []
    delay: dict[int, float] = {}
    be = terrain.border_edges
    mid_x = 0.5 * (terrain.x[terrain.edge_u[be]] + terrain.x[terrain.edge_v[be]])
    for bname, b in spec.barriers.items():
        edges = be[(mid_x >= b.from_km) & (mid_x <= b.to_km)]
        xs = mid_x[(mid_x >= b.from_km) & (mid_x <= b.to_km)]
        length = float(xs.max() - xs.min() + spec.terrain.cell_km) if xs.size else 0.0
        barriers.append(BarrierParams(bname, b.agency, edges, length, b))
        for e in edges.tolist():
            delay[e] = max(delay.get(e, 0.0), b.breach_min)

    router = Router(terrain, spec.modes, delay)
    orgs = [_org(name, o, terrain, router, origin) for name, o in spec.organisations.items()]
    coverage, known = _coverage(terrain.n_nodes, sensors)
    authority = {
        name: Authority(a.jurisdiction, [(agencies[m.host].jurisdiction, m.authorisation_min)
                                         for m in spec.agreements.values() if m.agency == name])
        for name, a in agencies.items()
    }
    from sim.agents.ports import build_ports
    ports = build_ports(spec, terrain, origin)
    if any(o.spec.port_share > 0 for o in orgs) and not ports:
        from sim.validation import ScenarioError
        raise ScenarioError(origin, ["scenario.organisations: port_share > 0 needs at least one entry in scenario.ports"])
    return World(spec, terrain, router, agencies, units, sensors, barriers, orgs, coverage, known, authority, ports)


def _org(name: str, o: OrgSpec, terrain: Terrain, router: Router, origin: str) -> OrgParams:
    """An organisation with, per movement mode and staging area, the destinations it can reach
    (barriers close some modes); a staging area that reaches none is a scenario error."""
    from sim.validation import ScenarioError

    staging = np.array(o.staging, dtype=np.int64) if o.staging else terrain.staging_areas
    dests = np.array(o.destinations, dtype=np.int64) if o.destinations else terrain.towns
    reachable: dict[tuple[str, int], np.ndarray] = {}
    problems = []
    for mode in sorted({c.mode for c in o.cargo.values() if c.share > 0}):
        ok = np.array([np.isfinite(router.minutes_from(int(d), mode)[staging]) for d in dests]).reshape(len(dests), -1)
        for k, s in enumerate(staging.tolist()):
            reachable[(mode, s)] = dests[ok[:, k]]
            if not ok[:, k].any():
                problems.append(f"scenario.organisations.{name}: a '{mode}' group from staging node {s} cannot "
                                f"reach any destination (barriers close the border to modes that cannot breach them)")
    if problems:
        raise ScenarioError(origin, problems)
    return OrgParams(name, o, staging, dests, reachable)


def _coverage(n: int, sensors: list[SensorParams]) -> tuple[Coverage, np.ndarray]:
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
    return Coverage(ptr, sid[order], pv[order], rate[order]), known
