"""Map of a run: terrain kinds, border, roads, towns/ports/staging, sensors, unit bases, and
where groups crossed, were interdicted and got away. Reads only the files of a run directory."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

KIND_COLOURS = {"open": "#efe6c8", "scrub": "#c9d7a3", "mountain": "#b39b7d", "river": "#8ec5e8",
                "urban": "#bdbdbd"}


def draw_run_map(run_dir: Path, out_png: Path, replication: int = 0) -> Path:
    """Draw map.png for one replication of the run in `run_dir`."""
    nodes = pq.read_table(run_dir / "terrain_nodes.parquet").to_pandas()
    edges = pq.read_table(run_dir / "terrain_edges.parquet").to_pandas()
    ev = pq.read_table(run_dir / "events", filters=[("replication", "=", replication)]).to_pandas()
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    cell = float(np.median(np.diff(np.unique(x)))) if len(np.unique(x)) > 1 else 1.0

    fig, ax = plt.subplots(figsize=(12, 7.5), dpi=110)
    colours = [KIND_COLOURS.get(k, "#dddddd") for k in nodes.kind]
    ax.scatter(x, y, c=colours, marker="s", s=(72 * cell * 6.2 / max(np.ptp(x), 1)) ** 2 * 2.4, linewidths=0,
               zorder=0)
    ax.axhline(0.0, color="#b2182b", lw=2.2, zorder=2)
    roads = edges[edges.road]
    segs = np.stack([np.c_[x[roads.u], y[roads.u]], np.c_[x[roads.v], y[roads.v]]], axis=1)
    ax.add_collection(LineCollection(segs, colors="#555555", linewidths=1.3, zorder=1))
    for name, marker, colour in (("town", "s", "#404040"), ("port", "D", "#1f78b4"), ("staging", "^", "#8c2d04")):
        m = (nodes.feature == name).to_numpy()
        ax.scatter(x[m], y[m], marker=marker, s=70, c=colour, edgecolors="white", zorder=5, label=name)

    assets = ev[ev.kind == "asset"]
    for src, marker, colour, label in (("sensor:tower", "*", "#6a3d9a", "camera tower"),
                                        ("sensor:ground", ".", "#e31a1c", "ground sensor"),
                                        ("unit:vehicle", "P", "#33a02c", "vehicle unit base"),
                                        ("unit:foot", "p", "#b2df8a", "foot unit base")):
        a = assets[assets.source == src]
        if len(a):
            ax.scatter(x[a.node], y[a.node], marker=marker, s=140 if marker == "*" else 45, c=colour,
                       edgecolors="black", linewidths=0.4, zorder=6, label=label)
    for kind, marker, colour, label in (("crossed", "x", "#ff7f00", "crossing"),
                                         ("interdiction", "o", "#1a9850", "interdiction"),
                                         ("got_away", "X", "#d73027", "got away")):
        e = ev[ev.kind == kind]
        if len(e):
            jitter = np.random.default_rng(0).uniform(-0.25, 0.25, size=(len(e), 2)) * cell
            ax.scatter(x[e.node] + jitter[:, 0], y[e.node] + jitter[:, 1], marker=marker, s=36, c=colour,
                       zorder=7, label=f"{label} ({len(e)})", alpha=0.85, linewidths=1.2 if marker == "x" else 0.4,
                       edgecolors="black" if marker != "x" else None)
    ax.text(x.min(), -0.25, "foreign side", va="top", fontsize=9, color="#b2182b")
    ax.text(x.min(), 0.25, "home side", va="bottom", fontsize=9, color="#b2182b")
    ax.set_aspect("equal")
    ax.set_xlabel("distance along the border (km)")
    ax.set_ylabel("distance from the border (km, foreign side negative)")
    scen = ev[ev.kind == "run_start"].detail.iloc[0] if (ev.kind == "run_start").any() else ""
    days = float(ev[ev.kind == "run_start"].duration_min.iloc[0]) / 1440 if scen else 0
    ax.set_title(f"{scen}: outcomes over {days:g} days (replication {replication})")
    handles, labels = ax.get_legend_handles_labels()
    handles += [Patch(color=c, label=k) for k, c in KIND_COLOURS.items() if k in set(nodes.kind)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_xlim(x.min() - cell, x.max() + cell)
    ax.set_ylim(y.min() - cell, y.max() + cell)
    fig.tight_layout()
    tmp = out_png.with_suffix(".tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(out_png)
    return out_png
