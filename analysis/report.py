"""A sweep (or run) directory -> a report: PNG figures and an HTML page.

    python -m analysis.report outputs/sweeps/NAME [--metric interdiction_rate] [--out DIR]

Figures (each only when the sweep has what it needs):
- metric_vs_<key>.png   the metric against each numeric swept key, mean and 95% CI band, one
                        line per level of another swept key
- paired_<key>.png      paired differences (common random numbers) of each level of a swept key
                        against its first level, for several metrics, with 95% CIs
- cost_vs_rate.png      cost against interdiction rate per configuration, Pareto front marked
- outcome_map.png       where crossings, interdictions and got-aways happened, over all runs
- sensitivity.png       Sobol or Morris indices of a designed sweep (sim/design.py)
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.figures import subplots
from analysis.maps import draw_outcome_density, read_terrain
from analysis.sensitivity import indices
from analysis.stats import mean_ci, paired_differences
from analysis.store import load, run_dirs, varying_params

LABELS = {
    "interdiction_rate": "interdiction rate (interdicted / resolved)",
    "detection_rate": "detection rate (detected / attempts)",
    "effectiveness_rate": "effectiveness rate ((interdicted + turned back) / resolved)",
    "time_to_first_detection_min": "time to first detection (min)",
    "detection_to_interdiction_min": "first detection to interdiction (min)",
    "dispatch_to_arrival_min": "dispatch to arrival (min)",
    "cost_usd": "cost over the horizon (USD)",
    "cost_per_interdiction_usd": "cost per interdiction (USD)",
    "patrol_utilisation": "patrol utilisation",
}
PAIRED_METRICS = ["interdiction_rate", "detection_to_interdiction_min", "detection_rate", "cost_per_interdiction_usd"]


def label(key: str) -> str:
    return LABELS.get(key, key)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def metric_vs_param(table: pd.DataFrame, key: str, metric: str, hue: str | None, out: Path) -> Path:
    fig, ax = subplots(figsize=(7, 4.5))
    levels = sorted(table[hue].dropna().unique(), key=str) if hue else [None]
    for level in levels:
        sub = table if hue is None else table[table[hue] == level]
        ci = mean_ci(sub, metric, key).sort_values(key)
        (line,) = ax.plot(ci[key], ci["mean"], marker="o", label=f"{hue} = {level}" if hue else None)
        ax.fill_between(ci[key], ci.ci_low, ci.ci_high, alpha=0.2, color=line.get_color())
    ax.set_xlabel(key)
    ax.set_ylabel(label(metric))
    ax.set_title(f"{label(metric)} vs {key.split('.')[-1]} (mean, 95% CI)")
    if hue:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, out)


def design_scatter(table: pd.DataFrame, key: str, metric: str, out: Path) -> Path:
    """Designed sweeps: the mean of the metric at each design point against one parameter."""
    means = table.groupby("point").agg(value=(key, "first"), mean=(metric, "mean"))
    fig, ax = subplots(figsize=(6, 4))
    ax.scatter(means.value, means["mean"], s=22, color="#2c7fb8")
    ax.set_xlabel(key)
    ax.set_ylabel(label(metric))
    ax.set_title(f"{label(metric)} at each design point")
    ax.grid(alpha=0.3)
    return _save(fig, out)


def paired_figure(table: pd.DataFrame, key: str, others: list[str], out: Path) -> tuple[Path, pd.DataFrame]:
    levels = sorted(table[key].dropna().unique(), key=lambda v: (not isinstance(v, (int, float)), v))
    baseline = levels[0]
    metrics = [m for m in PAIRED_METRICS if m in table]
    frames = []
    fig, axes = subplots(1, len(metrics), figsize=(3.6 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        d = paired_differences(table, metric, key, baseline, pair_on="seed", within=others)
        d.insert(0, "metric", metric)
        frames.append(d)
        ypos = np.arange(len(d))
        ax.errorbar(
            d.mean_diff,
            ypos,
            xerr=[d.mean_diff - d.ci_low, d.ci_high - d.mean_diff],
            fmt="o",
            capsize=4,
            color="#2c7fb8",
        )
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(ypos, [str(v) for v in d[key]])
        ax.set_title(label(metric), fontsize=9)
        ax.set_xlabel(f"difference vs {key.split('.')[-1]} = {baseline}", fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"paired differences (same seeds), 95% CI: {key}", fontsize=10)
    return _save(fig, out), pd.concat(frames, ignore_index=True)


def pareto_front(cost: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Indices of configurations not beaten on both lower cost and higher rate."""
    order = np.lexsort((-rate, cost))
    front, best = [], -np.inf
    for i in order:
        if rate[i] > best:
            front.append(i)
            best = rate[i]
    return np.array(front, dtype=int)


def cost_vs_rate(table: pd.DataFrame, params: list[str], out: Path) -> tuple[Path, pd.DataFrame]:
    rate = mean_ci(table, "interdiction_rate", "run").set_index("run")
    cost = mean_ci(table, "cost_usd", "run").set_index("run")
    df = pd.DataFrame({"rate": rate["mean"], "rate_lo": rate.ci_low, "rate_hi": rate.ci_high, "cost": cost["mean"]})
    front = pareto_front(df.cost.to_numpy(), df.rate.to_numpy())
    df["pareto"] = False
    df.iloc[front, df.columns.get_loc("pareto")] = True
    fig, ax = subplots(figsize=(7, 4.5))
    ax.errorbar(
        df.cost,
        df.rate,
        yerr=[(df.rate - df.rate_lo).fillna(0), (df.rate_hi - df.rate).fillna(0)],
        fmt="o",
        color="#999999",
        capsize=3,
        label="configuration (mean, 95% CI)",
    )
    f = df[df.pareto].sort_values("cost")
    ax.plot(f.cost, f.rate, "-o", color="#d95f0e", label="Pareto front")
    first = table.groupby("run")[params].first() if params else None
    if first is not None and len(df) <= 30:
        for run, row in df.iterrows():
            text = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in first.loc[run])
            ax.annotate(text, (row.cost, row.rate), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xlabel(label("cost_usd"))
    ax.set_ylabel(label("interdiction_rate"))
    ax.set_title("cost against interdiction rate")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, out), df


def outcome_map(root: Path, out: Path) -> Path | None:
    dirs = [d for d in run_dirs(root) if (d / "terrain_nodes.parquet").exists() and (d / "events").is_dir()]
    if not dirs:
        return None
    nodes, edges = read_terrain(dirs[0])
    files = [str(f) for d in dirs for f in sorted((d / "events").glob("rep-*.parquet"))]
    counts = (
        duckdb.connect()
        .execute(
            "SELECT node, kind, count(*) AS n FROM read_parquet(?) "
            "WHERE kind IN ('crossed', 'interdiction', 'got_away') GROUP BY node, kind",
            [files],
        )
        .df()
    )
    return draw_outcome_density(
        nodes, edges, counts, f"where it happened: {len(dirs)} configuration(s), all replications", out
    )


def sensitivity_figure(root: Path, metric: str, out: Path) -> tuple[Path, pd.DataFrame] | None:
    if not (root / "design.json").exists():
        return None
    idx = indices(root, metric)
    if idx.empty:
        return None
    fig, ax = subplots(figsize=(7, 0.6 * len(idx) + 1.8))
    names = [n.split(".")[-2] + "." + n.split(".")[-1] if n.count(".") >= 2 else n for n in idx.parameter]
    y = np.arange(len(idx))
    if "ST" in idx:
        ax.barh(y - 0.2, idx.S1, 0.4, xerr=idx.S1_conf, label="first order S1", color="#74a9cf")
        ax.barh(y + 0.2, idx.ST, 0.4, xerr=idx.ST_conf, label="total ST", color="#0570b0")
        ax.set_xlabel(f"Sobol index of {label(metric)}")
    else:
        ax.barh(y, idx.mu_star, 0.5, xerr=idx.mu_star_conf, label="mu* (mean |elementary effect|)", color="#0570b0")
        ax.set_xlabel(f"Morris mu* of {label(metric)} (metric units)")
    ax.set_yticks(y, names)
    ax.legend(fontsize=8)
    ax.set_title("global sensitivity")
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, out), idx


def build_report(root: str | Path, metric: str = "interdiction_rate", out_dir: str | Path | None = None) -> Path:
    """Write every applicable figure and report.html; return the HTML path."""
    root = Path(root)
    out = Path(out_dir) if out_dir else root / "report"
    out.mkdir(parents=True, exist_ok=True)
    table = load(root)
    params = varying_params(table)
    sections: list[tuple[str, Path, pd.DataFrame | None]] = []
    designed = "point" in table.attrs["params"]
    numeric = [p for p in params if _numeric(table[p]) and (designed or table[p].nunique() >= 3)]
    categorical = [] if designed else [p for p in params if p not in numeric and table[p].nunique() >= 2]
    for key in numeric if designed else []:
        fig = design_scatter(table, key, metric, out / f"design_{key.split('.')[-1]}.png")
        sections.append((f"{label(metric)} against {key} (design points)", fig, None))
    for key in [] if designed else numeric:
        hue = next((p for p in params if p != key and table[p].nunique() <= 6), None)
        fig = metric_vs_param(table, key, metric, hue, out / f"metric_vs_{key.split('.')[-1]}.png")
        sections.append((f"{label(metric)} against {key}", fig, mean_ci(table, metric, [key] + ([hue] if hue else []))))
    for key in categorical:
        others = [p for p in params if p != key]
        fig, diffs = paired_figure(table, key, others, out / f"paired_{key.split('.')[-1]}.png")
        sections.append((f"paired differences across {key}", fig, diffs))
    if table["run"].nunique() >= 2:
        fig, df = cost_vs_rate(table, params, out / "cost_vs_rate.png")
        sections.append(("cost against interdiction rate", fig, df.reset_index()))
    sens = sensitivity_figure(root, metric, out / "sensitivity.png")
    if sens:
        sections.append(("global sensitivity", *sens))
    m = outcome_map(root, out / "outcome_map.png")
    if m:
        sections.append(("where crossings, interdictions and got-aways happened", m, None))
    overview = mean_ci(table, metric, "run")
    page = [
        f"<html><head><meta charset='utf-8'><title>report: {html.escape(root.name)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(str(root))}</h1>",
        f"<p>{len(table)} replications in {table['run'].nunique()} configuration(s); swept keys: "
        f"{html.escape(', '.join(params) or 'none')}.</p>",
        f"<h2>{html.escape(label(metric))} per configuration</h2>",
        overview.to_html(index=False, float_format=lambda v: f"{v:.4g}"),
    ]
    for title, fig, df in sections:
        page.append(f"<h2>{html.escape(title)}</h2><img src='{fig.name}'>")
        if df is not None and len(df):
            page.append(df.to_html(index=False, float_format=lambda v: f"{v:.4g}"))
    page.append("</body></html>")
    path = out / "report.html"
    path.write_text("\n".join(page))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m analysis.report", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("path", help="a sweep or run directory")
    ap.add_argument("--metric", default="interdiction_rate", help="metric of the main figures")
    ap.add_argument("--out", default=None, help="output folder (default: PATH/report)")
    args = ap.parse_args(argv)
    try:
        path = build_report(args.path, args.metric, args.out)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
