"""Intelligence: partner-nation tips about planned crossings and community tips near towns.

- Partner tips: each attempt is tipped with probability `prob`; the tip reaches the named agency
  `lead_min` before the group crosses (or at once if that is already past), placing the
  crossing `accuracy_km` (sd) off along the border; a unit sent on it waits `hold_min` there.
- Community tips: a group passing within `radius_km` of a town is reported with probability
  `report_prob` (drawn once per group), `delay_min` (mean, exponential) after it is seen;
  residents also report `false_per_day` groups that are not there.
Draws come from their own streams, so tips never change the smugglers' randomness; a group's
tip draws are made when it launches and false reports have a stream of their own, so the same
seed gives the same tips under every coordination policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.movement import fresh
from sim.rng import addressed_generator
from sim.terrain.model import HOME

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt
    from sim.model import BorderModel


class Intelligence:
    def __init__(self, model: BorderModel) -> None:
        self.model = model
        self.partner = model.world.scenario.intel.partner
        self.community = model.world.scenario.intel.community
        t = model.world.terrain
        self.near_town = np.zeros(t.n_nodes, dtype=bool)
        if self.community.agency:
            for town in t.towns.tolist():
                self.near_town |= t.distance_km(town, np.arange(t.n_nodes)) <= self.community.radius_km
            self.near_town &= t.side == HOME
        self.false_rng = model.streams.get("intel:community:false")
        self.will_report: dict[int, float] = {}  # group -> report delay, for groups that will be reported

    def start(self) -> None:
        if self.community.agency and self.community.false_per_day > 0 and self.near_town.any():
            self.model.env.process(self._false_reports())

    def _draws(self, kind: str, a: Attempt) -> np.random.Generator:
        """The group's own `kind` (partner, community) draws, addressed by the group (its
        organisation and launch number, sim.rng.addressed_generator): whether it is tipped does
        not depend on the other groups (of its organisation or another, an inject's extra ones),
        nor on how many numbers they drew (a route that crosses draws more than one through a port)."""
        return addressed_generator(self.model.seed, f"intel:{kind}:{a.stream_name}")

    def on_attempt(self, a: Attempt) -> None:
        """A new group: partner tip (maybe) and whether residents will report it."""
        m, t = self.model, self.model.world.terrain
        if self.community.agency:  # both draws at launch: the same whatever happens later
            community_rng = self._draws("community", a)
            report = community_rng.uniform() < self.community.report_prob
            delay = float(community_rng.exponential(self.community.delay_min)) if self.community.delay_min > 0 else 0.0
            if report:
                self.will_report[a.attempt_id] = delay
            self.on_plan(a)
        if not self.partner.agency:
            return
        partner_rng = self._draws("partner", a)
        if partner_rng.uniform() < self.partner.prob:
            i = a.crossing_index()
            if i is None:
                return
            cross = int(a.timeline.nodes[i])
            x = t.x[cross] + partner_rng.normal(0.0, self.partner.accuracy_km)
            node = t.nearest_node(x, t.y[cross], t.side == HOME)
            crosses = 0.5 * float(a.timeline.times[i - 1] + a.timeline.times[i])  # entering the cell (BorderModel)
            when = max(m.now, crosses - self.partner.lead_min)
            m.at(
                when,
                m.raise_alert,
                self.partner.agency,
                node,
                a.attempt_id,
                "partner_tip",
                -1,
                -1,
                self.partner.hold_min,
            )

    def on_plan(self, a: Attempt) -> None:
        """Schedule the sighting of a group that residents will report, on its current plan."""
        if a.attempt_id not in self.will_report:
            return
        hit = np.flatnonzero(self.near_town[a.timeline.nodes])
        if hit.size:
            i = int(hit[0])
            self.model.at(
                max(self.model.now, float(a.timeline.times[i])), self._sighted, a, a.version, int(a.timeline.nodes[i])
            )

    def _sighted(self, a: Attempt, version: int, node: int) -> None:
        if not fresh(a, version) or a.attempt_id not in self.will_report:
            return
        delay = self.will_report.pop(a.attempt_id)  # one report per group
        m = self.model
        m.at(m.now + delay, m.raise_alert, self.community.agency, node, a.attempt_id, "community_tip")

    def _false_reports(self):
        m, rng = self.model, self.false_rng
        cells = np.flatnonzero(self.near_town)
        rate = self.community.false_per_day / 1440.0
        while True:
            yield m.env.timeout(rng.exponential(1.0 / rate))
            m.raise_alert(self.community.agency, int(cells[rng.integers(cells.size)]), -1, "community_tip")
