"""Maps from result files: terrain kinds, border, roads, towns/ports/staging, sensors, unit
bases, and where groups crossed, were interdicted and got away. Reads files only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Circle, Patch

from analysis.figures import subplots

KIND_COLOURS = {"open": "#efe6c8", "scrub": "#c9d7a3", "mountain": "#b39b7d", "river": "#8ec5e8", "urban": "#bdbdbd"}
OUTCOME_STYLE = {
    "crossed": ("x", "#ff7f00", "crossing"),
    "interdiction": ("o", "#1a9850", "interdiction"),
    "got_away": ("X", "#d73027", "got away"),
}


def read_terrain(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pq.read_table(run_dir / "terrain_nodes.parquet").to_pandas(),
        pq.read_table(run_dir / "terrain_edges.parquet").to_pandas(),
    )


def draw_terrain(ax, nodes: pd.DataFrame, edges: pd.DataFrame) -> float:
    """Terrain cells, border, roads and features; returns the cell size (km)."""
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    cell = float(np.median(np.diff(np.unique(x)))) if len(np.unique(x)) > 1 else 1.0
    colours = [KIND_COLOURS.get(k, "#dddddd") for k in nodes.kind]
    h = cell / 2  # each cell a square in data units: the same at any figure size
    squares = np.stack([np.c_[x - h, y - h], np.c_[x + h, y - h], np.c_[x + h, y + h], np.c_[x - h, y + h]], axis=1)
    ax.add_collection(PolyCollection(squares, facecolors=colours, edgecolors="face", linewidths=0.3, zorder=0))
    ax.axhline(0.0, color="#b2182b", lw=2.2, zorder=2)
    roads = edges[edges.road]
    segs = np.stack([np.c_[x[roads.u], y[roads.u]], np.c_[x[roads.v], y[roads.v]]], axis=1)
    ax.add_collection(LineCollection(segs, colors="#555555", linewidths=1.3, zorder=1))
    for name, marker, colour in (("town", "s", "#404040"), ("port", "D", "#1f78b4"), ("staging", "^", "#8c2d04")):
        m = (nodes.feature == name).to_numpy()
        ax.scatter(x[m], y[m], marker=marker, s=70, c=colour, edgecolors="white", zorder=5, label=name)
    draw_sectors(ax, nodes, edges, cell)
    ax.text(x.min(), -0.25, "foreign side", va="top", fontsize=9, color="#b2182b")
    ax.text(x.min(), 0.25, "home side", va="bottom", fontsize=9, color="#b2182b")
    ax.set_aspect("equal")
    ax.set_xlabel("distance along the border (km)")
    ax.set_ylabel("distance from the border (km, foreign side negative)")
    ax.set_xlim(x.min() - cell, x.max() + cell)
    ax.set_ylim(y.min() - cell, y.max() + cell)
    return cell


def draw_sectors(ax, nodes: pd.DataFrame, edges: pd.DataFrame, cell: float) -> None:
    """Sector boundaries (dashed, between neighbouring cells of different sectors) and names."""
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    sector = nodes.sector.to_numpy()
    u, v = edges.u.to_numpy(), edges.v.to_numpy()
    straight = np.hypot(x[v] - x[u], y[v] - y[u]) <= cell * 1.01  # not the diagonals
    cut = (sector[u] != sector[v]) & straight
    if cut.any():
        mx, my = (x[u[cut]] + x[v[cut]]) / 2, (y[u[cut]] + y[v[cut]]) / 2
        dx, dy = x[v[cut]] - x[u[cut]], y[v[cut]] - y[u[cut]]
        norm = np.hypot(dx, dy)
        norm[norm == 0] = 1.0
        px, py = -dy / norm * cell / 2, dx / norm * cell / 2  # half a cell either side, across the edge
        segs = np.stack([np.c_[mx - px, my - py], np.c_[mx + px, my + py]], axis=1)
        ax.add_collection(LineCollection(segs, colors="#3f007d", linewidths=1.0, linestyles="--", zorder=3))
    home = (nodes.side == "home").to_numpy()
    for name in pd.unique(sector):
        m = (sector == name) & home
        if m.any():
            ax.text(
                x[m].mean(),
                y[m].max(),
                str(name),
                ha="center",
                va="top",
                fontsize=10,
                color="#3f007d",
                fontweight="bold",
                zorder=9,
            )


AGENCY_COLOURS = ("#1b7837", "#2166ac", "#e08214", "#762a83", "#01665e", "#8c510a")
ALARM_MINUTES = 30.0  # a sensor is drawn in alarm this long after its last alert (live map and replay)
SENSOR_STATE_COLOURS = {"up": "#4daf4a", "down": "#969696", "alarm": "#e41a1c"}


def agency_colours(agencies: list[str]) -> dict[str, str]:
    """A fixed colour per agency, in the order given (the scenario's order)."""
    return {a: AGENCY_COLOURS[i % len(AGENCY_COLOURS)] for i, a in enumerate(agencies)}


def draw_situation(
    ax,
    x: np.ndarray,
    y: np.ndarray,
    *,
    units: pd.DataFrame,
    groups: pd.DataFrame,
    sensors: pd.DataFrame,
    colours: dict[str, str],
) -> None:
    """Units (node, agency) coloured by agency, groups (node, detected) with the detected ones
    ringed, sensors (node, type, state up|down|alarm, range_km or NaN) with tower coverage.
    The live drill map and the after-action replay both draw with this."""
    for typ, marker, size in (("tower", "*", 150), ("ground", "o", 22)):
        s = sensors[sensors.type == typ]
        if not len(s):
            continue
        if typ == "tower" and "range_km" in s:
            for r in s[s.range_km.notna()].itertuples():
                ax.add_patch(
                    Circle(
                        (x[r.node], y[r.node]),
                        r.range_km,
                        fill=False,
                        lw=0.6,
                        ls=":",
                        color=SENSOR_STATE_COLOURS[r.state],
                        zorder=4,
                    )
                )
        ax.scatter(
            x[s.node],
            y[s.node],
            marker=marker,
            s=size,
            c=[SENSOR_STATE_COLOURS[v] for v in s.state],
            edgecolors="black",
            linewidths=0.4,
            zorder=6,
            label=f"{typ} sensors",
        )
    for agency, colour in colours.items():
        u = units[units.agency == agency]
        if len(u):
            ax.scatter(
                x[u.node],
                y[u.node],
                marker="P",
                s=80,
                c=colour,
                edgecolors="black",
                linewidths=0.6,
                zorder=8,
                label=f"{agency} ({len(u)})",
            )
    seen = groups.detected.to_numpy(dtype=bool)
    g = groups.node.to_numpy()
    ax.scatter(
        x[g[~seen]],
        y[g[~seen]],
        marker="o",
        s=40,
        c="#d73027",
        zorder=8,
        label=f"groups, not detected ({int((~seen).sum())})",
    )
    ax.scatter(
        x[g[seen]],
        y[g[seen]],
        marker="o",
        s=90,
        facecolors="#d73027",
        edgecolors="black",
        linewidths=2,
        zorder=8,
        label=f"groups, detected ({int(seen.sum())})",
    )


def finish(fig, ax, nodes: pd.DataFrame, out_png: Path) -> Path:
    handles, _ = ax.get_legend_handles_labels()
    handles += [Patch(color=c, label=k) for k, c in KIND_COLOURS.items() if k in set(nodes.kind)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    tmp = out_png.with_suffix(".tmp.png")
    fig.savefig(tmp)
    tmp.replace(out_png)
    return out_png


def draw_run_map(run_dir: Path, out_png: Path, replication: int = 0) -> Path:
    """Draw one replication of the run in `run_dir`: assets and every outcome location."""
    nodes, edges = read_terrain(run_dir)
    ev = pq.read_table(run_dir / "events", filters=[("replication", "=", replication)]).to_pandas()
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    fig, ax = subplots(figsize=(12, 7.5), dpi=110)
    cell = draw_terrain(ax, nodes, edges)
    assets = ev[ev.kind == "asset"]
    for src, marker, colour, label in (
        ("sensor:tower", "*", "#6a3d9a", "camera tower"),
        ("sensor:ground", ".", "#e31a1c", "ground sensor"),
        ("unit:vehicle", "P", "#33a02c", "vehicle unit base"),
        ("unit:foot", "p", "#b2df8a", "foot unit base"),
    ):
        a = assets[assets.source == src]
        if len(a):
            ax.scatter(
                x[a.node],
                y[a.node],
                marker=marker,
                s=140 if marker == "*" else 45,
                c=colour,
                edgecolors="black",
                linewidths=0.4,
                zorder=6,
                label=label,
            )
    for kind, (marker, colour, label) in OUTCOME_STYLE.items():
        e = ev[ev.kind == kind]
        if len(e):
            jitter = np.random.default_rng(0).uniform(-0.25, 0.25, size=(len(e), 2)) * cell
            ax.scatter(
                x[e.node] + jitter[:, 0],
                y[e.node] + jitter[:, 1],
                marker=marker,
                s=36,
                c=colour,
                zorder=7,
                label=f"{label} ({len(e)})",
                alpha=0.85,
                linewidths=1.2 if marker == "x" else 0.4,
                edgecolors="black" if marker != "x" else None,
            )
    start = ev[ev.kind == "run_start"]
    scen = start.detail.iloc[0] if len(start) else ""
    days = float(start.duration_min.iloc[0]) / 1440 if len(start) else 0.0
    ax.set_title(f"{scen}: outcomes over {days:g} days (replication {replication})")
    return finish(fig, ax, nodes, out_png)


def draw_outcome_density(
    nodes: pd.DataFrame, edges: pd.DataFrame, counts: pd.DataFrame, title: str, out_png: Path
) -> Path:
    """Where crossings, interdictions and got-aways happened, summed over many runs.
    `counts` has columns node, kind, n; marker area grows with n."""
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    fig, ax = subplots(figsize=(12, 7.5), dpi=110)
    draw_terrain(ax, nodes, edges)
    top = max(float(counts.n.max()), 1.0) if len(counts) else 1.0
    for kind, (_, colour, label) in OUTCOME_STYLE.items():
        c = counts[counts.kind == kind]
        if len(c):
            ax.scatter(
                x[c.node],
                y[c.node],
                s=12 + 260 * c.n / top,
                marker="o",
                c=colour,
                alpha=0.55,
                edgecolors="black",
                linewidths=0.3,
                zorder=7,
                label=f"{label} ({int(c.n.sum())})",
            )
    ax.set_title(title)
    return finish(fig, ax, nodes, out_png)
