"""Every class of bad input, as a user meets it: the command, the files it names, and what must
happen (one message, exit code 2, no traceback, nothing written). docs/make_bad_input.py runs them
to write docs/bad-input.md; tests/test_bad_input_doc.py runs them again and checks that each
message is still the one the page shows."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    what: str  # the class of bad input
    args: tuple[str, ...]  # the command line ({tmp} stands for a scratch folder)
    files: dict[str, str | bytes] = field(default_factory=dict)  # files written to {tmp} first
    command: str = "sim.run"  # sim.run | sim.design

    def shown_args(self) -> str:
        return " ".join(self.args).replace("{tmp}/", "")


COUNT = "scenario.units.bp_vehicle.count=4:8:int"  # a design parameter and its range


def design_case(what: str, *args: str, n: str = "2") -> Case:
    """A `python -m sim.design --design lhs --n N ...` case."""
    return Case(what, ("--design", "lhs", "--n", n, *args), command="sim.design")


NODES_CSV = (
    "id,x,y,kind,side,sector,feature\n0,0.5,-2.5,open,foreign,S1,staging\n1,nan,0.5,open,home,S1,\n"
    "2,0.5,1.5,urban,home,S1,town\n"
)
EDGES_CSV = "u,v\n0,1\n1,2\n"
GRAPHML = (  # two nodes and an edge to a third that is never declared
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    + "".join(
        f'<key id="{k}" for="node" attr.name="{k}" attr.type="string"/>' for k in ("x", "y", "kind", "side", "sector")
    )
    + '\n<graph edgedefault="undirected">\n'
    '<node id="0"><data key="x">0.5</data><data key="y">-0.5</data><data key="kind">open</data>'
    '<data key="side">foreign</data><data key="sector">S1</data></node>\n'
    '<node id="1"><data key="x">0.5</data><data key="y">0.5</data><data key="kind">open</data>'
    '<data key="side">home</data><data key="sector">S1</data></node>\n'
    '<edge source="0" target="1"/><edge source="1" target="2"/>\n</graph></graphml>\n'
)

CASES = [
    Case("unknown key on the command line", ("scenario.units.bp_foot.speed=3",)),
    Case("a seed whose last replication does not fit in 64 bits", ("seed=9223372036854775807", "replications=2")),
    Case(
        "unknown key in a scenario file",
        ("scenario_file={tmp}/bad.yaml",),
        {"bad.yaml": "name: bad\nterrain:\n  lenght_km: 30\n"},
    ),
    Case("wrong type", ("scenario.horizon_days=soon",)),
    Case(
        "YAML syntax error",
        ("scenario_file={tmp}/bad.yaml",),
        {"bad.yaml": "name: bad\nhorizon_days: 2\nhorizon_days: 3\n"},
    ),
    Case(
        "a name with a colon (names are joined with ':' into random-draw addresses)",
        ("scenario_file={tmp}/colon.yaml",),
        {"colon.yaml": "defaults: [demo, _self_]\norganisations:\n  'cartel:surge:s': {attempts_per_day: 3}\n"},
    ),
    Case("unknown scenario", ("scenario=does_not_exist",)),
    Case("a scenario outside scenarios/ by name", ("scenario=../../etc/x",)),
    Case("a scenario file that does not exist", ("scenario_file={tmp}/missing.yaml",)),
    Case("an empty scenario file", ("scenario_file={tmp}/empty.yaml",), {"empty.yaml": ""}),
    Case("a scenario file that is a list, not sections", ("scenario_file={tmp}/list.yaml",), {"list.yaml": "- demo\n"}),
    Case(
        "a scenario file that is not UTF-8 text",
        ("scenario_file={tmp}/latin1.yaml",),
        {"latin1.yaml": "defaults: [demo, _self_]\ndescription: café\n".encode("latin-1")},
    ),
    Case(
        "a scenario file whose defaults are not a list",
        ("scenario_file={tmp}/defaults.yaml",),
        {"defaults.yaml": "defaults: demo\nhorizon_days: 2\n"},
    ),
    Case("a scenario chosen as null", ("scenario=null",)),
    Case("an entry set to null", ("scenario.organisations.cartel=null",)),
    Case("a run folder that is a file", ("hydra.run.dir={tmp}/results.txt",), {"results.txt": "notes\n"}),
    Case("a key set twice, the last one bad", ("scenario.horizon_days=2", "scenario.horizon_days=-1")),
    Case("a value with letters beyond ASCII, unquoted", ("scenario.description=Zoë",)),
    Case(
        "scenario files whose defaults name each other",
        ("scenario_file={tmp}/east.yaml",),
        {"east.yaml": "defaults: [west, _self_]\n", "west.yaml": "defaults: [east, _self_]\n"},
    ),
    Case("a scenario file that is a number", ("scenario_file={tmp}/n.yaml",), {"n.yaml": "42\n"}),
    Case(
        "a scenario file that builds on a file that is a list",
        ("scenario_file={tmp}/mine.yaml",),
        {"mine.yaml": "defaults: [base, _self_]\nname: mine\n", "base.yaml": "- demo\n"},
    ),
    Case(
        "a scenario file that builds on an unknown scenario",
        ("scenario_file={tmp}/mine.yaml",),
        {"mine.yaml": "defaults:\n  - bsae\n  - _self_\nname: mine\n", "base.yaml": "name: base\n"},
    ),
    Case(
        "a bad key in a file the scenario builds on",
        ("scenario_file={tmp}/mine.yaml",),
        {"mine.yaml": "defaults: [base, _self_]\nname: mine\n", "base.yaml": "defaults: [demo]\nhorizon_dayz: 3\n"},
    ),
    Case("unknown plug-in name", ("scenario.units.bp_foot.policy=zigzag",)),
    Case("a section written as a list", ("scenario.injects=[a]",)),
    Case(
        "a section written as a list, over a scenario it builds on",
        ("scenario_file={tmp}/bad.yaml",),
        {"bad.yaml": "defaults: [demo, _self_]\nunits: [bp_foot]\n"},
    ),
    Case("a key the plug-in does not read", ("scenario.sensors.towers.detect_prob=0.9",)),
    Case("unknown name of another part", ("scenario.sensors.towers.agency=cia",)),
    Case("unknown sector", ("scenario.units.bp_foot.sectors=[S9]",)),
    Case("node id outside the terrain", ("scenario.organisations.cartel.staging=[999999]",)),
    Case("NaN", ("scenario.sensors.towers.detect_rate_per_hour=nan",)),
    Case("infinity", ("scenario.organisations.cartel.attempts_per_day=inf",)),
    Case(
        "NaN in a scenario file",
        ("scenario_file={tmp}/bad.yaml",),
        {"bad.yaml": "defaults: [demo, _self_]\norganisations:\n  cartel: {attempts_per_day: .nan}\n"},
    ),
    Case("probability above 1", ("scenario.units.bp_vehicle.detect_prob=1.5",)),
    Case("probability below 0", ("scenario.units.bp_vehicle.find_prob=-0.1",)),
    Case("impossible cell size", ("scenario.terrain.cell_km=0",)),
    Case("a cell larger than the map", ("scenario.terrain.cell_km=30",)),
    Case("a land strip thinner than a cell", ("scenario.terrain.depth_foreign_km=0.2",)),
    Case(
        "no land kind to generate",
        ("scenario.terrain.kinds={open: {share: 0}, scrub: {share: 0}, mountain: {share: 0}}",),
    ),
    Case("list of the wrong length", ("scenario.organisations.cartel.hourly_profile=[1,2]",)),
    Case("more ports than home roads to carry them", ("scenario.terrain.ports=4", "scenario.terrain.roads_home=2")),
    Case(
        "a generated region with no home road, so no town",
        ("scenario.terrain.roads_home=0", "scenario.terrain.ports=0"),
    ),
    Case(
        "a sensor type changed on the command line, keeping the file's keys", ("scenario.sensors.towers.type=ground",)
    ),
    Case(
        "an MOU of an agency with itself",
        ("scenario=tri_agency", "+scenario.agreements.self={agency: customs, host: customs}"),
    ),
    Case(
        "a port run by an agency whose jurisdiction does not hold it",
        ("scenario=tri_agency", "scenario.agencies.customs.jurisdiction=[S3]"),
    ),
    Case("an unknown run key added with +", ("+foo=1",)),
    Case("a cargo named like a decoy inject's", ("scenario.organisations.cartel.cargo={decoy: {share: 1.0}}",)),
    Case("a terrain read from files, without their path", ("scenario.terrain.source=csv",)),
    Case("a key for a plug-in that takes none", ("scenario.organisations.cartel.routing={risk_aversion: 5}",)),
    Case(
        "a sensor named at a cell outside its sectors",
        (
            "scenario.sensors.ground.placement=explicit",
            "scenario.sensors.ground.nodes=[325]",
            "scenario.sensors.ground.sectors=[S2]",
        ),
    ),
    Case(
        "more staging areas than cells along the border",
        ("scenario.terrain.length_km=10", "scenario.terrain.cell_km=1", "scenario.terrain.staging_areas=12"),
    ),
    Case(
        "a liaison agency that informs itself, or a partner twice",
        (
            "scenario=tri_agency",
            "scenario.coordination.liaison.partners={border_patrol: [border_patrol, customs, customs]}",
        ),
    ),
    Case(
        "units placed in sectors where their agency may not act",
        ("scenario.agencies.border_patrol.jurisdiction=[S1]", "scenario.units.bp_vehicle.sectors=[S2]"),
    ),
    Case(
        "sensors placed in a corridor outside their sectors",
        ("scenario.sensors.towers.sectors=[S1]", "scenario.sensors.towers.corridor=C15"),
    ),
    Case("no replications", ("replications=0",)),
    Case("negative seed", ("seed=-1",)),
    Case("negative chunk size", ("chunk_size=-1",)),
    Case("too many replications for one run", ("replications=100001",)),
    Case("unknown run key", ("foo=1",)),
    Case("a run key of the wrong type", ("events=maybe",)),
    Case(
        "interpolation in a scenario file",
        ("scenario_file={tmp}/bad.yaml",),
        {"bad.yaml": "defaults: [demo, _self_]\nname: ${oc.env:HOME}\n"},
    ),
    Case("a scenario name that is a path", ("scenario.name=../../x",)),
    Case("a sweep name that is a path", ("sweep_name=../../x",)),
    Case("a relative run folder outside the current folder", ("hydra.run.dir=../../x",)),
    Case("bad value in a sweep", ("--multirun", "sweep_name=t", "scenario.units.bp_vehicle.count=4,abc")),
    Case("a sweep over sweep names", ("--multirun", "sweep_name=t1,t2", "scenario.units.bp_vehicle.count=4")),
    Case(
        "unknown launcher",
        ("--multirun", "hydra/launcher=lcoal", "sweep_name=t", "scenario.units.bp_vehicle.count=4,5"),
    ),
    Case(
        "a launcher key the launcher does not take",
        (
            "--multirun",
            "hydra/launcher=local",
            "hydra.launcher.n_job=2",
            "sweep_name=t",
            "scenario.units.bp_vehicle.count=4,5",
        ),
    ),
    Case(
        "old-form scenario file",
        ("scenario_file={tmp}/old.yaml",),
        {"old.yaml": "defaults: [demo, _self_]\ncoordination:\n  policy: liaison\n  share_delay_min: 5\n"},
    ),
    Case(
        "an inject that needs a window", ("scenario.injects.fog.type=weather", "scenario.injects.fog.duration_hours=0")
    ),
    Case("a drill question about an inject the scenario lacks", ("scenario.questions=['[inject fog] Who saw what?']",)),
    Case("a task force without units", ("scenario.coordination.policy=task_force",)),
    Case("unknown coordination policy", ("scenario.coordination.policy=anarchy",)),
    Case(
        "a liaison's alert source misspelt",
        ("scenario=tri_agency", "scenario.coordination.liaison.share_sources=[towr]"),
    ),
    Case("unknown corridor name", ("scenario.sensors.towers.corridor=C99",)),
    Case("corridors narrower than a border cell", ("scenario.corridors.length_km=0.4",)),
    Case("more sectors than cells along the border", ("scenario=reduced", "scenario.terrain.sectors=100")),
    Case(
        "an adaptive organisation kept to a corridor no border edge crosses",
        (
            "scenario.corridors.length_km=1.98",
            "scenario.organisations.cartel.routing={type: adaptive, corridors: [C21]}",
        ),
    ),
    Case(
        "an outage of a sensor beyond its group",
        ("scenario=drill_night_surge", "scenario.injects.towers_dark.sensors=[towers:99]"),
    ),
    Case("busiest corridor at day 0", ("scenario.sensors.towers.corridor=busiest",)),
    Case("a sensor count beside a spacing that would override it", ("scenario.sensors.towers.count=8",)),
    Case(
        "a drone's search disc smaller than a cell",
        ("scenario.sensors.uas='{type: drone, agency: border_patrol, count: 3, search_radius_km: 0.4}'",),
    ),
    Case("a comms pair naming one agency twice", ("scenario.comms.strip_location=[[customs,customs]]",)),
    Case("a staging cell listed twice", ("scenario.organisations.cartel.staging=[203,203,211]",)),
    Case(
        "an hourly profile too small to scale",
        ("scenario.organisations.cartel.hourly_profile=[5e-324" + ",0" * 23 + "]",),
    ),
    Case(
        "an inject timed at a decimal horizon",
        (
            "scenario.horizon_days=0.1",
            "+scenario.injects.storm={type: weather, start_hours: 2.4, duration_hours: 1, factor: 0.5}",
        ),
    ),
    Case(
        "an hourly profile whose sum overflows",
        ("scenario.organisations.cartel.hourly_profile=[" + ",".join(["1e307"] * 24) + "]",),
    ),
    Case(
        "decoys of an organisation whose groups cannot cross on foot",
        (
            "scenario.modes.foot.breaches_barriers=false",
            "+scenario.modes.climber={offroad_kmh: 3, road_kmh: 4, breaches_barriers: true}",
            "scenario.barriers.port_fence.to_km=40",
            "scenario.organisations.cartel.cargo.people.mode=climber",
            "scenario.organisations.cartel.cargo.drugs.mode=climber",
            "+scenario.injects.lure={type: decoy, organisation: cartel, count: 5, start_hours: 1}",
        ),
    ),
    Case(
        "adaptive organisation with no memory",
        ("scenario.organisations.cartel.routing={type: adaptive, memory_days: 0}",),
    ),
    Case(
        "adaptive organisation with a softmax temperature of 0",
        ("scenario.organisations.cartel.routing={type: adaptive, temperature: 0}",),
    ),
    Case(
        "adaptive organisation limited to an unknown corridor",
        ("scenario.organisations.cartel.routing={type: adaptive, corridors: [C01, X7]}",),
    ),
    Case("port traffic without ports", ("scenario.organisations.cartel.port_share=0.5",)),
    Case(
        "more automatic ports than the terrain has",
        ("scenario.ports.a.agency=border_patrol", "scenario.ports.b.agency=border_patrol"),
    ),
    Case(
        "an origin that reaches no destination",
        (
            "scenario.organisations.cartel.cargo={people: {share: 1, mode: vehicle}, drugs: {share: 0}}",
            "scenario.barriers.port_fence.to_km=1000",
        ),
    ),
    Case(
        "terrain file with a non-finite coordinate",
        ("scenario.terrain.source=csv", "scenario.terrain.path={tmp}"),
        {"nodes.csv": NODES_CSV, "edges.csv": EDGES_CSV},
    ),
    Case(
        "terrain file that does not exist",
        ("scenario.terrain.source=graphml", "scenario.terrain.path=no_such_map.graphml"),
    ),
    Case(
        "GraphML terrain with an edge to an undeclared node",
        ("scenario.terrain.source=graphml", "scenario.terrain.path={tmp}/map.graphml"),
        {"map.graphml": GRAPHML},
    ),
    Case(
        "GraphML terrain cut short (not XML)",
        ("scenario.terrain.source=graphml", "scenario.terrain.path={tmp}/map.graphml"),
        {"map.graphml": GRAPHML[: GRAPHML.index("<node")]},
    ),
    Case(
        "GraphML terrain with a road flag that is not a boolean",
        ("scenario.terrain.source=graphml", "scenario.terrain.path={tmp}/map.graphml"),
        {
            "map.graphml": GRAPHML.replace(
                '<graph edgedefault="undirected">',
                '<key id="road" for="edge" attr.name="road" attr.type="boolean"/>\n<graph edgedefault="undirected">',
            ).replace(
                '<edge source="0" target="1"/>', '<edge source="0" target="1"><data key="road">maybe</data></edge>'
            )
        },
    ),
    design_case("a design's folder name that is a path", "--name", "../..", "--param", COUNT),
    design_case("a design's seed beyond 64 bits", "--seed", "99999999999999999999999", "--param", COUNT),
    design_case("a design over a run key", "--param", "seed=1:5:int"),
    design_case("a design of more points than a run can list", "--param", COUNT, n="1000000"),
    design_case("run keys given to a design as overrides", "--param", COUNT, "replications=2"),
    design_case("a design's launcher key the launcher does not take", "--param", COUNT, "hydra.launcher.n_job=2"),
    design_case(
        "a design range whose upper end is out of range", "--param", "scenario.sensors.ground.detect_prob=0.5:1.5"
    ),
    design_case("a design range that is not a number", "--param", "scenario.sensors.ground.detect_prob=low:0.9"),
    design_case("an integer key's design range without :int", "--param", "scenario.units.bp_vehicle.count=2:10"),
    design_case(
        "a design parameter given twice", "--param", COUNT, "--param", "scenario.units.bp_vehicle.count=10:20:int"
    ),
    design_case("a design with no points or no replications", "--replications", "0", "--param", COUNT, n="0"),
    design_case("a design's folder set with a Hydra override", "--param", COUNT, "hydra.sweep.dir={tmp}/elsewhere"),
]


@dataclass(frozen=True)
class Outcome:
    code: int
    stderr: str
    wrote: list[str]  # files or folders the command left in {tmp} or outputs/ besides the inputs


def run_case(case: Case, tmp: Path) -> Outcome:
    """Run `case` in this process, from folder `tmp`, and report what it printed and left."""
    import os

    from sim import design, run

    tmp.mkdir(parents=True, exist_ok=True)
    for name, text in case.files.items():
        (tmp / name).write_bytes(text) if isinstance(text, bytes) else (tmp / name).write_text(text)
    args = [a.replace("{tmp}", str(tmp)) for a in case.args]
    single_run = case.command == "sim.run" and "--multirun" not in args
    if single_run and not any(a.startswith("hydra.run.dir") for a in args):
        args.append(f"hydra.run.dir={tmp}/run")  # where a run would go, were it not refused
    outputs = ROOT / "outputs"
    before = set(tmp.rglob("*")) | set(outputs.rglob("*"))
    err = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = (run.main if case.command == "sim.run" else design.main)(args)
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.chdir(cwd)
    after = set(tmp.rglob("*")) | set(outputs.rglob("*"))
    wrote = sorted(str(p.relative_to(tmp if p.is_relative_to(tmp) else ROOT)) for p in after - before)
    text = err.getvalue().replace(f"{tmp}/", "").replace(str(tmp), "{tmp}").replace(f"{ROOT}/", "")
    return Outcome(code, text, wrote)


def message(stderr: str) -> str:
    """The message as the reference page shows it: the error lines, without the scratch folder."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    return "\n".join(lines)
