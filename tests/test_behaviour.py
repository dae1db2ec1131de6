"""Agent behaviour on tiny hand-built corridors, with exact timings where the model is exact."""

import numpy as np
import pytest
from helpers import corridor_world, fixed_route, posted_unit, run, sure_ground
from validation_checks import dispatch_chain_world

from sim.scenario import UnitGroupSpec

MIN_PER_CELL = 20.0  # 1 km at 3 km/h


def by_attempt(ev, kind):
    return ev[ev.kind == kind].set_index("attempt").t


def test_unhindered_group_arrives_after_its_travel_time():
    _, ev = run(corridor_world(attempts_per_day=50, horizon_days=1), 1)
    start, end = by_attempt(ev, "attempt"), by_attempt(ev, "got_away")
    assert len(end) > 20
    assert np.allclose(end - start[end.index], 8 * MIN_PER_CELL)


@pytest.mark.parametrize("reaction", ["hide", "run", "turn_back"])
def test_reactions_change_the_timeline_exactly(reaction):
    params = {"hide": {"hide_min": 45.0}, "run": {"speedup": 2.0}}.get(reaction, {})
    world = corridor_world(
        sure_ground(3), attempts_per_day=50, horizon_days=1, reaction=reaction, notice_prob=1.0, **params
    )
    _, ev = run(world, 2)
    start, det = by_attempt(ev, "attempt"), by_attempt(ev[ev.source == "ground"], "detection")
    assert np.allclose(det - start[det.index], 3 * MIN_PER_CELL)  # the sensor sees the group in cell 3
    assert (ev[ev.kind == "reaction"].detail == reaction).all() and (ev.kind == "reaction").sum() == len(det)
    if reaction == "turn_back":
        back = by_attempt(ev, "turned_back")
        assert len(back) > 10 and not (ev.kind == "got_away").any()
        assert np.allclose(back - det[back.index], 3 * MIN_PER_CELL)  # walks back the 3 cells
    else:
        end = by_attempt(ev, "got_away")
        remaining = 5 * MIN_PER_CELL
        expected = remaining + 45.0 if reaction == "hide" else remaining / 2.0
        assert len(end) > 10 and np.allclose(end - det[end.index], expected)


def test_a_group_notices_a_detection_with_notice_prob():
    """Each sensor's detection of a group is noticed (the group reacts) with `notice_prob`, one
    draw per group and sensor: the share of detected groups that react is binomial around it."""
    from scipy import stats

    world = corridor_world(sure_ground(3), attempts_per_day=300, horizon_days=2, reaction="hide", notice_prob=0.3)
    reacted = detected = 0
    for seed in (1, 2):
        _, ev = run(world, seed)
        detected += (ev[ev.kind == "detection"].source == "ground").sum()
        reacted += (ev.kind == "reaction").sum()
    assert detected > 400
    assert stats.binomtest(int(reacted), int(detected), 0.3).pvalue > 0.001


def test_command_centre_chain_has_exact_latencies():
    world = dispatch_chain_world()
    _, ev = run(world, 3)
    alerts = ev[ev.kind == "alert"].set_index("alert")
    handled = ev[ev.kind == "alert_handled"].set_index("alert")
    disp = ev[ev.kind == "dispatch"].set_index("incident")
    arr = ev[ev.kind == "arrival"].set_index("incident")
    assert len(alerts) >= 3 and set(alerts.source) == {"ground"}
    sensed = ev[(ev.kind == "detection") & (ev.source == "ground")].set_index("attempt").t
    assert np.allclose(alerts.t, sensed[alerts.attempt])  # detection -> alert at once
    for alert_id, row in disp.reset_index().set_index("alert").iterrows():
        wait = handled.loc[alert_id].duration_min
        # alert_handled: when the operator is done (queue wait + fixed handling), then the dispatch
        assert handled.loc[alert_id].t == pytest.approx(alerts.loc[alert_id].t + wait + 2.0)
        assert row.t == pytest.approx(handled.loc[alert_id].t)
        assert row.node == 3
    # the nearest available unit goes (unit 0 sits 2 km away, unit 1 sits 5 km away)
    first = disp.iloc[0]
    assert first.unit == 0 and first.duration_min == pytest.approx(2 * 60 / 15)
    assert np.allclose(arr.t - disp.t[arr.index], disp.duration_min[arr.index])
    # a responding unit that meets the group it was sent for has found it (not "diverted")
    found = ev[(ev.kind == "interdiction") & (ev.source == "response")]
    assert len(found) >= 2 and set(found.incident) <= set(disp.index)
    inter = ev[ev.kind == "interdiction"]
    for row in ev[(ev.kind == "search_end") & (ev.detail == "diverted")].itertuples():
        taken = inter[(inter.unit == row.unit) & (inter.t == row.t)]
        assert len(taken) == 1 and taken.attempt.iloc[0] != disp.loc[row.incident].attempt


def test_apprehension_is_limited_by_unit_capacity():
    units = {"post": posted_unit(4, mode="foot", capacity=3, detect_prob=1.0, processing_min=1.0)}
    world = corridor_world(units=units, attempts_per_day=24, horizon_days=1)  # groups of 4
    _, ev = run(world, 4)
    inter = ev[ev.kind == "interdiction"]
    assert len(inter) > 5 and (inter["size"] == 3).all() and (inter.source == "patrol").all()
    assert (inter.node == 4).all()


def test_fixed_route_visits_waypoints_in_order():
    units = {
        "loop": UnitGroupSpec(
            agency="bp",
            count=1,
            placement="explicit",
            nodes=[1],
            policy=fixed_route(8, 2, 6),
            shift_hours=24.0,
            shifts_per_day=1,
            mode="vehicle",
        )
    }
    world = corridor_world(units=units, attempts_per_day=0, horizon_days=0.25)
    from sim.model import BorderModel

    model = BorderModel(world, 1)
    ends = []
    unit = model.unit(0)
    while model.now < 120:
        model.step()
        ends.append(int(unit.timeline.nodes[-1]))
    visited = [n for i, n in enumerate(ends) if i == 0 or n != ends[i - 1]]
    assert visited[:4] == [8, 2, 6, 8]


def test_least_risk_routing_trades_time_for_less_known_exposure(world_for):
    world = world_for()
    r = world.router
    org = world.orgs[0]
    risk = world.known_risk

    def exposure(path):  # expected visible-sensor detections: minutes x mean risk per hour / 60
        return float((r.step_minutes(path, "foot") * 0.5 * (risk[path[:-1]] + risk[path[1:]])).sum() / 60)

    detours = 0
    for s in org.staging.tolist():
        for d in org.destinations.tolist():
            fast = r.path(s, d, "foot")
            safe = r.path(s, d, "foot", node_penalty=3.0 * risk, penalty_key="t3")
            assert exposure(safe) <= exposure(fast) + 1e-9
            assert r.step_minutes(safe, "foot").sum() >= r.step_minutes(fast, "foot").sum() - 1e-9
            detours += exposure(safe) < exposure(fast) - 1e-6
    assert detours > 0  # somewhere the detour is real


def test_a_random_walk_unit_sent_outside_its_beat_walks_back_and_walks_on():
    """A response can take a unit anywhere its agency may act, beyond its beat (its sector): a
    random_walk unit freed there goes back to the beat's nearest cell by travel time and walks
    on (it once stayed in that cell, 30 minutes at a time, until its next dispatch or shift end;
    2,996 unit-minutes in three demo days). Within the beat it steps between neighbours only."""
    from sim.config import compose
    from sim.model import BorderModel
    from sim.world import build_world

    c = compose(["scenario.units.bp_vehicle.policy=random_walk", "scenario.units.bp_foot.policy=random_walk"])
    world = build_world(c.scenario, c.origin)
    router, terrain = world.router, world.terrain
    edges = {frozenset(e) for e in zip(terrain.edge_u.tolist(), terrain.edge_v.tolist())}
    model = BorderModel(world, 1)
    for u in model.units:
        beat = set(u.params.beat.tolist())
        outside = np.flatnonzero((terrain.side == 1) & ~np.isin(np.arange(terrain.n_nodes), u.params.beat))
        for start in outside[:: max(1, outside.size // 5)]:
            leg = u.policy.next_leg(int(start), np.random.default_rng(0))
            minutes = router.minutes_from(int(start), u.params.spec.mode, home_only=True)
            assert leg[0] == start and int(leg[-1]) in beat
            assert minutes[leg[-1]] == pytest.approx(minutes[u.params.beat].min())
        walk = u.policy.next_leg(u.params.base, np.random.default_rng(1))
        assert len(walk) > 1 and set(walk.tolist()) <= beat
        assert all(frozenset((int(a), int(b))) in edges for a, b in zip(walk[:-1], walk[1:]))
    ev = model.run().to_arrow().to_pandas()
    freed = ev[(ev.kind == "unit_free") & (ev.unit >= 0)]
    away = [r for r in freed.itertuples() if r.node not in set(model.unit(r.unit).params.beat.tolist())]
    assert len(away) > 3  # the case this test is about happens in the run
