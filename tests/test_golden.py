"""Golden-summary regression: fixed scenario + seed -> the committed summary, to 1e-9.
Refresh with `.venv/bin/python tests/refresh_baseline.py` when a change is meant."""

import json

import pytest
from baseline_cases import BASELINE_DIR, CASES, summary_of


@pytest.mark.parametrize("case", sorted(CASES))
def test_summary_matches_baseline(case):
    expected = json.loads((BASELINE_DIR / f"{case}.json").read_text())
    got = summary_of(case)
    assert set(got) == set(expected), "metrics added or removed: refresh the baseline"
    diffs = {
        k: (expected[k], got[k])
        for k in expected
        if (expected[k] is None) != (got[k] is None)
        or (expected[k] is not None and got[k] != pytest.approx(expected[k], rel=1e-9, abs=1e-9))
    }
    assert not diffs, f"summary changed (expected, got): {diffs}"
