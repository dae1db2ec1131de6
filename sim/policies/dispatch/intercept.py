"""intercept: send a unit to wait on the detected group's route ahead of it. Of the cells the
group plans to be in during the next `lookahead_min` minutes (home side; a hide counts until
the group moves on, a cell passed twice counts twice), the first one, in the group's order,
that an available unit may act in and can reach before the group leaves it is chosen; of the
units that can, the one arriving first (ties: lowest id) goes there and waits until
`wait_after_min` after the group's planned passing, observing: a group it meets there is an
encounter, at the unit's `detect_prob`, and its usual search (`find_prob` within
`search_radius_km`) runs for the wait. If no unit can be on the route in time, or the alert is a
false alarm or coarse, `fallback` says what happens.

An idealisation: the centre reads the group's planned route (as if a tower tracked it and an
analyst read its heading right), and it tells a false alarm from a real detection (a false
alarm has no route). So this bounds what interception can gain; with `fallback: none` no unit
is ever sent on a false alarm, which makes `wasted_responses` and `no_unit` incomparable with
`nearest`. It is the reduced benchmark's response mechanic (bench/bench_engine.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.policies.dispatch.base import Choice, DispatchRule
from sim.terrain.model import HOME

if TYPE_CHECKING:
    from sim.agents.command import Alert, CommandCentre
    from sim.movement import Timeline
    from sim.terrain import Router, Terrain


@dataclass(frozen=True)
class InterceptParams:
    lookahead_min: float = param(
        30.0,
        gt=0,
        le=10_000,
        unit="min",
        doc="How far ahead along the group's route the centre looks for an interception cell.",
        source="**modelling guess** (30 minutes, as in the batched engine prototype)",
    )
    wait_after_min: float = param(
        1.0,
        gt=0,
        le=10_000,
        unit="min",
        doc="How long the unit stays after the group's planned passing before it resumes its beat.",
        source="**modelling guess**",
    )
    fallback: str = param(
        "nearest",
        choices=("nearest", "none"),
        doc="When no unit can be on the route in time (or the alert is a false alarm or coarse): `nearest` "
        "applies the nearest rule, `none` sends no unit (logged `no_unit`).",
    )


class Intercept(DispatchRule):
    name = "intercept"
    Params = InterceptParams

    def __init__(self, params: InterceptParams) -> None:
        super().__init__(params)
        self._paces: dict[str, tuple[np.ndarray, float]] = {}  # mode -> (its edge times, pace)
        self._home_of: tuple[Terrain, np.ndarray] | None = None  # (terrain, its home-side mask)

    def choose(self, centre: CommandCentre, alert: Alert, target: int) -> Choice:
        attempt = centre.model.attempts.get(alert.attempt) if alert.attempt >= 0 and not alert.coarse else None
        if attempt is not None and attempt.active:
            found = self._on_route(centre, attempt.timeline)
            if found is not None:
                return found
        if self.params.fallback == "none":
            return Choice(target, None, float("inf"), 0.0, "")
        return Choice(*centre.suggest(target))

    def _pace(self, router: Router, terrain: Terrain, mode: str) -> float:
        """Minutes per straight-line km that no path of `mode` beats: the fastest edge's minutes
        per km of its length, times the smallest ratio of an edge's length to the straight line
        between its ends where that is below 1 (a loaded map may give an edge a shorter length)."""
        minutes = router.edge_minutes(mode)
        cached = self._paces.get(mode)
        if cached is not None and cached[0] is minutes:  # the same edge times (a new router makes new ones)
            return cached[1]
        u, v, length = terrain.edge_u, terrain.edge_v, terrain.edge_length_km
        line = np.hypot(terrain.x[u] - terrain.x[v], terrain.y[u] - terrain.y[v])
        shortest = np.min(length[line > 0] / line[line > 0], initial=1.0)
        fastest = np.min(minutes / length, initial=np.inf)
        pace = float(fastest * min(1.0, shortest))
        self._paces[mode] = (minutes, pace)
        return pace

    def _home(self, terrain: Terrain) -> np.ndarray:
        """The home-side cells of `terrain` as a mask, made once per terrain."""
        if self._home_of is None or self._home_of[0] is not terrain:
            self._home_of = (terrain, terrain.side == HOME)
        return self._home_of[1]

    def _visits_ahead(self, tl: Timeline, now: float, home: np.ndarray) -> list[tuple[int, float]]:
        """(cell, minutes until the group leaves its centre) of each home-side visit of the plan that
        starts within the look-ahead and is not over (a hide is one visit, a cell passed twice two)."""
        r, times = tl.runs(), tl.times.tolist()
        out = []
        for v, cell in enumerate(r.nodes):
            last = r.first[v + 1] - 1 if v + 1 < len(r.nodes) else len(times) - 1
            if times[r.first[v]] > now + self.params.lookahead_min:
                break
            if times[last] > now and home[cell]:
                out.append((int(cell), times[last] - now))
        return out

    def _on_route(self, centre: CommandCentre, tl: Timeline) -> Choice | None:
        m = centre.model
        now, router, terrain = m.now, m.world.router, m.world.terrain
        free = [u for u in centre.units if u.available]
        if not free:  # (before the route is read: a centre without units is asked about every alert)
            return None
        # only cells of the centre's own area, as `nearest` places its incidents there: an agency
        # centre acts inside its jurisdiction (a joint centre's area is every agency's)
        ahead = self._visits_ahead(tl, now, self._home(terrain))
        visits = [(cell, slack) for cell, slack in ahead if centre.area[cell]]
        if not visits:
            return None
        pace_of = {mode: self._pace(router, terrain, mode) for mode in {u.params.spec.mode for u in free}}
        # a lower bound on each unit's arrival at each cell: straight-line km from where its plan
        # began x the fastest pace of its mode, less the minutes it has been under way since; units
        # no cell can get in time are dropped before their positions are worked out (the same choice)
        began = np.array([u.timeline.nodes[0] for u in free])
        since = now - np.array([u.timeline.start for u in free]) + np.array([_offset_minutes(u.timeline) for u in free])
        pace = np.array([pace_of[u.params.spec.mode] for u in free])
        cells = np.array([c for c, _ in visits])
        slacks = np.array([s for _, s in visits])
        km = np.hypot(terrain.x[began][:, None] - terrain.x[cells], terrain.y[began][:, None] - terrain.y[cells])
        soonest = np.where(km > 0, km * pace[:, None], 0.0) - since[:, None]
        near = (soonest <= slacks).any(axis=1)
        free, pace = [u for u, keep in zip(free, near.tolist()) if keep], pace[near]
        if not free:
            return None
        # one row per place a unit can set out from (its cell's centre, and the neighbour's if it is
        # between the two: PatrolUnit.starts); a unit's arrival is the sooner of its rows
        rows = [(k, node, ready - now) for k, u in enumerate(free) for node, ready in u.starts(now)]
        unit_of = np.array([r[0] for r in rows])
        at = np.array([r[1] for r in rows])
        ready = np.array([r[2] for r in rows])
        pace = pace[unit_of]
        by_mode: dict[str, list[int]] = {}
        for row, k in enumerate(unit_of.tolist()):
            by_mode.setdefault(free[k].params.spec.mode, []).append(row)
        caps = [m.world.agencies[u.params.agency].spec.max_response_min for u in free]
        for cell, slack in visits:
            km = terrain.distance_km(cell, at)
            if not (np.where(km > 0, km * pace, 0.0) + ready <= slack).any():
                continue  # no unit can be there in time: skip the search
            best: tuple[float, int, int, float, str] | None = None  # (arrival, unit id, index, delay, how)
            for mode, rs in by_mode.items():
                idx = np.array(rs)
                arrive = router.minutes_within(cell, mode, home_only=True, limit=slack)[at[idx]] + ready[idx]
                for pos in np.flatnonzero(arrive <= slack).tolist():
                    k = int(unit_of[rs[pos]])
                    ok, delay, how = free[k].may_act(cell)
                    t = float(arrive[pos]) + delay
                    key = (t, free[k].params.id)
                    if ok and t <= slack and t <= caps[k] and (best is None or key < best[:2]):
                        best = (t, free[k].params.id, k, delay, how)
            if best is not None:
                t, _, k, delay, how = best
                return Choice(cell, free[k], t, delay, how, slack - t + self.params.wait_after_min)
        return None


def _offset_minutes(tl: Timeline) -> float:
    """How far (in minutes) a unit was from its plan's first cell's centre when the plan began:
    walking in (entered before that centre) or standing aside (a stay); its plan began that much
    nearer the neighbour, for the straight-line bound. (A plan going on dates its centre back.)"""
    aside = tl.aside
    walk_in = float(tl.times[0]) - tl.start
    return walk_in + (aside[1] * aside[2] if aside is not None else 0.0)
