"""The simulation against closed-form results, within confidence intervals."""

import math

import numpy as np
import pytest
from helpers import corridor_world, run
from helpers import ground as ground_sensor
from helpers import tower as tower_sensor
from scipy import stats

from sim.scenario import AgencySpec

MIN_PER_KM = 60.0 / 3.0  # foot, off-road, speed factor 1: 3 km/h


def ground(node: int, p: float):
    return ground_sensor(node, p)


def tower(node: int, rate: float, range_km: float):
    return tower_sensor(node, rate, range_km)


def detected_share(world, seeds=(1, 2)) -> tuple[float, int]:
    """Share of finished trips with at least one detection, pooled over seeds."""
    hits = n = 0
    for seed in seeds:
        _, ev = run(world, seed)
        done = set(ev[ev.kind == "got_away"].attempt)
        detected = set(ev[ev.kind == "detection"].attempt)
        hits += len(done & detected)
        n += len(done)
    return hits / n, n


def assert_binomial(p_hat: float, n: int, p: float) -> None:
    se = math.sqrt(p * (1 - p) / n)
    assert abs(p_hat - p) < 4 * se, f"simulated {p_hat:.4f} vs analytic {p:.4f} (n={n}, 4 SE={4 * se:.4f})"


def test_independent_layered_ground_sensors():
    ps = [0.3, 0.2, 0.5]
    sensors = {f"g{i}": ground(2 + i, p) for i, p in enumerate(ps)}
    p_hat, n = detected_share(corridor_world(sensors, attempts_per_day=300, horizon_days=2))
    assert n > 800
    assert_binomial(p_hat, n, 1 - np.prod([1 - p for p in ps]))


@pytest.mark.parametrize("kind,cover", [("open", 0.0), ("scrub", 0.5)])
def test_tower_detection_is_exponential_in_time_in_view(kind, cover):
    # range 1.5 km around node 6 covers cells 5, 6, 7; the group holds each for 20 minutes
    rate = 0.6
    world = corridor_world({"t": tower(6, rate, 1.5)}, attempts_per_day=300, horizon_days=2, kind=kind)
    minutes_in_view = 3 * MIN_PER_KM
    p = 1 - math.exp(-rate / 60 * (1 - cover) * minutes_in_view)
    p_hat, n = detected_share(world)
    assert_binomial(p_hat, n, p)


def test_tower_and_ground_sensors_combine_independently():
    world = corridor_world({"g": ground(2, 0.4), "t": tower(6, 0.6, 1.5)}, attempts_per_day=300, horizon_days=2)
    p = 1 - (1 - 0.4) * math.exp(-0.6 / 60 * 3 * MIN_PER_KM)
    p_hat, n = detected_share(world)
    assert_binomial(p_hat, n, p)


def erlang_c_wait(lam: float, mean_service: float, c: int) -> float:
    """Mean queueing delay of M/M/c (Erlang C)."""
    a = lam * mean_service
    top = a**c / math.factorial(c) * c / (c - a)
    prob_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return prob_wait / (c / mean_service - lam)


def mean_alert_wait(operators: int, handling_min: float, handling: str, seeds=range(1, 13)) -> list[float]:
    """Per-replication mean operator queue wait, with Poisson false alarms at 1 per minute."""
    sensors = {f"fa{i}": ground_sensor(2 + i, 0.0, false_alarms_per_day=360.0, cover_sensitivity=1.0) for i in range(4)}
    agency = AgencySpec(jurisdiction=["all"], operators=operators, handling_min=handling_min, handling=handling)
    world = corridor_world(sensors, attempts_per_day=0.0, horizon_days=3, agency=agency)
    waits = []
    for seed in seeds:
        _, ev = run(world, seed)
        handled = ev[ev.kind == "alert_handled"]
        assert len(handled) > 2500
        waits.append(handled.duration_min.mean())
    return waits


def assert_in_ci(samples: list[float], expected: float) -> None:
    m, se = np.mean(samples), stats.sem(samples)
    half = stats.t.ppf(0.995, len(samples) - 1) * se
    assert abs(m - expected) <= half, f"mean {m:.3f} +- {half:.3f} (99% CI) vs analytic {expected:.3f}"
    assert half < 0.2 * expected  # the interval is tight enough to mean something


def test_command_centre_queue_matches_erlang_c():
    assert_in_ci(mean_alert_wait(2, 1.2, "exponential"), erlang_c_wait(1.0, 1.2, 2))  # load 0.6


def test_single_operator_fixed_handling_matches_pollaczek_khinchine():
    rho, service = 0.75, 0.75  # lambda = 1/min
    assert_in_ci(mean_alert_wait(1, service, "fixed"), rho * service / (2 * (1 - rho)))
