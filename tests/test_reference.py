"""docs/scenario-reference.md is generated from the declared parameters: it must not be stale."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scenario_reference_is_generated_from_the_declarations():
    proc = subprocess.run(
        [sys.executable, "docs/make_reference.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_declared_parameter_is_in_the_reference():
    from sim.params import fields_of
    from sim.plugins import PLUGINS

    page = (ROOT / "docs" / "scenario-reference.md").read_text()
    for registry in PLUGINS.families():
        for name in registry.names():
            assert f"#### `{name}`" in page, f"{registry.family} {name!r} has no section"
            for f in fields_of(registry[name].Params):
                assert f"`{f.name}`" in page
