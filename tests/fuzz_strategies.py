"""Hypothesis strategies for scenarios, built from the declared parameters (sim/params.py): every
plug-in of every family is drawn with values from its own declared ranges and references, so a
new plug-in is fuzzed without new test code. Sizes that drive run time (attempts, units,
sensors, the map, the horizon) are capped by SIZE_CAPS, so that a thousand scenarios fit in CI."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hypothesis import strategies as st

from sim.params import FieldInfo, fields_of
from sim.plugins import PLUGINS
from sim.scenario import AgencySpec, CargoSpec, OrgSpec, TerrainSpec, UnitGroupSpec

# caps on keys whose values drive run time (a key name here caps it wherever it appears)
SIZE_CAPS: dict[str, tuple[float, float]] = {
    "horizon_days": (0.05, 0.4),
    "length_km": (6, 14),
    "depth_home_km": (4, 9),
    "depth_foreign_km": (2, 5),
    "cell_km": (0.6, 2.0),
    "smoothness_km": (0, 6),
    "staging_areas": (1, 4),
    "sectors": (1, 3),
    "rivers": (0, 2),
    "roads_home": (0, 3),
    "roads_foreign": (0, 3),
    "ports": (0, 2),
    "town_radius_km": (0, 2),
    "attempts_per_day": (0, 60),
    "count": (0, 5),
    "cars_per_day": (0, 400),
    "trucks_per_day": (0, 80),
    "false_alarms_per_day": (0, 30),
    "false_per_day": (0, 20),
    "steps_per_leg": (1, 60),
    "beat_points": (2, 24),
    "primary_lanes": (1, 4),
    "secondary_lanes": (1, 3),
    "operators": (1, 4),
    "shifts_per_day": (1, 4),
    "size_min": (1, 6),
    "size_max": (6, 30),
    "range_km": (0, 6),
    "search_min": (0, 240),
    "hide_min": (0, 600),
    "processing_min": (0, 300),
    "hold_min": (0, 300),
    "duration_hours": (0.1, 4),
    "start_hours": (0, 1.1),  # below the shortest horizon (0.05 days): an inject after the end is refused
    "spacing_km": (0.1, 8),
    "mtbf_days": (0.01, 5),
    "repair_hours": (0, 24),
    "factor": (0, 5),
    "per_minute": (0.001, 0.05),
    "columns": (3, 14),
    "rows_home": (2, 9),
    "rows_foreign": (1, 3),
    "endpoints": (1, 4),
    "lookahead_min": (1, 120),
    "wait_after_min": (0.1, 30),
}
SIZE_KEYS = {"grid": ("columns", "rows_home")}  # a plug-in's size keys, always drawn (their defaults are large)
NAMES_OK = st.sampled_from(["a", "b", "c"])


def _bounds(f: FieldInfo) -> tuple[float, float]:
    m = f.meta
    low = m.ge if m.ge is not None else (m.gt + 1e-6 if m.gt is not None else -1e3)
    high = m.le if m.le is not None else (m.lt - 1e-6 if m.lt is not None else 1e3)
    if f.name in SIZE_CAPS:
        cap_lo, cap_hi = SIZE_CAPS[f.name]
        low, high = max(low, cap_lo), min(high, cap_hi)
    return low, max(low, high)


def value_for(f: FieldInfo, names: dict[str, list]) -> st.SearchStrategy:
    """A valid value of one declared parameter (a name it refers to, a number in range, ...)."""
    m = f.meta
    if m.role == "name":
        return st.sampled_from(sorted(PLUGINS.family(m.family)))
    if m.ref:
        pool = names.get(m.ref, [])
        if f.type.startswith("list"):
            n = m.items or 0
            low = n or (m.min_items or 0)
            if not pool:
                return st.just([])
            return st.lists(st.sampled_from(pool), min_size=low, max_size=n or 3, unique=len(pool) >= low)
        if not pool:
            return st.just(f.default)
        return st.sampled_from(pool) if m.required else st.one_of(st.just(f.default), st.sampled_from(pool))
    if m.choices:
        return st.sampled_from(list(m.choices))
    low, high = _bounds(f)
    if f.type == "bool":
        return st.booleans()
    if f.type == "int":
        return st.integers(math.ceil(low), math.floor(high))
    if f.type == "float":
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if f.type == "list[float]" and m.items:
        return st.lists(st.floats(0.1, 5.0), min_size=m.items, max_size=m.items)
    return st.just(f.default)


@st.composite
def plugin(draw, family: str, names: dict[str, list], fixed: dict | None = None, among: list | None = None) -> dict:
    """{type: NAME, ...} with values for some of NAME's declared keys (the rest stay default);
    NAME drawn from the whole family, or from `among`."""
    name = draw(st.sampled_from(among or sorted(PLUGINS.family(family))))
    out: dict[str, Any] = {"type": name}
    for f in fields_of(PLUGINS.family(family)[name].Params):
        if f.meta.required or f.meta.min_items or f.name in SIZE_KEYS.get(name, ()) or draw(st.booleans()):
            out[f.name] = draw(value_for(f, names))
    out.update(fixed or {})
    return _repair(family, out, names)


def _repair(family: str, raw: dict, names: dict[str, list]) -> dict:
    """Rules that span several keys of a plug-in, so that a drawn entry is valid."""
    kind = raw["type"]
    if family == "terrain source" and kind == "grid":
        raw["endpoints"] = min(raw.get("endpoints", 1), raw["columns"])
    if family == "sensor type" and raw.get("placement") == "explicit" and not raw.get("nodes"):
        raw["nodes"] = [names["node"][0]]
    along = raw.get("placement", "along_border") == "along_border"
    if family == "sensor type" and along and raw.get("count", 0) > 0 and raw.get("spacing_km", 0) > 0:
        del raw["count"]  # one or the other (a count beside a spacing is refused)
    if family == "inject":
        if kind == "sensor_outage" and not raw.get("sensors") and not raw.get("sector"):
            raw["sector"] = names["sector"][0]
        if kind == "tip" and raw.get("attempt", -1) < 0 and raw.get("node", -1) < 0:
            raw["node"] = names["node"][0]
        if kind == "comms_outage" and len(set(raw.get("agencies", []))) != 2:
            raw["agencies"] = names["agency"][:2]
        if kind in ("sensor_outage", "comms_outage", "surge", "weather") and raw.get("duration_hours", 1) <= 0:
            raw["duration_hours"] = 1.0
    return raw


def _section(draw, cls: type, names: dict[str, list], fixed: dict) -> dict:
    """Some declared keys of a plain section drawn, plus the fixed ones."""
    out = {}
    for f in fields_of(cls):
        if f.meta.role or dataclasses.is_dataclass(f.default) or f.name in fixed:
            continue
        if f.type.startswith(("list", "dict")) and not f.meta.ref:
            continue  # profiles, cargo, coordinates: defaults (drawn separately where it matters)
        if draw(st.booleans()):
            out[f.name] = draw(value_for(f, names))
    out.update(fixed)
    return out


@st.composite
def scenarios(draw) -> dict:
    """A small, valid scenario in its raw (YAML) form, every part of it drawn."""
    agencies = ["a0", "a1"] if draw(st.booleans()) else ["a0"]
    names: dict[str, list] = {
        "agency": agencies,
        "sector": ["S1"],
        "mode": ["foot", "vehicle"],
        "node": [0, 1, 2, 3, 4, 5],
        "organisation": ["o0"],
        "attempt": [-1],
    }
    # the file-reading sources need files: the generator or a grid
    source = draw(plugin("terrain source", names, among=["generate", "grid"]))
    terrain = _section(draw, TerrainSpec, names, {"source": source})
    terrain = {k: v for k, v in terrain.items() if k not in ("path",)}
    unit_groups = [f"u{i}" for i in range(draw(st.integers(0, 2)))]
    sensor_groups = [f"s{i}" for i in range(draw(st.integers(0, 2)))]
    names.update(unit_group=unit_groups, sensor=sensor_groups)
    units = {}
    for g in unit_groups:
        units[g] = _section(draw, UnitGroupSpec, names, {"agency": draw(st.sampled_from(agencies))})
        if units[g].get("placement") == "explicit":
            units[g]["nodes"] = names["node"][: max(1, units[g].get("count", 0))]
        if draw(st.booleans()):
            units[g]["policy"] = draw(plugin("patrol policy", names))
    sensors = {
        g: draw(plugin("sensor type", names, {"agency": draw(st.sampled_from(agencies))})) for g in sensor_groups
    }
    org = _section(draw, OrgSpec, names, {"port_share": 0.0})
    org = {k: v for k, v in org.items() if k not in ("staging", "destinations")}  # the terrain's own
    org["routing"] = draw(plugin("routing policy", names))
    org["reaction"] = draw(plugin("reaction", names))
    org["launch"] = draw(plugin("launch process", names))
    cargo_mode = draw(st.sampled_from(["foot", "vehicle"]))
    org["cargo"] = {
        "people": _section(draw, CargoSpec, names, {"share": 1.0, "mode": cargo_mode}),
        "drugs": {"share": 0.0},
    }
    if org["cargo"]["people"].get("size_max", 99) < org["cargo"]["people"].get("size_min", 1):
        org["cargo"]["people"]["size_max"] = org["cargo"]["people"]["size_min"]
    policy = draw(st.sampled_from(sorted(PLUGINS.family("coordination policy"))))
    coordination: dict[str, Any] = {"policy": policy, "dispatch": draw(plugin("dispatch rule", names))}
    if policy == "task_force":
        if not unit_groups:
            coordination["policy"] = "isolated"
        else:
            coordination["task_force"] = {"units": unit_groups[:1]}
    injects = {f"i{k}": draw(plugin("inject", names)) for k in range(draw(st.integers(0, 2)))}
    if sensors == {}:
        injects = {k: v for k, v in injects.items() if v["type"] != "sensor_outage" or v.get("sector")}
    raw = {
        "name": "fuzz",
        "horizon_days": draw(st.floats(*SIZE_CAPS["horizon_days"])),
        "terrain": terrain,
        "agencies": {a: _section(draw, AgencySpec, names, {"jurisdiction": ["home"]}) for a in agencies},
        "units": units,
        "sensors": sensors,
        "organisations": {"o0": org},
        "coordination": coordination,
        "injects": injects,
    }
    return raw
