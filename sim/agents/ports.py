"""Ports of entry: legitimate traffic, primary and secondary inspection, smuggling in vehicles.

A port is a two-stage FIFO queueing network (sim/fifo.py), computed from arrays, not from one
clock event per vehicle:

1. Legitimate cars and trucks arrive as one non-homogeneous Poisson process (thinning with the
   port's 24-hour profile, normalised to mean 1, so `cars_per_day + trucks_per_day` arrive per
   day on average); each arrival is a truck with probability trucks / (cars + trucks). They are
   drawn for the whole horizon when the model starts.
2. Primary inspection: one FIFO queue for `primary_lanes` lanes, service exponential with mean
   `primary_car_min` or `primary_truck_min`.
3. Referral to secondary inspection. Each vehicle draws w ~ U(0, 1] and has the risk score
   z = Phi^-1(w) (+ d for a vehicle hiding cargo). `random`: referred if w > 1 - referral_rate,
   whatever it carries. `risk`: referred if z > Phi^-1(1 - referral_rate), with
   d = sqrt(2) Phi^-1(risk_quality), so that P(smuggling score > legitimate score) =
   risk_quality (the AUC) and a share referral_rate of legitimate traffic is referred. For a
   legitimate vehicle both rules are the same event (z > Phi^-1(1 - r) <=> w > 1 - r), so the two
   policies refer exactly the same legitimate vehicles under the same seed.
4. Secondary inspection: one FIFO queue for `secondary_lanes` lanes, service exponential with
   mean `secondary_min`; hidden cargo is found with probability `scanner_detect_prob`.

Random streams: `port:<name>:traffic` (arrival times and vehicle types, in blocks) and
`port:<name>:inspection` (four uniforms per legitimate vehicle, a row each in arrival order:
referral, primary service, secondary service, scanner). A smuggling vehicle draws the same four
numbers from its attempt's own stream (`attempt:<org>:<k>`), so adding or removing smuggling
attempts never changes the draws of legitimate traffic (common random numbers).

What is recorded: every vehicle is a row of the port-vehicle table (`PORT_SCHEMA`: arrival, lane,
wait, service, referral, secondary times, exit), written beside the event log in the run
directory (port_vehicles/) and read by the port metrics. A smuggling vehicle also has event-log
rows on the clock, as every act of a group does: `port_primary` when it reaches a primary lane
(duration_min = time in the primary queue), `port_referral` when it is sent to secondary, and
exactly one of `port_exit` (released) or `port_seizure` (hidden cargo found), duration_min =
total time in port; it then hands its attempt to `model.interactions.finish_at_port`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from scipy.special import ndtri

from sim.agents.base import RunAgent
from sim.assets import PortParams
from sim.fifo import InspectionNetwork
from sim.recorder import PORT_SCHEMA

if TYPE_CHECKING:
    from sim.agents.smugglers import Attempt
    from sim.model import BorderModel


_VEHICLE_KINDS = pa.array(["car", "truck"])  # the port_vehicles table's kind, by truck = 0 / 1


def referral_threshold(rate: float) -> float:
    """Score above which a vehicle is referred, so that a share `rate` of N(0, 1) scores is."""
    return float(ndtri(1.0 - rate))


def risk_shift(quality: float) -> float:
    """Mean score d of smuggling vehicles: P(N(d, 1) > N(0, 1)) = Phi(d / sqrt 2) = quality."""
    return float(math.sqrt(2.0) * ndtri(quality))


def legitimate_arrivals(
    rng: np.random.Generator, per_day: float, profile: np.ndarray, horizon_min: float
) -> np.ndarray:
    """Arrival times (min) of a non-homogeneous Poisson process with mean `per_day` a day and a
    24-hour `profile` (mean 1), by thinning against the peak hour, drawn in blocks."""
    if per_day <= 0 or horizon_min <= 0:
        return np.zeros(0)
    top = float(profile.max())
    peak = per_day / 1440.0 * top
    if peak <= 0 or not math.isfinite(1.0 / peak):  # a rate so small that it underflows, or its mean gap overflows
        return np.zeros(0)  # (fewer than 1e-300 vehicles expected over any horizon; it raised ZeroDivisionError)
    times: list[np.ndarray] = []
    t = 0.0
    while t < horizon_min:
        block = max(64, int(peak * (horizon_min - t) * 1.1) + 16)
        with np.errstate(over="ignore"):  # gaps near the float limit sum to inf: beyond the horizon, dropped
            candidates = t + np.cumsum(rng.exponential(1.0 / peak, size=block))
        hour = (np.minimum(candidates, horizon_min) // 60).astype(np.int64) % 24  # (times past the horizon are dropped)
        keep = rng.uniform(size=block) * top <= profile[hour]
        times.append(candidates[keep & (candidates < horizon_min)])
        t = float(candidates[-1])
    return np.concatenate(times)


class PortOfEntry(RunAgent):
    """A port of entry run by one agency; reads only its PortParams."""

    def __init__(self, model: BorderModel, params: PortParams) -> None:
        super().__init__(model)
        self.params = params
        spec = params.spec
        profile = np.asarray(spec.hourly_profile, dtype=float)
        self.threshold = referral_threshold(spec.referral_rate)
        self.shift = risk_shift(spec.risk_quality)
        traffic = model.streams.get(f"port:{params.name}:traffic")
        total = spec.cars_per_day + spec.trucks_per_day
        arrival = legitimate_arrivals(traffic, total, profile / profile.mean(), model.world.horizon_min)
        truck = traffic.uniform(size=arrival.size) < (spec.trucks_per_day / total if total > 0 else 0.0)
        draws = model.streams.get(f"port:{params.name}:inspection").random((arrival.size, 4))
        self.truck = truck.tolist()  # per vehicle: a truck (else a car)
        self.attempt: list[Attempt | None] = [None] * arrival.size
        primary_mean = np.where(truck, spec.primary_truck_min, spec.primary_car_min)
        self.network = InspectionNetwork(
            spec.primary_lanes,
            spec.secondary_lanes,
            arrival,
            primary_mean * -np.log1p(-draws[:, 1]),
            1.0 - draws[:, 0] > 1.0 - spec.referral_rate,
            spec.secondary_min * -np.log1p(-draws[:, 2]),
        )
        self.seized: dict[int, bool] = {}  # smuggling vehicle id -> cargo found

    def start(self) -> None:
        """Log the port as an asset (the model calls this at t = 0)."""
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

    # --- smuggling -------------------------------------------------------------------------
    def referred(self, w: float, smuggling: bool) -> bool:
        """The referral rule for a vehicle with referral uniform w in (0, 1]."""
        spec = self.params.spec
        if spec.referral == "risk" and smuggling:
            return float(ndtri(w)) + self.shift > self.threshold
        return w > 1.0 - spec.referral_rate  # random; and risk for legitimate scores Phi^-1(w)

    def smuggle(self, attempt: Attempt) -> None:
        """The attempt's group drives into the port now as a car with its cargo hidden; it is
        served after every vehicle already there, and its acts go on the clock."""
        m, spec = self.model, self.params.spec
        draws = attempt.stream.random(4)
        vid = self.network.join(
            m.now,
            spec.primary_car_min * -math.log1p(-draws[1]),
            self.referred(1.0 - draws[0], True),
            spec.secondary_min * -math.log1p(-draws[2]),
        )
        self.truck.append(False)
        self.attempt.append(attempt)
        self.seized[vid] = bool(draws[3] < spec.scanner_detect_prob)
        m.at(self.network.p_start[vid], self._at_lane, vid)
        m.at(self.network.p_end[vid], self._primary_done, vid)

    def _row(self, kind: str, vid: int, **values) -> None:
        p, m = self.params, self.model
        m.log.record(
            m.now, kind, node=p.node, agency=p.agency, source=p.name, attempt=self.attempt[vid].attempt_id, **values
        )

    def _at_lane(self, vid: int) -> None:
        self._row("port_primary", vid, detail="car", duration_min=self.model.now - self.network.arrival[vid])

    def _primary_done(self, vid: int) -> None:
        net = self.network
        if not net.referred[vid]:
            self._leave(vid, seized=False)
            return
        self._row("port_referral", vid, detail="smuggling")
        # every vehicle reaching secondary before this one, and this one: the clock adds the delay
        # to the time it was scheduled at, which can fall a rounding step short of p_end
        net.advance(max(self.model.now, net.p_end[vid]))
        self.model.at(net.s_end[vid], self._leave, vid, self.seized[vid])

    def _leave(self, vid: int, seized: bool) -> None:
        a = self.attempt[vid]
        self._row(
            "port_seizure" if seized else "port_exit",
            vid,
            detail="car",
            cargo=a.cargo,
            size=a.size,
            quantity_kg=a.quantity_kg,
            duration_min=self.model.now - self.network.arrival[vid],
        )
        if a.active:
            self.model.interactions.finish_at_port(a, self, seized, self.params.node)

    # --- the table -----------------------------------------------------------------------------
    def table(self, horizon: float) -> pa.Table:
        """Every vehicle that arrived before `horizon`, with the times of what it did before it
        (NaN where a stage was not reached by then)."""
        net = self.network
        net.advance(horizon)
        arrival = np.asarray(net.arrival)
        keep = arrival < horizon

        def before(values) -> np.ndarray:
            out = np.asarray(values, dtype=float)[keep]
            out[~(out < horizon)] = np.nan
            return out

        p_start, p_end = before(net.p_start), before(net.p_end)
        s_start, s_end = before(net.s_start), before(net.s_end)
        referred = np.asarray(net.referred, dtype=bool)[keep]  # typed: a port no vehicle reached has none
        exit_ = np.where(referred, s_end, p_end)
        attempts = np.array([-1 if a is None else a.attempt_id for a in self.attempt], dtype=np.int64)[keep]
        seized = np.zeros(arrival.size, dtype=bool)
        for vid, found in self.seized.items():
            seized[vid] = found and net.referred[vid] and net.s_end[vid] < horizon
        n = int(keep.sum())
        lane = np.where(np.isnan(p_start), -1, np.asarray(net.lane, dtype=np.int64)[keep])
        return pa.table(
            {
                "port": pa.array([self.params.name]).take(np.zeros(n, dtype=np.int64)),  # (in C, not n strings)
                "vehicle": np.flatnonzero(keep),
                "kind": _VEHICLE_KINDS.take(np.asarray(self.truck, dtype=np.int64)[keep]),
                "attempt": attempts,
                "arrival": arrival[keep],
                "lane": lane,
                "primary_start": p_start,
                "primary_end": p_end,
                "referred": referred & ~np.isnan(p_end),
                "secondary_start": s_start,
                "secondary_end": s_end,
                "exit": exit_,
                "seized": seized[keep],
            },
            schema=PORT_SCHEMA,
        )


def port_tables(ports, horizon: float) -> pa.Table:
    """The port-vehicle table of every port of a run (an empty table with the schema if none)."""
    tables = [p.table(horizon) for p in ports]
    return pa.concat_tables(tables) if tables else PORT_SCHEMA.empty_table()
