"""Smuggling organisations and their attempts.

An organisation is a SimPy process generating attempts by its launch process (a plug-in,
sim/policies/launch/: by default a non-homogeneous Poisson process with a 24-hour profile). An
attempt is a group moving on a planned timeline; it re-plans only when something changes its
course (a reaction to being noticed). Its end is one of: interdicted, got_away (reached its
destination), turned_back (back at its staging area), or still under way at the horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.agents.base import RunAgent
from sim.assets import OrgParams
from sim.movement import Timeline, reached_first
from sim.policies.launch import LAUNCH_PROCESSES
from sim.policies.reaction import REACTIONS
from sim.policies.routing import ROUTING_POLICIES
from sim.recorder import DECOY_CARGO
from sim.terrain.model import FOREIGN, HOME

if TYPE_CHECKING:
    from sim.model import BorderModel


class Organisation(RunAgent):
    """Generates attempts; arrival times come from their own stream only."""

    def __init__(self, model: BorderModel, params: OrgParams) -> None:
        super().__init__(model)
        self.params = params
        self.arrivals = model.streams.get(f"arrivals:{params.name}")
        self.attrs = model.streams.get(f"attempt-attrs:{params.name}")
        self.routing = ROUTING_POLICIES.get(params.spec.routing.type)(params.spec.routing.params)
        self.reaction = REACTIONS.get(params.spec.reaction.type)(params.spec.reaction.params)
        self.launch = LAUNCH_PROCESSES.get(params.spec.launch.type)(params.spec.launch.params)
        profile = np.asarray(params.spec.hourly_profile, dtype=float)
        self.profile = profile / profile.mean()
        self.counts: dict[str, int] = {}  # attempts launched, per stream tag ("" = normal)
        self.cargo_names = list(params.spec.cargo)
        shares = np.array([params.spec.cargo[c].share for c in self.cargo_names], dtype=float)
        cdf = np.cumsum(shares / shares.sum())
        self.cargo_cdf = cdf / cdf[-1]  # as Generator.choice(p=...) builds it (see `launch_one`)

    def run(self):
        self.routing.start(self)
        yield from self.launch.arrivals(self, self.arrivals, 1.0, float("inf"), "")

    def extra_arrivals(self, factor: float, until: float, stream: str):
        """More attempts at `factor` x the normal rate until `until` (a surge inject), with
        streams of their own: the normal attempts keep every draw."""
        yield from self.launch.arrivals(self, self.model.streams.get(stream), factor, until, stream)

    def _stream_name(self, tag: str) -> str:
        """Name of the next attempt's own stream; extra attempts (tag) are numbered apart."""
        k = self.counts.get(tag, 0)
        self.counts[tag] = k + 1
        return f"attempt:{self.params.name}:{tag + ':' if tag else ''}{k}"

    def _attrs(self, tag: str) -> np.random.Generator:
        return self.attrs if not tag else self.model.streams.get(f"attempt-attrs:{self.params.name}:{tag}")

    def decoys_can_walk(self) -> bool:
        """Some staging area of the organisation reaches a destination on foot (a decoy walks)."""
        return any(self.params.reachable[("foot", s)].size for s in self.params.staging.tolist())

    def launch_decoy(self, tag: str) -> None:
        """A small group sent to draw units away (a decoy inject): two persons, no cargo."""
        rng, reachable = self._attrs(tag), self.params.reachable
        staging = [s for s in self.params.staging.tolist() if reachable[("foot", s)].size]  # a walker gets there
        origin = staging[rng.integers(len(staging))]  # (none: the inject is refused, see `decoys_can_walk`)
        dest = int(reachable[("foot", origin)][rng.integers(reachable[("foot", origin)].size)])
        Attempt(
            self.model,
            self,
            self.model.next_id("attempt"),
            DECOY_CARGO,
            2,
            0.0,
            "foot",
            origin,
            dest,
            self._stream_name(tag),
            tag,
        ).start()

    def launch_one(self, tag: str = "") -> None:
        """Launch one attempt now (called by the launch process): its cargo, size, origin and
        destination drawn from the organisation's attribute stream (or the tag's)."""
        spec, rng = self.params.spec, self._attrs(tag)
        # the draw of rng.choice(len(cargo_names), p=shares / shares.sum()), without its checks of p
        # each time (a third of a launch): one uniform, searched in the same cumulative shares
        cargo = self.cargo_names[int(self.cargo_cdf.searchsorted(rng.random(), side="right"))]
        c = spec.cargo[cargo]
        size = int(rng.integers(c.size_min, c.size_max + 1))
        if spec.port_share > 0 and rng.uniform() < spec.port_share:  # hidden in port traffic
            ports = self.model.ports.to_list()
            port = ports[int(rng.integers(len(ports)))]
            attempt = Attempt(
                self.model,
                self,
                self.model.next_id("attempt"),
                cargo,
                size,
                size * c.load_kg_per_person,
                "vehicle",
                port.params.node,
                port.params.node,
                self._stream_name(tag),
                tag,
            )
            attempt.start_at_port(port)
            return
        origin = int(self.params.staging[rng.integers(self.params.staging.size)])
        reachable = self.params.reachable[(c.mode, origin)]
        dest = int(reachable[rng.integers(reachable.size)])
        attempt = Attempt(
            self.model,
            self,
            self.model.next_id("attempt"),
            cargo,
            size,
            size * c.load_kg_per_person,
            c.mode,
            origin,
            dest,
            self._stream_name(tag),
            tag,
        )
        attempt.start()


class Attempt(RunAgent):
    """One smuggling group on its way."""

    def __init__(
        self,
        model: BorderModel,
        org: Organisation,
        attempt_id: int,
        cargo: str,
        size: int,
        quantity_kg: float,
        mode: str,
        origin: int,
        dest: int,
        stream: str,
        tag: str = "",
    ) -> None:
        super().__init__(model)
        self.org = org
        self.tag = tag  # "" for the scenario's own attempts; an inject's extra attempts carry its tag
        self.attempt_id = attempt_id
        self.cargo, self.size, self.quantity_kg, self.mode = cargo, size, quantity_kg, mode
        self.origin, self.dest, self.heading_to = origin, dest, dest
        self.stream_name = stream  # the group's address for addressed draws (sim.rng.addressed_uniform)
        self.corridor: int | None = None  # chosen (adaptive routing) or, once it crosses, crossed
        self.speed = 1.0
        self.plan_speed = 1.0  # the speed of the current plan (a reaction may change `speed` before re-planning)
        self.version = 0
        self.timeline = Timeline.stay(origin, model.now, model.now, 0)
        self.outcome = ""  # "", interdicted, got_away, turned_back
        self.crossed = False
        self.first_visit_counted = False  # the current cell's centre was passed under an earlier plan
        self.sensor_epoch = 0  # sensor detections scheduled for the current plan and conditions
        self.sensor_thresholds = 0  # the draw number of its sensor thresholds (a new plan draws anew)
        self.sensor_spent: dict[int, float] = {}  # exposure each sensor gave since they were drawn
        self.sensor_drawn: tuple | None = None  # (when, coverage, weather factor, first visit counted)
        self.detected_by: set[int] = set()
        self.reaction_due = False  # a reaction waits for the end of the current instant
        self.at_port = False  # hidden in port traffic: no walk, so no sensor, patrol or tip sees it

    @property
    def active(self) -> bool:
        return not self.outcome

    @property
    def live(self) -> bool:
        """Still on its trip (for the stale-plan check, sim.movement.fresh)."""
        return self.active

    @property
    def stream(self) -> np.random.Generator:
        """The group's own named stream (its draws at a port), made on first use: most groups
        never draw from it, and making one costs tens of microseconds."""
        return self.model.streams.get(self.stream_name)

    def start(self) -> None:
        m = self.model
        m.log.record(
            m.now,
            "attempt",
            attempt=self.attempt_id,
            node=self.origin,
            cargo=self.cargo,
            size=self.size,
            quantity_kg=self.quantity_kg,
            source=self.org.params.name,
            detail=f"{self.mode}>{self.dest}",
        )
        self.replan(self.dest)

    def start_at_port(self, port) -> None:
        """The group hides its cargo in a vehicle queuing at `port` (no walk across the terrain)."""
        m = self.model
        m.attempts[self.attempt_id] = self
        self.at_port = True
        m.log.record(
            m.now,
            "attempt",
            attempt=self.attempt_id,
            node=port.params.node,
            cargo=self.cargo,
            size=self.size,
            quantity_kg=self.quantity_kg,
            source=self.org.params.name,
            detail=f"port>{port.params.name}",
        )
        port.smuggle(self)

    def replan(self, target: int, pause_min: float = 0.0) -> None:
        """New timeline from where the group is now to `target` (after an optional pause), at the
        current speed; everything planned for the old version is superseded. No jumps: a group
        between its cell's centre and a neighbour's (walking in from it, or on towards it) keeps
        the way it has walked if its new route goes to that neighbour, turning back if it came
        from there (a pause is then spent where it stands), and otherwise walks to the centre
        first. Whatever is left of a step is walked at the new pace."""
        m = self.model
        now = m.now
        node, ready, reached, other, share, _ = self.timeline.where(now)
        self.first_visit_counted = reached and self.version > 0  # the staging area itself has not been passed yet
        self.heading_to = target
        path = self.org.routing.route(self, node, target)
        if path is None:  # cannot get there from here (validation should prevent it): stay put
            path = np.array([node])
        router = m.world.router
        steps = router.step_minutes_at(path, self.mode, self.speed)
        came_from = aside = None
        first_reach = None  # as the new plan's times say (see Timeline.reached_first)
        if share > 0:  # between the centre and `other`'s: keep the way walked if the route goes there
            goes_on = path.size > 1 and int(path[1]) == other
            step = steps[0] if goes_on else router.step_minutes_at(np.array([node, other]), self.mode, self.speed)[0]
            if goes_on:  # on, or back where it came from (a pause is spent where it stands)
                ready = now - share * step
                aside = (other, share, step) if pause_min > 0 else None
            else:  # to the centre first: the rest of the walk in, or the way back, at the new pace
                if ready <= now:
                    ready = now + share * step
                elif self.plan_speed != self.speed:  # the rest of the step in, walked at the new pace
                    way_in = np.array([other, node])
                    old = router.step_minutes_at(way_in, self.mode, self.plan_speed)[0]
                    ready = now + (ready - now) * router.step_minutes_at(way_in, self.mode, self.speed)[0] / old
                came_from = (other, step)
            first_reach = reached_first(reached, goes_on)
        times = ready + pause_min + np.concatenate([[0.0], np.cumsum(steps)])
        if pause_min > 0:  # the pause: at the cell's centre, or where the group stands if it goes on (above)
            path = np.concatenate([[node], path])
            times = np.concatenate([[ready], times])
        self.version += 1
        self.timeline = Timeline(
            path,
            times,
            self.version,
            entered=now,
            came_from=came_from,
            aside=aside,
            aside_until=now + pause_min,
            reached_first=first_reach,
        )
        self.plan_speed = self.speed
        m.on_attempt_planned(self)
        if self.version == 1:
            m.intel.on_attempt(self)

    def crossing_index(self) -> int | None:
        """Index on the timeline of the first home-side cell entered from the foreign side."""
        if self.crossed:
            return None
        side = self.model.world.terrain.side[self.timeline.nodes]
        hit = np.flatnonzero((side[1:] == HOME) & (side[:-1] == FOREIGN))
        return int(hit[0]) + 1 if hit.size else None

    def finish(self, outcome: str) -> None:
        self.outcome = outcome
        self.version += 1  # everything still scheduled for this group is void
        for org in self.model.orgs:  # organisations that learn hear of it now
            org.routing.observe(self, outcome)
        mesa.Agent.remove(self)  # Mesa's sets hold the groups on the move (model.attempts holds every group)

    def react(self) -> None:
        """The group noticed it was seen: apply the organisation's reaction policy."""
        if not self.active or self.heading_to == self.origin:
            return  # already heading home: nothing more to decide
        m = self.model
        name = self.org.reaction.name
        m.log.record(m.now, "reaction", attempt=self.attempt_id, node=self.timeline.node_at(m.now), detail=name)
        self.org.reaction.react(self)
