"""Ports of entry: legitimate traffic, primary and secondary inspection, smuggling in vehicles.

A port is a two-stage queueing network on the model's SimPy clock:

1. Legitimate cars and trucks arrive as one non-homogeneous Poisson process (thinning with the
   port's 24-hour profile, normalised to mean 1, so `cars_per_day + trucks_per_day` arrive per
   day on average); each arrival is a truck with probability trucks / (cars + trucks).
2. Primary inspection: one FIFO queue for `primary_lanes` lanes (`Lanes`: a vehicle is a chain
   of clock callbacks, not a SimPy process; the queue discipline is simpy.Resource's), service
   exponential with mean `primary_car_min` or `primary_truck_min`.
3. Referral to secondary inspection. Each vehicle draws w ~ U(0, 1] and has the risk score
   z = Phi^-1(w) (+ d for a vehicle hiding cargo). `random`: referred if w > 1 - referral_rate,
   whatever it carries. `risk`: referred if z > Phi^-1(1 - referral_rate), with
   d = sqrt(2) Phi^-1(risk_quality), so that P(smuggling score > legitimate score) =
   risk_quality (the AUC) and a share referral_rate of legitimate traffic is referred. For a
   legitimate vehicle both rules are the same event (z > Phi^-1(1 - r) <=> w > 1 - r), so the two
   policies refer exactly the same legitimate vehicles under the same seed.
4. Secondary inspection: one FIFO queue for `secondary_lanes` lanes, service exponential with
   mean `secondary_min`; hidden cargo is found with probability `scanner_detect_prob`.

Random streams: `port:<name>:traffic` (arrival times and vehicle types only) and
`port:<name>:inspection` (four uniforms per legitimate vehicle, drawn on arrival: referral,
primary service, secondary service, scanner). A smuggling vehicle draws the same four numbers
from its attempt's own stream (`attempt:<org>:<k>`), so adding or removing smuggling attempts
never changes the draws of legitimate traffic (common random numbers).

Events (sim/recorder.py): `asset` at start, `port_primary` when a vehicle reaches a primary
lane (duration_min = time in the primary queue), `port_referral` when it is sent to secondary,
and exactly one of `port_exit` (released, duration_min = total time in port) or `port_seizure`
(hidden cargo found, duration_min = total time in port) when it leaves. A smuggling vehicle then
hands its attempt to `model.interactions.finish_at_port(attempt, port, seized, node)`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np
from scipy.special import ndtri

from sim.assets import PortParams

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt
    from sim.model import BorderModel


def referral_threshold(rate: float) -> float:
    """Score above which a vehicle is referred, so that a share `rate` of N(0, 1) scores is."""
    return float(ndtri(1.0 - rate))


def risk_shift(quality: float) -> float:
    """Mean score d of smuggling vehicles: P(N(d, 1) > N(0, 1)) = Phi(d / sqrt 2) = quality."""
    return float(math.sqrt(2.0) * ndtri(quality))


class PortOfEntry(mesa.Agent):
    """A port of entry run by one agency; reads only its PortParams."""

    def __init__(self, model: BorderModel, params: PortParams) -> None:
        super().__init__(model)
        self.params = params
        spec = params.spec
        self.primary = Lanes(model, spec.primary_lanes)
        self.secondary = Lanes(model, spec.secondary_lanes)
        self.traffic = model.streams.get(f"port:{params.name}:traffic")
        self.inspection = model.streams.get(f"port:{params.name}:inspection")
        profile = np.asarray(spec.hourly_profile, dtype=float)
        self.profile = profile / profile.mean()
        self.threshold = referral_threshold(spec.referral_rate)
        self.shift = risk_shift(spec.risk_quality)
        self.present = 0  # vehicles in the port now (queues + lanes), for probes and tests
        self.process = None

    def start(self) -> None:
        """Log the port as an asset and start its traffic (the model calls this at t = 0)."""
        p, m = self.params, self.model
        m.log.record(
            m.now,
            "asset",
            agency=p.agency,
            source="port",
            node=p.node,
            detail=p.name,
            capital_usd=p.spec.capital_usd,
            opex_usd_per_day=p.spec.opex_usd_per_day,
            lifetime_years=p.spec.lifetime_years,
        )
        if p.spec.cars_per_day + p.spec.trucks_per_day > 0:
            self.process = m.env.process(self._traffic())

    # --- legitimate traffic ----------------------------------------------------------------
    def _traffic(self):
        spec, env, rng = self.params.spec, self.model.env, self.traffic
        total = spec.cars_per_day + spec.trucks_per_day
        p_truck = spec.trucks_per_day / total
        top = float(self.profile.max())
        profile = self.profile.tolist()
        mean_gap = 1.0 / (total / 1440.0 * top)
        while True:
            yield env.timeout(rng.exponential(mean_gap))
            if rng.uniform() * top <= profile[int(env.now // 60) % 24]:
                truck = rng.uniform() < p_truck
                self._arrive("truck" if truck else "car", self.inspection.random(4), None)

    # --- smuggling -------------------------------------------------------------------------
    def smuggle(self, attempt: Attempt) -> None:
        """The attempt's group drives into the port now as a car with its cargo hidden; when it
        leaves, `model.interactions.finish_at_port(attempt, self, seized, node)` ends the attempt."""
        self._arrive("car", attempt.stream.random(4), attempt)

    # --- one vehicle -----------------------------------------------------------------------
    def referred(self, w: float, smuggling: bool) -> bool:
        """The referral rule for a vehicle with referral uniform w in (0, 1]."""
        spec = self.params.spec
        if spec.referral == "risk" and smuggling:
            return float(ndtri(w)) + self.shift > self.threshold
        return w > 1.0 - spec.referral_rate  # random; and risk for legitimate scores Phi^-1(w)

    def _arrive(self, kind: str, draws: np.ndarray, attempt: Attempt | None) -> None:
        """A vehicle joins the primary queue; its way through the port is a chain of clock
        callbacks (queue -> lane -> maybe secondary -> exit), no process of its own."""
        self.present += 1
        self.primary.request(self._start_primary, _Vehicle(kind, draws.tolist(), attempt, self.model.now))

    def _start_primary(self, v: _Vehicle) -> None:
        p, m, spec = self.params, self.model, self.params.spec
        m.log.record(
            m.now,
            "port_primary",
            node=p.node,
            agency=p.agency,
            source=p.name,
            detail=v.kind,
            attempt=v.attempt_id,
            duration_min=m.now - v.arrived,
        )
        mean = spec.primary_truck_min if v.kind == "truck" else spec.primary_car_min
        m.after(mean * -math.log1p(-v.draws[1]), self._end_primary, v)

    def _end_primary(self, v: _Vehicle) -> None:
        p, m = self.params, self.model
        self.primary.release()
        if self.referred(1.0 - v.draws[0], v.attempt is not None):  # w in (0, 1]
            m.log.record(
                m.now,
                "port_referral",
                node=p.node,
                agency=p.agency,
                source=p.name,
                detail="legit" if v.attempt is None else "smuggling",
                attempt=v.attempt_id,
            )
            self.secondary.request(self._start_secondary, v)
        else:
            self._exit(v, False)

    def _start_secondary(self, v: _Vehicle) -> None:
        self.model.after(self.params.spec.secondary_min * -math.log1p(-v.draws[2]), self._end_secondary, v)

    def _end_secondary(self, v: _Vehicle) -> None:
        self.secondary.release()
        self._exit(v, v.attempt is not None and v.draws[3] < self.params.spec.scanner_detect_prob)

    def _exit(self, v: _Vehicle, seized: bool) -> None:
        p, m = self.params, self.model
        self.present -= 1
        a = v.attempt
        cargo = dict(cargo=a.cargo, size=a.size, quantity_kg=a.quantity_kg) if a is not None else {}
        m.log.record(
            m.now,
            "port_seizure" if seized else "port_exit",
            node=p.node,
            agency=p.agency,
            source=p.name,
            detail=v.kind,
            attempt=v.attempt_id,
            duration_min=m.now - v.arrived,
            **cargo,
        )
        if a is not None and a.active:
            m.interactions.finish_at_port(a, self, seized, p.node)


@dataclass
class _Vehicle:
    kind: str  # car | truck
    draws: list[float]  # referral, primary service, secondary service, scanner uniforms
    attempt: Attempt | None
    arrived: float

    @property
    def attempt_id(self) -> int:
        return self.attempt.attempt_id if self.attempt is not None else -1


class Lanes:
    """A FIFO queue for `capacity` parallel lanes on the model's clock, as a simpy.Resource
    would run it but without a process per customer: `request(start, v)` calls start(v) at once
    if a lane is free, else when one frees; `release()` hands the lane to the next in line,
    which starts after the releasing event (where SimPy would resume the waiting process)."""

    def __init__(self, model: BorderModel, capacity: int) -> None:
        self.model, self.capacity = model, capacity
        self.count = 0  # lanes in use
        self.queue: deque = deque()  # (start, customer) waiting for a lane

    def request(self, start, customer) -> None:
        if self.count < self.capacity:
            self.count += 1
            start(customer)
        else:
            self.queue.append((start, customer))

    def release(self) -> None:
        if self.count <= 0:
            raise RuntimeError("a lane released that nobody held")
        if self.queue:
            start, customer = self.queue.popleft()  # the lane passes straight to the next in line
            self.model.after(0.0, start, customer)
        else:
            self.count -= 1
