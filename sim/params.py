"""Declared parameters: every key a scenario can hold, once, with its type, unit, allowed values,
default, meaning and the source of its default.

A parameter is a field of a frozen dataclass declared with `param(...)`. The same declaration
drives everything that reads it:
- `parse(cls, raw, key)` turns raw scenario data (YAML / command-line values) into the typed,
  frozen object, collecting one problem per unknown key (with the allowed ones) or wrong type;
- `check_tree(obj, key)` checks every declared range (NaN and inf refused unless declared),
  allowed value and list length, and runs each object's own `check()`;
- `check_refs(obj, key, names)` checks names that point elsewhere in the scenario (an agency, an
  organisation, a unit group, a sector, a node id);
- `dump(obj)` gives the raw form back (config.yaml, config hashes, the migration tool);
- `fields_of(cls)` lists what the scenario reference (docs/make_reference.py), the drill's
  forms and the fuzzing strategies need.

Plug-ins (sensor types, patrol / routing / reaction policies, coordination policies, injects)
are chosen by name. A plug-in *slot* holds `NAME` or `{type: NAME, <NAME's keys>}`; a *tagged*
section (`sensors`, `injects`) holds entries of the second form; a *blocks* field collects the
parameter blocks of every plug-in of a family (`coordination: {policy: NAME, NAME: {...}}`).
The plug-in's own frozen parameter dataclass refuses keys it does not read and runs its `check()`.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Param:
    """What the declaration of one parameter says besides its type and default."""

    unit: str = ""
    doc: str = ""
    source: str = ""  # where the default comes from; "" = not a quantity (a name, a switch, a list)
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[str, ...] | None = None  # fixed allowed values of a str (or list[str]) parameter
    family: str = ""  # a plug-in slot / tagged section / blocks of this family, or a name of one
    role: str = ""  # "" | "slot" | "tagged" | "blocks" | "name" (a str naming a plug-in of `family`)
    ref: str = ""  # the value names something in the scenario: agency | organisation | unit_group |
    # sensor | mode | sector | corridor (or busiest) | corridor_name | node | attempt (checked by
    # check_refs, and offered by the drill's forms)
    min_items: int | None = None
    items: int | None = None  # exact number of items of a list
    allow_inf: bool = False
    required: bool = False  # a name (ref) that must be given: "" is refused
    hint: str = ""  # an allowed-values text for the reference when the rule is not a simple range


def param(default: Any = MISSING, *, factory: Callable[[], Any] | None = None, **meta: Any) -> Any:
    """A declared parameter: a dataclass field carrying its `Param` metadata."""
    md = {"param": Param(**meta)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=md)
    return dataclasses.field(default=default, metadata=md)


@dataclass(frozen=True)
class NoParams:
    """The parameters of a plug-in that has no keys of its own."""


@dataclass(frozen=True)
class Chosen:
    """A plug-in chosen by name, with its typed parameters."""

    type: str
    params: Any


class PluginClass(Protocol):
    name: str
    Params: type


class Families(Protocol):
    """The plug-in registries by family name (sim/plugins.py)."""

    def family(self, name: str) -> Mapping[str, PluginClass]: ...


class Problems(list):
    """Problems found so far, each 'key: message'."""

    def add(self, key: str, message: str) -> None:
        self.append(f"{key}: {message}")


# --- parsing -------------------------------------------------------------------------------
def parse(cls: type, raw: Any, key: str, families: Families, problems: Problems, base: Any = None) -> Any:
    """`raw` (a mapping) -> a `cls` instance; every problem is added to `problems` (the
    returned object then holds defaults where values were bad). `base`: an instance whose
    values stand where `raw` says nothing (a default entry a file only adjusts)."""
    if raw is None:  # `key=null`, or `key:` with nothing under it: not "the defaults" (an entry set to
        # null read as a default entry: a different cartel, map or agency than the file's, silently)
        problems.add(key, f"null; allowed: a mapping of its keys ({', '.join(_names(cls))}), or leave it out")
        raw = {}
    if not isinstance(raw, Mapping):
        problems.add(key, f"expected a mapping of keys ({', '.join(_names(cls))}), got {_show(raw)}")
        raw = {}
    hints = typing.get_type_hints(cls)
    blocks = next((f for f in dataclasses.fields(cls) if _meta(f).role == "blocks"), None)
    block_names = set(families.family(_meta(blocks).family)) if blocks else set()
    values: dict[str, Any] = {}
    extra = [k for k in raw if k not in hints or (blocks is not None and k == blocks.name)]
    for f in dataclasses.fields(cls):
        if not f.init or f.name not in raw or (blocks is not None and f.name == blocks.name):
            continue
        sub = f"{key}.{f.name}" if key else f.name
        default = getattr(base, f.name) if base is not None else _default(f)
        values[f.name] = _parse_value(hints[f.name], _meta(f), raw[f.name], sub, families, problems, default)
    if blocks is not None:
        found = {}
        for k in list(extra):
            if k in block_names:
                extra.remove(k)
                plugin = families.family(_meta(blocks).family)[k]
                found[k] = parse(plugin.Params, raw[k], f"{key}.{k}" if key else k, families, problems)
        values[blocks.name] = {**(getattr(base, blocks.name) if base is not None else {}), **found}
    for k in extra:
        allowed = _names(cls) + (sorted(block_names) if blocks else [])
        text = f"allowed keys there: {', '.join(allowed)}" if allowed else "this entry takes no keys"
        problems.add(f"{key}.{k}" if key else str(k), f"unknown key; {text}")
    return dataclasses.replace(base, **values) if base is not None else cls(**values)


def _parse_value(
    hint: Any, meta: Param, raw: Any, key: str, families: Families, problems: Problems, default: Any
) -> Any:
    if meta.role == "slot":
        return parse_choice(
            meta.family,
            raw,
            key,
            families,
            problems,
            default_type=default.type if isinstance(default, Chosen) else None,
        )
    if meta.role == "tagged":
        if not isinstance(raw, Mapping):
            problems.add(key, f"expected a mapping of named entries, got {_show(raw)}")
            return default
        return {
            str(k): parse_choice(meta.family, v, f"{key}.{k}", families, problems, named_only=False)
            for k, v in raw.items()
        }
    return _coerce(hint, raw, key, families, problems, default)


def parse_choice(
    family: str,
    raw: Any,
    key: str,
    families: Families,
    problems: Problems,
    named_only: bool = True,
    default_type: str | None = None,
) -> Chosen | None:
    """A plug-in slot: NAME, or {type: NAME, <keys of NAME's parameters>}; a mapping without
    `type` adjusts the slot's default plug-in (`default_type`)."""
    plugins = families.family(family)
    if isinstance(raw, str) and named_only:
        name, rest = raw, {}
    elif isinstance(raw, Mapping):
        name, rest = raw.get("type", default_type), {k: v for k, v in raw.items() if k != "type"}
    else:
        problems.add(
            key,
            f"expected a {family} name or a mapping with `type`, got {_show(raw)}; "
            f"allowed {family} names: {', '.join(sorted(plugins))}",
        )
        return None
    if name not in plugins:
        what = "missing `type`" if name is None else f"unknown {family} {name!r}"
        problems.add(
            f"{key}.type" if not isinstance(raw, str) else key, f"{what}; allowed: {', '.join(sorted(plugins))}"
        )
        return None
    return Chosen(str(name), parse(plugins[name].Params, rest, key, families, problems))


def _coerce(hint: Any, raw: Any, key: str, families: Families, problems: Problems, default: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return parse(hint, raw, key, families, problems, base=default if dataclasses.is_dataclass(default) else None)
    if origin is list:
        if not isinstance(raw, (list, tuple)):
            problems.add(key, f"expected a list, got {_show(raw)}")
            return default
        return [_coerce(args[0], v, f"{key}[{i}]", families, problems, None) for i, v in enumerate(raw)]
    if origin is dict:
        if not isinstance(raw, Mapping):
            problems.add(key, f"expected a mapping, got {_show(raw)}")
            return default
        out = dict(default) if isinstance(default, dict) and dataclasses.is_dataclass(args[1]) else {}
        for k, v in raw.items():
            out[str(k)] = _coerce(args[1], v, f"{key}.{k}", families, problems, (default or {}).get(str(k)))
        return out
    if hint is bool:
        if isinstance(raw, bool):
            return raw
        problems.add(key, f"expected true or false, got {_show(raw)}")
        return default
    if hint is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        problems.add(key, f"expected an integer, got {_show(raw)}")
        return default
    if hint is float:
        value: float | None = None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, str):
            try:
                value = float(raw)
            except ValueError:
                value = None
        if value is None:
            problems.add(key, f"expected a number, got {_show(raw)}")
            return default
        return value
    if hint is str:
        if isinstance(raw, str):
            return raw
        problems.add(key, f"expected a text value, got {_show(raw)}")
        return default
    if hint is Any or hint is object:
        return raw
    raise TypeError(f"{key}: unsupported parameter type {hint!r}")


# --- checks --------------------------------------------------------------------------------
def check_tree(obj: Any, key: str) -> list[str]:
    """Declared ranges and each object's own `check()`, over obj and everything inside it."""
    out = check_ranges(obj, key)
    check = getattr(obj, "check", None)
    if check is not None:
        out += [f"{key}.{p}" if key else p for p in check()]
    for f in dataclasses.fields(obj):
        for child_key, child in _children(getattr(obj, f.name), f"{key}.{f.name}" if key else f.name):
            if _meta(f).role == "blocks":
                child_key = key + child_key[len(f"{key}.{f.name}") :]  # a block is written as a sibling
            out += check_tree(child, child_key)
    return out


def check_ranges(obj: Any, key: str) -> list[str]:
    """Declared ranges, finiteness, allowed values and list lengths of obj's own fields."""
    out: list[str] = []
    for f in dataclasses.fields(obj):
        m = _meta(f)
        value = getattr(obj, f.name)
        sub = f"{key}.{f.name}" if key else f.name
        for i, v in _scalars(value):
            where = sub + i
            rng = range_text(m)
            if isinstance(v, float) and not math.isfinite(v) and not (m.allow_inf and math.isinf(v) and v > 0):
                out.append(f"{where}: got {v}; allowed: a finite number" + (f" {rng}" if rng else ""))
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not _in_range(v, m):
                out.append(f"{where}: got {v:g}; allowed: {rng}")
            if isinstance(v, str) and m.choices is not None and v not in m.choices:
                out.append(f"{where}: unknown value {v!r}; allowed: {', '.join(m.choices)}")
        if isinstance(value, list):
            if m.items is not None and len(value) != m.items:
                out.append(f"{sub}: got {len(value)} values; allowed: exactly {m.items}")
            if m.min_items is not None and len(value) < m.min_items:
                out.append(f"{sub}: got {len(value)} values; allowed: at least {m.min_items}")
    return out


def _in_range(v: float, m: Param) -> bool:
    return (
        (m.ge is None or v >= m.ge)
        and (m.gt is None or v > m.gt)
        and (m.le is None or v <= m.le)
        and (m.lt is None or v < m.lt)
    )


def range_text(m: Param, unicode: bool = False) -> str:
    """The declared bounds in words, e.g. '>= 0 and <= 1'."""
    ge, le = ("≥ ", "≤ ") if unicode else (">= ", "<= ")
    parts = [
        f"{op}{bound:g}" for op, bound in ((ge, m.ge), ("> ", m.gt), (le, m.le), ("< ", m.lt)) if bound is not None
    ]
    return " and ".join(parts)


def _scalars(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _scalars(v, f"{path}[{i}]")
    elif isinstance(value, dict) and not any(
        dataclasses.is_dataclass(v) or isinstance(v, Chosen) for v in value.values()
    ):
        for k, v in value.items():  # a plain mapping (e.g. agency -> agencies): keys and values
            yield f"{path}.{k}", k
            yield from _scalars(v, f"{path}.{k}")
    elif not isinstance(value, (dict, Chosen)) and not dataclasses.is_dataclass(value):
        yield path, value


def check_refs(
    obj: Any, key: str, names: Mapping[str, Iterable[Any]], families: Families, skip: frozenset[str] = frozenset()
) -> list[str]:
    """Every name that points elsewhere (field metadata `ref`, or `role: name`) must exist:
    `names[ref]` lists what exists (refs not in `names`, or in `skip`, are not checked here).
    Walks nested dataclasses, dicts of them and chosen plug-ins."""
    out: list[str] = []
    for f in dataclasses.fields(obj):
        m = _meta(f)
        value = getattr(obj, f.name)
        sub = f"{key}.{f.name}" if key else f.name
        allowed: list[str] | None = None
        if m.role == "name":
            allowed = sorted(families.family(m.family))
        elif m.ref and m.ref in names and m.ref not in skip:
            allowed = names[m.ref]
        if allowed is not None:
            for i, v in _scalars(value):
                if v == "" and m.required:
                    out.append(f"{sub + i}: required; allowed: {_listed(allowed)}")
                    continue
                if (v == "" and m.ref) or (v == -1 and m.ref in ("node", "attempt")):
                    continue  # an optional reference left out
                if v not in allowed:
                    out.append(
                        f"{sub + i}: unknown {(m.ref or m.family).replace('_', ' ')} {v!r}; allowed: {_listed(allowed)}"
                    )
        for child_key, child in _children(value, sub):
            if m.role == "blocks":
                child_key = key + child_key[len(sub) :]  # a block is written as a sibling of its selector
            out += check_refs(child, child_key, names, families, skip)
    return out


def _listed(allowed: Iterable[Any]) -> str:
    """Allowed names for a message: all of them, or the range of a long run of node ids."""
    items = list(allowed)
    if len(items) > 40 and all(isinstance(v, int) for v in items):
        return f"{min(items)}..{max(items)}"
    return ", ".join(map(str, items)) or "(none defined)"


def _children(value: Any, key: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Chosen):
        yield key, value.params
    elif dataclasses.is_dataclass(value):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _children(v, f"{key}.{k}")


# --- raw form ------------------------------------------------------------------------------
def dump(obj: Any) -> Any:
    """The raw (YAML-ready) form of a parsed object: plug-ins as {type: NAME, ...}, blocks as
    siblings of their selector."""
    if isinstance(obj, Chosen):
        return {"type": obj.type, **dump(obj.params)}
    if dataclasses.is_dataclass(obj):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if _meta(f).role == "blocks":
                out.update({k: dump(v) for k, v in value.items()})
            else:
                out[f.name] = dump(value)
        return out
    if isinstance(obj, dict):
        return {k: dump(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [dump(v) for v in obj]
    return obj


# --- introspection -------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    default: Any
    meta: Param


def fields_of(cls: type) -> list[FieldInfo]:
    """The declared parameters of `cls`, in declaration order."""
    hints = typing.get_type_hints(cls)
    return [
        FieldInfo(f.name, type_name(hints[f.name], _meta(f)), _default(f), _meta(f))
        for f in dataclasses.fields(cls)
        if f.init
    ]


def type_name(hint: Any, meta: Param | None = None) -> str:
    if meta is not None and meta.role in ("slot", "tagged"):
        return f"{meta.family}" if meta.role == "slot" else f"dict[str, {meta.family}]"
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(type_name(a) for a in args)}]"
    return getattr(hint, "__name__", str(hint))


def allowed_text(meta: Param, families: Families | None = None) -> str:
    """The allowed values of a parameter in words (for the reference and error messages)."""
    if meta.hint:
        return meta.hint
    if meta.choices:
        return ", ".join(f"`{c}`" for c in meta.choices)
    if meta.role in ("slot", "tagged", "name") and families is not None:
        return ", ".join(f"`{n}`" for n in sorted(families.family(meta.family)))
    parts = [range_text(meta, unicode=True)] if range_text(meta) else []
    if meta.ref:
        parts.append(
            f"a{'n' if meta.ref[0] in 'aeiou' else ''} {meta.ref.replace('_', ' ')} name"
            if meta.ref not in ("node", "attempt")
            else f"a{'n' if meta.ref[0] == 'a' else ''} {meta.ref} id"
        )
    if meta.items is not None:
        parts.append(f"exactly {meta.items} items")
    if meta.min_items is not None:
        parts.append(f"at least {meta.min_items} items")
    return ", ".join(parts)


def _meta(f: dataclasses.Field) -> Param:
    return f.metadata.get("param", Param())


def _default(f: dataclasses.Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def _names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init and _meta(f).role != "blocks"]


def _show(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."
