"""Ports of entry (sim/agents/ports.py) against queueing theory and the referral model.

The ports run here in a tiny stand-in model (a SimPy clock, named streams and an event log, the
only parts of BorderModel a port uses), so these tests do not depend on the rest of the engine.
"""

import math
import re
from dataclasses import replace

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from port_harness import DAY, PortModel, legit, port_spec, run_port
from scipy import stats

from sim.agents.ports import referral_threshold, risk_shift
from sim.assets import PortParams
from sim.metrics import port_metrics, summarize
from sim.recorder import Recorder
from sim.scenario import AgencySpec, PortSpec, ScenarioSpec
from sim.terrain import KindProps
from sim.terrain.io import from_networkx
from sim.validation import ScenarioError, check_against_terrain, check_spec
from sim.world import place_ports


# --- closed forms -------------------------------------------------------------------------
def erlang_c_wait(lam: float, mean_service: float, c: int) -> float:
    """Mean queueing delay of M/M/c (Erlang C)."""
    a = lam * mean_service
    top = a**c / math.factorial(c) * c / (c - a)
    prob_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return prob_wait / (c / mean_service - lam)


def assert_in_ci(samples: list[float], expected: float) -> None:
    m, se = np.mean(samples), stats.sem(samples)
    half = stats.t.ppf(0.995, len(samples) - 1) * se
    assert abs(m - expected) <= half, f"mean {m:.4f} +- {half:.4f} (99% CI) vs analytic {expected:.4f}"
    assert half < 0.2 * expected, f"interval {half:.4f} too wide for {expected:.4f}"


def assert_binomial(k: int, n: int, p: float) -> None:
    assert n > 0
    se = math.sqrt(p * (1 - p) / n)
    assert abs(k / n - p) < 4 * se, f"simulated {k / n:.4f} vs model {p:.4f} (n={n}, 4 SE={4 * se:.4f})"


# --- queueing -----------------------------------------------------------------------------
def test_primary_queue_matches_erlang_c():
    # M/M/3: 2.1 cars per minute, 1 minute each (load 0.7), no secondary
    spec = port_spec(cars_per_day=2.1 * DAY, primary_lanes=3)
    waits = []
    for seed in range(1, 11):
        _, _, ev, _ = run_port(spec, seed, days=3)
        w = legit(ev, "port_primary").duration_min
        assert len(w) > 8500
        waits.append(w.mean())
    assert_in_ci(waits, erlang_c_wait(2.1, 1.0, 3))


def test_time_in_port_matches_jackson_network():
    # primary M/M/3 (load 0.7); a random 10% go on to secondary, M/M/2 (Poisson by Burke's
    # theorem and random thinning), 5 minutes each (load 0.525)
    lam, r = 2.1, 0.1
    spec = port_spec(cars_per_day=lam * DAY, primary_lanes=3, secondary_lanes=2, secondary_min=5.0, referral_rate=r)
    expected = erlang_c_wait(lam, 1.0, 3) + 1.0 + r * (erlang_c_wait(lam * r, 5.0, 2) + 5.0)
    times = []
    for seed in range(1, 11):
        _, _, ev, _ = run_port(spec, seed)
        times.append(legit(ev, "port_exit").duration_min.mean())
    assert_in_ci(times, expected)


def test_littles_law_and_event_log_reconstructs_the_port():
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
    model, port, ev, probes = run_port(spec, 5, days=4, smugglers_per_day=50, probe_every=7.0)
    horizon = model.horizon_min
    prim = ev[ev.kind == "port_primary"]
    done = ev[ev.kind.isin(["port_exit", "port_seizure"])]
    arrive_p = prim.t - prim.duration_min
    arrive_d = done.t - done.duration_min
    # every vehicle that reached a booth more than 3 hours before the end has left, and the two
    # events agree on its arrival time
    assert np.sum(arrive_p < horizon - 180) == np.sum(arrive_d < horizon - 180)
    assert np.allclose(np.sort(arrive_d[arrive_d < horizon - 180]), np.sort(arrive_p[arrive_p < horizon - 180]))
    # number in the port rebuilt from the log = the port's own count = what the SimPy lanes hold
    # (vehicles still in the primary queue at the horizon have no event yet: check up to the
    # last time the primary queue was empty)
    arr, dep = np.sort(arrive_p.to_numpy()), np.sort(done.t.to_numpy())
    pt, present, held = (np.array(c) for c in zip(*probes))
    n_log = np.searchsorted(arr, pt, side="right") - np.searchsorted(dep, pt, side="right")
    ok = pt < horizon - 180
    assert ok.sum() > 500 and np.array_equal(n_log[ok], present[ok]) and np.array_equal(present, held)
    # Little's law over [0, T]: time-average number in port = arrival rate x mean time in port
    T = horizon - 180
    grid = np.sort(np.concatenate([arr[arr < T], dep[dep < T], [0.0, T]]))
    n_at = np.searchsorted(arr, grid[:-1], side="right") - np.searchsorted(dep, grid[:-1], side="right")
    L = float(np.sum(n_at * np.diff(grid))) / T
    inside = arrive_d < T
    lam, W = inside.sum() / T, float(done.duration_min[inside].mean())
    assert L > 3.0
    assert L == pytest.approx(lam * W, rel=0.01)


def test_arrivals_follow_the_hourly_profile():
    profile = PortSpec().hourly_profile
    spec = port_spec(cars_per_day=2000, trucks_per_day=500, hourly_profile=profile, primary_lanes=6)
    _, _, ev, _ = run_port(spec, 8, days=4)
    prim = legit(ev, "port_primary")
    arrivals = (prim.t - prim.duration_min).to_numpy()
    n, expected_n = len(arrivals), 2500 * 4
    assert abs(n - expected_n) < 4 * math.sqrt(expected_n)  # Poisson count
    observed = np.bincount((arrivals // 60 % 24).astype(int), minlength=24)
    assert stats.chisquare(observed, n * np.array(profile) / sum(profile)).pvalue > 0.001
    assert_binomial(int((prim.detail == "truck").sum()), n, 0.2)


# --- referral and scanning ----------------------------------------------------------------
def referral_counts(ev: pd.DataFrame, model: PortModel) -> tuple[int, int, int, int]:
    """(legit referred, legit through primary, smuggling referred, smuggling finished)."""
    finished = {a for a, _, _ in model.finished}
    ref = ev[ev.kind == "port_referral"]
    k_legit = int((ref.detail == "legit").sum())
    # at most primary_lanes legitimate vehicles are in primary inspection at the horizon: a
    # bias of a few in thousands, far inside the binomial tolerance
    n_legit = len(legit(ev, "port_primary"))
    assert set(ref[ref.detail == "smuggling"].attempt) <= set(ev[ev.kind == "port_primary"].attempt)
    k_smug = int(ref[ref.detail == "smuggling"].attempt.isin(finished).sum())
    return k_legit, n_legit, k_smug, len(finished)


def test_random_referral_ignores_cargo():
    spec = port_spec(cars_per_day=2000, primary_lanes=4, secondary_lanes=6, referral="random", referral_rate=0.15)
    model, _, ev, _ = run_port(spec, 3, days=3, smugglers_per_day=600)
    k_l, n_l, k_s, n_s = referral_counts(ev, model)
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
    model, _, ev, _ = run_port(spec, 4, days=3, smugglers_per_day=600)
    k_l, n_l, k_s, n_s = referral_counts(ev, model)
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
        model, _, ev, _ = run_port(spec, 6, days=2, smugglers_per_day=400)
        _, _, k_s, n_s = referral_counts(ev, model)
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
    model, port, ev, _ = run_port(spec, 2, days=3, smugglers_per_day=800)
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
    # no legitimate vehicle is ever "seized"
    assert (sz.attempt >= 0).all()
    m = port_metrics(ev)
    assert (m["port_seizures"], m["port_smuggling_passed"]) == (len(seized), len(ex))


def test_legitimate_traffic_is_common_to_policies_and_untouched_by_smugglers():
    base = port_spec(cars_per_day=2500, trucks_per_day=400, primary_lanes=4, referral_rate=0.1)
    _, _, a, _ = run_port(base, 9, days=1)
    _, _, b, _ = run_port(replace(base, referral="risk", risk_quality=0.9), 9, days=1)
    cols = ["t", "kind", "detail", "duration_min"]
    assert a[cols].equals(b[cols])  # the same legitimate vehicles are referred under both rules
    _, _, c, _ = run_port(base, 9, days=1, smugglers_per_day=300)
    arrivals = lambda ev: (lambda p: (p.t - p.duration_min).round(9).tolist())(legit(ev, "port_primary"))  # noqa: E731
    n = min(len(arrivals(a)), len(arrivals(c)))
    assert n > 2500 and arrivals(a)[: n - 5] == arrivals(c)[: n - 5]  # same arrival times
    _, _, d, _ = run_port(base, 10, days=1)
    assert not a[cols].equals(d[cols])


# --- metrics ------------------------------------------------------------------------------
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
    for t, wait, attempt in ((1, 0.0, -1), (2, 4.0, -1), (3, 2.0, 7), (4, 6.0, -1), (5, 10.0, -1)):
        r.record(t, "port_primary", node=3, agency="ofo", source="pe", detail="car", attempt=attempt, duration_min=wait)
    r.record(6, "port_referral", node=3, agency="ofo", source="pe", detail="legit", attempt=-1)
    r.record(6, "port_referral", node=3, agency="ofo", source="pe", detail="smuggling", attempt=7)
    r.record(7, "port_exit", node=3, agency="ofo", source="pe", detail="car", attempt=-1, duration_min=3.0)
    r.record(8, "port_exit", node=3, agency="ofo", source="pe", detail="car", attempt=-1, duration_min=9.0)
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
    s = summarize(r.to_arrow())
    counts = ("port_vehicles", "port_secondary_legit", "port_seizures", "port_smuggling_passed")
    assert tuple(s[k] for k in counts) == (2, 1, 1, 0)
    assert s["port_wait_min"] == 5.0 and s["port_wait_p50_min"] == 5.0
    assert s["port_wait_p95_min"] == pytest.approx(np.percentile([0, 4, 6, 10], 95))
    assert s["port_time_in_port_min"] == 6.0
    assert s["capital_usd"] == 1e6  # the port's asset row counts in the costs


def test_port_metrics_without_ports():
    r = Recorder()
    r.record(0, "run_start", duration_min=60.0)
    m = port_metrics(r.to_arrow().to_pandas())
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
