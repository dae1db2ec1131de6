"""Maps from result files: terrain kinds, border, roads, towns/ports/staging, sectors, each
agency's jurisdiction, comms outages, sensors, unit bases by agency, and where groups crossed,
were interdicted and got away. Reads files only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch

from analysis.figures import subplots
from analysis.labels import clock
from sim.files import save_figure_atomic

KIND_COLOURS = {"open": "#efe6c8", "scrub": "#c9d7a3", "mountain": "#b39b7d", "river": "#8ec5e8", "urban": "#bdbdbd"}
OUTCOME_STYLE = {
    "crossed": ("x", "#ff7f00", "crossing"),
    "interdiction": ("o", "#1a9850", "interdiction"),
    "got_away": ("X", "#d73027", "got away"),
}
AGENCY_COLOURS = ("#1b7837", "#2166ac", "#e08214", "#762a83", "#01665e", "#8c510a")
JURISDICTION = "jurisdiction."  # terrain_nodes column prefix: one bool column per agency


def agency_colours(agencies: list[str]) -> dict[str, str]:
    """A fixed colour per agency, in the order given (the scenario's order)."""
    return {a: AGENCY_COLOURS[i % len(AGENCY_COLOURS)] for i, a in enumerate(agencies)}


def run_agencies(scenario: dict, ev: pd.DataFrame) -> list[str]:
    """The agencies in the scenario's order (so colours match the live map), else as logged."""
    logged = [a for a in pd.unique(ev[ev.kind == "asset"].agency) if a]
    return list(scenario.get("agencies") or {}) or logged


def read_terrain(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's terrain tables; FileNotFoundError saying which is missing."""
    for name in ("terrain_nodes.parquet", "terrain_edges.parquet"):
        if not (run_dir / name).is_file():
            raise FileNotFoundError(f"{run_dir / name} is missing: a run writes it beside its results (copied part?)")
    return (
        pq.read_table(run_dir / "terrain_nodes.parquet").to_pandas(),
        pq.read_table(run_dir / "terrain_edges.parquet").to_pandas(),
    )


def run_config(run_dir: Path) -> dict:
    """A run's or a drill's config.yaml as a mapping ({} if it has none); ValueError naming the
    file if it is not the YAML mapping sim.run and the drill write (cut short, edited by hand)."""
    path = run_dir / "config.yaml"
    if not path.exists():
        return {}
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (yaml.YAMLError, ValueError) as exc:  # a UnicodeDecodeError is a ValueError
        why = " ".join(line.strip() for line in str(exc).splitlines() if line.strip().strip("^"))  # one line
        raise ValueError(f"{path}: not readable YAML ({why}); allowed: the config.yaml the run wrote") from exc
    if not isinstance(config, dict):
        raise ValueError(f"{path}: a YAML {type(config).__name__}, not a run's config; allowed: a mapping")
    return config


def read_scenario(run_dir: Path) -> dict:
    """The run's resolved scenario (config.yaml), {} without one."""
    return run_config(run_dir).get("scenario", {})


# sensor type -> its radius key and that key's default (sim/sensors/tower.py and drone.py; analysis/
# reads files only, so the defaults are repeated here: tests/test_drones.py checks they agree)
COVERAGE_KEYS = {"tower": ("range_km", 10.0), "drone": ("search_radius_km", 4.0)}


def coverage_radius_km(scenario: dict, sensor_type: str) -> float | None:
    """The radius a sensor type covers (a tower's range, a drone's search area) when every group
    of that type states the same one (the event log does not say which group a sensor belongs
    to); else None."""
    key, default = COVERAGE_KEYS[sensor_type]
    radii = {g.get(key, default) for g in (scenario.get("sensors") or {}).values() if g.get("type") == sensor_type}
    return float(radii.pop()) if len(radii) == 1 and None not in radii else None


def comms_outages(ev: pd.DataFrame, scenario: dict, end: float | None = None) -> pd.DataFrame:
    """Every comms outage of the run: name, the two agencies, start and end (minutes; `end`, the
    end of the run, if it had not ended: the horizon unless given, a drill stopped early ends at
    the minute it was played to). The agencies come from the scenario's (or drill's) injects."""
    horizon = float(ev[ev.kind == "run_start"].duration_min.iloc[0]) if end is None else end
    starts = ev[(ev.kind == "inject") & (ev.detail == "comms_outage")]
    ends = ev[ev.kind == "inject_end"].groupby("source").t.first()
    injects = scenario.get("injects") or {}
    rows = []
    for r in starts.itertuples():
        pair = list((injects.get(r.source) or {}).get("agencies") or ["?", "?"])
        rows.append((r.source, pair[0], pair[-1], r.t, float(ends.get(r.source, horizon))))
    return pd.DataFrame(rows, columns=["name", "a", "b", "start", "end"])


def comms_lines(outages: pd.DataFrame, t: float | None = None) -> list[str]:
    """The outages in words: those in force at minute t, or every one of the run (t None)."""
    if t is not None:
        live = outages[(outages.start <= t) & (outages.end > t)]
        return [f"comms down: {r.a} \u2194 {r.b} (until {clock(r.end)})" for r in live.itertuples()]
    return [f"comms down: {r.a} \u2194 {r.b}, {clock(r.start)} to {clock(r.end)}" for r in outages.itertuples()]


def draw_comms(ax, lines: list[str]) -> None:
    """Comms outages as a red box in the map's bottom-right corner, over the foreign side
    (nothing when there are none)."""
    if lines:
        ax.text(
            0.99,
            0.015,
            "\n".join(lines),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
            color="white",
            fontweight="bold",
            zorder=20,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#b2182b", "edgecolor": "none", "alpha": 0.9},
        )


def draw_terrain(ax, nodes: pd.DataFrame, edges: pd.DataFrame, colours: dict[str, str] | None = None) -> float:
    """Terrain cells, border, roads, features, sectors and (given agency colours) each agency's
    jurisdiction; returns the cell size (km)."""
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    cell = float(np.median(np.diff(np.unique(x)))) if len(np.unique(x)) > 1 else 1.0
    kinds = [KIND_COLOURS.get(k, "#dddddd") for k in nodes.kind]
    h = cell / 2  # each cell a square in data units: the same at any figure size
    squares = np.stack([np.c_[x - h, y - h], np.c_[x + h, y - h], np.c_[x + h, y + h], np.c_[x - h, y + h]], axis=1)
    ax.add_collection(PolyCollection(squares, facecolors=kinds, edgecolors="face", linewidths=0.3, zorder=0))
    ax.axhline(0.0, color="#b2182b", lw=2.2, zorder=2)
    roads = edges[edges.road]
    segs = np.stack([np.c_[x[roads.u], y[roads.u]], np.c_[x[roads.v], y[roads.v]]], axis=1)
    ax.add_collection(LineCollection(segs, colors="#555555", linewidths=1.3, zorder=1))
    for name, marker, colour in (("town", "s", "#404040"), ("port", "D", "#1f78b4"), ("staging", "^", "#8c2d04")):
        m = (nodes.feature == name).to_numpy()
        ax.scatter(x[m], y[m], marker=marker, s=70, c=colour, edgecolors="white", zorder=5, label=name)
    draw_sectors(ax, nodes, edges, cell)
    if colours:
        draw_jurisdictions(ax, nodes, edges, colours, cell)
    ax.text(x.min(), -0.25, "foreign side", va="top", fontsize=9, color="#b2182b")
    ax.text(x.min(), 0.25, "home side", va="bottom", fontsize=9, color="#b2182b")
    ax.set_aspect("equal")
    ax.set_xlabel("distance along the border (km)")
    ax.set_ylabel("distance from the border (km, foreign side negative)")
    ax.set_xlim(x.min() - cell, x.max() + cell)
    ax.set_ylim(y.min() - cell, y.max() + cell)
    return cell


def _straight(nodes: pd.DataFrame, edges: pd.DataFrame, cell: float) -> tuple[np.ndarray, np.ndarray]:
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    u, v = edges.u.to_numpy(), edges.v.to_numpy()
    keep = np.hypot(x[v] - x[u], y[v] - y[u]) <= cell * 1.01  # not the diagonals
    return u[keep], v[keep]


def _across(nodes: pd.DataFrame, u: np.ndarray, v: np.ndarray, cell: float) -> np.ndarray:
    """Segments of one cell's length across the edges u-v: the side the two cells share."""
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    dx, dy = x[v] - x[u], y[v] - y[u]
    norm = np.hypot(dx, dy)
    norm[norm == 0] = 1.0
    mx, my = (x[u] + x[v]) / 2, (y[u] + y[v]) / 2
    px, py = -dy / norm * cell / 2, dx / norm * cell / 2  # half a cell either side, across the edge
    return np.stack([np.c_[mx - px, my - py], np.c_[mx + px, my + py]], axis=1)


def draw_sectors(ax, nodes: pd.DataFrame, edges: pd.DataFrame, cell: float) -> None:
    """Sector boundaries (dashed, between neighbouring cells of different sectors) and names."""
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    sector = nodes.sector.to_numpy()
    u, v = _straight(nodes, edges, cell)
    cut = sector[u] != sector[v]
    if cut.any():
        segs = _across(nodes, u[cut], v[cut], cell)
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


def draw_jurisdictions(ax, nodes: pd.DataFrame, edges: pd.DataFrame, colours: dict[str, str], cell: float) -> None:
    """Each agency's jurisdiction (terrain_nodes' jurisdiction.<agency> columns) outlined in the
    agency's colour along the cell edges where it ends (under the border line)."""
    u, v = _straight(nodes, edges, cell)
    u, v = np.r_[u, v], np.r_[v, u]  # an edge is stored once: look across it both ways
    for agency, colour in colours.items():
        col = JURISDICTION + agency
        if col not in nodes:
            continue
        inside = nodes[col].to_numpy(dtype=bool)
        edge = inside[u] & ~inside[v]
        if edge.any():
            segs = _across(nodes, u[edge], v[edge], cell)
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=1.8, zorder=1.5, alpha=0.9))
        label = f"{agency} jurisdiction" + (
            " (the whole home side)" if inside.all() or _all_home(nodes, inside) else ""
        )
        ax.add_line(Line2D([], [], color=colour, lw=1.6, label=label))


def _all_home(nodes: pd.DataFrame, inside: np.ndarray) -> bool:
    return bool(np.array_equal(inside, (nodes.side == "home").to_numpy()))


def add_legend(ax, nodes: pd.DataFrame) -> None:
    """One legend right of the map: what was drawn (labelled artists) and the terrain kinds."""
    handles, _ = ax.get_legend_handles_labels()
    handles += [Patch(color=c, label=k) for k, c in KIND_COLOURS.items() if k in set(nodes.kind)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def label_ids(ax, x: np.ndarray, y: np.ndarray, nodes: np.ndarray, ids: np.ndarray, prefix: str, colour: str) -> None:
    """Ids beside markers ('U3,U4' where several are in or next to one cell, so labels do not
    print over each other), as the feed and the forms name them."""
    cell = float(np.median(np.diff(np.unique(x)))) if len(np.unique(x)) > 1 else 1.0
    clusters: list[tuple[float, float, list[str]]] = []
    for node, ident in sorted(zip(nodes.tolist(), ids.tolist()), key=lambda p: (x[p[0]], y[p[0]], p[1])):
        near = next(
            (c for c in clusters if abs(c[0] - x[node]) <= 1.5 * cell and abs(c[1] - y[node]) <= 0.6 * cell), None
        )
        if near is None:
            clusters.append((x[node], y[node], [f"{prefix}{ident}"]))
        else:
            near[2].append(f"{prefix}{ident}")
    for cx, cy, names in clusters:
        text = "\n".join(",".join(names[i : i + 4]) for i in range(0, len(names), 4))
        ax.annotate(
            text,
            (cx, cy),
            xytext=(5, -3 if prefix == "U" else 4),
            textcoords="offset points",
            fontsize=6.5,
            color=colour,
            fontweight="bold",
            zorder=12,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
        )


def draw_run_map(run_dir: Path, out_png: Path, replication: int = 0) -> Path:
    """map.png of one replication of the run in `run_dir` (run_map). Fixed margins, then the
    tight bounding box fits the page to the axes and the legend beside them (tight_layout would
    draw the figure a third time: about 0.1-0.2 s of every run)."""
    fig = run_map(run_dir, replication)
    fig.subplots_adjust(left=0.06, right=0.80, bottom=0.07, top=0.95)
    return save_figure_atomic(fig, out_png, bbox_inches="tight")


def run_map(run_dir: Path, replication: int = 0) -> Figure:
    """One replication of the run in `run_dir`: assets (unit bases by agency, with their unit
    ids), jurisdictions, comms outages and every outcome location."""
    nodes, edges = read_terrain(run_dir)
    scenario = read_scenario(run_dir)
    ev = pq.read_table(run_dir / "events", filters=[("replication", "=", replication)]).to_pandas()
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    assets = ev[ev.kind == "asset"]
    colours = agency_colours(run_agencies(scenario, ev))
    fig, ax = subplots(figsize=(12, 7.5), dpi=110)
    cell = draw_terrain(ax, nodes, edges, colours)
    for typ, colour, what in (("tower", "#6a3d9a", "tower coverage"), ("drone", "#1f78b4", "drone search area")):
        radius = coverage_radius_km(scenario, typ)
        if radius is not None:
            for node in assets[assets.source == f"sensor:{typ}"].node:
                ax.add_patch(Circle((x[node], y[node]), radius, fill=False, lw=0.6, ls=":", color=colour, zorder=4))
            ax.add_line(Line2D([], [], ls=":", color=colour, label=f"{what} ({radius:g} km)"))
    shipped = (
        ("sensor:tower", "*", "#6a3d9a", "camera tower"),
        ("sensor:ground", ".", "#e31a1c", "ground sensor"),
        ("sensor:drone", "^", "#1f78b4", "drone station"),
    )
    others = sorted(set(assets.source[assets.source.str.startswith("sensor:")]) - {s for s, *_ in shipped})
    for src, marker, colour, label in (  # a plug-in's sensor type: a diamond, named by its type
        *shipped,
        *((o, "D", "#ff7f00", f"{o.removeprefix('sensor:')} sensor") for o in others),
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
    units = assets[assets.unit >= 0]
    for agency, colour in colours.items():
        for mode, marker in (("vehicle", "P"), ("foot", "p")):
            a = units[(units.agency == agency) & (units.source == f"unit:{mode}")]
            if len(a):
                ax.scatter(
                    x[a.node],
                    y[a.node],
                    marker=marker,
                    s=60,
                    c=colour,
                    edgecolors="black",
                    linewidths=0.5,
                    zorder=8,
                    label=f"{agency} {mode} unit base ({len(a)})",
                )
    label_ids(ax, x, y, units.node.to_numpy(), units.unit.to_numpy(), "U", "#222222")
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
    draw_comms(ax, comms_lines(comms_outages(ev, scenario)))
    start = ev[ev.kind == "run_start"]
    scen = start.detail.iloc[0] if len(start) else ""
    days = float(start.duration_min.iloc[0]) / 1440 if len(start) else 0.0
    ax.set_title(f"{scen}: outcomes over {days:g} days (replication {replication})")
    add_legend(ax, nodes)
    return fig
