"""Drones (sim/sensors/drone.py): the search hazard of every cell, the flight window as the sensor's
up/down schedule, what the log says about it, and false alarms only while aloft. The detection
law itself is checked against Koopman's formula in tests/test_analytic.py."""

import math

import numpy as np
import pandas as pd
import pytest
from helpers import corridor_world, drone, inject, run
from validation_checks import _aloft_minutes

from analysis.evidence import down_intervals
from analysis.maps import COVERAGE_KEYS
from sim.model import BorderModel
from sim.sensors import SENSOR_TYPES
from sim.sensors.drone import Drone, DroneParams
from sim.world import World


def drone_sensor(world: World, seed: int = 1):
    model = BorderModel(world, seed)
    (sensor,) = [s for s in model.sensors if s.params.type == "drone"]
    return model, sensor


def test_every_cell_within_the_radius_gets_koopmans_hazard_times_its_cover_factor():
    world = corridor_world(length=12, kind="scrub")
    terrain = world.terrain
    w, v, r, sensitivity = 0.35, 52.0, 2.6, 0.7
    fp = Drone.footprint(
        terrain,
        6,
        DroneParams(agency="bp", sweep_width_km=w, speed_kmh=v, search_radius_km=r, cover_sensitivity=sensitivity),
    )
    within = np.flatnonzero(terrain.distance_km(6, np.arange(terrain.n_nodes)) <= r)
    assert fp.nodes.tolist() == within.tolist() == [4, 5, 6, 7, 8]
    expected = w * v / (math.pi * r**2) / 60.0 * np.clip(1 - sensitivity * terrain.cover[within], 0, 1)
    np.testing.assert_allclose(fp.rate_per_min, expected, rtol=1e-12)
    assert not fp.per_visit.any()


@pytest.mark.parametrize("opens_h, aloft_h", [(19.0, 7.5), (22.5, 6.0), (6.0, 18.0), (0.0, 0.25), (23.9, 23.9)])
def test_a_drone_is_up_exactly_in_its_daily_window(opens_h, aloft_h):
    sensors = {"d": drone(6, 0.2, 30.0, 1.5, aloft_hours_per_day=aloft_h, launch_hour=opens_h)}
    _, sensor = drone_sensor(corridor_world(sensors, horizon_days=3.4))
    t = np.arange(0.0, 3.4 * 1440.0, 0.25) + 0.125  # off the window edges
    in_window = (t - opens_h * 60.0) % 1440.0 < aloft_h * 60.0
    assert np.array_equal(sensor.is_up(t), in_window)
    down = sensor.down_minutes_before(t)
    np.testing.assert_allclose(down, np.cumsum(np.where(in_window, 0.0, 0.25)) - np.where(in_window, 0.0, 0.125))


def test_the_maps_know_each_covering_sensor_type_and_its_default_radius():
    for typ, (key, default) in COVERAGE_KEYS.items():
        assert getattr(SENSOR_TYPES.get(typ).Params(agency="bp"), key) == default


def test_a_drone_aloft_all_day_is_never_down():
    _, sensor = drone_sensor(corridor_world({"d": drone(6, 0.2, 30.0, 1.5)}, horizon_days=2))
    assert sensor.never_down()


def test_the_log_shows_a_drone_on_the_ground_from_the_start_and_from_its_installation():
    window = dict(aloft_hours_per_day=8.0, launch_hour=6.0)
    _, ev = run(corridor_world({"d": drone(6, 0.2, 30.0, 1.5, **window)}, horizon_days=2), 1)
    log = ev[ev.kind.isin(["sensor_down", "sensor_up"])]
    assert list(zip(log.t, log.kind, log.detail)) == [
        (0.0, "sensor_down", "grounded"),
        (360.0, "sensor_up", "aloft"),
        (840.0, "sensor_down", "grounded"),
        (1800.0, "sensor_up", "aloft"),
        (2280.0, "sensor_down", "grounded"),
    ]
    _, ev = run(corridor_world({"d": drone(6, 0.2, 30.0, 1.5, installed_day=1.0, **window)}, horizon_days=2), 1)
    log = ev[ev.kind.isin(["sensor_down", "sensor_up"])]
    assert list(zip(log.t, log.kind)) == [(1440.0, "sensor_down"), (1800.0, "sensor_up"), (2280.0, "sensor_down")]


def test_the_log_shows_each_flight_window_whatever_the_working_state():
    """`flight` rows mark every take-off and landing, also during an outage (which hides them
    from sensor_down / sensor_up): the schedule, from the installation on."""
    window = dict(aloft_hours_per_day=8.0, launch_hour=6.0)
    injects = {"out": inject("sensor_outage", start_hours=13, duration_hours=18, sensors=["d"])}
    world = corridor_world({"d": drone(6, 0.2, 30.0, 1.5, **window)}, horizon_days=2, scenario_kw={"injects": injects})
    _, ev = run(world, 1)
    flights = ev[ev.kind == "flight"]
    assert list(zip(flights.t, flights.detail)) == [
        (0.0, "grounded"),
        (360.0, "aloft"),
        (840.0, "grounded"),
        (1800.0, "aloft"),
        (2280.0, "grounded"),
    ]
    world = corridor_world({"d": drone(6, 0.2, 30.0, 1.5, installed_day=0.5, **window)}, horizon_days=1)
    _, ev = run(world, 1)
    assert list(zip(*[ev[ev.kind == "flight"][c] for c in ("t", "detail")])) == [(720.0, "aloft"), (840.0, "grounded")]


@pytest.mark.parametrize(
    "start_h, hours, expected",
    [
        (13, 2, [(780.0, 840.0)]),  # over the landing: an hour aloft, then its hours on the ground
        (5, 4, [(360.0, 540.0)]),  # over the take-off: down from the take-off to the repair
        (10, 22, [(600.0, 840.0), (1800.0, 1920.0)]),  # over a whole night
        (15, 2, []),  # on the ground only
    ],
)
def test_the_review_counts_a_drone_down_only_while_aloft(start_h, hours, expected):
    """The after-action review's outages (analysis.evidence.down_intervals) are the hours in
    the flight window a drone was down: an outage across a landing or a take-off no longer counts
    the night on the ground as down time, nor hides the outage inside the window."""
    window = dict(aloft_hours_per_day=8.0, launch_hour=6.0)  # aloft 06:00-14:00
    injects = {"out": inject("sensor_outage", start_hours=start_h, duration_hours=hours, sensors=["d"])}
    world = corridor_world({"d": drone(6, 0.2, 30.0, 1.5, **window)}, horizon_days=2, scenario_kw={"injects": injects})
    _, ev = run(world, 1)
    down = down_intervals(ev)
    assert list(zip(down.start, down.end)) == expected


def test_false_alarms_come_only_while_aloft_at_the_declared_rate():
    """Per drone, false alarms are Poisson at false_alarms_per_day over its hours aloft: the count
    over 20 seeds within 4 standard deviations of the rate x the days aloft, none on the ground."""
    per_day, opens_h, aloft_h, days = 6.0, 19.0, 7.5, 3.0
    sensors = {"d": drone(6, 0.2, 30.0, 1.5, false_alarms_per_day=per_day, aloft_hours_per_day=aloft_h)}
    world = corridor_world(sensors, attempts_per_day=1.0, horizon_days=days)
    aloft_days = _aloft_minutes(0.0, days * 1440.0, opens_h * 60.0, aloft_h * 60.0) / 1440.0
    count, grounded = 0, 0
    for seed in range(1, 21):
        _, ev = run(world, seed)
        fa = ev[(ev.kind == "alert") & (ev.attempt == -1) & (ev.source == "drone")]
        count += len(fa)
        grounded += int(np.sum((fa.t.to_numpy() - opens_h * 60) % 1440.0 >= aloft_h * 60))
    expected = 20 * per_day * aloft_days
    assert grounded == 0
    assert abs(count - expected) <= 4 * math.sqrt(expected), (count, expected)


def test_a_drone_costs_more_the_more_hours_it_flies():
    """The operating cost per day is the fixed part plus each hour aloft (it ignored the hours
    aloft, so a sweep of them found 24 hours a day free)."""
    costs = {}
    for hours in (4.0, 12.0):
        sensors = {"d": drone(6, 0.2, 30.0, 1.5, aloft_hours_per_day=hours, opex_usd_per_day=200.0)}
        _, ev = run(corridor_world(sensors, horizon_days=1), 1)
        costs[hours] = float(ev[(ev.kind == "asset") & (ev.sensor >= 0)].opex_usd_per_day.iloc[0])
    per_hour = DroneParams(agency="bp").usd_per_flight_hour
    assert per_hour > 0
    assert costs == {4.0: 200.0 + 4.0 * per_hour, 12.0: 200.0 + 12.0 * per_hour}


def test_a_log_from_before_flight_rows_is_read_as_it_was():
    """Logs written before `flight` rows: a landing is a sensor_down 'grounded', and a drone that
    comes up is aloft; a failure on the ground repaired after the take-off (no take-off row)
    leaves the next outage in the window counted (it was lost)."""
    rows = [
        (150.0, "sensor_down", "grounded"),
        (1200.0, "sensor_up", ""),  # repaired after the window opened: aloft from here
        (1300.0, "sensor_down", ""),
        (1350.0, "sensor_up", ""),
        (1500.0, "sensor_down", "grounded"),
        (2000.0, "sensor_up", "aloft"),
    ]
    ev = pd.DataFrame(
        {
            "t": [t for t, _, _ in rows] + [2880.0],
            "seq": range(len(rows) + 1),
            "kind": [k for _, k, _ in rows] + ["run_end"],
            "detail": [d for _, _, d in rows] + [""],
            "sensor": [0] * len(rows) + [-1],
            "node": [7] * len(rows) + [-1],
            "duration_min": [np.nan] * len(rows) + [2880.0],
        }
    )
    down = down_intervals(ev, end=2880.0)
    assert list(zip(down.start, down.end)) == [(1300.0, 1350.0)]
