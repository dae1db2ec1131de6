"""Write docs/scenario-reference.md from the declared parameters (sim/scenario.py and every
plug-in's Params) and the prose of docs/reference/scenario-reference.template.md.

    .venv/bin/python docs/make_reference.py            # rewrite the page
    .venv/bin/python docs/make_reference.py --check    # exit 1 if the page is stale

Markers in the template: `{{table CLASS [PREFIX]}}` (a class's parameters), `{{plugins FAMILY}}`
(a section per registered plug-in: its docstring and the keys its Params adds), `{{kinds}}`,
`{{modes}}`, `{{cargo}}` (the default entries of those named sections). A test
(tests/test_reference.py) fails when the committed page differs from what this writes.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
from pathlib import Path
from typing import Any

from sim import scenario as schema
from sim.injects import InjectParams
from sim.params import Chosen, allowed_text, fields_of
from sim.plugins import PLUGINS
from sim.scenario import RunKeys
from sim.sensors import SensorGroupParams

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "docs" / "reference" / "scenario-reference.template.md"
PAGE = ROOT / "docs" / "scenario-reference.md"
CLASSES = {
    c.__name__: c
    for c in (
        *[getattr(schema, n) for n in dir(schema) if n.endswith("Spec")],
        RunKeys,
        SensorGroupParams,
        InjectParams,
    )
}
HEADER = "| key | type | default | unit | allowed | meaning | source of default |\n|---|---|---|---|---|---|---|"


def _default(value: Any) -> str:
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        if not value:
            return "`[]`" if isinstance(value, list) else "`{}`"
        if isinstance(value, list) and len(value) > 6:
            return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
        if isinstance(value, dict) and any(dataclasses.is_dataclass(v) for v in value.values()):
            return ", ".join(f"`{k}`" for k in value) + " (below)"
        return f"`{value}`".replace("'", "")
    if isinstance(value, Chosen):
        return f"`{value.type}`"
    if dataclasses.is_dataclass(value):
        return "see below"
    return str(value)


def _cell(text: str) -> str:
    return (text or "–").replace("|", "\\|").replace("\n", " ")


def table(cls: type, prefix: str = "", own_only: bool = False) -> str:
    """One row per declared parameter of `cls` (only those it adds to its bases, if own_only)."""
    inherited = (
        {f.name for base in cls.__mro__[1:] if dataclasses.is_dataclass(base) for f in dataclasses.fields(base)}
        if own_only
        else set()
    )
    rows = [HEADER]
    for f in fields_of(cls):
        if f.name in inherited:
            continue
        m = f.meta
        rows.append(
            "| "
            + " | ".join(
                [
                    f"`{prefix}{f.name}`",
                    _cell(f.type),
                    _cell(_default(f.default)),
                    _cell(m.unit),
                    _cell(allowed_text(m, PLUGINS) + (" (required)" if m.required else "")),
                    _cell(m.doc),
                    _cell(m.source or "n/a"),
                ]
            )
            + " |"
        )
    return "\n".join(rows) if len(rows) > 1 else "No keys of its own."


def plugins(family: str) -> str:
    """A subsection per registered plug-in: name, what it does (its module's docstring), its keys."""
    parts = []
    registry = PLUGINS.family(family)
    for name in registry.names():
        cls = registry[name]
        doc = inspect.getdoc(sys.modules[cls.__module__]) or ""
        parts.append(f"#### `{name}`\n\n{doc}\n\n{table(cls.Params, own_only=True)}")
    return "\n\n".join(parts)


def named_defaults(cls: type, defaults: dict[str, Any], sources: dict[str, str]) -> str:
    """The default entries of a named section (kinds, modes, cargo): a column per entry."""
    names = list(defaults)
    rows = [
        "| key | " + " | ".join(f"`{n}`" for n in names) + " | unit | source of default |",
        "|---|" + "---|" * len(names) + "---|---|",
    ]
    for f in fields_of(cls):
        values = [_cell(_default(getattr(defaults[n], f.name))) for n in names]
        rows.append(
            f"| `{f.name}` | " + " | ".join(values) + f" | {_cell(f.meta.unit)} | "
            f"{_cell(sources.get(f.name, f.meta.source or 'n/a'))} |"
        )
    return "\n".join(rows)


def render() -> str:
    text = TEMPLATE.read_text()

    def replace(m: re.Match) -> str:
        what, *args = m.group(1).split()
        if what == "table":
            return table(CLASSES[args[0]], args[1] if len(args) > 1 else "")
        if what == "plugins":
            return plugins(" ".join(args))
        if what == "kinds":
            return named_defaults(schema.KindSpec, schema.default_kinds(), schema.KIND_SOURCES)
        if what == "modes":
            return named_defaults(schema.ModeSpec, schema.default_modes(), schema.MODE_SOURCES)
        if what == "cargo":
            return named_defaults(schema.CargoSpec, schema.default_cargo(), schema.CARGO_SOURCES)
        raise ValueError(f"unknown marker {m.group(0)}")

    body = re.sub(r"\{\{([^}]+)\}\}", replace, text)
    return (
        "<!-- generated by docs/make_reference.py from the declared parameters and "
        "docs/reference/scenario-reference.template.md: edit those, not this page -->\n" + body
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="docs/make_reference.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/scenario-reference.md is stale")
    args = ap.parse_args(argv)
    page = render()
    if args.check:
        stale = PAGE.read_text() != page
        print("docs/scenario-reference.md is " + ("stale: run docs/make_reference.py" if stale else "up to date"))
        return 1 if stale else 0
    PAGE.write_text(page)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
