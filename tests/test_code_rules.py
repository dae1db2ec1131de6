"""The code's own rules, checked like behaviour: the import layers of pyproject.toml
([tool.importlinter]: the engine imports no entry point nor analysis/, analysis/ never imports
the model, the world build imports no agent), ruff's lint rules and its formatting."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENTRY_POINTS = {"sim.run", "sim.design", "sim.drill", "sim.api", "sim.migrate", "sim.launch"}


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_rules_hold():
    proc = run("lint-imports")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_every_module_of_sim_is_either_engine_or_entry_point():
    """A new module of sim/ must be placed in a layer, or the import rules would not see it."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    engine = set(contracts[0]["source_modules"])
    assert set(contracts[0]["forbidden_modules"]) - {"analysis"} == ENTRY_POINTS
    found = {
        f"sim.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "sim").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert found == engine | ENTRY_POINTS, f"not placed: {found - engine - ENTRY_POINTS}"


def test_ruff_lint_and_format():
    lint = run("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = run("ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout[-3000:]


def test_every_test_the_docs_cite_exists():
    """A page that says "checked by tests/x.py::test_y" sends a reader to a test that must exist
    (validation.md once cited a port test by a name it had lost)."""
    import re

    pages = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
    cited = {
        (m[0], m[1])
        for page in pages
        for m in re.findall(r"(tests/[\w/]+\.py)::(\w+)", page.read_text(encoding="utf-8"))
    }
    assert len(cited) > 10
    missing = [
        f"{path}::{name}"
        for path, name in sorted(cited)
        if not (ROOT / path).exists()
        or not re.search(rf"^(async )?def {name}\(|^class {name}\b", (ROOT / path).read_text(), re.MULTILINE)
    ]
    assert not missing, missing
