"""Planned movement: timelines and the space-time index used to find encounters.

A mover's plan is a Timeline: the nodes it will pass and its arrival time at each. It occupies
node i during [start_i, end_i], the half-way times to its neighbours on the timeline (a cell
is held from half an edge before to half an edge after). Positions at any time are read from
the timeline; nothing moves edge by edge. A new plan gets a new version; events scheduled
for an older version are ignored when they come due.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

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
    def stay(cls, node: int, start: float, end: float, version: int) -> "Timeline":
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


@dataclass(frozen=True)
class Encounter:
    time: float  # start of the overlap (not before "now")
    end: float  # end of the overlap
    node: int
    other: int  # id of the mover on the other side
    other_version: int


class PresenceIndex:
    """Per node, the presence intervals of two sides (units, smugglers) for encounter queries.

    Publishing a timeline for one side returns its encounters with the other side's current
    timelines; each pair is found exactly once, by whichever of the two is planned later.
    Consecutive entries of the same node are one visit (one interval).
    """

    def __init__(self) -> None:
        self._side: tuple[dict[int, list], dict[int, list]] = (defaultdict(list), defaultdict(list))

    def publish(self, side: int, mover: int, tl: Timeline, current_version, now: float) -> list[Encounter]:
        """Add `mover`'s timeline to `side` (0 = units, 1 = smugglers); return encounters with
        the other side. `current_version(other_id)` tells which of the other side's entries are
        still valid."""
        mine, theirs = self._side[side], self._side[1 - side]
        nodes, _, starts, ends = tl.visits()
        found: list[Encounter] = []
        for node, a, b in zip(nodes.tolist(), starts.tolist(), ends.tolist()):
            if b < now:
                continue
            mine[node].append((a, b, mover, tl.version))
            entries = theirs.get(node)
            if not entries:
                continue
            live = []
            for (a2, b2, other, ver) in entries:
                if b2 < now or current_version(other) != ver:
                    continue  # expired or superseded: drop it
                live.append((a2, b2, other, ver))
                if min(b, b2) - max(a, a2) > OVERLAP_EPS and min(b, b2) > now:  # shared time, not a touch
                    found.append(Encounter(max(a, a2, now), min(b, b2), node, other, ver))
            theirs[node] = live
        found.sort(key=lambda e: (e.time, e.other, e.node))
        return found

