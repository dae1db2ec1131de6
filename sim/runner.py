"""Replications of one configuration, and writing their results (atomically).

Files written to the output directory:
- events.parquet    the event log of every replication (columns of sim/recorder.py + replication, seed)
- summary.parquet   one row per replication (sim/metrics.py) + replication, seed, scenario
- terrain_nodes.parquet / terrain_edges.parquet   the map, so analysis never imports the model
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.metrics import summarize
from sim.model import BorderModel
from sim.terrain.model import FEATURES, SIDE_NAMES
from sim.world import World


@dataclass
class ReplicationResult:
    replication: int
    seed: int
    events: pa.Table
    summary: dict[str, float]


def run_replication(world: World, seed: int, replication: int = 0) -> ReplicationResult:
    """Run one replication to its horizon; return its event log and summary."""
    model = BorderModel(world, seed)
    events = model.run().to_arrow()
    return ReplicationResult(replication, seed, events, summarize(events))


def run_replications(world: World, base_seed: int, n: int,
                     progress: Callable[[int, int], None] | None = None) -> list[ReplicationResult]:
    """Replication i uses seed base_seed + i (the same i gives the same seed in every config)."""
    out = []
    for i in range(n):
        out.append(run_replication(world, base_seed + i, i))
        if progress:
            progress(i + 1, n)
    return out


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write to a temporary file in the same folder, then rename: never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def terrain_tables(world: World) -> tuple[pa.Table, pa.Table]:
    t = world.terrain
    nodes = pa.table({
        "node": pa.array(range(t.n_nodes), pa.int64()), "x": t.x, "y": t.y,
        "kind": [t.kind_names[k] for k in t.kind], "cover": t.cover,
        "side": [SIDE_NAMES[s] for s in t.side], "sector": [t.sector_names[s] for s in t.sector],
        "feature": [FEATURES[f] for f in t.feature],
    })
    edges = pa.table({"u": t.edge_u.astype("int64"), "v": t.edge_v.astype("int64"),
                      "length_km": t.edge_length_km, "road": t.edge_road})
    return nodes, edges


def write_results(results: list[ReplicationResult], world: World, out_dir: Path) -> pd.DataFrame:
    """Write events, summaries and the map tables; return the summary table."""
    tables = []
    for r in results:
        n = r.events.num_rows
        tables.append(r.events.append_column("replication", pa.array([r.replication] * n, pa.int64()))
                      .append_column("seed", pa.array([r.seed] * n, pa.int64())))
    write_parquet_atomic(pa.concat_tables(tables), out_dir / "events.parquet")
    summary = pd.DataFrame([{"scenario": world.scenario.name, "replication": r.replication, "seed": r.seed,
                             "version": __version__, **r.summary} for r in results])
    write_parquet_atomic(pa.Table.from_pandas(summary, preserve_index=False), out_dir / "summary.parquet")
    nodes, edges = terrain_tables(world)
    write_parquet_atomic(nodes, out_dir / "terrain_nodes.parquet")
    write_parquet_atomic(edges, out_dir / "terrain_edges.parquet")
    return summary
