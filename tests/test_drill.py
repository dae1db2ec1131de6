"""The live drill without a browser: sessions, injects, the feed, and the app's components
rendered with solara's test renderer."""

import re
import threading
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

solara = pytest.importorskip("solara")
import ipyvuetify as v  # noqa: E402
from helpers import inject  # noqa: E402

from sim.config import SCENARIO_DIR, compose  # noqa: E402
from sim.drill.app import Feed, InjectPanel  # noqa: E402
from sim.drill.forms import form_values, inject_form  # noqa: E402
from sim.drill.session import DrillSession  # noqa: E402
from sim.injects import INJECTS  # noqa: E402
from sim.world import build_world  # noqa: E402


@lru_cache(maxsize=1)
def tri_agency():
    c = compose(["scenario=tri_agency", "scenario.horizon_days=1"])
    return build_world(c.scenario, c.origin, str(SCENARIO_DIR)), c.origin


def new_session(tmp_path: Path, name: str = "drill", seed: int = 5) -> DrillSession:
    world, origin = tri_agency()
    return DrillSession(world, seed, tmp_path / name, origin)


def saved_events(session: DrillSession):
    return pq.read_table(session.out_dir / "events").to_pandas()


def default_form(session: DrillSession, type_: str) -> dict:
    """The values the inject form offers first for `type_`, with the required choices a trainer
    must make filled in (two agencies for a comms outage, a sector, a group to tip about)."""
    out = {}
    for f in inject_form(type_, session):
        out[f.name] = f.default
        if f.kind == "group":
            out[f.name] = str(session.active_groups()[0][0])
        elif f.kind == "choices" and f.name == "agencies":
            out[f.name] = list(f.options[:2])
        elif f.kind == "choice" and not f.default:
            out[f.name] = f.options[1]
    return out


def test_every_registered_inject_has_a_form_and_lands_in_the_feed_and_the_saved_log(tmp_path):
    s = new_session(tmp_path)
    for _ in range(40):  # 400 minutes: groups on the move to tip about
        s.step()
    assert s.active_groups()
    names = []
    for type_ in INJECTS.names():
        names.append(s.inject(type_, **form_values(type_, default_form(s, type_))))
        assert any(f"  inject {names[-1]} ({type_.replace('_', ' ')}) started" in line for line in s.feed)
    ev = saved_events(s)  # written at once, before any further step
    injects = ev[ev.kind == "inject"]
    assert list(injects.source) == names
    assert (injects.t == s.now).all()
    assert set(injects.detail) == set(INJECTS.names())


@pytest.mark.parametrize("seed", [1, 3])
def test_live_injects_give_the_log_of_the_same_injects_written_in_the_scenario(tmp_path, seed):
    """A trainer's inject at minute m changes the run exactly as the same inject written in the
    scenario file for minute m (weather must reach encounters drawn before it was made)."""
    import dataclasses

    from sim.model import BorderModel

    world, origin = tri_agency()
    plan = [
        (240.0, "sensor_outage", {"sector": "S2", "duration_hours": 1.0}),
        (300.0, "weather", {"factor": 0.0, "duration_hours": 4.0}),
        (600.0, "surge", {"organisation": "coyotes", "factor": 3.0, "duration_hours": 2.0}),
    ]
    injects = {f"trainer-{k + 1}-{typ}": inject(typ, start_hours=t / 60.0, **kw) for k, (t, typ, kw) in enumerate(plan)}
    scripted_world = dataclasses.replace(world, scenario=dataclasses.replace(world.scenario, injects=injects))
    scripted = BorderModel(scripted_world, seed).run().to_arrow().to_pandas()
    live = DrillSession(world, seed, tmp_path / "live", origin)
    for t, typ, kw in plan:
        while live.now < t:
            live.step()
        live.inject(typ, **kw)
    while not live.finished:
        live.step()
    got = saved_events(live).drop(columns=["replication", "seed"])
    assert len(got[got.kind == "inject"]) == 3
    weather = (got.t >= 300) & (got.t < 540)
    assert not ((got.kind == "detection") & weather).any()  # blind for four hours: nobody sees anything
    assert got.drop(columns=["seq"]).equals(scripted.drop(columns=["seq"]))


def test_a_live_inject_at_any_minute_is_applied_and_logged_at_once(tmp_path):
    s = new_session(tmp_path)
    for _ in range(25):  # minute 250: 250 / 60 * 60 is not 250 in floating point
        s.step()
    s.inject("sensor_outage", sector="S1", duration_hours=1.0)
    ev = saved_events(s)
    start = ev[ev.kind == "inject"]
    assert list(start.t) == [250.0]
    assert "down" in s.view().map.sensor_state


def test_no_injects_once_the_drill_is_over(tmp_path):
    s = new_session(tmp_path)
    while not s.finished:
        s.step()
    n = len(s.model.log)
    with pytest.raises(ValueError, match="the drill is over"):
        s.inject("weather", factor=0.5)
    assert len(s.model.log) == n and saved_events(s).kind.iloc[-1] == "run_end"


def test_the_play_thread_ends_with_the_drill_and_says_so(tmp_path):
    s = new_session(tmp_path)
    s.speed = 1000.0
    before = s.revision
    s.play()
    deadline = time.monotonic() + 120
    while not s.finished and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    view = s.view()
    assert view.finished and not view.playing and s.revision > before and view.error == ""


def test_the_counters_are_the_metrics_of_the_log_so_far_and_cannot_be_confused(tmp_path):
    from sim.metrics import summarize

    s = new_session(tmp_path)
    s.step()
    s.inject("decoy", organisation="coyotes", count=6, duration_hours=0.0)
    for _ in range(60):
        s.step()
    summary = summarize(s.model.log.to_arrow())
    counters = s.view().counters
    assert list(counters) == [
        "attempts",
        "groups detected",
        "detection events",
        "interdicted",
        "got away",
        "alerts (first-hand)",
        "alerts shared (copies sent)",
        "shared alerts lost",
    ]
    same = {"attempts": "attempts", "detection events": "detections", "interdicted": "interdicted"}
    same |= {"got away": "got_away", "alerts (first-hand)": "alerts", "alerts shared (copies sent)": "alerts_shared"}
    assert {k: counters[k] for k in same} == {k: summary[m] for k, m in same.items()}
    assert counters["shared alerts lost"] == summary["alerts_lost"]
    assert summary["decoys"] == 6 and counters["attempts"] == summary["attempts"]
    ev = s.model.log.to_arrow().to_pandas()
    decoys = set(ev[(ev.kind == "attempt") & (ev.cargo == "decoy")].attempt)
    seen = ev[(ev.kind == "detection") & ~ev.attempt.isin(decoys)]
    assert counters["groups detected"] == seen.attempt.nunique() < counters["detection events"] == len(seen)
    assert all(isinstance(v, int) for v in counters.values())


def test_a_tip_alerts_the_agency_about_the_group_where_it_is(tmp_path):
    s = new_session(tmp_path)
    for _ in range(40):
        s.step()
    group, node = s.active_groups()[0]
    assert node == s.model.attempts[group].timeline.node_at(s.now) and node != s.model.attempts[group].origin
    s.inject("tip", duration_hours=0.0, agency="local_police", attempt=group)
    ev = saved_events(s)
    tip = ev[(ev.kind == "alert") & (ev.source == "tip")]
    assert len(tip) >= 1
    assert set(tip.attempt) == {group} and set(tip.node) == {node} and (tip.t == s.now).all()
    assert "local_police" in set(tip.origin)
    gone = next(a for a in s.model.attempts.values() if not a.active)
    with pytest.raises(ValueError, match=f"attempt: unknown attempt {gone.attempt_id}; allowed: "):
        s.inject("tip", duration_hours=0.0, agency="local_police", attempt=gone.attempt_id)


def test_a_bad_inject_is_refused_with_the_key_and_the_allowed_values(tmp_path):
    s = new_session(tmp_path)
    with pytest.raises(ValueError) as err:
        s.inject("comms_outage", agencies=["border_patrol", "coast_guard"])
    msg = str(err.value)
    assert "trainer-1-comms_outage.agencies" in msg and "coast_guard" in msg
    assert "allowed: border_patrol, customs, local_police" in msg
    with pytest.raises(ValueError, match="sector.*allowed: S1, S2, S3"):
        s.inject("sensor_outage", sector="S9")
    towers = sum(x.params.group == "towers" for x in s.model.sensors)
    for beyond in (f"towers:{towers}", "towers:-1", "towers:x"):  # it was logged in force, taking nothing down
        with pytest.raises(ValueError, match=f"unknown sensor '{beyond}'; allowed: .*towers:0..{towers - 1}"):
            s.inject("sensor_outage", sensors=[beyond])
    assert not any(" inject " in line for line in s.feed)
    assert s.model.injects == {}
    s.step()  # the model runs on unharmed


def test_a_live_sensor_outage_takes_the_sector_down_for_its_window(tmp_path):
    s = new_session(tmp_path)
    s.step()
    s.inject("sensor_outage", sector="S2", duration_hours=1.0)
    in_s2 = [
        i
        for i, x in enumerate(s.model.sensors)
        if s.world.terrain.sector_names[s.world.terrain.sector[x.params.node]] == "S2"
    ]
    assert in_s2
    states = s.map_state().sensor_state
    assert all(states[i] == "down" for i in in_s2)
    assert sum(st == "down" for st in states) == len(in_s2)
    for _ in range(7):
        s.step()
    assert all(s.map_state().sensor_state[i] != "down" for i in in_s2)  # back up after the hour


def test_injects_while_playing_never_race_the_steps(tmp_path):
    s = new_session(tmp_path)
    s.speed = 200.0
    s.play()
    errors = []

    def trainer():
        try:
            for k in range(30):
                s.inject("weather", duration_hours=0.5, factor=0.8 if k % 2 else 1.2)
        except Exception as exc:  # noqa: BLE001  (any error is the failure)
            errors.append(exc)

    threads = [threading.Thread(target=trainer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    last_start = max(chosen.params.start_hours * 60 for chosen in s.model.injects.values())
    deadline = time.monotonic() + 120
    while s.now < last_start + 40 and time.monotonic() < deadline:  # every window over, still playing
        time.sleep(0.02)
    s.pause()
    assert not errors and not s.playing and s.now >= last_start + 40
    ev = saved_events(s)
    assert (np.diff(ev.t.to_numpy()) >= 0).all()  # one clock, never interleaved out of order
    starts = ev[ev.kind == "inject"]
    assert len(starts) == 60 and starts.source.is_unique
    ends = ev[ev.kind == "inject_end"].set_index("source").t
    assert np.allclose(ends.reindex(starts.source).to_numpy(), starts.t.to_numpy() + 30.0)


def test_two_sessions_are_independent(tmp_path):
    a, b = new_session(tmp_path, "a"), new_session(tmp_path, "b")
    for _ in range(30):
        a.step()
    a.inject("surge", organisation="coyotes", factor=4.0, duration_hours=3.0)
    for _ in range(30):
        a.step()
    assert b.now == 0.0 and b.model.injects == {}
    for _ in range(60):
        b.step()
    a.save(), b.save()
    ev_a, ev_b = saved_events(a), saved_events(b)
    assert (ev_b.kind == "inject").sum() == 0
    extra = ev_a[(ev_a.kind == "attempt")].attempt.nunique() - ev_b[(ev_b.kind == "attempt")].attempt.nunique()
    assert extra > 0  # the surge added groups to a's drill only
    same = ev_a[ev_a.t < 300].drop(columns=["seq"]).reset_index(drop=True)  # before the surge: one seed, one run
    assert same.equals(ev_b[ev_b.t < 300].drop(columns=["seq"]).reset_index(drop=True))


def test_a_finished_drill_saves_a_log_the_aar_reads(tmp_path):
    from analysis.aar import build_aar

    s = new_session(tmp_path)
    s.inject("weather", factor=0.5, duration_hours=2.0)
    while not s.finished:
        s.step()
    ev = saved_events(s)
    assert ev.kind.iloc[-1] == "run_end"
    page = build_aar(s.out_dir, 0, [600.0, 600.5, 600.0]).read_text()
    assert "trainer-1-weather" in page
    # one image per minute asked for: 600.5 is not written over 600, and 600 twice is once
    assert page.count("<img src='replay_600.png'>") == 1 and page.count("<img src='replay_600.5.png'>") == 1
    assert "Replay at minute 600.5 (" in page


def test_the_aar_of_a_drill_stopped_early_ends_where_the_drill_stopped(tmp_path):
    """A trainer stops most drills long before the scenario's horizon: the review's replays, its
    open injects and its --at check end at the minute played to, not at the horizon."""
    from analysis.aar import build_aar, end_of_run
    from analysis.evidence import inject_windows

    s = new_session(tmp_path)
    while s.now < 60:
        s.step()
    s.inject("sensor_outage", sector="S2", duration_hours=10.0)  # still on when the drill stops
    s.inject("comms_outage", agencies=["border_patrol", "customs"], duration_hours=10.0)
    while s.now < 180:
        s.step()
    s.pause()  # saves the log so far
    stop, horizon = s.now, s.world.scenario.horizon_days * 1440.0
    ev = saved_events(s)
    assert not (ev.kind == "run_end").any() and stop < horizon
    end = end_of_run(s.out_dir, ev)
    assert end == stop
    windows = inject_windows(ev, end)
    assert windows.end.tolist() == [stop, stop]  # the outages were on to the end of the drill
    page = build_aar(s.out_dir, 0).read_text()
    assert f"replay_{stop / 4:g}.png" in page and f"replay_{stop / 2:g}.png" in page
    from matplotlib.text import Text

    from analysis.aar import chains, read_run, replay_map
    from analysis.labels import clock
    from analysis.timeline import timeline_pages

    events, plans = read_run(s.out_dir, 0)
    texts = [t.get_text() for t in replay_map(s.out_dir, events, plans, stop / 2, end).findobj(Text)]
    assert any(f"(until {clock(stop)})" in t for t in texts), texts  # not the horizon's day 2 00:00
    [timeline] = timeline_pages(chains(events), events, windows, end=end)
    assert timeline.axes[0].get_xlim()[1] == stop
    with pytest.raises(ValueError, match=f"stopped at minute {stop:g}"):
        build_aar(s.out_dir, 0, [stop + 60.0])


# --- components, rendered without a browser ----------------------------------------------------
def test_inject_panel_starts_the_chosen_inject_and_reports_it(tmp_path):
    s = new_session(tmp_path)
    s.step()
    _, rc = solara.render(InjectPanel(s, s.view()), handle_error=False)
    types = rc.find(v.Select, label="type").widget
    assert set(types.items) == set(INJECTS.names())
    types.v_model = "weather"
    rc.find(v.TextField, label="factor (×)").widget.v_model = "0.25"
    rc.find(v.Btn, children=["Inject now"]).widget.click()
    rc.find(children=["injected trainer-1-weather at day 1 00:10"]).assert_single()
    assert s.model.injects["trainer-1-weather"].params.factor == 0.25
    assert s.model.weather == {"trainer-1-weather": 0.25}
    rc.close()


def test_a_double_click_on_inject_now_fires_the_inject_once(tmp_path, monkeypatch):
    """Two weather injects at one minute multiply: a double click fired the second by mistake.
    A tick may fall between the two clicks while the drill plays: the same inject within a
    couple of seconds is refused too. Once the clock has moved and the moment passed, it fires."""
    import sim.drill.app as app

    s = new_session(tmp_path)
    _, rc = solara.render(InjectPanel(s, s.view()), handle_error=False)
    rc.find(v.Select, label="type").widget.v_model = "weather"
    button = rc.find(v.Btn, children=["Inject now"]).widget
    button.click()
    button.click()
    text = rc.find(v.Html, class_="drill-inject-message").widget.children[0]
    assert text.startswith("not fired: the same weather inject was fired at day 1 00:00 a moment ago")
    assert list(s.model.injects) == ["trainer-1-weather"]
    s.step()  # a tick between the clicks
    button.click()
    assert list(s.model.injects) == ["trainer-1-weather"]
    monkeypatch.setattr(app, "DOUBLE_CLICK_S", 0.0)  # the moment has passed
    button.click()
    assert list(s.model.injects) == ["trainer-1-weather", "trainer-2-weather"]
    rc.close()


def test_inject_panel_shows_why_an_inject_was_refused(tmp_path):
    s = new_session(tmp_path)
    _, rc = solara.render(InjectPanel(s, s.view()), handle_error=False)
    rc.find(v.Select, label="type").widget.v_model = "comms_outage"
    rc.find(v.Select, label="agencies").widget.v_model = ["border_patrol"]  # a link needs two ends
    rc.find(v.Btn, children=["Inject now"]).widget.click()
    text = rc.find(v.Html, class_="drill-inject-message").widget.children[0]
    assert text.startswith("refused") and "agencies: got 1 values; allowed: exactly 2" in text
    assert s.model.injects == {}
    rc.close()


def test_the_feed_says_what_happened_in_a_trainers_words(tmp_path):
    """Every dispatch, detection and lost alert of the log is in the feed as a sentence naming
    the centre, the unit (with its group) and the group by the ids the map and tip form use."""
    s = new_session(tmp_path)
    for _ in range(30):
        s.step()
    s.inject("comms_outage", agencies=["border_patrol", "local_police"], duration_hours=6.0)
    for _ in range(50):
        s.step()
    feed = "\n".join(s.feed)
    day, hh, mm = map(int, re.match(r"day (\d+) (\d\d):(\d\d)", s.feed[-1]).groups())
    ev = s.model.log.to_arrow().to_pandas()
    ev = ev[ev.t >= (day - 1) * 1440 + hh * 60 + mm + 1]  # the feed keeps the latest FEED_LENGTH lines
    assert (ev.kind == "dispatch").sum() > 5
    group_of = {u.params.id: u.params.group for u in s.model.units}
    for r in ev[ev.kind == "dispatch"].itertuples():
        target = f"group {r.attempt}" if r.attempt >= 0 else f"a false alarm (incident {r.incident})"
        owner = "" if r.unit_agency == r.agency else r.unit_agency.replace("_", " ") + " "
        said = f"{r.agency.replace('_', ' ')} centre sent {owner}unit {r.unit} ({group_of[r.unit]}) to {target}"
        assert said in feed
    for r in ev[(ev.kind == "detection") & (ev.sensor >= 0)].itertuples():
        kind = "tower" if r.source == "tower" else "ground sensor"
        assert f"{kind} {r.sensor} detected group {r.attempt}" in feed
    lost = ev[(ev.kind == "alert_lost") & (ev.source == "comms_down")]
    assert len(lost) > 0
    for r in lost.itertuples():
        about = f"group {r.attempt}" if r.attempt >= 0 else "a false alarm"
        to, by = r.detail.replace("_", " "), r.agency.replace("_", " ")
        said = f"{to} lost an alert shared by {by} about {about}: the link was down"
        assert said in feed
    assert "=" not in feed and "detail" not in feed and "alert_" not in feed  # no column names or event kinds


def test_the_live_map_names_what_it_draws(tmp_path):
    from sim.drill.mapview import MapPainter

    s = new_session(tmp_path)
    for _ in range(40):
        s.step()
    s.inject("comms_outage", agencies=["border_patrol", "local_police"], duration_hours=2.0)
    s.inject("sensor_outage", sector="S2", duration_hours=2.0)
    state = s.view().map
    fig = MapPainter(s.world).draw(state, "test")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for entry in (
        "camera tower",
        "ground sensor",
        "sensor up",
        "sensor alerting (an alert in the last 30 min)",
        "sensor down",
        "coverage (a tower's range, a drone's search area)",
        "border_patrol jurisdiction (the whole home side)",
        "customs jurisdiction",
        "local_police jurisdiction",
    ):
        assert entry in legend
    assert any(t.startswith("border_patrol units on duty (") for t in legend)
    texts = [t.get_text() for t in ax.texts]
    labels = {name for t in texts for line in t.split("\n") for name in line.split(",")}
    on_duty = {f"U{i}" for i, on in zip(state.unit_ids, state.unit_on_duty) if on}
    assert on_duty and on_duty <= labels and not {f"U{i}" for i in state.unit_ids} - on_duty & labels
    assert {f"G{g}" for g in state.group_ids} <= labels and len(state.group_ids) > 0
    assert "comms down: border_patrol \u2194 local_police (until day 1 08:40)" in texts
    assert "down" in state.sensor_state


def test_feed_shows_the_latest_events_in_order(tmp_path):
    s = new_session(tmp_path)
    for _ in range(20):
        s.step()
    lines = s.view().feed
    assert lines and all(re.match(r"day \d+ \d\d:\d\d  \w+", line) for line in lines)
    times = [line.split("  ")[0] for line in lines]
    assert times == sorted(times, reverse=True)  # newest first
    _, rc = solara.render(Feed(lines[:5]), handle_error=False)
    for line in lines[:5]:
        assert len(rc.find(v.Html, children=[line]).widgets) == lines[:5].count(line)
    rc.close()


def test_the_offline_file_list_covers_what_solaras_page_asks_for():
    """Every front-end package the installed Solara's page template loads (Vue 2) is fetched."""
    from sim.drill.assets import PACKAGES

    template = Path(solara.__file__).parent / "server" / "templates" / "solara.html.j2"
    wanted = set(re.findall(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", template.read_text()))
    wanted = {w for w in wanted if "vuetify3" not in w}  # the Vue 3 front end (ipyvue >= 2) is not used
    assert wanted and wanted <= set(PACKAGES)


@pytest.mark.parametrize(
    "type_,field,typed",
    [
        ("weather", "factor", "nan"),
        ("weather", "factor", "abc"),
        ("weather", "duration_hours", "1e9"),
        ("surge", "factor", "1e6"),
        ("decoy", "count", "100000"),
        ("decoy", "count", "2.5"),
        ("tip", "node", "-7"),
    ],
)
def test_a_trainers_typo_is_refused_in_the_form_and_fires_nothing(tmp_path, type_, field, typed):
    """A value out of its declared range or of the wrong type: refused with the key and what is
    allowed; no default fired, no exception, the drill goes on."""
    s = new_session(tmp_path)
    while not s.active_groups():  # a tip needs a group on the move
        s.step()
    values = {**default_form(s, type_), field: typed}
    with pytest.raises(ValueError) as err:
        s.inject(type_, **form_values(type_, values))
    assert f".{field}" in str(err.value) and ("allowed" in str(err.value) or "expected" in str(err.value))
    assert s.model.injects == {} and not (saved_events(s).kind == "inject").any()
    before = s.now
    s.step()
    assert s.now == before + s.world.scenario.tick_min


def test_the_inject_panel_refuses_a_typo_without_an_exception(tmp_path):
    s = new_session(tmp_path)
    _, rc = solara.render(InjectPanel(s, s.view()), handle_error=False)
    rc.find(v.Select, label="type").widget.v_model = "weather"
    rc.find(v.TextField, label="factor (×)").widget.v_model = "nan"
    rc.find(v.Btn, children=["Inject now"]).widget.click()
    text = rc.find(v.Html, class_="drill-inject-message").widget.children[0]
    assert text.startswith("refused") and "factor: got nan; allowed: a finite number" in text
    assert s.model.injects == {}
    rc.close()


def test_pause_stops_the_clock_within_one_tick(tmp_path):
    s = new_session(tmp_path)
    s.speed = 20.0
    s.play()
    time.sleep(0.5)
    clicked_at = s.now
    s.pause()
    assert not s.playing and s.now <= clicked_at + s.world.scenario.tick_min
    stopped = s.now
    time.sleep(0.3)
    assert s.now == stopped


@pytest.mark.parametrize("port", ["-1", "0", "99999", "abc"])
def test_a_port_the_server_cannot_listen_on_is_refused_before_anything_starts(port, capsys):
    from sim.drill.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(["--port", port])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "argument --port" in err and "1..65535" in err and "Traceback" not in err


def test_human_seats_without_seats_are_refused(capsys):
    from sim.drill.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(["--human", "border_patrol"])
    assert exit_.value.code == 2 and "--human border_patrol" in capsys.readouterr().err


def test_a_decoy_that_cannot_walk_across_is_refused_and_one_that_can_walks(tmp_path):
    """Decoys walk. An organisation whose cargo goes another way (here: a mode that breaches a
    fence that closes the whole border on foot) sends none: a trainer's decoy is refused with the
    key (it was launched to a destination it could never reach, and stood still). Where some
    staging area reaches a destination on foot, every decoy leaves from one and arrives."""
    c = compose(
        [
            "scenario.horizon_days=1",
            "scenario.modes.foot.breaches_barriers=false",
            "+scenario.modes.climber={offroad_kmh: 3, road_kmh: 4, breaches_barriers: true}",
            "scenario.barriers.port_fence.to_km=40",
            *(
                f"scenario.organisations.{o}.cargo.{k}.mode=climber"
                for o, k in [("cartel", "people"), ("cartel", "drugs")]
            ),
            "scenario.organisations.coyotes.cargo.people.mode=climber",
        ]
    )
    world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    s = DrillSession(world, 1, tmp_path / "fenced", c.origin)
    with pytest.raises(
        ValueError, match="trainer-1-decoy.organisation: cartel's groups cannot walk to any destination"
    ):
        s.inject("decoy", organisation="cartel", count=2)
    open_world, origin = tri_agency()
    s = DrillSession(open_world, 1, tmp_path / "open", origin)
    s.inject("decoy", organisation="coyotes", count=5)
    decoys = [a for a in s.model.attempts.values() if a.cargo == "decoy"]
    for _ in range(200):
        s.step()
    assert len(decoys) == 5 and all(a.crossed for a in decoys)


def test_a_drones_take_offs_and_landings_are_said_once_in_the_feed(tmp_path):
    """A drone's landing and take-off are one sentence each (its sensor_down / sensor_up); its
    `flight` rows (the schedule, logged up or down) add no bare 'flight' line."""
    c = compose(
        [
            "scenario=tri_agency",
            "scenario.horizon_days=1",
            "scenario.sensors.uas={type: drone, agency: border_patrol, count: 1}",
        ]
    )
    s = DrillSession(build_world(c.scenario, c.origin, str(SCENARIO_DIR)), 5, tmp_path / "drill", c.origin)
    lines = []
    for hour, said in ((3, "landed (its flight window closed)"), (20, "took off (its flight window opened)")):
        while s.now < hour * 60:  # past the landing at 02:30, then the take-off at 19:00 (the defaults)
            s.step()
        assert any(said in line for line in s.feed)
        lines += s.feed
    assert (s.model.log.to_arrow().to_pandas().kind == "flight").sum() >= 3
    assert not any(line.endswith("  flight") for line in lines)


def test_an_inject_keys_fixed_values_are_a_choice_and_typed_keys_say_what_is_allowed(tmp_path):
    """A plug-in inject whose key has fixed allowed values gets a drop-down of them (it was a free
    text box), a typed key's help gives its range, and the chosen value reaches the inject."""
    from dataclasses import dataclass

    from sim.injects.base import Inject, InjectParams
    from sim.params import param

    @dataclass(frozen=True)
    class DustParams(InjectParams):
        severity: str = param("light", choices=("light", "heavy"), doc="How bad.")
        visibility_km: float = param(2.0, gt=0, le=50, unit="km", doc="How far one sees.")

    class Dust(Inject):
        name = "dust_storm"
        Params = DustParams

        def apply(self) -> None:
            pass

    with INJECTS.added(Dust):
        s = new_session(tmp_path)
        fields = {f.name: f for f in inject_form("dust_storm", s)}
        assert (fields["severity"].kind, fields["severity"].options) == ("choice", ("light", "heavy"))
        assert fields["visibility_km"].kind == "text" and "Allowed: > 0 and ≤ 50" in fields["visibility_km"].help
        name = s.inject("dust_storm", **form_values("dust_storm", {"severity": "heavy", "visibility_km": "0.5"}))
    row = saved_events(s).query("kind == 'inject'").iloc[-1]
    assert (row.source, row.detail) == (name, "dust_storm")
