"""A composed scenario -> the typed, checked ScenarioSpec, or one ScenarioError listing every
problem with the file (or command-line override) it came from, the key and what is allowed.

Types, ranges, allowed values and unknown keys are checked by the declarations themselves
(sim/params.py, sim/scenario.py, each plug-in's Params); names that point elsewhere (agencies,
organisations, unit groups, sensors, modes) are checked here once the whole scenario is parsed,
and what needs the map (sectors, node ids, jurisdictions, sides) by `check_against_terrain`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import yaml

from sim.injects import INJECTS
from sim.migration import migrate
from sim.params import Problems, check_refs, check_tree, parse
from sim.plugins import PLUGINS
from sim.questions import parse_question
from sim.scenario import ScenarioSpec, horizon_minutes
from sim.sensors import SENSOR_TYPES
from sim.terrain.corridors import corridors_of
from sim.terrain.model import FOREIGN, HOME, Terrain
from sim.terrain.validate import rebuilt_error


class ScenarioError(ValueError):
    """Bad scenario content: every problem, each naming where it came from and what is allowed."""

    def __init__(
        self, origin: str, problems: list[str], overrides: Sequence[str] = (), sources: Mapping[str, str] | None = None
    ) -> None:
        self.origin = origin
        self.raw_problems = list(problems)
        self.problems = [_attribute(p, overrides, origin, sources) for p in problems]
        super().__init__(f"invalid scenario {origin}:\n" + "\n".join(f"  - {p}" for p in self.problems))

    def __reduce__(self):
        return rebuilt_error, (type(self), str(self), dict(self.__dict__))


def _attribute(
    problem: str, overrides: Sequence[str], origin: str = "", sources: Mapping[str, str] | None = None
) -> str:
    """Name the command-line override a problem's key came from, if it did; else the file of the
    scenario's `defaults:` chain that sets it (`sources`, see sim.config.key_sources), if that
    is not the file the scenario was loaded from."""
    parts = problem.split(": ")  # a problem reads "KEY: what"; a name in KEY may hold ': ' too
    heads = [": ".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)] or [problem]
    key = next((h for h in heads if sources and h in sources), heads[-1])
    for o in reversed(overrides):  # of two that set a key, the last holds (Hydra's rule)
        okey = o.lstrip("+~").partition("=")[0]
        if okey == "scenario":
            continue  # the choice of scenario file, not a key of it
        if key == okey or key.startswith(okey + ".") or key.startswith(okey + "["):
            return f"command-line override '{o}': {problem}"
    sources = sources or {}
    path = key.split("[", 1)[0]  # an entry of a list: the list is set whole by one file
    while path and path not in sources:
        path = path.rpartition(".")[0]
    if path and sources[path] != origin:
        return f"in {sources[path]} (which {origin} builds on): {problem}"
    return problem


class SensorNames:
    """Sensor references: a group name, or `group:i` for the i-th sensor of a group (i a whole
    number from 0). `placed`: the names of the sensors placed so far, when known (the world is
    built): then i must be below its group's size, except for a group in `later`, placed only
    when it is installed during the run."""

    def __init__(self, groups: Iterable[str], placed: Iterable[str] | None = None, later: Iterable[str] = ()) -> None:
        self.groups = sorted(groups)
        self.placed = None if placed is None else set(placed)
        self.later = set(later)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        group, sep, index = name.partition(":")
        if group not in self.groups:
            return False
        if not sep:
            return True
        if not (index.isascii() and index.isdigit() and index == str(int(index))):
            return False
        return self.placed is None or group in self.later or name in self.placed

    def __iter__(self) -> Iterator[str]:
        if self.placed is None:
            return iter(self.groups + ["<group>:<i>"])
        sizes = {g: sum(n.partition(":")[0] == g for n in self.placed) for g in self.groups}
        ranges = [
            f"{g}:<i>" if g in self.later else f"{g}:0..{sizes[g] - 1}"
            for g in self.groups
            if sizes[g] or g in self.later
        ]
        return iter(self.groups + ranges)


def check_sensor_refs(spec: ScenarioSpec, placed: Iterable[str], later: Iterable[str], origin: str) -> None:
    """Once the sensors are placed: every `group:i` reference names a placed sensor (i below its
    group's size; a group installed during the run is placed only then). An outage of a sensor
    that does not exist would be logged as in force and take nothing down."""
    problems = check_refs(spec, "scenario", {"sensor": SensorNames(spec.sensors, placed, later)}, PLUGINS)
    if problems:
        raise ScenarioError(origin, problems)


def scenario_names(spec: ScenarioSpec) -> dict[str, Any]:
    """What the scenario's names may point to (refs that need no map)."""
    return {
        "agency": sorted(spec.agencies),
        "organisation": sorted(spec.organisations),
        "unit_group": sorted(spec.units),
        "sensor": SensorNames(spec.sensors),
        "mode": sorted(spec.modes),
        "alert_source": alert_sources(),
    }


def alert_sources() -> list[str]:
    """What may raise an alert (an alert's source): a sensor type, a unit (`patrol`), the intel
    tips, and the injects that raise alerts (their `alert_source`: `tip` for a tip inject)."""
    fixed = ["patrol", "partner_tip", "community_tip"]
    injects = (INJECTS.get(name).alert_source for name in INJECTS.names())
    return sorted({*SENSOR_TYPES.names(), *fixed, *(s for s in injects if s)})


def parse_scenario(raw: Mapping | None, origin: str, overrides: Sequence[str] = ()) -> ScenarioSpec:
    """Raw scenario data (the composed YAML) -> ScenarioSpec, or ScenarioError."""
    problems = Problems()
    if not raw:
        raise ScenarioError(
            origin,
            [
                "scenario: the scenario is empty; allowed: at least one key (e.g. name: mine; every key has a "
                "default, docs/scenario-reference.md), and the sections it uses"
            ],
            overrides,
        )
    spec = parse(ScenarioSpec, raw, "scenario", PLUGINS, problems)
    if problems:
        raise ScenarioError(origin, list(problems) + old_form_hints(raw, origin, overrides), overrides)
    check_spec(spec, origin, overrides)
    return spec


def old_form_hints(raw: Mapping, origin: str, overrides: Sequence[str] = ()) -> list[str]:
    """For a scenario written in the old form: the new form of each entry that changed, and the
    command that rewrites the file. An entry a command-line override changes is left out: its
    shape comes from the override, not the file (a tower's type set to ground keeps the tower's
    keys, which only the old form let stand), and migrating the file would not help."""
    touched = [o.lstrip("+~").split("=", 1)[0] for o in overrides]
    new, changed = migrate(_without(raw, touched))  # the file's own keys: an override's key is not the file's form
    retyped = [
        f"{t}: a new type keeps the keys the file gave the entry; to change the type, give the whole entry "
        f"({t.removesuffix('.type')}={{type: ..., ...}})"
        for t in touched
        if t.endswith(".type") and any(t == f"scenario.{k}.type" for k in changed)
    ]
    # an entry given whole, or given a new type, on the command line has the shape the override gave
    # it; one whose other keys an override sets (its count) still has the file's shape
    changed = [k for k in changed if not any(t in (f"scenario.{k}", f"scenario.{k}.type") for t in touched)]
    if not changed:
        return retyped
    hints = []
    for key in changed:
        node: Any = new
        for part in key.split("."):
            node = node[part]
        shown = yaml.safe_dump(node, default_flow_style=True, sort_keys=False, width=10_000).strip()
        hints.append(
            f"scenario.{key}: if the file is of the old form (before plug-ins), the new form of this entry is {shown}"
        )
    hints.append(f"python -m sim.migrate {origin} rewrites the file in the new form")
    return retyped + hints


def _without(raw: Mapping, keys: Sequence[str]) -> dict:
    """A copy of the composed scenario without the values at `keys` (scenario.a.b paths set on the
    command line)."""
    out = copy.deepcopy(dict(raw))
    for key in keys:
        *parents, last = key.removeprefix("scenario.").split(".")
        node: Any = out
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and key.startswith("scenario.") and parents:
            node.pop(last, None)
    return out


def check_spec(spec: ScenarioSpec, origin: str, overrides: Sequence[str] = ()) -> None:
    """Every declared range and rule of a typed scenario (however it was made: parsed from a file
    or built in code), and the names that point between its parts; ScenarioError if any fails."""
    problems = check_tree(spec, "scenario")
    if not problems:
        problems = check_names(spec)
    if problems:
        raise ScenarioError(origin, problems, overrides)


def check_names(spec: ScenarioSpec) -> list[str]:
    """References between parts of the scenario, and rules that span several of its parts."""
    p = check_refs(spec, "scenario", scenario_names(spec), PLUGINS)
    policy = spec.coordination.policy
    policies = PLUGINS.family("coordination policy")
    if policy not in policies:  # check_refs has named it and the allowed ones
        return p
    chosen = spec.coordination.settings.get(policy) or policies[policy].Params()
    if policy == "task_force" and not chosen.units:
        p.append(
            "scenario.coordination.task_force.units: task_force needs the unit groups it pools; allowed: "
            + ", ".join(spec.units)
        )
    if any(o.port_share > 0 for o in spec.organisations.values()) and not spec.ports:
        p.append("scenario.organisations: port_share > 0 needs at least one entry in scenario.ports")
    return p + check_colons(spec) + check_times(spec) + check_questions(spec, policies[policy].shared_centres)


NAMED_SECTIONS = ("agencies", "units", "sensors", "barriers", "ports", "organisations", "agreements", "injects")


def check_colons(spec: ScenarioSpec) -> list[str]:
    """Names are joined with ':' into the addresses of random streams and draws (attempt:ORG:...,
    surge:INJECT, unit:GROUP:i) and into references (`group:i`): a ':' in a name could make two
    different entities one address (an organisation `a:surge:s` shared its draws with the surge
    inject `s` of organisation `a`)."""
    return [
        f"scenario.{section}.{name}: a name with ':'; allowed: names without ':' (names are joined with ':' "
        "into the addresses of random draws and into references such as group:i)"
        for section in NAMED_SECTIONS
        for name in getattr(spec, section)
        if ":" in str(name)
    ]


def check_questions(spec: ScenarioSpec, shared_centres: Sequence[str]) -> list[str]:
    """A drill question's tag (sim/questions.py) must read, and name an inject, an agency (or a
    centre the coordination policy adds) of this scenario, and a window starting before the end
    of the run; else the after-action review could show no evidence for it. Sectors need the
    map: `check_against_terrain`."""
    p = []
    centres = [*spec.agencies, *shared_centres]
    hours, end = spec.horizon_days * 24, horizon_minutes(spec.horizon_days)
    for i, raw in enumerate(spec.questions):
        key, q = f"scenario.questions[{i}]", parse_question(raw)
        if q.problem:
            p.append(f"{key}: {q.problem}")
        if q.inject and q.inject not in spec.injects:
            p.append(f"{key}: [inject {q.inject}]: no such inject; allowed: {', '.join(spec.injects) or 'none'}")
        if q.agency and q.agency not in centres:
            p.append(f"{key}: [agency {q.agency}]: no such agency or centre; allowed: {', '.join(centres)}")
        if q.hours and q.hours[0] * 60.0 >= end:
            p.append(
                f"{key}: window {q.hours[0]:g}-{q.hours[1]:g}h: allowed: starting below horizon_days "
                f"({spec.horizon_days:g} days = {hours:g} hours): it would start after the run has ended"
            )
    return p


def check_times(spec: ScenarioSpec) -> list[str]:
    """Injects and the corridor count timed to start at or after the end of the run would never
    happen: refused, naming the horizon. (A sensor group installed after it is simply not put up.)"""
    horizon, end = spec.horizon_days, horizon_minutes(spec.horizon_days)  # (in minutes, as the model compares)
    starts = [("corridors.measure_from_day", spec.corridors.measure_from_day, "days")]
    starts += [(f"injects.{n}.start_hours", c.params.start_hours, "hours") for n, c in spec.injects.items()]
    return [
        f"scenario.{key}: got {value:g}; allowed: below horizon_days ({horizon:g} days"
        + (f" = {horizon * 24:g} hours" if unit == "hours" else "")
        + "): it would start after the run has ended"
        for key, value, unit in starts
        if value > 0 and value * (60.0 if unit == "hours" else 1440.0) >= end
    ]


_JURISDICTION_TERM = re.compile(r"^(towns|ports):(\d+(\.\d*)?|\.\d+)$")


def check_against_terrain(spec: ScenarioSpec, terrain: Terrain, origin: str) -> None:
    """Checks that need the terrain: sectors exist, node ids in range, roles of nodes."""
    sectors = list(terrain.sector_names)
    cut = corridors_of(terrain, spec.corridors.length_km)
    corridors = list(cut.names)
    names = {
        "sector": sectors,
        "node": range(terrain.n_nodes),
        "corridor": corridors + ["busiest"],  # where a sensor group goes
        "corridor_name": [c for c, ok in zip(corridors, cut.crossable.tolist()) if ok],  # a group crosses there
    }
    p = check_refs(spec, "scenario", names, PLUGINS)
    counts = np.bincount(terrain.sector, minlength=len(sectors))[: len(sectors)]
    if (counts == 0).any():  # a generated terrain cut into more sectors than it has cells along the border
        empty = [name for name, c in zip(sectors, counts.tolist()) if c == 0]
        p.append(
            f"scenario.terrain.sectors: got {len(sectors)}; {len(empty)} of them hold no cell ({', '.join(empty[:5])}"
            f"{', ...' if len(empty) > 5 else ''}); allowed: at most {int((counts > 0).sum())} on this terrain"
        )
    if cut.cell_km > 0 and spec.corridors.length_km < cut.cell_km:
        p.append(
            f"scenario.corridors.length_km: got {spec.corridors.length_km:g} km, less than the border cells' width "
            f"({cut.cell_km:g} km): most corridors would hold no border cell; allowed: at least {cut.cell_km:g}"
        )
    allowed_juris = sectors + ["home", "all", "towns:<km>", "ports:<km>"]
    for name, a in spec.agencies.items():
        for s in a.jurisdiction:
            if s not in sectors and s not in ("home", "all") and not _JURISDICTION_TERM.match(s):
                p.append(
                    f"scenario.agencies.{name}.jurisdiction: unknown term {s!r}; allowed: {', '.join(allowed_juris)}"
                )
    for i, raw in enumerate(spec.questions):
        sector = parse_question(raw).sector
        if sector and sector not in sectors:
            p.append(f"scenario.questions[{i}]: [sector {sector}]: no such sector; allowed: {', '.join(sectors)}")
    n = terrain.n_nodes
    for name, o in spec.organisations.items():
        key = f"scenario.organisations.{name}"
        for v in o.staging:
            if 0 <= v < n and terrain.side[v] != FOREIGN:
                p.append(f"{key}.staging: node {v} is on the home side (origins must be foreign)")
        for v in o.destinations:
            if 0 <= v < n and terrain.side[v] != HOME:
                p.append(f"{key}.destinations: node {v} is on the foreign side (destinations must be home)")
    for name, chosen in spec.sensors.items():
        kind = SENSOR_TYPES.get(chosen.type)
        p += [f"scenario.sensors.{name}.{m}" for m in kind.check_cells(chosen.params, cut.cell_km)]
        g = chosen.params
        if g.placement != "explicit" or not g.sectors:
            continue
        outside = [v for v in g.nodes if 0 <= v < n and terrain.sector_names[terrain.sector[v]] not in g.sectors]
        if outside:  # coords are snapped into the sectors; a node named outside them is a mistake
            p.append(
                f"scenario.sensors.{name}.nodes: outside sectors {', '.join(g.sectors)}: "
                f"{', '.join(map(str, outside))}; allowed: nodes in those sectors, or no `sectors`"
            )
    if p:
        raise ScenarioError(origin, p)
