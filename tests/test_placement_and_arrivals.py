"""Placement rules, arrival process and shifts, as a planner would configure them."""

import numpy as np
import pytest
from helpers import corridor_world, posted_unit, run
from scipy import stats

from sim.terrain import HOME


def test_towers_along_the_border_every_k_km(world_for):
    world = world_for("scenario.sensors.towers.spacing_km=5", "scenario.sensors.towers.setback_km=2")
    t = world.terrain
    towers = [s for s in world.sensors if s.group == "towers"]
    xs = np.sort(t.x[[s.node for s in towers]])
    assert len(towers) == 8  # 40 km / 5 km
    assert np.allclose(np.diff(xs), 5.0, atol=t.edge_length_km.min())
    assert all(t.side[s.node] == HOME and abs(t.y[s.node] - 2.0) <= 0.5 for s in towers)


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (("scenario.sensors.ground.spacing_km=1",), 40),  # one per 1 km cell of the 40 km border
        (("scenario.terrain.cell_km=2", "scenario.sensors.ground.spacing_km=2"), 20),
        (("scenario.sensors.ground.spacing_km=1", "scenario.sensors.ground.corridor=C03"), 2),  # a 2 km corridor
        (
            (
                "scenario.terrain.cell_km=0.5",
                "scenario.sensors.ground.spacing_km=0.5",
                "scenario.sensors.ground.corridor=C03",
            ),
            4,
        ),
    ],
)
def test_a_line_of_sensors_every_k_km_covers_its_whole_stretch_of_border(world_for, overrides, expected):
    """Spacing k over a stretch of L km puts L / k sensors, one in each k-km piece, the ends
    included (measured between the end cells' centres, half a cell was lost at each end: 39 on
    a 40 km border at 1 km, and the easternmost cell bare)."""
    world = world_for(*overrides)
    t = world.terrain
    xs = np.sort(t.x[[s.node for s in world.sensors if s.group == "ground"]])
    assert len(xs) == expected
    spacing = float(overrides[-1 if "corridor" not in overrides[-1] else -2].split("=")[1])
    pieces = np.floor((xs - xs[0] + spacing / 2) / spacing)  # the k-km piece each sensor stands in
    assert (pieces == np.arange(expected)).all()


def test_explicit_coordinates_snap_to_the_nearest_cell(world_for):
    world = world_for(
        "scenario.sensors.towers.placement=explicit", "scenario.sensors.towers.coords=[[12.2,3.4],[30.2,-4.8]]"
    )
    t = world.terrain
    nodes = [s.node for s in world.sensors if s.group == "towers"]
    assert (t.x[nodes[0]], t.y[nodes[0]]) == (12.5, 3.5)
    assert (t.x[nodes[1]], t.y[nodes[1]]) == (30.5, -4.5)  # a sensor may stand across the border
    units = world_for(
        "scenario.units.bp_foot.placement=explicit",
        "scenario.units.bp_foot.count=1",
        "scenario.units.bp_foot.coords=[[20.0,-5.0]]",
    ).units
    base = [u.base for u in units if u.group == "bp_foot"][0]
    assert t.side[base] == HOME and t.y[base] == 0.5  # units are based on the home side


def test_units_spread_over_their_sectors_and_beat_inside_them(world_for):
    world = world_for("scenario.units.bp_vehicle.sectors=[S2]", "scenario.units.bp_vehicle.count=6")
    t = world.terrain
    vehicles = [u for u in world.units if u.group == "bp_vehicle"]
    s2 = t.sector_id("S2")
    assert all(t.sector[u.base] == s2 for u in vehicles)
    assert all((t.sector[u.beat] == s2).all() and (t.side[u.beat] == HOME).all() for u in vehicles)
    xs = sorted(t.x[u.base] for u in vehicles)
    assert xs[-1] - xs[0] > 10  # spread along the sector, not piled up
    foot = [u for u in world.units if u.group == "bp_foot"]
    assert {t.sector[u.base] for u in foot} == {0, 1}  # default: spread over the jurisdiction


def beat_points(world) -> dict[int, np.ndarray]:
    """The points each random_beat unit drives between (unit id -> cells)."""
    from sim.model import BorderModel
    from sim.policies.patrol.random_beat import RandomBeat

    model = BorderModel(world, 1)
    return {u.params.id: u.policy.waypoints for u in model.units if isinstance(u.policy, RandomBeat)}


def test_random_beat_drives_between_points_spread_over_the_beat(world_for):
    world = world_for("scenario.units.bp_foot.policy.beat_points=20")  # random_beat, the default, adjusted
    points_of = beat_points(world)
    t = world.terrain
    foot = [u for u in world.units if u.group == "bp_foot"]
    cell_km = t.edge_length_km.min()
    for u in foot:
        points = points_of[u.id]
        assert points.size == 20 and np.isin(points, u.beat).all()
        # every cell of the beat is near a point: farthest-point sampling covers the beat within
        # twice the best possible radius, and k discs of radius sqrt(area / k) would cover it
        gap = np.hypot(t.x[u.beat][:, None] - t.x[points], t.y[u.beat][:, None] - t.y[points]).min(axis=1)
        assert gap.max() <= 2 * np.sqrt(u.beat.size * cell_km**2 / points.size)
    same_beat = [u for u in foot if np.array_equal(u.beat, foot[0].beat)]
    assert len(same_beat) > 1 and all(points_of[u.id] is points_of[same_beat[0].id] for u in same_beat)
    # vehicles keep to the beat's roads; a beat smaller than beat_points is all points
    vehicle = next(u for u in world.units if u.group == "bp_vehicle")
    on_road = np.isin(points_of[vehicle.id], np.concatenate([t.edge_u[t.edge_road], t.edge_v[t.edge_road]]))
    assert on_road.all()
    small = world_for("scenario.units.bp_foot.policy.beat_points=100000")
    small_points = beat_points(small)
    assert all(np.array_equal(small_points[u.id], u.beat) for u in small.units if u.group == "bp_foot")


def test_random_beat_legs_end_at_beat_points():
    from sim.model import BorderModel
    from sim.params import Chosen
    from sim.policies.patrol.random_beat import RandomBeat, RandomBeatParams

    policy = Chosen("random_beat", RandomBeatParams(beat_points=2))
    world = corridor_world(units={"p": posted_unit(3, policy=policy)})  # a beat of 7 cells, 2 points
    unit = BorderModel(world, 1).unit(0)
    policy, rng = RandomBeat(unit, RandomBeatParams(beat_points=2)), np.random.default_rng(0)
    ends = {int(policy.next_leg(node, rng)[-1]) for node in unit.params.beat.tolist() for _ in range(5)}
    assert ends == set(unit.policy.waypoints.tolist()) and len(ends) == 2


def test_arrivals_follow_rate_and_time_of_day_profile():
    profile = [4.0] * 6 + [1.0] * 12 + [4.0] * 6  # night-heavy
    world = corridor_world(attempts_per_day=120, horizon_days=10, hourly_profile=profile)
    _, ev = run(world, 9)
    starts = ev[ev.kind == "attempt"].t.to_numpy()
    n = len(starts)
    assert abs(n - 1200) < 4 * np.sqrt(1200)  # Poisson count
    hours = (starts // 60 % 24).astype(int)
    observed = np.bincount(hours, minlength=24)
    expected = n * np.array(profile) / sum(profile)
    assert stats.chisquare(observed, expected).pvalue > 0.001
    # gaps inside a constant-rate stretch are exponential
    night = np.sort(starts[hours < 6])
    gaps = np.diff(night)
    gaps = gaps[gaps < 300]  # within the same night
    assert stats.kstest(gaps, "expon", args=(0, 60 / (120 / 24 * 4 / 2.5))).pvalue > 0.001


def test_units_act_only_on_duty(world_for):
    world = world_for("scenario.units.bp_vehicle.shift_hours=8", "scenario.units.bp_foot.shift_hours=8")
    from sim.model import BorderModel

    ev = BorderModel(world, 3).run().to_arrow().to_pandas()
    for uid, g in ev[ev.unit >= 0].groupby("unit"):
        on, busy = False, False
        starts = g[g.kind == "shift_start"].t.to_numpy()
        assert np.all(np.diff(starts) == pytest.approx(1440.0))  # one shift a day at a fixed time
        for kind, source, detail in zip(g.kind, g.source, g.detail):
            if kind == "shift_start":
                on = True
            elif kind == "shift_end":
                on = False
                assert not busy, f"unit {uid} went off duty in the middle of a task"
            elif kind == "dispatch" or (kind == "detection" and source == "patrol"):
                assert on, f"unit {uid} acted off duty"
            if kind == "dispatch" or (kind == "interdiction" and source == "patrol"):
                busy = True
            elif kind == "unit_free" or (kind == "search_end" and detail == "diverted"):
                busy = False


def test_fixed_rate_launches_spread_a_fractional_rate_evenly_and_a_surge_adds_its_share():
    from helpers import inject

    from sim.params import Chosen
    from sim.policies.launch.fixed_rate import FixedRateParams

    launch = Chosen("fixed_rate", FixedRateParams(per_minute=0.4))
    world = corridor_world(horizon_days=1, launch=launch)
    _, ev = run(world, 3)
    starts = ev[ev.kind == "attempt"].t.to_numpy()
    # minute k launches floor((k+1) r) - floor(k r): 0.4/min is 2 every 5 minutes, at minutes 2 and 4 mod 5
    assert len(starts) == 576 and set(np.unique(starts % 5)) == {2.0, 4.0}
    assert np.array_equal(np.bincount((starts // 5).astype(int)), np.full(288, 2))
    # a surge (factor 3 from hour 6 for 2 h) adds 2 x 0.4 / min in its window, on the minute
    surge = inject("surge", organisation="org", start_hours=6, duration_hours=2, factor=3.0)
    _, ev2 = run(corridor_world(horizon_days=1, launch=launch, scenario_kw={"injects": {"s": surge}}), 3)
    minutes = np.arange(1441)
    base = np.histogram(starts, minutes)[0]
    added = np.histogram(ev2[ev2.kind == "attempt"].t.to_numpy(), minutes)[0] - base
    assert added.sum() == 96 and (added >= 0).all() and not added[:360].any() and not added[480:].any()
    # a surge starting mid-minute launches on the minute, from the next whole one
    surge = inject("surge", organisation="org", start_hours=6.01, duration_hours=2, factor=3.0)
    _, ev3 = run(corridor_world(horizon_days=1, launch=launch, scenario_kw={"injects": {"s": surge}}), 3)
    t3 = ev3[ev3.kind == "attempt"].t.to_numpy()
    assert (t3 % 1 == 0).all() and len(t3) - len(starts) == 96


def test_random_unit_placement_draws_distinct_home_cells_of_the_area_fixed_by_the_terrain_seed(world_for):
    over = ("scenario.units.bp_foot.placement=random", "scenario.units.bp_foot.count=30")
    world = world_for(*over, "scenario.units.bp_foot.sectors=[S1]")
    t = world.terrain
    bases = [u.base for u in world.units if u.group == "bp_foot"]
    assert len(set(bases)) == 30 and all(t.side[b] == HOME and t.sector[b] == t.sector_id("S1") for b in bases)
    again = [u.base for u in world_for(*over, "scenario.units.bp_foot.sectors=[S1]").units if u.group == "bp_foot"]
    other = [u.base for u in world_for(*over, "scenario.terrain.seed=7").units if u.group == "bp_foot"]
    assert again == bases and other != bases
    ys = t.y[bases]
    assert ys.max() - ys.min() > np.ptp(t.y[t.side == HOME]) / 2  # drawn over the area, not along one line


def test_random_unit_placement_uses_every_cell_before_any_twice():
    import dataclasses

    unit = dataclasses.replace(posted_unit(1), placement="random", count=10, nodes=[])
    world = corridor_world(units={"p": unit}, length=4)  # home cells 1..4
    bases = [u.base for u in world.units]
    assert sorted(bases[:4]) == [1, 2, 3, 4] and sorted(bases[4:8]) == [1, 2, 3, 4] and len(bases) == 10


@pytest.mark.parametrize("days", [1.1, 0.55, 2.3])
def test_a_decimal_horizon_ends_on_its_minute(days):
    """1.1 days is 1584 minutes: a launch every minute gives 1584 of them, the last at minute 1583
    (the float product 1.1 * 24 * 60 is 1584.0000000000002, which let minute 1584 into the run)."""
    from sim.params import Chosen
    from sim.policies.launch.fixed_rate import FixedRateParams

    world = corridor_world(horizon_days=days, launch=Chosen("fixed_rate", FixedRateParams(per_minute=1.0)))
    _, ev = run(world, 1)
    minutes = round(days * 1440)
    starts = ev[ev.kind == "attempt"].t
    assert world.horizon_min == minutes and len(starts) == minutes and starts.max() == minutes - 1
