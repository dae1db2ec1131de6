"""Fixed-sensor detection along a planned timeline, in one vectorised pass.

Each covering sensor adds exposure `per_visit + rate_per_min * minutes_in_cell` for every cell
the group passes while the sensor is up. Sensor s detects at the first point where its
cumulative exposure reaches an Exp(1) draw X_s, so P(s detects) = 1 - exp(-E_s), independently
across sensors. Re-planning draws fresh X_s for the rest of the trip, which is exact because
the exponential is memoryless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from sim.movement import Timeline
from sim.world import Coverage


@dataclass(frozen=True)
class SensorHit:
    time: float
    sensor: int
    node: int


def sensor_hits(tl: Timeline, cov: Coverage, is_up: Callable[[int, np.ndarray], np.ndarray],
                exclude: set[int], rng: np.random.Generator, now: float) -> list[SensorHit]:
    """Every sensor that detects the group along `tl`, with when and where (sorted by time)."""
    nodes = tl.nodes
    cnt = cov.ptr[nodes + 1] - cov.ptr[nodes]
    total = int(cnt.sum())
    if total == 0:
        return []
    starts, ends = tl.bounds()
    pos = np.repeat(np.arange(nodes.size), cnt)
    first = np.repeat(cov.ptr[nodes] - (np.cumsum(cnt) - cnt), cnt)
    idx = first + np.arange(total)
    sens = cov.sensor[idx]
    dur = ends[pos] - starts[pos]
    per_visit, rate = cov.per_visit[idx], cov.rate_per_min[idx]
    exposure = per_visit + rate * dur
    live = ends[pos] >= now
    ids = np.unique(sens)
    for s in ids.tolist():
        m = sens == s
        if s in exclude:
            live[m] = False
        else:
            live[m] &= is_up(s, tl.times[pos[m]])
    exposure = np.where(live, exposure, 0.0)
    order = np.lexsort((pos, sens))
    sens, pos, exposure, per_visit, rate = sens[order], pos[order], exposure[order], per_visit[order], rate[order]
    thresholds = rng.exponential(size=ids.size)
    group_start = np.searchsorted(sens, ids, side="left")
    group_end = np.searchsorted(sens, ids, side="right")
    hits = []
    for s, a, b, x in zip(ids.tolist(), group_start.tolist(), group_end.tolist(), thresholds.tolist()):
        cum = np.cumsum(exposure[a:b])
        j = int(np.searchsorted(cum, x, side="left"))
        if j >= b - a:
            continue
        k = a + j
        i = int(pos[k])
        need = x - (cum[j] - exposure[k])  # exposure still needed inside this cell
        if need <= per_visit[k] or rate[k] <= 0:
            t = float(tl.times[i])
        else:
            t = float(starts[i] + (need - per_visit[k]) / rate[k])
        hits.append(SensorHit(max(t, now), s, int(nodes[i])))
    hits.sort(key=lambda h: (h.time, h.sensor))
    return hits
