"""Paired differences across the levels of one swept key, as a figure and a table.

Each level is compared with the first (the baseline) on the same seeds (common random numbers)
and the same values of the other swept keys; each panel is one metric, each point a level with
its 95% interval, and the number of seeds (n; pairs that share a seed across other swept keys are
one sample) and the paired t-test's p written beside it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis.figures import subplots
from analysis.labels import digits_for, key_label, metric_label, metric_unit, p_text, signed, value_label
from analysis.stats import level_order, levels, paired_differences
from sim.files import save_figure_atomic

PAIRED_METRICS = ("interdiction_rate", "detection_to_interdiction_min", "detection_rate", "cost_per_interdiction_usd")


def levels_of(table: pd.DataFrame, key: str) -> list:
    """The key's levels (the first is the baseline): unset first (the scenario's own value, where
    some runs leave the key unset), then numbers in order, then names in order."""
    return sorted(levels(table[key]), key=level_order)


def paired_table(table: pd.DataFrame, key: str, others: list[str]) -> pd.DataFrame:
    """Paired differences of every PAIRED_METRICS column against the key's first level."""
    baseline = levels_of(table, key)[0]
    frames = []
    for metric in [m for m in PAIRED_METRICS if m in table]:
        d = paired_differences(table, metric, key, baseline, pair_on="seed", within=others)
        d.insert(0, "metric", metric)
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def sample_size(n_pairs: int, n_seeds: int) -> str:
    """'n = 10', or 'n = 5 seeds (10 pairs)' where pairs share seeds across other swept keys."""
    return f"n = {n_seeds}" if n_pairs == n_seeds else f"n = {n_seeds} seeds ({n_pairs} pairs)"


def _panel(ax, d: pd.DataFrame, key: str, metric: str, baseline: object) -> None:
    ypos = np.arange(len(d))[::-1]  # the first level on top
    ax.errorbar(
        d.mean_diff,
        ypos,
        xerr=[(d.mean_diff - d.ci_low).fillna(0), (d.ci_high - d.mean_diff).fillna(0)],
        fmt="o",
        capsize=4,
        color="#2c7fb8",
    )
    ax.axvline(0, color="grey", lw=1)
    for y, r in zip(ypos, d.itertuples()):
        ax.annotate(
            f"{sample_size(r.n_pairs, r.n_seeds)}, {p_text(r.p_value)}",
            (r.mean_diff, y),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            color="#333333",
        )
    ax.set_yticks(ypos, [value_label(v) for v in d[key]], fontsize=9)
    ax.set_ylim(-0.7, len(d) - 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(metric_label(metric), fontsize=9)
    ax.set_xlabel(f"difference vs {value_label(baseline)} ({metric_unit(metric)})", fontsize=8)
    ax.set_ylabel(key_label(key), fontsize=8)
    ax.grid(alpha=0.3)


def draw_paired(diffs: pd.DataFrame, key: str, baseline: object, others: list[str]) -> Figure:
    """One panel per metric (two a row): each level's difference with its 95% CI, n and p."""
    metrics = list(dict.fromkeys(diffs.metric))
    ncols = min(2, len(metrics))
    nrows = -(-len(metrics) // ncols)
    n_levels = diffs[key].nunique()
    fig, axes = subplots(nrows, ncols, figsize=(6.2 * ncols, (0.55 * n_levels + 1.6) * nrows + 0.8), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        _panel(ax, diffs[diffs.metric == metric], key, metric, baseline)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    pooled = f"; pooled over {', '.join(key_label(o) for o in others)}" if others else ""
    fig.suptitle(
        f"{key_label(key)}: paired differences vs {value_label(baseline)} (same seeds{pooled}), mean and 95% CI",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def paired_figure(table: pd.DataFrame, key: str, others: list[str], out: Path) -> tuple[Path, pd.DataFrame]:
    """The figure, saved to `out`, and the raw differences table."""
    diffs = paired_table(table, key, others)
    save_figure_atomic(draw_paired(diffs, key, levels_of(table, key)[0], others), out, dpi=110)
    return out, diffs


def readable_paired(diffs: pd.DataFrame, key: str) -> pd.DataFrame:
    """The differences table in words: metric, level, baseline, pairs, difference (95% CI), p."""
    rows = []
    for r in diffs.itertuples(index=False):
        d = digits_for(r.metric)
        rows.append(
            {
                "metric": metric_label(r.metric),
                key_label(key): value_label(r[1]),
                "baseline": value_label(r.baseline),
                "pairs": int(r.n_pairs),
                "seeds (n)": int(r.n_seeds),
                "mean difference": signed(r.mean_diff, d),
                "95% CI": f"{signed(r.ci_low, d)} to {signed(r.ci_high, d)}" if r.n_seeds > 1 else "n/a",
                "p (paired t-test)": p_text(r.p_value).removeprefix("p ").removeprefix("= "),
            }
        )
    return pd.DataFrame(rows)
