"""The live drill map: terrain at its real coordinates with sectors, sensors (coverage and
state), units by agency and every group (ground truth for the trainer, detected ones ringed).

Drawn with the same functions as the after-action replay (analysis/maps.py), on a bare
matplotlib Figure (no pyplot: the app renders from several threads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.maps import agency_colours, draw_situation, draw_terrain
from sim.drill.session import MapState
from sim.runner import terrain_tables
from sim.world import World


class MapPainter:
    """Draws MapStates of one world (the terrain tables are built once)."""

    def __init__(self, world: World) -> None:
        nodes, edges = terrain_tables(world)
        self.nodes, self.edges = nodes.to_pandas(), edges.to_pandas()
        self.x, self.y = self.nodes.x.to_numpy(), self.nodes.y.to_numpy()
        self.colours = agency_colours(list(world.scenario.agencies))
        self.sensors = pd.DataFrame(
            {
                "node": [s.node for s in world.sensors],
                "type": [s.type for s in world.sensors],
                "range_km": [getattr(s.spec, "range_km", np.nan) for s in world.sensors],
            }
        )

    def draw(self, state: MapState, title: str = "") -> Figure:
        fig = Figure(figsize=(11, 6.2), dpi=90)
        ax = fig.add_subplot()
        draw_terrain(ax, self.nodes, self.edges)
        on = state.unit_on_duty
        units = pd.DataFrame({"node": state.unit_nodes[on], "agency": np.asarray(state.unit_agencies)[on]})
        groups = pd.DataFrame({"node": state.group_nodes, "detected": state.group_detected})
        draw_situation(
            ax,
            self.x,
            self.y,
            units=units,
            groups=groups,
            sensors=self.sensors.assign(state=state.sensor_state),
            colours=self.colours,
        )
        ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        fig.tight_layout()
        return fig
