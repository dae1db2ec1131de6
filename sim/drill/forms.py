"""Inject forms built from each inject's declared parameters (its `Params` dataclass), so a new
inject plug-in gets its form without code here. Every value a trainer types is parsed and
checked like a scenario file's; a bad one is refused in the form, never fired with a default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from sim.injects import INJECTS
from sim.params import allowed_text, fields_of

if TYPE_CHECKING:
    from sim.drill.session import DrillSession

NOT_ASKED = {"start_hours"}  # a live inject starts now


@dataclass(frozen=True)
class FormField:
    name: str  # the parameter's key
    label: str
    kind: str  # choice | choices (several) | group (a group on the map) | text (a typed value)
    default: str | list[str]  # what the form shows first
    options: tuple[str, ...] = ()  # for choice / choices
    help: str = ""  # what it is, and the allowed values of a typed one


def inject_form(type_: str, session: DrillSession) -> list[FormField]:
    """The fields of inject `type_`'s form, with choices from the running drill."""
    out = []
    for f in fields_of(INJECTS.get(type_).Params):
        if f.name in NOT_ASKED:
            continue
        m = f.meta
        label = f.name.replace("_", " ") + (f" ({m.unit})" if m.unit else "")
        options = tuple(session.names(m.ref)) if m.ref and m.ref not in ("node", "attempt") else tuple(m.choices or ())
        allowed = allowed_text(m).replace("`", "")
        help_ = f"{m.doc} Allowed: {allowed}." if allowed and not options else m.doc
        if m.ref == "attempt":
            out.append(FormField(f.name, label, "group", "", help=m.doc))
        elif options and f.type.startswith("list"):
            out.append(FormField(f.name, label, "choices", [str(v) for v in f.default], options, m.doc))
        elif options:
            first = str(f.default) if f.default in options else (options[0] if m.required else "")
            empty = not m.required and not m.choices  # an optional name may be left empty (its default)
            out.append(FormField(f.name, label, "choice", first, ("",) + options if empty else options, m.doc))
        else:
            out.append(FormField(f.name, label, "text", _shown(f.default), help=help_))
    return out


def form_values(type_: str, values: dict[str, Any]) -> dict[str, Any]:
    """What the form holds -> inject parameters as a scenario file would write them (typed
    text is read as YAML scalars: '3' is a number, 'abc' stays text and is refused by the check)."""
    fields = {f.name: f for f in fields_of(INJECTS.get(type_).Params)}
    out: dict[str, Any] = {}
    for name, value in values.items():
        f = fields.get(name)
        if f is None:
            out[name] = value
        elif f.meta.ref == "attempt":
            out[name] = _scalar(value) if value not in ("", None) else -1
        elif isinstance(value, str) and (not f.meta.ref or f.meta.ref == "node") and not f.meta.choices:
            out[name] = _scalar(value)
        elif isinstance(value, str) and value == "" and not f.meta.required:
            continue  # an optional choice left empty: the default
        else:
            out[name] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def _scalar(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, str, bool)) else text


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
