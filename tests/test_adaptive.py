"""Corridors, sensor groups installed during a run, and adaptive organisations
(sim/terrain/corridors.py, sim/policies/routing/adaptive.py): the estimator's arithmetic, the
softmax choice against its closed form, learning from the outcomes the log shows, and common
random numbers between a run with a reinforcement and one without."""

from __future__ import annotations

import math
import re
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from helpers import KINDS, corridor_world, posted_unit, run, tower
from scipy import stats

from analysis.displacement import claims
from analysis.stats import holm_adjusted, mean_test_p
from sim.config import SCENARIO_DIR, compose
from sim.drill.mapview import MapPainter
from sim.drill.session import DrillSession
from sim.metrics import annualised_capital, corridor_metrics, corridor_shares, summarize
from sim.model import BorderModel
from sim.params import Chosen
from sim.policies.routing.adaptive import AdaptiveParams, LearnedRisk
from sim.policies.routing.base import NoParams
from sim.recorder import Recorder
from sim.runner import run_replication
from sim.scenario import (
    AgencySpec,
    CargoSpec,
    CorridorSpec,
    ModeSpec,
    OrgSpec,
    ScenarioSpec,
    TerrainSpec,
)
from sim.terrain import KindProps
from sim.terrain.corridors import corridors_of
from sim.terrain.io import from_networkx
from sim.world import build_world

DAY = 1440.0


# --- the estimator, exactly --------------------------------------------------------------
def test_learned_risk_is_the_discounted_beta_bernoulli_mean():
    """risk = (a0 + sum of discounted losses) / (a0 + b0 + discounted losses + successes), an
    outcome `a` days old weighing exp(-a / memory)."""
    est = LearnedRisk(3, prior_losses=1.0, prior_successes=4.0, memory_days=10.0)
    outcomes = [(0.0, 0, True, 1.0), (2.5, 0, False, 1.0), (4.0, 2, True, 0.5), (9.0, 0, True, 1.0)]
    for day, k, lost, w in outcomes:
        est.add(day * DAY, k, lost, w)
    t = 12.0
    got = est.risk(t * DAY)
    for k in range(3):
        losses = sum(w * math.exp(-(t - d) / 10.0) for d, kk, lost, w in outcomes if kk == k and lost)
        wins = sum(w * math.exp(-(t - d) / 10.0) for d, kk, lost, w in outcomes if kk == k and not lost)
        assert got[k] == pytest.approx((1.0 + losses) / (5.0 + losses + wins), rel=1e-12)
    assert got[1] == pytest.approx(0.2)  # no outcome: the prior mean a0 / (a0 + b0)
    # by hand, corridor 0: losses e^-1.2 + e^-0.3, success e^-0.95
    l0, s0 = math.exp(-1.2) + math.exp(-0.3), math.exp(-0.95)
    assert got[0] == pytest.approx((1 + l0) / (5 + l0 + s0), rel=1e-12)
    rate, total = est.loss_rate(t * DAY)
    l2 = 0.5 * math.exp(-0.8)
    assert total == pytest.approx(l0 + s0 + l2) and rate == pytest.approx((l0 + l2) / (l0 + s0 + l2))


# --- corridors -----------------------------------------------------------------------------
def ladder_graph(width: int = 10, depth: int = 3) -> nx.Graph:
    """A `width` km border with `depth` rows of 1-km cells on each side (4-neighbour grid); one
    staging area in the middle of the far foreign row, one town in the middle of the far home row."""
    g = nx.Graph()
    ys = [-(depth - 0.5) + r for r in range(2 * depth)]
    index = {}
    for r, y in enumerate(ys):
        for c in range(width):
            i = len(index)
            index[(r, c)] = i
            mid = c == width // 2
            feature = "staging" if (r == 0 and mid) else ("town" if (r == 2 * depth - 1 and mid) else "")
            g.add_node(
                i, x=c + 0.5, y=y, kind="open", side="foreign" if y < 0 else "home", sector="S1", feature=feature
            )
    for (r, c), i in index.items():
        for dr, dc in ((1, 0), (0, 1)):
            if (r + dr, c + dc) in index:
                g.add_edge(i, index[(r + dr, c + dc)], length_km=1.0)
    return g


def ladder_world(
    routing: Chosen,
    horizon_days: float = 40.0,
    attempts_per_day: float = 60.0,
    graph: nx.Graph | None = None,
    kinds: dict[str, KindProps] | None = None,
    **scenario_kw,
):
    kinds = {k: KindProps(v.cover, v.speed_factor) for k, v in KINDS.items()} | (kinds or {})
    terrain = from_networkx(graph if graph is not None else ladder_graph(), kinds, "ladder")
    org = OrgSpec(
        attempts_per_day=attempts_per_day,
        hourly_profile=[1.0] * 24,
        cargo={"people": CargoSpec(share=1.0, size_min=4, size_max=4)},
        notice_prob=0.0,
        routing=routing,
    )
    spec = ScenarioSpec(
        name="ladder",
        horizon_days=horizon_days,
        terrain=TerrainSpec(kinds=dict(KINDS)),
        modes={"foot": ModeSpec(3.0, 4.0, True), "vehicle": ModeSpec(15.0, 40.0)},
        agencies={"bp": AgencySpec(jurisdiction=["all"])},
        organisations={"org": org},
        corridors=CorridorSpec(length_km=2.0),
        **scenario_kw,
    )
    return build_world(spec, "ladder", terrain=terrain)


def test_corridors_cut_the_border_by_the_home_cell_of_each_crossing_edge():
    kinds = {"open": KindProps(0.0, 1.0), "rough": KindProps(0.0, 0.5)}
    g = ladder_graph(width=7, depth=1)
    for i in g.nodes:
        if g.nodes[i]["x"] > 4:  # cells at x = 4.5, 5.5 and 6.5 walk at half speed
            g.nodes[i]["kind"] = "rough"
    terrain = from_networkx(g, kinds, "ladder")
    c = corridors_of(terrain, 3.0)
    # home cells at x 0.5 .. 6.5, 1 km apart: the border runs from 0 to 7 km, cut [0, 3), [3, 6), [6, 7]
    assert c.names == ("C1", "C2", "C3")
    assert c.from_km.tolist() == [0.0, 3.0, 6.0] and c.to_km.tolist() == [3.0, 6.0, 7.0]
    home_x = terrain.x[c.edge_home]
    assert (c.edge_corridor == np.floor(home_x / 3.0)).all()
    assert (terrain.side[c.edge_foreign] == 0).all() and (terrain.side[c.edge_home] == 1).all()
    # difficulty: mean slowness (1 / speed factor) of the border cells, both ends of each edge
    assert c.difficulty.tolist() == pytest.approx([1.0, (1 + 2 + 2) / 3, 2.0])
    assert corridors_of(terrain, 100.0).names == ("C1",)
    assert len(corridors_of(terrain, 0.5).names) == 14 and corridors_of(terrain, 0.5).names[0] == "C01"
    assert (corridors_of(terrain, 0.5).to_km - corridors_of(terrain, 0.5).from_km).sum() == 7.0  # the whole border
    # one position at a time (a crossing) gets the corridor the array form gives, at the cuts too
    xs = np.concatenate([np.linspace(-2.0, 9.0, 1101), [0.0, 3.0, 6.0, 7.0, np.nextafter(3.0, 0.0)]])
    for length in (3.0, 0.5, 0.7, 100.0):
        cl = corridors_of(terrain, length)
        assert [cl.index_at(x) for x in xs] == cl.index_of_x(xs).tolist()


def test_a_border_one_cell_wide_is_as_wide_as_its_cell():
    """One crossing (a corridor one column wide): the border is that cell's width (its crossing's
    length), not 0 km, so the corridor and the border it covers are 1 km long."""
    g = ladder_graph(width=1, depth=1)
    terrain = from_networkx(g, KINDS, "one column")
    c = corridors_of(terrain, 3.0)
    assert c.names == ("C1",) and c.cell_km == 1.0
    assert c.from_km.tolist() == [0.0] and c.to_km.tolist() == [1.0]


def test_towers_along_a_corridor_one_column_wide_are_placed():
    """Towers one every km along corridor C05 of the demo with 1 km corridors on its 1 km cells:
    the corridor's one column gets its tower (measured as 0 km wide, it got none)."""
    c = compose(
        [
            "scenario=demo",
            "scenario.corridors.length_km=1",
            "scenario.sensors.towers.corridor=C05",
            "scenario.sensors.towers.spacing_km=1",
        ]
    )
    world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    k = world.corridors.index("C05")
    towers = [s.node for s in world.sensors if s.group == "towers"]
    assert len(towers) == 1
    assert world.corridors.index_of_x(world.terrain.x[towers]).tolist() == [k]


def test_corridor_metrics_from_a_hand_made_log():
    r = Recorder()
    r.record(0, "run_start", duration_min=10 * DAY, measure_from_min=2 * DAY)
    for k, (a, b, d) in enumerate([(0, 2, 1.0), (2, 4, 1.5), (4, 6, 2.0), (6, 8, 1.0)]):
        r.record(0, "corridor", source=f"C{k + 1}", size=k, from_km=a, to_km=b, difficulty=d)
    crossings = [(1 * DAY, 0, "C1"), (3 * DAY, 1, "C1"), (3 * DAY, 2, "C1"), (4 * DAY, 3, "C2"), (5 * DAY, 4, "C3")]
    for t, a, corridor in sorted(crossings):
        r.record(t, "crossed", attempt=a, node=1, source=corridor)
    r.record(6 * DAY, "crossed", attempt=5, node=1, detail="port")  # through a port: not a corridor
    r.record(7 * DAY, "got_away", attempt=2, node=1)
    r.record(7 * DAY, "got_away", attempt=3, node=1)
    ev = r.to_arrow().to_pandas()
    got = ev[ev.kind == "got_away"]
    m = corridor_metrics(ev, pd.Series([0, 1, 2, 3, 4, 5]), got)
    assert m["corridor_crossings"] == 4  # attempt 0 crossed before day 2
    assert [m[f"crossings.C{k}"] for k in range(1, 5)] == [2, 1, 1, 0]
    p = np.array([0.5, 0.25, 0.25])
    assert m["route_entropy_bits"] == pytest.approx(-(p * np.log2(p)).sum())  # 1.5 bits
    assert m["corridors_over_5pct"] == 3 and m["border_km_used"] == 6.0
    assert m["got_away_measured"] == 2 and m["got_away_difficulty"] == pytest.approx((1.0 + 1.5) / 2)
    shares = corridor_shares(pd.DataFrame([m]))
    assert shares.iloc[0].tolist() == [0.5, 0.25, 0.25, 0.0]


# --- the softmax choice against its closed form ----------------------------------------------
def corridor_minutes(world, origin: int, dest: int) -> np.ndarray:
    """Least minutes origin -> dest through each corridor, computed here with networkx: the
    foreign leg on the foreign side, one border edge, the home leg on the home side."""
    t, c = world.terrain, world.corridors
    g = t.to_networkx()
    minutes = world.router.edge_minutes("foot")
    for e in range(t.n_edges):
        g[int(t.edge_u[e])][int(t.edge_v[e])]["m"] = float(minutes[e])
    foreign = g.subgraph([i for i in g if t.side[i] == 0])
    home = g.subgraph([i for i in g if t.side[i] == 1])
    d1 = nx.single_source_dijkstra_path_length(foreign, origin, weight="m")
    d2 = nx.single_source_dijkstra_path_length(home, dest, weight="m")
    best = np.full(c.n, np.inf)
    for f, h, k in zip(c.edge_foreign, c.edge_home, c.edge_corridor):
        best[k] = min(best[k], d1[int(f)] + g[int(f)][int(h)]["m"] + d2[int(h)])
    return best


def test_corridor_choice_follows_the_softmax_of_relative_cost():
    """With nothing to learn (no sensors, no units: every group gets away, every corridor keeps
    the same risk), groups choose corridors with P(k) ∝ exp(-(cost_k / cheapest - 1) / T)."""
    temperature = 0.3
    params = AdaptiveParams(temperature=temperature, prior_losses=1.0, prior_successes=1e6)
    world = ladder_world(Chosen("adaptive", params), horizon_days=20.0)
    staging, town = int(world.terrain.staging_areas[0]), int(world.terrain.towns[0])
    minutes = corridor_minutes(world, staging, town)
    p = np.exp(-(minutes / minutes.min() - 1.0) / temperature)
    p /= p.sum()
    counts = np.zeros(world.corridors.n)
    for seed in (1, 2):
        _, ev = run(world, seed)
        crossed = ev[ev.kind == "crossed"]
        counts += crossed.source.value_counts().reindex(world.corridors.names, fill_value=0).to_numpy()
    assert counts.sum() > 1500
    chi2 = stats.chisquare(counts, counts.sum() * p)
    assert chi2.pvalue > 0.001, (counts, counts.sum() * p)


# --- learning from the outcomes the log shows --------------------------------------------------
def posted_units_world(routing: Chosen, post: list[int], horizon_days: float = 40.0):
    """The ladder with a unit posted on each node of `post` (units that stay put and catch)."""
    units = {f"u{n}": posted_unit(n, detect_prob=1.0, capacity=50, mode="foot") for n in post}
    return ladder_world(routing, horizon_days=horizon_days, units=units)


def test_the_learned_risk_is_the_estimate_of_the_logged_outcomes():
    """After a run, each corridor's learned risk equals the estimator applied by hand to the
    interdictions and got-aways the event log shows, in the corridor each group crossed."""
    params = AdaptiveParams(memory_days=5.0)
    world = posted_units_world(Chosen("adaptive", params), post=[35, 36], horizon_days=15.0)
    model, ev = run(world, 3)
    crossed = ev[ev.kind == "crossed"].set_index("attempt").source
    ends = ev[ev.kind.isin(["interdiction", "got_away"])].drop_duplicates("attempt")
    assert (ends.kind == "interdiction").sum() > 20 and (ends.kind == "got_away").sum() > 20
    horizon = world.horizon_min
    names = list(world.corridors.names)
    losses, wins = np.zeros(len(names)), np.zeros(len(names))
    for r in ends.itertuples():
        w = math.exp(-(horizon - r.t) / (5.0 * DAY))
        k = names.index(crossed[r.attempt])
        (losses if r.kind == "interdiction" else wins)[k] += w
    expected = (1.0 + losses) / (5.0 + losses + wins)
    learned = next(iter(model.orgs)).routing.learned.risk(horizon)
    assert learned == pytest.approx(expected, rel=1e-9)


def test_an_adaptive_organisation_moves_off_a_deadly_corridor_and_a_static_one_does_not():
    """Units posted on the busiest corridor's home cells: the adaptive organisation's share there
    falls below what it was without them, over seeds; the fastest organisation's does not move."""
    post_cells = [35, 34]  # the first home cells on the straight line from the staging area to the town
    shares = {}
    for name, routing in (
        ("adaptive", Chosen("adaptive", AdaptiveParams())),
        ("fastest", Chosen("fastest", NoParams())),
    ):
        for arm, post in (("without", []), ("with", post_cells)):
            world = posted_units_world(routing, post=post, horizon_days=20.0)
            corridor = world.corridors.names[int(world.corridors.index_of_x(world.terrain.x[post_cells[0]]))]
            rows = []
            for seed in range(1, 7):
                _, ev = run(world, seed)
                c = ev[(ev.kind == "crossed") & (ev.t >= 5 * DAY)].source
                rows.append((c == corridor).mean())
            shares[(name, arm)] = np.array(rows)
    moved = shares[("adaptive", "with")] - shares[("adaptive", "without")]
    assert moved.mean() < -0.1 and stats.ttest_1samp(moved, 0).pvalue < 0.01
    assert np.allclose(shares[("fastest", "with")], shares[("fastest", "without")])


# --- sensor groups installed during the run, and common random numbers ------------------------
def displacement_runs(count: int, seed: int = 1, **over):
    overrides = [
        "scenario=displacement",
        "scenario.horizon_days=12",
        "scenario.sensors.reinforcement.installed_day=5",
        "scenario.corridors.measure_from_day=5",
        f"scenario.sensors.reinforcement.count={count}",
    ] + [f"{k}={v}" for k, v in over.items()]
    c = compose(overrides)
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    return world, run_replication(world, seed)


def test_a_reinforcement_changes_nothing_before_it_goes_up_and_goes_to_the_busiest_corridor():
    _, control = displacement_runs(0)
    world, treated = displacement_runs(2)
    c, t = control.events.to_pandas(), treated.events.to_pandas()
    before = 5 * DAY
    cols = [col for col in c.columns if col not in ("replication", "seed")]
    pd.testing.assert_frame_equal(
        c[c.t < before][cols].reset_index(drop=True), t[t.t < before][cols].reset_index(drop=True)
    )
    up = t[(t.kind == "asset") & (t.sensor >= 0)]
    assert len(up) == 2 and (up.t == before).all()
    counts = c[(c.kind == "crossed") & (c.t < before) & (c.source != "")].source.value_counts()
    busiest = sorted(counts[counts == counts.max()].index)[0]  # ties: the westernmost
    assert set(up.detail) == {busiest}
    ids = set(up.sensor)
    assert not ((t.t < before) & t.sensor.isin(ids)).any()  # no alert or detection before
    assert ((t.kind == "detection") & t.sensor.isin(ids)).any()


def test_a_sensor_installed_later_costs_from_then_and_raises_nothing_before():
    spec = tower(4, rate=0.0, range_km=1.0, false_alarms_per_day=50.0, installed_day=1.0, capital_usd=1e6)
    world = corridor_world(sensors={"late": spec}, horizon_days=3.0, attempts_per_day=0.0)
    _, ev = run(world, 1)
    alerts = ev[ev.kind == "alert"]
    assert len(alerts) > 50 and alerts.t.min() >= DAY
    asset = ev[(ev.kind == "asset") & (ev.sensor >= 0)]
    assert asset.t.tolist() == [DAY]
    s = summarize(ev)
    annual = annualised_capital(np.array([1e6]), np.array([10.0]), 0.0)[0]
    assert s["capital_share_usd"] == pytest.approx(annual * 2.0 / 365.0)
    assert s["operating_usd"] == pytest.approx(300.0 * 2.0)


def test_the_reinforcement_survives_a_weather_inject_redraw():
    """An inject that redraws sensor detections after the group went up keeps the new sensors."""
    _, r = displacement_runs(2, **{"+scenario.injects.fog": "{type: weather, start_hours: 150, duration_hours: 24}"})
    ev = r.events.to_pandas()
    ids = set(ev[(ev.kind == "asset") & (ev.t > 0)].sensor)
    assert ((ev.kind == "detection") & ev.sensor.isin(ids) & (ev.t > 150 * 60)).any()


def first_plans_after(world, seed: int, t: float) -> dict[int, tuple[int, ...]]:
    """Each group's first plan (its route at launch), for the groups launched at or after `t`."""
    plans = run_replication(world, seed).plans.to_pandas()
    plans = plans[(plans.mover == "attempt") & (plans.version == 1) & (plans.t >= t)]
    return {int(i): tuple(n) for i, n in zip(plans.id, plans.nodes)}


def test_towers_installed_later_are_known_from_then_as_if_built_at_the_start():
    """A least_risk organisation plans around the towers it knows: a group launched after a
    later tower group goes up takes the route it would take had the towers stood from day 0."""
    over = {
        "scenario.organisations.cartel.routing": "{type: least_risk, risk_aversion: 50}",
        "scenario.sensors.reinforcement.corridor": "C08",
        "scenario.sensors.reinforcement.range_km": 4,
    }
    late, _ = displacement_runs(4, **over)
    from_start, _ = displacement_runs(4, **over, **{"scenario.sensors.reinforcement.installed_day": 0})
    none, _ = displacement_runs(0, **over)
    after = 6 * DAY  # a day after the install (day 5)
    p_late, p_start, p_none = (first_plans_after(w, 1, after) for w in (late, from_start, none))
    ids = sorted(set(p_late) & set(p_start) & set(p_none))
    assert len(ids) > 50
    assert all(p_late[i] == p_start[i] for i in ids)
    assert sum(p_late[i] != p_none[i] for i in ids) > 0.2 * len(ids)  # the towers do move routes


def test_rough_ground_never_makes_a_corridor_cheaper_than_its_travel_time_says():
    """difficulty_weight > 0 on terrain faster than open ground (difficulty < 1 on some corridors)
    still ranks corridors by minutes x difficulty ^ weight: the most difficult corridor is never
    the favourite (a factor 1 + w (d - 1) went negative there and the softmax chose the worst)."""
    c = compose(
        [
            "scenario=displacement",
            "scenario.horizon_days=6",
            "scenario.corridors.measure_from_day=0",
            "scenario.terrain.kinds.open.speed_factor=2.0",
            "scenario.organisations.cartel.routing={type: adaptive, difficulty_weight: 3}",
            "scenario.sensors.reinforcement.count=0",
        ]
    )
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    difficulty = world.corridors.difficulty
    assert difficulty.min() < 1.0 < difficulty.max()
    ev = run_replication(world, 1).events.to_pandas()
    counts = ev[(ev.kind == "crossed") & (ev.source != "")].source.value_counts()
    hardest = world.corridors.names[int(np.argmax(difficulty))]
    assert counts.sum() > 50 and counts.get(hardest, 0) < 0.1 * counts.sum()
    names = list(world.corridors.names)
    busiest = names.index(counts.index[0])
    assert difficulty[busiest] <= np.median(difficulty)


def test_a_defence_on_one_corridor_changes_only_the_choices_it_wins_or_loses():
    """Gumbel-max with a number per corridor: closing a corridor (not the cheapest, whose cost sets
    the scale of the relative costs) moves the groups that chose it, and every other group keeps
    its choice (paired by seed; nothing to learn, as above). A single number read through the
    cumulative weights moved about a fifth of the groups between two corridors the change never
    touched."""

    def choices(allowed: list[str]) -> dict[int, str]:
        params = AdaptiveParams(temperature=0.3, prior_losses=1.0, prior_successes=1e6, corridors=allowed)
        _, ev = run(ladder_world(Chosen("adaptive", params), horizon_days=10.0), 4)
        crossed = ev[ev.kind == "crossed"]
        return dict(zip(crossed.attempt, crossed.source))

    names = list(ladder_world(Chosen("fastest", NoParams())).corridors.names)
    base = choices([])
    treated = pd.Series(base).value_counts().index[1]  # the second favourite (the favourite is the cheapest)
    closed = choices([n for n in names if n != treated])
    common = sorted(set(base) & set(closed))
    assert len(common) > 300 and len(names) >= 4
    assert all(closed[a] != treated for a in common)
    kept = [a for a in common if base[a] != treated]
    assert len(kept) > 300 and all(closed[a] == base[a] for a in kept)


def test_an_organisation_that_starts_small_probes_new_corridors_while_its_losses_are_low():
    """start_corridors: 2: the two least difficult corridors at first; with nothing lost (no
    defence), each review adds the least risky corridor not yet used (logged as adaptation)."""
    params = AdaptiveParams(start_corridors=2, review_days=1.0, review_min_outcomes=1.0)
    world = ladder_world(Chosen("adaptive", params), horizon_days=6.0)
    _, ev = run(world, 1)
    crossed = ev[ev.kind == "crossed"]
    first_day = set(crossed[crossed.t < DAY].source)
    easiest = [world.corridors.names[k] for k in np.lexsort((np.arange(world.corridors.n), world.corridors.difficulty))]
    assert first_day <= set(easiest[:2])
    adaptations = ev[ev.kind == "adaptation"]
    assert len(adaptations) >= 2 and adaptations.detail.str.startswith("add ").all()
    added = {d.split()[1] for d in adaptations.detail}
    assert not added & set(easiest[:2])  # only corridors it had not used
    used_later = set(crossed[crossed.t > adaptations.t.min()].source)
    assert used_later & added  # and groups go through what it probed


def test_holm_adjusted_p_values_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1 -> 0.04, 0.09, 0.08, 0.5 -> made non-decreasing
    assert holm_adjusted(np.array([0.01, 0.04, 0.03, 0.5])).tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert mean_test_p(np.zeros(5)) == 1.0 and mean_test_p(np.full(5, 0.1)) == 0.0
    assert mean_test_p(np.full(5, 0.1), "greater") == 0.0 and mean_test_p(np.full(5, -0.1), "greater") == 1.0


def test_displacement_claims_keep_their_error_rate_on_pure_noise():
    """No true effect anywhere (share changes pure noise over 15 corridors, 30 pairs): 'another
    corridor's share rises' and 'some corridor moves' are each found in about 5% of sweeps at
    most (uncorrected, the first was found in about a third)."""
    rng = np.random.default_rng(11)
    found_rise = found_move = 0
    sweeps = 300
    for _ in range(sweeps):
        d = rng.normal(0.0, 0.02, size=(30, 15))
        changes = pd.DataFrame(
            [
                {"by": "x", "seed": s, "corridor": f"C{k:02d}", "treated": k == 0, "offset": k, "d_share": d[s, k]}
                for s in range(30)
                for k in range(15)
            ]
        )
        pairs = pd.DataFrame(
            {
                "by": "x",
                "d_share": d[:, 0],
                "d_corridors_5pct": rng.normal(size=30),
                "rel_got_away": rng.normal(size=30),
                "rel_crossings": rng.normal(size=30),
            }
        )
        table = claims(pairs, changes).set_index("claim")
        found_rise += bool(table.loc["another corridor's share rises", "holds"])
        found_move += not bool(table.loc["no corridor's share moves (expected of a static organisation)", "holds"])
    assert found_rise / sweeps < 0.09 and found_move / sweeps < 0.09


def test_displacement_is_found_by_distance_from_a_treated_corridor_that_differs_by_seed():
    """`corridor: busiest` treats a different corridor in each seed: the flow pushed two corridors
    east is found there, and the treated corridor's fall counts as a move. Tested by corridor name,
    each test mixed treated, neighbouring and far seeds: the README's experiment read 'no corridor's
    share moves: holds' beside 'the treated corridor's share falls: holds'."""
    rng = np.random.default_rng(5)
    rows, treated_d = [], []
    for s in range(30):
        t = int(rng.integers(2, 12))  # the treated corridor of this seed
        for k in range(15):
            d = rng.normal(0.0, 0.01) + (-0.07 if k == t else 0.03 if k == t + 2 else 0.0)
            rows.append(
                {"by": "x", "seed": s, "corridor": f"C{k + 1:02d}", "treated": k == t, "offset": k - t, "d_share": d}
            )
            if k == t:
                treated_d.append(d)
    changes = pd.DataFrame(rows)
    pairs = pd.DataFrame(
        {"by": "x", "d_share": treated_d, "d_corridors_5pct": 0.0, "rel_got_away": -0.1, "rel_crossings": -0.3}
    )
    table = claims(pairs, changes).set_index("claim")
    rise = table.loc["another corridor's share rises"]
    assert rise.holds and re.match(r"2 corridors east: \+0\.0[23]", rise["estimate (95% CI)"])  # +0.03 pushed there
    moves = table.loc["no corridor's share moves (expected of a static organisation)"]
    assert not moves.holds and moves["estimate (95% CI)"] == "moved: the treated corridor, 2 corridors east"


def test_a_dose_sweep_is_refused_until_one_dose_is_chosen():
    """count = 0, 1, 2: each control run would pair with both doses (pairs counted twice, doses
    mixed) and two figures failed on the repeated seeds: refused, naming the levels."""
    import analysis.displacement as displacement

    table = pd.DataFrame({"k": [0, 1, 2], "run": ["a", "b", "c"], "seed": [1, 1, 1]})
    table.attrs["params"] = ["k"]
    events = {"a": pd.DataFrame(), "b": pd.DataFrame(), "c": pd.DataFrame()}
    treated = {"a": {}, "b": {1: ["C02"]}, "c": {1: ["C02"]}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(displacement, "load", lambda root: table)
        mp.setattr(displacement, "_choose_keys", lambda t, root, treatment, by: ("k", None))
        mp.setattr(displacement, "_events", lambda root, run: events[run])
        mp.setattr(displacement, "treated_corridors", lambda ev: treated[next(r for r, e in events.items() if e is ev)])
        with pytest.raises(ValueError, match=r"--treatment k: levels 1, 2 all install the group; allowed: one level"):
            displacement.paired_rows("sweep")


def test_a_last_partial_week_is_drawn_within_the_run():
    """Weekly points sit mid-week; the last week of a 365-day run covers one day and was drawn at
    day 367.5, past the end, as if it were a whole week."""
    from analysis.displacement import _mid_period

    starts = np.arange(53) * 7.0
    mid = _mid_period(starts, 7.0, 365.0)
    assert mid[0] == 3.5 and mid[-2] == 360.5 and mid[-1] == 364.5 and mid.max() <= 365.0


def test_the_got_away_claim_needs_its_interval_not_its_point_estimate():
    """Got-aways falling 'by less than half as much' as the treated crossings is a ratio: it holds
    only if its bootstrap interval lies below 0.5, not when the ratio of two noisy means does."""
    rng = np.random.default_rng(3)
    changes = pd.DataFrame(
        [{"by": "x", "seed": s, "corridor": "C01", "treated": True, "offset": 0, "d_share": -0.1} for s in range(8)]
    )

    def holds(got: np.ndarray, cross: np.ndarray) -> bool:
        pairs = pd.DataFrame(
            {"by": "x", "d_share": -0.1, "d_corridors_5pct": 0.0, "rel_got_away": got, "rel_crossings": cross}
        )
        table = claims(pairs, changes).set_index("claim")
        return bool(
            table.loc[
                "got-aways fall by less than half as much, relatively, as the treated corridor's crossings", "holds"
            ]
        )

    cross = -0.5 + rng.normal(0, 0.02, 8)
    assert holds(-0.05 + rng.normal(0, 0.01, 8), cross)  # clearly a tenth: holds
    noisy = np.array([-0.9, 0.5, -0.6, 0.3, -0.8, 0.4, -0.7, 0.2])  # -0.2 on average: a ratio of 0.4
    assert not holds(noisy, cross)  # but its interval passes 0.5


def test_the_live_map_shows_sensors_installed_during_the_drill(tmp_path):
    """The drill's map state lists the sensors in place at its minute (a group installed on day 1
    appears from then), and the map draws them (their number once differed from the world's)."""
    c = compose(
        [
            "scenario=displacement",
            "scenario.horizon_days=3",
            "scenario.sensors.reinforcement.installed_day=1",
            "scenario.corridors.measure_from_day=1",
        ]
    )
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    session = DrillSession(world, 1, tmp_path)
    assert len(session.map_state().sensor_nodes) == len(world.sensors) == 0
    while session.now < 1.5 * DAY:
        session.step()
    state = session.map_state()
    assert state.sensor_types == ["tower", "tower"] and len(state.sensor_state) == 2
    assert MapPainter(world).draw(state, "day 1.5").axes


def test_an_extreme_difficulty_weight_sends_every_group_through_the_easiest_corridors():
    """difficulty_weight at its bound (1e6): difficulty ^ weight overflowed (a fuzzing find); in
    log space every group takes a corridor of the least difficulty, with no warning."""
    c = compose(
        [
            "scenario=displacement",
            "scenario.horizon_days=3",
            "scenario.corridors.measure_from_day=0",
            "scenario.organisations.cartel.routing={type: adaptive, difficulty_weight: 1e6}",
            "scenario.sensors.reinforcement.count=0",
        ]
    )
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev = run_replication(world, 2).events.to_pandas()
    used = set(ev[(ev.kind == "crossed") & (ev.source != "")].source)
    d = dict(zip(world.corridors.names, world.corridors.difficulty))
    assert used and {d[name] for name in used} == {min(d.values())}


def test_spotters_count_a_unit_on_duty_while_it_processes_an_arrest():
    """A unit posted by the border is on duty all day and mostly busy with the groups it stops:
    the spotters count it in its corridor in every report (they count the units on duty near the
    border; a unit processing an arrest once went uncounted, so the corridors where groups were
    caught looked empty to patrol_aversion)."""
    params = AdaptiveParams(patrol_aversion=3.0, spotter_range_km=2.0, spotter_delay_min=0, spotter_interval_min=5)
    world = posted_units_world(Chosen("adaptive", params), post=[45], horizon_days=1.0)
    model = BorderModel(world, 1)
    unit = next(iter(model.units))
    node = unit.timeline.node_at(0.0)
    assert world.terrain.side[node] == 1 and world.terrain.y[node] <= 2.0  # posted within the spotters' range
    corridor = int(world.corridors.index_of_x(world.terrain.x[node]))
    on_duty = busy = counted = 0
    for t in np.arange(300.0, 1400.0, 5.0):
        model.env.run(until=t + 0.001)
        if unit.on_duty:
            on_duty += 1
            busy += unit.task is not None and unit.task.kind == "process"
            counted += next(iter(model.orgs)).routing.seen[-1][1][corridor] >= 1
    assert on_duty > 200 and busy > 50 and counted == on_duty, (on_duty, busy, counted)


@pytest.mark.parametrize("policy", ["fastest", "least_risk", "adaptive"])
def test_a_group_that_has_crossed_keeps_to_the_home_side(policy):
    """The foreign side walks three times faster: from a home border cell to the town, the
    quickest way is out across the line and back in. A group that has crossed re-plans (a hide or
    a run) on the home side: a second crossing would be neither logged nor a crossing for the
    corridor counts. One that has not crossed may use the foreign side."""
    from types import SimpleNamespace

    from sim.policies.routing import ROUTING_POLICIES

    g = ladder_graph()
    for i in g.nodes:
        if g.nodes[i]["side"] == "foreign":
            g.nodes[i]["kind"] = "fast"
    chosen = Chosen(policy, ROUTING_POLICIES.get(policy).Params())
    world = ladder_world(chosen, graph=g, kinds={"fast": KindProps(0.0, 3.0)})
    model = BorderModel(world, 1)
    routing = model.orgs[0].routing
    t = world.terrain
    side = t.side
    start = int(np.flatnonzero((t.x == 0.5) & (t.y == 0.5))[0])  # the westmost home border cell
    town = int(world.terrain.towns[0])
    for crossed in (False, True):
        group = SimpleNamespace(model=model, mode="foot", crossed=crossed, attempt_id=-1, corridor=None)
        path = routing.route(group, start, town)
        assert path[0] == start and path[-1] == town
        assert (side[path] == 1).all() == crossed, (crossed, path.tolist())


def test_a_corridor_reached_only_through_the_home_side_is_not_chosen_however_short_the_detour():
    """The foreign leg keeps to the foreign side: a corridor whose foreign cells the staging area
    reaches only through the home side is infeasible. (Home cells were a large finite penalty, so
    a detour of short, fast edges stayed under the feasibility threshold: the group crossed in,
    out and in again, its crossing logged in another corridor than the one it chose.)"""
    g = ladder_graph(width=12, depth=2)
    for u, v in list(g.edges):
        g.edges[u, v]["length_km"] = 0.001  # steps of 1.2 s on foot: a detour costs little
        if g.nodes[u]["side"] == g.nodes[v]["side"] == "foreign" and {g.nodes[u]["x"], g.nodes[v]["x"]} == {5.5, 6.5}:
            g.remove_edge(u, v)  # the foreign side in two: the staging area (x = 6.5) in the east one
    routing = Chosen("adaptive", AdaptiveParams(corridors=["C1"]))  # C1: x 0-2 km, in the west one
    world = ladder_world(routing, horizon_days=1.0, attempts_per_day=40.0, graph=g)
    model, ev = run(world, 3)
    plans = model.plans.to_arrow().to_pandas()
    side = world.terrain.side
    trips = [np.asarray(n) for n, m in zip(plans.nodes, plans.mover) if m == "attempt"]
    assert len(trips) > 20
    assert all(np.count_nonzero(np.diff(side[n])) == 1 for n in trips)  # into the home side once, never out
    assert not (ev[ev.kind == "crossed"].source == "C1").any()


@pytest.mark.parametrize(("sensor", "known"), [("ground", False), ("tower", True)])
def test_routes_are_planned_again_after_an_install_only_if_it_changes_what_organisations_know(sensor, known):
    """Routes are cached under a key that names the known risk: a tower installed during the run
    changes it (least_risk routes then avoid it), a hidden ground sensor does not (its install
    rebuilt every least-risk route of the same costs)."""
    c = compose(
        [
            "scenario=demo",
            "scenario.horizon_days=1",
            "scenario.organisations.coyotes.routing=least_risk",
            f"+scenario.sensors.late={{type: {sensor}, agency: border_patrol, count: 3, installed_day: 0.25}}",
        ]
    )
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    model = BorderModel(world, 1)
    before = model.known_risk_penalty(1.0)[1]
    while model.now < 0.5 * DAY:
        model.step()
    assert len(model.sensors) == len(world.sensors) + 3
    assert (model.known_risk_penalty(1.0)[1] != before) == known
