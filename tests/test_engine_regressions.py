"""Regression tests for engine defects found in review: each fails on the defect it names."""

import math
from functools import partial

import numpy as np
import pytest
from helpers import corridor_world, posted_unit, run, sure_ground, tower

from sim.assets import Coverage
from sim.detection import sensor_hits
from sim.model import BorderModel
from sim.movement import Timeline
from sim.scenario import AgencySpec


class _AlwaysUp:
    """The states of sensors that never fail (sim.detection.SensorStates)."""

    def is_up(self, sensor, times):
        return np.ones(len(times), dtype=bool)

    def down_minutes_before(self, sensor, times):
        return np.zeros(len(times))

    def when_up_for(self, sensor, start, minutes):
        return start + minutes

    def never_down(self, sensor):
        return True


def posted(node: int, **kw):
    """A posted foot unit that can take any group and is back on watch a minute after a contact."""
    return posted_unit(node, **{"mode": "foot", "capacity": 20, "processing_min": 1.0, **kw})


def assert_share(hits: int, n: int, p: float) -> None:
    se = math.sqrt(p * (1 - p) / n)
    assert abs(hits / n - p) < 4 * se, f"{hits}/{n} = {hits / n:.3f} vs {p} (4 SE = {4 * se:.3f})"


def test_a_holding_unit_is_visible_for_the_whole_hold():
    """A unit with nowhere to go holds its cell; groups passing during the hold are met."""
    world = corridor_world(units={"post": posted(4, detect_prob=1.0)}, attempts_per_day=24, horizon_days=3)
    _, ev = run(world, 1)
    assert (ev.kind == "got_away").sum() == 0
    assert (ev.kind == "interdiction").sum() >= 0.9 * (ev.kind == "attempt").sum() - 3


def test_one_detection_draw_per_co_presence():
    """A unit staying in a cell and a group passing once: P(detect) = detect_prob, not more."""
    world = corridor_world(units={"post": posted(4, detect_prob=0.5)}, attempts_per_day=100, horizon_days=4)
    _, ev = run(world, 2)
    resolved = ev[ev.kind.isin(["interdiction", "got_away"])]
    assert_share(int((resolved.kind == "interdiction").sum()), len(resolved), 0.5)


def test_an_alert_joining_an_incident_does_not_give_a_second_find_draw():
    agency = AgencySpec(
        jurisdiction=["all"], operators=2, handling_min=1.0, handling="fixed", correlate_km=5.0, correlate_min=90.0
    )
    unit = posted(3, mode="vehicle", detect_prob=0.0, find_prob=0.5, search_radius_km=10.0, search_min=200.0)
    world = corridor_world(sure_ground(2, 3), {"post": unit}, attempts_per_day=4, horizon_days=60, agency=agency)
    _, ev = run(world, 3)
    arrived = set(ev[ev.kind == "arrival"].incident)
    found = set(ev[(ev.kind == "interdiction") & (ev.source == "response")].incident)
    assert (ev.kind == "alert_merged").sum() > 50  # the second sensor's alert joins the incident
    assert_share(len(found & arrived), len(arrived), 0.5)


def test_a_pause_is_one_visit_for_a_ground_sensor():
    cov = Coverage(
        ptr=np.array([0, 0, 0, 1, 1]),
        sensor=np.array([0]),
        per_visit=np.array([-np.log(0.5)]),
        rate_per_min=np.array([0.0]),
    )

    hide = Timeline(np.array([0, 1, 2, 2, 3]), np.array([0.0, 10, 20, 80, 90]), 1)
    hits = sum(bool(sensor_hits(hide, cov, _AlwaysUp(), set(), key, 0.0)) for key in range(4000))
    assert_share(hits, 4000, 0.5)
    # re-planned from inside the sensor's cell after passing its centre: no second chance
    replanned = Timeline(np.array([2, 3]), np.array([25.0, 35.0]), 2)
    assert not any(
        sensor_hits(replanned, cov, _AlwaysUp(), set(), key, 25.0, first_visit_counted=True) for key in range(200)
    )


def test_day_long_shifts_run_every_day():
    world = corridor_world(units={"post": posted(4)}, attempts_per_day=0, horizon_days=3.5)
    _, ev = run(world, 1)
    assert ev[ev.kind == "shift_start"].t.tolist() == [0.0, 1440.0, 2880.0, 4320.0]


def test_stepping_gives_the_same_log_as_running_and_ends_with_run_end(world_for):
    world = world_for()
    a = BorderModel(world, 4).run().to_arrow().to_pandas()
    stepped = BorderModel(world, 4)
    while stepped.running:
        stepped.step()
    b = stepped.log.to_arrow().to_pandas()
    assert a.equals(b)
    assert a.kind.iloc[-1] == "run_end" and (a.kind == "run_end").sum() == 1
    assert (a.t.iloc[:-1] < world.horizon_min).all()


def test_mesas_agent_sets_hold_the_groups_on_the_move_and_refuse_to_lose_an_acting_agent(world_for):
    """A Mesa user counts groups with model.agents_by_type: it holds those still on their trip (every
    group ever launched stayed there); a unit removed the Mesa way went on patrolling and arresting
    while Mesa's sets no longer showed it, so removing one is refused."""
    from sim.agents.smugglers import Attempt

    model = BorderModel(world_for(), 4)
    seen_active = 0
    while model.running:
        model.step()
        on_trip = {a for a in model.attempts.values() if a.active}
        assert set(model.agents_by_type.get(Attempt, [])) == on_trip
        seen_active = max(seen_active, len(on_trip))
    assert seen_active > 0 and len(model.attempts) > seen_active
    stepped = BorderModel(world_for(), 4)
    stepped.step()
    unit = next(iter(stepped.units))
    with pytest.raises(RuntimeError, match="cannot be removed during a run"):
        unit.remove()
    assert unit in stepped.units
    model.remove_all_agents()  # the run is over: Mesa's teardown works
    assert len(model.agents) == 0


def test_groups_that_cannot_reach_any_destination_are_a_scenario_error(world_for):
    from sim.validation import ScenarioError

    with pytest.raises(ScenarioError, match=r"'vehicle' group from staging node \d+ cannot reach any destination"):
        world_for(
            "scenario.barriers.port_fence.to_km=1e9",
            "scenario.terrain.ports=0",
            "scenario.organisations.cartel.cargo.drugs.mode=vehicle",
        )


def test_sensor_up_time_functions_match_brute_force():
    from sim.agents.sensors import Sensor

    s = Sensor.__new__(Sensor)  # only the failure schedule is needed
    s.toggles = np.array([10.0, 25.0, 40.0, 41.0, 70.0])  # down 10-25, 40-41, from 70 on
    grid = np.linspace(0, 100, 100_001)
    up = s.is_up(grid)
    dt = grid[1] - grid[0]
    for t in (0.0, 12.0, 30.0, 40.5, 69.0, 90.0):
        assert s.down_minutes_before(np.array([t]))[0] == pytest.approx((~up[grid < t]).sum() * dt, abs=1e-2)
    for start, minutes in ((0.0, 5.0), (0.0, 15.0), (12.0, 3.0), (20.0, 20.0), (39.0, 2.0), (60.0, 20.0)):
        worked = np.cumsum(up[grid >= start]) * dt
        expected = grid[grid >= start][np.searchsorted(worked, minutes)] if worked[-1] >= minutes else np.inf
        assert s.when_up_for(start, minutes) == pytest.approx(expected, abs=1e-2)


def test_tower_detection_counts_only_minutes_the_tower_works():
    """With frequent outages, detections match sum over groups of 1 - exp(-rate x up-minutes in view)."""
    flaky = tower(6, 1.0, 1.5, mtbf_days=0.03, repair_hours=0.7)
    world = corridor_world({"t": flaky}, attempts_per_day=200, horizon_days=3)
    model, ev = run(world, 7)
    s = model.sensor(0)
    start = ev[ev.kind == "attempt"].set_index("attempt").t
    done = ev[ev.kind == "got_away"].attempt
    detected = set(ev[ev.kind == "detection"].attempt)
    p = []
    for a in done:
        t0 = start[a] + 4.5 * 20.0  # in view from the middle of edge 4-5 to the middle of edge 7-8
        t1 = start[a] + 7.5 * 20.0
        up = (t1 - t0) - np.diff(s.down_minutes_before(np.array([t0, t1])))[0]
        p.append(1 - np.exp(-1.0 / 60 * up))
    p = np.array(p)
    observed = sum(a in detected for a in done)
    assert 0.1 < p.mean() < 0.6  # outages really bite
    assert abs(observed - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum())


@pytest.mark.parametrize("enabled", [True, False])
def test_a_replication_leaves_the_garbage_collector_as_it_found_it(enabled):
    """The engine pauses Python's cyclic collector while a replication runs (sim.model.
    collector_paused); a caller's setting must survive a run, an error inside one included."""
    import gc

    from sim.model import collector_paused
    from sim.runner import run_replication

    world = corridor_world(units={"post": posted(4)}, attempts_per_day=24, horizon_days=0.5)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        BorderModel(world, 1).run()
        assert gc.isenabled() is enabled
        run_replication(world, 2)
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("a failing replication")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def _random_timeline(rng: np.random.Generator, version: int, n_cells: int = 12) -> Timeline:
    """A walk of 5-40 entries, or 49-120 (read through NumPy), over a few cells (repeats and stays
    included), starting at 0-80 min; half of them entered their first cell before its centre."""
    n = int(rng.integers(5, 40) if rng.uniform() < 0.5 else rng.integers(49, 120))
    nodes = rng.integers(0, n_cells, n)
    times = float(rng.uniform(0, 80)) + np.concatenate([[0.0], np.cumsum(rng.choice([0.0, 0.5, 1.0, 3.0], n - 1))])
    entered = float(times[0] - rng.uniform(0, 1)) if rng.uniform() < 0.5 else None
    return Timeline(nodes, times, version, entered=entered)


def _version_or_gone(versions: dict[int, int], mover: int) -> int:
    return versions.get(mover, -1)


def test_a_presence_index_cut_at_the_horizon_finds_every_encounter_before_it():
    """Visits that begin at or after the horizon are not filed (nothing they meet can happen in
    the run); every encounter that begins before the horizon is still found, in the same order.
    Half the plans forget their derived lists once published, as a group's do: withdrawing them
    when their mover re-plans derives the same entries again."""
    from sim.movement import PresenceIndex

    horizon = 60.0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        plans = [(int(rng.integers(0, 2)), int(rng.integers(0, 6)), _random_timeline(rng, v)) for v in range(1, 40)]
        plans.sort(key=lambda p: float(p[2].times[0]))  # published as the clock reaches them
        full, cut = PresenceIndex(), PresenceIndex(until=horizon)
        versions: tuple[dict[int, int], dict[int, int]] = ({}, {})
        for side, mover, tl in plans:
            versions[side][mover] = tl.version
            version_of = partial(_version_or_gone, versions[1 - side])
            now = float(tl.times[0])
            found = full.publish(side, mover, tl, version_of, now)
            kept = cut.publish(side, mover, tl, version_of, now)
            assert [e for e in kept if e.time < horizon] == [e for e in found if e.time < horizon]
            assert now >= horizon or all(e.time < horizon for e in kept)  # (the engine publishes only before it)
            if tl.version % 2:
                tl.forget()
        assert all(e[0] < horizon for side in cut._side for cell in side.values() for e in cell)


def test_sensor_hits_cut_at_the_horizon_are_the_same_before_it_and_draw_the_same_numbers():
    """Sensor detections worked out only up to the horizon are those of the whole route that
    come before it (each sensor's threshold is addressed: the cut changes none of them)."""
    for seed in range(60):
        rng = np.random.default_rng(seed)
        per_cell = rng.integers(0, 3, 12)  # sensors covering each of 12 cells
        ptr = np.concatenate([[0], np.cumsum(per_cell)])
        cov = Coverage(
            ptr=ptr,
            sensor=rng.integers(0, 6, ptr[-1]),
            per_visit=rng.uniform(0, 0.8, ptr[-1]),
            rate_per_min=rng.choice([0.0, 0.05], ptr[-1]),
        )
        tl = _random_timeline(rng, 1)
        now, until = float(tl.times[0]), float(rng.uniform(tl.times[0], tl.times[-1]))  # the route goes on past it
        how = dict(  # sensors that already saw the group, a re-plan inside a passed cell, weather
            exclude=set(rng.choice(6, int(rng.integers(0, 3)), replace=False).tolist()),
            first_visit_counted=bool(rng.uniform() < 0.3),
            factor=float(rng.choice([1.0, 0.5])),
        )
        expected = [h for h in sensor_hits(tl, cov, _AlwaysUp(), draw_key=seed, now=now, **how) if h.time < until]
        got = [
            h for h in sensor_hits(tl, cov, _AlwaysUp(), draw_key=seed, now=now, until=until, **how) if h.time < until
        ]
        assert got == expected


def _encounters_by_brute_force(tl: Timeline, others: dict[int, Timeline], now: float) -> list:
    """Every stretch after `now` that the visits of `tl` share with a visit of another mover's
    current plan in the same cell, pair by pair (sim.movement.PresenceIndex's contract)."""
    from sim.movement import OVERLAP_EPS, Encounter

    found = []
    r = tl.runs()
    nodes, starts, ends = r.nodes, r.starts, r.ends
    for other, otl in others.items():
        o = otl.runs()
        o_nodes, o_starts, o_ends = o.nodes, o.starts, o.ends
        for node, a, b in zip(nodes, starts, ends):
            for o_node, a2, b2 in zip(o_nodes, o_starts, o_ends):
                lo, hi = max(a, a2), min(b, b2)
                if node == o_node and hi - lo > OVERLAP_EPS and hi > now:
                    found.append(Encounter(max(lo, now), hi, node, other, otl.version))
    return sorted(found, key=lambda e: (e.time, e.other, e.node))


def test_the_presence_index_finds_what_a_pairwise_check_of_the_current_plans_finds():
    """Units and groups re-plan at random times (a re-plan supersedes the rest of the previous
    plan); each publication returns exactly the encounters of its plan with the other side's
    current plans that end after now, in time order, however the index files, withdraws,
    drops and sweeps its entries."""
    from sim.movement import PresenceIndex

    for seed in range(25):
        rng = np.random.default_rng(100 + seed)
        index = PresenceIndex()
        index._SWEEP_MIN = 16  # sweep often
        plans: tuple[dict[int, Timeline], dict[int, Timeline]] = ({}, {})
        now = 0.0
        for version in range(1, 120):
            now += float(rng.choice([0.0, 0.5, 1.0, 4.0]))  # several publications at one instant too
            side, mover = int(rng.integers(0, 2)), int(rng.integers(0, 5))
            n = int(rng.integers(2, 30))
            steps = rng.choice([0.0, 0.5, 1.0, 3.0], n - 1)
            times = now + float(rng.choice([0.0, 0.25])) + np.concatenate([[0.0], np.cumsum(steps)])
            tl = Timeline(rng.integers(0, 8, n), times, version, entered=now)
            plans[side][mover] = tl
            current = partial(_version_or_gone, {m: p.version for m, p in plans[1 - side].items()})
            found = index.publish(side, mover, tl, current, now)
            assert found == _encounters_by_brute_force(tl, plans[1 - side], now), (seed, version)
            if version % 3 == 0:
                tl.forget()


def test_a_sensor_added_along_a_route_changes_no_other_sensors_detection():
    """Common random numbers across sensor mixes: each sensor's threshold is addressed by the
    group's draw and the sensor's own key, so more towers on a route leave the ground sensors'
    detections of the same group on the same route as they were (thresholds were drawn in
    sensor-id order from the group's stream: one more tower shifted every later sensor's)."""
    for seed in range(40):
        rng = np.random.default_rng(seed)
        tl = _random_timeline(rng, 1)
        cells = int(tl.nodes.max()) + 1
        per_cell = [sorted(rng.choice(6, int(rng.integers(0, 3)), replace=False).tolist()) for _ in range(cells)]

        def coverage(extra: bool, per_cell: list[list[int]] = per_cell) -> Coverage:
            lists = [
                (c + [6] if extra and i % 2 == 0 else c) for i, c in enumerate(per_cell)
            ]  # sensor 6 on every other cell
            ptr = np.concatenate([[0], np.cumsum([len(c) for c in lists])])
            sensor = np.array([s for c in lists for s in c], dtype=np.int64)
            keys = np.array([101 * (s + 1) for s in range(7)], dtype=np.uint64)
            return Coverage(ptr, sensor, np.full(sensor.size, 0.3), np.full(sensor.size, 0.01), keys)

        now = float(tl.times[0])
        before = sensor_hits(tl, coverage(False), _AlwaysUp(), set(), seed, now)
        after = [h for h in sensor_hits(tl, coverage(True), _AlwaysUp(), set(), seed, now) if h.sensor != 6]
        assert after == before


@pytest.mark.parametrize(
    "change",
    [
        "+scenario.sensors.blind={type: ground, agency: border_patrol, count: 6, detect_prob: 0.0, "
        "false_alarms_per_day: 0.0, mtbf_days: 0, installed_day: 1.0}",
        "+scenario.injects.still={type: weather, start_hours: 24, duration_hours: 6, factor: 1.0}",
        "+scenario.injects.cut={type: sensor_outage, sensors: ['ground:0'], start_hours: 20, duration_hours: 0.01}",
    ],
)
def test_a_change_of_the_sensors_during_the_run_keeps_every_other_sensors_draws(change):
    """Common random numbers across a change during the run: a sensor group that sees nothing
    installed on day 1, weather that changes nothing, a moment's outage of one sensor: every other
    sensor detects the same groups at the same minutes, to rounding (each group's thresholds were drawn again
    for every sensor at such a change: 55 detections of the demo's sensors differed over 5 seeds)."""
    from sim.config import SCENARIO_DIR, compose
    from sim.world import build_world

    def detections(overrides, seed):
        c = compose(["scenario=demo", *overrides])
        world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
        cut = {x.id for x in world.sensors if x.name == "ground:0"}  # its own detections may change
        ev = BorderModel(world, seed).run().to_arrow().to_pandas()
        d = ev[(ev.kind == "detection") & (ev.sensor >= 0) & ~ev.sensor.isin(cut)]
        return set(zip(d.attempt, d.sensor, d.t.round(6)))  # (the rest of a threshold: rounding apart)

    for seed in (1, 3):
        base, changed = detections([], seed), detections([change], seed)
        assert len(base) > 30 and changed == base
