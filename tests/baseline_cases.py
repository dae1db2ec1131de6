"""The fixed scenarios and seeds whose summaries are pinned in tests/baseline/*.json."""

from __future__ import annotations

import json
import math
from pathlib import Path

from sim.config import compose
from sim.runner import run_replication
from sim.world import build_world

BASELINE_DIR = Path(__file__).parent / "baseline"
CASES = {
    "demo_seed1": ([], 1),
    "demo_turn_back_seed2": (
        ["scenario.organisations.cartel.reaction=turn_back", "scenario.organisations.cartel.notice_prob=1.0"],
        2,
    ),
    "tri_agency_seed3": (["scenario=tri_agency"], 3),
}


def summary_of(case: str) -> dict[str, float]:
    overrides, seed = CASES[case]
    c = compose(overrides)
    result = run_replication(build_world(c.scenario, c.origin), seed)
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in result.summary.items()}


def write(case: str) -> Path:
    path = BASELINE_DIR / f"{case}.json"
    path.write_text(json.dumps(summary_of(case), indent=1, sort_keys=True) + "\n")
    return path
