"""Published numbers come from the code: the README's demo table is what `python -m sim.run`
prints for seed 1 today (docs/make_results.py regenerates it and every slower figure)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- results:{name} -->\n```\w*\n(.*?)```\n<!-- /results:{name} -->", text, re.S)
    assert m, f"README.md lost its results block {name!r}"
    return m.group(1)


def test_readme_demo_table_is_what_the_demo_prints(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sim.run", f"hydra.run.dir={tmp_path}", "map=false"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    printed = [line for line in proc.stdout.splitlines() if not line.startswith("results:")]
    published = readme_block("demo").splitlines()
    assert published == printed, "README's demo table is stale: run .venv/bin/python docs/make_results.py"
