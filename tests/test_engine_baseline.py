"""Today's engine against the per-seed summaries stored from the engine before a change of its
random draws or mechanics (tests/engine_baseline.py): for each metric of demo and tri_agency, the
means of 40 seeds must not differ (Welch's t, Holm's correction over all metrics of a scenario,
family-wise alpha 0.05). Metrics constant over the seeds (capital outlays, the horizon) must be
equal. Every difference that remains after a change is explained in that change's commit."""

import numpy as np
import pandas as pd
import pytest
from engine_baseline import REDEFINED, SCENARIOS, path, summaries
from scipy import stats

ALPHA = 0.05


def holm_rejected(pvalues: dict[str, float], alpha: float = ALPHA) -> list[str]:
    """The hypotheses Holm's step-down procedure rejects at family-wise level alpha."""
    ordered = sorted(pvalues.items(), key=lambda kv: kv[1])
    rejected = []
    for k, (name, p) in enumerate(ordered):
        if p > alpha / (len(ordered) - k):
            break
        rejected.append(name)
    return rejected


def test_holm_rejects_step_down():
    assert holm_rejected({"a": 0.001, "b": 0.03, "c": 0.04}) == ["a"]  # 0.03 > 0.05 / 2: stop
    assert holm_rejected({"a": 0.01, "b": 0.02, "c": 0.9}) == ["a", "b"]
    assert holm_rejected({"a": 0.5}) == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_engine_agrees_with_the_stored_engine_metric_by_metric(scenario):
    old = pd.read_csv(path(scenario))
    new = summaries(scenario, old.seed.tolist())
    pvalues, unequal_constants = {}, []
    for metric in sorted(set(old.columns) & set(new.columns) - {"seed", *REDEFINED}):
        a = pd.to_numeric(old[metric], errors="coerce").dropna().to_numpy(dtype=float)
        b = pd.to_numeric(new[metric], errors="coerce").dropna().to_numpy(dtype=float)
        if len(a) < 10 or len(b) < 10:
            continue
        if np.ptp(a) == 0 and np.ptp(b) == 0:
            if not np.isclose(a[0], b[0], rtol=1e-9):
                unequal_constants.append(f"{metric}: {a[0]} -> {b[0]}")
            continue
        pvalues[metric] = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert not unequal_constants, unequal_constants
    rejected = holm_rejected(pvalues)
    detail = {
        m: (round(float(old[m].mean()), 4), round(float(new[m].mean()), 4), f"p={pvalues[m]:.2g}") for m in rejected
    }
    assert not rejected, f"{scenario}: means differ (old, new, p): {detail}"
