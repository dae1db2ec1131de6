"""A seat's map: the terrain drawn once as an image (its agency's jurisdiction outlined), with the
seat's units, alerts, incidents and sensors as markers over it (seatmap.vue). The browser pans and
zooms (scroll, drag, the +/- buttons) and shows a marker's details on hover, with no server work;
a click on a marker picks it, a click on the terrain picks the cell there (`Backdrop.node_at`).

Chosen over a tile map widget (ipyleaflet) because it needs no front-end files beyond Solara's
own (the drill stays offline with what sim/drill/assets.py fetches) and costs the server one
image per page and a short list of markers per update, instead of a rendered map.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import solara
from matplotlib.figure import Figure

from analysis.labels import clock
from analysis.maps import draw_terrain
from analysis.situation import SENSOR_STATE_COLOURS
from sim.drill.picture import Picture
from sim.runner import terrain_tables
from sim.world import World

ALERT_COLOUR = "#e41a1c"
INCIDENT_COLOUR = "#ffd92f"


@dataclass(frozen=True)
class Backdrop:
    """The terrain image of one seat and the mapping between its pixels and the terrain."""

    image: str  # a data: URL (PNG)
    x0: float
    x1: float
    y0: float
    y1: float
    x: np.ndarray  # node coordinates (km)
    y: np.ndarray

    def frac(self, node: int) -> tuple[float, float]:
        """Where cell `node` is on the image, as fractions of its width and height from the top left."""
        return (
            float((self.x[node] - self.x0) / (self.x1 - self.x0)),
            float((self.y1 - self.y[node]) / (self.y1 - self.y0)),
        )

    def node_at(self, fx: float, fy: float) -> int:
        """The cell under a click at fractions (fx, fy) of the image."""
        px, py = self.x0 + fx * (self.x1 - self.x0), self.y1 - fy * (self.y1 - self.y0)
        return int(np.argmin((self.x - px) ** 2 + (self.y - py) ** 2))


def backdrop(world: World, colours: dict[str, str], width_in: float = 12.0, dpi: int = 80) -> Backdrop:
    """Draw the terrain (kinds, border, roads, towns, ports, sectors and the given agencies'
    jurisdictions) filling the whole image, so a pixel maps to a cell by proportion."""
    nodes, edges = (t.to_pandas() for t in terrain_tables(world))
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    cell = float(np.median(np.diff(np.unique(x)))) if len(np.unique(x)) > 1 else 1.0
    x0, x1, y0, y1 = x.min() - cell, x.max() + cell, y.min() - cell, y.max() + cell
    fig = Figure(figsize=(width_in, width_in * (y1 - y0) / (x1 - x0)), dpi=dpi)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    draw_terrain(ax, nodes, edges, colours)
    ax.set_aspect("auto")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return Backdrop("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode(), x0, x1, y0, y1, x, y)


def markers(p: Picture, b: Backdrop, colour: str, alert_window_min: float) -> list[dict]:
    """The markers of a seat's picture: sensors, recent alerts, open incidents, units on duty.
    Each has an id ('U3', 'A12', 'I4', 'S7'), where it is, its label and its hover text."""
    out = []

    def add(ident: str, kind: str, node: int, label: str, title: str, fill: str, text: str, z: int) -> None:
        fx, fy = b.frac(node)
        out.append(
            {"id": ident, "kind": kind, "x": fx, "y": fy, "label": label, "title": title, "colour": fill, "text": text}
            | {"z": z}
        )

    for s in p.sensors:
        add(f"S{s.id}", "sensor", s.node, "", f"{s.type} {s.id}: {s.state}", SENSOR_STATE_COLOURS[s.state], "#000", 1)
    for a in p.alerts:
        if p.now - a.t <= alert_window_min:
            add(f"A{a.id}", "alert", a.node, f"A{a.id}", f"{a.words()}; cell {a.node}", ALERT_COLOUR, "#fff", 2)
    for inc in p.incidents:
        on = f"unit {inc.unit} on it" if inc.unit >= 0 else inc.hint
        alerts = ", ".join(f"A{a}" for a in inc.alerts) or "none (a point you chose)"
        title = f"incident {inc.id}, opened {clock(inc.opened)}, cell {inc.node}; alerts {alerts}; {on}"
        add(f"I{inc.id}", "incident", inc.node, f"I{inc.id}", title, INCIDENT_COLOUR, "#000", 3)
    for u in p.units:
        if u.on_duty:
            title = f"unit {u.id} ({u.group}, {u.agency}): {u.state}; cell {u.node}"
            add(f"U{u.id}", "unit", u.node, f"U{u.id}", title, colour, "#fff", 4)
    return out


@solara.component_vue("seatmap.vue")
def SeatMap(
    image: str,
    markers: list,
    selected: str,
    hint: str,
    event_marker: Callable[[str], None],
    event_point: Callable[[dict], None],
) -> None:
    """The clickable map: `event_marker(id)` on a marker, `event_point({x, y})` (fractions of the
    image) on the terrain."""
