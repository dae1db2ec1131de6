"""The simulation against closed-form results (tests/validation_checks.py computes each check;
docs/validation.md shows the same numbers)."""

import pytest
from validation_checks import (
    command_centre_erlang_c,
    command_centre_pollaczek_khinchine,
    drone_flight_window,
    drone_random_search,
    layered_ground_sensors,
    tower_and_ground,
    tower_hazard,
)


def assert_agrees(check) -> None:
    assert check.agrees, (
        f"{check.name}: simulated {check.estimate:.4f} [{check.low:.4f}, {check.high:.4f}] vs "
        f"{check.theory} = {check.expected:.4f}"
    )
    if check.n.endswith("groups"):
        assert int(check.n.split()[0]) > 500, "too few groups to mean anything"
    else:
        assert (check.high - check.low) / 2 < 0.2 * check.expected, "the interval is too wide to mean anything"


def test_independent_layered_ground_sensors():
    assert_agrees(layered_ground_sensors())


@pytest.mark.parametrize("kind", ["open", "scrub"])
def test_tower_detection_is_exponential_in_time_in_view(kind):
    assert_agrees(tower_hazard(kind))


def test_tower_and_ground_sensors_combine_independently():
    assert_agrees(tower_and_ground())


@pytest.mark.parametrize("kind", ["open", "scrub"])
def test_drone_detection_follows_koopmans_random_search(kind):
    assert_agrees(drone_random_search(kind))


def test_a_drone_searches_only_while_aloft():
    check, outside = drone_flight_window()
    assert outside == 0, "a drone detected a group while on the ground"
    assert_agrees(check)


def test_command_centre_queue_matches_erlang_c():
    assert_agrees(command_centre_erlang_c())


def test_single_operator_fixed_handling_matches_pollaczek_khinchine():
    assert_agrees(command_centre_pollaczek_khinchine())
