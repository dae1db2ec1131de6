"""Metric definitions on a hand-written event log, checked against hand-computed values."""

import math

import numpy as np
import pyarrow as pa
import pytest

from sim.metrics import summarize
from sim.recorder import SCHEMA, Recorder


def small_log():
    r = Recorder()
    r.record(0, "run_start", duration_min=2880.0, detail="hand")  # 2 days
    r.record(
        0,
        "asset",
        agency="bp",
        unit=0,
        source="unit:vehicle",
        capital_usd=50_000,
        opex_usd_per_day=2880,
        lifetime_years=5,
    )
    r.record(
        0,
        "asset",
        agency="bp",
        sensor=0,
        source="sensor:tower",
        capital_usd=3.65e6,
        opex_usd_per_day=100,
        lifetime_years=10,
    )
    r.record(0, "shift_start", unit=0, agency="bp")
    r.record(10, "attempt", attempt=0, size=10, cargo="people")
    r.record(12, "attempt", attempt=1, size=2, cargo="drugs", quantity_kg=40)
    r.record(20, "attempt", attempt=2, size=3, cargo="people")
    r.record(40, "detection", attempt=0, sensor=0, source="tower")
    r.record(40, "alert", alert=0, agency="bp", attempt=0, source="tower")
    r.record(41, "alert_handled", alert=0, agency="bp", duration_min=1.0)
    r.record(43, "dispatch", alert=0, incident=0, unit=0, agency="bp", attempt=0, duration_min=20)
    r.record(50, "alert", alert=1, agency="bp", attempt=-1, source="ground")  # false alarm
    r.record(50, "alert_handled", alert=1, agency="bp", duration_min=0.0)
    r.record(52, "no_unit", alert=1, incident=1, agency="bp")
    r.record(62, "detection", attempt=1, unit=0, source="patrol")
    r.record(63, "arrival", incident=0, unit=0, agency="bp")
    r.record(70, "interdiction", attempt=0, unit=0, agency="bp", size=8, incident=0, source="response")
    r.record(160, "unit_free", unit=0, agency="bp")
    r.record(300, "got_away", attempt=1, size=2)
    r.record(600, "shift_end", unit=0, agency="bp")
    r.record(2880, "run_end", duration_min=2880.0)
    return r.to_arrow()


def test_hand_computed_metrics():
    s = summarize(small_log())
    assert (s["attempts"], s["interdicted"], s["got_away"], s["under_way"]) == (3, 1, 1, 1)
    assert s["interdiction_rate"] == 0.5
    assert s["detection_rate"] == pytest.approx(2 / 3)
    assert s["time_to_first_detection_min"] == pytest.approx(((40 - 10) + (62 - 12)) / 2)
    assert (s["apprehended"], s["escaped_at_contact"]) == (8, 2)
    assert (s["alerts"], s["false_alarms"], s["alerts_no_unit"], s["responses"]) == (2, 1, 1, 1)
    assert s["alert_wait_min"] == 0.5
    assert s["alert_to_dispatch_min"] == 3.0 and s["dispatch_to_arrival_min"] == 20.0
    assert (s["detections_tower"], s["detections_patrol"], s["detections_ground"]) == (1, 1, 0)
    assert s["patrol_utilisation"] == pytest.approx((160 - 43) / 600)
    # capital share: 2 days of a 5-year and a 10-year life; operating: unit on duty 600 min, tower 2 days
    share = 50_000 * 2 / (5 * 365) + 3.65e6 * 2 / (10 * 365)
    operating = 2880 * 600 / 1440 + 100 * 2
    assert s["capital_usd"] == pytest.approx(3.7e6)
    assert s["cost_usd"] == pytest.approx(share + operating) == s["cost_usd.bp"]
    assert s["cost_per_interdiction_usd"] == pytest.approx(share + operating)


def test_a_dispatch_without_an_alert_is_left_out_of_the_mean_and_the_p90_alike():
    """A drill seat may send a unit to a cell no alert came from (alert -1): it has no alert-to-
    dispatch time, and neither the mean nor the 90th percentile may count it, or become NaN."""
    r = Recorder()
    r.record(0, "run_start", duration_min=100.0)
    for k, (alerted, sent) in enumerate([(10, 12), (20, 30), (40, 44)]):
        r.record(alerted, "alert", alert=k, agency="bp", attempt=-1, source="ground")
        r.record(sent, "dispatch", alert=k, incident=k, unit=0, agency="bp")
    r.record(50, "dispatch", alert=-1, incident=3, unit=0, agency="bp", seat="bp")  # a seat's own order
    r.record(100, "run_end", duration_min=100.0)
    s = summarize(r.to_arrow())
    assert s["alert_to_dispatch_min"] == pytest.approx((2 + 10 + 4) / 3)
    assert s["alert_to_dispatch_p90_min"] == pytest.approx(float(np.percentile([2, 10, 4], 90)))


def test_empty_run_has_no_rates():
    r = Recorder()
    r.record(0, "run_start", duration_min=60.0)
    s = summarize(r.to_arrow())
    assert s["attempts"] == 0 and math.isnan(s["interdiction_rate"]) and math.isnan(s["alert_to_dispatch_min"])


def test_recorder_refuses_time_travel_and_unknown_kinds():
    r = Recorder()
    r.record(5, "run_start", duration_min=1.0)
    with pytest.raises(ValueError, match="earlier"):
        r.record(4, "attempt")
    with pytest.raises(ValueError, match="unknown event kind"):
        r.record(6, "teleport")


def test_recorder_refuses_a_value_its_column_cannot_hold_and_keeps_the_log_whole():
    r = Recorder()
    r.record(0, "run_start", duration_min=1.0)
    with pytest.raises(ValueError, match="event 'alert': column 'node' takes an integer, not 'x'"):
        r.record(1, "alert", agency="bp", node="x")
    with pytest.raises(ValueError, match="column 'unit' takes an integer, not 9223372036854775808"):
        r.record(1, "alert", agency="bp", node=4, unit=2**63)
    r.record(2, "alert", node=np.int64(4), second_centre=np.True_, quantity_kg=3, source=7, relayed=300)
    t = r.to_arrow()
    assert len(r) == t.num_rows == 2
    assert t.column("node").to_pylist() == [-1, 4] and t.column("agency").to_pylist() == ["", ""]
    assert t.column("second_centre").to_pylist() == [False, True] and t.column("source").to_pylist() == ["", "7"]
    assert t.column("relayed").to_pylist() == [False, True]
    live = pa.Table.from_pylist(r.rows_since(0), schema=SCHEMA)  # the live drill's rows
    assert live.to_pandas().equals(t.to_pandas())


def test_annualised_capital_repays_the_outlay_at_the_discount_rate():
    """The equivalent annual cost A over L years at rate r has present value equal to the capital:
    sum_{t=1..L} A / (1 + r)^t = capital; at r = 0 it is capital / L."""
    from sim.metrics import annualised_capital

    capital, life = np.array([2.6e6, 5e4, 1.8e8]), np.array([10.0, 5.0, 25.0])
    for r in (0.0, 0.02, 0.07):
        annual = annualised_capital(capital, life, r)
        for c, L, a in zip(capital, life, annual, strict=True):
            pv = sum(a / (1 + r) ** t for t in range(1, int(L) + 1))
            assert pv == pytest.approx(c, rel=1e-12)
    assert np.allclose(annualised_capital(capital, life, 0.0), capital / life)


def test_cost_counts_the_annualised_capital_over_the_horizon(world_for):
    """A horizon of k years books k years of the equivalent annual cost, beyond the asset's life
    too (the asset is replaced at the same cost), plus operating cost per day active."""
    from helpers import run

    from sim.metrics import summarize

    world = world_for("scenario.horizon_days=0.5", "scenario.costs.discount_rate=0.05")
    _, ev = run(world, 1)
    s = summarize(ev)
    assets = ev[ev.kind == "asset"]
    crf = 0.05 / (1 - 1.05**-assets.lifetime_years)
    assert s["capital_share_usd"] == pytest.approx(float((assets.capital_usd * crf).sum() * 0.5 / 365))


def test_an_arrival_is_timed_from_the_dispatch_that_sent_the_unit():
    """A live drill's seat may recall a unit and send it to the same incident again: each arrival
    counts from the latest dispatch of its incident before it, in summaries and in the review's
    table alike (and a re-dispatch that has not arrived yet times nothing)."""
    from sim.metrics import dispatch_to_arrival

    for arrives_again in (True, False):
        r = Recorder()
        r.record(0, "run_start", duration_min=1440.0)
        r.record(60, "alert", alert=0, agency="bp", source="ground")
        r.record(70, "dispatch", incident=0, alert=0, unit=0, agency="bp")
        r.record(97, "arrival", incident=0, unit=0, agency="bp")
        r.record(110, "unit_free", unit=0, agency="bp")
        r.record(110, "dispatch", incident=0, alert=0, unit=0, agency="lp")
        if arrives_again:
            r.record(125, "arrival", incident=0, unit=0, agency="bp")
        ev = r.to_arrow()
        expected = [27.0, 15.0] if arrives_again else [27.0]
        s = summarize(ev)
        assert s["dispatch_to_arrival_min"] == pytest.approx(sum(expected) / len(expected))
        df = ev.to_pandas()
        table = dispatch_to_arrival(df[df.kind == "dispatch"], df[df.kind == "arrival"])
        assert table.minutes.tolist() == expected and table.agency.tolist() == ["bp", "lp"][: len(expected)]


def test_per_agency_counts_are_zero_not_missing_for_an_agency_that_had_none():
    """A missing key would be NaN in that replication's summary row, and the mean over the
    replications that had one would overstate the agency's count."""
    r = Recorder()
    r.record(0, "run_start", duration_min=1440.0)
    for unit, agency in ((0, "bp"), (1, "police")):
        r.record(0, "asset", agency=agency, unit=unit, source="unit:vehicle", lifetime_years=5)
    r.record(5, "attempt", attempt=0, size=2, cargo="people")
    r.record(40, "interdiction", attempt=0, unit=0, agency="bp", size=2, source="patrol")
    s = summarize(r.to_arrow())
    assert (s["interdicted.bp"], s["interdicted.police"]) == (1, 0)
    for family in ("alerts_shared", "alerts_lost", "responses"):
        assert (s[f"{family}.bp"], s[f"{family}.police"]) == (0, 0)
    # an agency with a command centre and no assets (its units swept to 0): it costs 0, and its
    # interdictions are 0 beside it
    r = Recorder()
    r.record(0, "run_start", duration_min=1440.0)
    r.record(0, "asset", agency="bp", sensor=0, source="sensor:tower", opex_usd_per_day=100.0, lifetime_years=5)
    for agency in ("bp", "police"):
        r.record(0, "centre", agency=agency)
    s = summarize(r.to_arrow())
    assert (s["cost_usd.bp"], s["cost_usd.police"], s["interdicted.police"]) == (100.0, 0.0, 0)


def _late_response_log(cargo: str) -> pa.Table:
    """A group caught at minute 20, then a tip about it and a unit sent for it."""
    r = Recorder()
    r.record(0, "run_start", duration_min=1440.0)
    r.record(10, "attempt", attempt=0, size=2, cargo=cargo)
    r.record(20, "interdiction", attempt=0, unit=0, agency="bp", size=2, source="patrol")
    r.record(40, "alert", alert=0, agency="bp", attempt=0, source="community_tip")
    r.record(41, "dispatch", alert=0, incident=0, unit=1, agency="bp", attempt=0)
    r.record(50, "dispatch", alert=-1, incident=1, unit=2, agency="bp", attempt=-1, detail="own")  # a seat: to a cell
    r.record(1440, "run_end", duration_min=1440.0)
    return r.to_arrow()


@pytest.mark.parametrize("cargo", ["people", "decoy"])
def test_a_unit_sent_for_a_group_already_caught_is_wasted_a_decoys_too(cargo):
    """A response to a group already caught or gone is wasted whatever the group carried (units
    drawn away by a decoy are the decoy's whole effect); a drill seat's dispatch to a cell, which
    no alert caused, is not a false alarm's."""
    s = summarize(_late_response_log(cargo))
    assert (s["responses"], s["responses_to_resolved"], s["wasted_responses"]) == (2, 1, 1)


def test_an_alert_another_centre_answered_is_not_an_alert_with_no_unit():
    """Under a task force an agency's centre, its pooled units gone, finds no unit for an alert
    the task force answers; under liaison a partner may answer a copy. alerts_no_unit counts the
    first-hand alerts no centre answered, once each, however many of their receipts found none."""
    r = Recorder()
    r.record(0, "run_start", duration_min=1440.0)
    r.record(10, "alert", alert=0, agency="bp", attempt=-1, source="ground", first_alert=0)
    r.record(10, "alert", alert=1, agency="task_force", attempt=-1, source="ground", second_centre=True, first_alert=0)
    r.record(11, "no_unit", alert=0, incident=0, agency="bp")
    r.record(11, "dispatch", alert=1, incident=1, unit=3, agency="task_force", attempt=-1)
    r.record(20, "alert", alert=2, agency="bp", attempt=-1, source="tower", first_alert=2)
    r.record(21, "no_unit", alert=2, incident=2, agency="bp")
    r.record(21, "alert_shared", alert=3, agency="bp", detail="police")
    r.record(25, "alert", alert=3, agency="police", attempt=-1, source="tower", shared_from="bp", first_alert=2)
    r.record(26, "no_unit", alert=3, incident=3, agency="police")  # nobody answered alert 2
    r.record(30, "alert", alert=4, agency="bp", attempt=-1, source="tower", first_alert=4)
    r.record(31, "no_unit", alert=4, incident=4, agency="bp")
    r.record(31, "alert_shared", alert=5, agency="bp", detail="police")
    r.record(35, "alert", alert=5, agency="police", attempt=-1, source="tower", shared_from="bp", first_alert=4)
    r.record(36, "alert_merged", alert=5, incident=9, agency="police")  # joined an incident with a unit
    r.record(1440, "run_end", duration_min=1440.0)
    log = r.to_arrow()
    s = summarize(log)
    assert (s["alerts"], s["responses"], s["alerts_no_unit"]) == (3, 1, 1)
    older = log.drop_columns(["first_alert"])  # a log written before receipts named their alert
    assert summarize(older)["alerts_no_unit"] == 4  # then each receipt is taken as first-hand


def test_a_joint_centre_that_sent_no_unit_has_zero_responses_not_a_missing_count():
    """Under joint_command the joint centre makes every dispatch and owns no asset: in a
    replication where it sent nobody its count is 0 (it was missing, so a table of replications
    held NaN there and its mean counted only the busy ones: 1.0 where the true mean was 0.75)."""
    from sim.config import SCENARIO_DIR, compose
    from sim.runner import run_replication
    from sim.world import build_world

    c = compose(["scenario=tri_agency", "scenario.coordination.policy=joint_command", "scenario.horizon_days=0.02"])
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    rows = [run_replication(world, seed).summary for seed in range(1, 9)]
    assert all("responses.joint" in r for r in rows)
    assert any(r["responses"] == 0 for r in rows) and any(r["responses"] > 0 for r in rows)
    assert [r["responses.joint"] for r in rows] == [
        r["responses"] for r in rows
    ]  # every dispatch is the joint centre's


def test_a_ground_sensor_without_cost_keys_is_not_priced_as_a_camera_tower():
    """Each sensor type has its own default price: a scenario that adds seismic sensors without
    cost keys must not book a tower's millions for each of them."""
    from sim.sensors.ground import GroundParams
    from sim.sensors.tower import TowerParams

    ground, tower = GroundParams(), TowerParams()
    assert ground.capital_usd < 0.01 * tower.capital_usd
    assert ground.opex_usd_per_day < 0.1 * tower.opex_usd_per_day
