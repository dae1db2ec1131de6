"""Dispatch rules: where a command centre sends which unit (sim/policies/dispatch/)."""

import pytest
from helpers import ground, posted_unit, run

from sim.params import Chosen
from sim.policies.dispatch.base import NoParams
from sim.policies.dispatch.intercept import InterceptParams
from sim.policies.launch.fixed_rate import FixedRateParams
from sim.scenario import AgencySpec, CargoSpec, CoordinationSpec, ModeSpec, OrgSpec, ScenarioSpec, TerrainSpec
from sim.terrain.sources.grid import GridParams
from sim.world import build_world

COLUMNS = 15


def cell(row: int, col: int) -> int:
    return row * COLUMNS + col


def line_world(dispatch: Chosen, unit_at: int, lookahead_min: float = 30.0):
    """A 15 x 15 grid, one foot group launched at minute 499 walking straight down column 0 at one
    cell a minute (the only shortest path), a sure sensor on its third row, one foot unit posted
    off the route, an alert handled at once."""
    spec = ScenarioSpec(
        name="line",
        horizon_days=600 / 1440,
        terrain=TerrainSpec(source=Chosen("grid", GridParams(columns=COLUMNS, rows_home=14, endpoints=1))),
        modes={"foot": ModeSpec(60.0, 60.0, True), "vehicle": ModeSpec(60.0, 60.0)},
        agencies={"bp": AgencySpec(operators=1, handling_min=0.0, handling="fixed", correlate_km=-1.0)},
        units={
            "u": posted_unit(
                unit_at, mode="foot", detect_prob=1.0, cover_sensitivity=0.0, find_prob=0.0, processing_min=0.0
            )
        },
        sensors={"s": ground(cell(2, 0), 1.0)},
        organisations={
            "org": OrgSpec(
                launch=Chosen("fixed_rate", FixedRateParams(per_minute=0.002)),
                cargo={"people": CargoSpec(1.0, 1, 1)},
                notice_prob=0.0,
            )
        },
        coordination=CoordinationSpec(dispatch=dispatch),
    )
    return build_world(spec, "line")


@pytest.mark.parametrize("col", [3, 6])
def test_intercept_sends_the_unit_to_the_first_route_cell_it_reaches_before_the_group(col):
    # detected on row 2; a unit at (8, col) reaches (r, 0) in |r - 8| + col minutes and the group
    # in r - 2: the first row it makes is 2 + (10 + col) / 2 rounded up, where it waits
    rule = Chosen("intercept", InterceptParams())
    _, ev = run(line_world(rule, cell(8, col)), 1)
    detected = ev[(ev.kind == "detection") & (ev.source == "ground")].t.iloc[0]
    row = next(r for r in range(3, 15) if abs(r - 8) + col <= r - 2)
    dispatch = ev[ev.kind == "dispatch"].iloc[0]
    assert dispatch.node == cell(row, 0) and dispatch.duration_min == abs(row - 8) + col
    stopped = ev[ev.kind == "interdiction"]
    assert len(stopped) == 1 and stopped.source.iloc[0] == "response" and stopped.node.iloc[0] == cell(row, 0)
    assert stopped.t.iloc[0] == pytest.approx(detected + (row - 2), abs=0.5)


def test_intercept_falls_back_to_the_alert_cell_when_no_unit_can_be_on_the_route_in_time():
    # a look-ahead of 5 minutes: rows 3..7, none reachable from (8, 6) in time
    for rule in (Chosen("intercept", InterceptParams(lookahead_min=5.0)), Chosen("nearest", NoParams())):
        _, ev = run(line_world(rule, cell(8, 6)), 1)
        assert ev[ev.kind == "dispatch"].node.tolist() == [cell(2, 0)]
        assert (ev.kind == "got_away").sum() == 1 and not (ev.kind == "interdiction").any()
    _, ev = run(line_world(Chosen("intercept", InterceptParams(lookahead_min=5.0, fallback="none")), cell(8, 6)), 1)
    assert not (ev.kind == "dispatch").any() and (ev.kind == "no_unit").sum() == 1


def test_intercept_counts_a_hide_until_the_group_moves_on_and_each_pass_of_a_cell():
    # the unit at (8, 6) is 11 minutes from (3, 0); the group's plan as the centre reads it
    from types import SimpleNamespace

    import numpy as np

    from sim.agents.command import Alert
    from sim.model import BorderModel
    from sim.movement import Timeline

    model = BorderModel(line_world(Chosen("intercept", InterceptParams()), cell(8, 6)), 1)
    model.env.run(until=10.0)
    centre = next(iter(model.centres))

    def choose(nodes, minutes_ahead):
        plan = Timeline(np.array(nodes), 10.0 + np.array(minutes_ahead, dtype=float), 1)
        model.attempts[999] = SimpleNamespace(active=True, timeline=plan)
        return centre.rule.choose(centre, Alert(1, 10.0, centre.name, nodes[0], 999, "ground"), nodes[0])

    hide = choose([cell(3, 0), cell(3, 0)], [2, 25])  # in (3, 0) from +2 to +25: reachable at +11
    assert (hide.target, hide.minutes, hide.hold_min) == (cell(3, 0), 11.0, 25 - 11 + 1.0)
    back = choose([cell(3, 0), cell(4, 0), cell(4, 1), cell(3, 1), cell(3, 0)], [2, 3, 4, 5, 20])
    assert (back.target, back.minutes, back.hold_min) == (cell(3, 0), 11.0, 20 - 11 + 1.0)  # its second pass
    late = choose([cell(3, 0), cell(4, 0)], [2, 3])  # gone before any unit can be there: the nearest rule
    assert late.target == cell(3, 0) and late.hold_min is None  # (the unit searches its search_min)


def test_intercept_finds_a_unit_whose_edges_are_shorter_than_the_straight_line():
    # a map drawn with cells 10 km apart but 1 km edges (a loaded graph may say so): the unit
    # 3 cells away arrives in 3 minutes, however far the drawing puts it
    from types import SimpleNamespace

    import numpy as np
    from helpers import KINDS, corridor_graph

    from sim.agents.command import Alert
    from sim.model import BorderModel
    from sim.movement import Timeline
    from sim.scenario import KindSpec
    from sim.terrain import KindProps
    from sim.terrain.io import from_networkx

    g = corridor_graph(8)
    for i in g.nodes:
        g.nodes[i]["x"] = 10.0 * i
    terrain = from_networkx(g, {k: KindProps(v.cover, v.speed_factor) for k, v in KINDS.items()}, "stretched")
    spec = ScenarioSpec(
        name="stretched",
        horizon_days=1.0,
        terrain=TerrainSpec(kinds={"open": KindSpec(1.0, 0.0, 1.0)}),
        modes={"foot": ModeSpec(60.0, 60.0, True), "vehicle": ModeSpec(60.0, 60.0)},
        agencies={"bp": AgencySpec(operators=1, handling_min=0.0, handling="fixed")},
        units={"u": posted_unit(7, mode="foot")},
        organisations={"org": OrgSpec(attempts_per_day=0.0, cargo={"people": CargoSpec(1.0, 1, 1)})},
        coordination=CoordinationSpec(dispatch=Chosen("intercept", InterceptParams())),
    )
    model = BorderModel(build_world(spec, "stretched", terrain=terrain), 1)
    model.env.run(until=10.0)
    centre = next(iter(model.centres))
    plan = Timeline(np.array([1, 2, 3, 4]), 10.0 + np.array([1.0, 2.0, 3.0, 4.0]), 1)
    model.attempts[999] = SimpleNamespace(active=True, timeline=plan)
    choice = centre.rule.choose(centre, Alert(1, 10.0, centre.name, 1, 999, "ground"), 1)
    assert (choice.target, choice.minutes) == (4, 3.0)  # from cell 7 to cell 4: 3 one-minute edges


@pytest.mark.parametrize("policy", ["isolated", "liaison"])
def test_intercept_keeps_an_agency_centre_inside_its_jurisdiction(policy):
    """An agency centre acts inside its own jurisdiction, whichever rule places its units: under
    intercept too, a customs unit never waits on a route cell outside customs' area because an
    MOU would let it act there (MOUs take effect where a centre's area is wider: joint command)."""
    from sim.config import SCENARIO_DIR, compose  # noqa: PLC0415
    from sim.model import BorderModel  # noqa: PLC0415

    c = compose(
        ["scenario=tri_agency", f"scenario.coordination.policy={policy}", "scenario.coordination.dispatch=intercept"]
    )
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    ev = BorderModel(world, 1).run().to_arrow().to_pandas()
    disp = ev[ev.kind == "dispatch"]
    assert len(disp) > 20
    outside = [(a, n) for a, n in zip(disp.agency, disp.node) if not world.agencies[a].jurisdiction[n]]
    assert outside == [] and "mou" not in set(disp.detail)
