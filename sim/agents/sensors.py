"""Fixed sensors: an up/down schedule (failures and repairs) and false alarms.

Both are drawn for the whole horizon when the model starts, from the sensor's own stream, so
that exposure along any planned route can be masked exactly by the down periods and a
sensor's draws never depend on anything else in the model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import RunAgent
from sim.assets import SensorParams

DAY_MIN = 1440.0
EPS_MIN = 1e-6  # minutes: a state change this close after a window opens is the take-off

if TYPE_CHECKING:
    from sim.model import BorderModel


def poisson_times(rng: np.random.Generator, rate_per_min: float, start: float, end: float) -> np.ndarray:
    """Event times of a Poisson process of `rate_per_min` over [start, end), drawn as successive
    exponential gaps: the times before any t are the same whatever `end` is (a longer horizon
    adds later false alarms and changes none of the earlier ones; a count over the whole horizon
    spread uniformly over it changed them all)."""
    if rate_per_min <= 0 or end <= start:
        return np.zeros(0)
    mean, need = 1.0 / rate_per_min, (end - start) * rate_per_min
    gaps = rng.exponential(mean, size=int(need + 4.0 * need**0.5) + 8)
    while start + gaps.sum() < end:  # rarely: more gaps, drawn on from the same stream
        gaps = np.concatenate([gaps, rng.exponential(mean, size=gaps.size)])
    times = start + np.cumsum(gaps)
    return times[: int(np.searchsorted(times, end, side="left"))]


class Sensor(RunAgent):
    """A placed sensor owned by an agency; alerts go to that agency's command centre."""

    def __init__(self, model: BorderModel, params: SensorParams, installed_min: float = 0.0) -> None:
        """A sensor installed at `installed_min` (a group's installed_day): its failures and false
        alarms are drawn from then on; before it, it counts as down (and never logs that)."""
        super().__init__(model)
        self.params = params
        horizon, spec = model.world.horizon_min, params.spec
        self.installed_min = installed_min
        self.logged_up = True  # the state last written to the log
        off = off_window(params.window, horizon)  # a drone on the ground
        if spec.mtbf_days <= 0 and spec.false_alarms_per_day <= 0:
            # nothing to draw, so no stream: making 5,000 sensors' streams took 0.35 s and 5 MiB
            self.toggles = np.array([0.0, installed_min]) if installed_min > 0 else np.zeros(0)
            self.toggles = merge_down(self.toggles, off)
            self.false_alarm_times = np.zeros(0)
            return
        rng = model.streams.get(f"sensor:{params.name}")
        fa_rng = np.random.Generator(rng.bit_generator.jumped())  # a stream of its own, derived (cheaply) first
        failures = self._failure_schedule(rng, installed_min, horizon)
        self.toggles = np.concatenate([[0.0, installed_min], failures]) if installed_min > 0 else failures
        self.toggles = merge_down(self.toggles, off)
        fa = poisson_times(fa_rng, spec.false_alarms_per_day / 1440.0, installed_min, horizon)
        self.false_alarm_times = fa[self.is_up(fa)]

    def _failure_schedule(self, rng: np.random.Generator, start: float, horizon: float) -> np.ndarray:
        """Alternating failure and repair times from `start` (exponential up and repair periods)."""
        spec = self.params.spec
        if spec.mtbf_days <= 0:
            return np.zeros(0)
        out, t = [], start
        while True:
            t += rng.exponential(spec.mtbf_days * 1440.0)
            if t >= horizon:
                break
            out.append(t)
            t += rng.exponential(spec.repair_hours * 60.0) if spec.repair_hours > 0 else 0.0
            out.append(t)
            if t >= horizon:
                break
        return np.array(out)

    def is_up(self, times: np.ndarray) -> np.ndarray:
        """Whether the sensor works at each of `times`."""
        return np.searchsorted(self.toggles, times, side="right") % 2 == 0

    def never_down(self) -> bool:
        """No failure before the horizon and no outage: up at every time of the run."""
        return self.toggles.size == 0

    def down_minutes_before(self, times: np.ndarray) -> np.ndarray:
        """Minutes the sensor has been down between 0 and each of `times`."""
        if self.never_down():
            return np.zeros(len(times))
        fail = self.toggles[0::2]
        repair = np.append(self.toggles[1::2], np.inf)[: fail.size]
        t = np.asarray(times, dtype=float)[:, None]
        return np.clip(t - fail[None, :], 0.0, (repair - fail)[None, :]).sum(axis=1)

    def when_up_for(self, start: float, minutes: float) -> float:
        """The time by which the sensor, counting from `start`, has worked `minutes` in total."""
        tog = self.toggles
        k = int(np.searchsorted(tog, start, side="right"))
        t, need = start, minutes
        if k % 2 == 1:  # down at start: resume at the repair
            t, k = float(tog[k]) if k < tog.size else np.inf, k + 1
        while t < np.inf:
            next_fail = float(tog[k]) if k < tog.size else np.inf
            if t + need <= next_fail:
                return t + need
            need -= next_fail - t
            t = float(tog[k + 1]) if k + 1 < tog.size else np.inf
            k += 2
        return np.inf

    def force_down(self, start: float, end: float) -> None:
        """An outage (inject) from start to end, merged into the failure schedule."""
        self.toggles = merge_down(self.toggles, [(start, end)])
        self.model.at(start, self._log_state)
        self.model.at(end, self._log_state)

    def schedule(self) -> None:
        """Put failures, repairs and false alarms on the clock (and a drone on the ground when it
        is installed: logged then, since no toggle after that moment says so)."""
        m = self.model
        if not self.is_up(np.array([self.installed_min]))[0]:
            m.at(self.installed_min, self._log_state)
        self._schedule_flights()
        for t in self.toggles.tolist():
            if t > self.installed_min:  # the span before installation is not a failure
                m.at(t, self._log_state)
        for t in self.false_alarm_times.tolist():
            m.at(t, self._false_alarm)

    def _schedule_flights(self) -> None:
        """A drone's flight windows on the clock: its state as it enters service, then each
        landing and take-off (`flight` rows, logged up or down: an outage that spans a landing
        changes no working state, and the after-action review tells outages from the schedule)."""
        p = self.params
        if p.window is None:
            return
        start, m = self.installed_min, self.model
        ground = off_window(p.window, m.world.horizon_min)
        aloft = not any(a <= start < b for a, b in ground)
        m.at(start, self._log_flight, "aloft" if aloft else "grounded")
        for a, b in ground:
            if a > start:
                m.at(a, self._log_flight, "grounded")
            if start < b < math.inf:
                m.at(b, self._log_flight, "aloft")

    def _log_flight(self, detail: str) -> None:
        p = self.params
        self.model.log.record(self.model.now, "flight", sensor=p.id, agency=p.agency, node=p.node, detail=detail)

    def _log_state(self) -> None:
        """Log sensor_down / sensor_up when the working state really changed; detail "grounded"
        when a drone goes down outside its flight window, "aloft" when it comes up as one opens."""
        now = self.model.now
        up = bool(self.is_up(np.array([now]))[0])
        if up != self.logged_up:
            self.logged_up = up
            p = self.params
            why = ""
            if p.window is not None:
                since_opening = (now - p.window[0]) % DAY_MIN
                if not up and since_opening >= p.window[1]:
                    why = "grounded"
                elif up and since_opening < EPS_MIN:
                    why = "aloft"
            self.model.log.record(
                now, "sensor_up" if up else "sensor_down", sensor=p.id, agency=p.agency, node=p.node, detail=why
            )

    def _false_alarm(self) -> None:
        if self.is_up(np.array([self.model.now]))[0]:  # an outage (inject) may have begun since
            self.model.raise_alert(
                self.params.agency, self.params.node, attempt=-1, source=self.params.type, sensor=self.params.id
            )


def merge_down(toggles: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    """A down/up schedule (alternating times, down first; an odd count ends down for good) with
    the down `spans` added: overlapping or touching spans become one."""
    if not spans:
        return toggles
    tog = toggles.tolist()
    down = [(tog[i], tog[i + 1] if i + 1 < len(tog) else math.inf) for i in range(0, len(tog), 2)]
    merged: list[list[float]] = []
    for a, b in sorted(down + list(spans)):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.array([t for a, b in merged for t in (a, b) if t != math.inf], dtype=float)


def off_window(window: tuple[float, float] | None, horizon: float) -> list[tuple[float, float]]:
    """The spans, from 0 to past the horizon, outside a daily window (opens at minute-of-day
    window[0] for window[1] minutes; None: no span)."""
    if window is None:
        return []
    opens, minutes = window
    spans = []
    day = -DAY_MIN
    while day < horizon:  # from the landing of the window opened the day before to this day's opening
        spans.append((day + opens + minutes - DAY_MIN, day + opens))
        day += DAY_MIN
    spans.append((day + opens + minutes - DAY_MIN, math.inf))
    return [(max(a, 0.0), b) for a, b in spans if b > 0 and a < horizon and b > a]
