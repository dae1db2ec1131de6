"""`python -m sim.migrate`: an old-form scenario file is rewritten in the new form and then runs;
a file in the new form, including one that overrides part of an entry it inherits, is left as
it is."""

import textwrap

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
