"""Defects found by checking the model against theory under stress, each pinned by an exact,
seeded case: events of one instant, dispatch times and the nearest unit, responses to groups
already resolved, and what the dispatch and alert_handled rows mean."""

import math
from dataclasses import dataclass

import numpy as np
import pytest
from helpers import corridor_world, fixed_route, inject, posted_unit, run, sure_ground, tower
from helpers import ground as ground_sensor

from sim.model import BorderModel
from sim.params import Chosen
from sim.policies.dispatch.base import NoParams
from sim.policies.launch.fixed_rate import FixedRateParams
from sim.policies.reaction import REACTIONS
from sim.policies.reaction.base import Reaction
from sim.scenario import (
    AgencySpec,
    BarrierSpec,
    CargoSpec,
    CoordinationSpec,
    ModeSpec,
    OrgSpec,
    ScenarioSpec,
    TerrainSpec,
    UnitGroupSpec,
)
from sim.terrain.sources.grid import GridParams
from sim.world import build_world

MIN_PER_CELL = 20.0  # foot, 1 km at 3 km/h
TWO_AGENCIES = {"bp": AgencySpec(jurisdiction=["all"]), "police": AgencySpec(jurisdiction=["all"])}


def ground(agency: str, node: int, p: float):
    return ground_sensor(node, p, agency=agency)


# --- every event of an instant is seen before a reaction re-plans -------------------------------
@pytest.mark.parametrize("reaction", ["run", "hide", "turn_back"])
def test_two_sure_sensors_in_one_cell_both_detect_before_the_group_reacts(reaction):
    world = corridor_world(
        {"a": ground("bp", 3, 1.0), "b": ground("police", 3, 1.0)},
        attempts_per_day=40,
        horizon_days=1,
        agencies=TWO_AGENCIES,
        reaction=reaction,
        notice_prob=1.0,
    )
    _, ev = run(world, 1)
    det = ev[ev.kind == "detection"]
    passed = det.attempt.unique()
    assert len(passed) > 20
    for a in passed:  # both sensors, at the same minute, each raising its own agency's alert
        rows = det[det.attempt == a]
        assert sorted(rows.sensor) == [0, 1] and rows.t.nunique() == 1
        alerts = ev[(ev.kind == "alert") & (ev.attempt == a)]
        assert sorted(alerts.agency) == ["bp", "police"]
        assert (ev[ev.kind == "reaction"].attempt == a).sum() == 1  # one reaction to both notices


@pytest.mark.parametrize("reaction", ["run", "turn_back"])
def test_sensors_sharing_a_cell_combine_independently(reaction):
    p_a, p_b = 0.6, 0.45
    world = corridor_world(
        {"a": ground("bp", 3, p_a), "b": ground("police", 3, p_b)},
        attempts_per_day=400,
        horizon_days=2,
        agencies=TWO_AGENCIES,
        reaction=reaction,
        notice_prob=1.0,
    )
    _, ev = run(world, 7)
    start = ev[ev.kind == "attempt"]
    passed = set(start[start.t + 3 * MIN_PER_CELL < world.horizon_min].attempt)  # reached cell 3's centre
    det = ev[ev.kind == "detection"]
    by_a, by_b = set(det[det.sensor == 0].attempt), set(det[det.sensor == 1].attempt)
    n = len(passed)
    assert n > 700
    for share, p in (
        (len(by_a) / n, p_a),
        (len(by_b) / n, p_b),
        (len(by_a & by_b) / n, p_a * p_b),
        (len(by_a | by_b) / n, 1 - (1 - p_a) * (1 - p_b)),
    ):
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n), (share, p)


# --- dispatch: the true arrival time, the unit that gets there first, the response limit ---------
def racing_units(max_response_min: float = 180.0) -> BorderModel:
    """A foot unit walking from cell 12 towards cell 1 (centre of cell k at minute (12 - k) x 20)
    and a vehicle parked at cell 12 (4 minutes a cell). At minute 95 the walker holds cell 7 but
    reaches its centre only at minute 100: 25 minutes to cell 6, while the vehicle needs 24."""
    agency = AgencySpec(
        jurisdiction=["all"], operators=1, handling_min=0.0, handling="fixed", max_response_min=max_response_min
    )
    walker = UnitGroupSpec(
        agency="bp",
        count=1,
        placement="explicit",
        nodes=[12],
        policy=fixed_route(12, 1),
        shift_hours=24.0,
        shifts_per_day=1,
        mode="foot",
        detect_prob=0.0,
    )
    parked = posted_unit(12, detect_prob=0.0)
    world = corridor_world(
        units={"walker": walker, "parked": parked}, attempts_per_day=0.0, horizon_days=1, length=12, agency=agency
    )
    model = BorderModel(world, 1)
    model.env.run(until=95.0)
    model.raise_alert("bp", 6, attempt=-1, source="tip")
    model.env.run(until=200.0)
    return model


def test_the_unit_that_arrives_first_is_sent_and_its_arrival_is_logged():
    ev = racing_units().log.to_arrow().to_pandas()
    disp = ev[ev.kind == "dispatch"]
    assert len(disp) == 1
    d = disp.iloc[0]
    assert d.t == 95.0 and d.unit == 1 and d.duration_min == pytest.approx(24.0)  # the parked vehicle
    arrival = ev[(ev.kind == "arrival") & (ev.incident == d.incident)].iloc[0]
    assert arrival.t == pytest.approx(95.0 + 24.0)


def test_no_unit_is_sent_beyond_the_response_limit():
    ev = racing_units(max_response_min=23.0).log.to_arrow().to_pandas()
    assert not (ev.kind == "dispatch").any()
    assert (ev.kind == "no_unit").sum() == 1


def test_logged_dispatch_time_is_the_real_trip(world_for):
    world = world_for("scenario=tri_agency")
    for seed in (1, 2):
        _, ev = run(world, seed)
        disp = ev[ev.kind == "dispatch"].set_index("incident")
        arr = ev[ev.kind == "arrival"].set_index("incident")
        assert len(arr) > 50
        assert np.allclose(arr.t - disp.t[arr.index], disp.duration_min[arr.index], atol=1e-9)
        cap = max(a.max_response_min for a in world.scenario.agencies.values())
        assert (disp.duration_min <= cap).all()


# --- responses to groups already resolved ------------------------------------------------------
def test_a_response_to_a_group_already_caught_is_wasted():
    """Sensor in cell 3, a posted unit in cell 4 that always catches the group 20 minutes later,
    an operator who takes 30 minutes per alert: the unit at cell 8 is sent for a group in custody."""
    agency = AgencySpec(jurisdiction=["all"], operators=1, handling_min=30.0, handling="fixed")
    units = {
        "catcher": posted_unit(4, detect_prob=1.0, processing_min=600.0),
        "responder": posted_unit(8, detect_prob=0.0),
    }
    world = corridor_world(sure_ground(3), units, attempts_per_day=3, horizon_days=1, agency=agency)
    model, ev = run(world, 2)
    caught = ev[(ev.kind == "interdiction") & (ev.unit == 0)]
    late = ev[(ev.kind == "dispatch") & ev.attempt.isin(caught.attempt)]
    assert len(late) >= 1 and (late.unit == 1).all()
    from sim.metrics import summarize

    summary = summarize(ev)
    assert summary["responses_to_resolved"] == len(late)
    assert summary["wasted_responses"] == len(late) + int((ev[ev.kind == "dispatch"].attempt < 0).sum())


# --- what the rows mean ------------------------------------------------------------------------
@pytest.mark.parametrize("policy", ["joint_command", "task_force"])
def test_dispatch_rows_name_the_centre_and_the_units_agency(world_for, policy):
    world = world_for("scenario=tri_agency", f"scenario.coordination.policy={policy}")
    _, ev = run(world, 4)
    disp = ev[ev.kind == "dispatch"]
    assert len(disp) > 20
    unit_agency = {u.id: u.agency for u in world.units}
    assert (disp.unit_agency == disp.unit.map(unit_agency)).all()
    assert set(disp.agency) & {"joint", "task_force"}
    assert disp.unit_agency.nunique() >= 2


CORRIDOR_TRIP_MIN = 8 * 20.0  # 8 km at 3 km/h, unhindered


@pytest.mark.parametrize(
    "reaction, params, pace",
    [("run", {"speedup": 1.0}, 1.0), ("hide", {"hide_min": 0.0}, 1.0), ("run", {"speedup": 1.5}, 1.5)],
)
def test_a_group_that_reacts_past_its_cells_centre_keeps_the_way_it_has_walked(reaction, params, pace):
    """A tower over cells 3-5 sees groups anywhere in a cell and every group reacts at once. A
    reaction that keeps the route must keep the walk already done: a trip takes the time to the
    first reaction plus the rest of the 160 minutes at the new pace, exactly. (The re-plan used to
    start again from the cell's centre: about half the trips walked part of a cell twice, up to 19
    minutes late, and a second sensor's detection chance rose with the extra minutes.)"""
    world = corridor_world(
        {"t": tower(4, 3.0, 1.5)}, attempts_per_day=200, horizon_days=2, notice_prob=1.0, reaction=reaction, **params
    )
    _, ev = run(world, 1)
    launched = ev[ev.kind == "attempt"].set_index("attempt").t
    got = ev[ev.kind == "got_away"].set_index("attempt").t
    start = launched[got.index]
    seen = (ev[ev.kind == "detection"].groupby("attempt").t.min().reindex(got.index) - start).fillna(CORRIDOR_TRIP_MIN)
    past_centre = (seen % 20.0 > 1e-6) & (seen % 20.0 < 10.0)  # a cell's centre is every 20 minutes
    assert past_centre.sum() > 50, "too few groups seen past a cell's centre to test anything"
    expected = seen + (CORRIDOR_TRIP_MIN - seen) / pace
    assert np.abs((got - start) - expected).max() < 1e-9


def test_a_unit_sent_between_two_cells_centres_keeps_the_way_it_has_walked():
    """A foot unit walks a beat along row 8 of a grid (a minute a cell, four neighbours) and is
    sent to every alert at (2, 0) after a random handling time. Sent when it is at column p (a
    fraction, read from its beat plan), the nearest way takes p + 6 min whatever its phase: going
    on if it was walking towards column 0, else turning back at once, whether it has passed its
    cell's centre or is still walking in. The dispatch row's estimate and the arrival both say so,
    exactly. (The unit used to set out again from its cell's centre: up to half a minute early or
    late; and one walking in away from column 0 first walked on to the centre: up to a minute late.)"""
    columns = 15

    def cell(row: int, col: int) -> int:
        return row * columns + col

    spec = ScenarioSpec(
        name="beat_line",
        horizon_days=4.0,
        terrain=TerrainSpec(source=Chosen("grid", GridParams(columns=columns, rows_home=14, endpoints=1))),
        modes={"foot": ModeSpec(60.0, 60.0, True)},
        agencies={"bp": AgencySpec(operators=1, handling_min=3.0, handling="exponential", correlate_km=-1.0)},
        units={
            "u": posted_unit(
                cell(8, 3),
                mode="foot",
                policy=fixed_route(cell(8, 3), cell(8, 12)),
                detect_prob=0.0,
                find_prob=0.0,
                search_min=1.0,
            )
        },
        sensors={"s": ground_sensor(cell(2, 0), 1.0)},
        organisations={
            "org": OrgSpec(
                launch=Chosen("fixed_rate", FixedRateParams(per_minute=1 / 41)),
                cargo={"people": CargoSpec(1.0, 1, 1)},
                notice_prob=0.0,
            )
        },
        coordination=CoordinationSpec(dispatch=Chosen("nearest", NoParams())),
    )
    model, ev = run(build_world(spec, "beat_line"), 3)
    plans = [(t, nodes, times) for t, mover, _, _, _, nodes, times in model.plans.rows if mover == "unit"]
    arrival = ev[ev.kind == "arrival"].set_index("incident").t
    checked = {(way, phase): 0 for way in ("on", "back") for phase in ("past the centre", "walking in")}
    for d in ev[ev.kind == "dispatch"].itertuples():
        _, nodes, times = max((p for p in plans if p[0] < d.t), key=lambda p: p[0])  # the beat leg in hand
        i = int(np.searchsorted(times, d.t, side="right")) - 1
        if i < 0 or i + 1 >= len(times) or times[i + 1] <= times[i]:
            continue  # not between two centres of this plan
        (r0, c0), (r1, c1) = divmod(int(nodes[i]), columns), divmod(int(nodes[i + 1]), columns)
        if r0 != 8 or r1 != 8:
            continue  # on its way back to the beat
        share = (d.t - times[i]) / (times[i + 1] - times[i])
        p = c0 + (c1 - c0) * share
        assert d.duration_min == pytest.approx(p + 6.0, abs=1e-9)
        if d.incident in arrival.index:  # (not the last one, cut by the horizon)
            assert arrival[d.incident] - d.t == pytest.approx(p + 6.0, abs=1e-9)
        checked["on" if c1 < c0 else "back", "past the centre" if share < 0.5 else "walking in"] += 1
    assert min(checked.values()) >= 10, f"too few dispatches of some kind: {checked}"


def test_a_group_that_turns_back_when_seen_walks_back_the_way_it_came():
    """A tower over cells 3-5 sees groups anywhere in a cell; every group seen turns back to its
    staging area at once. Whatever its phase (walking into a cell or past its centre) it walks back
    the way it came, so its trip takes exactly twice the time to the sighting. (A group still
    walking into its cell used to walk on to the centre first, towards what saw it.)"""
    world = corridor_world(
        {"t": tower(4, 3.0, 1.5)}, attempts_per_day=200, horizon_days=2, notice_prob=1.0, reaction="turn_back"
    )
    _, ev = run(world, 1)
    launched = ev[ev.kind == "attempt"].set_index("attempt").t
    back = ev[ev.kind == "turned_back"].set_index("attempt").t
    seen = ev[ev.kind == "detection"].groupby("attempt").t.min().reindex(back.index) - launched[back.index]
    walking_in = (seen % MIN_PER_CELL) > MIN_PER_CELL / 2  # a cell's centre is every 20 minutes
    assert walking_in.sum() > 50 and (~walking_in).sum() > 50, "too few groups seen in each phase"
    assert np.abs((back - launched[back.index]) - 2 * seen).max() < 1e-9


def test_a_unit_that_may_not_arrest_reports_a_group_it_meets_once():
    """A unit posted at km 4, outside its agency's area (within 1 km of the town), sees every group
    that passes (detect_prob 1) and may only report it; no unit is ever sent. Each group shares the
    unit's cell once, so it is seen and reported once. (The unit's plan is renewed every 30 minutes
    while it stays: each renewal found the meeting again and logged it again, 206 sightings of 120
    groups.)"""
    agency = AgencySpec(jurisdiction=["towns:1"], max_response_min=1e-3)
    world = corridor_world(
        None, {"u": posted_unit(4, detect_prob=1.0)}, attempts_per_day=60, horizon_days=2, agency=agency
    )
    _, ev = run(world, 1)
    passed = ev[(ev.kind == "attempt") & (ev.t + 3.5 * MIN_PER_CELL < world.horizon_min)].attempt  # into km 4
    seen = ev[(ev.kind == "detection") & (ev.source == "patrol")]
    reported = ev[(ev.kind == "alert") & (ev.source == "patrol")]
    assert len(passed) > 100 and not (ev.kind == "interdiction").any()
    assert sorted(seen.attempt) == sorted(reported.attempt) == sorted(passed)


def test_a_posted_unit_goes_back_to_its_posts_centre_after_an_arrest_on_the_way():
    """A foot unit posted at km 2 answers alerts from a sure sensor at km 5 and arrests groups it
    meets (half of them), often between two cells' centres on its way back. Its post is the centre
    of km 2: once it has been free for 90 minutes it is there, so every dispatch then takes exactly
    3 km at 3 km/h = 60 minutes. (A unit that stopped between two centres used to stay there for good when
    its beat had nowhere to go, and was sent from there.)"""
    agency = AgencySpec(jurisdiction=["all"], operators=1, handling_min=1.0, handling="fixed", correlate_km=-1.0)
    unit = posted_unit(2, mode="foot", detect_prob=0.5, find_prob=0.0, search_min=30.0, processing_min=20.0)
    world = corridor_world(sure_ground(5), {"u": unit}, attempts_per_day=12, horizon_days=20, agency=agency)
    _, ev = run(world, 4)
    rows = ev[ev.unit == 0]
    idle = 0
    for d in rows[rows.kind == "dispatch"].itertuples():
        before = rows[(rows.t < d.t) & rows.kind.isin(["unit_free", "dispatch"])]
        if before.empty or before.kind.iloc[-1] != "unit_free" or d.t - before.t.iloc[-1] < 90.0:
            continue
        idle += 1
        assert d.duration_min == pytest.approx(3 * MIN_PER_CELL, abs=1e-9)
    on_the_way = rows[(rows.kind == "interdiction") & rows.node.isin([3, 4])]  # met between post and sensor
    assert idle >= 10 and len(on_the_way) >= 5, f"{idle} dispatches from the post, {len(on_the_way)} arrests on the way"


def groups_that_notice(sensors: dict, seed: int, reaction: str, **params):
    """Three days of 200 groups a day on the corridor, each reacting to every detection: the event
    log, each group's launch time and the times of its reactions."""
    world = corridor_world(sensors, attempts_per_day=200, horizon_days=3, notice_prob=1.0, reaction=reaction, **params)
    _, ev = run(world, seed)
    launched = ev[ev.kind == "attempt"].set_index("attempt").t
    return ev, launched, ev[ev.kind == "reaction"].groupby("attempt").t.apply(list)


def test_a_group_that_hides_again_while_hiding_keeps_its_place():
    """Two towers over cells 3-5 see groups anywhere in a cell; each group seen hides for 15 minutes
    where it stands (past a centre), or at the centre it is walking into. Seen again while hiding,
    it hides again from the same place. A walker that keeps that rule gives every trip exactly.
    (A group hiding past a centre was taken to stand at the centre: a second reaction during the
    pause made it walk up to half a cell again, up to 9.8 minutes late.)"""
    hide = 15.0
    towers = {"a": tower(4, 3.0, 1.5), "b": tower(4, 2.0, 1.5)}
    ev, launched, reactions = groups_that_notice(towers, 3, "hide", hide_min=hide)
    twice = 0
    for attempt, end in ev[ev.kind == "got_away"].set_index("attempt").t.items():
        km, t, resume = 0.0, launched[attempt], launched[attempt]  # at km at t, walking on at `resume`
        for r in reactions.get(attempt, []):
            # where it is when it reacts: still walking in to km's centre, or on from km after a pause
            at = km - (t - r) / MIN_PER_CELL if r < t else km + max(0.0, r - resume) / MIN_PER_CELL
            cell = round(at)
            km, t = (float(cell), r + (cell - at) * MIN_PER_CELL) if at < cell else (at, r)
            resume = t + hide
        twice += len(reactions.get(attempt, [])) >= 2
        assert end == pytest.approx(resume + (8 - km) * MIN_PER_CELL, abs=1e-9), attempt
    assert twice > 100, "too few groups seen again while hiding"


@dataclass(frozen=True)
class StepBackParams:
    pause_min: float = 30.0


class StepBack(Reaction):
    """Test-only reaction: seen on its way, the group stops where it stands for `pause_min` and then
    walks back to the cell before its own; seen again, it sets off for its destination."""

    name = "step_back"
    Params = StepBackParams

    def react(self, attempt) -> None:
        if attempt.heading_to == attempt.dest:
            attempt.replan(attempt.timeline.node_at(attempt.model.now) - 1, pause_min=self.params.pause_min)
        else:
            attempt.replan(attempt.dest)


def test_a_group_that_turned_back_walking_in_is_seen_passing_that_centre_later():
    """Two towers see groups anywhere in cell 5; a ground sensor at its centre sees a group passing
    it with p = 0.5. A group seen while still walking into cell 5 stops where it stands (it never
    reached the centre) to walk back; seen again during that pause, it sets off for its destination
    and passes the centre for the first time: the ground sensor sees it there with p, exactly when
    it gets there. (Such a group was taken to have passed the centre already: the sensor never saw
    it.)"""
    pause, p = 30.0, 0.5
    sensors = {"a": tower(5, 6.0, 0.4), "b": tower(5, 6.0, 0.4), "g": ground_sensor(5, p)}
    with REACTIONS.added(StepBack):
        ev, launched, reactions = groups_that_notice(sensors, 5, "step_back", pause_min=pause)
    ground_seen = ev[(ev.kind == "detection") & (ev.source == "ground")].groupby("attempt").t.apply(list)
    groups = seen = 0
    for attempt, times in reactions.items():
        centre = launched[attempt] + 5 * MIN_PER_CELL  # cell 5's centre
        if len(times) < 2 or not (centre - MIN_PER_CELL / 2 < times[0] < centre) or times[1] >= times[0] + pause:
            continue
        groups += 1
        passes = times[1] + (centre - times[0])  # back from where it stood to the centre
        at = [t for t in ground_seen.get(attempt, []) if t > times[1]]
        if at:
            seen += 1
            assert at[0] == pytest.approx(passes, abs=1e-9), attempt
    assert groups > 200, f"only {groups} groups turned back walking in and were seen again"
    assert abs(seen / groups - p) < 4 * math.sqrt(p * (1 - p) / groups), f"{seen} of {groups} seen passing the centre"


class BackTwice(Reaction):
    """Test-only reaction: the group heads for the cell before its own, and re-plans that way again
    at once (the second re-plan changes nothing)."""

    name = "back_twice"
    Params = NoParams

    def react(self, attempt) -> None:
        back = attempt.timeline.node_at(attempt.model.now) - 1
        attempt.replan(back)
        attempt.replan(back)


def test_a_group_walking_back_to_a_centre_it_passed_is_not_seen_there_again_after_a_re_plan():
    """A tower sees groups anywhere in cell 5; a ground sensor at its centre sees a group passing it
    with p = 0.3, once per visit of the cell (sim/detection.py). A group that passed the centre
    unseen by the ground sensor and is then seen by the tower walks back through the centre to
    cell 4, in the same visit of cell 5, and re-plans once more on the spot in a way that changes
    nothing. That re-plan must not give the sensor a second chance at the centre: none of these
    groups is seen by it. (Such a re-plan used to take the group for one that had not reached the
    centre yet: about 30% of them were seen.)"""
    sensors = {"a": tower(5, 4.2, 0.4), "g": ground_sensor(5, 0.3)}
    groups = seen = 0
    for seed in (5, 6):
        with REACTIONS.added(BackTwice):
            ev, launched, reactions = groups_that_notice(sensors, seed, "back_twice")
        ground_seen = set(ev[(ev.kind == "detection") & (ev.source == "ground")].attempt)
        for attempt, times in reactions.items():
            centre = launched[attempt] + 5 * MIN_PER_CELL  # cell 5's centre
            if centre < times[0] < centre + MIN_PER_CELL / 2:  # seen past the centre, so not by the ground sensor
                groups += 1
                seen += attempt in ground_seen
    assert groups > 150, f"only {groups} groups turned back past the centre"
    assert seen == 0, f"{seen} of {groups} groups seen again at a centre they passed in the same visit"


# --- a running group cuts a fence no faster --------------------------------------------------------
@pytest.mark.parametrize("speedup", [1.5, 3.0])
def test_a_running_group_walks_faster_but_breaches_a_barrier_in_its_full_time(speedup):
    """Corridor of 1-km cells on foot (20 min each), a fence of 30 min on the border edge (cells
    0-1): centres at 0, 50, 70, ..., 190 min. A tower over cells 0-1 makes groups run at a random
    minute d: the rest of the step they are in is walked at the new pace and still breached in
    full, share by share (a step's minutes pass evenly), and each later cell takes 20 / speedup."""
    fence = {"barriers": {"fence": BarrierSpec(agency="bp", breach_min=30.0)}}
    world = corridor_world(
        {"t": tower(0, 2.0, 1.4)},
        attempts_per_day=150,
        horizon_days=2,
        scenario_kw=fence,
        reaction="run",
        notice_prob=1.0,
        speedup=speedup,
    )
    _, ev = run(world, 3)
    centres = np.array([0.0, 50.0] + [50.0 + 20.0 * k for k in range(1, 8)])
    walk, breach = np.full(8, 20.0), np.array([30.0] + [0.0] * 7)
    start = ev[ev.kind == "attempt"].set_index("attempt").t
    ran = ev[ev.kind == "reaction"].groupby("attempt").t.min()
    away = ev[ev.kind == "got_away"].set_index("attempt").t
    checked = 0
    for a, t in ran.items():
        if a not in away.index:
            continue
        d = t - start[a]
        k = int(np.searchsorted(centres, d, side="right")) - 1  # the step the group was on
        left = (centres[k + 1] - d) / (centres[k + 1] - centres[k])  # its share still to go
        expected = d + left * (walk[k] / speedup + breach[k]) + (walk[k + 1 :] / speedup + breach[k + 1 :]).sum()
        assert away[a] - start[a] == pytest.approx(expected, abs=1e-6), (a, d)
        checked += 1
    assert checked > 100 and (ran - start[ran.index] < 50).sum() > 50  # many ran inside the fence's step


def test_a_fixed_route_unit_sent_away_mid_leg_takes_up_the_waypoint_it_had_not_reached():
    """A foot unit walks the corridor 1 -> 12 -> 1 ...; an hour out it is sent back to a tip at
    cell 2. After the search it walks on to 12, the waypoint it had not reached, then back to 1
    (it used to count 12 as visited when the leg was planned, and turned home from cell 2)."""
    walker = posted_unit(1, policy=fixed_route(1, 12), mode="foot", detect_prob=0.0)
    world = corridor_world(units={"walker": walker}, attempts_per_day=0.0, horizon_days=1, length=12)
    model = BorderModel(world, 1)
    model.env.run(until=60.0)
    model.raise_alert("bp", 2, attempt=-1, source="tip")
    model.env.run(until=900.0)
    ev = model.log.to_arrow().to_pandas()
    searched = ev[ev.kind == "search_end"]
    assert len(searched) == 1 and searched.node.iloc[0] == 2
    after = [
        (int(nodes[0]), int(nodes[-1]))
        for t, mover, *_, nodes, _ in model.plans.rows
        if mover == "unit" and t >= searched.t.iloc[0]
    ]
    assert after[:3] == [(2, 12), (12, 1), (1, 12)]


def test_a_fixed_route_waypoint_beyond_a_shifts_walk_does_not_stop_the_route():
    """A foot unit based at cell 30 patrols 30 -> 5 -> 55 in 8-hour shifts: cell 5 is further
    than a shift walks. It takes the cut leg up once, then patrols the rest of the route (taking
    up every cut leg again, it walked towards 5 forever and never patrolled 30 -> 55)."""
    walker = posted_unit(30, policy=fixed_route(30, 5, 55), mode="foot", detect_prob=0.0, shift_hours=8.0)
    world = corridor_world(units={"walker": walker}, attempts_per_day=0.0, horizon_days=6, length=60)
    model = BorderModel(world, 1)
    model.env.run(until=6 * 1440.0)
    legs = [(int(nodes[0]), int(nodes[-1])) for _, mover, *_, nodes, _ in model.plans.rows if mover == "unit"]
    towards = [b for a, b in legs if b in (5, 55)]
    assert towards[:2] == [5, 5]  # the first cut leg taken up once
    assert towards.count(55) >= 2 and towards.count(5) >= 2


@pytest.mark.parametrize(
    "injects",
    [
        {"calm": ("weather", dict(factor=1.0, start_hours=0.0, duration_hours=1.0))},
        {"other_down": ("sensor_outage", dict(sensors=["far"], start_hours=0.0, duration_hours=1.0))},
    ],
    ids=["weather x1 at the first launch", "another sensor's outage"],
)
def test_an_inject_at_a_groups_launch_minute_keeps_its_staging_cells_detection(injects):
    """Every group launches on a whole minute onto a sure ground sensor. An inject that changes
    nothing for that sensor (weather x1, an outage of another one) at the minute a group sets off
    must leave its detection there: the sensor redraw counted the staging cell as passed already
    and the group launched at the inject's minute went unseen."""
    launch = Chosen("fixed_rate", FixedRateParams(per_minute=1.0))
    chosen = {name: inject(kind, **params) for name, (kind, params) in injects.items()}
    world = corridor_world(
        {"staging": ground_sensor(0, 1.0), "far": ground_sensor(7, 1.0)},
        horizon_days=0.05,
        launch=launch,
        scenario_kw={"injects": chosen},
    )
    _, ev = run(world, 3)
    launched = set(ev[ev.kind == "attempt"].attempt)
    seen = set(ev[(ev.kind == "detection") & (ev.sensor == 0)].attempt)
    assert len(launched) > 60
    assert launched - seen == set()


def test_an_injected_decoy_is_seen_at_staging_with_a_weather_inject_of_the_same_minute():
    decoys = inject("decoy", organisation="org", count=5, start_hours=1.0)
    calm = inject("weather", factor=1.0, start_hours=1.0, duration_hours=1.0)
    world = corridor_world(
        {"staging": ground_sensor(0, 1.0)},
        attempts_per_day=0.0,
        horizon_days=0.2,
        scenario_kw={"injects": {"decoys": decoys, "calm": calm}},
    )
    _, ev = run(world, 1)
    launched = set(ev[ev.kind == "attempt"].attempt)
    assert len(launched) == 5
    assert set(ev[ev.kind == "detection"].attempt) == launched


def test_a_weather_window_holds_from_its_start_minute_up_to_but_not_at_its_end_minute():
    """Weather x0 (nothing is seen) over [0, 30 min): a group launched on minute 0-29 goes unseen
    at its staging cell's sure sensor, one launched on minute 30 or later is seen there."""
    launch = Chosen("fixed_rate", FixedRateParams(per_minute=1.0))
    blind = inject("weather", factor=0.0, start_hours=0.0, duration_hours=0.5)
    world = corridor_world(
        {"staging": ground_sensor(0, 1.0)}, horizon_days=0.05, launch=launch, scenario_kw={"injects": {"blind": blind}}
    )
    _, ev = run(world, 2)
    launched = ev[ev.kind == "attempt"].set_index("attempt").t
    seen = set(ev[ev.kind == "detection"].attempt)
    assert set(launched[launched < 30].index) & seen == set()
    assert set(launched[launched >= 30].index) <= seen
    assert (launched < 30).sum() == 30 and (launched >= 30).sum() > 30
