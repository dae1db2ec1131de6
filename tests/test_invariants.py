"""Invariants over several scenarios and seeds (a conformance check in the spirit of
Gymnasium's env_checker): outcomes, clocks, places, capacities, jurisdiction."""

import pytest
from conformance import check_run, tracing_units

VARIANTS = [
    (),
    ("scenario.organisations.cartel.reaction=turn_back", "scenario.organisations.cartel.notice_prob=1.0"),
    (
        "scenario.organisations.coyotes.routing=fastest",
        "scenario.units.bp_vehicle.count=4",
        "scenario.agencies.border_patrol.operators=1",
    ),
    ("scenario.terrain.border_river=true", "scenario.terrain.seed=3", "scenario.units.bp_foot.capacity=2"),
    (
        "scenario.sensors.towers.mtbf_days=0.1",
        "scenario.sensors.towers.repair_hours=2",
        "scenario.organisations.coyotes.reaction=run",
        "scenario.organisations.coyotes.notice_prob=1.0",
    ),
    ("scenario=tri_agency",),
    ("scenario=tri_agency", "scenario.coordination.policy=joint_command"),
    ("scenario=tri_agency", "scenario.coordination.policy=task_force", "scenario.units.bp_vehicle.count=6"),
]


@pytest.mark.parametrize(
    "variant",
    VARIANTS,
    ids=[
        "demo",
        "turn_back",
        "few_units",
        "river_small_capacity",
        "flaky_towers",
        "tri_liaison",
        "tri_joint",
        "tri_task_force",
    ],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_invariants(world_for, variant, seed):
    world = world_for(*variant)
    with tracing_units() as traced:
        model = traced(world, seed)
        ev = model.run().to_arrow().to_pandas()
    check_run(world, model, ev, min_plans=100)
    assert (ev.kind == "interdiction").sum() > 0  # the checks above had arrests to look at
