"""Fixed-sensor detection along a planned timeline, worked out when the plan is made.

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
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter
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
    if not found:
        return []
    ids = sorted(found)
    keys = np.array(ids, dtype=np.uint64) if cov.sensor_key is None else cov.sensor_key[ids]
    thresholds = -np.log(keyed_uniforms(draw_key, keys))  # Exp(1), addressed
    if spent:  # what is left of each threshold (the exponential's memorylessness is not needed)
        thresholds = np.maximum(thresholds - np.array([spent.get(x, 0.0) for x in ids]), 1e-12)
    hits = []
    for s, key, x in zip(ids, keys.tolist(), thresholds.tolist()):
        cum = 0.0
        for e in found[s]:  # in the order of the route: the first entry where the sum reaches x
            cum += e.exposure
            if cum >= x:
                break
        else:
            continue
        need = x - (cum - e.exposure)  # exposure still needed inside this visit
        if e.per_visit == math.inf or need <= e.per_visit or e.rate <= 0:  # (a sure pass: at the centre)
            t = max(e.centre, now)
        else:
            t = max(min(states.when_up_for(s, e.start, (need - e.per_visit) / e.rate), e.end), now)
        hits.append((t, key, SensorHit(t, s, e.node)))
    hits.sort(key=itemgetter(0, 1))  # by time; ties by the sensor's key, not its place in the list
    return [h for _, _, h in hits]


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
    return {s: float(np.array([e.exposure for e in found[s]]).sum()) for s in sorted(found)}  # NumPy's summation


class _Entry(NamedTuple):
    """One visit of a route to a cell a sensor covers: the cell, its centre time, the start of
    presence counted and the end of the visit, and the sensor's exposure there (all of it, its
    per-visit part, per minute)."""

    node: int
    centre: float
    start: float
    end: float
    exposure: float
    per_visit: float
    rate: float


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
) -> dict[int, list[_Entry]]:
    """Per covering sensor, its entries (see `_Entry`) along `tl` with their exposure in [start,
    end), in the order of the route; visits beginning at or after `until` left out. Worked out on
    Python numbers: a route passes a few covered cells, where NumPy's calls cost ten times more
    than the arithmetic."""
    r = tl.runs()
    spans, sensor_of, per_visit_of, rate_of = cov.lists
    nodes, first, starts, ends = r.nodes, r.first, r.starts, r.ends
    clip = end < math.inf  # (a schedule runs to the end of the plan: no clipping on that hot path)
    raw: dict[int, list[list]] = {}  # sensor -> [node, centre, start, end, minutes, per visit, rate, end counted]
    for i in range(bisect_left(starts, until)):  # visits from the cut on begin at or after `until`
        node = nodes[i]
        span = spans.get(node)
        if span is None:
            continue
        centre = float(tl.times[first[i]])
        s_pos, e_pos = max(starts[i], start), max(ends[i], start)
        if clip:
            s_pos, e_pos = min(s_pos, end), min(e_pos, end)
        counted = not (first_visit_counted and i == 0) and centre >= start and not (clip and centre >= end)
        end_i, minutes = ends[i], e_pos - s_pos
        for j in range(*span):
            pv = per_visit_of[j] if counted else 0.0
            raw.setdefault(sensor_of[j], []).append([node, centre, s_pos, end_i, minutes, pv, rate_of[j], e_pos])
    found = {}
    for s, entries in raw.items():  # only sensors excluded or with down time need work of their own
        if s in exclude:
            for e in entries:
                e[4] = e[5] = 0.0
        elif not states.never_down(s):
            up = states.is_up(s, np.array([e[1] for e in entries])).tolist()
            down = states.down_minutes_before(s, np.array([e[2] for e in entries] + [e[7] for e in entries])).tolist()
            n = len(entries)
            for k, e in enumerate(entries):
                e[5] = e[5] if up[k] else 0.0
                e[4] -= down[n + k] - down[k]
        found[s] = [_entry(*e[:7], factor) for e in entries]
    return found


def _entry(
    node: int, centre: float, start: float, end: float, minutes: float, per_visit: float, rate: float, factor: float
) -> _Entry:
    """An entry's exposure under the weather `factor`: a chance of 1 per pass stays 1 under any
    factor above 0."""
    sure = per_visit >= SURE_EXPOSURE
    per_visit, rate = per_visit * factor, rate * factor
    if factor > 0 and sure:
        per_visit = math.inf
    return _Entry(node, centre, start, end, per_visit + rate * minutes, per_visit, rate)
