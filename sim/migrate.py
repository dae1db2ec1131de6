"""Rewrite scenario files of the old form in the new form (see sim/migration.py).

    python -m sim.migrate scenarios/old.yaml [more.yaml ...] [--check]

Each file is rewritten in place (atomically) if it needs it; the entries that changed are
listed. Comments inside a rewritten file are not kept, except the header comment block. With
--check nothing is written and the exit code is 1 if any file needs migrating.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from sim.migration import migrate
from sim.runner import write_text_atomic


def _header(text: str) -> str:
    """The comment lines a file starts with."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.migrate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("files", nargs="+", type=Path, help="scenario YAML files")
    ap.add_argument("--check", action="store_true", help="only report; exit 1 if a file needs migrating")
    args = ap.parse_args(argv)
    needed = False
    for path in args.files:
        try:
            text = path.read_text()
            raw = yaml.safe_load(text) or {}
        except (OSError, yaml.YAMLError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 2
        new, changed = migrate(raw)
        if not changed:
            print(f"{path}: already in the new form")
            continue
        needed = True
        print(f"{path}: {', '.join(changed)}")
        if not args.check:
            write_text_atomic(_header(text) + yaml.safe_dump(new, sort_keys=False), path)
    return 1 if needed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
