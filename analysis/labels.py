"""Words and numbers a reader sees: metric and key labels, configuration names, rounded values.

Figures and HTML tables of the report and the after-action review take their text from here, so
that one metric is called the same everywhere and numbers are rounded the same way.
"""

from __future__ import annotations

import math

import pandas as pd

METRIC_LABELS = {
    "interdiction_rate": "interdiction rate (interdicted / resolved)",
    "detection_rate": "detection rate (detected / attempts)",
    "effectiveness_rate": "effectiveness rate ((interdicted + turned back) / resolved)",
    "time_to_first_detection_min": "time to first detection (min)",
    "detection_to_interdiction_min": "first detection to interdiction (min)",
    "dispatch_to_arrival_min": "dispatch to arrival (min)",
    "cost_usd": "cost over the horizon (USD: annualised capital + operating)",
    "capital_share_usd": "annualised capital over the horizon (USD)",
    "operating_usd": "operating cost over the horizon (USD)",
    "cost_per_interdiction_usd": "cost per interdiction (USD)",
    "patrol_utilisation": "patrol utilisation (busy / on-duty time)",
}
UNIT_SUFFIXES = {"_km": "km", "_min": "min", "_hours": "h", "_days": "days", "_usd": "USD", "_kg": "kg"}


def metric_label(metric: str) -> str:
    """A metric's name as a reader sees it (with its unit)."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    return key_label(metric)


def key_label(key: str) -> str:
    """A config key in a few words: its last two parts, underscores as spaces, a unit suffix in
    brackets ('scenario.sensors.towers.spacing_km' -> 'towers spacing (km)')."""
    parts = key.removeprefix("scenario.").split(".")[-2:]
    last, unit = parts[-1], ""
    for suffix, name in UNIT_SUFFIXES.items():
        if last.endswith(suffix):
            last, unit = last.removesuffix(suffix), f" ({name})"
            break
    return " ".join(p.replace("_", " ") for p in [*parts[:-1], last]) + unit


def value_label(value: object) -> str:
    """A swept value as a reader sees it: numbers to four significant digits without trailing
    zeros, names with spaces; a key not set in that run (missing, NA or NaN in the table of a
    sweep whose runs set different keys) is the scenario's own value."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "scenario's"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return str(value)
    return str(value).replace("_", " ")


def config_label(values: dict[str, object], sep: str = ", ") -> str:
    """'key = value' for each swept key of a configuration ('-' when nothing is swept)."""
    return sep.join(f"{key_label(k)} = {value_label(v)}" for k, v in values.items()) or "-"


def metric_unit(metric: str) -> str:
    """The unit a metric (and a difference of it) is in: min, USD, or a proportion."""
    if metric.endswith("_min"):
        return "min"
    if metric.endswith("_usd"):
        return "USD"
    if metric.endswith("_rate") or metric == "patrol_utilisation":
        return "proportion"
    return "count"


def digits_for(metric: str) -> int:
    """Decimals a metric is shown with: rates 3, minutes 1, money and counts 0."""
    if metric.endswith("_rate") or metric in ("patrol_utilisation", "S1", "ST", "S1_conf", "ST_conf"):
        return 3
    if metric.endswith("_usd") or ".usd" in metric:
        return 0
    if metric.endswith("_min"):
        return 1
    return 2


def number(value: object, digits: int = 2) -> str:
    """A number rounded to `digits` decimals with thousands separators; '' for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, str)):
        return value_label(value)
    return f"{float(value):,.{digits}f}"


def signed(value: float, digits: int) -> str:
    """A difference with its sign ('+0.024', '−61')."""
    if math.isnan(value):
        return ""
    text = f"{abs(value):,.{digits}f}"
    return ("+" if value >= 0 else "\u2212") + text


def ci_text(low: float, high: float, digits: int, n: int | None = None) -> str:
    """A 95% interval as 'low to high'; without one, why, from `n`, the replications with a value
    (a metric is NaN where it has none: a cost per interdiction without interdictions)."""
    if math.isnan(low) or math.isnan(high):
        if n == 0:
            return "n/a (no replication with a value)"
        return "n/a (one replication with a value)" if n == 1 else "n/a"
    return f"{number(low, digits)} to {number(high, digits)}"


def p_text(p: float) -> str:
    """A p-value as a reader expects it: 'p < 0.001', 'p = 0.02', 'p = 0.41'."""
    if p is None or math.isnan(p):
        return "p n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def clock(t: float) -> str:
    """A minute of the run as 'day N hh:mm' (day 1 is the first day)."""
    hh, mm = divmod(int(t), 60)
    return f"day {hh // 24 + 1} {hh % 24:02d}:{mm:02d}"


def html_table(frame: pd.DataFrame, index: bool = False) -> str:
    """A table already formatted as text, one header row, no index unless asked."""
    return frame.to_html(index=index, escape=True, na_rep="", border=0, classes="data")
