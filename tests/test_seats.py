"""Seats of a multi-agency drill without a browser: human centres, orders checked server-side, each
seat's picture, concurrency, reconnection, the counterfactual replay."""

import re
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

solara = pytest.importorskip("solara")
import ipyvuetify as v  # noqa: E402

from sim.agents.command import sector_cell  # noqa: E402
from sim.agents.orders import OrderRefused  # noqa: E402
from sim.config import SCENARIO_DIR, compose  # noqa: E402
from sim.drill.counterfactual import counterfactual, read_drill, replay  # noqa: E402
from sim.drill.session import DrillSession  # noqa: E402
from sim.model import BorderModel  # noqa: E402
from sim.terrain.model import HOME  # noqa: E402
from sim.world import build_world  # noqa: E402

BP, POLICE, CUSTOMS = "border_patrol", "local_police", "customs"


@lru_cache(maxsize=1)
def tri_agency():
    c = compose(["scenario=tri_agency", "scenario.horizon_days=1"])
    return build_world(c.scenario, c.origin, str(SCENARIO_DIR)), c.origin


def seated(tmp_path: Path, human=(BP, POLICE), seed: int = 5, name: str = "drill") -> DrillSession:
    world, origin = tri_agency()
    return DrillSession(world, seed, tmp_path / name, origin, human=human)


def events(s: DrillSession):
    return s.model.log.to_arrow().to_pandas()


def until_incident(s: DrillSession, seat: str = BP):
    while not [i for i in s.picture(seat).incidents if i.hint_unit >= 0]:
        s.step()
    return next(i for i in s.picture(seat).incidents if i.hint_unit >= 0)


def test_a_human_centre_waits_for_its_seat_and_is_shown_what_the_automatic_one_would_do(tmp_path):
    s = seated(tmp_path)
    inc = until_incident(s)
    ev = events(s)
    assert not ((ev.kind == "dispatch") & ev.agency.isin([BP, POLICE])).any()  # nobody sent without an order
    opened = ev[(ev.kind == "incident_open") & (ev.incident == inc.id)].iloc[0]
    auto = BorderModel(tri_agency()[0], 5)  # the same seed decided automatically
    while not ((auto_ev := auto.log.to_arrow().to_pandas()).kind == "dispatch").any():
        auto.step()
    first = auto_ev[auto_ev.kind == "dispatch"].iloc[0]
    assert (first.t, first.unit, first.agency, first.node) == (opened.t, opened.unit, BP, opened.node)
    assert opened.duration_min == pytest.approx(first.duration_min)
    modes = ev[ev.kind == "mode"].set_index("agency").detail.to_dict()
    assert modes == {BP: "human", CUSTOMS: "auto", POLICE: "human"}


def test_a_seats_dispatch_is_logged_with_what_it_had_been_told_and_the_unit_arrives(tmp_path):
    s = seated(tmp_path)
    inc = until_incident(s)
    told = int(((events(s).kind == "alert") & (events(s).agency == BP)).sum())
    s.order(BP, "dispatch", unit=inc.hint_unit, incident=inc.id)
    ev = pq.read_table(s.out_dir / "events").to_pandas()  # saved at once
    order = ev[ev.kind == "order"].iloc[-1]
    got = (order.seat, order.detail, order.unit, order.incident, order.told)
    assert got == (BP, "dispatch", inc.hint_unit, inc.id, told)
    assert order.t == s.now and order.source == "seat"
    dispatch = ev[(ev.kind == "dispatch") & (ev.incident == inc.id)].iloc[0]
    assert dispatch.unit == inc.hint_unit and dispatch.t == s.now
    for _ in range(int(dispatch.duration_min // 10) + 2):
        s.step()
    arrival = events(s)[(events(s).kind == "arrival") & (events(s).incident == inc.id)]
    assert list(arrival.unit) == [inc.hint_unit]
    assert arrival.t.iloc[0] == pytest.approx(dispatch.t + dispatch.duration_min)


def test_orders_are_checked_against_the_seat_and_a_refusal_changes_nothing(tmp_path):
    s = seated(tmp_path)
    inc = until_incident(s)
    police_unit = next(u.id for u in s.picture(POLICE).units if u.on_duty)
    bp_units = [u for u in s.picture(BP).units if u.on_duty]
    n_dispatch = int((events(s).kind == "dispatch").sum())
    far_cell = int(np.flatnonzero(~s.world.agencies[POLICE].jurisdiction & (s.world.terrain.side == HOME))[0])
    cases = [
        (BP, {"unit": police_unit, "incident": inc.id}, f"unit {police_unit} is tasked by local_police, not border"),
        (POLICE, {"unit": police_unit, "node": far_cell}, f"cell {far_cell} is outside the area where unit"),
        (BP, {"unit": bp_units[0].id, "incident": 10_000}, "no incident 10000 of border_patrol"),
        (BP, {"unit": bp_units[0].id, "node": 10**9}, "no cell 1000000000"),
        (CUSTOMS, {"unit": 0, "node": 1}, "customs is decided automatically (auto): its seat watches only"),
        (BP, {"unit": 99, "node": 1}, "no unit 99"),
    ]
    for seat, args, why in cases:
        with pytest.raises(OrderRefused, match=re.escape(why)):
            s.order(seat, "dispatch", **args)
    s.order(BP, "dispatch", unit=inc.hint_unit, incident=inc.id)
    with pytest.raises(OrderRefused, match=f"unit {inc.hint_unit} is busy \\(responding to incident {inc.id}\\)"):
        s.order(BP, "dispatch", unit=inc.hint_unit, node=int(inc.node))
    with pytest.raises(OrderRefused, match="unknown order 'arrest'; allowed: dispatch, recall"):
        s.order(BP, "arrest", unit=1)
    with pytest.raises(OrderRefused, match="no seat 'trainer'"):
        s.order("trainer", "dispatch", unit=1, node=1)
    ev = events(s)
    assert int((ev.kind == "dispatch").sum()) == n_dispatch + 1
    refused = ev[ev.kind == "order_refused"]
    assert len(refused) == len(cases) + 1 and refused.reason.str.len().gt(0).all()
    assert set(refused.seat) == {BP, POLICE, CUSTOMS}


def test_hold_recall_and_close(tmp_path):
    s = seated(tmp_path)
    inc = until_incident(s)
    unit = next(u.id for u in s.picture(BP).units if u.free and u.id != inc.hint_unit)
    s.order(BP, "hold", unit=unit)
    where = s.model.unit(unit).node_at(s.now)
    for _ in range(6):
        s.step()
        assert s.model.unit(unit).node_at(s.now) == where
    assert next(u for u in s.picture(BP).units if u.id == unit).state == "holding"
    s.order(BP, "dispatch", unit=unit, incident=inc.id)  # a held unit may be sent
    s.step()
    s.order(BP, "recall", unit=unit)
    assert next(u for u in s.picture(BP).units if u.id == unit).state == "on its beat"
    assert inc.id in [i.id for i in s.picture(BP).incidents]  # the incident stays open
    s.order(BP, "close", incident=inc.id)
    assert inc.id not in [i.id for i in s.picture(BP).incidents]
    with pytest.raises(OrderRefused, match=f"incident {inc.id} is closed"):
        s.order(BP, "dispatch", unit=unit, incident=inc.id)
    with pytest.raises(OrderRefused, match=f"unit {unit} has no order to recall"):
        s.order(BP, "recall", unit=unit)
    ev = events(s)
    orders = ev[ev.kind == "order"]
    assert list(orders.detail) == ["hold", "dispatch", "recall", "close"]
    assert ((ev.kind == "unit_free") & (ev.unit == unit) & (ev.t == orders.t.iloc[2])).any()


def test_holding_a_responding_unit_ends_its_busy_time_as_recalling_it_does(tmp_path):
    """patrol_utilisation counts a unit busy from a dispatch to its next unit_free: a unit held
    while responding is free of its response from the hold (as shown to the seat, and as a hold
    of a free unit counts); it once stayed 'busy' to its shift's end (530 of 600 minutes)."""
    s = seated(tmp_path)
    inc = until_incident(s)
    s.order(BP, "dispatch", unit=inc.hint_unit, incident=inc.id)
    s.step()
    s.order(BP, "hold", unit=inc.hint_unit)
    held_at = s.now
    assert next(u for u in s.picture(BP).units if u.id == inc.hint_unit).free
    for _ in range(12):
        s.step()
    ev = events(s)
    mine = ev[(ev.unit == inc.hint_unit) & ev.kind.isin(["dispatch", "unit_free"])]
    assert list(mine.kind[:2]) == ["dispatch", "unit_free"] and mine.t.iloc[1] == held_at  # busy from one to the other


def test_a_shared_alert_reaches_the_partner_after_the_comms_delay_and_is_lost_when_the_link_is_down(tmp_path):
    s = seated(tmp_path)
    until_incident(s)
    alert = s.picture(BP).alerts[0]
    sent_at = s.now
    s.order(BP, "share", alert=alert.id, partner=POLICE)
    shared = events(s)[(events(s).kind == "alert_shared") & (events(s).t == sent_at)].iloc[-1]
    assert shared.detail == POLICE and shared.relayed  # border patrol and police talk through a relay
    assert shared.duration_min == 15.0 + 10.0  # liaison's mean delay + the relay
    while s.now < sent_at + shared.duration_min:
        assert shared.alert not in [a.id for a in s.picture(POLICE).alerts]
        s.step()
    got = next(a for a in s.picture(POLICE).alerts if a.id == shared.alert)
    assert got.t == pytest.approx(sent_at + 25.0) and got.shared_from == BP
    s.inject("comms_outage", agencies=[BP, POLICE], duration_hours=1.0)
    s.order(BP, "share", alert=alert.id, partner=POLICE)
    lost = events(s)[(events(s).kind == "alert_lost") & (events(s).t == s.now)]
    assert list(lost.source) == ["comms_down"]
    with pytest.raises(OrderRefused, match="border_patrol has received no alert 99999"):
        s.order(BP, "share", alert=99999, partner=POLICE)


def test_asking_a_partner_for_mou_support_sends_its_unit_under_the_mou(tmp_path):
    s = seated(tmp_path, seed=7)
    customs_area = s.world.agencies[CUSTOMS].jurisdiction
    while not (away := [i for i in s.picture(BP).incidents if not customs_area[i.node]]):
        s.step()
    inc = away[0]
    with pytest.raises(OrderRefused, match="no MOU lets local_police act for border_patrol; allowed: customs"):
        s.order(BP, "mou", incident=inc.id, partner=POLICE)
    asked_at = s.now
    s.order(BP, "mou", incident=inc.id, partner=CUSTOMS)
    for _ in range(3):
        s.step()
    ev = events(s)
    request = ev[(ev.kind == "alert") & (ev.agency == CUSTOMS) & (ev.source == "mou_request")]
    assert len(request) == 1 and request.t.iloc[0] == asked_at and request.node.iloc[0] == inc.node
    sent = ev[(ev.kind == "dispatch") & (ev.agency == CUSTOMS) & (ev.t >= asked_at)]
    assert len(sent) >= 1 and sent.detail.iloc[0] == "mou" and sent.node.iloc[0] == inc.node


def test_a_seat_sees_only_what_its_centre_was_told_and_never_an_undetected_group(tmp_path):
    """At every tick: each alert on a seat is an alert row addressed to it at or before then; the
    map's markers are its own units, sensors, incidents and alerts (no group is drawn); no line
    of its feed names a group."""
    from sim.drill.seatmap import Backdrop, markers

    s = seated(tmp_path)
    x, y = s.world.terrain.x, s.world.terrain.y
    b = Backdrop("", x.min() - 1, x.max() + 1, y.min() - 1, y.max() + 1, x, y)
    s.inject("comms_outage", agencies=[BP, POLICE], duration_hours=3.0)
    area = {seat: s.model.coordination.centres[seat].area for seat in (BP, POLICE, CUSTOMS)}
    seen_shared = 0
    for _ in range(70):
        s.step()
        ev = events(s)
        for seat in (BP, POLICE, CUSTOMS):
            pic = s.picture(seat)
            told = ev[(ev.kind == "alert") & (ev.agency == seat) & (ev.t <= s.now)].set_index("alert")
            assert {a.id for a in pic.alerts} == set(told.index)
            for a in pic.alerts:
                assert (a.t, a.attempt, a.coarse) == (told.t[a.id], told.attempt[a.id], told.coarse[a.id])
                assert a.node == (
                    sector_cell(s.world.terrain, told.node[a.id], area[seat]) if a.coarse else told.node[a.id]
                )
            own = {u.params.id for u in s.model.coordination.centres[seat].units}
            assert {u.id for u in pic.units} == own
            drawn = markers(pic, b, "#000", 120.0)
            assert {m["id"][0] for m in drawn} <= {"U", "A", "I", "S"}
            assert {int(m["id"][1:]) for m in drawn if m["kind"] == "unit"} <= own
            assert not any(re.search(r"\bgroups? \d+|\bG\d+", m["title"] + m["label"]) for m in drawn)
            assert not any(re.search(r"\bgroup \d+", line) for line in pic.feed)
        seen_shared += sum(a.shared_from == BP for a in s.picture(POLICE).alerts)
    assert seen_shared > 0  # the police seat did get alerts passed on


def test_an_alert_passed_on_without_its_location_shows_the_seat_only_its_sector(tmp_path):
    """tri_agency strips the location on customs -> police: the police seat's alert about a group
    customs was tipped about is placed where its centre places it (the sector's middle in its
    area), and neither the picture, the map nor the feed gives the cell customs saw."""
    from sim.drill.seatmap import Backdrop, markers

    s = seated(tmp_path)
    for _ in range(30):
        s.step()
    group, _ = s.active_groups()[0]
    s.inject("tip", agency=CUSTOMS, attempt=group)
    coarse = []
    while not coarse and not s.finished:
        s.step()
        coarse = [a for a in s.picture(POLICE).alerts if a.coarse]
    [a] = coarse
    ev = events(s)
    logged = ev[(ev.kind == "alert") & (ev.alert == a.id)].iloc[0]
    seen_at = int(ev[(ev.kind == "alert") & (ev.alert == logged.first_alert)].node.iloc[0])
    terrain, police = s.world.terrain, s.model.coordination.centres[POLICE]
    assert logged.node == seen_at and a.node != seen_at
    assert a.node == sector_cell(terrain, seen_at, police.area) and terrain.sector[a.node] == terrain.sector[seen_at]
    x, y = terrain.x, terrain.y
    b = Backdrop("", x.min() - 1, x.max() + 1, y.min() - 1, y.max() + 1, x, y)
    [marker] = [m for m in markers(s.picture(POLICE), b, "#000", 120.0) if m["id"] == f"A{a.id}"]
    assert f"cell {seen_at}" not in marker["title"] and (marker["x"], marker["y"]) == pytest.approx(b.frac(a.node))
    [line] = [line for line in s.picture(POLICE).feed if f"alert A{a.id} passed on" in line]
    assert f"in sector {terrain.sector_names[terrain.sector[seen_at]]} (only the sector known)" in line
    assert not re.search(r"\bcell \d+", line)


def test_a_tip_about_a_group_the_counterfactual_caught_earlier_is_replayed_and_reports_nothing(tmp_path):
    """The trainer tips about a group still on the move in the drill that the automatic
    dispatcher had caught by then: the counterfactual replays the tip (logged) and it raises no
    alert (it once refused the replay as an unknown group, and the counterfactual failed)."""
    world, _ = tri_agency()
    auto = BorderModel(world, 5).run().to_arrow().to_pandas()
    s = seated(tmp_path)
    target = None
    for row in auto[auto.kind == "interdiction"].itertuples():
        while s.now <= row.t and not s.finished:
            s.step()
        if row.attempt in {a for a, _ in s.active_groups()}:
            target = int(row.attempt)
            break
    assert target is not None
    s.inject("tip", agency=BP, attempt=target)
    while not s.finished:
        s.step()
    cf = pq.read_table(counterfactual(s.out_dir) / "events").to_pandas()
    [tip] = cf[(cf.kind == "inject") & cf.source.str.endswith("-tip")].itertuples()
    assert not ((cf.kind == "alert") & (cf.source == "tip") & (cf.attempt == target)).any()
    caught = cf[(cf.kind == "interdiction") & (cf.attempt == target)]
    assert len(caught) == 1 and caught.t.iloc[0] < tip.t


def test_at_the_tick_a_shift_ends_the_seat_sees_its_units_off_duty_and_cannot_send_them(tmp_path):
    """Shifts end on tick boundaries, when seats look and give orders, and the shift's end is
    due at that very instant: a free unit whose shift ends now is shown off duty and cannot be
    sent (a seat was shown it on duty and free, and a unit it sent worked on past its shift)."""
    s = seated(tmp_path)
    centre = s.model.coordination.centres[BP]
    s.step()
    first_end = min(u.shift_end for u in centre.units if u.on_duty)
    while s.now < first_end:
        s.step()
    assert s.now == first_end
    ended = [u for u in centre.units if u.on_duty and u.shift_end == first_end and u.task is None]
    shown = {p.id: p for p in s.picture(BP).units}
    assert ended and all(not shown[u.params.id].on_duty and not shown[u.params.id].free for u in ended)
    s.settle()  # the minute's shift rows run: the picture showed what they leave
    assert all(shown[u.params.id].on_duty == u.on_duty for u in centre.units)
    with pytest.raises(OrderRefused, match="off duty"):
        s.order(BP, "dispatch", unit=ended[0].params.id, node=int(s.world.terrain.n_nodes // 2))


def test_a_kept_seats_orders_follow_its_incidents_when_another_seat_is_made_automatic(tmp_path):
    """Both seats follow every suggestion; the counterfactual with the police seat automatic
    replays border patrol's orders. Incident ids shift once the police decide otherwise, and an
    order about a renumbered incident goes to border patrol's own incident at the logged cell:
    none becomes an alert-less incident at a bare cell (whose search could never find a group;
    with the border patrol seat automatic, 9 of 12 police dispatches once did). An order about a
    group the police caught earlier in the counterfactual (no incident of border patrol at that
    cell) no longer applies: it is refused and logged (it was sent to the bare cell)."""
    s = seated(tmp_path, seed=2)
    while not s.finished:
        s.step()
        for seat in (BP, POLICE):
            for inc in s.picture(seat).incidents:
                if inc.unit < 0 and inc.hint_unit >= 0:
                    try:
                        s.order(seat, "dispatch", unit=inc.hint_unit, incident=inc.id)
                    except OrderRefused:
                        pass
    cf = pq.read_table(counterfactual(s.out_dir, auto=POLICE) / "events").to_pandas()
    drill = events(s)

    def kept(ev):
        return ev[(ev.kind == "order") & (ev.agency == BP) & (ev.detail == "dispatch")].set_index(["t", "unit"])

    assert len(kept(drill)) > 20 and (kept(drill).incident >= 0).all()
    both = kept(drill).merge(kept(cf), left_index=True, right_index=True, suffixes=("", "_cf"))
    assert (both.incident != both.incident_cf).sum() > 0  # renumbered in the counterfactual
    bp = cf[(cf.kind == "dispatch") & (cf.agency == BP)]
    assert (bp.alert >= 0).all() and (kept(cf).incident >= 0).all()
    gone = cf[(cf.kind == "order_refused") & (cf.agency == BP) & cf.reason.str.contains("no longer applies")]
    assert len(gone) > 0 and len(kept(cf)) + len(gone) <= len(kept(drill))


def at_a_shift_start(s: DrillSession):
    """Play to the first tick at which one of border patrol's units starts its shift (the shift
    rows of that minute are still due); return that unit."""
    tick = s.world.scenario.tick_min
    units = s.model.coordination.centres[BP].units
    u = next(u for u in units if u.params.shift_offset_min > 0 and u.params.shift_offset_min % tick == 0)
    while s.now < u.params.shift_offset_min:
        s.step()
    return u


def test_at_the_tick_a_shift_starts_the_seat_and_the_trainer_see_the_unit_on_duty_as_the_replay_does(tmp_path):
    """Shifts are [start, end): at the tick a shift starts (its start still due at that instant)
    the seat's picture shows the incoming unit on duty and free, and so does the trainer's map, as
    the after-action replay does from the log's shift rows; an order to it is carried out. (The
    seat showed it off duty and not free, the trainer's map too, though an order found it on duty.)"""
    from analysis.aar import situation_at

    s = seated(tmp_path)
    u = at_a_shift_start(s)
    assert not u.on_duty  # its start is still due: the picture reads the minute before it runs
    shown = {p.id: p for p in s.picture(BP).units}[u.params.id]
    assert shown.on_duty and shown.free and shown.state == "on its beat"
    state = s.map_state()
    live = set(state.unit_ids[state.unit_on_duty].tolist())
    assert u.params.id in live
    t = s.now
    s.order(BP, "hold", unit=u.params.id)
    while not s.finished:
        s.step()
    ev = events(s)
    replayed, _ = situation_at(ev, pq.read_table(s.out_dir / "plans").to_pandas(), t)
    assert set(replayed.id) == live


def test_an_order_sees_its_minute_done_whatever_came_before_it_and_replays_the_same(tmp_path):
    """At a tick where a unit's shift starts, an order to it sees the shift started (what is due
    at the minute runs before any order), so it does not matter whether another order, accepted
    or refused, came first: the all-human replay meets the same state and gives the same orders
    back (a refusal once ran the minute's events, so the next order was accepted in the drill and
    refused in the replay, which replays only accepted orders)."""
    s = seated(tmp_path)
    u = at_a_shift_start(s)
    with pytest.raises(OrderRefused):
        s.order(BP, "recall", unit=u.params.id)  # nothing to recall: refused, changes nothing
    s.order(BP, "hold", unit=u.params.id)  # its shift has started at this minute
    for _ in range(3):
        s.step()
    s.save()
    config, logged = read_drill(s.out_dir)
    again = replay(s.world, s.seed, config, logged, {BP, POLICE}, tmp_path / "again", "test")
    got = again.model.log.to_arrow().to_pandas()
    cols = ["t", "agency", "detail", "unit"]
    drill_orders = logged[logged.kind == "order"][cols].reset_index(drop=True)
    assert len(drill_orders) == 1
    pd.testing.assert_frame_equal(got[got.kind == "order"][cols].reset_index(drop=True), drill_orders)


def test_a_refused_order_then_an_inject_of_the_same_minute_replays_to_the_drills_own_log(tmp_path):
    """A refused order runs the minute's due events (a shift starting) before it is checked, so a
    trainer's inject of that minute comes after them; the all-human replay, which does not replay
    refusals, settles where the refusal was and gives the drill's log back row for row (it put
    the inject before the shift rows)."""
    refused_then_inject_replays(tmp_path, "dispatch", {"unit": 9999, "node": 1}, "no unit 9999")


def refused_then_inject_replays(tmp_path, action: str, args: dict, says: str) -> None:
    """At a shift start, `action` with `args` is refused saying `says`; a trainer's inject of the
    same minute then comes after the minute's shift rows (the refusal ran them first), and the
    all-human replay gives the drill's log back row for row."""
    s = seated(tmp_path)
    u = at_a_shift_start(s)
    with pytest.raises(OrderRefused, match=re.escape(says)):
        s.order(BP, action, **args)
    s.inject("weather", factor=0.5, duration_hours=1.0)
    for _ in range(3):
        s.step()
    s.save()
    config, logged = read_drill(s.out_dir)
    assert says in logged[logged.kind == "order_refused"].reason.iloc[-1]  # logged as refused
    minute = logged[logged.t == u.params.shift_offset_min].kind.tolist()
    assert minute.index("inject") > minute.index("shift_start")  # the refusal ran the shift starts first
    again = replay(s.world, s.seed, config, logged, {BP, POLICE}, tmp_path / "again", "test")
    got = again.model.log.to_arrow().to_pandas()

    def comparable(ev):
        ev = ev[~ev.kind.isin(["order_refused", "look"])][[c for c in got.columns if c not in ("seq", "source")]]
        return ev[ev.t <= logged.t.max()].reset_index(drop=True)

    pd.testing.assert_frame_equal(comparable(got), comparable(logged))


def test_the_counterfactual_of_an_interrupted_drill_stops_where_the_drill_stopped(tmp_path):
    """A drill stopped at minute 300 of 1,440 is compared with the standard procedure over the
    same 300 minutes (it ran on to the horizon: 5 hours of team play against 24 of standard)."""
    s = seated(tmp_path)
    while s.now < 300:
        s.step()
    s.save()
    cf = pq.read_table(counterfactual(s.out_dir) / "events").to_pandas()
    assert cf.t.max() <= 300 and not (cf.kind == "run_end").any()
    assert cf.t.max() >= 290  # it did run up to there


def test_orders_from_two_seats_in_the_same_tick_keep_one_ordered_clock(tmp_path):
    s = seated(tmp_path)
    until_incident(s)
    until_incident(s, POLICE)
    s.speed = 50.0
    s.play()
    start = threading.Barrier(2)
    done: list[str] = []

    def seat_orders(seat: str) -> None:
        start.wait()
        for _ in range(15):
            pic = s.picture(seat)
            free = [u.id for u in pic.units if u.free]
            waiting = [i for i in pic.incidents if i.unit < 0]
            try:
                if free and waiting:
                    s.order(seat, "dispatch", unit=free[0], incident=waiting[0].id)
                elif free:
                    s.order(seat, "hold", unit=free[0])
                s.look(seat, "ack", alert=pic.alerts[0].id) if pic.alerts else None
            except OrderRefused:
                pass  # the picture was a tick old: refused and logged, never half done
        done.append(seat)

    threads = [threading.Thread(target=seat_orders, args=(seat,)) for seat in (BP, POLICE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s.pause()
    assert sorted(done) == [BP, POLICE]
    ev = pq.read_table(s.out_dir / "events").to_pandas().sort_values("seq")
    assert (np.diff(ev.t.to_numpy()) >= 0).all()  # one clock, never out of order
    acts = ev[ev.kind.isin(["order", "order_refused"])]
    assert set(acts.seat) == {BP, POLICE} and len(acts) >= 4
    # replaying the logged orders at their logged minutes gives the same run back
    config, logged = read_drill(s.out_dir)
    again = replay(s.world, s.seed, config, logged, {BP, POLICE}, tmp_path / "again", "test")
    # the paused run has not yet handled what falls due at the pause minute itself (the next
    # tick would), the replay has: compare everything before it, and every order
    got = again.model.log.to_arrow().to_pandas()
    orders = ["t", "agency", "detail", "unit", "incident"]
    assert (
        got[got.kind == "order"][orders]
        .reset_index(drop=True)
        .equals(ev[ev.kind == "order"][orders].reset_index(drop=True))
    )
    # the replay gives the accepted orders again, not the refused ones (a refusal changes nothing but
    # its own log row): none of the replayed orders is refused, and every other row is the same
    assert not (got.kind == "order_refused").any()
    skip = ["look", "order_refused"]
    same = ev[(ev.t < s.now) & ~ev.kind.isin(skip)].drop(columns=["seq", "source", "told"])
    got = got[(got.t < s.now) & ~got.kind.isin(skip)].drop(columns=["seq", "source", "told"])
    same, got = same.reset_index(drop=True), got.reset_index(drop=True)
    assert got.equals(same.drop(columns=["replication", "seed"]))


def test_the_trainer_pauses_everyone_and_a_paused_seat_may_still_give_orders(tmp_path):
    s = seated(tmp_path)
    inc = until_incident(s)
    s.speed = 20.0
    s.play()
    assert s.picture(BP).playing and s.picture(POLICE).playing
    s.pause()
    stopped = s.now
    assert not s.picture(BP).playing and not s.picture(POLICE).playing
    s.order(BP, "dispatch", unit=inc.hint_unit, incident=inc.id)
    assert s.now == stopped and s.picture(POLICE).now == stopped


def test_the_counterfactual_replays_the_trainers_injects_with_the_automatic_dispatcher(tmp_path):
    """All-auto counterfactual of a drill = the same drill played with no seat deciding and the
    same injects at the same minutes; with every seat kept human it is the drill itself."""
    s = seated(tmp_path)
    inc = until_incident(s)
    s.order(BP, "dispatch", unit=inc.hint_unit, incident=inc.id)
    for _ in range(10):
        s.step()
    s.inject("surge", organisation="coyotes", factor=3.0, duration_hours=2.0)
    for _ in range(10):
        s.step()
    s.inject("comms_outage", agencies=[BP, POLICE], duration_hours=1.0)
    while not s.finished:
        s.step()
    out = counterfactual(s.out_dir)
    assert out == s.out_dir / "counterfactual" / "all-auto"
    auto = pq.read_table(out / "events").to_pandas().drop(columns=["seq", "replication", "seed"])
    world, origin = tri_agency()
    plain = DrillSession(world, 5, tmp_path / "plain", origin)
    ev = events(s)
    for row in ev[ev.kind == "inject"].itertuples():
        while plain.now < row.t:
            plain.step()
        params = {"surge": {"organisation": "coyotes", "factor": 3.0, "duration_hours": 2.0}}.get(
            row.detail, {"agencies": [BP, POLICE], "duration_hours": 1.0}
        )
        plain.inject(row.detail, **params)
    while not plain.finished:
        plain.step()
    assert auto.equals(events(plain).drop(columns=["seq"]))
    attempts = lambda e: e[e.kind == "attempt"][["t", "attempt", "size", "cargo"]].reset_index(drop=True)  # noqa: E731
    assert attempts(auto).equals(attempts(ev))  # the smugglers drew the same
    one = counterfactual(s.out_dir, auto=POLICE)
    kept = pq.read_table(one / "events").to_pandas()
    assert set(kept[kept.kind == "mode"].query("detail == 'human'").agency) == {BP}
    assert (kept[kept.kind == "order"].unit == inc.hint_unit).all() and (kept.kind == "order").sum() == 1
    with pytest.raises(ValueError, match="customs was not a human seat"):
        counterfactual(s.out_dir, auto=CUSTOMS)


# --- pages, rendered without a browser ----------------------------------------------------------
def test_a_seat_page_shows_its_picture_again_after_a_reconnect_and_refuses_an_unknown_token(tmp_path):
    from sim.drill.mapview import MapPainter
    from sim.drill.seat_app import Exercise, SeatPage
    from sim.drill.seats import SeatBook

    s = seated(tmp_path)
    inc = until_incident(s)
    ex = Exercise(s, SeatBook.new(s.seats), MapPainter(s.world))
    assert ex.book.who("not-a-token") is None and ex.book.who(ex.book.token_of(BP)) == BP
    assert len({ex.book.token_of(x) for x in ["trainer", *s.seats]}) == 4

    def shown() -> list[str]:
        _, rc = solara.render(SeatPage(ex, BP), handle_error=False)
        texts = [w.children[0] for w in rc.find(v.Html, class_="seat-incident").widgets]
        assert ex.book.connected()[BP] == 1
        rc.close()
        return texts

    first = shown()
    assert ex.book.connected()[BP] == 0  # gone: not connected
    assert any(f"incident {inc.id}," in t for t in first)
    assert shown() == first  # reconnected: the same picture


def test_a_seat_page_dispatches_from_the_map_and_shows_a_refusal(tmp_path):
    from sim.drill.mapview import MapPainter
    from sim.drill.seat_app import Exercise, SeatBody
    from sim.drill.seats import SeatBook

    s = seated(tmp_path)
    inc = until_incident(s)
    ex = Exercise(s, SeatBook.new(s.seats), MapPainter(s.world))
    _, rc = solara.render(SeatBody(ex, BP), handle_error=False)
    [the_map] = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "markers")]
    ids = {m["id"] for m in the_map.markers}
    assert f"U{inc.hint_unit}" in ids and f"I{inc.id}" in ids
    the_map.vue_marker(f"U{inc.hint_unit}")
    the_map.vue_marker(f"I{inc.id}")
    assert ((events(s).kind == "order") & (events(s).unit == inc.hint_unit)).any()
    rc.find(v.Html, class_="seat-message").assert_single()
    the_map.vue_marker(f"U{inc.hint_unit}")  # busy now: a click on a point is refused in words
    the_map.vue_point({"x": 0.5, "y": 0.5})
    text = rc.find(v.Html, class_="seat-message").widget.children[0]
    assert text.startswith("refused: unit") and "busy" in text
    rc.close()


def test_a_double_click_on_send_sends_once_and_never_closes_the_incident(tmp_path):
    """The send button keeps its place once the unit is sent (disabled): the second click of a
    double click used to land on Close beside it, closing the incident and freeing the unit."""
    from sim.drill.seat_app import Selected

    s = seated(tmp_path)
    inc = until_incident(s)

    def act(action: str, **args) -> None:
        try:
            s.order(BP, action, **args)
        except OrderRefused:
            pass

    def row() -> list:
        _, rc = solara.render(Selected(s.picture(BP), f"I{inc.id}", act, lambda *a: None), handle_error=False)
        buttons = [b for b in rc.find(v.Btn).widgets if b.children and b.children[0] in ("Close", "Acknowledge")
                   or "seat-send-suggested" in (b.class_ or "")]  # fmt: skip
        rc.close()
        return buttons

    first = row()
    assert first[0].children == [f"Send unit {inc.hint_unit}"] and not first[0].disabled
    first[0].click()
    after = row()
    assert [b.children[0] for b in after] == ["Send a unit", "Close", "Acknowledge"] and after[0].disabled
    ev = events(s)
    assert ((ev.kind == "dispatch") & (ev.incident == inc.id)).sum() == 1
    assert not ((ev.kind == "order") & (ev.detail.str.contains("close", na=False))).any()
    assert any(i.id == inc.id for i in s.picture(BP).incidents)


def test_the_dispatch_form_answers_an_incomplete_form_or_a_bad_cell_without_an_order(tmp_path):
    from sim.drill.seat_app import DispatchForm

    s = seated(tmp_path)
    until_incident(s)
    said: list[str] = []
    orders: list[dict] = []
    _, rc = solara.render(
        DispatchForm(s.picture(BP), lambda action, **a: orders.append(a), said.append, s.world.terrain.n_nodes),
        handle_error=False,
    )
    rc.find(v.Btn, children=["Dispatch"]).widget.click()
    unit = next(u.id for u in s.picture(BP).units if u.free)
    rc.find(v.Select, label="unit").widget.v_model = str(unit)
    rc.find(v.Select, label="to").widget.v_model = "a cell"
    for typed in ("abc", "-5", "1²"):
        rc.find(v.TextField, label="cell").widget.v_model = typed
        rc.find(v.Btn, children=["Dispatch"]).widget.click()
    rc.find(v.TextField, label="cell").widget.v_model = "12"
    rc.find(v.Btn, children=["Dispatch"]).widget.click()
    rc.close()
    assert said[0] == "not sent: choose a unit and where to send it"
    assert said[1:] == [
        f"not sent: cell {t!r} is not a cell number; allowed: 0..{s.world.terrain.n_nodes - 1}"
        for t in ("abc", "-5", "1²")
    ]
    assert orders == [{"unit": unit, "node": 12}]


def test_the_review_shows_each_agencys_orders_and_the_counterfactual_beside_the_team(tmp_path):
    from analysis.aar import build_aar
    from analysis.seats import compare, seat_summary

    s = seated(tmp_path)
    inc = until_incident(s)
    for _ in range(3):
        s.step()
    s.order(BP, "dispatch", unit=inc.hint_unit, incident=inc.id)
    with pytest.raises(OrderRefused):
        s.order(BP, "recall", unit=next(u.id for u in s.picture(BP).units if u.free))
    while not s.finished:
        s.step()
    counterfactual(s.out_dir)
    ev = pq.read_table(s.out_dir / "events").to_pandas()
    table = seat_summary(ev).set_index("seat")
    assert list(table.index) == ["border patrol", "local police"]
    bp = table.loc["border patrol"]
    assert (bp["dispatch orders"], bp["refused"]) == (1, 1)
    alert_t = ev[(ev.kind == "alert") & (ev.alert == inc.alerts[0])].t.iloc[0]
    order_t = ev[ev.kind == "order"].t.iloc[0]
    assert bp["alert to order, mean (min)"] == f"{order_t - alert_t:.1f}"
    auto = pq.read_table(s.out_dir / "counterfactual" / "all-auto" / "events").to_pandas()
    totals, differ = compare(ev, auto)
    assert totals.team.sum() == totals["standard procedure"].sum() == (ev.kind == "attempt").sum()
    assert len(differ) > 0  # two seats that sent one unit in a day: the standard procedure did otherwise
    page = build_aar(s.out_dir, 0, [600.0]).read_text()
    assert "Seats: the orders of each agency" in page and f"dispatch unit {inc.hint_unit} to incident {inc.id}" in page
    assert "Counterfactual (all-auto): the standard procedure in place of every human seat" in page


def test_the_review_credits_each_dispatch_only_with_what_its_unit_did_before_its_next_order():
    """A dispatch recalled before arriving did not arrive, even if the same unit is sent to the
    same incident again later; an interdiction at an incident is credited to the dispatch of the
    unit that made it, not to every dispatch to that incident."""
    from analysis.seats import order_outcomes, seat_summary
    from sim.recorder import Recorder

    r = Recorder()
    r.record(0, "run_start", duration_min=1440.0)
    r.record(0, "mode", agency=BP, detail="human")
    r.record(5, "alert", alert=0, agency=BP, attempt=7, source="ground")
    r.record(5, "incident_open", incident=5, agency=BP, alert=0)

    def order(t, detail, unit, incident, alert=-1):  # the rows sim/agents/orders.py logs, in its order
        if detail == "dispatch":
            r.record(t, "dispatch", incident=incident, alert=alert, unit=unit, agency=BP, attempt=-1)
        r.record(t, "order", seat=BP, agency=BP, detail=detail, unit=unit, incident=incident, alert=alert, told=2)
        if detail == "recall":
            r.record(t, "unit_free", unit=unit, agency=BP)

    order(10, "dispatch", 1, 5, alert=0)
    order(15, "recall", 1, 5)
    order(20, "dispatch", 2, 5, alert=0)
    r.record(40, "arrival", incident=5, unit=2, agency=BP)
    r.record(45, "interdiction", attempt=7, unit=2, agency=BP, incident=5, size=3, source="response")
    r.record(90, "alert", alert=1, agency=BP, attempt=-1, source="ground")
    r.record(90, "incident_open", incident=6, agency=BP, alert=1)
    order(100, "dispatch", 3, 6, alert=1)
    order(105, "recall", 3, 6)
    order(110, "dispatch", 3, 6, alert=1)
    r.record(130, "arrival", incident=6, unit=3, agency=BP)
    ev = r.to_arrow().to_pandas()

    outcome = order_outcomes(ev).outcome.tolist()
    assert outcome == [
        "did not arrive (recalled, diverted or under way)",
        "done",
        "interdicted group 7",
        "did not arrive (recalled, diverted or under way)",
        "done",
        "arrived after 20 min, nobody found",
    ]
    bp = seat_summary(ev).set_index("seat").loc["border patrol"]
    assert (bp["dispatch orders"], bp["recall orders"], bp["interdictions by its dispatches"]) == (4, 2, 1)


def test_a_unit_processing_an_apprehension_is_refused_without_being_told_to_recall_it(tmp_path):
    """A unit busy with an arrest can be neither sent nor recalled; the refusal says it frees itself."""
    s = seated(tmp_path)
    busy = None
    while busy is None and not s.finished:
        s.step()
        busy = next((u for u in s.model.units if u.params.agency == BP and u.task and u.task.kind == "process"), None)
    assert busy is not None
    unit = busy.params.id
    with pytest.raises(OrderRefused, match=f"unit {unit} is busy \\(processing an apprehension\\): it is free again"):
        s.order(BP, "dispatch", unit=unit, node=int(busy.node_at(s.now)))
    with pytest.raises(OrderRefused, match=f"unit {unit} has no order to recall \\(processing an apprehension\\)"):
        s.order(BP, "recall", unit=unit)


def test_nothing_is_logged_after_the_drill_is_over(tmp_path):
    """A seat's page stays open after the horizon: its clicks log nothing (the log ends with
    run_end) and its orders are refused."""
    s = seated(tmp_path)
    while not s.finished:
        s.step()
    before = events(s)
    alert = int(before[(before.kind == "alert") & (before.agency == BP)].alert.iloc[-1])
    s.look(BP, "open", alert=alert)  # one of its alerts: logged while the drill runs
    with pytest.raises(OrderRefused, match="over"):
        s.order(BP, "hold", unit=0)
    ev = events(s)
    assert len(ev) == len(before) and ev.kind.iloc[-1] == "run_end"


def test_a_closed_incident_is_refused_as_closed_after_newer_incidents_opened(tmp_path):
    """A centre drops its closed incidents from its list when the next one opens; an order about
    one is still refused as closed (it was 'no incident N', logged so), and a look at it is
    accepted as before it was dropped (it was refused)."""
    s = seated(tmp_path)
    inc = until_incident(s)
    s.order(BP, "close", incident=inc.id)
    while not [i for i in s.picture(BP).incidents if i.id != inc.id] and not s.finished:
        s.step()
    assert inc.id not in [i.id for i in s.model.coordination.centres[BP].incidents]  # pruned
    for action, args in (("dispatch", {"unit": inc.hint_unit, "incident": inc.id}), ("close", {"incident": inc.id})):
        with pytest.raises(OrderRefused, match=f"incident {inc.id} is closed"):
            s.order(BP, action, **args)
    s.look(BP, "open", incident=inc.id)  # looking at a closed incident is allowed, listed or not
    refused = events(s).query("kind == 'order_refused'")
    assert list(refused.reason) == [f"incident {inc.id} is closed"] * 2


def test_an_automatic_centres_seat_may_open_its_alerts_and_is_told_it_only_watches(tmp_path):
    """A seat watching an automatic centre opens its alerts (looks logged), and a share is refused
    because the centre is automatic, not as an alert it never received."""
    s = seated(tmp_path, human=(BP,))
    centre = s.model.coordination.centres[POLICE]
    while not centre.received and not s.finished:
        s.step()
    assert centre.received, "the police centre received no alert"
    alert = next(iter(centre.received))
    s.look(POLICE, "open", alert=alert)
    with pytest.raises(OrderRefused, match="decided automatically"):
        s.order(POLICE, "share", alert=alert, partner=BP)
    ev = events(s)
    assert len(ev[(ev.kind == "look") & (ev.alert == alert) & (ev.seat == POLICE)]) == 1
    assert "decided automatically" in ev[ev.kind == "order_refused"].reason.iloc[-1]


@pytest.mark.parametrize(
    "action, args, says",
    [
        ("dispatch", {"unit": "0", "incident": 0}, "unit: got '0'"),
        ("dispatch", {"unit": True, "incident": 0}, "unit: got True"),
        ("dispatch", {"unit": 0, "node": 490.5}, "node: got 490.5"),
        ("dispatch", {"unit": 0, "incident": 0, "foo": 1}, "unexpected keyword argument 'foo'"),
        ("recall", {}, "missing a required argument: 'unit'"),
        ("share", {"alert": 0, "partner": None}, "partner: got None"),
        ("close", {"incident": None}, "incident: got None"),
    ],
)
def test_a_malformed_order_is_refused_and_logged_and_the_drill_replays_to_its_own_log(tmp_path, action, args, says):
    """An order whose arguments are missing, unknown or not whole numbers is refused with what is
    wrong (it raised TypeError, logged nothing, and an inject of that minute then replayed before
    the minute's shift rows), and the all-human replay gives the drill's log back."""
    refused_then_inject_replays(tmp_path, action, args, says)


def test_a_kept_seats_shares_follow_the_alert_when_another_seat_is_made_automatic(tmp_path):
    """Alert ids shift once a seat decides otherwise; a replayed share goes to the alert the kept
    centre received at the logged cell about the logged group (it was replayed by id: refused as
    never received, or another alert shared)."""
    s = seated(tmp_path)
    centre, shared = s.model.coordination.centres[POLICE], set()
    while s.now < 1000 and not s.finished:
        s.step()
        for aid in [a for a in centre.received if a not in shared and s.now > 300]:
            shared.add(aid)
            s.order(POLICE, "share", alert=aid, partner=BP)
    s.save()
    drill = events(s)
    cf = pq.read_table(counterfactual(s.out_dir, auto=BP) / "events").to_pandas()

    def received(ev):
        alerts = ev[(ev.kind == "alert") & (ev.agency == POLICE)]
        return dict(zip(alerts.alert, zip(alerts.node, alerts.attempt)))

    def shares(ev):
        return ev[(ev.kind == "order") & (ev.detail == "share")]

    assert len(shares(drill)) > 5
    by_id = received(cf)
    replayed = shares(cf)
    assert all(by_id[r.alert] == (r.node, r.attempt) for r in replayed.itertuples())  # the same alert as the drill's
    drill_at = {(r.t, r.node, r.attempt): r.alert for r in shares(drill).itertuples()}
    assert any(drill_at[(r.t, r.node, r.attempt)] != r.alert for r in replayed.itertuples())  # renumbered
    gone = cf[(cf.kind == "order_refused") & (cf.detail == "share")]
    assert len(replayed) + len(gone) == len(shares(drill)) and len(gone) < len(replayed)
