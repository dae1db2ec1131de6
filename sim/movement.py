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


@dataclass
class Timeline:
    nodes: np.ndarray  # node ids, in order
    times: np.ndarray  # arrival time at each node (minutes), non-decreasing
    version: int

    @classmethod
    def stay(cls, node: int, start: float, end: float, version: int) -> "Timeline":
        return cls(np.array([node, node]), np.array([start, max(start, end)]), version)

    @property
    def start(self) -> float:
        return float(self.times[0])

    @property
    def end(self) -> float:
        return float(self.times[-1])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Presence interval [start_i, end_i] of each node entry."""
        mid = 0.5 * (self.times[1:] + self.times[:-1])
        return np.concatenate([[self.times[0]], mid]), np.concatenate([mid, [self.times[-1]]])

    def index_at(self, t: float) -> int:
        """Entry whose presence interval holds time t (clipped to the ends)."""
        mid = 0.5 * (self.times[1:] + self.times[:-1])
        return int(np.searchsorted(mid, t, side="right"))

    def node_at(self, t: float) -> int:
        return int(self.nodes[self.index_at(t)])

    def truncated(self, t: float, version: int) -> "Timeline":
        """The part already travelled by time t (for a mover that re-plans at t)."""
        i = self.index_at(t)
        return Timeline(self.nodes[: i + 1].copy(), np.minimum(self.times[: i + 1], t), version)


@dataclass(frozen=True)
class Encounter:
    time: float
    node: int
    other: int  # id of the mover on the other side
    other_version: int


class PresenceIndex:
    """Per node, the presence intervals of two sides (units, smugglers) for encounter queries.

    Publishing a timeline for one side returns its encounters with the other side's current
    timelines; each pair is found exactly once, by whichever of the two is planned later.
    """

    def __init__(self) -> None:
        self._side: tuple[dict[int, list], dict[int, list]] = (defaultdict(list), defaultdict(list))

    def publish(self, side: int, mover: int, tl: Timeline, current_version, now: float) -> list[Encounter]:
        """Add `mover`'s timeline to `side` (0 = units, 1 = smugglers); return encounters with
        the other side. `current_version(other_id)` tells which of the other side's entries are
        still valid."""
        mine, theirs = self._side[side], self._side[1 - side]
        starts, ends = tl.bounds()
        found: list[Encounter] = []
        for node, a, b in zip(tl.nodes.tolist(), starts.tolist(), ends.tolist()):
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
                if a2 <= b and a <= b2:
                    found.append(Encounter(max(a, a2, now), node, other, ver))
            theirs[node] = live
        found.sort(key=lambda e: (e.time, e.other, e.node))
        return found

