"""Coordination policies, jurisdiction, comms and injects on a two-agency corridor, with exact
(time, event) logs. Border patrol ('bp') owns a sure ground sensor in cell 3 and no units;
police own one vehicle unit posted in cell 7, with jurisdiction within 2 km of the town (cell 8):
cells 6..8. Operators need exactly 2 minutes per alert."""

import numpy as np
import pyarrow as pa
import pytest
from helpers import coordination, corridor_world, ground, inject, posted_unit, run, sure_ground, tower

from sim.metrics import summarize
from sim.scenario import AgencySpec, AgreementSpec, CommsSpec, CoordinationSpec


def liaison(**kw) -> CoordinationSpec:
    """Liaison that passes on ground-sensor alerts too (the corridor's only sensor)."""
    return coordination("liaison", share_sources=["ground"], **kw)


def two_agency_world(coord: CoordinationSpec, attempts_per_day: float = 2, **kw):
    agencies = {
        "bp": AgencySpec(jurisdiction=["all"], operators=1, handling_min=2.0, handling="fixed"),
        "police": AgencySpec(jurisdiction=["towns:2"], operators=1, handling_min=2.0, handling="fixed"),
    }
    sensors = {k.replace("g", "bp_g"): v for k, v in sure_ground(3).items()}
    units = {"patrol_car": posted_unit(7, agency="police", detect_prob=0.0)}  # only responses, no chance meetings
    return corridor_world(
        sensors,
        units,
        attempts_per_day=attempts_per_day,
        horizon_days=1,
        agencies=agencies,
        scenario_kw={"coordination": coord, **kw},
    )


def first_chain(ev):
    """The (minutes after the first detection, kind, agency, detail) of the first group's alert chain."""
    t0 = ev[ev.kind == "detection"].t.iloc[0]
    a = ev[ev.kind == "detection"].attempt.iloc[0]
    kinds = [
        "detection",
        "alert",
        "alert_handled",
        "alert_merged",
        "no_unit",
        "dispatch",
        "arrival",
        "alert_shared",
        "alert_lost",
    ]
    rows = ev[ev.kind.isin(kinds) & (ev.t < t0 + 30) & ((ev.attempt == a) | (ev.attempt < 0))]
    return [
        (round(t - t0, 6), k, ag, provenance(r) if k == "alert" else d)
        for t, k, ag, d, r in zip(rows.t, rows.kind, rows.agency, rows.detail, rows.itertuples())
    ]


def provenance(alert) -> str:
    """An alert row's origin, marked when it is not a first-hand receipt."""
    return (
        alert.origin
        + (f" (via {alert.shared_from})" if alert.shared_from else "")
        + (" (copy)" if alert.second_centre else "")
    )


def test_isolated_alert_stays_with_the_owner():
    _, ev = run(two_agency_world(coordination("isolated")), 1)
    assert first_chain(ev) == [
        (0.0, "detection", "bp", ""),
        (0.0, "alert", "bp", "bp"),
        (2.0, "alert_handled", "bp", ""),
        (2.0, "no_unit", "bp", ""),
    ]
    assert not (ev[ev.kind == "alert"].agency == "police").any()


def test_liaison_passes_the_alert_after_handling():
    _, ev = run(two_agency_world(liaison(share_delay_min=0.0, loss_prob=0.0)), 1)
    assert first_chain(ev)[:9] == [
        (0.0, "detection", "bp", ""),
        (0.0, "alert", "bp", "bp"),
        (2.0, "alert_handled", "bp", ""),
        (2.0, "no_unit", "bp", ""),
        (2.0, "alert_shared", "bp", "police"),
        (2.0, "alert", "police", "bp (via bp)"),
        (4.0, "alert_handled", "police", ""),
        (4.0, "dispatch", "police", "own"),
        (8.0, "arrival", "police", ""),
    ]
    disp = ev[ev.kind == "dispatch"].iloc[0]
    assert disp.node == 6  # the alert's cell 3 lies outside police jurisdiction: its nearest cell


def test_liaison_delay_relay_and_loss():
    comms = CommsSpec(non_interoperable=[["bp", "police"]], relay_delay_min=10.0)
    _, ev = run(two_agency_world(liaison(share_delay_min=5.0, loss_prob=0.0), comms=comms), 2)
    shared = ev[ev.kind == "alert_shared"].iloc[0]
    received = ev[(ev.kind == "alert") & (ev.alert == shared.alert)].iloc[0]
    assert shared.detail == "police" and shared.relayed and shared.duration_min > 10.0
    assert received.t == pytest.approx(shared.t + shared.duration_min)
    _, lost = run(two_agency_world(liaison(loss_prob=1.0)), 2)
    assert (lost.kind == "alert_lost").sum() == (lost[lost.kind == "alert"].agency == "bp").sum() > 0
    assert not (lost[lost.kind == "alert"].agency == "police").any()


def test_liaison_passes_on_only_the_listed_sources():
    _, ev = run(two_agency_world(coordination("liaison", share_delay_min=0.0, loss_prob=0.0)), 1)
    assert (ev[ev.kind == "alert"].agency == "bp").sum() > 0  # ground alerts: kept by default
    assert not (ev.kind == "alert_shared").any() and not (ev[ev.kind == "alert"].agency == "police").any()


def test_stripped_location_places_the_incident_in_the_middle_of_the_sector():
    comms = CommsSpec(strip_location=[["bp", "police"]])
    _, ev = run(two_agency_world(liaison(share_delay_min=0.0, loss_prob=0.0), comms=comms), 1)
    shared = ev[ev.kind == "alert_shared"].iloc[0]
    assert shared.detail == "police" and shared.coarse and not shared.relayed
    assert ev[ev.kind == "dispatch"].node.iloc[0] == 6  # sector middle (x = 4) snapped into police area


def test_joint_command_hears_everything_but_respects_jurisdiction():
    coord = coordination("joint_command", operators=1, handling_min=2.0, handling="fixed")
    _, ev = run(two_agency_world(coord), 1)
    # police may not act at the alert's cell 3: the joint centre sends them to intercept at cell 6,
    # the nearest cell of their own area (1 km from their post at 7: 4 minutes)
    assert first_chain(ev)[:6] == [
        (0.0, "detection", "bp", ""),
        (0.0, "alert", "joint", "bp"),
        (2.0, "alert_handled", "joint", ""),
        (2.0, "dispatch", "joint", "own"),
        (6.0, "arrival", "police", ""),
    ]
    assert ev[ev.kind == "dispatch"].node.iloc[0] == 6
    # with an MOU police may act in bp's area after a 5-minute authorisation: 4 km at 15 km/h + 5
    mou = {"police_in_bp": AgreementSpec(agency="police", host="bp", authorisation_min=5.0)}
    _, ev = run(two_agency_world(coord, agreements=mou), 1)
    assert first_chain(ev)[3:5] == [(2.0, "dispatch", "joint", "mou"), (23.0, "arrival", "police", "")]
    assert ev[ev.kind == "dispatch"].duration_min.iloc[0] == pytest.approx(21.0)


def test_task_force_pools_units_across_jurisdictions():
    coord = coordination(
        "task_force", operators=1, handling_min=2.0, handling="fixed", units=["patrol_car"], agencies=["bp", "police"]
    )
    _, ev = run(two_agency_world(coord), 1)
    chain = first_chain(ev)
    assert (0.0, "alert", "task_force", "bp (copy)") in chain and (0.0, "alert", "bp", "bp") in chain
    assert (2.0, "dispatch", "task_force", "task_force") in chain and (2.0, "no_unit", "bp", "") in chain
    assert ev[ev.kind == "dispatch"].node.iloc[0] == 3  # pooled: may go to the alert's own cell
    assert (18.0, "arrival", "police", "") in chain  # 4 km at 15 km/h


@pytest.mark.parametrize("policy", ["task_force", "liaison"])
def test_a_receipt_names_its_first_hand_alert_and_one_centre_answering_is_enough(policy):
    """bp has no unit for its own alerts; the task force's second receipt, or the police's copy
    passed on by liaison, gets the police car sent. Every receipt names the first-hand alert it
    is of, and an alert answered by one centre is not an alert with no unit."""
    if policy == "task_force":
        coord = coordination("task_force", units=["patrol_car"], agencies=["bp", "police"])
    else:
        coord = liaison(share_delay_min=0.0, loss_prob=0.0)
    _, ev = run(two_agency_world(coord, attempts_per_day=6), 1)
    alerts = ev[ev.kind == "alert"]
    first_hand = alerts[(alerts.shared_from == "") & ~alerts.second_centre]
    copies = alerts.drop(first_hand.index)
    assert len(copies) > 0 and (first_hand.first_alert == first_hand.alert).all()
    assert copies.first_alert.isin(first_hand.alert).all() and (copies.first_alert != copies.alert).all()
    assert (copies.attempt.to_numpy() == first_hand.set_index("alert").attempt[copies.first_alert].to_numpy()).all()
    of = alerts.set_index("alert").first_alert
    acted = ev[ev.kind.isin(["dispatch", "alert_merged"])].alert.map(of)
    wanting = ev[ev.kind == "no_unit"].alert.map(of)
    unanswered = set(wanting) - set(acted)
    assert len(set(wanting) & set(acted)) > 0  # bp found no unit for alerts the police answered
    assert summarize(pa.Table.from_pandas(ev, preserve_index=False))["alerts_no_unit"] == len(unanswered)


def test_units_never_act_outside_jurisdiction_without_agreement():
    """A police unit that meets a group outside its area reports it instead of arresting."""
    agencies = {"bp": AgencySpec(jurisdiction=["all"], operators=1), "police": AgencySpec(jurisdiction=["towns:1"])}
    units = {"car": posted_unit(4, agency="police", detect_prob=1.0, processing_min=1.0, capacity=20)}
    world = corridor_world(units=units, attempts_per_day=20, horizon_days=2, agencies=agencies)
    _, ev = run(world, 3)
    area = world.agencies["police"].jurisdiction
    seen = ev[(ev.kind == "detection") & (ev.source == "patrol")]
    outside = seen[~area[seen.node.to_numpy()]]
    assert len(outside) > 10
    assert (ev[(ev.kind == "alert")].source == "patrol").sum() == len(outside)  # each one reported, not arrested
    inter = ev[ev.kind == "interdiction"]
    assert len(inter) > 0 and area[inter.node.to_numpy()].all()  # arrests only inside its area


def test_sensor_outage_and_comms_outage_injects_start_and_end_on_time():
    injects = {
        "cut": inject("sensor_outage", start_hours=2.0, duration_hours=3.0, sensors=["bp_g3"]),
        "radio": inject("comms_outage", start_hours=10.0, duration_hours=6.0, agencies=["bp", "police"]),
    }
    world = two_agency_world(liaison(share_delay_min=0.0, loss_prob=0.0), attempts_per_day=40, injects=injects)
    _, ev = run(world, 4)
    marks = ev[ev.kind.isin(["inject", "inject_end", "sensor_down", "sensor_up"])]
    assert [(t, k, s) for t, k, s in zip(marks.t, marks.kind, marks.source)] == [
        (120.0, "inject", "cut"),
        (120.0, "sensor_down", ""),
        (300.0, "inject_end", "cut"),  # the window is [start, end): its end goes first, then what it ends
        (300.0, "sensor_up", ""),
        (600.0, "inject", "radio"),
        (960.0, "inject_end", "radio"),
    ]
    det = ev[ev.kind == "detection"].t
    assert len(det) > 10 and not ((det >= 120) & (det < 300)).any()
    lost = ev[ev.kind == "alert_lost"]
    assert len(lost) > 0 and lost.t.between(600, 960).all() and (lost.detail == "police").all()
    assert (lost.source == "comms_down").all()
    shared = ev[ev.kind == "alert_shared"].t
    assert not shared.between(600, 959.999).any() and len(shared) > 5


def test_surge_weather_and_decoy_injects():
    injects = {
        "push": inject("surge", start_hours=24.0, duration_hours=24.0, factor=4.0, organisation="org"),
        "fog": inject("weather", start_hours=60.0, duration_hours=12.0, factor=0.0),
        "lure": inject("decoy", start_hours=80.0, duration_hours=0.0, count=5, organisation="org"),
    }
    world = corridor_world(
        {"t": tower(4, 30.0, 3.0)}, attempts_per_day=30, horizon_days=4, scenario_kw={"injects": injects}
    )
    _, ev = run(world, 5)
    starts = ev[(ev.kind == "attempt") & (ev.cargo != "decoy")].t
    day = np.histogram(starts, bins=[0, 1440, 2880, 4320, 5760])[0]
    assert day[1] > 3 * day[0] and day[1] > 3 * day[2]  # four times the rate on day 2
    det = ev[ev.kind == "detection"].t
    assert not det.between(3600, 4319.999).any() and det.between(3000, 3599).any()
    decoys = ev[(ev.kind == "attempt") & (ev.cargo == "decoy")]
    assert len(decoys) == 5 and (decoys.t == 4800.0).all()


def test_partner_tips_arrive_lead_minutes_before_the_crossing_and_hold_a_unit():
    from sim.scenario import IntelSpec, PartnerTipSpec

    intel = IntelSpec(partner=PartnerTipSpec(agency="police", prob=1.0, lead_min=4.0, accuracy_km=0.0, hold_min=120.0))
    world = two_agency_world(coordination("isolated"), intel=intel)
    _, ev = run(world, 6)
    tips = ev[(ev.kind == "alert") & (ev.source == "partner_tip")].set_index("attempt")
    crossed = ev[ev.kind == "crossed"].set_index("attempt").t
    assert len(tips) >= 1
    for a, tip in tips.iterrows():  # the crossing is the middle of the 0 -> 1 step (10 minutes)
        start = ev[(ev.kind == "attempt") & (ev.attempt == a)].t.iloc[0]
        assert crossed[a] == pytest.approx(start + 10.0) and tip.t == pytest.approx(crossed[a] - 4.0)
        assert tip.node == 1
    arrival = ev[ev.kind == "arrival"]
    ends = ev[(ev.kind == "search_end") | (ev.kind == "interdiction")]
    assert len(arrival) >= 1 and (ends.t.max() - arrival.t.min()) <= 120.0 + 1e-9


@pytest.mark.parametrize("hold", [0.0, 7.0])
def test_a_unit_sent_on_a_partner_tip_waits_hold_min_even_when_it_is_zero(hold):
    """hold_min 0 is no wait at the tipped place (it read as "not set": the unit searched its
    search_min instead)."""
    from sim.scenario import IntelSpec, PartnerTipSpec

    intel = IntelSpec(partner=PartnerTipSpec(agency="police", prob=1.0, lead_min=4.0, accuracy_km=0.0, hold_min=hold))
    _, ev = run(two_agency_world(coordination("isolated"), intel=intel), 6)
    arrivals = ev[ev.kind == "arrival"].set_index("incident").t
    ends = ev[ev.kind.isin(["search_end", "interdiction"]) & ev.incident.isin(arrivals.index)]
    waited = ends.groupby("incident").t.min() - arrivals[ends.incident.unique()]
    assert len(waited) >= 1 and (waited <= hold + 1e-9).all(), waited


def test_community_tips_report_groups_near_towns_with_the_given_probability():
    from sim.scenario import CommunityTipSpec, IntelSpec

    intel = IntelSpec(
        community=CommunityTipSpec(agency="police", radius_km=2.0, report_prob=0.4, delay_min=10.0, false_per_day=0.0)
    )
    world = corridor_world(
        attempts_per_day=150,
        horizon_days=2,
        agencies={"police": AgencySpec(jurisdiction=["towns:2"], operators=4)},
        scenario_kw={"intel": intel},
    )
    _, ev = run(world, 7)
    passed = ev[ev.kind == "got_away"].attempt
    reported = set(ev[(ev.kind == "alert") & (ev.source == "community_tip")].attempt)
    n = len(passed)
    share = sum(a in reported for a in passed) / n
    assert n > 200 and abs(share - 0.4) < 4 * np.sqrt(0.4 * 0.6 / n)
    sightings = ev[(ev.kind == "alert") & (ev.source == "community_tip")]
    assert (sightings.node == 6).all()  # first cell within 2 km of the town (cell 8)


def test_alert_metrics_count_each_alert_once_whatever_the_policy():
    """Copies passed on (liaison) or heard twice (task force) are not new alerts or tips."""
    from sim.metrics import summarize

    counts = {}
    for coord in (
        coordination("isolated"),
        liaison(share_delay_min=0.0, loss_prob=0.0),
        coordination("task_force", units=["patrol_car"], agencies=["bp", "police"]),
    ):
        _, ev = run(two_agency_world(coord), 8)
        s = summarize(ev)
        counts[coord.policy] = (s["alerts"], s["false_alarms"])
        assert (ev.kind == "alert").sum() >= s["alerts"]
    assert counts["isolated"] == counts["liaison"] == counts["task_force"]


def test_an_alert_merging_during_an_authorisation_wait_does_not_spoil_the_search():
    agencies = {
        "bp": AgencySpec(jurisdiction=["all"], operators=1, handling_min=2.0, handling="fixed"),
        "police": AgencySpec(jurisdiction=["towns:2"], operators=1, handling_min=2.0, handling="fixed"),
    }
    unit = posted_unit(2, agency="police", detect_prob=0.0, find_prob=1.0, search_radius_km=10.0, search_min=120.0)
    coord = coordination("joint_command", operators=2, handling_min=2.0, handling="fixed")
    mou = {"m": AgreementSpec(agency="police", host="bp", authorisation_min=25.0)}
    world = corridor_world(
        sure_ground(2, 3),
        {"car": unit},
        attempts_per_day=1,
        horizon_days=3,
        agencies=agencies,
        scenario_kw={"coordination": coord, "agreements": mou},
    )
    _, ev = run(world, 1)
    first = ev[ev.kind == "attempt"].attempt.iloc[0]
    assert (ev[ev.kind == "alert_merged"].t > 0).any()  # the second sensor's alert joined during the wait
    caught = ev[(ev.kind == "interdiction") & (ev.attempt == first)]
    assert len(caught) == 1 and caught.source.iloc[0] == "response"


def test_surge_and_decoys_leave_the_normal_attempts_unchanged():
    injects = {
        "push": inject("surge", start_hours=5.0, duration_hours=10.0, factor=3.0, organisation="org"),
        "lure": inject("decoy", start_hours=6.0, duration_hours=0.0, count=4, organisation="org"),
    }
    plain = corridor_world(sure_ground(3), attempts_per_day=40, horizon_days=2)
    pushed = corridor_world(sure_ground(3), attempts_per_day=40, horizon_days=2, scenario_kw={"injects": injects})
    cols = ["t", "node", "cargo", "size"]
    _, a = run(plain, 2)
    _, b = run(pushed, 2)
    normal = a[a.kind == "attempt"][cols].itertuples(index=False)
    launched = set(b[b.kind == "attempt"][cols].itertuples(index=False))
    assert set(normal) <= launched and len(launched) > len(set(a[a.kind == "attempt"][cols].itertuples(index=False)))
    # and each normal group meets the sensor exactly as before (its own stream is untouched)
    det_a = a[a.kind == "detection"].merge(a[a.kind == "attempt"][["attempt", "t"]], on="attempt", suffixes=("", "_s"))
    det_b = b[b.kind == "detection"].merge(b[b.kind == "attempt"][["attempt", "t"]], on="attempt", suffixes=("", "_s"))
    assert set(det_a.t_s) <= set(det_b.t_s)


def test_surge_and_decoys_leave_the_normal_groups_tips_unchanged():
    """Tips are drawn per group at launch: the scenario's own groups get the same partner and
    community tips with or without a surge and decoys (the extra groups once drew from the same
    streams, in launch order, and shifted every later group's tip)."""
    from sim.scenario import CommunityTipSpec, IntelSpec, PartnerTipSpec

    intel = IntelSpec(
        partner=PartnerTipSpec(agency="bp", prob=0.5, lead_min=30.0, accuracy_km=1.0),
        community=CommunityTipSpec(agency="bp", radius_km=2.0, report_prob=0.5, false_per_day=0.0),
    )
    injects = {
        "push": inject("surge", start_hours=2.0, duration_hours=6.0, factor=3.0, organisation="org"),
        "lure": inject("decoy", start_hours=3.0, duration_hours=0.0, count=2, organisation="org"),
    }
    agencies = {"bp": AgencySpec(jurisdiction=["all"])}

    def partner_tips(injected: dict) -> tuple[set, int]:
        kw = {"intel": intel, "injects": injected}
        world = corridor_world(sure_ground(3), attempts_per_day=40, horizon_days=1, agencies=agencies, scenario_kw=kw)
        _, ev = run(world, 3)
        start = ev[ev.kind == "attempt"].set_index("attempt")
        tips = ev[(ev.kind == "alert") & (ev.source == "partner_tip")]
        # a group is known by its launch minute (ids shift when extra groups launch)
        return {(round(start.t[r.attempt], 6), round(r.t, 6), r.node) for r in tips.itertuples()}, len(start)

    plain, n_plain = partner_tips({})
    pushed, n_pushed = partner_tips(injects)
    assert len(plain) > 5 and n_pushed > n_plain + 5
    assert plain <= pushed


def test_tips_are_the_same_under_every_policy():
    from sim.scenario import CommunityTipSpec, IntelSpec

    intel = IntelSpec(community=CommunityTipSpec(agency="police", radius_km=2.0, report_prob=0.5, false_per_day=6.0))
    false_reports = []
    for coord in (coordination("isolated"), liaison(share_delay_min=0.0, loss_prob=0.0)):
        _, ev = run(two_agency_world(coord, intel=intel), 9)
        tips = ev[(ev.kind == "alert") & (ev.source == "community_tip") & (ev.attempt < 0)]
        false_reports.append(list(zip(tips.t, tips.node)))
    assert len(false_reports[0]) > 2 and false_reports[0] == false_reports[1]


def test_weather_blinds_units_during_its_window():
    injects = {"fog": inject("weather", start_hours=10.0, duration_hours=10.0, factor=0.0)}
    units = {"post": posted_unit(4, mode="foot", detect_prob=1.0, capacity=20, processing_min=1.0)}
    world = corridor_world(units=units, attempts_per_day=60, horizon_days=2, scenario_kw={"injects": injects})
    _, ev = run(world, 3)
    seen = ev[(ev.kind == "detection") & (ev.source == "patrol")].t
    assert seen.between(0, 599).any() and seen.between(1200, 2880).any()
    assert not seen.between(600, 1199.999).any()


def test_sharing_metrics_per_agency():
    from sim.metrics import summarize

    world = two_agency_world(liaison(share_delay_min=5.0, loss_prob=0.5), attempts_per_day=30)
    _, ev = run(world, 10)
    s = summarize(ev)
    assert s["alerts_shared.bp"] == s["alerts_shared"] == (ev.kind == "alert_shared").sum() > 0
    assert s["alerts_lost.bp"] == s["alerts_lost"] > 0
    assert s["share_delay_min"] == pytest.approx(ev[ev.kind == "alert_shared"].duration_min.mean())


def test_liaison_delays_and_losses_follow_their_declared_laws():
    from validation_checks import liaison_sharing

    delay, loss = liaison_sharing()
    assert delay.agrees and (delay.high - delay.low) / 2 < 0.2 * delay.expected, delay
    assert loss.agrees and int(loss.n.split()[0]) > 500, loss  # "N passed alerts"


def test_a_sensor_put_up_during_an_outage_of_its_group_is_down_until_the_outage_ends():
    """An outage takes down every sensor it names for its window, also one installed during it
    (a group going up on day 1, inside an outage from hour 20 to 30): no detection by it until
    hour 30, detections again after."""
    world = corridor_world(
        sensors={"late": ground(2, 1.0, installed_day=1.0)},
        attempts_per_day=48,
        horizon_days=2,
        scenario_kw={"injects": {"out": inject("sensor_outage", sensors=["late"], start_hours=20, duration_hours=10)}},
    )
    _, ev = run(world, 1)
    det = ev[ev.kind == "detection"].t
    assert det.min() >= 30 * 60 and len(det) > 10
    states = ev[ev.kind.isin(["sensor_down", "sensor_up"])]
    assert list(zip(states.t, states.kind))[:2] == [(24 * 60, "sensor_down"), (30 * 60, "sensor_up")]


@pytest.mark.parametrize("factor", [0.02, 0.3, 2.0])
def test_a_sure_ground_sensor_stays_sure_in_any_weather(factor):
    """A per-pass chance p becomes 1 - (1 - p)^factor in weather: p = 1 stays 1 for any factor
    above 0 (it was capped at 1 - 1e-12 and fell to 0.45 at factor 0.02)."""
    fog = {"fog": inject("weather", start_hours=0.0, duration_hours=48.0, factor=factor)}
    world = corridor_world(sure_ground(3), attempts_per_day=200, horizon_days=1, scenario_kw={"injects": fog})
    _, ev = run(world, 4)
    away = set(ev[ev.kind == "got_away"].attempt)  # every one passed the sensor's cell on its way
    assert len(away) > 100 and away <= set(ev[ev.kind == "detection"].attempt)
