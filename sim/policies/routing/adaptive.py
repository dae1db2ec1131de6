"""adaptive: an organisation that learns where it loses groups and moves its crossings.

Each group of the organisation chooses a corridor (sim/terrain/corridors.py) by expected cost,
then takes the least-cost route through it: on the foreign side to the corridor's best border
edge, then on the home side to its destination. A corridor's cost for a group is

    minutes x difficulty ^ difficulty_weight x (1 + risk_premium x risk)
            x (1 + patrol_aversion x units seen)

with minutes the least travel time from the group's staging area to its destination through
that corridor (with known towers weighed in when tower_aversion > 0, as `least_risk` does).

Learned risk, per corridor: a discounted Beta-Bernoulli estimate,

    risk = (a0 + L) / (a0 + b0 + L + S),   L = sum w_i exp(-age_i / memory) over losses,
                                           S = the same sum over successes,

a loss being a group interdicted, a success one that got away (turned-back groups are neither),
age in days, w_i = 1 for the organisation's own groups and `partner_weight` for other
organisations' (what partners report), a0 = prior_losses and b0 = prior_successes. A group
counts for the corridor it chose (or, another organisation's, the one it crossed).

(every factor is positive, so a cost is never negative whatever the terrain). Choice: a softmax
over the relative costs of the corridors in the active set, P(k) ∝ exp(-(cost_k / cheapest - 1) /
temperature), drawn by Gumbel-max with one number per corridor addressed by the group and the
corridor (sim.rng): two runs that differ only in the defence give each group the same numbers,
and a defence that changes the cost of a corridor other than the cheapest changes only the
choices that corridor wins or loses.

Consolidation and expansion (after NarcoLogic's loss tolerance): every review_days the
organisation compares its discounted loss rate L / (L + S) over all corridors with
loss_tolerance; above it, it drops the riskiest active corridor (never the last); below it,
it adds the least risky corridor not in use (one dropped before, or one never used when it
started from `start_corridors`; ties: the least difficult, then the westernmost). Each change is
logged (`adaptation`).

Spotters (patrol_aversion > 0): every spotter_interval_min the organisation counts the units on
duty within spotter_range_km of the border in each corridor, and a group uses the count from
spotter_delay_min before.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params import param
from sim.policies.routing.base import RoutingPolicy
from sim.recorder import DECOY_CARGO
from sim.rng import addressed_uniforms
from sim.terrain.model import FOREIGN, HOME

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt, Organisation

MINUTES_PER_DAY = 1440.0
GUESS = "**modelling guess**"


@dataclass(frozen=True)
class AdaptiveParams:
    risk_premium: float = param(
        4.0,
        ge=0,
        le=1e6,
        doc="How much learned risk raises a corridor's cost: cost x (1 + risk_premium x risk). "
        "4 makes a corridor that loses half its groups 3x as costly as a safe one.",
        source=GUESS,
    )
    memory_days: float = param(
        30.0,
        gt=0,
        le=3650,
        unit="days",
        doc="How long outcomes are remembered: an outcome a days old weighs exp(-a / memory_days).",
        source="NarcoLogic (Magliocca et al., PNAS 2019) updates its traffickers' risk perception once a month; "
        "30 days keeps about a month of memory (a **modelling guess** on that scale)",
    )
    prior_losses: float = param(
        1.0, gt=0, le=1e6, doc="Beta prior a0: pseudo-losses per corridor before any outcome.", source=GUESS
    )
    prior_successes: float = param(
        4.0,
        gt=0,
        le=1e6,
        doc="Beta prior b0: pseudo-successes per corridor. With a0 = 1 the prior risk is 1 / (1 + 4) = 0.2.",
        source=GUESS,
    )
    temperature: float = param(
        0.2,
        gt=0,
        le=1e6,
        doc="Softmax temperature on relative cost: a corridor 10% costlier than the cheapest is chosen "
        "exp(-0.1 / temperature) times as often (0.61 at 0.2). Small: nearly always the cheapest; large: nearly "
        "uniform.",
        source=GUESS,
    )
    loss_tolerance: float = param(
        0.5,
        ge=0,
        le=1,
        doc="Discounted share of groups lost above which the organisation drops its riskiest corridor at a "
        "review, and below which it adds back the least risky dropped one.",
        source="NarcoLogic's loss tolerance (consolidation above it, expansion below); the value is a " + GUESS,
    )
    review_days: float = param(
        7.0,
        ge=0.1,
        le=3650,
        unit="days",
        doc="Days between reviews (at least 0.1: a review is a clock event).",
        source=GUESS,
    )
    review_min_outcomes: float = param(
        3.0,
        ge=0,
        le=1e6,
        doc="Discounted outcomes (L + S) needed before a review changes anything.",
        source=GUESS,
    )
    difficulty_weight: float = param(
        0.0,
        ge=0,
        le=1e6,
        doc="Danger of rough ground beyond its travel time: cost x difficulty ^ weight (0: travel time only).",
        source=GUESS,
    )
    tower_aversion: float = param(
        0.0,
        ge=0,
        le=1e6,
        doc="Weight of known tower exposure per hour against travel time, as `least_risk`'s risk_aversion "
        "(0: the organisation does not watch for towers).",
        source=GUESS,
    )
    patrol_aversion: float = param(
        0.0,
        ge=0,
        le=1e6,
        doc="Cost increase per unit its spotters saw in a corridor: cost x (1 + patrol_aversion x units) "
        "(0: no spotters).",
        source=GUESS,
    )
    spotter_delay_min: float = param(
        60.0, ge=0, le=1e6, unit="min", doc="Age of the spotters' picture when a group uses it.", source=GUESS
    )
    spotter_interval_min: float = param(
        30.0,
        ge=5,
        le=1e6,
        unit="min",
        doc="How often the spotters report (at least every 5 min: each report is a clock event).",
        source=GUESS,
    )
    spotter_range_km: float = param(
        3.0, ge=0, le=1e6, unit="km", doc="How far into the home side the spotters see.", source=GUESS
    )
    partner_weight: float = param(
        0.0,
        ge=0,
        le=1,
        doc="Weight of other organisations' outcomes (what partners report) against the organisation's own.",
        source=GUESS,
    )
    start_corridors: int = param(
        0,
        ge=0,
        le=100000,
        doc="Corridors in use at the start: the ones of least difficulty (then westernmost) among those allowed; "
        "expansion probes the others later. 0: every allowed corridor from the start.",
        source="NarcoLogic's traffickers start from a few nodes and expand (Magliocca et al., PNAS 2019); "
        "the default, all, is a **modelling guess** for a border whose corridors are all known",
    )
    corridors: list[str] = param(
        factory=list,
        ref="corridor_name",
        hint="corridor names (C1, C2, ...)",
        doc="Corridors the organisation may use (ones some border edge crosses: on a loaded map a stretch "
        "of border may have none, and the last corridor may be a sliver without a border cell). Empty: all.",
    )

    def check(self) -> list[str]:
        if "busiest" in self.corridors:
            return ["corridors: `busiest` names no corridor here; allowed: corridor names (C1, C2, ...)"]
        return []


class LearnedRisk:
    """The discounted Beta-Bernoulli estimate of each corridor's loss probability (see the
    module docstring). `add` and `risk` take times in minutes, in non-decreasing order."""

    def __init__(self, n: int, prior_losses: float, prior_successes: float, memory_days: float) -> None:
        self.a0, self.b0, self.memory_min = prior_losses, prior_successes, memory_days * MINUTES_PER_DAY
        self.losses = np.zeros(n)
        self.successes = np.zeros(n)
        self.t = 0.0

    def _decay_to(self, t: float) -> None:
        if t > self.t:
            f = np.exp(-(t - self.t) / self.memory_min)
            self.losses *= f
            self.successes *= f
            self.t = t

    def add(self, t: float, corridor: int, lost: bool, weight: float = 1.0) -> None:
        self._decay_to(t)
        (self.losses if lost else self.successes)[corridor] += weight

    def risk(self, t: float) -> np.ndarray:
        self._decay_to(t)
        return (self.a0 + self.losses) / (self.a0 + self.b0 + self.losses + self.successes)

    def loss_rate(self, t: float) -> tuple[float, float]:
        """Discounted losses / outcomes over all corridors (no prior), and the outcomes."""
        self._decay_to(t)
        total = float(self.losses.sum() + self.successes.sum())
        return (float(self.losses.sum()) / total if total > 0 else float("nan")), total


class Adaptive(RoutingPolicy):
    name = "adaptive"
    Params = AdaptiveParams

    def start(self, org: Organisation) -> None:
        p, model = self.params, org.model
        corridors = model.world.corridors
        self.org = org
        self.learned = LearnedRisk(corridors.n, p.prior_losses, p.prior_successes, p.memory_days)
        self.allowed = np.ones(corridors.n, dtype=bool)
        if p.corridors:
            self.allowed[:] = False
            self.allowed[[corridors.index(c) for c in p.corridors]] = True
        self.active = self.allowed.copy()
        if 0 < p.start_corridors < self.allowed.sum():
            allowed = np.flatnonzero(self.allowed)
            easiest = allowed[np.lexsort((allowed, corridors.difficulty[allowed]))][: p.start_corridors]
            self.active[:] = False
            self.active[easiest] = True
        self.seen: deque[tuple[float, np.ndarray]] = deque()
        self._edge: dict[int, int] = {}  # attempt id -> the border edge its route crosses
        model.env.process(self._reviews())
        if p.patrol_aversion > 0:
            model.env.process(self._spot())

    # --- learning ------------------------------------------------------------------------
    def observe(self, attempt: Attempt, outcome: str) -> None:
        self._edge.pop(attempt.attempt_id, None)
        if attempt.corridor is None or attempt.cargo == DECOY_CARGO or outcome not in ("interdicted", "got_away"):
            return
        weight = 1.0 if attempt.org is self.org else self.params.partner_weight
        if weight > 0:
            self.learned.add(attempt.model.now, attempt.corridor, outcome == "interdicted", weight)

    def _reviews(self):
        """Every review_days: consolidate or expand the active corridors against the loss tolerance."""
        p, model = self.params, self.org.model
        while True:
            yield model.env.timeout(p.review_days * MINUTES_PER_DAY)
            now = model.now
            rate, outcomes = self.learned.loss_rate(now)
            if outcomes < max(p.review_min_outcomes, 1e-12):
                continue
            risk = self.learned.risk(now)
            if rate > p.loss_tolerance and self.active.sum() > 1:
                k = int(np.argmax(np.where(self.active, risk, -np.inf)))
                self.active[k] = False
                self._log(f"drop {self._name(k)}", rate)
            elif rate < p.loss_tolerance and (self.allowed & ~self.active).any():
                idle = np.flatnonzero(self.allowed & ~self.active)  # dropped, or never used yet
                difficulty = self.org.model.world.corridors.difficulty[idle]
                k = int(idle[np.lexsort((idle, difficulty, risk[idle]))[0]])
                self.active[k] = True
                self._log(f"add {self._name(k)}", rate)

    def _log(self, what: str, rate: float) -> None:
        model = self.org.model
        model.log.record(model.now, "adaptation", source=self.org.params.name, detail=f"{what} (loss rate {rate:.3f})")

    def _name(self, k: int) -> str:
        return self.org.model.world.corridors.names[k]

    # --- spotters ------------------------------------------------------------------------
    def _spot(self):
        """Every spotter_interval_min: units on duty near the border, per corridor."""
        p, model = self.params, self.org.model
        terrain, corridors = model.world.terrain, model.world.corridors
        while True:
            nodes = np.array([u.timeline.node_at(model.now) for u in model.units if u.on_duty], dtype=np.int64)
            near = nodes[(terrain.side[nodes] == HOME) & (terrain.y[nodes] <= p.spotter_range_km)]
            self.seen.append((model.now, np.bincount(corridors.index_of_x(terrain.x[near]), minlength=corridors.n)))
            while len(self.seen) > 1 and self.seen[1][0] <= model.now - p.spotter_delay_min:
                self.seen.popleft()  # keep the newest report old enough to use, and later ones
            yield model.env.timeout(p.spotter_interval_min)

    def _units_seen(self, now: float, n: int) -> np.ndarray:
        usable = [c for t, c in self.seen if t <= now - self.params.spotter_delay_min]
        return usable[-1] if usable else np.zeros(n)

    # --- routes --------------------------------------------------------------------------
    def _penalty(self, model) -> tuple[np.ndarray | None, str]:
        """Known tower exposure weighed in (tower_aversion > 0), and its cache key."""
        a = self.params.tower_aversion
        if a <= 0:
            return None, ""
        return model.known_risk_penalty(a)

    def route(self, attempt: Attempt, origin: int, dest: int) -> np.ndarray | None:
        model = attempt.model
        world = model.world
        side = world.terrain.side
        penalty, key = self._penalty(model)
        crosses = side[origin] == FOREIGN and side[dest] == HOME and not attempt.crossed
        if crosses and attempt.attempt_id not in self._edge and attempt.corridor is None:
            edge = self._choose(attempt, origin, dest, penalty, key)
            if edge is not None:
                self._edge[attempt.attempt_id] = edge
                attempt.corridor = int(world.corridors.edge_corridor[edge])
        edge = self._edge.get(attempt.attempt_id) if crosses else None
        if edge is None:  # on the home side, going back, or no corridor open: the least-cost route
            return self.least_cost(attempt, origin, dest, penalty, key)
        return self._through(attempt, origin, dest, edge, penalty, key)  # a re-plan keeps the crossing point

    def _through(self, attempt: Attempt, origin: int, dest: int, edge: int, penalty, key: str) -> np.ndarray | None:
        """The least-cost route origin -> the edge's foreign cell -> its home cell -> dest."""
        world = attempt.model.world
        c, router = world.corridors, world.router
        foreign_penalty, foreign_key = self._foreign_penalty(world, penalty, key)
        first = router.path(
            origin, int(c.edge_foreign[edge]), attempt.mode, node_penalty=foreign_penalty, penalty_key=foreign_key
        )
        second = router.path(
            int(c.edge_home[edge]), dest, attempt.mode, home_only=True, node_penalty=penalty, penalty_key=key
        )
        if first is None or second is None:
            return router.path(origin, dest, attempt.mode, node_penalty=penalty, penalty_key=key)
        return np.concatenate([first, second])

    @staticmethod
    def _foreign_penalty(world, penalty: np.ndarray | None, key: str) -> tuple[np.ndarray, str]:
        """The penalty of the foreign leg: home cells closed (an infinite penalty takes every edge
        that touches one out of the search; a large finite one let a short, fast detour through
        the home side stay cheap enough to count), plus known towers."""
        blocked = world.shared(("adaptive:home-blocked",), lambda: np.where(world.terrain.side == HOME, np.inf, 0.0))
        return (blocked if penalty is None else blocked + penalty), f"home-blocked+{key}"

    def _best_edges(self, attempt: Attempt, origin: int, dest: int, penalty, key: str):
        """Per corridor: the least cost from origin to dest through it, and the border edge that
        gives it (-1: none)."""
        world = attempt.model.world
        c, router, mode = world.corridors, world.router, attempt.mode
        foreign_penalty, foreign_key = self._foreign_penalty(world, penalty, key)

        to_edge = router.minutes_within(origin, mode, False, node_penalty=foreign_penalty, penalty_key=foreign_key)
        from_edge = router.minutes_within(dest, mode, True, node_penalty=penalty, penalty_key=key)
        to_edge, from_edge = to_edge[c.edge_foreign], from_edge[c.edge_home]
        edge_min = router.edge_minutes(mode)[world.terrain.border_edges]
        if penalty is not None:
            edge_min = edge_min * (1.0 + 0.5 * (penalty[c.edge_foreign] + penalty[c.edge_home]))
        total = to_edge + edge_min + from_edge
        best = np.full(c.n, np.inf)
        edge = np.full(c.n, -1, dtype=np.int64)
        order = np.lexsort((np.arange(total.size), total, c.edge_corridor))  # per corridor: cheapest, lowest
        first = order[np.flatnonzero(np.r_[True, np.diff(c.edge_corridor[order]) != 0])]
        ok = np.isfinite(total[first])
        best[c.edge_corridor[first[ok]]] = total[first[ok]]
        edge[c.edge_corridor[first[ok]]] = first[ok]
        return best, edge

    def _choose(self, attempt: Attempt, origin: int, dest: int, penalty, key: str) -> int | None:
        """A corridor by softmax over expected costs; returns its best border edge (None: no
        corridor can be used)."""
        p, model = self.params, attempt.model
        now, corridors = model.now, model.world.corridors
        minutes, edges = self._best_edges(attempt, origin, dest, penalty, key)
        feasible = np.isfinite(minutes)
        candidates = feasible & self.active
        if not candidates.any():
            candidates = feasible & self.allowed
        if not candidates.any():
            return None
        # the cost's logarithm: a large difficulty_weight or premium stays finite (the relative
        # cost of a hopeless corridor becomes inf, weight 0, and the cheapest always has 0)
        log_cost = np.log(np.maximum(minutes, 1e-9)) + p.difficulty_weight * np.log(corridors.difficulty)
        log_cost += np.log1p(p.risk_premium * self.learned.risk(now))
        if p.patrol_aversion > 0:
            log_cost += np.log1p(p.patrol_aversion * self._units_seen(now, corridors.n))
        k = np.flatnonzero(candidates)
        with np.errstate(over="ignore"):
            rel = np.expm1(log_cost[k] - log_cost[k].min())
        # softmax by Gumbel-max: one addressed number per corridor (not one for the group read
        # through the cumulative weights), so a defence that changes one corridor's cost (not the
        # cheapest's) moves only the choices it wins or loses, never one between two others
        u = addressed_uniforms(model.seed, f"corridor:{attempt.stream_name}", corridors.n)[k]
        gumbel = -np.log(-np.log(np.maximum(u, np.finfo(float).tiny)))
        with np.errstate(over="ignore"):  # a tiny temperature: a dearer corridor's weight is 0 (-inf)
            score = gumbel - rel / p.temperature
        return int(edges[k[int(np.argmax(score))]])
