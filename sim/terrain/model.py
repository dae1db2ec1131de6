"""The terrain as flat arrays: node attributes, edge lists and named node features.

A `Terrain` is what the rest of the engine reads. It is built by the generator (`generate.py`)
or the loaders (`io.py`), checked by `validate.py`, and compiled into routing tables by
`routing.py`. networkx appears only at the edges (loading, exporting, inspection).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

FOREIGN, HOME = 0, 1
SIDE_NAMES = ("foreign", "home")
FEATURES = ("", "town", "staging", "port")
NO_FEATURE, TOWN, STAGING, PORT = range(4)


@dataclass(frozen=True)
class KindProps:
    """What a terrain kind does: concealment (cover 0..1) and off-road speed multiplier."""

    cover: float
    speed_factor: float


@dataclass
class Terrain:
    """Node and edge arrays of a border region. Node ids are 0..n-1."""

    x: np.ndarray  # km, along the border
    y: np.ndarray  # km, distance from the border line (negative = foreign side)
    kind: np.ndarray  # int index into kind_names
    kind_names: tuple[str, ...]
    cover: np.ndarray  # 0..1, lowers detection
    speed_factor: np.ndarray  # off-road speed multiplier from the node's kind
    side: np.ndarray  # FOREIGN / HOME
    sector: np.ndarray  # int index into sector_names
    sector_names: tuple[str, ...]
    feature: np.ndarray  # NO_FEATURE / TOWN / STAGING / PORT
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_km: np.ndarray
    edge_road: np.ndarray  # bool
    name: str = "terrain"
    _border_edges: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Edges in one canonical order, each from its lower node id to its higher, sorted by
        (lower, higher): the same terrain is the same run whatever order its file or its source
        listed the edges in (neighbour lists, route ties and corridor tie-breaks follow the edge
        order; a GraphML file written out and read back listed them in networkx's order)."""
        u, v = np.asarray(self.edge_u), np.asarray(self.edge_v)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        order = np.lexsort((hi, lo))
        self.edge_u, self.edge_v = lo[order], hi[order]
        self.edge_length_km = np.asarray(self.edge_length_km)[order]
        self.edge_road = np.asarray(self.edge_road)[order]
        self._border_edges = None

    @property
    def n_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    @property
    def border_edges(self) -> np.ndarray:
        """Indices of edges that join the foreign and the home side."""
        if self._border_edges is None:
            self._border_edges = np.flatnonzero(self.side[self.edge_u] != self.side[self.edge_v])
        return self._border_edges

    def nodes_with(self, feature: int) -> np.ndarray:
        return np.flatnonzero(self.feature == feature)

    @property
    def towns(self) -> np.ndarray:
        return self.nodes_with(TOWN)

    @property
    def staging_areas(self) -> np.ndarray:
        return self.nodes_with(STAGING)

    @property
    def ports(self) -> np.ndarray:
        return self.nodes_with(PORT)

    def sector_id(self, name: str) -> int:
        return self.sector_names.index(name)

    def nearest_node(self, x: float, y: float, mask: np.ndarray | None = None) -> int:
        """The node closest to (x, y) km, optionally among nodes where `mask` is true."""
        d2 = (self.x - x) ** 2 + (self.y - y) ** 2
        if mask is not None:
            d2 = np.where(mask, d2, np.inf)
        return int(np.argmin(d2))

    def distance_km(self, a: int, nodes: np.ndarray | int) -> np.ndarray:
        """Straight-line distance from node `a` to `nodes`."""
        return np.hypot(self.x[nodes] - self.x[a], self.y[nodes] - self.y[a])

    def to_networkx(self) -> nx.Graph:
        """The terrain as a networkx graph with the documented attributes (for export/inspection)."""
        g = nx.Graph(name=self.name)
        for i in range(self.n_nodes):
            g.add_node(
                i,
                x=float(self.x[i]),
                y=float(self.y[i]),
                kind=self.kind_names[self.kind[i]],
                cover=float(self.cover[i]),
                side=SIDE_NAMES[self.side[i]],
                sector=self.sector_names[self.sector[i]],
                feature=FEATURES[self.feature[i]],
            )
        for u, v, length, road in zip(
            self.edge_u.tolist(), self.edge_v.tolist(), self.edge_length_km.tolist(), self.edge_road.tolist()
        ):
            g.add_edge(u, v, length_km=float(length), road=bool(road))
        return g
