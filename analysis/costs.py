"""Cost against interdiction rate, and the Pareto front over the keys a planner decides.

The cost is the summary's cost_usd (sim/metrics.py: capital annualised over each asset's stated
life, for the horizon, plus operating cost), split into capital_share_usd and operating_usd.
Keys under scenario.organisations.* (the smugglers' behaviour), the scenario chosen (several
scenarios swept: another region and threat), the region's terrain, the horizon and the prices
(scenario.costs.*, any `*_usd*` key, an asset's `lifetime_years`: how a cost is counted, not what is
bought) are not a planner's decision: by default every other swept key is a decision key. The
front is computed within each combination of the other swept keys (the situations planned
against), so a decision is compared only with decisions facing the same smugglers at the same
prices.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.figures import SERIES_COLOURS, subplots
from analysis.labels import config_label, key_label, metric_label, value_label
from analysis.stats import level_order, mean_ci
from analysis.store import run_dirs
from sim.files import save_figure_atomic

# prefixes of keys a planner does not choose: the smugglers, the region, how costs are counted
NOT_DECIDED = ("scenario.organisations.", "scenario.terrain.", "scenario.costs.")
SITUATION_KEYS = ("scenario", "scenario.horizon_days")  # the region and threat, the time planned for
PRICE_NAMES = ("_usd", "lifetime_years")  # a key's last part holding one of these is a price or a life
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
USD = FuncFormatter(lambda v, _: f"{v:,.0f}")


def default_decision_keys(params: list[str]) -> list[str]:
    """Every swept key but the smugglers' (scenario.organisations.*), the scenario chosen, its
    terrain and horizon, and the prices: a discount rate or a unit's hourly cost swept for
    sensitivity is a situation each decision is costed in, not a decision."""
    return [p for p in params if not (p.startswith(NOT_DECIDED) or p in SITUATION_KEYS or _is_price(p))]


def _is_price(key: str) -> bool:
    last = key.rsplit(".", 1)[-1]
    return any(name in last for name in PRICE_NAMES)


def check_decision_keys(keys: list[str], params: list[str]) -> list[str]:
    """The keys, if each is swept; else ValueError naming the swept keys."""
    unknown = [k for k in keys if k not in params]
    if unknown:
        raise ValueError(
            f"--decision-keys: {', '.join(unknown)} not swept here; swept keys: {', '.join(params) or 'none'}"
        )
    return list(keys)


def pareto_front(cost: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Indices of the configurations no other beats: none costs no more with a rate at least as
    high and is better in one of the two. Equal configurations are on the front together; one
    without a cost or a rate (NaN) is on none."""
    known = np.flatnonzero(~(np.isnan(cost) | np.isnan(rate)))
    order = known[np.lexsort((-rate[known], cost[known]))]  # cheapest first, best rate first at a cost
    front, best, last = [], -np.inf, None  # the best rate so far, and the point on the front that set it
    for i in order:
        if rate[i] > best or (cost[i], rate[i]) == last:
            front.append(i)
            best, last = rate[i], (cost[i], rate[i])
    return np.array(front, dtype=int)


def _values(row: pd.Series, keys: list[str]) -> str:
    return ", ".join(value_label(row[k]) for k in keys)


def cost_table(table: pd.DataFrame, decision: list[str], others: list[str]) -> pd.DataFrame:
    """One row per configuration: its decision and other values, rate and cost (means, 95% CI),
    the cost's capital and operating parts, the situation (combination of the other keys) its front
    is computed in, and whether it is on that front."""
    keys = decision + others
    rate = mean_ci(table, "interdiction_rate", "config").set_index("config")
    cost = mean_ci(table, "cost_usd", "config").set_index("config")
    parts = table.groupby("config")[["capital_share_usd", "operating_usd"]].mean()
    first = table.groupby("config")[keys].first() if keys else pd.DataFrame(index=rate.index)
    df = first.assign(
        n=rate["n"],
        runs=rate["runs"],
        rate=rate["mean"],
        rate_lo=rate.ci_low,
        rate_hi=rate.ci_high,
        cost=cost["mean"],
        cost_lo=cost.ci_low,
        cost_hi=cost.ci_high,
        capital_share=parts.capital_share_usd,
        operating=parts.operating_usd,
    )
    df["situation"] = df.apply(lambda r: config_label({o: r[o] for o in others}, sep="; "), axis=1) if others else "all"
    df["pareto"] = False
    if decision:
        for _, idx in df.groupby("situation").groups.items():
            sub = df.loc[idx]
            front = pareto_front(sub.cost.to_numpy(), sub.rate.to_numpy())
            df.loc[sub.index[front], "pareto"] = True
    return df


def _scatter(ax, df: pd.DataFrame, decision: list[str], others: list[str]) -> None:
    groups = dict(list(df.groupby("situation", sort=True)))
    order = sorted(groups, key=lambda s: tuple(level_order(v) for v in groups[s][others].iloc[0])) if others else groups
    for i, situation in enumerate(order):  # in the other keys' level order: a level's colour as in metric_vs_*
        sub = groups[situation]
        colour, marker = SERIES_COLOURS[i % len(SERIES_COLOURS)], MARKERS[i % len(MARKERS)]
        ax.errorbar(
            sub.cost,
            sub.rate,
            yerr=[(sub.rate - sub.rate_lo).fillna(0), (sub.rate_hi - sub.rate).fillna(0)],
            fmt=marker,
            color=colour,
            ecolor=colour,
            alpha=0.8,
            capsize=3,
            label=situation if others else "configuration (mean, 95% CI)",
        )
        front = sub[sub.pareto].sort_values("cost")
        if len(front):
            ax.plot(front.cost, front.rate, "-", color=colour, lw=2, alpha=0.9, zorder=1)
    if decision:
        ax.plot(
            [],
            [],
            "-",
            color="#999999" if others else SERIES_COLOURS[0],  # one situation: drawn in its colour
            lw=2,
            label="Pareto front over "
            + ", ".join(map(key_label, decision))
            + (" (a line per situation, in its colour)" if others else ""),
        )
    if len(df) <= 30:
        for _, r in df.iterrows():
            text = _values(r, decision) if decision else r.name
            ax.annotate(text, (r.cost, r.rate), fontsize=7, xytext=(4, 3), textcoords="offset points")


def _cost_bars(ax, table: pd.DataFrame, decision: list[str]) -> None:
    """Capital share and operating cost, stacked, per decision (mean over everything else)."""
    by = decision or ["config"]
    means = table.groupby(by, dropna=False)[["capital_share_usd", "operating_usd"]].mean()  # unset: a value
    means = means.assign(total=means.sum(axis=1)).sort_values("total")
    names = [", ".join(value_label(v) for v in (idx if isinstance(idx, tuple) else (idx,))) for idx in means.index]
    y = np.arange(len(means))
    ax.barh(y, means.capital_share_usd, color="#8c96c6", label="capital, annualised over each asset's life")
    ax.barh(y, means.operating_usd, left=means.capital_share_usd, color="#bdbdbd", label="operating")
    ax.set_yticks(y, names, fontsize=8)
    ax.set_ylabel(", ".join(map(key_label, decision)) if decision else "configuration", fontsize=9)
    ax.xaxis.set_major_formatter(USD)
    ax.set_xlabel("cost over the horizon (USD)")
    ax.set_title("what the cost is made of (mean)", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    ax.grid(alpha=0.3, axis="x")


def draw_cost(df: pd.DataFrame, table: pd.DataFrame, decision: list[str], others: list[str]) -> Figure:
    """Cost against rate with one front per situation (left); the cost's parts (right)."""
    n_bars = len(table.groupby(decision or ["config"], dropna=False))
    fig, (ax, bars) = subplots(1, 2, figsize=(14, max(5.0, 0.3 * n_bars + 2)), gridspec_kw={"width_ratios": [1.5, 1]})
    _scatter(ax, df, decision, others)
    ax.xaxis.set_major_formatter(USD)
    ax.set_xlabel(metric_label("cost_usd"))
    ax.set_ylabel(metric_label("interdiction_rate"))
    title = "cost against interdiction rate"
    if decision and others:
        title += ": one front per situation"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    ax.grid(alpha=0.3)
    _cost_bars(bars, table, decision)
    fig.tight_layout()
    return fig


def cost_vs_rate(table: pd.DataFrame, decision: list[str], others: list[str], out: Path) -> tuple[Path, pd.DataFrame]:
    """The figure, saved to `out`, and its table (cost_table)."""
    df = cost_table(table, decision, others)
    save_figure_atomic(draw_cost(df, table, decision, others), out, dpi=110)
    return out, df


def asset_lives(root: Path) -> pd.DataFrame:
    """Per asset type (the event log's asset rows of the first run with events): how many, and
    their stated lifetime in years (min and max), the life capital is annualised over."""
    for d in run_dirs(root):
        files = sorted((d / "events").glob("rep-*.parquet")) if (d / "events").is_dir() else []
        if files:
            return (
                duckdb.connect()
                .execute(
                    "SELECT source AS asset, count(*) AS n, min(lifetime_years) AS life_min, "
                    "max(lifetime_years) AS life_max FROM read_parquet(?) "
                    "WHERE kind = 'asset' AND replication = (SELECT min(replication) FROM read_parquet(?)) "
                    "GROUP BY source ORDER BY source",
                    [str(files[0]), str(files[0])],
                )
                .df()
            )
    return pd.DataFrame(columns=["asset", "n", "life_min", "life_max"])


def lives_text(lives: pd.DataFrame) -> str:
    """'camera tower 10 y, vehicle unit 5 y, ...' for the report text ('' without events)."""
    names = {"sensor:tower": "camera towers", "sensor:ground": "ground sensors", "sensor:drone": "drones"}
    names |= {"unit:vehicle": "vehicle units", "unit:foot": "foot units", "port": "ports", "barrier": "barriers"}
    parts = []
    for r in lives.itertuples():
        life = f"{r.life_min:g}" if r.life_min == r.life_max else f"{r.life_min:g}\u2013{r.life_max:g}"
        parts.append(f"{names.get(r.asset, r.asset)} {life} years")
    return ", ".join(parts)
