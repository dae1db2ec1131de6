"""Bad CSV terrain files: one TerrainError naming the file, the row and what is allowed, never a
traceback nor a silently wrong terrain."""

import networkx as nx
import numpy as np
import pytest

from sim.scenario import TerrainSpec
from sim.terrain import KindProps, TerrainError, generate, load_csv, load_graphml
from sim.terrain.io import from_networkx

PROPS = {k: KindProps(v.cover, v.speed_factor) for k, v in TerrainSpec().kinds.items()}

# a sound 3-node terrain: foreign staging area 0 -- home 1 -- town 2
NODES = [
    "id,x,y,kind,cover,side,sector,feature",
    "0,0.5,-0.5,open,0.2,foreign,S1,staging",
    "1,0.5,0.5,open,,home,S1,",
    "2,0.5,1.5,open,,home,S1,town",
]
EDGES = ["u,v,length_km,road", "0,1,1.0,0", "1,2,,1"]


def _write(folder, nodes: list[str], edges: list[str]):
    folder.mkdir(exist_ok=True)
    (folder / "nodes.csv").write_text("\n".join(nodes) + "\n")
    (folder / "edges.csv").write_text("\n".join(edges) + "\n")
    return folder


def _error(tmp_path, nodes: list[str] = NODES, edges: list[str] = EDGES) -> TerrainError:
    folder = _write(tmp_path / "terrain", nodes, edges)
    with pytest.raises(TerrainError) as err:
        load_csv(folder, PROPS)
    assert str(folder) in str(err.value)
    return err.value


def test_the_sound_base_terrain_loads(tmp_path):
    t = load_csv(_write(tmp_path / "terrain", NODES, EDGES), PROPS)
    assert t.n_nodes == 3 and t.edge_road.tolist() == [False, True]
    assert t.cover.tolist() == [0.2, PROPS["open"].cover, PROPS["open"].cover]


# --- 1. non-numeric values -------------------------------------------------------------------
def test_non_numeric_cover_is_a_problem_naming_file_row_and_range(tmp_path):
    nodes = NODES[:2] + ["1,0.5,0.5,open,abc,home,S1,"] + NODES[3:]
    err = _error(tmp_path, nodes)
    assert err.problems == ["nodes.csv line 3: node 1: cover must be a number in [0, 1], got 'abc'"]


def test_cover_out_of_range_is_still_reported(tmp_path):
    nodes = NODES[:2] + ["1,0.5,0.5,open,1.5,home,S1,"] + NODES[3:]
    assert "cover must be in [0, 1], got 1.5" in str(_error(tmp_path, nodes))


def test_non_numeric_cover_in_a_graph_is_a_problem_too(tmp_path):
    g = nx.Graph()
    g.add_node(0, x=0.5, y=-0.5, kind="open", cover="lots", side="foreign", sector="S1", feature="staging")
    g.add_node(1, x=0.5, y=0.5, kind="open", side="home", sector="S1", feature="town")
    g.add_edge(0, 1)
    with pytest.raises(TerrainError) as err:
        from_networkx(g, PROPS, "g")
    assert err.value.problems == ["node 0: cover must be a number in [0, 1], got 'lots'"]
    nx.write_graphml(g, tmp_path / "t.graphml")
    with pytest.raises(TerrainError, match="node 0: cover must be a number in \\[0, 1\\], got 'lots'"):
        load_graphml(tmp_path / "t.graphml", PROPS)


def test_a_graphml_edge_to_an_undeclared_node_names_the_edge(tmp_path):
    g = nx.Graph()
    g.add_node(0, x=0.5, y=-0.5, kind="open", side="foreign", sector="S1", feature="staging")
    g.add_node(1, x=0.5, y=0.5, kind="open", side="home", sector="S1", feature="town")
    g.add_edge(0, 1)
    nx.write_graphml(g, tmp_path / "t.graphml")
    text = (tmp_path / "t.graphml").read_text()
    (tmp_path / "t.graphml").write_text(text.replace("</graph>", '<edge source="0" target="7" /></graph>'))
    with pytest.raises(TerrainError) as err:
        load_graphml(tmp_path / "t.graphml", PROPS)
    assert err.value.problems == [
        'edge 0-7: node 7 is not declared (no <node id="7">); allowed: the file\'s declared nodes'
    ]


def _two_cells() -> nx.Graph:
    g = nx.Graph()
    g.add_node(0, x=0.5, y=-0.5, kind="open", side="foreign", sector="S1", feature="staging")
    g.add_node(1, x=0.5, y=0.5, kind="open", side="home", sector="S1", feature="town")
    g.add_edge(0, 1)
    return g


def test_a_graphml_node_declared_twice_is_refused(tmp_path):
    """networkx merges two <node id="1"> silently, the later attributes winning (a home town
    became a foreign staging area); the CSV reader refuses a repeated id, and so does this."""
    path = tmp_path / "t.graphml"
    nx.write_graphml(_two_cells(), path)
    text = path.read_text()
    second = text[text.index('<node id="1">') : text.index("</node>", text.index('<node id="1">')) + len("</node>")]
    path.write_text(text.replace("</graph>", second.replace("home", "foreign") + "</graph>"))
    with pytest.raises(TerrainError) as err:
        load_graphml(path, PROPS)
    assert err.value.problems == ["node 1 is declared more than once; allowed: one <node> per id"]


def test_a_graphml_value_not_of_its_keys_type_names_the_node_and_attribute(tmp_path):
    path = tmp_path / "t.graphml"
    nx.write_graphml(_two_cells(), path)
    text = path.read_text()
    at = text.index('<node id="1">')
    x_data = text.index(">0.5<", at)
    path.write_text(text[:x_data] + ">abc<" + text[x_data + len(">0.5<") :])
    with pytest.raises(TerrainError) as err:
        load_graphml(path, PROPS)
    assert err.value.problems == ["node 1: x = 'abc'; allowed: a double (the type its <key> declares)"]


def test_every_other_number_names_file_row_and_value(tmp_path):
    nodes = NODES[:2] + ["1,east,0.5,open,,home,S1,", "2,0.5,,open,,home,S1,town", "three,0.5,2.5,open,,home,S1,"]
    edges = EDGES[:1] + ["0,1,far,0", "1,2.0,,1"]
    err = _error(tmp_path, nodes, edges)
    assert err.problems == [
        "nodes.csv line 3: node 1: x must be a number (km), got 'east'",
        "nodes.csv line 4: node 2: missing attribute 'y'",
        "nodes.csv line 5: 'id' must be an integer, got 'three'",
        "edges.csv line 2: edge 0-1: length_km must be a number > 0, got 'far'",
        "edges.csv line 3: 'u' and 'v' must be integer node ids, got u='1', v='2.0'",
    ]


# --- 2. duplicate node ids -------------------------------------------------------------------
def test_duplicate_node_id_names_the_id_and_both_rows(tmp_path):
    nodes = NODES + ["1,9.0,9.0,open,,home,S1,"]
    err = _error(tmp_path, nodes)
    assert err.problems == ["nodes.csv line 5: node id 1 is already defined on line 3 (node ids must be unique)"]


# --- 3. duplicate edges ----------------------------------------------------------------------
@pytest.mark.parametrize("repeat", ["0,1,1.0,1", "1,0,,1"])
def test_duplicate_edge_names_the_pair_and_both_rows(tmp_path, repeat):
    err = _error(tmp_path, edges=EDGES + [repeat])
    u, v = repeat.split(",")[:2]
    assert err.problems == [
        f"edges.csv line 4: edge {u}-{v} is already listed on line 2 as 0-1 (the graph is undirected; "
        "list each pair once)"
    ]


# --- 4. edges to unknown nodes ---------------------------------------------------------------
def test_edge_to_an_unknown_node_names_the_node_and_file(tmp_path):
    err = _error(tmp_path, edges=EDGES + ["2,7,,0", "8,0,,0"])
    assert err.problems == [
        "edges.csv line 4: edge 2-7: node 7 is not in nodes.csv",
        "edges.csv line 5: edge 8-0: node 8 is not in nodes.csv",
    ]


# --- malformed files -------------------------------------------------------------------------
def test_malformed_rows_and_files(tmp_path):
    nodes = NODES + ["3,0.5,2.5,open,,home,S1,,extra"]
    err = _error(tmp_path, nodes)
    assert err.problems == ["nodes.csv line 5: 9 values but the header has 8 columns"]
    err = _error(tmp_path, ["x,y,kind,side,sector", "0.5,0.5,open,home,S1"])
    assert err.problems == ["nodes.csv: missing column 'id'; columns: id, x, y, kind, side, sector[, cover, feature]"]
    err = _error(tmp_path, edges=["a,b", "0,1"])
    assert err.problems == [
        "edges.csv: missing columns 'u', 'v'; columns: u, v[, length_km, road]",
        "edges.csv: unknown columns 'a', 'b'; columns: u, v[, length_km, road]",
    ]
    folder = _write(tmp_path / "terrain", NODES, EDGES)
    (folder / "nodes.csv").write_bytes(b"id,x\n\xff\xfe,1\n")
    with pytest.raises(TerrainError, match="nodes.csv: cannot read as UTF-8 text"):
        load_csv(folder, PROPS)


# --- a larger seeded terrain: every problem in one message -------------------------------------
def test_a_generated_terrain_with_several_defects_reports_each(tmp_path):
    t = generate(TerrainSpec(length_km=10, depth_home_km=8, depth_foreign_km=4, seed=11))
    g = t.to_networkx()
    rng = np.random.default_rng(11)
    nodes = ["id,x,y,kind,cover,side,sector,feature"] + [
        f"{i},{a['x']},{a['y']},{a['kind']},{a['cover']},{a['side']},{a['sector']},{a['feature']}"
        for i, a in g.nodes(data=True)
    ]
    edges = ["u,v,length_km,road"] + [f"{u},{v},{a['length_km']},{a['road']}" for u, v, a in g.edges(data=True)]
    bad_node = int(rng.integers(1, t.n_nodes))
    nodes[bad_node + 1] = nodes[bad_node + 1].replace(f",{g.nodes[bad_node]['cover']},", ",dense,", 1)
    dup_node = int(rng.integers(0, t.n_nodes))
    nodes.append(nodes[dup_node + 1])
    e = int(rng.integers(1, len(edges)))
    u, v = edges[e].split(",")[:2]
    edges += [f"{v},{u},,true", f"{u},{t.n_nodes + 5}"]
    err = _error(tmp_path, nodes, edges)
    n_lines, e_lines = len(nodes), len(edges)
    assert err.problems == [
        f"nodes.csv line {bad_node + 2}: node {bad_node}: cover must be a number in [0, 1], got 'dense'",
        f"nodes.csv line {n_lines}: node id {dup_node} is already defined on line {dup_node + 2} "
        "(node ids must be unique)",
        f"edges.csv line {e_lines - 1}: edge {v}-{u} is already listed on line {e + 1} as {u}-{v} "
        "(the graph is undirected; list each pair once)",
        f"edges.csv line {e_lines}: edge {u}-{t.n_nodes + 5}: node {t.n_nodes + 5} is not in nodes.csv",
    ]


def test_a_misspelt_column_is_a_problem_listing_the_columns(tmp_path):
    """A column the reader does not know (`cvoer`) would leave every cover at its kind's default."""
    nodes = [NODES[0].replace("cover", "cvoer"), *NODES[1:]]
    edges = [EDGES[0].replace("road", "raod"), *EDGES[1:]]
    err = _error(tmp_path, nodes, edges)
    assert len(err.problems) == 2, err.problems
    assert "nodes.csv: unknown column 'cvoer'" in err.problems[0] and "cover" in err.problems[0]
    assert "edges.csv: unknown column 'raod'" in err.problems[1] and "road" in err.problems[1]


def test_a_road_flag_that_is_neither_true_nor_false_is_a_problem(tmp_path):
    """`road: maybe` counted as false; yes/no, true/false, 1/0 (any case) stay accepted."""
    err = _error(tmp_path, edges=[EDGES[0], "0,1,1.0,maybe", "1,2,,1"])
    assert len(err.problems) == 1 and "road" in err.problems[0] and "'maybe'" in err.problems[0], err.problems
    t = load_csv(_write(tmp_path / "ok", NODES, [EDGES[0], "0,1,1.0,No", "1,2,,TRUE"]), PROPS)
    assert t.edge_road.tolist() == [False, True]


def test_files_written_by_pandas_load(tmp_path):
    """pandas' to_csv writes its index as a column with an empty name, and a road column with
    gaps as 1.0/0.0: both load as the same terrain."""
    nodes = ["," + NODES[0]] + [f"{i}," + row for i, row in enumerate(NODES[1:])]
    edges = [EDGES[0] + ",", "0,1,1.0,0.0,", "1,2,,1.0,"]  # and a trailing comma on every line
    t = load_csv(_write(tmp_path / "pandas", nodes, edges), PROPS)
    base = load_csv(_write(tmp_path / "base", NODES, EDGES), PROPS)
    assert t.edge_road.tolist() == base.edge_road.tolist() == [False, True]
    assert t.cover.tolist() == base.cover.tolist()


def test_problems_found_after_renumbering_name_the_files_ids(tmp_path):
    """Ids 10, 20, 30 are renumbered 0..2 for the model; a problem found then still names the
    file's node and edge (it named node 1 for the file's 20, edge (1, 2) for 20-30)."""
    nodes = [
        "id,x,y,kind,cover,side,sector,feature",
        "10,0.5,-0.5,open,,foreign,S1,staging",
        "20,0.5,0.5,open,1.5,home,S1,staging",
        "30,0.5,1.5,open,,home,S1,town",
    ]
    err = str(_error(tmp_path, nodes, ["u,v,length_km", "10,20,1.0", "20,30,0"]))
    assert "edge (20, 30): length_km must be a finite number > 0" in err
    assert "node 20: cover must be in [0, 1], got 1.5" in err
    assert "node 20: staging area on the home side" in err
    assert "node 1:" not in err and "(1, 2)" not in err
