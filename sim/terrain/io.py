"""Loading terrains from GraphML or from node/edge CSV tables (via networkx), with checks.

Node attributes: x, y (km), kind, cover (0..1, optional: the kind's cover), side (foreign|home),
sector (name), feature ('' | town | staging | port, optional). Edge attributes: length_km
(optional: straight-line distance), road (optional, default false).
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import numpy as np

from sim.terrain.model import FEATURES, SIDE_NAMES, KindProps, Terrain
from sim.terrain.validate import TerrainError, validate

REQUIRED_NODE_ATTRS = ("x", "y", "kind", "side", "sector")


def load_graphml(path: str | Path, kinds: dict[str, KindProps]) -> Terrain:
    """Read a GraphML terrain (integer node ids) and validate it."""
    path = Path(path)
    if not path.is_file():
        raise TerrainError(str(path), ["file not found"])
    try:
        g = nx.read_graphml(path, node_type=int)
    except ValueError as exc:
        raise TerrainError(str(path), [f"cannot read GraphML with integer node ids: {exc}"]) from exc
    return from_networkx(g, kinds, str(path))


def load_csv(folder: str | Path, kinds: dict[str, KindProps]) -> Terrain:
    """Read `nodes.csv` (id, x, y, kind, side, sector[, cover, feature]) and `edges.csv`
    (u, v[, length_km, road]) from `folder` and validate them."""
    folder = Path(folder)
    g = nx.Graph()
    for name in ("nodes.csv", "edges.csv"):
        if not (folder / name).is_file():
            raise TerrainError(str(folder), [f"{name} not found"])
    problems: list[str] = []
    with open(folder / "nodes.csv", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                g.add_node(int(row.pop("id")), **{k: v for k, v in row.items() if v not in (None, "")})
            except (KeyError, TypeError, ValueError):
                problems.append(f"nodes.csv line {line}: 'id' must be an integer")
    with open(folder / "edges.csv", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                u, v = int(row.pop("u")), int(row.pop("v"))
            except (KeyError, TypeError, ValueError):
                problems.append(f"edges.csv line {line}: 'u' and 'v' must be integer node ids")
                continue
            g.add_edge(u, v, **{k: val for k, val in row.items() if val not in (None, "")})
    if problems:
        raise TerrainError(str(folder), problems)
    return from_networkx(g, kinds, str(folder))


def _truthy(v: object) -> bool:
    return str(v).strip().lower() in ("1", "true", "yes", "y")


def from_networkx(g: nx.Graph, kinds: dict[str, KindProps], source: str) -> Terrain:
    """Convert a graph with the documented attributes to a Terrain; every problem is reported."""
    problems: list[str] = []
    nodes = sorted(g.nodes)
    if any(not isinstance(v, (int, np.integer)) for v in nodes):
        raise TerrainError(source, ["node ids must be integers"])
    if nodes != list(range(len(nodes))):
        index = {v: i for i, v in enumerate(nodes)}  # renumber densely, keep order
        g = nx.relabel_nodes(g, index)
    n = len(nodes)
    x, y, cover, speed = (np.zeros(n) for _ in range(4))
    kind = np.zeros(n, dtype=np.int16)
    side = np.zeros(n, dtype=np.int8)
    feature = np.zeros(n, dtype=np.int8)
    sector = np.zeros(n, dtype=np.int16)
    kind_names = tuple(kinds)
    sectors: list[str] = []
    for i in range(n):
        a = g.nodes[i]
        missing = [k for k in REQUIRED_NODE_ATTRS if k not in a]
        if missing:
            problems.append(f"node {nodes[i]}: missing attribute {', '.join(repr(m) for m in missing)}")
            continue
        try:
            x[i], y[i] = float(a["x"]), float(a["y"])
        except (TypeError, ValueError):
            problems.append(f"node {nodes[i]}: x and y must be numbers (km)")
        k = str(a["kind"])
        if k not in kinds:
            problems.append(f"node {nodes[i]}: unknown kind {k!r}; allowed: {', '.join(kind_names)}")
            continue
        kind[i] = kind_names.index(k)
        cover[i] = float(a.get("cover", kinds[k].cover))
        speed[i] = kinds[k].speed_factor
        s = str(a["side"])
        if s not in SIDE_NAMES:
            problems.append(f"node {nodes[i]}: side must be one of {', '.join(SIDE_NAMES)}, got {s!r}")
        else:
            side[i] = SIDE_NAMES.index(s)
        sec = str(a["sector"])
        if sec not in sectors:
            sectors.append(sec)
        sector[i] = sectors.index(sec)
        f = str(a.get("feature", ""))
        if f not in FEATURES:
            problems.append(f"node {nodes[i]}: feature must be one of {FEATURES}, got {f!r}")
        else:
            feature[i] = FEATURES.index(f)
    if problems:
        raise TerrainError(source, problems)
    eu, ev, length, road = [], [], [], []
    for u, v, a in g.edges(data=True):
        if u == v:
            continue
        try:
            lk = float(a["length_km"]) if "length_km" in a else float(np.hypot(x[u] - x[v], y[u] - y[v]))
        except (TypeError, ValueError):
            problems.append(f"edge ({nodes[u]}, {nodes[v]}): length_km must be a number")
            continue
        eu.append(min(u, v))
        ev.append(max(u, v))
        length.append(lk)
        road.append(_truthy(a.get("road", False)))
    if problems:
        raise TerrainError(source, problems)
    t = Terrain(
        x=x,
        y=y,
        kind=kind,
        kind_names=kind_names,
        cover=cover,
        speed_factor=speed,
        side=side,
        sector=sector,
        sector_names=tuple(sectors),
        feature=feature,
        edge_u=np.array(eu, dtype=np.int32),
        edge_v=np.array(ev, dtype=np.int32),
        edge_length_km=np.array(length, dtype=float),
        edge_road=np.array(road, dtype=bool),
        name=source,
    )
    validate(t, source)
    return t
