"""Planned movement: timelines and the space-time index used to find encounters.

A mover's plan is a Timeline: the nodes it will pass and its arrival time at each. It occupies
node i during [start_i, end_i], the half-way times to its neighbours on the timeline (a cell
is held from half an edge before to half an edge after). Positions at any time are read from
the timeline; nothing moves edge by edge. A new plan gets a new version; events scheduled
for an older version are ignored when they come due.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from dataclasses import dataclass, field
from itertools import islice, repeat
from operator import eq
from typing import NamedTuple, Protocol

import numpy as np

OVERLAP_EPS = 1e-6  # minutes: presences that only touch (up to rounding) are not an encounter
_SHORT = 48  # a timeline of at most this many entries is read in plain Python (NumPy's calls cost more)


class Whereabouts(NamedTuple):
    """Where a mover is at a time (`Timeline.where`)."""

    node: int  # the cell it is in
    ready: float  # when it reaches that cell's centre walking on in (the time asked, once there)
    reached: bool  # it had reached the centre
    other: int  # the neighbour it is between the centre and (-1: at the centre)
    share: float  # its distance from the centre, as a share of the step (at most a half)
    step: float  # the step's minutes at the plan's pace


@dataclass
class Timeline:
    nodes: np.ndarray  # node ids, in order
    times: np.ndarray  # time at each node's centre (minutes), non-decreasing
    version: int
    entered: float | None = None  # when the mover entered the first cell (default: times[0]); a
    # re-plan made while walking into a cell keeps the walk: entered = now, times[0] = centre
    aside: tuple[int, float, float] | None = None  # a stop begun off the cell's centre: the mover
    # stands a share of a step (of `step` minutes) from the centre, towards `other` (see where)
    came_from: tuple[int, float] | None = None  # a plan begun walking into its first cell: the cell
    # the mover comes from and the step's minutes (so that it may still turn back, see off_centre)
    aside_until: float = math.inf  # when the mover stops standing `aside` (a group's pause ends)
    reached_first: bool | None = None  # whether the mover had passed its first cell's centre in this
    # visit, where times[0] does not tell: False after turning back short of it (times[0] is dated
    # back though the centre was never reached), True walking back to it after passing it
    # derived from the arrays above on first use (they are never changed), as Python lists: a
    # plan's few dozen cells are read faster from lists than through NumPy calls
    _mid: list[float] | None = field(default=None, init=False, repr=False, compare=False)
    _runs: _Visits | None = field(default=None, init=False, repr=False, compare=False)
    _keep: bool = field(default=True, init=False, repr=False, compare=False)  # keep derived lists (see `forget`)

    @classmethod
    def stay(cls, node: int, start: float, end: float, version: int) -> Timeline:
        return cls(np.array([node, node]), np.array([start, max(start, end)]), version)

    @property
    def start(self) -> float:
        return float(self.times[0] if self.entered is None else min(self.entered, self.times[0]))

    @property
    def end(self) -> float:
        return float(self.times[-1])

    def mid(self) -> list[float]:
        """Half-way times between consecutive entries (where presence passes to the next)."""
        mid = self._mid
        if mid is None:
            if self.times.size <= _SHORT:
                t = self.times.tolist()
                mid = [0.5 * (x + y) for x, y in zip(islice(t, 1, None), t)]
            else:
                mid = (0.5 * (self.times[1:] + self.times[:-1])).tolist()
            if self._keep:
                self._mid = mid
        return mid

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Presence interval [start_i, end_i] of each node entry."""
        mid = np.array(self.mid(), dtype=np.float64)
        return np.concatenate([[self.start], mid]), np.concatenate([mid, [self.times[-1]]])

    def runs(self) -> _Visits:
        """The visits: maximal runs of the same node (a stay or a hide is one visit), with the
        first entry index and the start and end of presence of each, as Python lists (`_Visits`),
        computed once (each time after `forget`)."""
        r = self._runs
        if r is None:
            r = _Visits.of(self.nodes.tolist(), self.mid(), self.start, self.end)
            if self._keep:
                self._runs = r
        return r

    def forget(self) -> None:
        """Drop the lists derived from the arrays and derive them on each use from now on (equal
        every time): a group's plan of hundreds of cells needs them while it is published, then
        rarely (a re-plan, an alert about it); kept, they were 450 MiB of 10,000 groups' plans on
        100,000 cells."""
        self._keep = False
        self._mid = self._runs = None

    def departure(self, t: float) -> tuple[int, float, bool]:
        """The cell a mover is in at time t, when it reaches that cell's centre if it walks on in
        (t if it has reached it), and whether it had reached it (see `where` for the way back)."""
        return self.where(t)[:3]

    def off_centre(self, t: float) -> tuple[int, float, float]:
        """Where a mover is at time t between its cell's centre and a neighbour's (see `where`)."""
        return self.where(t)[3:]

    def where(self, t: float) -> Whereabouts:
        """Where a mover is at time t: its cell, when it reaches that cell's centre if it walks on
        in (t if it has reached it), whether it had reached it; and between that centre and a
        neighbour's: the neighbour (the next cell if it has passed the centre, the one it comes
        from if it is still walking in, or where it stood when a stay began: `aside`), its distance
        from the centre as a share of the step (at most a half: beyond it the mover is in the
        neighbour's cell) and the step's minutes at this plan's pace; (-1, 0.0, 0.0) for these at
        the centre, pausing there, or at the end of the plan. In its first cell a mover has reached
        the centre as it had when the plan began (`reached_first`), whatever the plan's times say:
        it never reaches it after turning back short of it, and it has passed it walking back."""
        r = self.runs()
        k = bisect_right(r.first, self.index_at(t)) - 1  # the visit holding time t
        j = r.first[k]
        node, centre = r.nodes[k], float(self.times[j])
        ready, reached = (centre, False) if centre > t else (t, True)
        if k == 0 and self.reached_first is not None:
            reached = self.reached_first  # the same visit as when the plan began (see reached_first)
        if self.aside is not None and t < self.aside_until:
            return Whereabouts(node, ready, reached, *self.aside)
        if t < centre:  # walking in
            if j > 0:
                other, step = int(self.nodes[j - 1]), centre - float(self.times[j - 1])
            elif self.came_from is not None:
                other, step = self.came_from
            else:
                return Whereabouts(node, ready, reached, -1, 0.0, 0.0)
            if step > 0:
                return Whereabouts(node, ready, reached, other, min((centre - t) / step, 0.5), step)
            return Whereabouts(node, ready, reached, -1, 0.0, 0.0)
        if k + 1 < len(r.first):
            j = r.first[k + 1] - 1  # the visit's last entry: when the mover leaves the centre
            left, step = float(self.times[j]), float(self.times[j + 1] - self.times[j])
            if t > left and step > 0:
                return Whereabouts(node, ready, reached, int(self.nodes[j + 1]), min((t - left) / step, 0.5), step)
        return Whereabouts(node, ready, reached, -1, 0.0, 0.0)

    def index_at(self, t: float) -> int:
        """Entry whose presence interval holds time t (clipped to the ends)."""
        if self._mid is None and not self._keep:  # a forgotten plan: the same half-way times, in C
            return int(np.searchsorted(0.5 * (self.times[1:] + self.times[:-1]), t, side="right"))
        return bisect_right(self.mid(), t)

    def node_at(self, t: float) -> int:
        return int(self.nodes[self.index_at(t)])  # every entry of a visit is its node


class _Visits:
    """A timeline's visits (maximal runs of one node) as lists: node, first entry index, start
    and end of presence (the same floats as the NumPy form: x + y and 0.5 * s are the same
    IEEE operations in Python and NumPy)."""

    __slots__ = ("nodes", "first", "starts", "ends", "repeats")

    def __init__(self, nodes: list[int], first: list[int], starts: list[float], ends: list[float]) -> None:
        self.nodes, self.first, self.starts, self.ends = nodes, first, starts, ends
        self.repeats = len(set(nodes)) < len(nodes)  # a cell visited twice (after leaving it)

    @classmethod
    def of(cls, nodes: list[int], mid: list[float], start: float, end: float) -> _Visits:
        if not any(map(eq, nodes, islice(nodes, 1, None))):  # no cell twice in a row: entries are visits
            return cls(nodes, list(range(len(nodes))), [start, *mid], [*mid, end])
        vn, vf, vs, ve = [nodes[0]], [0], [start], []
        prev = nodes[0]
        for i in range(1, len(nodes)):
            x = nodes[i]
            if x != prev:
                m = mid[i - 1]
                vn.append(x)
                vf.append(i)
                ve.append(m)
                vs.append(m)
                prev = x
        ve.append(end)
        return cls(vn, vf, vs, ve)


class Mover(Protocol):
    """A unit or a group: its plan version, and whether it is live (a group still on its trip, a
    unit on duty and observing)."""

    version: int

    @property
    def live(self) -> bool: ...


def reached_first(reached: bool, keeps_way: bool) -> bool | None:
    """`Timeline.reached_first` of a plan begun between a cell's centre and a neighbour's, from
    whether the mover had `reached` the centre and whether the plan `keeps_way` (goes to that
    neighbour, so it is dated back): a mover that turns back short of the centre has not reached
    it (False); one that walks back to a centre it passed has (True); else the times tell (None)."""
    if reached:
        return True
    return False if keeps_way else None


def fresh(mover: Mover, version: int) -> bool:
    """The stale-plan check, once for every event: an event scheduled for plan `version` of
    `mover` still holds only if the mover has not re-planned since and is still live."""
    return mover.version == version and mover.live


class Encounter(NamedTuple):
    time: float  # start of the overlap (not before "now")
    end: float  # end of the overlap
    node: int
    other: int  # id of the mover on the other side
    other_version: int


class PresenceIndex:
    """Presence intervals of two sides (units, smugglers), keyed by node, for encounter queries.

    Publishing a timeline for one side returns its encounters with the other side's current
    timelines; each pair is found exactly once, by whichever of the two is planned later.
    Consecutive entries of the same node are one visit (one interval), filed once under its node
    as (start, end, mover, version). A query reads the other side's entries of its own cells;
    an entry that shares time with the visit is asked whether its plan still holds (an entry
    of a superseded or ended plan never holds again, so nothing that is not asked about matters).
    Entries that are over are dropped when a query meets them, and by a sweep of the side once it
    has filed as many entries since its last sweep as it kept then: memory follows the live plans,
    and each entry is swept a bounded number of times. A mover's new plan takes its previous
    plan's entries that are not over out of their cells: a group that re-plans (turns back, runs,
    is re-routed) would otherwise leave hours of superseded visits that every unit passing those
    cells reads (on a long border they were 72% of the entries unit plans read). Visits that begin
    at or after `until` (the horizon) are not filed: nothing they meet could happen in the run, and
    a group's route mostly lies beyond a short horizon (88% of its visits on border-100k).

    (The previous form filed each visit under every 15-minute time bucket it overlapped, a dict of
    dicts, and asked every entry it read whether its plan held. It found the same encounters: two
    intervals that share time after "now" share a bucket. Filing and asking cost about twice as
    much.)
    """

    _SWEEP_MIN = 4096  # entries filed before the first sweep of a side

    def __init__(self, until: float = math.inf) -> None:
        self.until = until  # the horizon: a visit that begins at or after it can meet nothing in the run
        self._side: tuple[defaultdict[int, list], defaultdict[int, list]] = (defaultdict(list), defaultdict(list))
        self._filed = [0, 0]  # entries filed per side since its last sweep
        self._last: tuple[dict, dict] = ({}, {})  # per side: mover -> its last plan filed (see `publish`)
        self._kept = [self._SWEEP_MIN, self._SWEEP_MIN]  # a side is swept when _filed reaches this

    def publish(self, side: int, mover: int, tl: Timeline, current_version, now: float) -> list[Encounter]:
        """Add `mover`'s timeline to `side` (0 = units, 1 = smugglers); return encounters with
        the other side. `current_version(other_id)` tells which of the other side's entries are
        still valid."""
        r = tl.runs()
        k = bisect_left(r.ends, now)  # visits before k are over (ends never decrease)
        h = bisect_left(r.starts, self.until)  # visits from h on begin at or after the horizon (starts never decrease)
        if k or h < len(r.starts):
            nodes, starts, ends = r.nodes[k:h], r.starts[k:h], r.ends[k:h]
        else:
            nodes, starts, ends = r.nodes, r.starts, r.ends
        if not nodes:
            return []
        mine, theirs = self._side[side], self._side[1 - side]
        last = self._last[side]
        filed = last.get(mover)
        if filed is not None and filed[3] > now:  # some of the previous plan is still to come
            self._withdraw(mine, mover, filed, now)
        entries = list(zip(starts, ends, repeat(mover), repeat(tl.version)))
        last[mover] = (tl, k, k + len(nodes), ends[-1])  # the plan, the visits filed, when the last one ends
        deque(map(list.append, map(mine.__getitem__, nodes), entries), maxlen=0)  # file each visit (in C)
        found = []
        common = theirs.keys() & nodes  # cells where the other side has entries
        for node in common:
            others = theirs[node]
            live = [e for e in others if e[1] >= now]  # not over yet
            if len(live) < len(others):
                if not live:
                    del theirs[node]
                    continue
                theirs[node] = live
            for i in _positions(nodes, node, r.repeats):
                a, b = starts[i], ends[i]
                for a2, b2, other, ver in live:
                    lo = a if a > a2 else a2
                    hi = b if b < b2 else b2
                    if hi - lo > OVERLAP_EPS and hi > now and current_version(other) == ver:  # shared time, not a touch
                        found.append(Encounter(lo if lo > now else now, hi, node, other, ver))
        self._filed[side] += len(entries)
        if self._filed[side] >= self._kept[side]:
            self._sweep(side, now)
        found.sort(key=_order)
        return found

    @staticmethod
    def _withdraw(cells: defaultdict[int, list], mover: int, filed: tuple, now: float) -> None:
        """Take a superseded plan's entries that end after `now` out of their cells (such an entry
        was never dropped: queries and sweeps drop only entries over by their time). An entry
        ending at `now` stays until a query or a sweep drops it: it can meet nothing (an
        encounter ends after now), and a unit's leg ends exactly when its next one is planned,
        so leaving it spares almost every leg a withdrawal."""
        tl, k, h, _ = filed
        r, version = tl.runs(), tl.version  # derived again if the plan forgot them: equal to those filed
        nodes, starts, ends = r.nodes, r.starts, r.ends
        for i in range(bisect_right(ends, now, k, h), h):  # ends never decrease
            kept = cells[nodes[i]]
            kept.remove((starts[i], ends[i], mover, version))  # equal to the entry filed, and to no other
            if not kept:
                del cells[nodes[i]]

    def _sweep(self, side: int, now: float) -> None:
        """Drop the entries of `side` that are over by `now` (they can never overlap again)."""
        cells = self._side[side]
        kept = 0
        for node in list(cells):
            live = [e for e in cells[node] if e[1] >= now]
            if live:
                cells[node] = live
                kept += len(live)
            else:
                del cells[node]
        self._filed[side] = 0
        self._kept[side] = max(self._SWEEP_MIN, kept)


def _order(e: Encounter) -> tuple[float, int, int]:
    return e.time, e.other, e.node


def _positions(nodes: list[int], node: int, repeats: bool) -> list[int]:
    """The indices of `node` in a visit list (`repeats`: some cell is visited more than once)."""
    if not repeats:
        return [nodes.index(node)]
    return [i for i, x in enumerate(nodes) if x == node]
