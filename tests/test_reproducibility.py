import pytest

from sim.model import BorderModel

ATTEMPT_COLUMNS = ["t", "attempt", "node", "cargo", "size", "quantity_kg", "source", "detail"]


def test_same_seed_same_log_other_seed_other_log(world_for):
    world = world_for()
    a = BorderModel(world, 11).run().to_arrow().to_pandas()  # pandas: NaN == NaN in equals()
    b = BorderModel(world, 11).run().to_arrow().to_pandas()
    c = BorderModel(world, 12).run().to_arrow().to_pandas()
    assert len(a) > 200
    assert a.equals(b)
    assert not a.equals(c)


def test_one_more_patrol_leaves_smuggler_arrivals_unchanged(world_for):
    base = world_for()
    more = world_for(f"scenario.units.bp_vehicle.count={base.scenario.units['bp_vehicle'].count + 1}")
    assert len(more.units) == len(base.units) + 1
    a = BorderModel(base, 5).run().to_arrow().to_pandas()
    b = BorderModel(more, 5).run().to_arrow().to_pandas()
    att_a = a[a.kind == "attempt"][ATTEMPT_COLUMNS].reset_index(drop=True)
    att_b = b[b.kind == "attempt"][ATTEMPT_COLUMNS].reset_index(drop=True)
    assert len(att_a) > 20
    assert att_a.equals(att_b)
    # ... while the extra unit does change what happens to them
    assert (
        not a[a.kind.isin(["interdiction", "got_away", "detection"])]
        .reset_index(drop=True)
        .equals(b[b.kind.isin(["interdiction", "got_away", "detection"])].reset_index(drop=True))
    )


def test_a_replication_does_not_depend_on_the_replications_run_before_it():
    """Replications of a chunk share one World and its routing caches: what earlier ones asked
    for must not change the routes (or anything else) of a later one."""
    from sim.config import SCENARIO_DIR, compose
    from sim.world import build_world

    c = compose(["scenario.terrain.cell_km=0.5", "scenario.horizon_days=1"])
    fresh, shared = (build_world(c.scenario, c.origin, str(SCENARIO_DIR)) for _ in range(2))
    for seed in (1, 2, 3):
        BorderModel(shared, seed).run()
    assert len(shared.router._fields) > len(fresh.router._fields)  # the shared one's caches are warm
    a = BorderModel(fresh, 7).run().to_arrow().to_pandas()
    b = BorderModel(shared, 7).run().to_arrow().to_pandas()
    assert len(a) > 200 and a.equals(b)


def _summaries(overrides: list[str], seeds: range) -> list[dict]:
    from sim.api import world_of
    from sim.config import compose
    from sim.runner import run_replication

    world = world_of(compose(overrides))
    return [run_replication(world, seed).summary for seed in seeds]


def test_the_order_named_groups_are_listed_in_changes_no_result(tmp_path):
    """A scenario file is a mapping: listing its sensor groups or agencies in another order is the
    same scenario (the same config hash) and must give the same results. Sensor thresholds were
    drawn in the order sensors were listed, liaison's sharing draws in the order of agencies."""
    import yaml

    from sim.config import SCENARIO_DIR

    for name, sections, policy in (
        ("demo", ["sensors"], "liaison"),
        ("tri_agency", ["sensors", "agencies"], "liaison"),
    ):
        spec = yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text())
        for section in sections:
            spec[section] = dict(reversed(list(spec[section].items())))
        mine = tmp_path / f"{name}.yaml"
        mine.write_text(yaml.safe_dump(spec, sort_keys=False))
        common = ["scenario.horizon_days=1", f"scenario.coordination.policy={policy}"]
        listed = _summaries([f"scenario={name}", *common], range(1, 4))
        reversed_ = _summaries([f"scenario_file={mine}", *common], range(1, 4))
        assert sum(s["detections"] for s in listed) > 10
        for a, b in zip(listed, reversed_):
            assert {k: v for k, v in b.items() if k != "scenario"} == pytest.approx(
                {k: v for k, v in a.items() if k != "scenario"}, rel=1e-12, nan_ok=True
            )  # (costs summed in another order differ in the last bit)


def test_another_organisation_leaves_every_groups_tips_unchanged():
    """Partner tips are drawn per group, addressed by its organisation and launch number (as are
    residents' reports, whose alerts also depend on where the group goes): a new organisation
    (more groups, drawing tips of their own) changes no existing group's tip (they were drawn from
    one stream for all groups in launch order)."""
    from sim.api import world_of
    from sim.config import compose
    from sim.model import BorderModel

    def tipped(overrides: list[str], seed: int) -> set[tuple[str, int]]:
        ev = BorderModel(world_of(compose(["scenario=tri_agency", *overrides])), seed).run().to_arrow().to_pandas()
        launches = ev[ev.kind == "attempt"]
        number = launches.groupby("source").cumcount()  # each organisation's launch number
        group = dict(zip(launches.attempt, zip(launches.source, number)))
        tips = ev[(ev.kind == "alert") & (ev.source == "partner_tip") & (ev.attempt >= 0)]
        return {(*group[a], s) for a, s in zip(tips.attempt, tips.source)}

    for seed in (1, 2):
        base = tipped([], seed)
        with_newco = tipped(["+scenario.organisations.newco={attempts_per_day: 8}"], seed)
        assert len(base) >= 3
        assert {t for t in with_newco if t[0] != "newco"} == base


def test_a_longer_horizon_changes_no_false_alarm_of_the_common_days():
    """Sensor false alarms are a Poisson process drawn as successive gaps on a stream of their
    own: a run one day longer has the same false alarms on its first day, and more after it (a
    count over the horizon, spread uniformly, moved every one of them)."""
    from sim.api import world_of
    from sim.config import compose

    def false_alarms(days: float, seed: int) -> list[tuple[float, int]]:
        world = world_of(compose([f"scenario.horizon_days={days}"]))
        ev = BorderModel(world, seed).run().to_arrow().to_pandas()
        fa = ev[(ev.kind == "alert") & (ev.attempt < 0) & (ev.sensor >= 0)]
        return list(zip(fa.t, fa.sensor))

    for seed in (1, 2):
        one, two = false_alarms(1, seed), false_alarms(2, seed)
        assert len(one) >= 3 and len(two) > len(one)
        assert [a for a in two if a[0] < 1440.0] == one


def test_a_units_beat_does_not_depend_on_the_groups_it_meets():
    """A unit's beat legs come from its own stream and nothing else draws from it: its encounter
    draws are addressed by (unit, group, stretch) and its searches have a stream of their own.
    With more groups about (more encounters), each unit plans the same legs until something
    happens to it (a detection, a dispatch); its encounters used to shift every later leg."""
    from sim.api import world_of
    from sim.config import compose

    def run(overrides: list[str], seed: int):
        model = BorderModel(world_of(compose(["scenario.horizon_days=1", *overrides])), seed)
        ev = model.run().to_arrow().to_pandas()
        plans = model.plans.to_arrow().to_pandas()
        own = ev[(ev.unit >= 0) & ~ev.kind.isin(["asset", "shift_start", "shift_end"])]
        return own.groupby("unit").t.min(), plans[plans.mover == "unit"]

    for seed in (1, 2):
        busy_a, plans_a = run([], seed)
        busy_b, plans_b = run(["scenario.organisations.cartel.attempts_per_day=40"], seed)
        compared = 0
        for uid in sorted(set(plans_a.id)):
            until = min(busy_a.get(uid, float("inf")), busy_b.get(uid, float("inf")))
            legs_a = [tuple(n) for n in plans_a[(plans_a.id == uid) & (plans_a.t < until)].nodes]
            legs_b = [tuple(n) for n in plans_b[(plans_b.id == uid) & (plans_b.t < until)].nodes]
            assert legs_a == legs_b, f"unit {uid}, seed {seed}"
            compared += len(legs_a)
        assert compared > 100


def test_the_order_a_liaison_partner_list_is_written_in_changes_no_result():
    """`liaison.partners` is a list, but the agencies an alert is passed to are a set: the sharing
    draws (delay, loss) are taken in name order, not in the order the list was written (they
    swapped partners when it was reversed)."""
    common = ["scenario=tri_agency", "scenario.horizon_days=1", "scenario.coordination.policy=liaison"]
    listed = _summaries(
        [*common, "scenario.coordination.liaison.partners={border_patrol: [customs,local_police]}"], range(1, 3)
    )
    reversed_ = _summaries(
        [*common, "scenario.coordination.liaison.partners={border_patrol: [local_police,customs]}"], range(1, 3)
    )
    assert sum(s["detections"] for s in listed) > 10
    for a, b in zip(listed, reversed_):
        assert {k: v for k, v in b.items() if k != "scenario"} == pytest.approx(
            {k: v for k, v in a.items() if k != "scenario"}, rel=1e-12, nan_ok=True
        )


def test_an_alerts_handling_time_does_not_depend_on_the_alerts_handled_before_it(world_for):
    """A centre's handling time of an alert is drawn for that alert (its source, raiser, group or
    time, and how many such alerts came before), not taken from the centre's stream in the order
    alerts arrive: with more towers (more alerts) every other alert's handling time used to move.
    Exponential with mean handling_min, each alert its own draw."""
    from scipy import stats

    from sim.agents.command import Alert

    world = world_for()
    towers = [s.id for s in world.sensors if s.group == "towers"]
    alerts = [Alert(i, 60.0 * i, "border_patrol", 0, -1, "tower", sensor=towers[i % len(towers)]) for i in range(400)]
    alerts.append(Alert(400, 60.0, "border_patrol", 0, -1, "tower", sensor=towers[1]))  # alert 1 again

    def handled(order: list[int]) -> dict[int, float]:
        centre = BorderModel(world, 3).coordination.centres["border_patrol"]
        return {i: centre.handling_time(alerts[i]) for i in order}

    forward = handled(list(range(len(alerts))))
    backward = handled(list(range(len(alerts)))[::-1])
    assert forward[1] != forward[400]  # the same alert twice: two draws, whichever comes first
    assert sorted(forward.values()) == sorted(backward.values())
    assert sum(forward[i] == backward[i] for i in range(400) if i != 1) == 399
    mean = BorderModel(world, 3).coordination.centres["border_patrol"].handling_min
    assert mean > 0 and stats.kstest(list(forward.values()), "expon", args=(0, mean)).pvalue > 0.001


def test_a_units_search_draw_does_not_depend_on_the_searches_before_it(world_for):
    """A search's one uniform (if and when the unit finds the group) is addressed by the unit and
    the alert that opened the incident: the order searches begin in changes no search's draw; a
    second unit searching the same incident draws its own."""
    from sim.agents.command import Alert, Incident

    world = world_for()
    towers = [s.id for s in world.sensors if s.group == "towers"]

    def draws(order: list[int]) -> dict[tuple[int, int], float]:
        model = BorderModel(world, 3)
        incidents = [
            Incident(
                i, "border_patrol", 0, 0, 10.0 * i, [Alert(i, 10.0 * i, "border_patrol", 0, -1, "tower", towers[0])]
            )
            for i in range(6)
        ]
        units = [model.unit(0), model.unit(1)]
        for i in order:
            for unit in units:
                model.interactions.start_search(unit, incidents[i])
        return dict(model.interactions._search_draws)

    forward, backward = draws(list(range(6))), draws(list(range(6))[::-1])
    assert forward == backward
    assert len(set(forward.values())) == 12


def test_liaisons_draws_for_an_alert_do_not_depend_on_when_other_alerts_finish_handling():
    """Two alerts of one address (the same tower about the same group) are numbered as they reach
    the centre: an unrelated alert holding an operator changes which finishes handling first, and
    must change neither copy's delay nor loss (they swapped when numbered at the end of handling)."""
    from sim.agents.command import Alert
    from sim.api import world_of
    from sim.config import compose

    world = world_of(
        compose(["scenario=tri_agency", "scenario.horizon_days=1", "scenario.coordination.policy=liaison"])
    )
    towers = [s.id for s in world.sensors if s.group == "towers"]

    def shared(seed: int, with_other: bool) -> list[tuple]:
        model = BorderModel(world, seed)
        model.env.run(until=180.0)  # the first groups are under way
        group = min(model.attempts)
        centre = model.coordination.centres["border_patrol"]
        assert centre.operators.capacity >= 2 and centre.handling == "exponential"
        sent = []
        model.comms.send = lambda sender, receiver, alert, delay, lost: sent.append(
            (alert.id, receiver.name, delay, lost)
        )
        alerts = [Alert(900001 + i, 180.0 + 0.5 * i, "border_patrol", 0, group, "tower", towers[0]) for i in (0, 1)]
        if with_other:
            model.at(180.0, centre.receive, Alert(900003, 180.0, "border_patrol", 0, -1, "tower", sensor=towers[1]))
        model.at(180.0, centre.receive, alerts[0])
        model.at(180.5, centre.receive, alerts[1])
        model.env.run(until=400.0)
        return sorted(s for s in sent if s[0] in (900001, 900002))

    for seed in range(1, 41):
        alone = shared(seed, False)
        assert len(alone) == 4 and alone == shared(seed, True), seed


def test_the_order_injects_are_listed_in_changes_no_alerts_handling():
    """Two tips about no group at the same minute differ by their cell: listed either way, each
    keeps its handling time (their draws were numbered in the order the injects were listed)."""
    from sim.api import world_of
    from sim.config import compose

    tips = {
        "a": "{type: tip, agency: border_patrol, node: 700, start_hours: 1}",
        "b": "{type: tip, agency: border_patrol, node: 900, start_hours: 1}",
    }

    def handling_by_cell(order: str) -> dict[int, float]:
        world = world_of(compose(["scenario.horizon_days=0.1", *(f"+scenario.injects.{k}={tips[k]}" for k in order)]))
        ev = BorderModel(world, 5).run().to_arrow().to_pandas()
        alerts = ev[(ev.kind == "alert") & (ev.source == "tip")].set_index("alert")
        handled = ev[ev.kind == "alert_handled"].set_index("alert")
        return {int(alerts.node[i]): handled.t[i] - alerts.t[i] - handled.duration_min[i] for i in alerts.index}

    listed = handling_by_cell("ab")
    assert len(listed) == 2 and listed == handling_by_cell("ba")
