"""Fixed-sensor detection along a planned timeline, in one vectorised pass.

Each covering sensor adds exposure `per_visit` for every visit of a cell (once per visit, and
only if the sensor is up when the group passes the cell's centre) plus `rate_per_min x minutes
in the cell while the sensor is up`. Sensor s detects at the first point where its cumulative
exposure reaches an Exp(1) draw X_s, so P(s detects) = 1 - exp(-E_s), independently across
sensors. Re-planning draws fresh X_s for the rest of the trip, which is exact because the
exponential is memoryless; the visit the group is in when it re-plans keeps its per-visit
exposure only if the group has not yet passed the cell's centre.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from sim.assets import Coverage
from sim.movement import Timeline
from sim.rng import keyed_uniforms
from sim.sensors.base import SURE_EXPOSURE


class SensorStates(Protocol):
    def is_up(self, sensor: int, times: np.ndarray) -> np.ndarray: ...

    def down_minutes_before(self, sensor: int, times: np.ndarray) -> np.ndarray: ...

    def when_up_for(self, sensor: int, start: float, minutes: float) -> float: ...

    def never_down(self, sensor: int) -> bool: ...


@dataclass(frozen=True)
class SensorHit:
    time: float
    sensor: int
    node: int


def sensor_hits(
    tl: Timeline,
    cov: Coverage,
    states: SensorStates,
    exclude: set[int],
    draw_key: int,
    now: float,
    first_visit_counted: bool = False,
    factor: float = 1.0,
    until: float = math.inf,
    spent: Mapping[int, float] | None = None,
) -> list[SensorHit]:
    """Every sensor that detects the group along `tl` before `until` (the horizon), with when
    and where (sorted by time). `first_visit_counted`: the group already passed the centre of
    its first cell under an earlier plan, so that visit's per-visit exposure is not counted
    again. `factor` scales all exposure (weather). Each sensor's threshold is addressed by
    (`draw_key`, the sensor's key): it does not depend on which other sensors cover the route, in
    what order sensors were listed, or where the route is cut by `until`. `spent`: exposure each
    sensor already gave the group since its thresholds were drawn (under conditions since changed:
    see `exposure_between`); the sensor detects when the rest of its threshold is reached."""
    found = _exposures(tl, cov, states, exclude, now, math.inf, first_visit_counted, factor, until)
    if found is None:
        return []
    nodes, centre, ends, sens, pos, exposure, per_visit, rate, s_pos, ids = found  # (_Entries, in its order)
    keys = ids.astype(np.uint64) if cov.sensor_key is None else cov.sensor_key[ids]
    thresholds = -np.log(keyed_uniforms(draw_key, keys))  # Exp(1), addressed
    if spent:  # what is left of each threshold (the exponential's memorylessness is not needed)
        used = np.array([spent.get(x, 0.0) for x in ids.tolist()])
        thresholds = np.maximum(thresholds - used, 1e-12)
    order = np.lexsort((pos, sens))
    sens, pos, exposure, per_visit, rate, s_pos = (a[order] for a in (sens, pos, exposure, per_visit, rate, s_pos))
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
        if per_visit[k] == np.inf:  # a sure pass: seen at the cell's centre
            hits.append(SensorHit(max(float(centre[i]), now), s, int(nodes[i])))
            continue
        need = x - (cum[j] - exposure[k])  # exposure still needed inside this visit
        if need <= per_visit[k] or rate[k] <= 0:
            t = float(centre[i])
        else:
            t = min(states.when_up_for(s, float(s_pos[k]), (need - per_visit[k]) / rate[k]), float(ends[i]))
        hits.append(SensorHit(max(t, now), s, int(nodes[i])))
    key_of = dict(zip(ids.tolist(), keys.tolist()))
    hits.sort(key=lambda h: (h.time, key_of[h.sensor]))  # ties by the sensor's key, not its place in the list
    return hits


def exposure_between(
    tl: Timeline,
    cov: Coverage,
    states: SensorStates,
    exclude: set[int],
    start: float,
    end: float,
    first_visit_counted: bool = False,
    factor: float = 1.0,
) -> dict[int, float]:
    """Exposure each covering sensor gave the group along `tl` in [start, end): per visit for a
    cell's centre passed in it, per minute for the minutes in it, as `sensor_hits` counts them. A
    change of the sensors at `end` (an install, weather, an outage) keeps each sensor's threshold
    and carries this over (`sensor_hits`' `spent`), so a configuration with the change and one
    without share every other draw."""
    found = _exposures(tl, cov, states, exclude, start, end, first_visit_counted, factor, math.inf)
    if found is None:
        return {}
    return {s: float(found.exposure[found.sens == s].sum()) for s in found.ids.tolist()}


def _exposures(
    tl: Timeline,
    cov: Coverage,
    states: SensorStates,
    exclude: set[int],
    start: float,
    end: float,
    first_visit_counted: bool,
    factor: float,
    until: float,
) -> _Entries | None:
    """Each (visit, covering sensor) of `tl` with its exposure in [start, end), visits beginning
    at or after `until` left out; None if no sensor covers the route."""
    nodes, first, starts, ends = tl.visits()
    centre = tl.times[first]
    cnt = cov.ptr[nodes + 1] - cov.ptr[nodes]
    total = int(cnt.sum())
    if total == 0:
        return None
    pos = np.repeat(np.arange(nodes.size), cnt)
    idx = np.repeat(cov.ptr[nodes] - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
    sens = cov.sensor[idx]
    cut = int(np.searchsorted(starts, until, side="left"))  # visits from here on begin at or after `until`
    if cut < nodes.size:  # a hit there would come at or after `until`: only earlier visits are worked out
        keep = pos < cut
        pos, idx, sens = pos[keep], idx[keep], sens[keep]
    ids = np.unique(sens)
    per_visit, rate = cov.per_visit[idx].copy(), cov.rate_per_min[idx]
    if first_visit_counted:
        per_visit[pos == 0] = 0.0
    s_pos, e_pos = np.maximum(starts[pos], start), np.maximum(ends[pos], start)
    if end < math.inf:  # (a schedule runs to the end of the plan: no clipping on that hot path)
        s_pos, e_pos = np.minimum(s_pos, end), np.minimum(e_pos, end)
    up_minutes = e_pos - s_pos
    at_centre = centre[pos]
    per_visit[at_centre < start] = 0.0  # a visit whose centre is behind the group counts no more
    if end < math.inf:
        per_visit[at_centre >= end] = 0.0  # (one reached at `end` is still due then)
    for s in ids.tolist():  # only sensors excluded or with down time need work of their own
        if s in exclude:
            m = sens == s
            per_visit[m] = 0.0
            up_minutes[m] = 0.0
        elif not states.never_down(s):
            m = sens == s
            per_visit[m] = np.where(states.is_up(s, at_centre[m]), per_visit[m], 0.0)
            down = states.down_minutes_before(s, np.concatenate([s_pos[m], e_pos[m]]))
            up_minutes[m] -= down[m.sum() :] - down[: m.sum()]
    sure = per_visit >= SURE_EXPOSURE  # a chance of 1 per pass stays 1 under any factor above 0
    per_visit, rate = per_visit * factor, rate * factor
    if factor > 0 and sure.any():
        per_visit[sure] = np.inf
    exposure = per_visit + rate * up_minutes
    return _Entries(nodes, centre, ends, sens, pos, exposure, per_visit, rate, s_pos, ids)


class _Entries(NamedTuple):
    """A route's (visit, covering sensor) entries: the visits' cells, centre times and ends; per
    entry its sensor, visit index, exposure, per-visit part, rate and start of presence; the sensors."""

    nodes: np.ndarray
    centre: np.ndarray
    ends: np.ndarray
    sens: np.ndarray
    pos: np.ndarray
    exposure: np.ndarray
    per_visit: np.ndarray
    rate: np.ndarray
    s_pos: np.ndarray
    ids: np.ndarray
