"""Planned movement: timelines and the space-time index used to find encounters.

A mover's plan is a Timeline: the nodes it will pass and its arrival time at each. It occupies
node i during [start_i, end_i], the half-way times to its neighbours on the timeline (a cell
is held from half an edge before to half an edge after). Positions at any time are read from
the timeline; nothing moves edge by edge. A new plan gets a new version; events scheduled
for an older version are ignored when they come due.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

OVERLAP_EPS = 1e-6  # minutes: presences that only touch (up to rounding) are not an encounter


@dataclass
class Timeline:
    nodes: np.ndarray  # node ids, in order
    times: np.ndarray  # time at each node's centre (minutes), non-decreasing
    version: int
    entered: float | None = None  # when the mover entered the first cell (default: times[0]); a
    # re-plan made while walking into a cell keeps the walk: entered = now, times[0] = centre

    @classmethod
    def stay(cls, node: int, start: float, end: float, version: int) -> Timeline:
        return cls(np.array([node, node]), np.array([start, max(start, end)]), version)

    @property
    def start(self) -> float:
        return float(self.times[0] if self.entered is None else min(self.entered, self.times[0]))

    @property
    def end(self) -> float:
        return float(self.times[-1])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Presence interval [start_i, end_i] of each node entry."""
        mid = 0.5 * (self.times[1:] + self.times[:-1])
        return np.concatenate([[self.start], mid]), np.concatenate([mid, [self.times[-1]]])

    def visits(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Maximal runs of the same node (a stay or a hide is one visit): node, first entry index,
        start and end of presence."""
        starts, ends = self.bounds()
        first = np.flatnonzero(np.concatenate([[True], self.nodes[1:] != self.nodes[:-1]]))
        last = np.concatenate([first[1:] - 1, [self.nodes.size - 1]])
        return self.nodes[first], first, starts[first], ends[last]

    def departure(self, t: float) -> tuple[int, float, bool]:
        """Where a mover re-planning at time t starts from: its cell, the time it can leave that
        cell's centre, and whether it had already reached the centre (no jump: a mover still
        walking in finishes the walk)."""
        i = self.index_at(t)
        node = int(self.nodes[i])
        j = i
        while j > 0 and self.nodes[j - 1] == node:
            j -= 1
        arrive = float(self.times[j])
        return (node, arrive, False) if arrive > t else (node, t, True)

    def index_at(self, t: float) -> int:
        """Entry whose presence interval holds time t (clipped to the ends)."""
        mid = 0.5 * (self.times[1:] + self.times[:-1])
        return int(np.searchsorted(mid, t, side="right"))

    def node_at(self, t: float) -> int:
        return int(self.nodes[self.index_at(t)])


class Mover(Protocol):
    """A unit or a group: its plan version, and whether it is live (a group still on its trip, a
    unit on duty and observing)."""

    version: int

    @property
    def live(self) -> bool: ...


def fresh(mover: Mover, version: int) -> bool:
    """The stale-plan check, once for every event: an event scheduled for plan `version` of
    `mover` still holds only if the mover has not re-planned since and is still live."""
    return mover.version == version and mover.live


@dataclass(frozen=True)
class Encounter:
    time: float  # start of the overlap (not before "now")
    end: float  # end of the overlap
    node: int
    other: int  # id of the mover on the other side
    other_version: int


BUCKET_MIN = 15.0  # width of the time buckets of the presence index (minutes)


class PresenceIndex:
    """Presence intervals of two sides (units, smugglers), keyed by (time bucket, node), for
    encounter queries.

    Publishing a timeline for one side returns its encounters with the other side's current
    timelines; each pair is found exactly once, by whichever of the two is planned later.
    Consecutive entries of the same node are one visit (one interval). A visit is filed under
    every BUCKET_MIN-wide time bucket it overlaps, so a query looks only at the entries of its
    own cells and minutes (two intervals that share time share a bucket), not at every plan that
    ever passed the cell; buckets that are over are dropped.
    """

    def __init__(self) -> None:
        self._side: tuple[dict[int, dict[int, list]], dict[int, dict[int, list]]] = ({}, {})
        self._oldest = 0  # every bucket before this one has been dropped

    def _drop_past(self, now: float) -> None:
        current = int(now // BUCKET_MIN)
        if current > self._oldest:
            for side in self._side:
                for b in [b for b in side if b < current]:
                    del side[b]
            self._oldest = current

    def publish(self, side: int, mover: int, tl: Timeline, current_version, now: float) -> list[Encounter]:
        """Add `mover`'s timeline to `side` (0 = units, 1 = smugglers); return encounters with
        the other side. `current_version(other_id)` tells which of the other side's entries are
        still valid."""
        self._drop_past(now)
        mine, theirs = self._side[side], self._side[1 - side]
        nodes, _, starts, ends = tl.visits()
        found: list[Encounter] = []
        for node, a, b in zip(nodes.tolist(), starts.tolist(), ends.tolist()):
            if b < now:
                continue
            entry = (a, b, mover, tl.version)
            first, last = int(max(a, now) // BUCKET_MIN), int(b // BUCKET_MIN)
            seen = set()
            for bucket in range(first, last + 1):
                mine.setdefault(bucket, {}).setdefault(node, []).append(entry)
                cell = theirs.get(bucket)
                entries = cell.get(node) if cell else None
                if not entries:
                    continue
                live = []
                for other_entry in entries:
                    a2, b2, other, ver = other_entry
                    if b2 < now or current_version(other) != ver:
                        continue  # expired or superseded: drop it
                    live.append(other_entry)
                    if other_entry in seen:
                        continue  # the same visit, filed under an earlier bucket of this query
                    if min(b, b2) - max(a, a2) > OVERLAP_EPS and min(b, b2) > now:  # shared time, not a touch
                        seen.add(other_entry)
                        found.append(Encounter(max(a, a2, now), min(b, b2), node, other, ver))
                cell[node] = live
        found.sort(key=lambda e: (e.time, e.other, e.node))
        return found
