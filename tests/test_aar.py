"""After-action review: built from files alone, and its replay matches the model."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis.aar import (
    agency_summary,
    agency_table,
    build_aar,
    chains,
    drill_questions,
    positions_at,
    read_run,
    replay_map,
    sensor_states_at,
    situation_at,
)
from analysis.evidence import evidence, inject_windows
from analysis.maps import read_terrain, run_map
from analysis.timeline import MARKS, OUTCOME_LINES, timeline_pages
from sim.config import SCENARIO_DIR, compose
from sim.model import BorderModel
from sim.questions import parse_question
from sim.runner import Experiment, run_experiment, write_parquet_atomic
from sim.world import build_world


def test_replayed_positions_equal_what_the_model_reported(tmp_path):
    c = compose(["scenario=drill_night_surge", "scenario.horizon_days=1"])  # a sector dark at 21-25 h
    world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    model = BorderModel(world, 4)
    reported, sensors_down, active, on_duty = {}, {}, {}, {}
    for t in (300.0, 480.0, 600.0, 610.0, 960.0, 1300.0):  # 480, 600, 960: shifts end and start
        while model.now < t:
            model.step()
        reported[t] = {("unit", u.params.id): u.node_at(t) for u in model.units}
        on_duty[t] = {u.params.id for u in model.units if u.on_duty_at(t)}  # what the live maps show between ticks
        reported[t].update(
            {
                ("attempt", a.attempt_id): a.timeline.node_at(t)
                for a in model.attempts.values()
                if a.active and a.cargo != "decoy" and not a.timeline.nodes.size == 0
            }
        )
        sensors_down[t] = {s.params.id for s in model.sensors if not s.is_up(np.array([t]))[0]}
        cols = model.log.columns
        seen = {a for k, a in zip(cols["kind"], cols["attempt"]) if k == "detection"}
        active[t] = {
            a.attempt_id: a.attempt_id in seen
            for a in model.attempts.values()
            if a.active and a.cargo != "decoy" and a.timeline.start <= t
        }
    while model.running:
        model.step()
    write_parquet_atomic(model.plans.to_arrow(), tmp_path / "plans.parquet")
    plans = pq.read_table(tmp_path / "plans.parquet").to_pandas()  # from the file alone
    ev = model.log.to_arrow().to_pandas()
    port_groups = set(ev[(ev.kind == "attempt") & ev.detail.str.startswith("port>")].attempt)
    compared = []
    for t, truth in reported.items():
        replay = {(r.mover, r.id): r.node for r in positions_at(plans, t).itertuples()}
        truth = {k: v for k, v in truth.items() if not (k[0] == "attempt" and k[1] in port_groups)}
        assert len(truth) > 20
        assert {k: replay.get(k) for k in truth} == truth
        units, groups = situation_at(ev, plans, t)  # what the replay map draws
        assert {("unit", i): n for i, n in zip(units.id, units.node)} == {
            k: v for k, v in truth.items() if k[0] == "unit" and k[1] in on_duty[t]
        }
        assert 0 < len(units) < len(model.units)  # off-duty units are not drawn
        assert units.agency.tolist() == [model.unit(i).params.agency for i in units.id]
        on_land = {k: v for k, v in active[t].items() if k not in port_groups}
        compared.extend(on_land.values())
        assert {k: v for k, v in zip(groups.id, groups.detected) if k not in port_groups} == on_land
        states = sensor_states_at(ev, t)
        assert set(states[states.state == "down"].sensor) == sensors_down[t]
    assert any(sensors_down.values()) and len(compared) > 5 and any(compared) and not all(compared)


def test_aar_from_a_real_run_has_every_part(tmp_path):
    c = compose(["scenario=tri_agency", "scenario.horizon_days=1"])
    run_dir = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), run_dir, 2, 1, 1))
    page = build_aar(run_dir, 0, [300, 900]).read_text()
    for part in (
        "Per agency",
        "border_patrol",
        "customs",
        "local_police",
        "timelines.png",
        "replay_300.png",
        "replay_900.png",
        "crossing \u2192 first detection (min)",
    ):
        assert part in page
    assert all((run_dir / "aar" / f).stat().st_size > 10_000 for f in ("timelines.png", "replay_300.png"))
    ev = pq.read_table(run_dir / "events").to_pandas()
    ch = chains(ev)
    per_agency = agency_summary(ev[ev.replication == 0])
    counts = agency_table(ev[ev.replication == 0])[["alerts received", "false alarms", "dispatches", "interdictions"]]
    assert counts.map(lambda v: re.fullmatch(r"\d[\d,]*", v) is not None).all().all()  # integers, not 93.0
    # per centre, alerts raised first-hand and their false alarms add up to the run's metrics;
    # copies passed on by liaison are received but not raised again
    summary = pd.read_parquet(run_dir / "summary.parquet").iloc[0]
    assert per_agency["first-hand"].sum() == summary.alerts < per_agency["alerts received"].sum()
    assert per_agency["false alarms"].sum() == summary.false_alarms
    arrived = per_agency[per_agency.arrivals > 0]
    assert len(arrived) >= 2 and (arrived["mean dispatch to arrival (min)"] > 0).all()
    done = ch[ch.result == "interdiction"]
    assert len(done) > 0 and (done.outcome >= done.start).all()
    assert (ch["first_alert->first_dispatch"].dropna() >= 0).all()


def test_a_run_with_no_alert_still_has_a_review(tmp_path):
    """A short run in which no group is seen: the review says so instead of failing."""
    c = compose(["scenario=displacement", "scenario.horizon_days=0.02", "scenario.corridors.measure_from_day=0"])
    run_dir = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), run_dir, 1, 1, 1))
    ev = pq.read_table(run_dir / "events").to_pandas()
    assert not ev.kind.isin(["alert", "dispatch"]).any()  # the case this test is about
    table = agency_summary(ev)  # the agency that has assets, with nothing to count
    assert list(table.index) == ["border_patrol"] and (table[["alerts received", "dispatches"]] == 0).all().all()
    page = build_aar(run_dir, 0).read_text()
    assert "Per agency" in page


def test_a_groups_first_arrival_is_the_first_unit_sent_for_it_that_got_there():
    """The review's 'first dispatch -> first arrival' link: a recalled first dispatch does not end
    the chain; the arrival of a unit sent later for the same group, to another incident, does."""
    from sim.recorder import Recorder

    r = Recorder()
    r.record(0, "run_start", duration_min=1440.0)
    r.record(0, "attempt", attempt=7, size=3, cargo="people", source="cartel")
    r.record(10, "dispatch", incident=5, alert=0, unit=1, agency="bp", attempt=7)
    r.record(15, "unit_free", unit=1, agency="bp")  # recalled
    r.record(20, "dispatch", incident=6, alert=1, unit=2, agency="bp", attempt=7)
    r.record(35, "arrival", incident=6, unit=2, agency="bp")
    r.record(50, "arrival", incident=5, unit=3, agency="bp")  # another unit, sent for something else
    ch = chains(r.to_arrow().to_pandas())
    assert (ch.loc[7, "first_dispatch"], ch.loc[7, "first_arrival"]) == (10, 35)
    assert ch.loc[7, "first_dispatch->first_arrival"] == 25


def test_scripted_drill_runs_unattended_and_its_aar_shows_questions_and_injects(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "drill"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.run",
            "scenario=drill_night_surge",
            f"hydra.run.dir={out}",
            "scenario.horizon_days=1.25",
            "quiet=true",
            "map=false",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    page = build_aar(out, 0, [1290]).read_text()
    assert "Drill questions" in page and "radio was down" in page
    for name in ("surge_night", "towers_dark", "radio_down"):
        assert name in page
    ev = pq.read_table(out / "events").to_pandas()
    cut = ev[(ev.kind == "alert_lost") & (ev.source == "comms_down")]
    assert len(cut) > 0 and cut.t.between(1320, 1499.999).all()  # lost to the cut link only while it was down

    # each shipped question names its evidence, and the review shows it under the question
    assert "class='problem'" not in page and "[inject" not in page
    assert page.count("<b>Evidence</b>") == 3
    assert "inject towers_dark (sensor outage): day 1 21:00 to day 2 01:00 (minutes 1260-1500); sector S2" in page
    nodes, _ = read_terrain(out)
    sector = nodes.sector.to_numpy()
    radio, towers = (parse_question(q) for q in drill_questions(out)[1:])
    lost = evidence(radio, ev, nodes).lists["alerts lost"]
    assert len(lost) == len(cut[(cut.detail == "local_police") | (cut.agency == "local_police")]) > 0
    assert set(lost.why) == {"link down (comms outage)"}  # nothing else was lost on that link then
    e = evidence(towers, ev, nodes)
    crossed = ev[(ev.kind == "crossed") & ev.t.between(1260, 1500)]
    in_s2 = crossed[sector[crossed.node] == "S2"]
    assert list(e.lists["crossings"].group) == [f"group {a}" for a in in_s2.attempt] and len(in_s2) > 0
    assert all(not d.startswith("0 of") for d in e.lists["crossings"]["its sensors down"])  # the towers were dark
    assert e.counts["crossings"] == len(in_s2) and e.counts["crossings while a sensor of their sector was down"] > 0

    # the timeline: every attempt, a legend entry for every marker, line colour and inject window
    ch = chains(ev)
    pages = timeline_pages(ch, ev, inject_windows(ev), per_page=25)
    assert len(pages) == -(-len(ch) // 25) >= 2
    drawn = [t.get_text() for fig in pages for t in fig.axes[0].get_yticklabels() if t.get_text().startswith("#")]
    assert sorted(int(t[1:].split()[0]) for t in drawn) == sorted(ch.index)
    for fig in pages:
        ax = fig.axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert {label for *_, label in MARKS} <= set(legend)
        assert {f"line: start to {lab}" for _, lab in OUTCOME_LINES.values()} <= set(legend)
        assert [t for t in legend if t.startswith("inject ")] == [
            "inject surge_night (surge): day 1 20:00 to day 2 02:00",
            "inject towers_dark (sensor outage): day 1 21:00 to day 2 01:00",
            "inject radio_down (comms outage): day 1 22:00 to day 2 01:00",
        ]
        assert ax.get_ylabel().startswith("attempt") and ax.get_xlabel() == "minutes from the start"
    injects_table = page.split("<h2>Injects</h2>")[1].split("</table>")[0]
    assert injects_table.count("<tr") == 4  # one header row, three injects

    # the maps: unit bases by agency with their ids, jurisdictions, the radio outage
    units = ev[(ev.kind == "asset") & (ev.unit >= 0) & (ev.replication == 0)]
    for fig, comms in (
        (run_map(out), "comms down: border_patrol \u2194 local_police, day 1 22:00 to day 2 01:00"),
        (
            replay_map(out, *read_run(out, 0), 1390.0),
            "comms down: border_patrol \u2194 local_police (until day 2 01:00)",
        ),
    ):
        ax = fig.axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert {f"{a} jurisdiction" for a in ("customs", "local_police")} <= set(legend)
        assert "border_patrol jurisdiction (the whole home side)" in legend
        assert comms in [t.get_text() for t in ax.texts]
    legend = [t.get_text() for t in run_map(out).axes[0].get_legend().get_texts()]
    for agency, n in units[units.source == "unit:vehicle"].groupby("agency").size().items():
        assert f"{agency} vehicle unit base ({n})" in legend
    texts = [t.get_text() for t in run_map(out).axes[0].texts]
    assert {n for t in texts for line in t.split("\n") for n in line.split(",")} >= {f"U{u}" for u in units.unit}


def test_a_question_names_its_evidence_in_a_tag():
    q = parse_question("[agency local_police 20-26.5h] Who heard what?")
    assert (q.text, q.agency, q.hours, q.inject, q.sector, q.problem) == (
        "Who heard what?",
        "local_police",
        (20, 26.5),
        "",
        "",
        "",
    )
    q = parse_question("[inject towers_dark sector S2] Where?")
    assert (q.inject, q.sector, q.hours) == ("towers_dark", "S2", None)
    plain = parse_question("No tag here?")
    assert plain.text == "No tag here?" and not plain.about and not plain.problem
    for bad, why in (
        ("[agency] x", "cannot read 'agency'"),
        ("[unit 5] x", "cannot read 'unit'"),
        ("[26-20h] x", "the end must come after the start"),
        ("[sector S1 sector S2] x", "'sector' named twice"),
    ):
        q = parse_question(bad)
        assert why in q.problem and q.text == bad and not q.about


def test_the_review_counts_decoys_apart_as_every_metric_does(tmp_path):
    """A decoy inject's groups are not attempts (sim/metrics.py): the review's attempt table, its
    per-agency interdictions and a question's evidence leave them out, and count them apart."""
    from sim.metrics import summarize

    c = compose(
        [
            "scenario=tri_agency",
            "scenario.horizon_days=1",
            "+scenario.injects.lure={type: decoy, organisation: coyotes, count: 40, start_hours: 5}",
        ]
    )
    run_dir = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), run_dir, 5, 1, 1))
    ev = pq.read_table(run_dir / "events").to_pandas()
    summary = summarize(ev)
    decoys = set(ev[(ev.kind == "attempt") & (ev.cargo == "decoy")].attempt)
    assert len(decoys) == 40 and summary["decoys_interdicted"] > 0
    ch = chains(ev)
    assert len(ch) == summary["attempts"] and not decoys & set(ch.index)
    per_agency = agency_summary(ev)
    assert per_agency.interdictions.sum() == summary["interdicted"]
    assert per_agency["decoys interdicted"].sum() == summary["decoys_interdicted"]
    nodes, _ = read_terrain(run_dir)
    e = evidence(parse_question("[0-24h] what did the decoys cost us?"), ev, nodes)
    real = ~ev.attempt.isin(decoys)
    assert e.counts["attempts started"] == summary["attempts"]
    assert e.counts["interdictions"] == ((ev.kind == "interdiction") & real).sum()
    assert e.counts["got away"] == ((ev.kind == "got_away") & real).sum()
    assert e.counts["decoys started"] == 40 and e.counts["decoys interdicted"] == summary["decoys_interdicted"]


@pytest.mark.parametrize("policy", ["isolated", "joint_command", "task_force"])
def test_the_review_credits_every_interdiction_to_an_agency(tmp_path, policy):
    """The review's per-agency interdictions are credited as `interdicted.<agency>` is (to the
    unit's or port's agency) and add up to the run's under every policy: a joint centre or a task
    force dispatches members' units, and an agency may arrest without an alert of its own."""
    from sim.metrics import summarize

    c = compose(["scenario=tri_agency", "scenario.horizon_days=1", f"scenario.coordination.policy={policy}"])
    run_dir = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), run_dir, 7, 1, 1))
    ev = pq.read_table(run_dir / "events").to_pandas()
    summary = summarize(ev)
    per_agency = agency_summary(ev).interdictions
    assert summary["interdicted"] > 0 and per_agency.sum() == summary["interdicted"]
    for name, n in per_agency.items():
        assert n == summary.get(f"interdicted.{name}", 0), name


@pytest.mark.parametrize("policy", ["joint_command", "task_force"])
def test_an_agency_question_counts_its_units_under_a_shared_centre(tmp_path, policy):
    """`[agency NAME]` is one definition under every policy: dispatches by the agency's centre or
    of its units, interdictions by its units or after its centre's dispatches. Under a joint
    centre the agency's units are dispatched by `joint` (the question counted none of them, and
    said nothing about the agency having no centre); a task force's own question counts what its
    dispatches led to (its units belong to the member agencies)."""
    c = compose(["scenario=tri_agency", "scenario.horizon_days=1", f"scenario.coordination.policy={policy}"])
    run_dir = tmp_path / "run"
    run_experiment(Experiment(c.scenario, c.origin, str(SCENARIO_DIR), run_dir, 1, 1, 1))
    ev = pq.read_table(run_dir / "events").to_pandas()
    nodes, _ = read_terrain(run_dir)
    units = ev[(ev.kind == "asset") & (ev.unit >= 0)]
    police = set(units[units.agency == "local_police"].unit)
    e = evidence(parse_question("[agency local_police] What did the police do?"), ev, nodes)
    police_dispatches = ev[(ev.kind == "dispatch") & ev.unit.isin(police)]
    assert e.counts["dispatches"] == len(police_dispatches) > 0
    assert e.counts["interdictions"] == ((ev.kind == "interdiction") & (ev.agency == "local_police")).sum()
    if policy == "joint_command":
        assert any("local_police has no command centre" in p for p in e.problems)
    else:
        shared = ev[(ev.kind == "dispatch") & (ev.agency == "task_force")]
        e = evidence(parse_question("[agency task_force] What did the task force do?"), ev, nodes)
        assert e.counts["dispatches"] == len(shared) > 0
        after = ev[(ev.kind == "interdiction") & ev.incident.isin(set(shared.incident))]
        assert e.counts["interdictions"] == len(after) > 0


def test_an_inject_without_an_end_row_lasts_its_logged_duration():
    """A decoy or a tip of duration 0 logs no inject_end: its window is its instant (it was
    stretched to the end of the run, and a question about it counted the rest of the run). A
    window still open at the horizon, or at the minute a drill was stopped, ends there."""
    from sim.recorder import Recorder

    r = Recorder()
    r.record(0, "run_start", duration_min=2880.0)
    r.record(600, "inject", source="d0", detail="decoy", duration_min=0.0)
    r.record(700, "inject", source="late", detail="surge", duration_min=3000.0)
    r.record(800, "inject", source="cut", detail="sensor_outage", duration_min=240.0)
    r.record(900, "inject", source="done", detail="weather", duration_min=60.0)
    r.record(960, "inject_end", source="done", detail="weather")
    ev = r.to_arrow().to_pandas()
    whole = inject_windows(ev).set_index("name")
    assert whole.loc["d0", ["start", "end"]].tolist() == [600.0, 600.0]
    assert whole.loc["late", "end"] == 2880.0 and whole.loc["done", "end"] == 960.0
    assert whole.loc["cut", "end"] == 1040.0  # its end is not in this log, but it is due within the run
    stopped = inject_windows(ev[ev.t <= 1000], end=1000.0).set_index("name")
    assert stopped.loc["cut", "end"] == 1000.0 and stopped.loc["late", "end"] == 1000.0


def test_at_the_horizon_a_unit_whose_shift_ends_then_is_on_duty_as_the_log_ends():
    """Nothing runs at the horizon: a shift ending exactly then has no shift_end row, so the replay
    shows its unit on duty at the last minute, and so must the live maps (they dropped it)."""
    c = compose(
        [
            "scenario=drill_night_surge",
            "scenario.horizon_days=1",
            "scenario.units.bp_vehicle.shift_hours=8",  # shifts from 0, 480, 960: one ends at 1440
            "scenario.units.bp_foot.shift_hours=8",
        ]
    )
    world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    ending_free = 0
    for seed in range(1, 13):  # until the case in question comes (the units are busy on most nights)
        if ending_free:
            break
        model = BorderModel(world, seed)
        while model.running:
            model.step()
        end = model.world.horizon_min
        live = {u.params.id for u in model.units if u.on_duty_at(end)}
        units, _ = situation_at(model.log.to_arrow().to_pandas(), model.plans.to_arrow().to_pandas(), end)
        assert set(units.id) == live
        ending_free += sum(u.shift_end == end and u.task is None for u in model.units)
    assert ending_free > 0  # the case in question: a free unit's shift ends at the horizon
