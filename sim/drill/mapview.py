"""The live drill map: terrain at its real coordinates with sectors and each agency's
jurisdiction, sensors (coverage and state), units by agency and every group (ground truth for the
trainer, detected ones ringed), labelled with the ids of the feed and the tip form, and the comms
outages in force.

Drawn with the same functions as the after-action replay (analysis/maps.py), on a bare
matplotlib Figure (no pyplot: the app renders from several threads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.maps import add_legend, agency_colours, draw_comms, draw_terrain
from analysis.situation import draw_situation
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

    def draw(self, state: MapState, title: str = "") -> Figure:
        fig = Figure(figsize=(11, 6.2), dpi=90)
        ax = fig.add_subplot()
        draw_terrain(ax, self.nodes, self.edges, self.colours)
        on = state.unit_on_duty
        units = pd.DataFrame(
            {"id": state.unit_ids[on], "node": state.unit_nodes[on], "agency": np.asarray(state.unit_agencies)[on]}
        )
        groups = pd.DataFrame({"id": state.group_ids, "node": state.group_nodes, "detected": state.group_detected})
        draw_situation(
            ax,
            self.x,
            self.y,
            units=units,
            groups=groups,
            sensors=pd.DataFrame(
                {
                    "node": state.sensor_nodes,
                    "type": state.sensor_types,
                    "range_km": state.sensor_range_km,
                    "state": state.sensor_state,
                }
            ),
            colours=self.colours,
        )
        draw_comms(ax, state.comms_down)
        ax.set_title(title)
        add_legend(ax, self.nodes)
        fig.tight_layout()
        return fig
