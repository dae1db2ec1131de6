"""intercept: send a unit to wait on the detected group's route ahead of it. Of the cells the
group plans to pass in the next `lookahead_min` minutes (home side), the first one, in the
group's order, that an available unit may act in and can reach before the group does is chosen;
of the units that can, the one arriving first (ties: lowest id) goes there and waits until
`wait_after_min` after the group's planned passing, observing (a group it meets there is an
encounter, at the unit's `detect_prob`). If no unit can be on the route in time, or the alert is
a false alarm or coarse, `fallback` says what happens.

An idealisation: the centre knows the group's planned route (as if a tower tracked it and an
analyst read its heading right), so this bounds what interception can gain; the reduced
benchmark's response mechanic (bench/bench_engine.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.policies.dispatch.base import Choice, DispatchRule
from sim.terrain.model import HOME

if TYPE_CHECKING:
    from sim.agents.command import Alert, CommandCentre


@dataclass(frozen=True)
class InterceptParams:
    lookahead_min: float = param(
        30.0,
        gt=0,
        le=10_000,
        unit="min",
        doc="How far ahead along the group's route the centre looks for an interception cell.",
        source="**modelling guess** (the prototype's 30 minutes, ../shared/proto-batched/response.py)",
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

    def choose(self, centre: CommandCentre, alert: Alert, target: int) -> Choice:
        attempt = centre.model.attempts.get(alert.attempt) if alert.attempt >= 0 and not alert.coarse else None
        if attempt is not None and attempt.active:
            found = self._on_route(centre, attempt.timeline.nodes, attempt.timeline.times)
            if found is not None:
                return found
        if self.params.fallback == "none":
            return Choice(target, None, float("inf"), 0.0, "")
        return Choice(*centre.suggest(target))

    def _on_route(self, centre: CommandCentre, nodes: np.ndarray, times: np.ndarray) -> Choice | None:
        m = centre.model
        now, router, home = m.now, m.world.router, m.world.terrain.side == HOME
        free = [u for u in centre.units if u.available]
        if not free:
            return None
        ahead = np.flatnonzero((times > now) & (times <= now + self.params.lookahead_min) & home[nodes])
        starts = [u.timeline.departure(now) for u in free]
        by_mode: dict[str, list[int]] = {}
        for k, u in enumerate(free):
            by_mode.setdefault(u.params.spec.mode, []).append(k)
        at = np.array([s[0] for s in starts])
        ready = np.array([s[1] - now for s in starts])
        caps = [m.world.agencies[u.params.agency].spec.max_response_min for u in free]
        seen: set[int] = set()
        for i in ahead.tolist():
            cell, slack = int(nodes[i]), float(times[i]) - now
            if cell in seen:
                continue
            seen.add(cell)
            best: tuple[float, int, int, float, str] | None = None  # (arrival, unit id, index, delay, how)
            for mode, ks in by_mode.items():
                idx = np.array(ks)
                arrive = router.minutes_within(cell, mode, home_only=True, limit=slack)[at[idx]] + ready[idx]
                for pos in np.flatnonzero(arrive <= slack).tolist():
                    k = ks[pos]
                    ok, delay, how = free[k].may_act(cell)
                    t = float(arrive[pos]) + delay
                    key = (t, free[k].params.id)
                    if ok and t <= slack and t <= caps[k] and (best is None or key < best[:2]):
                        best = (t, free[k].params.id, k, delay, how)
            if best is not None:
                t, _, k, delay, how = best
                return Choice(cell, free[k], t, delay, how, slack - t + self.params.wait_after_min)
        return None
