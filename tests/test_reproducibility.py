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
