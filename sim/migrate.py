"""Rewrite scenario files of the old form in the new form (see sim/migration.py).

    python -m sim.migrate scenarios/old.yaml [more.yaml ...] [--check]

Each file is rewritten in place (atomically, keeping its permissions; a symbolic link's target
is rewritten; a read-only file is refused) if it needs it; the entries that changed are
listed. Comments inside a rewritten file are not kept, except the header comment block. With
--check nothing is written and the exit code is 1 if any file needs migrating.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.config import SCENARIO_DIR, neighbours
from sim.files import end_on_sigterm, write_text_atomic
from sim.migration import migrate
from sim.scenario import safe_name


def _header(text: str) -> str:
    """The comment lines a file starts with."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def inherited(raw: Mapping[str, Any], path: Path | None = None, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """What a scenario file builds on: the scenarios its `defaults:` name, merged in order (each
    with what it builds on), so that an entry the file overrides in part keeps its type. Names
    resolve as a run resolves them: a shipped scenario first, else a file beside `path`."""
    beside = neighbours(path) if path is not None and path.is_file() else {}
    out: dict[str, Any] = {}
    defaults = raw.get("defaults") if isinstance(raw, Mapping) else None
    for name in defaults if isinstance(defaults, list) else []:
        if not isinstance(name, str) or name == "_self_" or name in seen or not safe_name(name):
            continue
        parent_path = SCENARIO_DIR / f"{name}.yaml"
        parent_path = parent_path if parent_path.is_file() else beside.get(name)
        if parent_path is None:
            continue
        try:
            parent = yaml.safe_load(parent_path.read_text()) or {}
        except (OSError, ValueError, yaml.YAMLError):  # the run reports it
            continue
        if isinstance(parent, Mapping):
            out = _merged(out, _merged(inherited(parent, parent_path, (*seen, name)), parent))
    return out


def _merged(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """b over a, mapping by mapping (as Hydra merges a scenario over its defaults)."""
    out = dict(a)
    for k, v in b.items():
        if k == "defaults":
            continue
        out[k] = _merged(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def main(argv: list[str] | None = None) -> int:
    end_on_sigterm()
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
        except UnicodeDecodeError as exc:
            print(f"error: {path}: byte {exc.start} is not UTF-8 text; allowed: a YAML file in UTF-8", file=sys.stderr)
            return 2
        except (OSError, yaml.YAMLError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 2
        if not isinstance(raw, Mapping):
            print(f"error: {path}: a scenario file is a mapping of sections; got {type(raw).__name__}", file=sys.stderr)
            return 2
        new, changed = migrate(raw, inherited(raw, path))
        if not changed:
            print(f"{path}: already in the new form")
            continue
        needed = True
        print(f"{path}: {', '.join(changed)}")
        if not args.check:
            target = path.resolve()  # a link's target is the file rewritten (the link stays a link)
            mode = stat.S_IMODE(target.stat().st_mode)
            if not (mode & 0o222 and os.access(target, os.W_OK)):  # (root may write a 0444 file: the bits too)
                why = "you may not write the file (read-only, or another user's)"
                print(f"error: {path}: {why}; allowed: a file you may write", file=sys.stderr)
                return 2
            write_text_atomic(_header(text) + yaml.safe_dump(new, sort_keys=False), target, mode)  # its mode kept
    return 1 if needed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
