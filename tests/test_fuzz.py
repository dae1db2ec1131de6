"""Property-based fuzzing (hypothesis), with strategies built from the declared parameters
(tests/fuzz_strategies.py), so a new plug-in is fuzzed without new test code.

- Valid generated scenarios are either refused with a clear ScenarioError / TerrainError (an
  impossible combination) or run to the end within a time bound proportional to their size, keep
  every conformance invariant (tests/conformance.py) and give the same event log for the same seed.
- Invalid ones (one value pushed out of range, a wrong type, NaN or inf, an unknown key) are
  refused with the Python API's error naming the key, never a traceback.
- The live drill's inject forms: random text in any field is refused or accepted, never an
  exception, never a default fired in its place.

Profiles: `ci` (default: 1,000+ generated scenarios, about a minute) and `nightly`
(HYPOTHESIS_PROFILE=nightly: 20x more); the example database stays out of the repository.
"""

from __future__ import annotations

import copy
import math
import os
import signal
from contextlib import contextmanager

import pytest
import yaml
from conformance import check_run, tracing_units
from fuzz_strategies import scenarios
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from sim.terrain import TerrainError
from sim.validation import ScenarioError, parse_scenario
from sim.world import build_world

settings.register_profile(  # the test suite's: the same examples on every run (seeded, deterministic)
    "ci",
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "nightly",
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
SCALE = {"ci": 1, "nightly": 20}[os.environ.get("HYPOTHESIS_PROFILE", "ci")]


class Hang(Exception):
    """A run went past its time bound."""


@contextmanager
def watchdog(seconds: float):
    """Raise Hang if the block runs longer than `seconds` (a bound on hanging, not on speed)."""

    def fire(signum, frame):
        raise Hang(f"the run did not end within {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bound_s(raw: dict) -> float:
    """Seconds a run of this size may take before it counts as a hang: generous, proportional to
    the attempts it can launch and the map it walks."""
    t = raw["terrain"]
    cells = (t.get("length_km", 40) / t.get("cell_km", 1)) * (
        (t.get("depth_home_km", 24) + t.get("depth_foreign_km", 8)) / t.get("cell_km", 1)
    )
    attempts = raw["organisations"]["o0"].get("attempts_per_day", 10) * raw["horizon_days"] * 4  # surges
    return 30.0 + 0.02 * cells + 0.5 * attempts


@settings(max_examples=450 * SCALE)
@given(raw=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_generated_scenarios_run_keep_their_invariants_and_repeat(raw, seed):
    try:
        spec = parse_scenario(raw, "generated")
        world = build_world(spec, "generated")
    except (ScenarioError, TerrainError) as exc:
        event(f"refused: {str(exc).splitlines()[1].split(':')[0].strip(' -')}")
        assert str(exc).startswith(("invalid scenario", "invalid terrain"))
        return
    event("ran")
    with watchdog(bound_s(raw)), tracing_units() as traced:
        model = traced(world, seed)
        ev = model.run().to_arrow().to_pandas()
        again = traced(world, seed).run().to_arrow().to_pandas()
    check_run(world, model, ev)
    assert ev.equals(again), "the same seed gave another event log"


# --- invalid input ----------------------------------------------------------------------------
def leaves(node, path=()):
    """Every (path, value) of a raw scenario's scalar values."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, (*path, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, (*path, i))
    else:
        yield path, node


def put(raw: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(raw)
    node = out
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return out


def dotted(path: tuple) -> str:
    text = "scenario"
    for k in path:
        text += f"[{k}]" if isinstance(k, int) else f".{k}"
    return text


NEVER_VALID = [math.nan, -math.inf, "abc", [1, "x"], {"x": 1}]


@settings(max_examples=700 * SCALE)
@given(raw=scenarios(), data=st.data())
def test_one_bad_value_is_refused_naming_its_key(raw, data):
    numeric = [
        (p, v) for p, v in leaves(raw) if isinstance(v, (int, float)) and not isinstance(v, bool) and p[-1] != "type"
    ]
    assume(numeric)
    path, _ = data.draw(st.sampled_from(numeric))
    bad = data.draw(st.sampled_from(NEVER_VALID))
    with pytest.raises(ScenarioError) as err:
        parse_scenario(put(raw, path, bad), "generated")
    key = dotted(path)
    assert any(p.startswith(key) for p in err.value.problems), (key, err.value.problems)


@settings(max_examples=150 * SCALE)
@given(raw=scenarios(), data=st.data())
def test_an_unknown_key_is_refused_with_the_allowed_ones(raw, data):
    sections = [p for p, v in leaves(raw) if len(p) >= 1] + [()]
    path = data.draw(st.sampled_from(sections))[:-1]
    node = raw
    for k in path:
        node = node[k]
    assume(
        isinstance(node, dict)
        and path not in ((), ("agencies",), ("units",), ("sensors",), ("injects",), ("organisations",))
        and path[-1:] != ("cargo",)
    )
    bad = put(raw, (*path, "no_such_key"), 1)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(bad, "generated")
    key = dotted((*path, "no_such_key"))
    said = (f"{key}: unknown key; allowed keys there: ", f"{key}: unknown key; this entry takes no keys")
    assert any(p.startswith(said) for p in err.value.problems), (
        key,
        err.value.problems,
    )


# --- the live drill's inject forms ------------------------------------------------------------
def drill_session(tmp_path):
    from test_drill import new_session

    return new_session(tmp_path)


TYPED = st.one_of(
    st.text(max_size=12),
    st.floats().map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e9", "1e308", "", " ", "None", "[1, 2]", "{a: 1}"]),
)


@settings(max_examples=120 * SCALE)
@given(data=st.data())
def test_any_text_in_an_inject_form_is_refused_or_fired_as_typed(tmp_path_factory, data):
    """Random text in any field of any inject's form: refused with a message (nothing fired) or
    accepted (fired with exactly the typed values); never another exception."""
    from test_drill import default_form

    from sim.drill.forms import form_values, inject_form
    from sim.injects import INJECTS

    session = drill_session(tmp_path_factory.mktemp("drill"))
    while not session.active_groups():
        session.step()
    type_ = data.draw(st.sampled_from(INJECTS.names()))
    fields = [f for f in inject_form(type_, session) if f.kind == "text"]
    assume(fields)
    values = default_form(session, type_)
    typed = {
        f.name: data.draw(TYPED)
        for f in data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
    }
    values.update(typed)
    params = form_values(type_, values)
    before = len(session.model.log)
    try:
        name = session.inject(type_, **params)
    except ValueError as exc:
        assert "allowed" in str(exc) or "expected" in str(exc) or "must be" in str(exc), str(exc)
        assert session.model.injects == {} and len(session.model.log) == before
        return
    fired = session.model.injects[name].params
    for key, text in typed.items():  # what was typed, read as a YAML scalar here (not by the form's code)
        try:
            number = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            assert getattr(fired, key) == number  # the typed value, not a default


@settings(max_examples=25 * SCALE)
@given(raw=scenarios(), data=st.data())
def test_a_bad_value_on_the_command_line_exits_2_and_writes_nothing(tmp_path_factory, raw, data):
    """The same through the entry point: exit code 2, one message naming the key, no traceback,
    no run directory."""
    import contextlib
    import io

    from sim import run

    numeric = [
        (p, v)
        for p, v in leaves(raw)
        if isinstance(v, (int, float))
        and not isinstance(v, bool)
        and p[-1] != "type"
        and all(isinstance(k, str) for k in p)
    ]
    assume(numeric)
    path, _ = data.draw(st.sampled_from(numeric))
    tmp = tmp_path_factory.mktemp("cli")
    scenario = tmp / "fuzz.yaml"
    scenario.write_text(__import__("yaml").safe_dump(raw))
    key = dotted(path)
    bad = data.draw(st.sampled_from(["nan", "-inf", "abc"]))  # never valid ('inf' is, where declared: no limit)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run.main([f"scenario_file={scenario}", f"{key}={bad}", f"hydra.run.dir={tmp / 'run'}"])
    assert code == 2 and "Traceback" not in err.getvalue()
    assert f"command-line override '{key}={bad}'" in err.getvalue(), err.getvalue()
    assert not (tmp / "run").exists()
