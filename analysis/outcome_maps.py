"""Where crossings, interdictions and got-aways happened: one small map per configuration.

Every panel has the same size scale (marker area = events in that cell per replication), so the
panels compare, and a size key says what the areas mean. Six panels a page; every configuration
with event logs is drawn (outcome_map.png, outcome_map_2.png, ...).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.figures import subplots
from analysis.maps import KIND_COLOURS, OUTCOME_STYLE, draw_terrain, read_terrain
from analysis.stats import level_order
from sim.files import save_figure_atomic
from sim.recorder import DECOY_CARGO

PER_PAGE = 6
MAX_AREA = 320.0  # points^2 of the busiest cell


def outcome_counts(root: Path, table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Per configuration with event logs: (config, node, kind, n, per_rep = events in the cell per
    replication) rows, and its number of replications; from the replications in `table`."""
    con = duckdb.connect()
    frames, reps = [], {}
    for (config, run), rows in table.groupby(["config", "run"], sort=False):
        files = sorted((root / run / "events").glob("rep-*.parquet")) if (root / run / "events").is_dir() else []
        if not files:
            continue
        seeds = sorted(int(s) for s in rows.seed)
        reps[config] = reps.get(config, 0) + len(seeds)
        frames.append(
            con.execute(
                "WITH ev AS (SELECT * FROM read_parquet(?) WHERE seed IN (SELECT unnest(?))) "
                "SELECT node, kind, count(*) AS n FROM ev WHERE kind IN ('crossed', 'interdiction', 'got_away') "
                "AND (seed, attempt) NOT IN (SELECT (seed, attempt) FROM ev WHERE kind = 'attempt' AND cargo = ?) "
                "GROUP BY node, kind",  # decoys left out, as the summary's counts leave them out
                [[str(f) for f in files], seeds, DECOY_CARGO],
            )
            .df()
            .assign(config=config)
        )
    if not frames:
        return pd.DataFrame(columns=["config", "node", "kind", "n", "per_rep"]), reps
    out = pd.concat(frames, ignore_index=True).groupby(["config", "node", "kind"], as_index=False).n.sum()
    out["per_rep"] = out.n / out.config.map(reps)
    return out, reps


def wrap(label: str, width: int = 72) -> str:
    """A configuration label on lines of at most `width` characters, broken between keys."""
    lines: list[str] = []
    for part in label.split("; "):
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += "; " + part
        else:
            lines.append(part)
    return "\n".join(lines)


def nice(value: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above `value`."""
    if value <= 0:
        return 0.0
    k = math.floor(math.log10(value))
    return max(m * 10**k for m in (1, 2, 5) if m * 10**k <= value)


def size_key(top: float) -> list[float]:
    """Three round values for the size key, the largest near the busiest cell."""
    values = sorted({nice(top), nice(top / 5), nice(top / 25)} - {0.0})
    return values


def _area(per_rep, top: float):
    return 8 + MAX_AREA * per_rep / top


def _draw_panel(ax, nodes: pd.DataFrame, edges: pd.DataFrame, counts: pd.DataFrame, top: float) -> None:
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    draw_terrain(ax, nodes, edges)
    for kind, (_, colour, _) in OUTCOME_STYLE.items():
        c = counts[counts.kind == kind].sort_values("per_rep", ascending=False)
        if len(c):
            ax.scatter(
                x[c.node],
                y[c.node],
                s=_area(c.per_rep, top),
                marker="o",
                c=colour,
                alpha=0.6,
                edgecolors="black",
                linewidths=0.3,
                zorder=7,
            )
    ax.tick_params(labelsize=7)
    ax.xaxis.label.set_fontsize(8)
    ax.yaxis.label.set_fontsize(8)


def _legend(fig, nodes: pd.DataFrame, top: float) -> None:
    handles = [
        Line2D([], [], ls="", marker=m, color=c, label=lab, markeredgecolor="white", markersize=8)
        for m, c, lab in (("s", "#404040", "town"), ("D", "#1f78b4", "port"), ("^", "#8c2d04", "staging"))
    ]
    for _, colour, label in OUTCOME_STYLE.values():
        handles.append(Line2D([], [], ls="", marker="o", color=colour, alpha=0.6, markersize=9, label=label))
    handles.append(Patch(color="none", label="\nmarker area: events in a cell\nper replication"))
    for v in size_key(top):
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color="#bbbbbb",
                markeredgecolor="black",
                markeredgewidth=0.3,
                markersize=math.sqrt(_area(v, top)),
                label=f"{v:g} per replication",
            )
        )
    handles += [Patch(color=c, label=k) for k, c in KIND_COLOURS.items() if k in set(nodes.kind)]
    fig.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(0.83, 0.97), fontsize=8, frameon=False, labelspacing=1.0
    )


def outcome_figures(root: Path, table: pd.DataFrame) -> list[Figure]:
    """One panel per configuration with event logs, PER_PAGE a page, one size scale for all."""
    counts, reps = outcome_counts(root, table)
    # a run stopped before it wrote its map (runs before the map was written first) has none: another
    # run of the configuration may, else the configuration has no map
    mapped = {r: (root / r / "terrain_nodes.parquet").is_file() for r in table.run.unique()}
    run_of = table[table.run.map(mapped)].groupby("config").run.first()
    configs = list(dict.fromkeys(c for c in table.config if c in reps and c in run_of.index))
    if not configs:
        return []
    params = [p for p in table.attrs.get("params", []) if p in table and p != "point"]  # a design's point: a label
    if params:  # in the swept values' order (6 before 12 before 18), as the other figures
        first = table.groupby("config", sort=False)[params].first()
        configs.sort(key=lambda c: tuple(level_order(v) for v in first.loc[c]))
    top = max(float(counts.per_rep.max()), 1e-9) if len(counts) else 1.0
    pages = [configs[i : i + PER_PAGE] for i in range(0, len(configs), PER_PAGE)]
    ncols = 1 if len(configs) == 1 else 2
    figures = []
    for k, page in enumerate(pages, 1):
        nrows = -(-len(page) // ncols)
        fig, axes = subplots(nrows, ncols, figsize=(6.4 * ncols / 0.83, 4.4 * nrows + 0.9), squeeze=False)
        for ax, config in zip(axes.flat, page):
            nodes, edges = read_terrain(root / run_of[config])
            _draw_panel(ax, nodes, edges, counts[counts.config == config], top)
            n = reps[config]
            ax.set_title(wrap(f"{config} ({n} replication{'s' if n != 1 else ''})"), fontsize=8)
        for ax in list(axes.flat)[len(page) :]:
            ax.set_visible(False)
        _legend(fig, nodes, top)
        of = f", page {k} of {len(pages)}" if len(pages) > 1 else ""
        fig.suptitle(f"where groups crossed, were interdicted and got away: one map per configuration{of}", fontsize=11)
        fig.tight_layout(rect=(0, 0, 0.83, 0.97))
        figures.append(fig)
    return figures


def outcome_maps(root: Path, table: pd.DataFrame, out: Path) -> list[Path]:
    """The pages saved as outcome_map.png, outcome_map_2.png, ..."""
    paths = []
    for k, fig in enumerate(outcome_figures(root, table), 1):
        path = out / ("outcome_map.png" if k == 1 else f"outcome_map_{k}.png")
        save_figure_atomic(fig, path, dpi=100)
        paths.append(path)
    return paths
