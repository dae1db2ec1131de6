"""Failures the fuzzer (tests/test_fuzz.py) found, shrunk, kept as ordinary regression tests."""

import pytest

from sim.validation import ScenarioError, parse_scenario
from sim.world import build_world

SMALL = {
    "name": "fuzz",
    "horizon_days": 0.25,
    "agencies": {"a0": {"jurisdiction": ["home"]}},
    "organisations": {"o0": {"cargo": {"people": {"share": 1.0}, "drugs": {"share": 0.0}}}},
}


def test_a_vanishing_sensor_spacing_is_refused_not_a_crash():
    """spacing_km = 1.2e-38 asked numpy for 3e39 sensor positions (ValueError in the world build)."""
    raw = {**SMALL, "sensors": {"s0": {"type": "ground", "agency": "a0", "spacing_km": 1.2060534523167148e-38}}}
    with pytest.raises(ScenarioError, match=r"spacing_km: got 1.2\d*e-38; allowed: 0 \(use count\) or at least 0.1"):
        parse_scenario(raw, "fuzz")


def test_a_vanishing_attempt_rate_launches_nothing():
    """attempts_per_day = 5e-324 overflowed the mean gap between arrivals (1 / rate)."""
    from sim.model import BorderModel

    raw = {**SMALL, "organisations": {"o0": {**SMALL["organisations"]["o0"], "attempts_per_day": 5e-324}}}
    world = build_world(parse_scenario(raw, "fuzz"), "fuzz")
    ev = BorderModel(world, 1).run().to_arrow().to_pandas()
    assert not (ev.kind == "attempt").any()


def test_a_vanishing_time_between_failures_is_refused_not_a_hang():
    """mtbf_days = 3.7e-154 drew failures until the horizon: about 1e155 of them (a hang)."""
    raw = {**SMALL, "sensors": {"s0": {"type": "ground", "agency": "a0", "mtbf_days": 3.659390977869573e-154}}}
    with pytest.raises(ScenarioError, match=r"mtbf_days: got 3.6\d*e-154; allowed: 0 \(never fails\) or at least"):
        parse_scenario(raw, "fuzz")


def test_spotters_reporting_every_microsecond_are_refused_not_a_hang():
    """spotter_interval_min = 1e-6 put a spotter report on the clock every microsecond: 72,000
    reports for a 0.05-day run, and 5e15 for a 10-year one (a hang)."""
    routing = {"type": "adaptive", "patrol_aversion": 0.01, "spotter_interval_min": 1e-06}
    raw = {**SMALL, "organisations": {"o0": {**SMALL["organisations"]["o0"], "routing": routing}}}
    with pytest.raises(ScenarioError, match=r"spotter_interval_min: got 1e-06; allowed: >= 5"):
        parse_scenario(raw, "fuzz")
