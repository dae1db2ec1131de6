"""Write docs/scenario-reference.md from the declared parameters (sim/scenario.py and every
plug-in's Params) and the prose of docs/reference/scenario-reference.template.md.

    .venv/bin/python docs/make_reference.py            # rewrite the page
    .venv/bin/python docs/make_reference.py --check    # exit 1 if the page is stale

Markers in the template: `{{table CLASS [PREFIX]}}` (a class's parameters), `{{plugins FAMILY}}`
(a section per registered plug-in: its docstring and the keys its Params adds), `{{kinds}}`,
`{{modes}}`, `{{cargo}}` (the default entries of those named sections). A test
(tests/test_reference.py) fails when the committed page differs from what this writes. The
scenario sections' facts (the tri_agency map, the demo's barrier cost, the demo's calibration over
its first five seeds) are computed here too, from the built worlds and the runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import scenario as schema
from sim.config import SCENARIO_DIR, compose
from sim.injects import InjectParams
from sim.metrics import annualised_capital, first_hand
from sim.params import Chosen, allowed_text, fields_of
from sim.plugins import PLUGINS
from sim.runner import run_replication
from sim.scenario import RunKeys
from sim.sensors import SensorGroupParams
from sim.terrain.model import HOME
from sim.world import build_world

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
    """One row per declared parameter of `cls` (if own_only: those it adds to the bases that have
    a table of their own on the page, such as the keys every sensor type shares, and those it
    declares again with another default or meaning, such as a drone's costs; keys of any other
    base, such as a shared command centre's, are listed with the plug-in)."""
    documented = set(CLASSES.values())
    inherited = (
        {f.name: f for base in reversed(cls.__mro__[1:]) if base in documented for f in fields_of(base)}
        if own_only
        else {}
    )
    rows = [HEADER]
    for f in fields_of(cls):
        base = inherited.get(f.name)
        if base is not None and (base.default, base.meta) == (f.default, f.meta):
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


def _world(name: str):
    c = compose([f"scenario={name}"])
    return build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))


def tri_agency_world() -> str:
    """The tri_agency map and deployment, as built."""
    w = _world("tri_agency")
    t = w.terrain
    home = int((t.side == HOME).sum())
    xs = lambda nodes: ", ".join(f"{t.x[v]:g}" for v in nodes)  # noqa: E731
    towns_y = float(np.mean(t.y[t.towns]))
    types = {k: sum(1 for s in w.sensors if s.type == k) for k in sorted({s.type for s in w.sensors})}
    juris = {a: int(p.jurisdiction.sum()) for a, p in w.agencies.items()}
    return (
        f"With terrain seed {w.scenario.terrain.seed}, the map has {t.n_nodes} cells. The {len(t.ports)} ports are "
        f"at x ≈ {xs(t.ports)} km, and the {len(t.towns)} towns at x ≈ {xs(t.towns)} km, about {towns_y:.1f} km "
        f"from the border. The scenario places {len(w.units)} units and {len(w.sensors)} sensors ("
        + ", ".join(f"{n} {k}" for k, n in types.items())
        + f"). It has {len(w.barriers) or 'no'} barrier"
        f"{'s' if len(w.barriers) != 1 else ''}.\n\n* **Jurisdictions.** Customs' `ports:4` covers "
        f"{juris['customs']} home cells around the ports. The police's `towns:8` covers {juris['local_police']} "
        f"cells around the towns. Border patrol's `home` covers all {home} home cells."
    )


def demo_barrier_cost() -> str:
    w = _world("demo")
    b = w.barriers[0]
    capital = b.spec.capital_usd_per_km * b.length_km
    share = float(annualised_capital(np.array([capital]), np.array([b.spec.lifetime_years]), 0.0)[0])
    share *= w.scenario.horizon_days / 365
    return (
        f"The costed length is ≈ {b.length_km:.1f} km, ≈ ${capital / 1e6:.0f}M of capital outlay, which dominates "
        f"`capital_usd`; over {w.scenario.horizon_days:g} days and a {b.spec.lifetime_years:g}-year life only "
        f"≈ ${share / 1e3:.0f}k of it enters `cost_usd`."
    )


def demo_runs(n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo's first n seeds: summaries and event logs (deterministic; a few seconds)."""
    w = _world("demo")
    results = [run_replication(w, seed, seed - 1) for seed in range(1, n + 1)]
    return (
        pd.DataFrame([r.summary for r in results]),
        pd.concat([r.events.to_pandas() for r in results], ignore_index=True),
    )


def demo_calibration(runs: tuple[pd.DataFrame, pd.DataFrame]) -> str:
    summary, events = runs
    alerts = first_hand(events[events.kind == "alert"])
    ground = alerts[alerts.source == "ground"]
    rate = summary.interdiction_rate
    return (
        f"**Calibration by eye, not a fit.** Over {len(summary)} replications (`seed=1 replications={len(summary)}`), "
        f"the demo gives a mean interdiction rate of ≈ {rate.mean():.2f} (range {rate.min():.2f}–{rate.max():.2f}). "
        f"It also gives a detection rate of ≈ {summary.detection_rate.mean():.2f}, a mean alert-to-dispatch time "
        f"of ≈ {summary.alert_to_dispatch_min.mean():.1f} min, and {100 * (alerts.attempt < 0).mean():.0f}% false "
        f"alarms among alerts (ground sensors alone: {100 * (ground.attempt < 0).mean():.0f}%)."
    )


def demo_false_alarms(runs: tuple[pd.DataFrame, pd.DataFrame]) -> str:
    summary, events = runs
    ground = first_hand(events[(events.kind == "alert") & (events.source == "ground")])
    n = len(summary)
    return (
        f"The false-alarm share of the demo's ground sensors (≈ {(ground.attempt < 0).sum() / n:.0f} false alarms "
        f"against ≈ {(ground.attempt >= 0).sum() / n:.0f} true detections per 2-day replication) compares with "
        f"the ≈ 90% that OIG-06-15 reports for ground sensors; towers add mostly true alerts."
    )


def render() -> str:
    text = TEMPLATE.read_text()
    runs: list = []  # the demo runs, made once if the page asks for them

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
        if what == "tri_agency_world":
            return tri_agency_world()
        if what == "demo_barrier_cost":
            return demo_barrier_cost()
        if what in ("demo_calibration", "demo_false_alarms"):
            if not runs:
                runs.append(demo_runs())
            return demo_calibration(runs[0]) if what == "demo_calibration" else demo_false_alarms(runs[0])
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
