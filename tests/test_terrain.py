import networkx as nx
import numpy as np
import pytest
from helpers import KINDS, corridor_graph

from sim.scenario import ModeSpec, TerrainSpec
from sim.terrain import FOREIGN, HOME, KindProps, Router, TerrainError, generate, load_csv, load_graphml, routing
from sim.terrain.routing import _Field

PROPS = {k: KindProps(v.cover, v.speed_factor) for k, v in TerrainSpec().kinds.items()}


def test_generator_is_deterministic_in_its_seed():
    a, b, c = generate(TerrainSpec(seed=3)), generate(TerrainSpec(seed=3)), generate(TerrainSpec(seed=4))
    assert np.array_equal(a.kind, b.kind) and np.array_equal(a.edge_road, b.edge_road)
    assert not np.array_equal(a.kind, c.kind)


def test_generated_region_has_the_requested_structure():
    spec = TerrainSpec(
        length_km=30,
        depth_foreign_km=6,
        depth_home_km=20,
        cell_km=1.0,
        sectors=3,
        ports=2,
        roads_home=3,
        staging_areas=5,
    )
    t = generate(spec)
    assert t.n_nodes == 30 * 26
    assert set(np.unique(t.side[t.towns])) == {HOME}
    assert set(np.unique(t.side[t.staging_areas])) == {FOREIGN}
    assert t.staging_areas.size == 5 and t.towns.size == 3 and t.ports.size == 2
    # a port sits where a road crosses the border: one of its border edges is a road
    border_road = t.edge_road[t.border_edges]
    assert border_road.sum() >= 2
    assert t.sector_names == ("S1", "S2", "S3")
    # the kind shares of the land not overwritten by rivers/towns follow the spec
    share = {k: float(np.mean(t.kind == i)) for i, k in enumerate(t.kind_names)}
    assert abs(share["open"] - 0.5) < 0.1 and abs(share["mountain"] - 0.2) < 0.08


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("length", [6, 9, 14])
def test_the_generator_gives_as_many_roads_towns_and_staging_areas_as_asked_up_to_the_border_length(seed, length):
    """Jittered bands narrower than two columns used to round two roads or staging areas into one
    column: fewer towns and origins than the scenario declared."""
    for k in (length // 2 + 1, length - 1, length):
        spec = TerrainSpec(
            length_km=length, depth_foreign_km=4, depth_home_km=12, seed=seed, roads_home=k, ports=0,
            staging_areas=k, town_radius_km=0, rivers=0,
        )  # fmt: skip
        assert spec.check() == []
        t = generate(spec)
        assert t.staging_areas.size == k and t.towns.size == k
    too_many = TerrainSpec(length_km=length, seed=seed, staging_areas=length + 1, roads_foreign=length + 1)
    problems = " ".join(too_many.check())
    assert f"staging_areas: got {length + 1}, but the border is {length} cells long" in problems
    assert f"roads_foreign: got {length + 1}" in problems


@pytest.mark.parametrize(("cell", "home", "radius"), [(1.0, 2, 1.5), (0.5, 1, 1.5), (1.0, 3, 5.0), (0.25, 1.5, 4.0)])
def test_towns_stay_on_the_home_side_however_wide_their_disc(cell, home, radius):
    """A town's disc wider than a shallow home side put its centre, a smugglers' destination,
    on the foreign side: the generator's own terrain then failed validation."""
    spec = TerrainSpec(length_km=10, depth_foreign_km=3, depth_home_km=home, cell_km=cell, town_radius_km=radius)
    assert spec.check() == []
    t = generate(spec)
    assert t.towns.size == spec.roads_home and set(np.unique(t.side[t.towns])) == {HOME}


@pytest.mark.parametrize(("home", "radius"), [(10, 6), (10, 5), (12, 7), (20, 1.5)])
def test_a_town_whose_disc_fits_lies_its_radius_from_the_far_edge(home, radius):
    """The town's centre is moved only where it would fall on the foreign side."""
    t = generate(TerrainSpec(length_km=10, depth_foreign_km=3, depth_home_km=home, cell_km=1.0, town_radius_km=radius))
    far_edge = home - 0.5  # the y of the last home row's centres
    assert np.allclose(t.y[t.towns], far_edge - round(radius))


def test_a_barrier_on_a_loaded_map_is_as_long_as_the_maps_own_cells_make_it():
    """Its length (and so its cost per km) is the span of its border edges plus one border cell's
    width: the loaded map's 0.5 km, not the generator's `cell_km` key, which a loaded map does not read."""
    from sim.scenario import AgencySpec, BarrierSpec, ScenarioSpec
    from sim.terrain.io import from_networkx
    from sim.world import build_world

    g = nx.Graph()
    for c in range(10):  # two rows of 0.5 km cells, foreign below home; vertical border edges only
        g.add_node(
            c, x=0.25 + 0.5 * c, y=-0.25, kind="open", side="foreign", sector="S1", feature="staging" if c == 0 else ""
        )
        g.add_node(
            10 + c, x=0.25 + 0.5 * c, y=0.25, kind="open", side="home", sector="S1", feature="town" if c == 9 else ""
        )
        g.add_edge(c, 10 + c, length_km=0.5)
        if c:
            g.add_edge(c - 1, c, length_km=0.5)
            g.add_edge(9 + c, 10 + c, length_km=0.5)
    terrain = from_networkx(g, PROPS, "half-km strip")
    for cell_km in (1.0, 5.0):  # the generator's key, unread here
        spec = ScenarioSpec(
            name="strip",
            agencies={"bp": AgencySpec()},
            barriers={"fence": BarrierSpec(agency="bp", from_km=0.0, to_km=2.0)},
            terrain=TerrainSpec(cell_km=cell_km),
        )
        [fence] = build_world(spec, "test", terrain=terrain).barriers
        assert fence.edges.size == 4 and fence.length_km == pytest.approx(4 * 0.5)  # x 0.25..1.75 + one cell


def test_router_uses_road_speed_and_closes_barriers_to_vehicles():
    t = generate(TerrainSpec(seed=2))
    modes = {"foot": ModeSpec(3.0, 4.0, breaches_barriers=True), "vehicle": ModeSpec(15.0, 40.0)}
    r = Router(t, modes)
    road = np.flatnonzero(t.edge_road)[0]
    assert r.edge_minutes("vehicle")[road] == pytest.approx(t.edge_length_km[road] / 40 * 60)
    e = int(t.border_edges[0])
    r2 = Router(t, modes, {e: 5.0})
    assert np.isinf(r2.edge_minutes("vehicle")[e])
    assert r2.edge_minutes("foot")[e] == pytest.approx(r.edge_minutes("foot")[e] + 5.0)
    # home-only routing never leaves the home side
    home = np.flatnonzero(t.side == HOME)
    p = r.path(int(home[0]), int(home[-1]), "vehicle", home_only=True)
    assert p is not None and (t.side[p] == HOME).all()
    # the path is made of terrain edges and its cost is the Dijkstra distance
    assert r.step_minutes(p, "vehicle").sum() == pytest.approx(r.minutes_from(int(home[-1]), "vehicle", True)[home[0]])


def _even_grid(length_km: float = 30, seed: int = 1):
    """A uniform grid: most origin-destination pairs have many least-cost paths."""
    spec = TerrainSpec(
        length_km=length_km,
        depth_foreign_km=4,
        depth_home_km=20,
        kinds={"open": TerrainSpec().kinds["open"]},
        rivers=0,
        roads_home=0,
        roads_foreign=0,
        border_road_km=0,
        ports=0,
        seed=seed,
    )
    return generate(spec)


def test_routes_do_not_depend_on_which_routes_were_asked_before():
    t = _even_grid()
    modes = {"foot": ModeSpec(3.0, 4.0, breaches_barriers=True)}
    rng = np.random.default_rng(5)
    pairs = rng.integers(t.n_nodes, size=(40, 2))
    cold = Router(t, modes)  # every search cut near its own route
    wide = Router(t, modes)  # whole-map searches cached first
    narrow = Router(t, modes)  # tiny searches cached first, widened later
    for _, d in pairs.tolist():
        wide.minutes_within(d, "foot")
        narrow.minutes_within(d, "foot", limit=5.0)
    full = {d: Router(t, modes).minutes_from(d, "foot") for d in set(pairs[:, 1].tolist())}
    ties = 0
    for o, d in pairs.tolist():
        routes = [r.path(o, d, "foot") for r in (cold, wide, narrow)]
        assert all(np.array_equal(routes[0], p) for p in routes[1:]), (o, d)
        p = routes[0]
        assert p[0] == o and p[-1] == d
        assert cold.step_minutes(p, "foot").sum() == pytest.approx(full[d][o])  # a least-cost path
        # ties go to the neighbour on a least-cost path nearest the destination, then the lowest id
        w = cold.matrix("foot")
        for a, b in zip(p[:-1].tolist(), p[1:].tolist()):
            nb = w.indices[w.indptr[a] : w.indptr[a + 1]]
            on_path = nb[full[d][nb] + w.data[w.indptr[a] : w.indptr[a + 1]] == full[d][a]]  # as computed
            near = np.hypot(t.x[on_path] - t.x[d], t.y[on_path] - t.y[d])
            assert b == min(zip(near.tolist(), on_path.tolist()))[1]
            ties += on_path.size > 1
        # so on even ground a route keeps near the straight line: diagonal steps, then straight
        # ones, strays at most about a fifth of the distance; around two sides of the box
        # (lowest numbers first) strays up to half of it
        ox, oy, dx, dy = t.x[o], t.y[o], t.x[d], t.y[d]
        span = np.hypot(dx - ox, dy - oy)
        off = np.abs((dx - ox) * (oy - t.y[p]) - (ox - t.x[p]) * (dy - oy)) / max(span, 1e-9)
        assert off.max() <= 0.25 * span + 1.0
    assert ties > 20  # the grid really had ties to break


def test_a_route_stepped_cell_by_cell_or_from_a_sparse_field_is_the_route_read_from_the_table(monkeypatch):
    # a field reaching many cells steps its routes cell by cell instead of building a table of
    # every reached cell's next hop: the same rule, so the same routes, ties included
    t = _even_grid(length_km=60, seed=3)
    rng = np.random.default_rng(11)
    pairs = rng.integers(t.n_nodes, size=(60, 2)).tolist()
    modes = {"foot": ModeSpec(3.0, 4.0, breaches_barriers=True), "vehicle": ModeSpec(40.0, 20.0)}
    routes = {}
    # every field steps; every field builds its table; every cut field is sparse (as on a large
    # terrain: it keeps the cells it reached only, and its routes step)
    for name, table_min, sparse_min in (("stepped", 0, 10**9), ("table", 10**9, 10**9), ("sparse", 10**9, 0)):
        monkeypatch.setattr(_Field, "_TABLE_MIN", table_min)
        monkeypatch.setattr(routing, "SPARSE_MIN_NODES", sparse_min)
        r = Router(t, modes)
        routes[name] = [r.path(o, d, m) for o, d in pairs for m in modes]
        if name == "sparse":
            assert all(f._dense is None for f in r._fields.values())  # (every search here is cut)
            d = int(pairs[0][1])
            sparse_within = r.minutes_within(d, "foot", limit=90.0)
            monkeypatch.setattr(routing, "SPARSE_MIN_NODES", 10**9)
            dense_within = Router(t, modes).minutes_within(d, "foot", limit=90.0)
            assert np.isfinite(dense_within).sum() > 10
            assert np.array_equal(*(np.where(m <= 90.0, m, np.inf) for m in (sparse_within, dense_within)))
            assert np.isinf(r._scratch).all()  # the walks left the scratch as they found it
    assert len(routes["stepped"]) == 120
    for stepped, read, sparse in zip(routes["stepped"], routes["table"], routes["sparse"]):
        assert np.array_equal(stepped, read)
        assert np.array_equal(sparse, read)


def _edges(t) -> np.ndarray:
    rows = np.c_[t.edge_u, t.edge_v, t.edge_length_km, t.edge_road]
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def test_graphml_and_csv_round_trip(tmp_path):
    t = generate(TerrainSpec(length_km=10, depth_home_km=8, depth_foreign_km=4, seed=5))
    g = t.to_networkx()
    nx.write_graphml(g, tmp_path / "t.graphml")
    t2 = load_graphml(tmp_path / "t.graphml", PROPS)
    assert np.array_equal(t.kind, t2.kind) and np.allclose(_edges(t), _edges(t2))
    (tmp_path / "csv").mkdir()
    with open(tmp_path / "csv/nodes.csv", "w") as fh:
        fh.write("id,x,y,kind,cover,side,sector,feature\n")
        for i, a in g.nodes(data=True):
            fh.write(f"{i},{a['x']},{a['y']},{a['kind']},{a['cover']},{a['side']},{a['sector']},{a['feature']}\n")
    with open(tmp_path / "csv/edges.csv", "w") as fh:
        fh.write("u,v,length_km,road\n")
        for u, v, a in g.edges(data=True):
            fh.write(f"{u},{v},{a['length_km']},{a['road']}\n")
    t3 = load_csv(tmp_path / "csv", PROPS)
    assert np.array_equal(t.feature, t3.feature) and np.allclose(_edges(t), _edges(t3))


def test_a_directed_or_multigraph_graphml_is_the_same_undirected_terrain(tmp_path):
    """A street network written as a directed graph lists each street both ways, a multigraph may
    repeat an edge: either reads as one edge per pair, with the same travel times (the copies were
    kept, and the router added them up: 8 km in 320 minutes at 3 km/h instead of 160); a pair
    listed twice with different lengths is refused."""
    t = generate(TerrainSpec(length_km=10, depth_home_km=8, depth_foreign_km=4, seed=5))
    g = t.to_networkx()
    modes = {"foot": ModeSpec(offroad_kmh=3.0, road_kmh=4.0, breaches_barriers=True)}
    multi = nx.MultiGraph(g)
    multi.add_edges_from(list(g.edges(data=True))[:25])
    for name, graph in (("plain", g), ("directed", nx.DiGraph(g)), ("multi", multi)):
        nx.write_graphml(graph, tmp_path / f"{name}.graphml")
    plain = load_graphml(tmp_path / "plain.graphml", PROPS)
    expected = Router(plain, modes).minutes_from(int(plain.staging_areas[0]), "foot")
    for name in ("directed", "multi"):
        other = load_graphml(tmp_path / f"{name}.graphml", PROPS)
        assert other.n_edges == plain.n_edges and np.allclose(_edges(other), _edges(plain))
        assert np.allclose(Router(other, modes).minutes_from(int(plain.staging_areas[0]), "foot"), expected)
    u, v, a = next(iter(g.edges(data=True)))
    multi.add_edge(u, v, **{**a, "length_km": a["length_km"] * 2})
    nx.write_graphml(multi, tmp_path / "clash.graphml")
    with pytest.raises(
        TerrainError, match=rf"edge \({min(u, v)}, {max(u, v)}\): listed twice with different length_km"
    ):
        load_graphml(tmp_path / "clash.graphml", PROPS)


def test_graphml_defaults_of_node_and_edge_keys_are_read(tmp_path):
    """A GraphML key's <default> holds for every node or edge without that data: here every edge
    is a 1 km road and every node open ground in sector S1 unless it says otherwise (the defaults
    were ignored: edges became off-road at their straight-line length, silently)."""
    nodes = "".join(
        f'<node id="{i}"><data key="x">0.5</data><data key="y">{y}</data><data key="side">{side}</data>{extra}</node>'
        for i, (y, side, extra) in enumerate(
            [
                (-0.5, "foreign", '<data key="feature">staging</data>'),
                (0.5, "home", ""),
                (5.5, "home", '<data key="feature">town</data>'),
            ]
        )
    )
    (tmp_path / "d.graphml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="x" for="node" attr.name="x" attr.type="double"/>'
        '<key id="y" for="node" attr.name="y" attr.type="double"/>'
        '<key id="kind" for="node" attr.name="kind" attr.type="string"><default>open</default></key>'
        '<key id="side" for="node" attr.name="side" attr.type="string"/>'
        '<key id="sector" for="node" attr.name="sector" attr.type="string"><default>S1</default></key>'
        '<key id="feature" for="node" attr.name="feature" attr.type="string"/>'
        '<key id="len" for="edge" attr.name="length_km" attr.type="double"><default>1.0</default></key>'
        '<key id="road" for="edge" attr.name="road" attr.type="boolean"><default>true</default></key>'
        f'<graph edgedefault="undirected">{nodes}<edge source="0" target="1"/>'
        '<edge source="1" target="2"><data key="len">5.0</data></edge></graph></graphml>'
    )
    t = load_graphml(tmp_path / "d.graphml", {"open": KindProps(0.1, 1.0)})
    assert t.edge_length_km.tolist() == [1.0, 5.0] and t.edge_road.tolist() == [True, True]
    assert set(t.sector_names) == {"S1"} and (t.kind == 0).all()


# --- one test per class of bad terrain --------------------------------------------------------
CORRIDOR_PROPS = {k: KindProps(v.cover, v.speed_factor) for k, v in KINDS.items()}


def _load(g: nx.Graph, tmp_path):
    nx.write_graphml(g, tmp_path / "bad.graphml")
    with pytest.raises(TerrainError) as err:
        load_graphml(tmp_path / "bad.graphml", CORRIDOR_PROPS)
    assert "bad.graphml" in str(err.value)
    return str(err.value)


def test_missing_attribute_is_named(tmp_path):
    g = corridor_graph()
    del g.nodes[3]["side"]
    assert "node 3: missing attribute 'side'" in _load(g, tmp_path)


def test_unknown_kind_lists_allowed_kinds(tmp_path):
    g = corridor_graph()
    g.nodes[2]["kind"] = "swamp"
    assert "unknown kind 'swamp'; allowed: open, scrub" in _load(g, tmp_path)


def test_non_positive_length(tmp_path):
    g = corridor_graph()
    g.edges[2, 3]["length_km"] = 0.0
    assert "edge (2, 3): length_km must be a finite number > 0, got 0.0" in _load(g, tmp_path)


def test_no_border_edge(tmp_path):
    g = corridor_graph()
    g.nodes[0]["side"] = "home"
    g.nodes[0]["feature"] = ""
    msg = _load(g, tmp_path)
    assert "no border edge" in msg and "no staging area" in msg  # every problem, one line each


def test_staging_that_cannot_reach_a_destination(tmp_path):
    g = corridor_graph()
    g.remove_edge(4, 5)
    assert "node 0: staging area cannot reach any destination" in _load(g, tmp_path)


def test_missing_file():
    with pytest.raises(TerrainError, match="file not found"):
        load_graphml("/nonexistent/terrain.graphml", CORRIDOR_PROPS)


def test_a_route_to_a_cell_nothing_reaches_is_none():
    t = generate(TerrainSpec(length_km=10, depth_home_km=8, depth_foreign_km=4, seed=5))
    r = Router(t, {"foot": ModeSpec(3.0, 4.0, breaches_barriers=True)})
    foreign, home = int(np.flatnonzero(t.side == FOREIGN)[0]), int(np.flatnonzero(t.side == HOME)[0])
    assert r.path(home, foreign, "foot", home_only=True) is None  # units keep to the home side
    assert r.path(foreign, home, "foot", home_only=True) is None
    assert r.path(home, foreign, "foot") is not None


def test_grid_source_lays_out_its_rows_endpoints_and_one_edge_per_neighbour_pair():
    from sim.terrain.sources.grid import Grid, GridParams

    spec = TerrainSpec(cell_km=0.5, sectors=3)
    t = Grid(GridParams(columns=12, rows_foreign=2, rows_home=7, endpoints=4)).build(spec, ".")
    assert t.n_nodes == 12 * 9 and t.n_edges == 11 * 9 + 12 * 8 and (t.edge_length_km == 0.5).all()
    assert (t.side.reshape(9, 12)[:2] == FOREIGN).all() and (t.side.reshape(9, 12)[2:] == HOME).all()
    assert t.staging_areas.tolist() == [0, 4, 7, 11] and t.towns.tolist() == [96 + c for c in (0, 4, 7, 11)]
    assert np.array_equal(np.bincount(t.sector), [36, 36, 36])
    # foot travel at 3 km/h on 0.5 km edges: every shortest trip is its Manhattan distance x 10 minutes
    r = Router(t, {"foot": ModeSpec(3.0, 3.0, True)})
    assert r.minutes_from(int(t.towns[1]), "foot")[t.staging_areas].tolist() == [
        10.0 * (8 + abs(c - 4)) for c in (0, 4, 7, 11)
    ]
    with pytest.raises(TerrainError, match="kind: unknown land kind 'swamp'; allowed: "):
        Grid(GridParams(columns=4, kind="swamp")).build(spec, ".")
    assert GridParams(columns=4, endpoints=5).check() == ["endpoints: at most `columns` (4), got 5"]


@pytest.mark.parametrize("scenario", ["reduced", "displacement"])
def test_the_same_terrain_runs_the_same_whatever_order_its_edges_are_listed_in(tmp_path, scenario):
    """Random-walk patrols pick among a cell's neighbours (reduced) and adaptive organisations
    break corridor ties (displacement) by the terrain's edge order: a terrain written to GraphML
    and read back (networkx lists edges its own way), or its edges shuffled, ran another
    replication. Edges are kept in one canonical order, so the runs are the same."""
    import dataclasses

    from sim.config import SCENARIO_DIR, compose
    from sim.runner import run_replication
    from sim.world import build_world

    days = ["scenario.horizon_days=3", "scenario.corridors.measure_from_day=1"]
    c = compose([f"scenario={scenario}", *days])
    world = build_world(c.scenario, c.origin, str(SCENARIO_DIR))
    t = world.terrain
    shuffle = np.random.default_rng(0).permutation(t.n_edges)
    swapped = dataclasses.replace(  # shuffled, and half of them written the other way round
        t,
        edge_u=np.where(shuffle % 2 == 0, t.edge_u[shuffle], t.edge_v[shuffle]),
        edge_v=np.where(shuffle % 2 == 0, t.edge_v[shuffle], t.edge_u[shuffle]),
        edge_length_km=t.edge_length_km[shuffle],
        edge_road=t.edge_road[shuffle],
        _border_edges=None,
    )
    nx.write_graphml(t.to_networkx(), tmp_path / "t.graphml")
    path = tmp_path / "t.graphml"
    read = compose([f"scenario={scenario}", *days, "scenario.terrain.source=graphml", f"scenario.terrain.path={path}"])
    base = run_replication(world, 2).events
    for other in (
        build_world(c.scenario, c.origin, str(SCENARIO_DIR), terrain=swapped),
        build_world(read.scenario, read.origin, str(SCENARIO_DIR)),
    ):
        assert run_replication(other, 2).events.to_pandas().equals(base.to_pandas())


def test_a_border_running_along_y_is_refused_naming_the_convention():
    """Corridors, along_border placement and the maps cut the border along x; a map whose border
    runs north-south (foreign west, home east) loaded without a word and made one corridor of one
    cell. It is refused, saying that y is the distance from the border."""
    from sim.terrain.io import from_networkx

    def ladder(along_x: bool) -> nx.Graph:  # 6 km of border, one foreign and two home cells deep
        g = nx.Graph()
        for k in range(6):
            for depth, side in ((-0.5, "foreign"), (0.5, "home"), (1.5, "home")):
                x, y = (k + 0.5, depth) if along_x else (depth, k + 0.5)
                feature = "staging" if side == "foreign" else ("town" if depth == 1.5 else "")
                g.add_node((k, depth), x=x, y=y, kind="open", side=side, sector="S1", feature=feature)
            g.add_edge((k, -0.5), (k, 0.5), length_km=1.0)
            g.add_edge((k, 0.5), (k, 1.5), length_km=1.0)
            if k:
                g.add_edge((k - 1, 0.5), (k, 0.5), length_km=1.0)
        return nx.convert_node_labels_to_integers(g)

    kinds = {k: KindProps(v.cover, v.speed_factor) for k, v in KINDS.items()}
    assert from_networkx(ladder(along_x=True), kinds, "west-east").border_edges.size == 6
    with pytest.raises(TerrainError, match="the home side must lie at greater y than the foreign side"):
        from_networkx(ladder(along_x=False), kinds, "north-south")


def _held_bytes(f: _Field) -> int:
    """What a cached field really holds: its costs (dense, or a sparse field's cells and costs),
    its next-hop table once built, and its per-mode step minutes."""
    arrays = [f._dense, f._nodes, f._costs, f._next, *f.steps.values()]
    return sum(a.nbytes for a in arrays if a is not None)


def test_the_field_cache_holds_no_more_bytes_than_its_bound(monkeypatch):
    """The routing cache is bounded by bytes: whatever its fields hold (their step minutes per mode
    included, which were not counted: 1.7 GiB under the 1 GiB bound on short routes to many
    destinations) is counted, so the cache holds at most its bound (plus the newest field)."""
    t = _even_grid(length_km=60, seed=2)
    modes = {"foot": ModeSpec(3.0, 4.0, breaches_barriers=True), "vehicle": ModeSpec(40.0, 20.0)}
    bound = 40 * t.n_nodes * 8  # room for a few dozen terrain-sized arrays
    monkeypatch.setattr(routing, "_FIELD_CACHE_BYTES", bound)
    r = Router(t, modes)
    rng = np.random.default_rng(4)
    for d in rng.choice(t.n_nodes, size=60, replace=False).tolist():
        for o in rng.integers(t.n_nodes, size=2).tolist():
            for m in modes:
                r.path(o, d, m)
        fields = list(r._fields.values())
        assert r._field_bytes == sum(f.nbytes for f in fields)  # the count is kept right
        assert sum(_held_bytes(f) for f in fields) <= max(bound, r._field_bytes)  # and covers what they hold
        assert sum(_held_bytes(f) for f in fields[:-1]) <= bound
    assert any(f.steps for f in r._fields.values()) and len(r._fields) < 60
