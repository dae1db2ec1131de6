"""`python -m sim.migrate`: an old-form scenario file is rewritten in the new form and then runs;
a file in the new form, including one that overrides part of an entry it inherits, is left as
it is."""

import textwrap

from sim.config import SCENARIO_DIR as SCENARIOS
from sim.config import compose
from sim.migrate import main as migrate_main

CHILD = """\
defaults: [drill_night_surge, _self_]
name: child
sensors:
  ground:
    detect_prob: 0.95
injects:
  surge_night:
    factor: 4
"""


def test_a_partial_override_of_inherited_entries_is_new_form_and_left_alone(tmp_path, capsys):
    path = tmp_path / "child.yaml"
    path.write_text(CHILD)
    assert migrate_main([str(path), "--check"]) == 0
    assert migrate_main([str(path)]) == 0 and path.read_text() == CHILD
    assert "already in the new form" in capsys.readouterr().out
    spec = compose([f"scenario_file={path}"]).scenario
    assert spec.sensors["ground"].type == "ground" and spec.sensors["ground"].params.detect_prob == 0.95
    assert spec.injects["surge_night"].type == "surge" and spec.injects["surge_night"].params.factor == 4


def test_an_old_form_file_is_rewritten_and_then_runs(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            # my scenario
            defaults: [demo, _self_]
            name: old
            coordination:
              policy: liaison
              share_delay_min: 5
            sensors:
              extra:
                agency: border_patrol
                placement: along_border
                count: 2
                range_km: 6
                detect_prob: 0.9
            """
        )
    )
    assert migrate_main([str(path), "--check"]) == 1
    assert migrate_main([str(path)]) == 0
    assert path.read_text().startswith("# my scenario\n")
    spec = compose([f"scenario_file={path}"]).scenario
    assert spec.coordination.policy == "liaison" and spec.coordination.settings["liaison"].share_delay_min == 5
    extra = spec.sensors["extra"]  # a group with no type was a tower: the ground key had no effect
    assert extra.type == "tower" and extra.params.range_km == 6


def test_the_old_form_hint_names_the_file_unless_an_override_gave_the_entry_its_shape(tmp_path):
    """An override of one key of an old-form entry (its count) leaves the file's shape: the hint
    and the migrate command stay. A type set on the command line over a new-form file is what
    gave the entry its mixed keys, as is a key set on the command line that the entry's type does not
    read: no hint to migrate the file, which is fine as it is."""
    import pytest

    from sim.validation import ScenarioError

    path = tmp_path / "old.yaml"
    path.write_text("defaults: [demo, _self_]\nname: old\nsensors:\n  towers:\n    detect_prob: 0.5\n")
    with pytest.raises(ScenarioError) as err:
        compose([f"scenario_file={path}", "scenario.sensors.towers.count=5"])
    assert "scenario.sensors.towers: if the file is of the old form" in str(err.value)
    assert f"python -m sim.migrate {path} rewrites the file" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        compose(["scenario.sensors.towers.type=ground"])
    assert "old form" not in str(err.value) and "sim.migrate" not in str(err.value)
    assert "to change the type, give the whole entry" in str(err.value)
    with pytest.raises(ScenarioError) as err:  # a key the tower does not read, set on the command line
        compose(["scenario.sensors.towers.detect_prob=0.9"])
    assert "old form" not in str(err.value) and "sim.migrate" not in str(err.value)


def test_old_keys_of_an_inherited_organisation_or_unit_go_under_the_policy_it_inherits(tmp_path):
    """An old-form file that tunes an inherited organisation's or unit group's flat keys keeps the
    routing, reaction and patrol policy it inherits: the demo's coyotes route by least risk and
    hide, the reduced scenario's patrols walk at random (the tool wrote the old defaults: run,
    random_beat, and dropped the keys that had an effect)."""
    orgs = tmp_path / "orgs.yaml"
    orgs.write_text(
        "defaults: [demo, _self_]\norganisations:\n  coyotes: {risk_aversion: 10, hide_min: 240, run_speedup: 1.3}\n"
    )
    units = tmp_path / "units.yaml"
    units.write_text("defaults: [reduced, _self_]\nunits:\n  patrol: {beat_points: 64}\n")
    assert migrate_main([str(orgs), str(units)]) == 0
    coyotes = compose([f"scenario_file={orgs}"]).scenario.organisations["coyotes"]
    assert (coyotes.routing.type, coyotes.routing.params.risk_aversion) == ("least_risk", 10)
    assert (coyotes.reaction.type, coyotes.reaction.params.hide_min) == ("hide", 240)
    assert compose([f"scenario_file={units}"]).scenario.units["patrol"].policy.type == "random_walk"


def test_a_file_building_on_a_file_beside_it_is_read_as_a_run_reads_it(tmp_path):
    """`defaults:` may name a file in the same folder: a part-override of its entries is the new
    form (the tool looked only among the shipped scenarios, and rewrote the ground group as a tower)."""
    (tmp_path / "mybase.yaml").write_text((SCENARIOS / "drill_night_surge.yaml").read_text())
    child = tmp_path / "child.yaml"
    child.write_text(CHILD.replace("drill_night_surge", "mybase"))
    assert migrate_main([str(child), "--check"]) == 0
    assert migrate_main([str(child)]) == 0 and child.read_text() == CHILD.replace("drill_night_surge", "mybase")


def test_a_rewrite_keeps_the_files_permissions_and_links_and_refuses_a_read_only_file(tmp_path, capsys):
    old = "defaults: [demo, _self_]\nsensors:\n  extra: {agency: border_patrol, count: 2, range_km: 6}\n"
    target, private, frozen = (tmp_path / n for n in ("target.yaml", "private.yaml", "frozen.yaml"))
    for path, mode in ((target, 0o644), (private, 0o600), (frozen, 0o444)):
        path.write_text(old)
        path.chmod(mode)
    link = tmp_path / "link.yaml"
    link.symlink_to(target.name)
    assert migrate_main([str(link), str(private)]) == 0
    assert link.is_symlink() and "type: tower" in target.read_text()
    assert (target.stat().st_mode & 0o777, private.stat().st_mode & 0o777) == (0o644, 0o600)
    assert migrate_main([str(frozen)]) == 2 and frozen.read_text() == old
    assert "you may not write the file (read-only" in capsys.readouterr().err


def test_every_entry_sharing_a_yaml_alias_is_listed(tmp_path, capsys):
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "defaults: [demo, _self_]\norganisations:\n"
        "  cartel: &org {routing: least_risk, risk_aversion: 8, attempts_per_day: 5}\n  coyotes: *org\n"
    )
    assert migrate_main([str(path)]) == 0
    assert "organisations.cartel, organisations.coyotes" in capsys.readouterr().out
    spec = compose([f"scenario_file={path}"]).scenario
    assert all(spec.organisations[o].routing.params.risk_aversion == 8 for o in ("cartel", "coyotes"))
