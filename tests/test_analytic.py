"""The simulation against closed-form results (tests/validation_checks.py computes each check;
docs/validation.md shows the same numbers)."""

import pytest
from validation_checks import (
    assert_agrees,
    command_centre_erlang_c,
    command_centre_pollaczek_khinchine,
    drone_flight_window,
    drone_random_search,
    failing_ground_sensor,
    failing_sensor_availability,
    layered_ground_sensors,
    overlapping_towers,
    response_in_time,
    tower_and_ground,
    tower_hazard,
    unit_meeting,
)


def test_independent_layered_ground_sensors():
    assert_agrees(layered_ground_sensors())


@pytest.mark.parametrize("kind", ["open", "scrub"])
def test_tower_detection_is_exponential_in_time_in_view(kind):
    assert_agrees(tower_hazard(kind))


def test_tower_and_ground_sensors_combine_independently():
    assert_agrees(tower_and_ground())


def test_overlapping_towers_detect_independently():
    for check in overlapping_towers():
        assert_agrees(check)


@pytest.mark.parametrize("kind", ["open", "scrub"])
def test_a_unit_sees_a_group_it_meets_once_with_its_detection_chance(kind):
    assert_agrees(unit_meeting(kind))


@pytest.mark.parametrize("mtbf_days, repair_hours", [(0.25, 4.0), (0.1, 1.0)])
def test_a_failing_sensor_is_up_as_its_failure_and_repair_times_say(mtbf_days, repair_hours):
    assert_agrees(failing_sensor_availability(mtbf_days, repair_hours))


def test_a_failing_ground_sensor_detects_only_while_up():
    check, while_down = failing_ground_sensor()
    assert while_down == 0, "a ground sensor detected a group passing while it was down"
    assert_agrees(check)


@pytest.mark.parametrize("kind", ["open", "scrub"])
def test_drone_detection_follows_koopmans_random_search(kind):
    assert_agrees(drone_random_search(kind))


def test_a_drone_searches_only_while_aloft():
    check, outside = drone_flight_window()
    assert outside == 0, "a drone detected a group while on the ground"
    assert_agrees(check)


@pytest.mark.parametrize("operators, handling_min", [(2, 1.2), (1, 0.5), (3, 2.4)])
def test_command_centre_queue_matches_erlang_c(operators, handling_min):
    assert_agrees(command_centre_erlang_c(operators, handling_min))


def test_single_operator_fixed_handling_matches_pollaczek_khinchine():
    assert_agrees(command_centre_pollaczek_khinchine())


def test_a_response_finds_the_group_only_if_it_arrives_in_time():
    check, late_finds = response_in_time()
    assert late_finds == 0, "a response that arrived after the group left its search radius found it"
    assert_agrees(check)
