"""The after-action review's timeline: every attempt from start to outcome, in pages.

One line per attempt (coloured by its outcome), a marker for each crossing, detection, alert,
share, lost share, dispatch and arrival about it, and the injects' windows shaded. A legend names
every line colour, marker and window; the y axis names the attempts as the tables do.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from analysis.figures import subplots
from analysis.labels import clock
from sim.files import save_figure_atomic

PER_PAGE = 40
MARKS = (  # event kind -> marker, colour, legend label (every such event about the attempt)
    ("crossed", "|", "black", "crossed the border"),
    ("detection", "o", "#2166ac", "detected (sensor or patrol)"),
    ("alert", "^", "#762a83", "alert reached a centre"),
    ("alert_shared", "D", "#01665e", "alert passed to another agency"),
    ("alert_lost", "x", "#d73027", "passed alert lost"),
    ("dispatch", ">", "#e08214", "unit sent"),
    ("arrival", "s", "#1b7837", "unit arrived"),
)
OUTCOME_LINES = {
    "interdiction": ("#1a9850", "interdicted"),
    "got_away": ("#d73027", "got away"),
    "turned_back": ("#fdae61", "turned back"),
    "under_way": ("#999999", "under way at the end"),
}
WINDOW_COLOURS = ("#fee391", "#c6dbef", "#fcbba1", "#d9d9d9", "#c7e9c0", "#dadaeb")


def attempt_label(attempt: int, row: pd.Series) -> str:
    """'#12 people, 8' (the attempt id as the tables and the feed give it, cargo, group size)."""
    return f"#{attempt} {row.cargo}, {int(row['size'])}"


def _marks(ev: pd.DataFrame) -> pd.DataFrame:
    """The events drawn as markers, each with the attempt it is about (arrivals through their
    incident's dispatch)."""
    incident_attempt = ev[(ev.kind == "dispatch") & (ev.attempt >= 0)].groupby("incident").attempt.first()
    marks = ev[ev.kind.isin([k for k, *_ in MARKS])].copy()
    arrivals = marks.kind == "arrival"
    marks.loc[arrivals, "attempt"] = marks.loc[arrivals, "incident"].map(incident_attempt).fillna(-1).astype(int)
    return marks[marks.attempt >= 0]


def timeline_pages(
    ch: pd.DataFrame, ev: pd.DataFrame, windows: pd.DataFrame, per_page: int = PER_PAGE, end: float | None = None
) -> list[Figure]:
    """Every attempt of `ch` (aar.chains), in start order, `per_page` a page, over the run: to its
    horizon, or to `end` (a drill stopped early ends at the minute it was played to)."""
    horizon = float(ev[ev.kind == "run_start"].duration_min.iloc[0]) if end is None else end
    ch = ch.sort_values(["start"], kind="stable")
    marks = _marks(ev)
    pages = [ch.iloc[i : i + per_page] for i in range(0, len(ch), per_page)] or [ch]
    return [_page(p, marks, windows, horizon, k, len(pages)) for k, p in enumerate(pages, 1)]


def _page(ch: pd.DataFrame, marks: pd.DataFrame, windows: pd.DataFrame, horizon: float, k: int, n: int) -> Figure:
    n_rows = len(ch) + len(windows)
    fig, ax = subplots(figsize=(13, 0.28 * n_rows + 2.6))
    row_of = {a: i for i, a in enumerate(ch.index[::-1])}  # the earliest start on top
    handles, inject_ticks = [], []
    for i, (name, typ, start, end) in enumerate(windows[["name", "type", "start", "end"]].itertuples(index=False)):
        colour, y = WINDOW_COLOURS[i % len(WINDOW_COLOURS)], len(ch) + len(windows) - 1 - i
        ax.axvspan(start, end, ymax=1.0, color=colour, alpha=0.3, zorder=0, lw=0)
        ax.broken_barh([(start, end - start)], (y - 0.35, 0.7), color=colour, zorder=2, edgecolor="#777777", lw=0.5)
        inject_ticks.append((y, f"inject {name}"))
        label = f"inject {name} ({typ.replace('_', ' ')}): {clock(start)} to {clock(end)}"
        handles.append(Patch(facecolor=colour, edgecolor="#777777", lw=0.5, label=label))
    if len(windows):
        ax.axhline(len(ch) - 0.5, color="#777777", lw=0.8)
    for a, r in ch.iterrows():
        end = r.outcome if pd.notna(r.outcome) else horizon
        colour = OUTCOME_LINES.get(r.result, OUTCOME_LINES["under_way"])[0]
        ax.plot([r.start, end], [row_of[a]] * 2, color=colour, lw=2.5, alpha=0.6, zorder=1, solid_capstyle="butt")
    handles += [
        Line2D([], [], color=c, lw=2.5, alpha=0.6, label=f"line: start to {lab}") for c, lab in OUTCOME_LINES.values()
    ]
    mine = marks[marks.attempt.isin(row_of)]
    for kind, marker, colour, label in MARKS:
        m = mine[mine.kind == kind]
        ax.scatter(
            m.t,
            m.attempt.map(row_of),
            marker=marker,
            c=colour,
            s=30,
            zorder=3,
            linewidths=1.2 if marker in "|x" else 0.3,
        )
        handles.append(Line2D([], [], ls="", marker=marker, color=colour, markersize=6, mew=1.2, label=label))
    ticks = [(row_of[a], attempt_label(a, ch.loc[a])) for a in ch.index] + inject_ticks
    ax.set_yticks([y for y, _ in ticks], [t for _, t in ticks], fontsize=8)
    ax.set_ylim(-0.8, n_rows - 0.2)
    ax.set_ylabel("attempt (#id cargo, group size); injects on top")
    ax.set_xlim(0, horizon)
    ax.xaxis.set_major_locator(MultipleLocator(120 if horizon <= 3 * 1440 else 720))
    ax.set_xlabel("minutes from the start")
    top = ax.secondary_xaxis("top")
    top.xaxis.set_major_locator(MultipleLocator(240 if horizon <= 3 * 1440 else 1440))
    top.xaxis.set_major_formatter(FuncFormatter(lambda v, _: clock(v).replace("day ", "d")))
    top.tick_params(labelsize=7)
    top.set_xlabel("day and time of day", fontsize=8)
    of = f" (page {k} of {n})" if n > 1 else ""
    ax.set_title(f"attempts from start to outcome{of}", fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def timeline_figures(
    ch: pd.DataFrame, ev: pd.DataFrame, windows: pd.DataFrame, out: Path, end: float | None = None
) -> list[Path]:
    """The pages saved as timelines.png, timelines_2.png, ... (`end`: see `timeline_pages`)."""
    paths = []
    for k, fig in enumerate(timeline_pages(ch, ev, windows, end=end), 1):
        path = out / ("timelines.png" if k == 1 else f"timelines_{k}.png")
        save_figure_atomic(fig, path, dpi=100)
        paths.append(path)
    return paths
