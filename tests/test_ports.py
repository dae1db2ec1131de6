"""Ports of entry (sim/agents/ports.py) against queueing theory and the referral model.

The ports run here in a tiny stand-in model (a SimPy clock, named streams and an event log, the
only parts of BorderModel a port uses), so these tests do not depend on the rest of the engine.
"""

import math
import re
import warnings
from dataclasses import replace

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from port_harness import PortModel, legit, port_spec, run_port
from scipy import stats
from validation_checks import assert_agrees, port_jackson_network, port_primary_erlang_c

from sim.agents.ports import legitimate_arrivals, referral_threshold, risk_shift
from sim.assets import PortParams
from sim.metrics import port_metrics, summarize
from sim.recorder import Recorder
from sim.scenario import AgencySpec, PortSpec, ScenarioSpec
from sim.terrain import KindProps
from sim.terrain.io import from_networkx
from sim.validation import ScenarioError, check_against_terrain, check_spec
from sim.world import place_ports


# --- closed forms -------------------------------------------------------------------------
def assert_binomial(k: int, n: int, p: float) -> None:
    assert n > 0
    se = math.sqrt(p * (1 - p) / n)
    assert abs(k / n - p) < 4 * se, f"simulated {k / n:.4f} vs model {p:.4f} (n={n}, 4 SE={4 * se:.4f})"


# --- queueing -----------------------------------------------------------------------------
@pytest.mark.parametrize("cars_per_min, lanes", [(2.1, 3), (1.7, 2)])
def test_primary_queue_matches_erlang_c(cars_per_min, lanes):
    assert_agrees(port_primary_erlang_c(cars_per_min, lanes))


def test_primary_queue_matches_erlang_c_near_saturation():
    """Load 0.95 on one lane: Erlang C's 19-minute mean wait once the queue has settled (it starts
    empty and takes about a day to; a 3-day mean is some 15% lower: docs/validation.md)."""
    assert_agrees(port_primary_erlang_c(0.95, 1, days=20, replications=16, warm_up_days=2))


@pytest.mark.parametrize("referral, secondary_min", [(0.1, 5.0), (0.25, 3.0)])
def test_time_in_port_matches_jackson_network(referral, secondary_min):
    assert_agrees(port_jackson_network(referral, secondary_min))


def busy(starts: np.ndarray, ends: np.ndarray) -> int:
    """The most intervals [start, end) open at once."""
    marks = sorted([(t, 1) for t in starts] + [(t, -1) for t in ends])  # an end before a start at equal times
    level = top = 0
    for _, step in marks:
        level += step
        top = max(top, level)
    return top


def test_the_port_table_is_a_fifo_network_and_keeps_littles_law():
    spec = port_spec(
        cars_per_day=2400,
        trucks_per_day=600,
        hourly_profile=PortSpec().hourly_profile,
        primary_lanes=4,
        primary_truck_min=2.5,
        referral_rate=0.08,
        secondary_lanes=3,
        secondary_min=15.0,
    )
    model, port, ev, v = run_port(spec, 5, days=4, smugglers_per_day=50)
    horizon = model.horizon_min
    assert (v.attempt >= 0).sum() > 150 and len(v) > 10_000
    # FIFO: booths are reached in arrival order, never before arrival, at most `lanes` at once
    by_arrival = v.sort_values(["arrival", "vehicle"])
    reached = by_arrival.dropna(subset=["primary_start"])
    assert (np.diff(reached.primary_start.to_numpy()) >= 0).all() and (reached.primary_start >= reached.arrival).all()
    assert busy(reached.primary_start.to_numpy(), reached.primary_end.fillna(horizon).to_numpy()) <= 4
    sec = v.dropna(subset=["secondary_start"]).sort_values("primary_end")
    assert (np.diff(sec.secondary_start.to_numpy()) >= -1e-9).all() and (sec.secondary_start >= sec.primary_end).all()
    assert busy(sec.secondary_start.to_numpy(), sec.secondary_end.fillna(horizon).to_numpy()) <= 3
    left = v.dropna(subset=["exit"])
    assert np.allclose(left.exit, np.where(left.referred, left.secondary_end, left.primary_end))
    # the smuggling vehicles' event rows say what the table says
    smug = v[v.attempt >= 0].set_index("attempt")
    at_lane = ev[ev.kind == "port_primary"].set_index("attempt")
    assert np.allclose(at_lane.t, smug.primary_start[at_lane.index])
    assert np.allclose(at_lane.duration_min, (smug.primary_start - smug.arrival)[at_lane.index])
    out = ev[ev.kind.isin(["port_exit", "port_seizure"])].set_index("attempt")
    assert np.allclose(out.t, smug.exit[out.index]) and set(out.index) == set(smug.dropna(subset=["exit"]).index)
    # Little's law over [0, T]: time-average number in port = arrival rate x mean time in port
    T = horizon - 180
    inside = v[v.arrival < T]
    arr, dep = np.sort(inside.arrival.to_numpy()), np.sort(inside.exit.fillna(np.inf).to_numpy())
    grid = np.sort(np.concatenate([arr, dep[dep < T], [0.0, T]]))
    n_at = np.searchsorted(arr, grid[:-1], side="right") - np.searchsorted(dep, grid[:-1], side="right")
    L = float(np.sum(n_at * np.diff(grid))) / T
    lam, W = len(inside) / T, float((inside.exit.fillna(np.inf).clip(upper=T) - inside.arrival).mean())
    assert L > 3.0
    assert L == pytest.approx(lam * W, rel=1e-9)  # exact over [0, T] with times cut at T


def test_arrivals_follow_the_hourly_profile():
    profile = PortSpec().hourly_profile
    spec = port_spec(cars_per_day=2000, trucks_per_day=500, hourly_profile=profile, primary_lanes=6)
    v = legit(run_port(spec, 8, days=4)[3])
    n, expected_n = len(v), 2500 * 4
    assert abs(n - expected_n) < 4 * math.sqrt(expected_n)  # Poisson count
    observed = np.bincount((v.arrival // 60 % 24).astype(int), minlength=24)
    assert stats.chisquare(observed, n * np.array(profile) / sum(profile)).pvalue > 0.001
    assert_binomial(int((v.kind == "truck").sum()), n, 0.2)


# --- referral and scanning ----------------------------------------------------------------
def referral_counts(ev: pd.DataFrame, v: pd.DataFrame, model: PortModel) -> tuple[int, int, int, int]:
    """(legit referred, legit through primary, smuggling referred, smuggling finished)."""
    finished = {a for a, _, _ in model.finished}
    lv = legit(v).dropna(subset=["primary_end"])
    ref = ev[ev.kind == "port_referral"]
    assert set(ref.attempt) <= set(ev[ev.kind == "port_primary"].attempt)
    k_smug = int(ref.attempt.isin(finished).sum())
    return int(lv.referred.sum()), len(lv), k_smug, len(finished)


def test_random_referral_ignores_cargo():
    spec = port_spec(cars_per_day=2000, primary_lanes=4, secondary_lanes=6, referral="random", referral_rate=0.15)
    model, _, ev, v = run_port(spec, 3, days=3, smugglers_per_day=600)
    k_l, n_l, k_s, n_s = referral_counts(ev, v, model)
    assert n_l > 5000 and n_s > 1500
    assert_binomial(k_l, n_l, 0.15)
    assert_binomial(k_s, n_s, 0.15)


@pytest.mark.parametrize("quality", [0.8, 0.95])
def test_risk_referral_matches_the_normal_score_model(quality):
    rate = 0.05
    threshold, d = referral_threshold(rate), risk_shift(quality)
    assert stats.norm.cdf(d / math.sqrt(2)) == pytest.approx(quality)  # the AUC of the two score laws
    assert stats.norm.sf(threshold) == pytest.approx(rate)
    spec = port_spec(
        cars_per_day=2000, primary_lanes=4, secondary_lanes=6, referral="risk", referral_rate=rate, risk_quality=quality
    )
    model, _, ev, v = run_port(spec, 4, days=3, smugglers_per_day=600)
    k_l, n_l, k_s, n_s = referral_counts(ev, v, model)
    assert_binomial(k_l, n_l, rate)
    assert_binomial(k_s, n_s, stats.norm.sf(threshold - d))  # P(N(d, 1) > threshold): 0.32, 0.69


def test_risk_quality_one_half_is_random_and_one_refers_every_smuggler():
    for quality, p in ((0.5, 0.1), (1.0, 1.0)):
        spec = port_spec(
            cars_per_day=1500,
            primary_lanes=4,
            secondary_lanes=6,
            referral="risk",
            referral_rate=0.1,
            risk_quality=quality,
        )
        model, _, ev, v = run_port(spec, 6, days=2, smugglers_per_day=400)
        _, _, k_s, n_s = referral_counts(ev, v, model)
        if p == 1.0:
            assert k_s == n_s > 500
        else:
            assert_binomial(k_s, n_s, p)


def test_scanner_finds_hidden_cargo_of_referred_vehicles_only():
    spec = port_spec(
        cars_per_day=1000,
        primary_lanes=4,
        secondary_lanes=8,
        referral="random",
        referral_rate=0.5,
        scanner_detect_prob=0.7,
    )
    model, port, ev, v = run_port(spec, 2, days=3, smugglers_per_day=800)
    seized = {a for a, s, _ in model.finished if s}
    assert all(node == port.params.node for _, _, node in model.finished)
    referred = set(ev[(ev.kind == "port_referral") & (ev.detail == "smuggling")].attempt)
    finished_referred = referred & {a for a, _, _ in model.finished}
    assert seized <= referred  # never found without secondary inspection
    assert_binomial(len(seized), len(finished_referred), 0.7)
    # one terminal event per finished attempt, agreeing with what the model was told
    sz, ex = ev[ev.kind == "port_seizure"], ev[(ev.kind == "port_exit") & (ev.attempt >= 0)]
    assert set(sz.attempt) == seized and set(ex.attempt) == {a for a, s, _ in model.finished if not s}
    assert (sz.quantity_kg == 40.0).all() and (sz.cargo == "drugs").all() and len(ex) + len(sz) == len(model.finished)
    assert set(v[v.seized].attempt) == seized and not legit(v).seized.any()  # no legitimate vehicle is "seized"
    m = port_metrics(ev, v)
    assert (m["port_seizures"], m["port_smuggling_passed"]) == (len(seized), len(ex))


def test_legitimate_traffic_is_common_to_policies_and_untouched_by_smugglers():
    base = port_spec(cars_per_day=2500, trucks_per_day=400, primary_lanes=4, referral_rate=0.1)
    a = run_port(base, 9, days=1)[3]
    b = run_port(replace(base, referral="risk", risk_quality=0.9), 9, days=1)[3]
    assert a.equals(b)  # the same legitimate vehicles are referred, and served, under both rules
    c = legit(run_port(base, 9, days=1, smugglers_per_day=300)[3])
    assert len(a) > 2500 and np.array_equal(a.arrival, c.arrival) and np.array_equal(a.referred, c.referred)
    assert not (a.primary_start.fillna(0) == c.primary_start.fillna(0)).all()  # smugglers do share the queue
    d = run_port(base, 10, days=1)[3]
    assert not np.array_equal(a.arrival[:100], d.arrival[:100])


# --- metrics ------------------------------------------------------------------------------
def vehicle_table(rows: list[dict]) -> pd.DataFrame:
    defaults = dict(
        port="pe",
        kind="car",
        attempt=-1,
        lane=0,
        primary_start=np.nan,
        primary_end=np.nan,
        referred=False,
        secondary_start=np.nan,
        secondary_end=np.nan,
        exit=np.nan,
        seized=False,
    )
    return pd.DataFrame([{**defaults, "vehicle": i, **r} for i, r in enumerate(rows)])


def test_port_metrics_definitions():
    r = Recorder()
    r.record(0, "run_start", duration_min=100.0)
    r.record(
        0,
        "asset",
        agency="ofo",
        source="port",
        node=3,
        detail="pe",
        capital_usd=1e6,
        opex_usd_per_day=100,
        lifetime_years=25,
    )
    r.record(3, "port_primary", node=3, agency="ofo", source="pe", detail="car", attempt=7, duration_min=2.0)
    r.record(6, "port_referral", node=3, agency="ofo", source="pe", detail="smuggling", attempt=7)
    r.record(
        9,
        "port_seizure",
        node=3,
        agency="ofo",
        source="pe",
        detail="car",
        attempt=7,
        duration_min=6.0,
        cargo="drugs",
        size=2,
        quantity_kg=40.0,
    )
    r.record(100, "run_end", duration_min=100.0)
    v = vehicle_table(
        [
            dict(arrival=1, primary_start=1, primary_end=2, exit=4),  # waits 0, in port 3
            dict(
                arrival=2, primary_start=6, primary_end=7, referred=True, secondary_start=7, secondary_end=11, exit=11
            ),
            dict(
                arrival=1,
                attempt=7,
                primary_start=3,
                primary_end=6,
                referred=True,
                secondary_start=6,
                secondary_end=9,
                exit=9,
                seized=True,
            ),
            dict(arrival=4, primary_start=10),  # waits 6, still in primary at the horizon
            dict(arrival=5, primary_start=15),  # waits 10
            dict(arrival=99),  # never reached a booth
        ]
    )
    s = summarize(r.to_arrow(), pa.Table.from_pandas(v, preserve_index=False))
    counts = ("port_vehicles", "port_secondary_legit", "port_seizures", "port_smuggling_passed", "port_queued_at_end")
    assert tuple(s[k] for k in counts) == (2, 1, 1, 0, 1)  # the vehicle that never reached a booth is still queued
    assert s["port_wait_min"] == 5.0 and s["port_wait_p50_min"] == 5.0
    assert s["port_wait_p95_min"] == pytest.approx(np.percentile([0, 4, 6, 10], 95))
    assert s["port_time_in_port_min"] == 6.0
    assert s["capital_usd"] == 1e6  # the port's asset row counts in the costs


def test_a_port_no_vehicle_reaches_before_the_horizon_gives_an_empty_table():
    """A quiet port (no traffic, or a horizon shorter than the first arrival) is a valid run: its
    table is empty and its metrics are zero or undefined, not a crash at the end of the run."""
    for spec, days in ((port_spec(cars_per_day=0.0), 1.0), (port_spec(cars_per_day=100.0), 1e-4)):
        _, _, ev, table = run_port(spec, seed=3, days=days)
        assert table.empty and table.referred.dtype == bool
        m = port_metrics(ev, pa.Table.from_pandas(table, preserve_index=False))
        assert m["port_vehicles"] == 0 and math.isnan(m["port_wait_p50_min"])


def test_port_metrics_without_ports():
    r = Recorder()
    r.record(0, "run_start", duration_min=60.0)
    m = port_metrics(r.to_arrow().to_pandas(), None)
    assert m["port_vehicles"] == m["port_seizures"] == m["port_secondary_legit"] == m["port_smuggling_passed"] == 0
    assert math.isnan(m["port_wait_p50_min"]) and math.isnan(m["port_wait_p95_min"])


# --- building ports from a scenario -------------------------------------------------------
def port_terrain(ports=(3, 6)):
    g = nx.Graph()
    for i in range(9):
        g.add_node(
            i,
            x=float(i),
            y=-0.5 if i == 0 else 0.5,
            kind="open",
            side="foreign" if i == 0 else "home",
            sector="S1",
            feature="staging" if i == 0 else ("town" if i == 8 else ("port" if i in ports else "")),
        )
    for i in range(8):
        g.add_edge(i, i + 1, length_km=1.0)
    return from_networkx(g, {"open": KindProps(0.0, 1.0)}, "port corridor")


def build_ports(spec: ScenarioSpec, terrain, origin: str) -> list[PortParams]:
    """The scenario's ports, checked as a world build checks them."""
    check_spec(spec, origin)
    check_against_terrain(spec, terrain, origin)
    return place_ports(spec, terrain, origin)


def scenario(**ports) -> ScenarioSpec:
    return ScenarioSpec(name="p", agencies={"ofo": AgencySpec()}, ports=ports)


def test_build_ports_takes_terrain_ports_in_order_or_explicit_nodes():
    spec = scenario(a=PortSpec(agency="ofo"), b=PortSpec(agency="ofo", node=5), c=PortSpec(agency="ofo"))
    ports = build_ports(spec, port_terrain(), "test")
    assert [(p.id, p.name, p.node, p.agency) for p in ports] == [
        (0, "a", 3, "ofo"),
        (1, "b", 5, "ofo"),
        (2, "c", 6, "ofo"),
    ]
    assert ports[1].spec is spec.ports["b"]
    assert build_ports(scenario(), port_terrain(), "test") == []


@pytest.mark.parametrize(
    "bad,key",
    [
        (dict(node=40), "scenario.ports.x.node"),
        (dict(agency="cbp"), "scenario.ports.x.agency"),
        (dict(primary_lanes=0), "scenario.ports.x.primary_lanes"),
        (dict(secondary_lanes=0), "scenario.ports.x.secondary_lanes"),
        (dict(cars_per_day=-1.0), "scenario.ports.x.cars_per_day"),
        (dict(trucks_per_day=-5.0), "scenario.ports.x.trucks_per_day"),
        (dict(secondary_min=-1.0), "scenario.ports.x.secondary_min"),
        (dict(referral="profiling"), "scenario.ports.x.referral"),
        (dict(referral_rate=1.5), "scenario.ports.x.referral_rate"),
        (dict(scanner_detect_prob=-0.1), "scenario.ports.x.scanner_detect_prob"),
        (dict(risk_quality=0.3), "scenario.ports.x.risk_quality"),
        (dict(risk_quality=1.2), "scenario.ports.x.risk_quality"),
        (dict(hourly_profile=[1.0] * 23), "scenario.ports.x.hourly_profile"),
        (dict(hourly_profile=[0.0] * 24), "scenario.ports.x.hourly_profile"),
        (dict(hourly_profile=[-1.0] + [1.0] * 23), "scenario.ports.x.hourly_profile"),
    ],
)
def test_build_ports_rejects_bad_values(bad, key):
    spec = scenario(ok=PortSpec(agency="ofo"), x=PortSpec(**{"agency": "ofo", **bad}))
    with pytest.raises(ScenarioError) as err:
        build_ports(spec, port_terrain(), "scenarios/p.yaml")
    assert err.value.origin == "scenarios/p.yaml"
    assert len(err.value.problems) == 1 and re.match(re.escape(key) + r"(\[\d+\])?:", err.value.problems[0])
    assert "allowed" in err.value.problems[0]


def test_build_ports_needs_a_terrain_port_for_each_automatic_port():
    spec = scenario(a=PortSpec(agency="ofo"), b=PortSpec(agency="ofo"), c=PortSpec(agency="ofo"))
    with pytest.raises(ScenarioError) as err:
        build_ports(spec, port_terrain(ports=(3, 6)), "test")
    assert [p.split(":")[0] for p in err.value.problems] == ["scenario.ports.c.node"]


def test_a_tip_about_a_group_hidden_in_port_traffic_raises_no_alert():
    """Groups in port traffic do not walk: sensors, patrols and tips never see them (the port's
    inspection is their only risk). A tip about one waiting at primary is logged, and no alert,
    dispatch or search follows."""
    from helpers import corridor_world, inject, posted_unit, run  # noqa: PLC0415

    from sim.params import Chosen  # noqa: PLC0415
    from sim.policies.launch.fixed_rate import FixedRateParams  # noqa: PLC0415

    world = corridor_world(
        attempts_per_day=0,
        horizon_days=0.15,
        port_share=1.0,
        launch=Chosen("fixed_rate", FixedRateParams(per_minute=1 / 60)),
        units={"u": posted_unit(2)},
        scenario_kw=dict(
            ports={
                "p": PortSpec(
                    agency="bp", node=2, primary_car_min=120.0, cars_per_day=0.0, trucks_per_day=0.0, referral_rate=0.0
                )
            },
            injects={"tip0": inject("tip", agency="bp", attempt=0, node=-1, start_hours=1.0)},
        ),
    )
    _, ev = run(world, 1)
    assert "port_primary" in set(ev[ev.attempt == 0].kind) and "inject" in set(ev.kind)
    assert ev[ev.kind.isin(["alert", "dispatch", "search_end"])].empty


def test_every_referred_smuggler_the_table_lets_out_leaves_in_the_event_log():
    """An overloaded port (one lane, load about 2): a smuggling vehicle's primary end is scheduled
    as a delay from its arrival, and the clock's sum can fall a rounding step short of the end
    the table holds. Its referral to secondary must still be made (it once waited for an end
    that never came: no exit, no seizure, its attempt never resolved)."""
    for seed in (1, 2, 3):
        spec = port_spec(primary_lanes=1, cars_per_day=3000.0, referral_rate=1.0, secondary_lanes=50)
        _, _, ev, v = run_port(spec, seed, days=2, smugglers_per_day=200)
        out = v[(v.attempt >= 0) & v.exit.notna()]
        left = set(ev[ev.kind.isin(["port_exit", "port_seizure"])].attempt)
        assert len(out) > 100 and set(out.attempt) <= left, sorted(set(out.attempt) - left)[:5]


@pytest.mark.parametrize("per_day", [5e-324, 1e-310, 2e-305, 1e-304, 1e-300])
def test_a_vanishing_traffic_rate_is_no_traffic_not_a_crash(per_day):
    """A rate so small that its mean gap between vehicles overflows a float is no traffic (it
    raised ZeroDivisionError at the end of the checks, or cast infinite times to hour indices)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        times = legitimate_arrivals(np.random.default_rng(1), per_day, np.ones(24), 30 * 1440.0)
    assert times.size == 0


def test_the_queue_left_at_the_horizon_is_counted_when_lanes_do_not_keep_up():
    """Twice the lane's capacity for a day (one lane, one-minute inspections): the booth serves
    about one vehicle a minute, so about half of the ~2,880 arrivals are still queued at the end:
    port_queued_at_end counts them (the arrivals less the ~1,440 served)."""
    spec = port_spec(cars_per_day=2 * 1440.0, trucks_per_day=0.0, primary_lanes=1, primary_car_min=1.0)
    _, _, ev, table = run_port(spec, seed=2, days=1.0)
    m = port_metrics(ev, pa.Table.from_pandas(table, preserve_index=False))
    arrived = int((table.attempt < 0).sum())
    assert abs(arrived - 2880) < 4 * math.sqrt(2880)
    served = 1440  # the booth is hardly ever idle: about 1,440 random one-minute inspections (sd ~38)
    assert abs(m["port_queued_at_end"] - (arrived - served)) < 4 * math.sqrt(served)
