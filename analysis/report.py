"""A sweep (or run) directory -> a report: PNG figures and an HTML page.

    python -m analysis.report outputs/sweeps/NAME [--metric interdiction_rate] [--out DIR]
        [--decision-keys KEY ...] [--pair-on-common-seeds]

Figures (each only when the sweep has what it needs):
- metric_vs_<key>.png   the metric against each numeric swept key, mean and 95% CI band, one
                        line per level of another swept key
- paired_<key>.png      paired differences (common random numbers) of each level of a swept key
                        against its first level, for several metrics, with 95% CIs, n and p
- cost_vs_rate.png      cost over the horizon (annualised capital + operating) against
                        interdiction rate, with the Pareto front over the decision keys, and what
                        each decision's cost is made of
- outcome_map.png       where crossings, interdictions and got-aways happened, one map per
                        configuration (outcome_map_2.png, ... beyond six), with a size key
- sensitivity.png       Sobol or Morris indices of a designed sweep (sim/design.py)
- displacement_*.png,   runs with and without a sensor group installed during the run (the balloon
  learning_curve.png    effect): the claims tested with paired CIs and the benefit that survives
                        adaptation (analysis/displacement.py)

Decision keys: the Pareto front is drawn over the keys a planner chooses. By default these are
every swept key except scenario.organisations.* (the smugglers' behaviour is not a decision),
`scenario` (the scenario's name, a swept key where runs of several scenarios are read together),
scenario.terrain.* and scenario.horizon_days (the region and the time planned for), and the prices
(scenario.costs.*, any key whose name holds _usd, lifetime_years: each decision is costed under
them); the front is computed within each combination of the other swept keys, so that a decision
is compared only with decisions facing the same smugglers.

Replications: configurations are compared on the same seeds (common random numbers). A seed run
twice for one configuration (sibling sweep points that differ only in `replications`) is counted
once. If the configurations hold different seeds (more replications in some, or an interrupted
run), the report stops and names them, unless --pair-on-common-seeds: then each paired difference
uses the seeds both sides hold (its n is shown) and each mean every replication of its
configuration.
"""

from __future__ import annotations

import argparse
import difflib
import html
import sys
from pathlib import Path

import pandas as pd

from analysis import displacement
from analysis.configurations import add_config_labels, check_common_seeds, check_told_apart, per_configuration
from analysis.costs import asset_lives, check_decision_keys, cost_vs_rate, default_decision_keys, lives_text
from analysis.figures import SERIES_COLOURS, output_folder, subplots
from analysis.labels import ci_text, digits_for, html_table, key_label, metric_label, number, value_label
from analysis.outcome_maps import outcome_maps
from analysis.paired import paired_figure, readable_paired
from analysis.sensitivity import UndefinedAtPoints, indices
from analysis.stats import at_level, group_means, level_order, levels, mean_ci, mean_ci_over_seeds
from analysis.store import load, varying_params
from sim.files import end_on_sigterm, save_figure_atomic, write_text_atomic


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    save_figure_atomic(fig, path, dpi=110)
    return path


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def metric_vs_param(table: pd.DataFrame, key: str, metric: str, hue: str | None, out: Path) -> Path:
    fig, ax = subplots(figsize=(7, 4.5))
    hue_levels = sorted(levels(table[hue]), key=level_order) if hue else [None]
    for i, level in enumerate(hue_levels):
        sub = table if hue is None else table[at_level(table[hue], level)]
        ci = mean_ci_over_seeds(sub, metric, [key]).sort_values(key)
        name = f"{key_label(hue)} = {value_label(level)}" if hue else None
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]  # as cost_vs_rate colours the same levels
        (line,) = ax.plot(ci[key], ci["mean"], marker="o", label=name, color=colour)
        ax.fill_between(ci[key], ci.ci_low, ci.ci_high, alpha=0.2, color=line.get_color())
    ax.set_xlabel(key_label(key))
    ax.set_ylabel(metric_label(metric))
    ax.set_title(f"{metric_label(metric)} against {key_label(key)} (mean, 95% CI)", fontsize=10)
    if hue:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, out)


def design_scatter(table: pd.DataFrame, key: str, metric: str, out: Path) -> Path:
    """Designed sweeps: the mean of the metric at each design point against one parameter."""
    means = pd.DataFrame({"value": table.groupby("point")[key].first(), "mean": group_means(table, metric, "point")})
    fig, ax = subplots(figsize=(6, 4))
    ax.scatter(means.value, means["mean"], s=22, color="#2c7fb8")
    ax.set_xlabel(key_label(key))
    ax.set_ylabel(metric_label(metric))
    ax.set_title(f"{metric_label(metric)} at each design point", fontsize=10)
    ax.grid(alpha=0.3)
    return _save(fig, out)


def sensitivity_figure(root: Path, metric: str, out: Path) -> tuple[Path, pd.DataFrame] | None:
    if not (root / "design.json").exists():
        return None
    idx = indices(root, metric)
    if idx.empty:
        return None
    fig, ax = subplots(figsize=(7, 0.6 * len(idx) + 1.8))
    names = [key_label(n) for n in idx.parameter]
    y = list(range(len(idx)))
    if "ST" in idx:
        ax.barh([v - 0.2 for v in y], idx.S1, 0.4, xerr=idx.S1_conf, label="first order S1", color="#74a9cf")
        ax.barh([v + 0.2 for v in y], idx.ST, 0.4, xerr=idx.ST_conf, label="total ST", color="#0570b0")
        ax.set_xlabel(f"Sobol index of {metric_label(metric)}\n(share of its variance)")
    else:
        ax.barh(y, idx.mu_star, 0.5, xerr=idx.mu_star_conf, label="mu* (mean |elementary effect|)", color="#0570b0")
        ax.set_xlabel(f"Morris mu* of {metric_label(metric)}\n(metric units)")
    ax.set_yticks(y, names)
    ax.legend(fontsize=8)
    ax.set_title("global sensitivity", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, out), idx


# --- tables in words --------------------------------------------------------------------------
def mean_table(table: pd.DataFrame, metric: str, by: list[str]) -> pd.DataFrame:
    """Per group: the group's values, replications, mean and 95% CI of the metric, rounded (the
    interval over seeds where a group pools other swept keys: `mean_ci_over_seeds`)."""
    ci = mean_ci_over_seeds(table, metric, by)
    d = digits_for(metric)
    out = pd.DataFrame({key_label(k) if k != "config" else "configuration": ci[k].map(value_label) for k in by})
    out["replications"] = ci["runs"].astype(int)
    if (ci["n"] < ci["runs"]).any():  # the mean and interval are over those with a value only: say how many
        out["with a value (n)"] = ci["n"].astype(int)
    out[f"{metric_label(metric)}: mean"] = ci["mean"].map(lambda v: number(v, d))
    out["95% CI"] = [ci_text(lo, hi, d, n) for lo, hi, n in zip(ci.ci_low, ci.ci_high, ci.n)]
    return out


def overview_table(table: pd.DataFrame, metric: str, params: list[str]) -> pd.DataFrame:
    """One row per configuration: its swept values, replications, the metric and the cost (by
    its label too where the swept values do not tell two configurations apart)."""
    separated = bool(params) and table.groupby(params, dropna=False).config_hash.nunique().max() == 1
    by = params if separated else params + ["config"]
    out = mean_table(table, metric, by)
    if metric != "cost_usd" and "cost_usd" in table:
        cost = mean_ci(table, "cost_usd", by)
        out["cost over the horizon (USD): mean"] = cost["mean"].map(lambda v: number(v, 0)).to_numpy()
    return out


def cost_words(df: pd.DataFrame, decision: list[str], others: list[str]) -> pd.DataFrame:
    """The cost table in words, by situation (the other keys' values), cheapest first."""
    df = df.sort_values(["situation", "cost"])
    out = pd.DataFrame({key_label(k): df[k].map(value_label) for k in others + decision})
    out["replications"] = df["runs"].astype(int).to_numpy()
    if (df["n"] < df["runs"]).any():
        out["with a rate (n)"] = df["n"].astype(int).to_numpy()
    out["interdiction rate: mean"] = df.rate.map(lambda v: number(v, 3)).to_numpy()
    out["95% CI"] = [ci_text(lo, hi, 3, n) for lo, hi, n in zip(df.rate_lo, df.rate_hi, df.n)]
    out["annualised capital over the horizon (USD)"] = df.capital_share.map(lambda v: number(v, 0)).to_numpy()
    out["operating (USD)"] = df.operating.map(lambda v: number(v, 0)).to_numpy()
    out["cost over the horizon (USD)"] = df.cost.map(lambda v: number(v, 0)).to_numpy()
    out["on the Pareto front"] = df.pareto.map({True: "yes", False: ""}).to_numpy()
    return out


def sensitivity_caveat(idx: pd.DataFrame) -> str:
    """A warning where Sobol indices are noise: a share of variance above 1, or an interval wider
    than the index can be (a small design: Saltelli's estimates settle over hundreds of points)."""
    if "ST" not in idx:
        return ""
    noisy = (idx[["S1", "ST"]] > 1).any().any() or (idx[["S1_conf", "ST_conf"]] > 0.25).any().any()
    if not noisy:
        return ""
    return (
        "These indices are not yet reliable: some exceed 1 (a share of the variance cannot) or have 95% "
        "intervals wider than ±0.25. The design is too small for them: run a design with a larger --n "
        "(under another --name)."
    )


def sensitivity_words(idx: pd.DataFrame) -> pd.DataFrame:
    out = idx.copy()
    out["parameter"] = out.parameter.map(key_label)
    for c in out.columns[1:]:
        out[c] = out[c].map(lambda v: number(v, 3))
    return out


def front_text(decision: list[str], others: list[str], chosen: bool) -> str:
    if not decision:
        return (
            "No decision key is swept (only the smugglers, the region, the horizon or the prices vary), so no "
            "Pareto front is drawn; "
            "name the keys a planner chooses with --decision-keys."
        )
    how = (
        "chosen with --decision-keys"
        if chosen
        else "by default every swept key but the smugglers' (scenario.organisations.*), the scenario chosen, its "
        "terrain and horizon, and the prices (scenario.costs.*, *_usd*, lifetime_years)"
    )
    within = (
        f"The front is computed within each combination of the other swept keys ({', '.join(others)}), so a "
        "decision is compared only with decisions facing the same situation; one front per combination."
        if others
        else "The front is computed over every configuration."
    )
    return f"Pareto front over the decision keys {', '.join(decision)} ({how}). {within}"


# --- the page ---------------------------------------------------------------------------------
def unknown_metric(metric: str, table: pd.DataFrame, params: list[str]) -> str:
    """--metric names no summary column: the nearest names and where the full list is."""
    numeric = [
        c
        for c in table.columns
        if c not in params and c not in ("seed", "replication") and pd.api.types.is_numeric_dtype(table[c])
    ]
    close = difflib.get_close_matches(metric, numeric, n=3, cutoff=0.6)
    near = f"did you mean {' or '.join(close)}? " if close else ""
    what = "a text column, not a metric" if metric in table else "not a metric of these results"
    return (
        f"--metric {metric}: {what}; {near}allowed: any of the {len(numeric)} numeric "
        f"summary columns (sim/metrics.py), e.g. {', '.join(numeric[:6])}"
    )


def build_report(
    root: str | Path,
    metric: str = "interdiction_rate",
    out_dir: str | Path | None = None,
    decision_keys: list[str] | None = None,
    pair_on_common_seeds: bool = False,
) -> Path:
    """Write every applicable figure and report.html; return the HTML path."""
    root = Path(root)
    out = output_folder(out_dir, root / "report")
    table = load(root)
    repeats = table.attrs["repeats"]
    params = varying_params(table)
    if metric not in table or not pd.api.types.is_numeric_dtype(table[metric]):
        raise ValueError(unknown_metric(metric, table, params))
    check_told_apart(table, params)
    table = add_config_labels(table, params)
    per_config = per_configuration(table)  # = table but in a design whose points share configurations
    seeds_note = check_common_seeds(table, pair_on_common_seeds)
    decision = (
        check_decision_keys(decision_keys, params) if decision_keys is not None else default_decision_keys(params)
    )
    others = [p for p in params if p not in decision and p != "point"]
    out.mkdir(parents=True, exist_ok=True)
    sections: list[tuple[str, str, list[Path], pd.DataFrame | None]] = []
    designed = "point" in table.attrs["params"]
    # a key unset in some runs (the scenario's own value) has no place on an axis: compared level by level
    numeric = [
        p for p in params if _numeric(table[p]) and (designed or (table[p].nunique() >= 3 and table[p].notna().all()))
    ]
    categorical = [] if designed else [p for p in params if p not in numeric and table[p].nunique(dropna=False) >= 2]
    for key in numeric if designed else []:
        fig = design_scatter(table, key, metric, out / f"design_{key.split('.')[-1]}.png")
        sections.append((f"{metric_label(metric)} against {key_label(key)} (design points)", "", [fig], None))
    for key in [] if designed else numeric:
        hue = next((p for p in params if p != key and table[p].nunique() <= 6), None)
        fig = metric_vs_param(table, key, metric, hue, out / f"metric_vs_{key.split('.')[-1]}.png")
        pooled = [p for p in params if p not in (key, hue)]
        text = (
            f"Means pooled over {', '.join(pooled)}; intervals over seeds (a seed's values averaged over "
            f"{', '.join(pooled)} first: configurations that share a seed share its random streams)."
            if pooled
            else ""
        )
        sections.append(
            (
                f"{metric_label(metric)} against {key_label(key)}",
                text,
                [fig],
                mean_table(table, metric, [key, hue] if hue else [key]),
            )
        )
    for key in categorical:
        rest = [p for p in params if p != key]
        fig, diffs = paired_figure(table, key, rest, out / f"paired_{key.split('.')[-1]}.png")
        text = (
            "Each level against the first on the same seeds"
            + (f" and the same {', '.join(rest)}" if rest else "")
            + "; n = seeds, p = paired t-test over seeds"
            + (
                f" (a seed's differences are averaged over {', '.join(rest)} first: pairs that share a seed share "
                "its random streams, so they are not independent)"
                if rest
                else ""
            )
            + ". A direction is supported only where the 95% CI excludes zero."
        )
        sections.append(
            (f"paired differences across {key_label(key)} ({key})", text, [fig], readable_paired(diffs, key))
        )
    if table["config"].nunique() >= 2:
        fig, df = cost_vs_rate(per_config, decision, others, out / "cost_vs_rate.png")
        lives = lives_text(asset_lives(root))
        text = (
            "Cost over the horizon = capital annualised over each asset's stated life, plus operating cost "
            "(sim/metrics.py: cost_usd = capital_share_usd + operating_usd)"
            + (f"; stated lives: {lives}" if lives else "")
            + ". "
            + front_text(decision, others, decision_keys is not None)
        )
        sections.append(("cost against interdiction rate", text, [fig], cost_words(df, decision, others)))
    try:
        sens = sensitivity_figure(root, metric, out / "sensitivity.png")
    except UndefinedAtPoints as exc:  # the rest of the report stands
        sens = None
        sections.append(("global sensitivity: not computed", str(exc), [], None))
    if sens:
        sections.append(("global sensitivity", sensitivity_caveat(sens[1]), [sens[0]], sensitivity_words(sens[1])))
    if displacement.applies(root, table):
        try:
            sections += displacement.section(root, out)
        except ValueError as exc:  # e.g. several doses or several other keys: the rest of the report stands
            sections.append(("displacement: not analysed", f"{exc} (python -m analysis.displacement --help)", [], None))
    maps = outcome_maps(root, per_config, out)  # a seed held by two design points is one replication
    logged = {run for run in per_config.run.unique() if (root / run / "events").is_dir()}
    unmapped = [str(c) for c, runs in per_config.groupby("config", sort=False).run if not set(runs) & logged]
    not_drawn = f"Not drawn (no event log: run with events=false): {', '.join(unmapped)}." if unmapped else ""
    where = "where groups crossed, were interdicted and got away"
    if maps:
        text = "Marker area: events in that cell per replication of the configuration (the same scale on every map)."
        sections.append((where, f"{text} {not_drawn}".strip(), maps, None))
    elif unmapped:
        sections.append((where, not_drawn, [], None))
    notes = [seeds_note] if seeds_note else []
    if repeats:
        notes.append(
            f"{repeats} replication(s) appear in two run directories of the same configuration (same seed); "
            "each is counted once."
        )
    page = [
        f"<html><head><meta charset='utf-8'><title>report: {html.escape(root.name)}</title>",
        "<style>body{font-family:sans-serif;max-width:1150px;margin:2em auto}"
        "table{border-collapse:collapse;font-size:12px;margin-bottom:1em}td,th{border:1px solid #ccc;"
        "padding:2px 6px}td{text-align:right}th{background:#f3f3f3}img{max-width:100%}</style></head><body>",
        f"<h1>Report: {html.escape(str(root))}</h1>",
        f"<p>{len(per_config)} replications in {table['config'].nunique()} configuration(s)"
        + (f" at {table['point'].nunique()} design points" if designed else "")
        + f"; swept keys: {html.escape(', '.join(params) or 'none')}.</p>",
        *[f"<p>{html.escape(n)}</p>" for n in notes],
        f"<h2>{html.escape(metric_label(metric))} per configuration (mean, 95% CI)</h2>",
        html_table(overview_table(per_config, metric, params)),
    ]
    for title, text, figs, df in sections:
        page.append(f"<h2>{html.escape(title)}</h2>")
        if text:
            page.append(f"<p>{html.escape(text)}</p>")
        page += [f"<img src='{f.name}'>" for f in figs]
        if df is not None and len(df):
            page.append(html_table(df))
    page.append("</body></html>")
    path = out / "report.html"
    write_text_atomic("\n".join(page), path)
    return path


def main(argv: list[str] | None = None) -> int:
    end_on_sigterm()
    ap = argparse.ArgumentParser(
        prog="python -m analysis.report", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("path", help="a sweep or run directory")
    ap.add_argument("--metric", default="interdiction_rate", help="metric of the main figures")
    ap.add_argument("--out", default=None, help="output folder (default: PATH/report)")
    ap.add_argument(
        "--decision-keys",
        nargs="+",
        metavar="KEY",
        default=None,
        help="swept keys a planner chooses: the Pareto front is drawn over these, within each combination of "
        "the other swept keys (default: every swept key except scenario.organisations.*, the scenario chosen, its "
        "terrain and horizon, and prices: scenario.costs.*, *_usd*, lifetime_years)",
    )
    ap.add_argument(
        "--pair-on-common-seeds",
        action="store_true",
        help="when configurations hold different seeds (sibling sweep points run with different replications, "
        "an interrupted run), pair each comparison on the seeds both sides hold instead of stopping",
    )
    args = ap.parse_args(argv)
    try:
        path = build_report(args.path, args.metric, args.out, args.decision_keys, args.pair_on_common_seeds)
    except (OSError, KeyError, ValueError) as exc:  # OSError: a file not found, a disk full, ...
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
