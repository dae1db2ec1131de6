"""Scenario files of the old form (before plug-ins declared their own parameters) -> the new form.

Old form: every sensor group carried every sensor type's keys, every inject every inject's keys,
a unit group its patrol policy's keys (`route`, `beat_points`) beside `policy: NAME`, an
organisation its routing and reaction keys (`risk_aversion`, `run_speedup`, `hide_min`), and
coordination every policy's keys flat (`share_delay_min`, `joint_operators`, `task_force_units`).
New form: a plug-in is `NAME` or `{type: NAME, <its own keys>}`; coordination keeps each
policy's keys in a block named after it. Keys a plug-in never read are dropped (they had no
effect). Used by the scenario checker (to show the new form of an old entry) and by
`python -m sim.migrate FILE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SENSOR_KEYS = {  # keys read only by one sensor type (the rest are common to every sensor group)
    "tower": {"range_km", "detect_rate_per_hour"},
    "ground": {"detect_prob"},
}
INJECT_KEYS = {
    "sensor_outage": {"sensors", "sector"},
    "comms_outage": {"agencies"},
    "surge": {"organisation", "factor"},
    "weather": {"factor"},
    "decoy": {"organisation", "count"},
    "tip": {"agency", "node", "attempt"},
}
ALL_INJECT_KEYS = set().union(*INJECT_KEYS.values())
COORDINATION = {  # old flat key -> (policy block, new key)
    "share_delay_min": [("liaison", "share_delay_min")],
    "loss_prob": [("liaison", "loss_prob")],
    "partners": [("liaison", "partners")],
    "share_sources": [("liaison", "share_sources")],
    "joint_operators": [("joint_command", "operators"), ("task_force", "operators")],
    "joint_handling_min": [("joint_command", "handling_min"), ("task_force", "handling_min")],
    "joint_handling": [("joint_command", "handling"), ("task_force", "handling")],
    "task_force_units": [("task_force", "units")],
    "task_force_agencies": [("task_force", "agencies")],
}


def migrate(raw: Mapping[str, Any], inherited: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The new form of a scenario mapping, and the dotted keys of the entries that changed.
    `inherited`: what the file builds on (its `defaults:`, merged), whose entries give the type
    of an entry the file only overrides in part (which is then the new form, not the old)."""
    new = _unshared(dict(raw))  # (entries sharing a YAML alias are migrated, and listed, one by one)
    base = inherited or {}
    changed: list[str] = []
    for name, g in _entries(new, "units"):
        if _unit(g, (_inherited(base, "units", name) or {}).get("policy")):
            changed.append(f"units.{name}")
    for name, g in _entries(new, "sensors"):
        if _sensor(g, _inherited_type(base, "sensors", name)):
            changed.append(f"sensors.{name}")
    for name, o in _entries(new, "organisations"):
        if _org(o, _inherited(base, "organisations", name)):
            changed.append(f"organisations.{name}")
    for name, i in _entries(new, "injects"):
        if _inject(i, _inherited_type(base, "injects", name)):
            changed.append(f"injects.{name}")
    if isinstance(new.get("coordination"), dict) and _coordination(new["coordination"]):
        changed.append("coordination")
    return new, changed


def _unshared(value: Any) -> Any:
    """A deep copy in which no two places share a mapping or list (as YAML aliases make them)."""
    if isinstance(value, Mapping):
        return {k: _unshared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unshared(v) for v in value]
    return value


def _entries(raw: dict, section: str) -> list[tuple[str, dict]]:
    """The named entries of a section that are mappings (anything else is left to the checker)."""
    entries = raw.get(section)
    return [(n, e) for n, e in entries.items() if isinstance(e, dict)] if isinstance(entries, dict) else []


def _inherited(base: Mapping, section: str, name: str) -> Mapping | None:
    """Entry `name` of `section` in what a file builds on (None if it is not inherited)."""
    entries = base.get(section)
    entry = entries.get(name) if isinstance(entries, Mapping) else None
    return entry if isinstance(entry, Mapping) else None


def _kind(value: Any, default: str) -> str:
    """The plug-in a slot names: `NAME` or `{type: NAME, ...}` (absent: the old default)."""
    if isinstance(value, Mapping):
        value = value.get("type")
    return value if isinstance(value, str) else default


def _with_params(slot: Any, kind: str, params: dict) -> dict:
    """The new form of a plug-in slot given parameters: its own mapping, if it was one, with them."""
    return {**(slot if isinstance(slot, Mapping) else {}), "type": kind, **params}


def _inherited_type(base: Mapping, section: str, name: str) -> str | None:
    """The type of entry `name` of `section` in what a file builds on (None: not inherited)."""
    entry = _inherited(base, section, name)
    return None if entry is None else _kind(entry, "" if section == "injects" else "tower")  # the old defaults


def _unit(g: dict, inherited_policy: Any = None) -> bool:
    """`route` / `beat_points` beside `policy` -> under the policy that reads them: the file's,
    else the one the unit group inherits, else the old default (random_beat)."""
    route, points = g.pop("route", None), g.pop("beat_points", None)
    if route is None and points is None:
        return False
    slot = g.get("policy")
    kind = _kind(slot if slot is not None else inherited_policy, "random_beat")
    params = (
        {"route": route}
        if kind == "fixed_route" and route is not None
        else {"beat_points": points}
        if kind == "random_beat" and points is not None
        else {}
    )
    if params:  # (a key the policy does not read had no effect: dropped)
        g["policy"] = _with_params(slot, kind, params)
    return True


def _sensor(g: dict, inherited: str | None = None) -> bool:
    changed = "type" not in g and inherited is None  # a part-override of an inherited group keeps its type
    kind = g.get("type") or inherited or "tower"  # the old default type
    if changed:
        g["type"] = kind
    for other, keys in SENSOR_KEYS.items():
        if other != kind:
            for k in keys & set(g):
                del g[k]
                changed = True
    return changed


def _org(o: dict, inherited: Mapping | None = None) -> bool:
    """`risk_aversion`, `run_speedup`, `hide_min` -> under the routing or reaction that reads
    them: the file's, else the one the organisation inherits, else the old default."""
    inherited = inherited or {}
    changed = False
    aversion = o.pop("risk_aversion", None)
    if aversion is not None:
        changed = True
        slot = o.get("routing")
        if _kind(slot if slot is not None else inherited.get("routing"), "fastest") == "least_risk":
            o["routing"] = _with_params(slot, "least_risk", {"risk_aversion": aversion})
    speedup, hide = o.pop("run_speedup", None), o.pop("hide_min", None)
    if speedup is not None or hide is not None:
        changed = True
        slot = o.get("reaction")
        reaction = _kind(slot if slot is not None else inherited.get("reaction"), "run")
        if reaction == "run" and speedup is not None:
            o["reaction"] = _with_params(slot, "run", {"speedup": speedup})
        elif reaction == "hide" and hide is not None:
            o["reaction"] = _with_params(slot, "hide", {"hide_min": hide})
    return changed


def _inject(i: dict, inherited: str | None = None) -> bool:
    keep = INJECT_KEYS.get(i.get("type") or inherited or "", set())
    dropped = [k for k in list(i) if k in ALL_INJECT_KEYS - keep]
    for k in dropped:
        del i[k]
    return bool(dropped)


def _coordination(c: dict) -> bool:
    flat = [k for k in list(c) if k in COORDINATION]
    for k in flat:
        value = c.pop(k)
        for block, key in COORDINATION[k]:
            c.setdefault(block, {})[key] = value
    return bool(flat)
