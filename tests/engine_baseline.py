"""Per-seed summaries of 40 seeds of demo and tri_agency, stored from the engine before a change
that alters its random draws or its mechanics (tests/baseline/engine-*.csv). tests/test_engine_baseline.py
compares today's engine with them metric by metric (Welch's t, Holm's correction, family-wise
alpha 0.05): an engine change may move single seeds, not the distributions.

    .venv/bin/python tests/engine_baseline.py       # store the current engine's summaries (rarely!)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from sim.config import SCENARIO_DIR, compose  # noqa: E402
from sim.runner import run_replication  # noqa: E402
from sim.world import build_world  # noqa: E402

BASELINE_DIR = Path(__file__).parent / "baseline"
SCENARIOS = ("demo", "tri_agency")
SEEDS = range(1, 41)
# metrics redefined after the summaries were stored: they measure something else now, so they are
# not compared (empty this when the summaries are stored again)
REDEFINED = {
    "alerts_no_unit": "first-hand alerts that no centre answered, once each (2026-12-02); was every "
    "receipt that found no unit, counting a task force's or liaison partner's answered alerts",
}


def summaries(scenario: str, seeds=SEEDS) -> pd.DataFrame:
    """One summary row per seed of `scenario` under today's engine."""
    c = compose([f"scenario={scenario}"])
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    return pd.DataFrame([{"seed": s, **run_replication(world, s).summary} for s in seeds])


def path(scenario: str) -> Path:
    return BASELINE_DIR / f"engine-{scenario}.csv"


if __name__ == "__main__":
    for name in SCENARIOS:
        summaries(name).to_csv(path(name), index=False)
        print(f"wrote {path(name)}")
