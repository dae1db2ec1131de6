"""The situation at one minute, drawn on a terrain map: sensors (state and coverage), units on
duty by agency and every group on the move, each labelled with the id the drill's feed and tip
form use (U13: unit 13, G32: group 32). The live drill map and the after-action replay both draw
with this, so the two look the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from analysis.maps import label_ids

ALARM_MINUTES = 30.0  # a sensor is drawn in alarm this long after its last alert (live map and replay)
SENSOR_STATE_COLOURS = {"up": "#4daf4a", "alarm": "#e41a1c", "down": "#969696"}
SENSOR_STATE_NAMES = {
    "up": "sensor up",
    "alarm": f"sensor alerting (an alert in the last {ALARM_MINUTES:g} min)",
    "down": "sensor down",
}
SENSOR_SHAPES = {
    "tower": ("*", 150, "camera tower"),
    "ground": ("o", 22, "ground sensor"),
    "drone": ("^", 70, "drone station"),
}
GROUP_COLOUR = "#d73027"


def _sensors(ax, x: np.ndarray, y: np.ndarray, sensors: pd.DataFrame) -> None:
    coverage = False
    others = sorted(set(sensors.type) - set(SENSOR_SHAPES))  # a plug-in's sensor type: a diamond, named by its type
    for typ, (marker, size, name) in [*SENSOR_SHAPES.items(), *((o, ("D", 40, f"{o} sensor")) for o in others)]:
        s = sensors[sensors.type == typ]
        if not len(s):
            continue
        if "range_km" in s:
            for r in s[s.range_km.notna()].itertuples():
                coverage = True
                ax.add_patch(
                    Circle(
                        (x[r.node], y[r.node]),
                        r.range_km,
                        fill=False,
                        lw=0.7,
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
        )
        ax.add_line(Line2D([], [], ls="", marker=marker, color="white", mec="black", mew=0.6, ms=9, label=name))
    for state, colour in SENSOR_STATE_COLOURS.items():
        ax.add_line(
            Line2D([], [], ls="", marker="o", color=colour, mec="black", mew=0.4, ms=7, label=SENSOR_STATE_NAMES[state])
        )
    if coverage:
        ax.add_line(
            Line2D([], [], ls=":", color="#4d4d4d", lw=1.0, label="coverage (a tower's range, a drone's search area)")
        )


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
    """Units (id, node, agency) coloured by agency, groups (id, node, detected) with the detected
    ones ringed, sensors (node, type, state up|down|alarm, range_km or NaN) with their coverage,
    each with a legend entry; units and groups labelled with their ids."""
    _sensors(ax, x, y, sensors)
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
                label=f"{agency} units on duty ({len(u)})",
            )
    seen = groups.detected.to_numpy(dtype=bool)
    g = groups.node.to_numpy()
    ax.scatter(
        x[g[~seen]],
        y[g[~seen]],
        marker="o",
        s=40,
        c=GROUP_COLOUR,
        zorder=8,
        label=f"groups, not detected ({int((~seen).sum())})",
    )
    ax.scatter(
        x[g[seen]],
        y[g[seen]],
        marker="o",
        s=90,
        facecolors=GROUP_COLOUR,
        edgecolors="black",
        linewidths=2,
        zorder=8,
        label=f"groups, detected ({int(seen.sum())})",
    )
    label_ids(ax, x, y, units.node.to_numpy(), units.id.to_numpy(), "U", "#222222")
    label_ids(ax, x, y, g, groups.id.to_numpy(), "G", "#a50f15")
    ax.add_line(Line2D([], [], ls="", label="U13 = unit 13, G32 = group 32\n(the ids of the feed and tip form)"))
