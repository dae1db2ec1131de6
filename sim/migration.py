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

import copy
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


def migrate(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The new form of a scenario mapping, and the dotted keys of the entries that changed."""
    new = copy.deepcopy(dict(raw))
    changed: list[str] = []
    for name, g in (new.get("units") or {}).items():
        if isinstance(g, dict) and _unit(g):
            changed.append(f"units.{name}")
    for name, g in (new.get("sensors") or {}).items():
        if isinstance(g, dict) and _sensor(g):
            changed.append(f"sensors.{name}")
    for name, o in (new.get("organisations") or {}).items():
        if isinstance(o, dict) and _org(o):
            changed.append(f"organisations.{name}")
    for name, i in (new.get("injects") or {}).items():
        if isinstance(i, dict) and _inject(i):
            changed.append(f"injects.{name}")
    if isinstance(new.get("coordination"), dict) and _coordination(new["coordination"]):
        changed.append("coordination")
    return new, changed


def _unit(g: dict) -> bool:
    route, points = g.pop("route", None), g.pop("beat_points", None)
    if route is None and points is None:
        return False
    policy = g.get("policy", "random_beat")
    if isinstance(policy, str):
        params = (
            {"route": route}
            if policy == "fixed_route" and route is not None
            else {"beat_points": points}
            if policy == "random_beat" and points is not None
            else {}
        )
        g["policy"] = {"type": policy, **params} if params else policy
    return True


def _sensor(g: dict) -> bool:
    changed = "type" not in g
    kind = g.setdefault("type", "tower")  # the old default type
    for other, keys in SENSOR_KEYS.items():
        if other != kind:
            for k in keys & set(g):
                del g[k]
                changed = True
    return changed


def _org(o: dict) -> bool:
    changed = False
    aversion = o.pop("risk_aversion", None)
    if aversion is not None:
        changed = True
        if o.get("routing") == "least_risk":
            o["routing"] = {"type": "least_risk", "risk_aversion": aversion}
    speedup, hide = o.pop("run_speedup", None), o.pop("hide_min", None)
    if speedup is not None or hide is not None:
        changed = True
        reaction = o.get("reaction", "run")
        if reaction == "run" and speedup is not None:
            o["reaction"] = {"type": "run", "speedup": speedup}
        elif reaction == "hide" and hide is not None:
            o["reaction"] = {"type": "hide", "hide_min": hide}
    return changed


def _inject(i: dict) -> bool:
    keep = INJECT_KEYS.get(i.get("type", ""), set())
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
