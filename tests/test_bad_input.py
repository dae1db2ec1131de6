"""Each class of bad scenario input gives one clear message: where, which key, what is allowed."""

import pytest

from sim.config import ConfigError, compose
from sim.validation import ScenarioError
from sim.world import build_world


def scenario_file(tmp_path, text: str) -> list[str]:
    """The override that loads a scenario file bad.yaml from tmp_path."""
    (tmp_path / "bad.yaml").write_text(text)
    return [f"scenario_file={tmp_path / 'bad.yaml'}"]


def build(*overrides: str):
    c = compose(list(overrides))
    return build_world(c.scenario, c.origin)


def test_unknown_key_in_scenario_file_lists_allowed_keys(tmp_path):
    with pytest.raises(ScenarioError) as err:
        compose(scenario_file(tmp_path, "name: bad\nterrain:\n  lenght_km: 30\n"))
    msg = str(err.value)
    assert "bad.yaml" in msg and "scenario.terrain.lenght_km" in msg and "length_km" in msg


def test_unknown_key_on_command_line():
    with pytest.raises(ScenarioError) as err:
        compose(["scenario.units.bp_foot.speed=3"])
    msg = str(err.value)
    assert "command-line override 'scenario.units.bp_foot.speed=3'" in msg
    assert "allowed keys there:" in msg and "capacity" in msg


def test_a_problem_found_against_the_map_names_the_override_that_caused_it(tmp_path):
    """A sector or jurisdiction the map does not have is found only once the terrain is built;
    the message names the command-line override as the scenario's own checks do (and the file of
    a defaults: chain that set the key)."""
    from sim.api import world_of

    with pytest.raises(ScenarioError) as err:
        world_of(compose(["scenario.units.bp_foot.sectors=[S9]"]))
    assert "command-line override 'scenario.units.bp_foot.sectors=[S9]': scenario.units.bp_foot.sectors[0]" in str(
        err.value
    )
    (tmp_path / "base.yaml").write_text("defaults: [demo, _self_]\nname: base\nunits: {bp_foot: {sectors: [S7]}}\n")
    (tmp_path / "top.yaml").write_text("defaults: [base, _self_]\nname: top\n")
    with pytest.raises(ScenarioError) as err:
        world_of(compose([f"scenario_file={tmp_path / 'top.yaml'}"]))
    assert f"in {tmp_path / 'base.yaml'} (which {tmp_path / 'top.yaml'} builds on)" in str(err.value)


def test_wrong_type_names_key_and_expected_type(tmp_path):
    with pytest.raises(ScenarioError) as err:
        compose(scenario_file(tmp_path, "name: bad\nhorizon_days: soon\n"))
    assert "bad.yaml" in str(err.value)
    assert "scenario.horizon_days: expected a number, got 'soon'" in str(err.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    with pytest.raises(ConfigError, match=r"bad.yaml, line 3: YAML error: found duplicate key horizon_days"):
        compose(scenario_file(tmp_path, "name: bad\nhorizon_days: 2\nhorizon_days: 3\n"))


def test_unknown_scenario_lists_the_shipped_ones():
    with pytest.raises(ConfigError) as err:
        compose(["scenario=does_not_exist"])
    assert "does_not_exist" in str(err.value) and "demo" in str(err.value)


def test_unknown_policy_name_lists_registered_policies():
    with pytest.raises(ScenarioError) as err:
        build("scenario.units.bp_foot.policy=zigzag", "scenario.organisations.cartel.routing=teleport")
    msg = str(err.value)
    assert "scenarios/demo.yaml" in msg
    assert (
        "command-line override 'scenario.units.bp_foot.policy=zigzag': scenario.units.bp_foot.policy: unknown "
        "patrol policy 'zigzag'; allowed: fixed_route, random_beat, random_walk"
    ) in msg
    assert (
        "scenario.organisations.cartel.routing: unknown routing policy 'teleport'; "
        "allowed: adaptive, fastest, least_risk" in msg
    )


def test_reference_to_unknown_agency():
    with pytest.raises(
        ScenarioError, match=r"scenario.sensors.towers.agency: unknown agency 'cia'; allowed: border_patrol"
    ):
        build("scenario.sensors.towers.agency=cia")


def test_unknown_sector_and_out_of_range_node():
    with pytest.raises(ScenarioError) as err:
        build("scenario.units.bp_foot.sectors=[S9]", "scenario.organisations.cartel.staging=[999999]")
    msg = str(err.value)
    assert "scenario.units.bp_foot.sectors[0]: unknown sector 'S9'; allowed: S1, S2" in msg
    assert "scenario.organisations.cartel.staging[0]: unknown node 999999; allowed: 0..1279" in msg


def test_impossible_values():
    with pytest.raises(ScenarioError) as err:
        build(
            "scenario.sensors.ground.detect_prob=1.5",
            "scenario.organisations.cartel.hourly_profile=[1,2]",
            "scenario.organisations.coyotes.routing={type: least_risk, risk_aversion: -1}",
            "scenario.units.bp_foot.policy.beat_points=1",
        )
    msg = str(err.value)
    assert "scenario.organisations.coyotes.routing.risk_aversion: got -1; allowed: >= 0 and <= 1e+06" in msg
    assert "scenario.units.bp_foot.policy.beat_points: got 1; allowed: >= 2" in msg
    assert "scenario.sensors.ground.detect_prob: got 1.5; allowed: >= 0 and <= 1" in msg
    assert "scenario.organisations.cartel.hourly_profile: got 2 values; allowed: exactly 24" in msg


def test_terrain_file_that_does_not_exist():
    from sim.terrain import TerrainError

    with pytest.raises(TerrainError, match=r"no_such_map.graphml:\n  - file not found"):
        build("scenario.terrain.source=graphml", "scenario.terrain.path=no_such_map.graphml")


def test_unknown_terrain_source():
    with pytest.raises(
        ScenarioError,
        match=r"scenario.terrain.source: unknown terrain source 'shapefile'; allowed: csv, generate, graphml, grid",
    ):
        build("scenario.terrain.source=shapefile")


def test_injects_that_cannot_work(tmp_path):
    text = """name: bad
agencies: {bp: {}}
injects:
  fog: {type: weather, factor: -1, duration_hours: 0}
  cut: {type: sensor_outage, duration_hours: 2}
  push: {type: surge, factor: 3, organisation: nobody}
"""
    with pytest.raises(ScenarioError) as err:
        compose(scenario_file(tmp_path, text))
    msg = str(err.value)
    assert "scenario.injects.fog.duration_hours: this inject acts over a window: must be > 0" in msg
    assert "scenario.injects.fog.factor: got -1; allowed: >= 0 and <= 10" in msg
    assert "scenario.injects.cut.sensors: a sensor_outage needs `sensors` or a `sector`" in msg
    with pytest.raises(
        ScenarioError,
        match=r"scenario.injects.push.organisation: unknown organisation 'nobody'; "
        r"allowed: \(none defined\)",
    ):
        compose(
            scenario_file(
                tmp_path,
                text.replace("factor: -1", "factor: 0.5")
                .replace(", duration_hours: 0", "")
                .replace("  cut: {type: sensor_outage, duration_hours: 2}\n", ""),
            )
        )


@pytest.mark.parametrize(
    "override, key",
    [
        ("scenario.corridors.measure_from_day=3.5", "scenario.corridors.measure_from_day"),
        ("+scenario.injects.late={type: surge, organisation: cartel, start_hours: 48}", "scenario.injects.late"),
    ],
)
def test_a_time_at_or_after_the_horizon_is_refused(override, key):
    """An inject or the corridor count timed to start when the run has ended would never happen:
    refused, naming the horizon."""
    with pytest.raises(ScenarioError) as err:
        compose(["scenario.horizon_days=2", override])
    msg = str(err.value)
    assert key in msg and "allowed: below horizon_days (2 days" in msg, msg


def test_a_time_inside_the_horizon_is_accepted():
    compose(
        [
            "scenario.horizon_days=2",
            "scenario.sensors.towers.installed_day=5",  # after the horizon: not put up in this run
            "scenario.corridors.measure_from_day=1",
            "+scenario.injects.late={type: surge, organisation: cartel, start_hours: 47}",
        ]
    )


def test_a_scenario_file_builds_on_another_file_in_its_folder(tmp_path):
    """`defaults: [base, _self_]` in a file outside scenarios/ finds base.yaml beside it (and a
    shipped scenario by name), as a scenario in scenarios/ finds its neighbours."""
    (tmp_path / "base.yaml").write_text("defaults:\n  - tri_agency\n  - _self_\nname: base\nhorizon_days: 1.5\n")
    (tmp_path / "mine.yaml").write_text("defaults:\n  - base\n  - _self_\nname: mine\n")
    c = compose([f"scenario_file={tmp_path / 'mine.yaml'}"])
    assert (c.scenario.name, c.scenario.horizon_days) == ("mine", 1.5)
    assert c.scenario.units.keys() == compose(["scenario=tri_agency"]).scenario.units.keys()


def test_a_scenario_file_building_on_an_unknown_name_lists_what_it_may_name(tmp_path):
    (tmp_path / "local.yaml").write_text("name: local\n")
    (tmp_path / "mine.yaml").write_text("defaults:\n  - bsae\n  - _self_\nname: mine\n")
    with pytest.raises(ConfigError) as err:
        compose([f"scenario_file={tmp_path / 'mine.yaml'}"])
    msg = str(err.value)
    assert "mine.yaml" in msg and "'bsae'" in msg and "local" in msg and "tri_agency" in msg, msg
    assert "Config search path" not in msg
    (tmp_path / "top.yaml").write_text("defaults:\n  - mine\n  - _self_\nname: top\n")
    with pytest.raises(ConfigError) as err:  # the file that names it is the one blamed
        compose([f"scenario_file={tmp_path / 'top.yaml'}"])
    assert str(err.value).startswith(f"{tmp_path / 'mine.yaml'}: defaults: no scenario 'bsae'"), err.value


def test_a_bad_key_in_a_file_the_scenario_builds_on_names_that_file(tmp_path):
    """A problem with a key set in a file of the `defaults:` chain (not the file given) names the
    file that sets it, the later in the chain winning as Hydra merges them."""
    base, top = tmp_path / "base.yaml", tmp_path / "top.yaml"

    def problem(key: str) -> str:
        with pytest.raises(ScenarioError) as err:
            compose([f"scenario_file={top}"])
        return next(p for p in err.value.problems if f"{key}: " in p)

    base.write_text("defaults: [demo, _self_]\nname: base\nhorizon_dayz: 2\n")
    top.write_text("defaults: [base, _self_]\nname: top\nterrain: {lenght_km: 30}\n")
    assert problem("horizon_dayz").startswith(f"in {base} (which {top} builds on): scenario.horizon_dayz: unknown")
    assert problem("lenght_km").startswith("scenario.terrain.lenght_km: unknown key")

    base.write_text("defaults: [demo, _self_]\nname: base\nterrain: {cell_km: -1}\n")
    top.write_text("defaults: [base, _self_]\nname: top\n")
    assert problem("cell_km").startswith(f"in {base} "), problem("cell_km")
    top.write_text("defaults: [base, _self_]\nname: top\nterrain: {cell_km: 0}\n")
    assert problem("cell_km").startswith("scenario.terrain.cell_km"), "top sets it over base: top's value is bad"
    top.write_text("defaults: [_self_, base]\nname: top\nterrain: {cell_km: 1}\n")
    assert problem("cell_km").startswith(f"in {base} "), "_self_ first: base's value wins the merge"


def test_a_bad_key_in_the_given_file_names_no_other_file(tmp_path, monkeypatch):
    (tmp_path / "mine.yaml").write_text("defaults: [tri_agency, _self_]\nname: mine\nhorizon_dayz: 2\n")
    monkeypatch.chdir(tmp_path)
    for given in (str(tmp_path / "mine.yaml"), "./mine.yaml", "mine.yaml"):
        with pytest.raises(ScenarioError) as err:
            compose([f"scenario_file={given}"])
        assert err.value.problems[0].startswith("scenario.horizon_dayz: unknown key"), err.value.problems


@pytest.mark.parametrize(
    "question, problem",
    [
        ("[inject nope] q", "[inject nope]: no such inject; allowed: surge_night, towers_dark, radio_down"),
        ("[agency cia] q", "[agency cia]: no such agency or centre; allowed: border_patrol, customs, local_police"),
        ("[50-60h] q", "window 50-60h: allowed: starting below horizon_days (2 days = 48 hours)"),
        ("[sector S9 agency customs] q", "[sector S9]: no such sector; allowed: S1, S2, S3"),
        ("[when] q", "cannot read 'when' in [when]; allowed: inject NAME, agency NAME, sector NAME, A-Bh"),
    ],
)
def test_a_drill_question_the_review_could_not_answer_is_refused(question, problem):
    """A question's tag names what the after-action review shows under it: a name or window that
    is not in the scenario is refused when the run starts, not found out after the drill."""
    with pytest.raises(ScenarioError) as err:
        build("scenario=drill_night_surge", f'scenario.questions=["{question}"]')
    assert f"scenario.questions[0]: {problem}" in str(err.value), err.value


def test_a_question_may_name_the_centre_its_coordination_policy_adds():
    joint = ["scenario=drill_night_surge", "scenario.coordination.policy=joint_command"]
    build(*joint, 'scenario.questions=["[agency joint 40-50h] q"]')  # a window across the end is cut
    with pytest.raises(ScenarioError, match=r"\[agency joint\]: no such agency or centre"):
        build("scenario=drill_night_surge", 'scenario.questions=["[agency joint] q"]')


def test_a_problem_in_a_name_holding_a_colon_and_a_space_names_the_file_that_defines_it():
    """A problem reads "KEY: what"; a name in KEY may hold ': ' itself, so the key is the longest
    head the files define (it was cut at the first ': ' and blamed on the file that set the section)."""
    from sim.validation import _attribute

    sources = {"scenario.organisations": "scenarios/demo.yaml", "scenario.organisations.cartel: west": "base.yaml"}
    problem = "scenario.organisations.cartel: west: a name with ':'"
    assert _attribute(problem, (), "own.yaml", sources) == f"in base.yaml (which own.yaml builds on): {problem}"
    plain = "scenario.horizon_days: must be > 0"
    assert _attribute(plain, (), "own.yaml", {"scenario.horizon_days": "own.yaml"}) == plain
