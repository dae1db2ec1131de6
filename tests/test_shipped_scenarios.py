"""Conformance over every shipped scenario file: it composes, builds, runs deterministically,
and keeps the basic invariants (one outcome per attempt, time forward, nothing after the end)."""

from pathlib import Path

import pytest

from sim.config import SCENARIO_DIR, compose
from sim.model import BorderModel
from sim.world import build_world

SCENARIOS = sorted(p.stem for p in Path(SCENARIO_DIR).glob("*.yaml"))


def test_the_shipped_scenarios_are_found():
    assert {"demo", "tri_agency", "drill_night_surge"} <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_shipped_scenario_runs_and_conforms(name):
    c = compose([f"scenario={name}", "scenario.horizon_days=1", "scenario.corridors.measure_from_day=0.5"])
    world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    a = BorderModel(world, 3).run().to_arrow().to_pandas()
    b = BorderModel(world, 3).run().to_arrow().to_pandas()
    assert a.equals(b)  # same seed, same log
    assert (a.t.diff().dropna() >= 0).all() and a.kind.iloc[-1] == "run_end"
    ends = a[a.kind.isin(["interdiction", "got_away", "turned_back"])]
    assert not ends.attempt.duplicated().any() and set(ends.attempt) <= set(a[a.kind == "attempt"].attempt)
    assert (a.kind == "attempt").sum() > 0
