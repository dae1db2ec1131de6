"""Means with confidence intervals, and paired differences under common random numbers.

A metric that is a ratio of two per-run totals (`RATIO_METRICS`: cost per interdiction) is estimated over
runs as the ratio of their means (the total cost over the total interdictions), with a
delta-method interval, not as the mean of the per-run ratios: a run without an interdiction has
no ratio, so that mean leaves out exactly the runs that bought least, and can reverse which of
two mixes is cheaper per interdiction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.labels import metric_unit
from sim.metrics import RATIO_METRICS


def metric_range(metric: str) -> tuple[float, float]:
    """The values a summary metric can take: each is a count, a time, a cost or a proportion, so
    at least 0, and a proportion at most 1."""
    return (0.0, 1.0) if metric_unit(metric) == "proportion" else (0.0, np.inf)


def ratio_parts(table: pd.DataFrame, metric: str) -> tuple[str, str] | None:
    """The numerator and denominator columns of a ratio metric, if the table holds both."""
    parts = RATIO_METRICS.get(metric)
    return parts if parts is not None and all(p in table for p in parts) else None


def ratio_of_means(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """sum(x) / sum(y) and each replication's linearised value (x - R y) / mean(y), whose standard
    error over replications is the ratio's (the delta method); NaN where y sums to 0 or less."""
    total = float(y.sum())
    if x.size == 0 or total <= 0:
        return np.nan, np.full(x.size, np.nan)
    r = float(x.sum()) / total
    return r, (x - r * y) / (total / y.size)


def mean_ci(table: pd.DataFrame, metric: str, by: list[str] | str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Per group: n (replications with a value of `metric`), runs (all replications), mean,
    standard deviation and the t-interval of the mean, cut to the metric's range (`metric_range`:
    a rate's interval past 1 or a count's below 0 holds no possible value). A ratio metric
    (`RATIO_METRICS`) is the ratio of means, n counts the replications with both parts, sd is that
    of the linearised values."""
    by = [by] if isinstance(by, str) else list(by or [])
    groups = table.groupby(by, dropna=False, sort=True) if by else [((), table)]
    parts = ratio_parts(table, metric)
    lowest, highest = metric_range(metric)
    rows = []
    for key, g in groups:
        if parts:
            xy = g[list(parts)].dropna().to_numpy(dtype=float)
            m, x = ratio_of_means(xy[:, 0], xy[:, 1])
            x = x if not np.isnan(m) else x[:0]  # no denominator in the group: no replication gives a value
        else:
            x = g[metric].dropna().to_numpy(dtype=float)
            m = float(x.mean()) if x.size else np.nan
        n = x.size
        sd = float(x.std(ddof=1)) if n > 1 else np.nan
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)) if n > 1 else np.nan
        key = key if isinstance(key, tuple) else (key,)
        low, high = max(m - half, lowest), min(m + half, highest)  # (NaN stays NaN)
        rows.append({**dict(zip(by, key)), "n": n, "runs": len(g), "mean": m, "sd": sd, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def mean_ci_over_seeds(
    table: pd.DataFrame, metric: str, by: list[str], pair_on: str = "seed", level: float = 0.95
) -> pd.DataFrame:
    """`mean_ci` per group of `by`, pooled over whatever else varies within a group (other swept
    keys): each seed's values are averaged first, then the interval is over seeds (n = seeds with
    a value; runs = every replication of the group). Rows that share a seed share its random
    streams (common random numbers), so they are not independent samples: counted as such, a
    95% interval pooled over 4 levels covered the mean about 66% of the time. Where a group holds
    one row per seed this is `mean_ci` itself (a ratio metric: its parts are averaged per seed)."""
    columns = [metric, *(ratio_parts(table, metric) or ())]
    per_seed = table.groupby(list(by) + [pair_on], dropna=False)[columns].mean().reset_index()
    ci = mean_ci(per_seed, metric, by, level)
    ci["runs"] = table.groupby(list(by), dropna=False, sort=True).size().to_numpy()
    return ci


def at_level(values: pd.Series, level: object) -> pd.Series:
    """Rows whose value is `level`; a missing `level` (a key unset in those runs: the scenario's
    own value) is a level of its own and selects the missing values."""
    return values.isna() if is_unset(level) else values == level


def levels(values: pd.Series) -> list:
    """The distinct values, a missing value once (the scenario's own, where a key is unset)."""
    present = list(values.dropna().unique())
    return present + ([np.nan] if values.isna().any() else [])


def level_order(level: object) -> tuple:
    """Sort key of a swept key's levels: unset first (the scenario's own value), then numbers in
    order (2 before 16), then the rest by name."""
    if is_unset(level):
        return (0, 0.0, "")
    if isinstance(level, (int, float, np.number)):
        return (1, float(level), "")
    return (2, 0.0, str(level))


def is_unset(level: object) -> bool:
    """A missing value: a key left unset in that run."""
    return not isinstance(level, (list, tuple, dict)) and bool(pd.isna(level))


def paired_differences(
    table: pd.DataFrame,
    metric: str,
    factor: str,
    baseline: object,
    pair_on: str = "seed",
    within: list[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """For each level of `factor` (other than `baseline`): the mean difference (level - baseline)
    of replications paired by `pair_on` (the same seed = common random numbers), its t-interval
    and the paired t-test p-value (none for fewer than two). `within` keeps other swept keys
    fixed within each pair. For a ratio metric (`RATIO_METRICS`) the difference is that of the two
    ratios of means over the paired seeds, its interval and test from the paired linearised values.

    Pairs that share a seed across the other keys' values are not independent (the same random
    streams drive them), so the interval and the test are over seeds: each seed's differences
    are averaged over the other keys' values first, and n_seeds (the sample size of the interval
    and the test) is reported beside n_pairs. With no other key swept the two are the same."""
    within = list(within or [])
    keys = within + [pair_on]
    parts = ratio_parts(table, metric)
    columns = list(parts) if parts else [metric]
    base = table[at_level(table[factor], baseline)].set_index(keys)[columns]
    if not base.index.is_unique:
        raise ValueError(f"replications are not paired uniquely by {keys}: list the other swept keys in `within`")
    rows = []
    others = [v for v in levels(table[factor]) if not (v == baseline or (is_unset(v) and is_unset(baseline)))]
    for level_value in sorted(others, key=level_order):
        other = table[at_level(table[factor], level_value)].set_index(keys)[columns]
        pairs = pd.concat([other.add_suffix("_x"), base.add_suffix("_b")], axis=1, join="inner").dropna()
        per_seed = pairs.groupby(level=pair_on).mean().to_numpy(dtype=float)  # columns: level's, then baseline's
        n = per_seed.shape[0]
        if parts:
            r_x, z_x = ratio_of_means(per_seed[:, 0], per_seed[:, 1])
            r_b, z_b = ratio_of_means(per_seed[:, 2], per_seed[:, 3])
            mean, diffs = r_x - r_b, z_x - z_b  # the difference of ratios and its linearised values
            if np.isnan(mean):  # a side without a denominator over the pairs: nothing to compare
                n, diffs = 0, diffs[:0]
        else:
            diffs = per_seed[:, 0] - per_seed[:, 1]
            mean = float(diffs.mean()) if n else np.nan
        se = float(diffs.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * se) if n > 1 else np.nan
        p = _t_test_p(mean, se, n) if n > 1 else np.nan
        rows.append(
            {
                factor: level_value,
                "baseline": baseline,
                "n_pairs": len(pairs),
                "n_seeds": n,
                "mean_diff": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "p_value": p,
            }
        )
    columns = [factor, "baseline", "n_pairs", "n_seeds", "mean_diff", "ci_low", "ci_high", "p_value"]
    return pd.DataFrame(rows, columns=columns)  # its columns also with no other level (a key not swept)


def holm_adjusted(pvalues: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control over the family of tests):
    the i-th smallest p times (m - i), made non-decreasing, capped at 1. Reject where < alpha."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p, kind="stable")
    m = p.size
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def group_means(table: pd.DataFrame, metric: str, by: str | list[str]) -> pd.Series:
    """The metric's mean per group of `by` (a ratio metric: the ratio of its parts' means)."""
    parts = ratio_parts(table, metric)
    if not parts:
        return table.groupby(by)[metric].mean()
    groups = table.dropna(subset=list(parts)).groupby(by)
    return pd.Series(
        {key: ratio_of_means(g[parts[0]].to_numpy(float), g[parts[1]].to_numpy(float))[0] for key, g in groups},
        name=metric,
        dtype=float,
    )


def _t_test_p(mean: float, se: float, n: int) -> float:
    """Two-sided p of a t statistic mean / se on n - 1 degrees of freedom; with no spread (se 0) a
    difference is decided: p 0 if it is not 0, else 1 (NaN if the mean is undefined)."""
    if np.isnan(mean):
        return np.nan
    if not se > 0:
        return 0.0 if mean != 0 else 1.0
    return float(2 * stats.t.sf(abs(mean) / se, n - 1))


def mean_test_p(x: np.ndarray, alternative: str = "two-sided") -> float:
    """p of a one-sample t-test of mean 0 (paired differences), with the degenerate cases decided:
    all differences equal give p = 1 if they are 0, else p = 0; fewer than two give p = 1."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return 1.0
    if np.ptp(x) == 0:
        m = float(x[0])
        if m == 0:
            return 1.0
        return 0.0 if alternative == "two-sided" or (alternative == "greater") == (m > 0) else 1.0
    return float(stats.ttest_1samp(x, 0.0, alternative=alternative).pvalue)
