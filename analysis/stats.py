"""Means with confidence intervals, and paired differences under common random numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(table: pd.DataFrame, metric: str, by: list[str] | str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Per group: n (replications with a value of `metric`), runs (all replications), mean,
    standard deviation and the t-interval of the mean."""
    by = [by] if isinstance(by, str) else list(by or [])
    groups = table.groupby(by, dropna=False, sort=True) if by else [((), table)]
    rows = []
    for key, g in groups:
        x = g[metric].dropna().to_numpy(dtype=float)
        n = x.size
        m = float(x.mean()) if n else np.nan
        sd = float(x.std(ddof=1)) if n > 1 else np.nan
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)) if n > 1 else np.nan
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {**dict(zip(by, key)), "n": n, "runs": len(g), "mean": m, "sd": sd, "ci_low": m - half, "ci_high": m + half}
        )
    return pd.DataFrame(rows)


def mean_ci_over_seeds(
    table: pd.DataFrame, metric: str, by: list[str], pair_on: str = "seed", level: float = 0.95
) -> pd.DataFrame:
    """`mean_ci` per group of `by`, pooled over whatever else varies within a group (other swept
    keys): each seed's values are averaged first, then the interval is over seeds (n = seeds with
    a value; runs = every replication of the group). Rows that share a seed share its random
    streams (common random numbers), so they are not independent samples: counted as such, a
    95% interval pooled over 4 levels covered the mean about 66% of the time. Where a group holds
    one row per seed this is `mean_ci` itself."""
    per_seed = table.groupby(list(by) + [pair_on], dropna=False)[metric].mean().reset_index()
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
    and the paired t-test p-value (`mean_test_p`; none for fewer than two). `within` keeps
    other swept keys fixed within each pair.

    Pairs that share a seed across the other keys' values are not independent (the same random
    streams drive them), so the interval and the test are over seeds: each seed's differences
    are averaged over the other keys' values first, and n_seeds (the sample size of the interval
    and the test) is reported beside n_pairs. With no other key swept the two are the same."""
    within = list(within or [])
    keys = within + [pair_on]
    base = table[at_level(table[factor], baseline)].set_index(keys)[metric]
    if not base.index.is_unique:
        raise ValueError(f"replications are not paired uniquely by {keys}: list the other swept keys in `within`")
    rows = []
    others = [v for v in levels(table[factor]) if not (v == baseline or (is_unset(v) and is_unset(baseline)))]
    for level_value in sorted(others, key=level_order):
        other = table[at_level(table[factor], level_value)].set_index(keys)[metric]
        pairs = pd.concat([other.rename("x"), base.rename("b")], axis=1, join="inner").dropna()
        per_seed = (pairs.x - pairs.b).groupby(level=pair_on).mean().to_numpy(dtype=float)
        n = per_seed.size
        mean = float(per_seed.mean()) if n else np.nan
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * per_seed.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
        p = mean_test_p(per_seed) if n > 1 else np.nan  # equal differences decided: 0 if not 0, else 1
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
    return pd.DataFrame(rows)


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
