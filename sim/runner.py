"""Replications of one configuration: chunked, parallel, resumable, written atomically.

A run directory holds:
- config.yaml          the resolved configuration (written when the run ends)
- manifest.json        scenario, folder key, package version, git commit, base seed, events=, chunks
                       (written before anything runs)
- summary/<chunk>.parquet   one row per replication (sim/metrics.py + replication, seed, params,
                            provenance); written by whichever process ran the chunk, after its
                            other files (a chunk is done when its summary exists)
- events/, plans/, port_vehicles/: only with events=true (the default)
- events/<chunk>.parquet    the event logs of the chunk (columns of sim/recorder.py + replication, seed)
- plans/<chunk>.parquet     every movement plan of the chunk (PLAN_SCHEMA + replication), for replays
- port_vehicles/<chunk>.parquet   every vehicle through a port of entry (sim/recorder.py
                            PORT_SCHEMA + replication): part of the event log, read by the port metrics
- summary.parquet      all summary rows, written when every chunk is done
- terrain_nodes.parquet / terrain_edges.parquet   the map, written first (with each agency's jurisdiction as a
                                                  bool column jurisdiction.<agency>), so analysis never imports
                                                  the model

Every file is written to a hidden temporary name and renamed, so a killed run leaves only
complete files; running the same command again skips the chunks that are already there.
Replication i always uses seed base_seed + i, in every configuration (common random numbers).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import multiprocessing
import re
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.files import write_parquet_atomic, write_text_atomic
from sim.metrics import summarize
from sim.model import BorderModel, collector_paused
from sim.params import dump
from sim.scenario import ScenarioSpec
from sim.terrain.model import FEATURES, SIDE_NAMES
from sim.terrain.sources import TERRAIN_SOURCES
from sim.world import World, build_world

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class ReplicationResult:
    replication: int
    seed: int
    events: pa.Table
    summary: dict[str, float]
    plans: pa.Table | None = None  # every movement plan (sim/recorder.py PLAN_SCHEMA), for replays
    ports: pa.Table | None = None  # every vehicle through a port (sim/recorder.py PORT_SCHEMA)


@dataclass(frozen=True)
class Chunk:
    first: int  # replication index
    last: int  # inclusive

    @property
    def name(self) -> str:
        return f"rep-{self.first:05d}-{self.last:05d}"


class RunDirConflict(RuntimeError):
    """The output directory holds results of a different configuration. The message's advice
    names the single run's folder key (FOLDER_KEY); a sweep names its own (sim/run.py)."""


FOLDER_KEY = "(hydra.run.dir=...)"


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from a clean server that has already imported the engine: safe in
    a multi-threaded parent (Arrow and DuckDB start threads), and no per-worker import cost."""
    if multiprocessing.get_start_method(allow_none=True) not in (None, *multiprocessing.get_all_start_methods()):
        # a sweep point in a loky process (Hydra's joblib launcher) names loky's own start method,
        # which every child is told to set up and cannot find ("cannot find context for 'loky'"):
        # this process's children get the platform's default instead
        multiprocessing.set_start_method(None, force=True)
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.runner"])
    else:
        ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def run_replication(world: World, seed: int, replication: int = 0) -> ReplicationResult:
    """Run one replication to its horizon; return its event log and summary. The cyclic garbage
    collector is paused for the whole replication (see `collector_paused`); the dead model (its
    agents and it refer to each other) is then freed by the first collection after it."""
    with collector_paused():
        model = BorderModel(world, seed)
        events = model.run().to_arrow()
        ports = model.port_vehicles()
        result = ReplicationResult(replication, seed, events, summarize(events, ports), model.plans.to_arrow(), ports)
        del model  # unreachable before the collector resumes, so its first pass frees it, young
    return result


def git_commit() -> str:
    """The commit of the checkout the code runs from ('unknown' outside git)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def config_hash(scenario: ScenarioSpec, extra: dict, base_dir: str = ".", with_map: bool = True) -> str:
    """The configuration's hash: the scenario, `extra`, and the content of the map files a loaded
    terrain reads (`terrain_digest`: its path alone would let an edited map pass for the same one;
    `with_map=False`: the hash before it was added, for folders written then)."""
    digest = terrain_digest(scenario, base_dir) if with_map else ""
    blob = json.dumps(
        {"scenario": dump(scenario), **extra, **({"map": digest} if digest else {})}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def terrain_digest(scenario: ScenarioSpec, base_dir: str = ".") -> str:
    """SHA-256 of the files the scenario's terrain source reads (a GraphML file; a csv folder's
    nodes.csv and edges.csv; none for a generated terrain); a file that cannot be read counts as
    missing (building the world names the problem)."""
    chosen = scenario.terrain.source
    h, found = hashlib.sha256(), False
    files = TERRAIN_SOURCES.get(chosen.type)(chosen.params).files(scenario.terrain, base_dir)
    for f in sorted(files, key=lambda f: f.name):  # by name: as the digest of 602fa0f-4f385e2 read a csv folder
        try:
            content = f.read_bytes()
        except OSError:
            continue
        h.update(f.name.encode() + b"\0" + hashlib.sha256(content).digest())
        found = True
    return h.hexdigest() if found else ""


def labelled(
    events: pa.Table, plans: pa.Table, ports: pa.Table, replication: int, seed: int
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """A replication's event log, plan log and port-vehicle table with the columns that key them
    in a run directory: replication (all) and seed (events)."""
    n = events.num_rows
    events = events.append_column("replication", pa.array([replication] * n, pa.int64())).append_column(
        "seed", pa.array([seed] * n, pa.int64())
    )
    keyed = [t.append_column("replication", pa.array([replication] * t.num_rows, pa.int64())) for t in (plans, ports)]
    return events, keyed[0], keyed[1]


def terrain_tables(world: World) -> tuple[pa.Table, pa.Table]:
    t = world.terrain
    nodes = pa.table(
        {
            "node": pa.array(range(t.n_nodes), pa.int64()),
            "x": t.x,
            "y": t.y,
            "kind": [t.kind_names[k] for k in t.kind],
            "cover": t.cover,
            "side": [SIDE_NAMES[s] for s in t.side],
            "sector": [t.sector_names[s] for s in t.sector],
            "feature": [FEATURES[f] for f in t.feature],
            **{f"jurisdiction.{name}": a.jurisdiction for name, a in world.agencies.items()},
        }
    )
    edges = pa.table(
        {
            "u": t.edge_u.astype("int64"),
            "v": t.edge_v.astype("int64"),
            "length_km": t.edge_length_km,
            "road": t.edge_road,
        }
    )
    return nodes, edges


# --- one chunk, in whichever process runs it ---------------------------------------------------
_WORLD_CACHE: dict[str, World] = {}  # per process: a pool worker builds its world once, for all its chunks


def _world_for(scenario: ScenarioSpec, origin: str, base_dir: str, key: str) -> World:
    world = _WORLD_CACHE.get(key)
    if world is None:
        _WORLD_CACHE.clear()
        world = _WORLD_CACHE[key] = build_world(scenario, origin, base_dir)
    return world


def adopt_world(key: str, world: World) -> None:
    """This process already built the world of configuration `key`: its chunks use it."""
    _WORLD_CACHE.clear()
    _WORLD_CACHE[key] = world


def run_chunk(
    scenario: ScenarioSpec,
    origin: str,
    base_dir: str,
    key: str,
    base_seed: int,
    chunk: Chunk,
    out_dir: str,
    labels: dict[str, object],
    keep_events: bool,
) -> pd.DataFrame:
    """Run replications chunk.first..chunk.last and write their files; return the summary rows."""
    world = _world_for(scenario, origin, base_dir, key)
    rows, tables, plans, ports = [], [], [], []
    for i in range(chunk.first, chunk.last + 1):
        r = run_replication(world, base_seed + i, i)
        rows.append({**labels, "replication": i, "seed": r.seed, **r.summary})
        if keep_events:
            events, plan_table, port_table = labelled(r.events, r.plans, r.ports, i, r.seed)
            tables.append(events)
            plans.append(plan_table)
            ports.append(port_table)
    summary = pd.DataFrame(rows)
    out = Path(out_dir)
    if keep_events:  # events first: a chunk counts as done once its summary exists
        write_parquet_atomic(pa.concat_tables(tables), out / "events" / f"{chunk.name}.parquet")
        write_parquet_atomic(pa.concat_tables(plans), out / "plans" / f"{chunk.name}.parquet")
        write_parquet_atomic(pa.concat_tables(ports), out / "port_vehicles" / f"{chunk.name}.parquet")
    write_parquet_atomic(pa.Table.from_pandas(summary, preserve_index=False), out / "summary" / f"{chunk.name}.parquet")
    return summary


# --- a whole run directory ---------------------------------------------------------------------
@dataclass
class Experiment:
    """One configuration to replicate into one directory."""

    scenario: ScenarioSpec
    origin: str
    base_dir: str
    out_dir: Path
    base_seed: int = 1
    replications: int = 1
    workers: int = 1
    chunk_size: int = 0  # 0: about 16 chunks (1..50 replications each), whatever the workers
    keep_events: bool = True
    params: dict[str, object] | None = None  # swept keys and values, copied into every summary row
    world: World | None = None  # the world, if the caller built it already (this process uses it)

    def chunks(self, finished: list[Chunk] | None = None) -> list[Chunk]:
        """The chunk layout: the `finished` chunks (already on disk) kept as they are, the
        replications between them in new chunks of the usual size (which grows with the count)."""
        size = self.chunk_size or max(1, min(50, -(-self.replications // 16)))
        kept: list[Chunk] = []
        for c in sorted(finished or [], key=lambda c: (c.first, -c.last)):
            if c.last < self.replications and (not kept or c.first > kept[-1].last):
                kept.append(c)
        plan: list[Chunk] = []
        start = 0
        for c in [*kept, Chunk(self.replications, self.replications)]:
            plan += [Chunk(a, min(a + size, c.first) - 1) for a in range(start, c.first, size)]
            start = c.last + 1
        return sorted(plan + kept, key=lambda c: c.first)

    def labels(self, key: str, commit: str) -> dict[str, object]:
        return {
            "scenario": self.scenario.name,
            **(self.params or {}),
            "config_hash": key,
            "version": __version__,
            "git_commit": commit,
        }


_CHUNK_NAME = re.compile(r"rep-(\d{5,})-(\d{5,})\.parquet")


def finished_chunks(out_dir: Path) -> list[Chunk]:
    """The chunks whose summary file is on disk (a chunk's summary is written last)."""
    found = [_CHUNK_NAME.fullmatch(f.name) for f in (out_dir / "summary").glob("rep-*.parquet")]
    return [Chunk(int(m[1]), int(m[2])) for m in found if m and int(m[1]) <= int(m[2])]


def other_commits(out_dir: Path) -> dict[str, int]:
    """The replications of `out_dir`'s finished chunks run by another commit than this checkout's
    (commit -> count; empty outside git or when there are none): resuming then mixes two versions
    of the model in one result, which the summary's git_commit column tells apart."""
    commit = git_commit()
    if commit == "unknown":
        return {}
    counts: dict[str, int] = {}
    for c in finished_chunks(out_dir):
        try:
            held = pq.read_table(out_dir / "summary" / f"{c.name}.parquet", columns=["git_commit"]).column(0)
        except (OSError, KeyError, pa.ArrowException):  # unreadable or without the column: the run checks it
            continue
        for value in held.to_pylist():
            if value not in (commit, "unknown", None):
                counts[value] = counts.get(value, 0) + 1
    return counts


def _check_finished(out_dir: Path, finished: list[Chunk], replications: int) -> None:
    """Refuse a replication count that would leave finished replications out of the results."""
    if any(c.last >= replications for c in finished):
        upto = max(c.last for c in finished) + 1  # chunks finish out of order: some below it may be missing
        done = sum(c.last - c.first + 1 for c in finished)
        beyond = sum(max(0, c.last + 1 - max(c.first, replications)) for c in finished)
        raise RunDirConflict(
            f"{out_dir} holds {done} finished replications, up to replication {upto - 1}; replications="
            f"{replications} would leave {beyond} of them out of the results; run with replications={upto} "
            f"(or more), or choose another output directory {FOLDER_KEY}"
        )


def _clean(out_dir: Path, chunks: list[Chunk]) -> None:
    """Remove temporaries of a killed run and chunk files outside the layout (parts of a chunk
    that was killed before its summary was written, or an overlapping layout's leftovers)."""
    names = {f"{c.name}.parquet" for c in chunks}
    for sub in ("summary", "events", "plans", "port_vehicles", "."):
        folder = out_dir / sub
        if folder.is_dir():
            for f in folder.glob(".*.tmp"):
                f.unlink(missing_ok=True)
            if sub != ".":
                for f in folder.glob("rep-*.parquet"):
                    if f.name not in names:
                        f.unlink()


def run_key(scenario: ScenarioSpec, base_seed: int, keep_events: bool, base_dir: str = ".") -> str:
    """A run folder's key (its manifest's run_key; "folder key" in messages, not to be confused
    with the run keys seed, replications, ...): the scenario (a loaded map's content too), the base
    seed and whether events are kept. A folder is resumed only by a run of the same key."""
    return config_hash(scenario, {"base_seed": base_seed, "keep_events": keep_events}, base_dir)


def mapless_run_key(scenario: ScenarioSpec, base_seed: int, keep_events: bool, base_dir: str = ".") -> str:
    """The folder key as it was before a loaded map's content was part of it (folders written
    then are resumed if their terrain tables are this map's, `_check_terrain`)."""
    return config_hash(scenario, {"base_seed": base_seed, "keep_events": keep_events}, base_dir, with_map=False)


def check_run_dir(
    out_dir: Path, key: str, replications: int, mapless: str | None = None, world: Callable[[], World] | None = None
) -> None:
    """Refuse (RunDirConflict) a folder holding another run's results, or more finished
    replications than `replications`: what `run_experiment` checks before writing anything, for a
    caller that checks all its folders first (a sweep, before any point runs). `mapless` and
    `world` (built only if needed): see `_check_key`."""
    _check_key(out_dir, key, mapless, world)
    _check_finished(out_dir, finished_chunks(out_dir), replications)


def _check_key(out_dir: Path, key: str, mapless: str | None, world: Callable[[], World] | None) -> dict:
    """The folder's manifest if it holds this run's key; a folder keyed before a loaded map's
    content was part of the key (`mapless`) only if its terrain tables are `world()`'s."""
    manifest = _check_manifest(out_dir, key, mapless)
    held = manifest.get("run_key", manifest.get("config_hash"))
    if held is not None and held != key and world is not None:  # keyed before the map's content was
        _check_terrain(out_dir, world())
    return manifest


def _check_terrain(out_dir: Path, world: World) -> None:
    """Refuse (RunDirConflict) a folder whose terrain tables are not `world`'s: a folder keyed
    before the map's content was part of the key, whose map was edited since."""
    stored = [out_dir / f"terrain_{part}.parquet" for part in ("nodes", "edges")]
    if all(p.exists() for p in stored) and any(
        not pq.read_table(p).equals(t) for p, t in zip(stored, terrain_tables(world))
    ):
        raise RunDirConflict(
            f"{out_dir} holds replications run on another map than this scenario's now (its file edited since?): "
            f"the folder would mix the two; choose another output directory {FOLDER_KEY}"
        )


def _check_manifest(out_dir: Path, key: str, mapless: str | None = None) -> dict:
    """The folder's manifest ({} for a new folder) if it holds this run's key, or (`mapless`) the
    key it had before a loaded map's content was part of it; else RunDirConflict."""
    path = out_dir / "manifest.json"
    if path.exists():
        manifest = json.loads(path.read_text())
        held = manifest.get("run_key", manifest.get("config_hash"))  # (config_hash: folders before run_key)
        if held != key and not (mapless and held == mapless):
            recorded = ", ".join(
                f"base seed {manifest[k]}" if k == "base_seed" else f"events={str(manifest[k]).lower()}"
                for k in ("base_seed", "events")
                if k in manifest
            )
            raise RunDirConflict(
                f"{out_dir} holds results of another configuration: the scenario (a loaded map's file too), the "
                f"base seed or events= differ (the folder's key {held}, this run's {key}"
                f"{'; the folder was run with ' + recorded if recorded else ''}); choose another output "
                f"directory {FOLDER_KEY}"
            )
        return manifest
    return {}


BROKEN_POOL = (
    "A worker process ended abruptly: killed (out of memory?), or a script that runs with workers > 1 without "
    '`if __name__ == "__main__":` around the run (each worker imports the script: Python\'s rule for process '
    "pools). Finished replications are kept: the same run again resumes."
)


def _run_parallel(
    todo: list[Chunk],
    workers: int,
    args: tuple,
    out: str,
    labels: dict,
    keep_events: bool,
    finished: Callable[[Chunk], None],
) -> None:
    """Run chunks in workers - 1 pool processes, which take them from the front, and in this
    process, which takes them from the back meanwhile (so the pool's start-up costs no idle
    time: this process starts its first chunk at once, while a helper thread starts the pool).
    Each pool slot gets its next chunk the moment it finishes one, and no chunk waits in a pool
    queue, so at the end nobody idles while another still has work queued."""
    pending = deque(todo)
    running: dict = {}
    lock = threading.Lock()
    with process_pool(workers - 1) as pool:

        def feed(done=None) -> None:  # also the done-callback of each pool chunk
            if done is not None and (done.cancelled() or done.exception() is not None):
                # a failed chunk or a broken pool stops the run (collect() raises it); a broken
                # pool also calls back while holding its own lock, which submit() would wait for
                return
            with lock:
                if not pending:
                    return
                c = pending.popleft()
                try:
                    future = pool.submit(run_chunk, *args, c, out, labels, keep_events)
                except BaseException:
                    pending.appendleft(c)  # never started: this process may still run it
                    raise
                running[future] = c
            future.add_done_callback(feed)

        def collect(block: bool) -> None:
            with lock:
                futures = list(running)
            if block:
                wait(futures)
            for f in futures:
                if f.done():
                    f.result()  # a failed chunk stops the run here
                    with lock:
                        c = running.pop(f)
                    finished(c)

        start_error: list[BaseException] = []

        def start_pool() -> None:
            try:
                for _ in range(workers - 1):
                    feed()
            except BaseException as exc:  # re-raised in this process once its own chunks are done
                start_error.append(exc)

        # the pool's first process takes about a second to come up (its server imports the
        # engine) and submit() waits for it; so it is started from a helper thread while this
        # process runs its own first chunk, instead of before it
        try:
            with lock:
                c = pending.pop()
            starter = threading.Thread(target=start_pool, name="pool-starter", daemon=True)
            starter.start()
            while c is not None:
                run_chunk(*args, c, out, labels, keep_events)
                finished(c)
                collect(block=False)
                with lock:
                    c = pending.pop() if pending else None
            starter.join()
            if start_error:
                raise start_error[0]  # the pool could not start (its chunks ran here; the run resumes)
            while running:
                collect(block=True)
        except BrokenProcessPool as exc:
            raise BrokenProcessPool(f"{exc} {BROKEN_POOL}") from exc
        finally:  # stopping (an error or Ctrl-C): chunks that finish while the pool shuts down start no more
            with lock:
                pending.clear()


def run_experiment(exp: Experiment, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every missing chunk of `exp` (in parallel if workers > 1) and return all summary rows.

    Chunks already on disk are skipped, so an interrupted run resumes where it stopped."""
    out = exp.out_dir
    out.mkdir(parents=True, exist_ok=True)
    key = run_key(exp.scenario, exp.base_seed, exp.keep_events, exp.base_dir)
    mapless = mapless_run_key(exp.scenario, exp.base_seed, exp.keep_events, exp.base_dir)
    if exp.world is not None:
        adopt_world(key, exp.world)
    held = _check_key(out, key, mapless, functools.partial(_world_for, exp.scenario, exp.origin, exp.base_dir, key))
    commit = git_commit()
    finished = finished_chunks(out)
    if finished and "params" in held and held["params"] != (exp.params or {}):
        # the same configuration set by other overrides (a key at its default named or not): the
        # folder's rows keep one set of parameter columns, its own
        exp = dataclasses.replace(exp, params=held["params"])
    _check_finished(out, finished, exp.replications)
    chunks = exp.chunks(finished)
    _clean(out, chunks)
    manifest = {
        "scenario": exp.scenario.name,
        "run_key": key,  # the summary rows' config_hash is the scenario's alone (the configuration)
        "version": __version__,
        "git_commit": commit,
        "base_seed": exp.base_seed,
        "events": exp.keep_events,  # (also read by the review before config.yaml is written)
        "replications": exp.replications,
        "params": exp.params or {},
        "chunks": [c.name for c in chunks],
        "complete": False,
    }
    write_text_atomic(json.dumps(manifest, indent=1, default=str), out / "manifest.json")
    todo = [c for c in chunks if not (out / "summary" / f"{c.name}.parquet").exists()]
    if todo:  # a summary of fewer replications (a run now grown) is not the result until it is rewritten
        (out / "summary.parquet").unlink(missing_ok=True)
    done_reps = sum(c.last - c.first + 1 for c in chunks if c not in todo)
    if progress:
        progress(done_reps, exp.replications)
    args = (exp.scenario, exp.origin, exp.base_dir, key, exp.base_seed)
    # a row's configuration is its scenario: runs of one scenario from other base seeds (a study
    # split into runs, seed=1, seed=100001, ...) or with events kept or not are the same configuration
    labels = exp.labels(config_hash(exp.scenario, {}, exp.base_dir), commit)
    if not (out / "terrain_nodes.parquet").exists():  # first: the maps of a run interrupted later need them
        nodes, edges = terrain_tables(_world_for(*args[:4]))
        write_parquet_atomic(nodes, out / "terrain_nodes.parquet")
        write_parquet_atomic(edges, out / "terrain_edges.parquet")

    def finished(c: Chunk) -> None:
        nonlocal done_reps
        done_reps += c.last - c.first + 1
        if progress:
            progress(done_reps, exp.replications)

    if exp.workers > 1 and len(todo) > 1:
        _run_parallel(todo, exp.workers, args, str(out), labels, exp.keep_events, finished)
    else:
        for c in todo:
            run_chunk(*args, c, str(out), labels, exp.keep_events)
            finished(c)
    summary = pd.concat([pd.read_parquet(out / "summary" / f"{c.name}.parquet") for c in chunks], ignore_index=True)
    # one configuration (the manifest's check): chunks written by an older version, whose hash held
    # the base seed and events=, get today's; running a finished folder's command again rewrites them
    summary["config_hash"] = labels["config_hash"]
    write_parquet_atomic(pa.Table.from_pandas(summary, preserve_index=False), out / "summary.parquet")
    manifest["complete"] = True
    write_text_atomic(json.dumps(manifest, indent=1, default=str), out / "manifest.json")
    return summary
