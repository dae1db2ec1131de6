"""A drill question and the evidence it asks about, written inline in the question.

A scenario's `questions:` are plain strings. A question may start with a tag in square brackets
that names what it asks about, so the after-action review can show that evidence under it:

    [inject NAME]     the window of that inject (its start to its end)
    [agency NAME]     that agency: alerts at its centre, alerts it sent or should have received
                      and lost, dispatches by its centre or of its units (a joint centre
                      dispatches every agency's), interdictions by its units or following its
                      centre's dispatches (a `joint` or `task_force` centre has no units)
    [sector NAME]     that sector: crossings there (with its sensors' state), alerts and
                      detections there
    [A-Bh]            a window in hours from the start of the run, e.g. [20-26h]

Terms combine in one tag, separated by spaces: '[agency local_police 20-26h] ...',
'[inject towers_dark sector S2] ...'. An explicit window wins over an inject's; with neither, the
whole run. In YAML the question must be quoted (a bare '[' starts a list):

    questions:
      - "[inject towers_dark sector S2] Where did groups cross while the S2 towers were dark?"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TAG = re.compile(r"^\s*\[([^\]]*)\]\s*(.*)$", re.S)
WINDOW = re.compile(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)h$")
NAMED = ("inject", "agency", "sector")


@dataclass(frozen=True)
class Question:
    """A question's text and what it asks about (empty: nothing named)."""

    text: str
    inject: str = ""
    agency: str = ""
    sector: str = ""
    hours: tuple[float, float] | None = None
    problem: str = ""  # why the tag could not be read ('' when it could)

    @property
    def about(self) -> bool:
        return bool(self.inject or self.agency or self.sector or self.hours)


def parse_question(raw: str) -> Question:
    """The question with its tag read; a tag that cannot be read leaves the whole text as the
    question and says why in `problem`."""
    m = TAG.match(raw)
    if not m:
        return Question(raw.strip())
    tokens, text = m.group(1).split(), m.group(2).strip()
    found: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        window = WINDOW.match(tok)
        if tok in NAMED and i + 1 < len(tokens) and tokens[i + 1] not in NAMED:
            if tok in found:
                return Question(raw.strip(), problem=f"'{tok}' named twice in [{m.group(1)}]")
            found[tok] = tokens[i + 1]
            i += 2
        elif window and "hours" not in found:
            start, end = float(window.group(1)), float(window.group(2))
            if end <= start:
                return Question(raw.strip(), problem=f"window {tok}: the end must come after the start")
            found["hours"] = (start, end)
            i += 1
        else:
            return Question(
                raw.strip(),
                problem=f"cannot read '{tok}' in [{m.group(1)}]; allowed: inject NAME, agency NAME, "
                "sector NAME, A-Bh (hours from the start)",
            )
    return Question(text, **found)  # type: ignore[arg-type]
