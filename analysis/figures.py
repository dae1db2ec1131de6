"""Figures without pyplot: no global figure registry to close, no backend to select at import,
safe from any thread, and a quicker import (about 0.1 s less for the entry point)."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

SERIES_COLOURS = ("#d95f0e", "#2c7fb8", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666")
"""Colours of series (a key's levels, in level order): the same level gets the same colour in every
figure of a report."""


def subplots(
    nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, dpi: float | None = None, **kwargs
):
    """A new Figure and its axes, as `matplotlib.pyplot.subplots` returns them; save it with
    `fig.savefig` (PNG through Agg) and just drop it afterwards."""
    fig = Figure(figsize=figsize, dpi=dpi)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def output_folder(out: str | Path, default: Path) -> Path:
    """Where a command's figures go: `out` (--out) or `default`. Refused (ValueError): a file, a
    relative path that leaves the current folder (as sim.run's output folders: an absolute path
    is taken as given, on purpose), and a folder that cannot be written (a colleague's results on
    a read-only share: the figures then go elsewhere with --out)."""
    path = default if out is None else Path(out)
    if out is not None:
        _inside_current(path, out)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # the folder is made under its nearest existing ancestor
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(
            f"cannot write into {path} ({existing} is not writable for this user, or on a read-only file system); "
            "allowed: --out FOLDER in a place you can write"
        )
    return path


def _inside_current(path: Path, out: str | Path) -> None:
    if not path.is_absolute() and not (Path.cwd() / path).resolve().is_relative_to(Path.cwd().resolve()):
        raise ValueError(
            f"--out {out}: a relative output folder must stay inside the current folder ({Path.cwd()}); "
            "allowed: a path below it, or an absolute path"
        )
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {out}: a file, not a folder; allowed: a folder (made if missing)")
