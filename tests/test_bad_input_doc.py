"""Every class of bad input of docs/bad-input.md, run again: exit code 2, no traceback, nothing
written, and the message the page shows."""

import html
import re
from pathlib import Path

import pytest
from bad_input_cases import CASES, message, run_case

PAGE = Path(__file__).resolve().parent.parent / "docs" / "bad-input.md"


def documented() -> dict[str, str]:
    rows = {}
    for line in PAGE.read_text().splitlines():
        m = re.match(r"^\| (.+?) \| .* \| (error: .*) \|$", line)
        if m:
            rows[m.group(1).replace("\\|", "|")] = html.unescape(m.group(2).replace("<br>", "\n").replace("\\|", "|"))
    return rows


def test_the_page_lists_every_case():
    assert set(documented()) == {c.what for c in CASES}, "run .venv/bin/python docs/make_bad_input.py"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.what)
def test_bad_input_is_refused_as_documented(case, tmp_path):
    out = run_case(case, tmp_path)
    assert out.code == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("error: ") and message(out.stderr) == documented()[case.what]
    assert not [w for w in out.wrote if not w.startswith(tuple(case.files))], f"left behind: {out.wrote}"
