"""Two-stage FIFO inspection (primary lanes, then secondary lanes for referred vehicles), computed
from arrival arrays, lazily, with no clock event per vehicle.

In a FIFO queue with c parallel servers a vehicle's start depends only on the vehicles that
arrived before it: start_i = max(arrival_i, the earliest time a server frees after serving
vehicles 1..i-1) (the multi-server recursion on the servers' free times). So the whole stream of
routine vehicles, drawn for the horizon in advance, can be served in one pass, and a vehicle
that joins while the model runs (a smuggling vehicle, arriving "now") is served when it arrives,
after every earlier arrival. The secondary stage is the same recursion over the referred
vehicles in the order they finish primary; `advance(t)` serves both stages up to time t, so a
vehicle's secondary start is known once the model's clock reaches its primary end (every
vehicle that can reach secondary before it has arrived by then). Ties are served in arrival
order; among servers freeing at the same time the lowest-numbered lane is taken.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

NOT_YET = np.inf  # a stage a vehicle has not reached (yet, or before the horizon)


@dataclass
class Stage:
    """c parallel servers: (time each becomes free, lane) in a heap."""

    free: list[tuple[float, int]]

    @classmethod
    def of(cls, servers: int) -> Stage:
        return cls([(0.0, lane) for lane in range(servers)])

    def serve(self, arrival: float, service: float) -> tuple[float, int]:
        """Start time and lane of the next vehicle in FIFO order."""
        free, lane = heapq.heappop(self.free)
        start = max(arrival, free)
        heapq.heappush(self.free, (start + service, lane))
        return start, lane


class InspectionNetwork:
    """Vehicles (routine ones given up front, others joining as they arrive) through primary and,
    if referred, secondary inspection. Per vehicle it fills: primary start, primary end, lane,
    secondary start and end (NOT_YET where not reached). Vehicle ids are row numbers, routine
    vehicles first, joining ones after them in the order they joined."""

    def __init__(
        self,
        primary_lanes: int,
        secondary_lanes: int,
        arrival: np.ndarray,
        primary_min: np.ndarray,
        referred: np.ndarray,
        secondary_min: np.ndarray,
    ) -> None:
        self.arrival = np.asarray(arrival, dtype=float).tolist()  # Python floats and bools: the
        self.primary_min = np.asarray(primary_min, dtype=float).tolist()  # serving loop reads them
        self.referred = np.asarray(referred, dtype=bool).tolist()  # one by one
        self.secondary_min = np.asarray(secondary_min, dtype=float).tolist()
        n = len(self.arrival)
        self.p_start, self.p_end = [NOT_YET] * n, [NOT_YET] * n
        self.lane, self.s_start, self.s_end = [-1] * n, [NOT_YET] * n, [NOT_YET] * n
        self._primary, self._secondary = Stage.of(primary_lanes), Stage.of(secondary_lanes)
        self._next_routine = 0  # routine vehicles are served in arrival order; this one is next
        self._routine = n
        self._joined: list[int] = []  # joining vehicles not yet served at primary (arrival order)
        self._to_secondary: list[tuple[float, float, int]] = []  # (primary end, arrival, id) heap

    def join(self, t: float, primary_min: float, referred: bool, secondary_min: float) -> int:
        """A vehicle arriving now (at t, not before any earlier arrival); returns its id. It is
        served at primary at once (after every vehicle that arrived before it)."""
        vid = len(self.arrival)
        self.arrival.append(float(t))
        self.primary_min.append(float(primary_min))
        self.referred.append(bool(referred))
        self.secondary_min.append(float(secondary_min))
        for column in (self.p_start, self.p_end, self.s_start, self.s_end):
            column.append(NOT_YET)
        self.lane.append(-1)
        self._joined.append(vid)
        self._serve_primary(until=t)
        return vid

    def _serve_primary(self, until: float) -> None:
        """Serve at primary, in arrival order, every vehicle that has arrived by `until`. (One
        tight loop over the routine stream: a 30-day port sees a quarter of a million vehicles.
        `heapreplace` pops the same server as pop-then-push: (free time, lane) pairs are
        distinct, so the heap's order is total.)"""
        joined, arrival, service, referred = self._joined, self.arrival, self.primary_min, self.referred
        p_start, p_end, lanes, to_secondary = self.p_start, self.p_end, self.lane, self._to_secondary
        free = self._primary.free
        i, n = self._next_routine, self._routine
        while True:
            routine = i < n and arrival[i] <= until
            if joined and not (routine and arrival[i] <= arrival[joined[0]]):
                vid = joined.pop(0)
            elif routine:
                vid = i
                i += 1
            else:
                break
            a, s = arrival[vid], service[vid]
            f, lane = free[0]
            start = a if a > f else f
            end = start + s
            heapq.heapreplace(free, (end, lane))
            p_start[vid], p_end[vid], lanes[vid] = start, end, lane
            if referred[vid]:
                heapq.heappush(to_secondary, (end, a, vid))
        self._next_routine = i

    def advance(self, t: float) -> None:
        """Serve both stages for every vehicle that reaches them by time t."""
        self._serve_primary(until=t)
        queue = self._to_secondary
        while queue and queue[0][0] <= t:
            reached, _, vid = heapq.heappop(queue)
            start, _ = self._secondary.serve(reached, self.secondary_min[vid])
            self.s_start[vid], self.s_end[vid] = start, start + self.secondary_min[vid]

    def exit_time(self, vid: int) -> float:
        """When the vehicle leaves (after secondary if referred); NOT_YET if not known yet."""
        return self.s_end[vid] if self.referred[vid] else self.p_end[vid]
