"""Loading terrains from GraphML or from node/edge CSV tables (via networkx), with checks.

Node attributes: x, y (km), kind, cover (0..1, optional: the kind's cover), side (foreign|home),
sector (name), feature ('' | town | staging | port, optional). Edge attributes: length_km
(optional: straight-line distance), road (optional, default false).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

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
        problems = _typed_value_problems(path) or [f"cannot read GraphML with integer node ids: {exc}"]
        raise TerrainError(str(path), problems) from exc
    except ElementTree.ParseError as exc:  # not XML, or cut short
        raise TerrainError(str(path), [f"not a readable XML file ({exc}); allowed: a GraphML file"]) from exc
    except (KeyError, TypeError, nx.NetworkXError) as exc:  # a bad boolean, a <node> without id, a hyperedge
        problems = _typed_value_problems(path) or [f"cannot read GraphML: {exc}; allowed: {_GRAPHML_SHAPE}"]
        raise TerrainError(str(path), problems) from exc
    declared = _declared_nodes(path)
    twice = sorted(v for v, n in Counter(declared).items() if n > 1)  # (list.count per id: quadratic)
    if twice:  # networkx merges the declarations, the later attributes winning
        raise TerrainError(
            str(path), [f"node {v} is declared more than once; allowed: one <node> per id" for v in twice]
        )
    undeclared = set(g.nodes) - set(declared)
    if undeclared:  # networkx adds an edge's unknown end as a node without attributes
        raise TerrainError(
            str(path),
            [
                f'edge {u}-{v}: node {w} is not declared (no <node id="{w}">); allowed: the file\'s declared nodes'
                for u, v in g.edges
                for w in (u, v)
                if w in undeclared
            ],
        )
    return from_networkx(g, kinds, str(path))


def _declared_nodes(path: Path) -> list[int]:
    """The ids of the <node> elements of a GraphML file, in order, repeats kept (networkx read it
    already: ids are integers)."""
    declared = []
    for _, element in ElementTree.iterparse(path):
        if element.tag.rpartition("}")[2] == "node":
            declared.append(int(element.get("id")))
        element.clear()
    return declared


_GRAPHML_SHAPE = "one <graph> of <node id=...> (integer ids) and <edge source=... target=...> elements"


def _boolean(text: str) -> bool:
    """A GraphML boolean as networkx reads one (true/false/1/0, any case); ValueError otherwise."""
    values = {"true": True, "false": False, "1": True, "0": False}
    if text.lower() not in values:
        raise ValueError(text)
    return values[text.lower()]


_GRAPHML_TYPES = {"int": int, "long": int, "float": float, "double": float, "boolean": _boolean}


def _typed_value_problems(path: Path) -> list[str]:
    """The values of typed (int, long, float, double) <data> elements that are not of their key's
    type, each naming the node or edge, the attribute and the type: what networkx's reader refuses
    with only the value. Empty if there are none (the reader refused something else)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError):
        return []
    local = lambda el: el.tag.rpartition("}")[2]
    keys = {
        k.get("id"): (k.get("attr.name") or k.get("id"), k.get("attr.type", "string"))
        for k in root.iter()
        if local(k) == "key"
    }
    problems = []
    for el in root.iter():
        if local(el) not in ("node", "edge"):
            continue
        where = f"node {el.get('id')}" if local(el) == "node" else f"edge {el.get('source')}-{el.get('target')}"
        for data in el:
            name, kind = keys.get(data.get("key"), (data.get("key"), "string"))
            convert = _GRAPHML_TYPES.get(kind)
            text = (data.text or "").strip()
            if convert is None or not text:
                continue
            try:
                convert(text)
            except ValueError:
                allowed = "true or false" if kind == "boolean" else f"a {kind}"
                problems.append(f"{where}: {name} = {text!r}; allowed: {allowed} (the type its <key> declares)")
    return problems


NODE_COLUMNS = ("id", *REQUIRED_NODE_ATTRS)
OPTIONAL_NODE_COLUMNS = ("cover", "feature")
EDGE_COLUMNS = ("u", "v")
OPTIONAL_EDGE_COLUMNS = ("length_km", "road")
# numeric columns of the CSV files: what a value must be, as said in a problem
NODE_NUMBERS = {"x": "a number (km)", "y": "a number (km)", "cover": "a number in [0, 1]"}
EDGE_NUMBERS = {"length_km": "a number > 0"}


def _read_csv(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...], problems: list[str]
) -> list[tuple[int, dict]] | None:
    """(line, row) pairs of a CSV file with its empty cells dropped, or None (problems noted) when the
    file cannot be read or its header lacks a required column or has an unknown one (a column with an
    empty name, such as pandas' index, is ignored); a row with more values than the header has
    columns is noted and left out."""
    columns = f"{', '.join(required)}[, {', '.join(optional)}]"
    rows = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or ()
            missing = [c for c in required if c not in header]
            unknown = [c for c in header if c not in required + optional and c.strip()]  # '': an index column
            for what, names in (("missing", missing), ("unknown", unknown)):
                if names:
                    word = "column" if len(names) == 1 else "columns"
                    problems.append(f"{path.name}: {what} {word} {', '.join(map(repr, names))}; columns: {columns}")
            if missing or unknown:
                return None
            for row in reader:
                line = reader.line_num
                if None in row:
                    n_columns = len(reader.fieldnames)
                    n_values = n_columns + len(row[None])
                    problems.append(
                        f"{path.name} line {line}: {n_values} values but the header has {n_columns} columns"
                    )
                    continue
                rows.append((line, {k: v for k, v in row.items() if v not in (None, "") and k.strip()}))
    except UnicodeDecodeError as exc:
        problems.append(f"{path.name}: cannot read as UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    except csv.Error as exc:
        problems.append(f"{path.name}: cannot read as CSV: {exc}")
        return None
    return rows


def _numbers(row: dict[str, str], allowed: dict[str, str], where: str, problems: list[str]) -> None:
    """Convert the numeric cells of `row` to float in place, noting each one that is not a number."""
    for key, what in allowed.items():
        if key in row:
            try:
                row[key] = float(row[key])
            except ValueError:
                problems.append(f"{where}: {key} must be {what}, got {row[key]!r}")


def load_csv(folder: str | Path, kinds: dict[str, KindProps]) -> Terrain:
    """Read `nodes.csv` (id, x, y, kind, side, sector[, cover, feature]) and `edges.csv`
    (u, v[, length_km, road]) from `folder` and validate them. Problems of the files themselves
    (unreadable values, repeated node ids or edges, edges to unknown nodes) name the file and line."""
    folder = Path(folder)
    for name in ("nodes.csv", "edges.csv"):
        if not (folder / name).is_file():
            raise TerrainError(str(folder), [f"{name} not found"])
    problems: list[str] = []
    node_rows = _read_csv(folder / "nodes.csv", NODE_COLUMNS, OPTIONAL_NODE_COLUMNS, problems)
    edge_rows = _read_csv(folder / "edges.csv", EDGE_COLUMNS, OPTIONAL_EDGE_COLUMNS, problems)
    if node_rows is None or edge_rows is None:
        raise TerrainError(str(folder), problems)
    g = nx.Graph()
    node_line: dict[int, int] = {}  # node id -> line that defines it
    for line, row in node_rows:
        where = f"nodes.csv line {line}"
        try:
            node = int(row.get("id", ""))
        except ValueError:
            problems.append(f"{where}: 'id' must be an integer, got {row.get('id', '')!r}")
            continue
        del row["id"]
        if node in node_line:
            problems.append(
                f"{where}: node id {node} is already defined on line {node_line[node]} (node ids must be unique)"
            )
            continue
        node_line[node] = line
        where = f"{where}: node {node}"
        missing = [k for k in REQUIRED_NODE_ATTRS if k not in row]
        if missing:
            problems.append(f"{where}: missing attribute {', '.join(map(repr, missing))}")
        _numbers(row, NODE_NUMBERS, where, problems)
        g.add_node(node, **row)
    edge_line: dict[frozenset[int], tuple[int, str]] = {}  # node pair -> (line, 'u-v' as listed there)
    for line, row in edge_rows:
        where = f"edges.csv line {line}"
        try:
            u, v = int(row.get("u", "")), int(row.get("v", ""))
        except ValueError:
            problems.append(
                f"{where}: 'u' and 'v' must be integer node ids, got u={row.get('u', '')!r}, v={row.get('v', '')!r}"
            )
            continue
        del row["u"], row["v"]
        where = f"{where}: edge {u}-{v}"
        unknown = [w for w in dict.fromkeys((u, v)) if w not in node_line]
        if unknown:
            nodes_word = "node" if len(unknown) == 1 else "nodes"
            verb = "is" if len(unknown) == 1 else "are"
            problems.append(f"{where}: {nodes_word} {' and '.join(map(str, unknown))} {verb} not in nodes.csv")
            continue
        pair = frozenset((u, v))
        if pair in edge_line:
            first, listed = edge_line[pair]
            problems.append(
                f"{where} is already listed on line {first} as {listed} (the graph is undirected; list each pair once)"
            )
            continue
        edge_line[pair] = (line, f"{u}-{v}")
        _numbers(row, EDGE_NUMBERS, where, problems)
        g.add_edge(u, v, **row)
    if problems:
        raise TerrainError(str(folder), problems)
    return from_networkx(g, kinds, str(folder))


ROAD_TRUE = ("1", "true", "yes", "y")
ROAD_FALSE = ("0", "false", "no", "n", "")


def _road(v: object) -> bool | None:
    """An edge's road flag, or None when the value is neither (then it is a problem)."""
    if isinstance(v, (bool, int, float, np.integer, np.floating)):  # GraphML typed attributes
        return bool(v) if v in (0, 1) else None
    text = str(v).strip().lower()
    if text in ROAD_TRUE or text in ROAD_FALSE:
        return text in ROAD_TRUE
    try:
        number = float(text)  # 1.0 / 0.0, as pandas writes a column with gaps
    except ValueError:
        return None
    return bool(number) if number in (0, 1) else None


def from_networkx(g: nx.Graph, kinds: dict[str, KindProps], source: str) -> Terrain:
    """Convert a graph with the documented attributes to a Terrain; every problem is reported."""
    problems: list[str] = []
    nodes = sorted(g.nodes)
    if any(not isinstance(v, (int, np.integer)) for v in nodes):
        raise TerrainError(source, ["node ids must be integers"])
    renumbered = nodes != list(range(len(nodes)))
    if renumbered:
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
    node_default = dict(g.graph.get("node_default", {}))  # a GraphML key's <default> (networkx keeps it apart)
    edge_default = dict(g.graph.get("edge_default", {}))
    for i in range(n):
        a = {**node_default, **g.nodes[i]}
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
        try:
            cover[i] = float(a.get("cover", kinds[k].cover))
        except (TypeError, ValueError):
            problems.append(f"node {nodes[i]}: cover must be a number in [0, 1], got {a['cover']!r}")
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
    seen: dict[tuple[int, int], tuple[float, bool]] = {}  # a pair listed twice: a directed file, or a multigraph
    for u, v, a in g.edges(data=True):
        if u == v:
            continue
        a = {**edge_default, **a}
        try:
            lk = float(a["length_km"]) if "length_km" in a else float(np.hypot(x[u] - x[v], y[u] - y[v]))
        except (TypeError, ValueError):
            problems.append(f"edge ({nodes[u]}, {nodes[v]}): length_km must be a number")
            continue
        flag = _road(a.get("road", False))
        if flag is None:
            problems.append(
                f"edge ({nodes[u]}, {nodes[v]}): road must be true or false (1/0, yes/no), got {a['road']!r}"
            )
            continue
        pair = (min(u, v), max(u, v))
        if pair in seen:  # the terrain is undirected: one edge per pair, listed once or in both directions
            if seen[pair] != (lk, flag):
                problems.append(
                    f"edge ({nodes[pair[0]]}, {nodes[pair[1]]}): listed twice with different length_km or road "
                    f"({seen[pair][0]:g} km, road {seen[pair][1]} and {lk:g} km, road {flag}); allowed: one "
                    "length and road per pair of cells (the terrain is undirected)"
                )
            continue
        seen[pair] = (lk, flag)
        eu.append(pair[0])
        ev.append(pair[1])
        length.append(lk)
        road.append(flag)
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
    validate(t, source, [int(v) for v in nodes] if renumbered else None)  # named as in the file
    return t
