"""Cross-reference checks on a composed scenario: names, policies, sectors, nodes, ranges.

Hydra/OmegaConf already reject unknown keys and wrong types against sim/scenario.py. What is
left is meaning: an agency that does not exist, an unknown policy name, a sector that is not
on the map. Every problem is reported with the file, the key and the allowed values.
"""

from __future__ import annotations

from sim.scenario import ScenarioSpec
from sim.terrain.model import Terrain


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message lists every problem, one per line."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        self.origin = origin
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid scenario {origin}:\n{lines}")


def _choice(problems: list[str], key: str, value: str, allowed: list[str]) -> None:
    if value not in allowed:
        problems.append(f"{key}: unknown value {value!r}; allowed: {', '.join(allowed) or '(none defined)'}")


def check_names(spec: ScenarioSpec, origin: str) -> None:
    """Checks that need no terrain: names, registries, positive quantities."""
    from sim.agents.sensor_types import SENSOR_TYPES
    from sim.coordination import COORDINATION
    from sim.injects import INJECTS
    from sim.policies import PATROL_POLICIES, REACTIONS, ROUTING_POLICIES

    p: list[str] = []
    agencies = list(spec.agencies)
    modes = list(spec.modes)
    _choice(p, "scenario.terrain.source", spec.terrain.source, ["generate", "graphml", "csv"])
    if spec.horizon_days <= 0:
        p.append(f"scenario.horizon_days: must be > 0, got {spec.horizon_days}")
    if spec.tick_min <= 0:
        p.append(f"scenario.tick_min: must be > 0, got {spec.tick_min}")
    for name, m in spec.modes.items():
        if m.offroad_kmh <= 0 or m.road_kmh <= 0:
            p.append(f"scenario.modes.{name}: speeds must be > 0")
    for name, k in spec.terrain.kinds.items():
        if not 0 <= k.cover <= 1:
            p.append(f"scenario.terrain.kinds.{name}.cover: must be in [0, 1], got {k.cover}")
        if k.speed_factor <= 0:
            p.append(f"scenario.terrain.kinds.{name}.speed_factor: must be > 0, got {k.speed_factor}")
    for name, a in spec.agencies.items():
        key = f"scenario.agencies.{name}"
        if a.operators < 1:
            p.append(f"{key}.operators: must be >= 1, got {a.operators}")
        _choice(p, f"{key}.handling", a.handling, ["exponential", "fixed"])
        if not a.max_response_min > 0:
            p.append(f"{key}.max_response_min: must be > 0, got {a.max_response_min}")
    for name, u in spec.units.items():
        key = f"scenario.units.{name}"
        _choice(p, f"{key}.agency", u.agency, agencies)
        _choice(p, f"{key}.mode", u.mode, modes)
        _choice(p, f"{key}.policy", u.policy, PATROL_POLICIES.names())
        _choice(p, f"{key}.placement", u.placement, ["spread", "explicit"])
        if u.count < 0 or u.capacity < 1 or u.officers < 1:
            p.append(f"{key}: count must be >= 0, capacity and officers >= 1")
        if not 0 < u.shift_hours <= 24 or u.shifts_per_day < 1:
            p.append(f"{key}: shift_hours must be in (0, 24] and shifts_per_day >= 1")
        if u.beat_points < 2:
            p.append(f"{key}.beat_points: must be >= 2, got {u.beat_points}")
        if u.policy == "fixed_route" and len(u.route) < 2:
            p.append(f"{key}.route: fixed_route needs at least 2 waypoint nodes")
        if u.placement == "explicit" and len(u.nodes) + len(u.coords) < u.count:
            p.append(f"{key}: explicit placement needs {u.count} nodes/coords, got {len(u.nodes) + len(u.coords)}")
    for name, s in spec.sensors.items():
        key = f"scenario.sensors.{name}"
        _choice(p, f"{key}.agency", s.agency, agencies)
        _choice(p, f"{key}.type", s.type, SENSOR_TYPES.names())
        _choice(p, f"{key}.placement", s.placement, ["along_border", "random", "explicit"])
        if not 0 <= s.detect_prob <= 1:
            p.append(f"{key}.detect_prob: must be in [0, 1], got {s.detect_prob}")
        if s.detect_rate_per_hour < 0 or s.false_alarms_per_day < 0 or s.range_km < 0:
            p.append(f"{key}: detect_rate_per_hour, false_alarms_per_day and range_km must be >= 0")
        if s.mtbf_days < 0 or s.repair_hours < 0:
            p.append(f"{key}: mtbf_days and repair_hours must be >= 0")
    for group, items in (("units", spec.units), ("sensors", spec.sensors), ("barriers", spec.barriers)):
        for name, g in items.items():
            if g.lifetime_years <= 0:
                p.append(f"scenario.{group}.{name}.lifetime_years: must be > 0, got {g.lifetime_years}")
    for name, port in spec.ports.items():
        _choice(p, f"scenario.ports.{name}.agency", port.agency, agencies)
    for name, b in spec.barriers.items():
        _choice(p, f"scenario.barriers.{name}.agency", b.agency, agencies)
        if b.breach_min < 0:
            p.append(f"scenario.barriers.{name}.breach_min: must be >= 0")
    for name, o in spec.organisations.items():
        key = f"scenario.organisations.{name}"
        _choice(p, f"{key}.routing", o.routing, ROUTING_POLICIES.names())
        _choice(p, f"{key}.reaction", o.reaction, REACTIONS.names())
        if o.attempts_per_day < 0:
            p.append(f"{key}.attempts_per_day: must be >= 0")
        if not 0 <= o.port_share <= 1:
            p.append(f"{key}.port_share: must be in [0, 1], got {o.port_share}")
        if not o.risk_aversion >= 0:  # a negative weight makes negative route costs
            p.append(f"{key}.risk_aversion: must be >= 0, got {o.risk_aversion}")
        if len(o.hourly_profile) != 24 or min(o.hourly_profile, default=0) < 0 or sum(o.hourly_profile) <= 0:
            p.append(f"{key}.hourly_profile: needs 24 non-negative weights with a positive sum")
        if not o.cargo or sum(c.share for c in o.cargo.values()) <= 0:
            p.append(f"{key}.cargo: needs at least one cargo type with share > 0")
        for cname, c in o.cargo.items():
            _choice(p, f"{key}.cargo.{cname}.mode", c.mode, modes)
            if c.size_min < 1 or c.size_max < c.size_min:
                p.append(f"{key}.cargo.{cname}: need 1 <= size_min <= size_max")
    c = spec.coordination
    _choice(p, "scenario.coordination.policy", c.policy, COORDINATION.names())
    for a, partners in c.partners.items():
        _choice(p, "scenario.coordination.partners", a, agencies)
        for b in partners:
            _choice(p, f"scenario.coordination.partners.{a}", b, agencies)
    for a in c.task_force_agencies:
        _choice(p, "scenario.coordination.task_force_agencies", a, agencies)
    for g in c.task_force_units:
        _choice(p, "scenario.coordination.task_force_units", g, list(spec.units))
    if c.policy == "task_force" and not c.task_force_units:
        p.append("scenario.coordination.task_force_units: task_force needs the unit groups it pools")
    _choice(p, "scenario.coordination.joint_handling", c.joint_handling, ["exponential", "fixed"])
    if not 0 <= c.loss_prob <= 1 or c.share_delay_min < 0 or c.joint_operators < 1:
        p.append("scenario.coordination: loss_prob in [0, 1], share_delay_min >= 0, joint_operators >= 1")
    for name, m in spec.agreements.items():
        _choice(p, f"scenario.agreements.{name}.agency", m.agency, agencies)
        _choice(p, f"scenario.agreements.{name}.host", m.host, agencies)
    for key in ("non_interoperable", "strip_location"):
        for pair in getattr(spec.comms, key):
            if len(pair) != 2:
                p.append(f"scenario.comms.{key}: each entry is a pair [agency, agency], got {list(pair)}")
            for a in pair:
                _choice(p, f"scenario.comms.{key}", a, agencies)
    for key, tip in (("partner", spec.intel.partner), ("community", spec.intel.community)):
        if tip.agency:
            _choice(p, f"scenario.intel.{key}.agency", tip.agency, agencies)
    for name, inj in spec.injects.items():
        key = f"scenario.injects.{name}"
        _choice(p, f"{key}.type", inj.type, INJECTS.names())
        if inj.duration_hours < 0 or inj.start_hours < 0:
            p.append(f"{key}: start_hours and duration_hours must be >= 0")
        if inj.type in ("sensor_outage", "comms_outage", "surge", "weather") and inj.duration_hours <= 0:
            p.append(f"{key}.duration_hours: a {inj.type} needs a window > 0")
        if inj.type == "weather" and inj.factor < 0:
            p.append(f"{key}.factor: a detection multiplier must be >= 0, got {inj.factor}")
        if inj.type == "surge" and inj.factor < 1:
            p.append(f"{key}.factor: a surge multiplies the attempt rate by >= 1, got {inj.factor}")
        if inj.type == "sensor_outage" and not inj.sensors and not inj.sector:
            p.append(f"{key}: a sensor_outage needs `sensors` or a `sector`")
        if inj.type in ("surge", "decoy"):
            _choice(p, f"{key}.organisation", inj.organisation, list(spec.organisations))
        if inj.type == "decoy" and inj.count < 1:
            p.append(f"{key}.count: a decoy sends at least 1 group, got {inj.count}")
        if inj.type == "tip":
            _choice(p, f"{key}.agency", inj.agency, agencies)
            if inj.attempt < 0 and inj.node < 0:
                p.append(f"{key}: a tip needs the group it is about (`attempt`) or a cell (`node`)")
        if inj.type == "comms_outage":
            if len(inj.agencies) != 2 or len(set(inj.agencies)) != 2:
                p.append(f"{key}.agencies: comms_outage needs two different agencies, got {list(inj.agencies)}")
            for a in inj.agencies:
                _choice(p, f"{key}.agencies", a, agencies)
    if p:
        raise ScenarioError(origin, p)


def check_against_terrain(spec: ScenarioSpec, terrain: Terrain, origin: str) -> None:
    """Checks that need the terrain: sectors exist, node ids in range, roles of nodes."""
    p: list[str] = []
    sectors = list(terrain.sector_names)
    n = terrain.n_nodes
    allowed_juris = sectors + ["home", "all", "towns:<km>", "ports:<km>"]

    def nodes_ok(key: str, nodes: list[int]) -> None:
        bad = [v for v in nodes if not 0 <= v < n]
        if bad:
            p.append(f"{key}: node ids {bad} not in the terrain (0..{n - 1})")

    for name, a in spec.agencies.items():
        for s in a.jurisdiction:
            kind, _, km = s.partition(":")
            if kind in ("towns", "ports") and km.replace(".", "", 1).isdigit():
                continue
            _choice(p, f"scenario.agencies.{name}.jurisdiction", s, allowed_juris)
    all_sensors = {f"{g}:{i}" for g, sg in spec.sensors.items() for i in range(max(sg.count, 1))} | set(spec.sensors)
    for name, inj in spec.injects.items():
        if inj.node >= 0:
            nodes_ok(f"scenario.injects.{name}.node", [inj.node])
        if inj.sector:
            _choice(p, f"scenario.injects.{name}.sector", inj.sector, sectors)
        for sname in inj.sensors:
            if sname not in all_sensors and sname.split(":")[0] not in spec.sensors:
                p.append(f"scenario.injects.{name}.sensors: unknown sensor {sname!r}; use a group name "
                         f"({', '.join(spec.sensors)}) or group:index")
    for group, items in (("units", spec.units), ("sensors", spec.sensors)):
        for name, g in items.items():
            for s in g.sectors:
                _choice(p, f"scenario.{group}.{name}.sectors", s, sectors)
            nodes_ok(f"scenario.{group}.{name}.nodes", list(g.nodes))
    for name, u in spec.units.items():
        nodes_ok(f"scenario.units.{name}.route", list(u.route))
    for name, o in spec.organisations.items():
        key = f"scenario.organisations.{name}"
        nodes_ok(f"{key}.staging", list(o.staging))
        nodes_ok(f"{key}.destinations", list(o.destinations))
        for v in o.staging:
            if 0 <= v < n and terrain.side[v] != 0:
                p.append(f"{key}.staging: node {v} is on the home side (origins must be foreign)")
        for v in o.destinations:
            if 0 <= v < n and terrain.side[v] != 1:
                p.append(f"{key}.destinations: node {v} is on the foreign side (destinations must be home)")
    if p:
        raise ScenarioError(origin, p)

