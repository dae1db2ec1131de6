"""Fixed sensors: an up/down schedule (failures and repairs) and false alarms.

Both are drawn for the whole horizon when the model starts, from the sensor's own stream, so
that exposure along any planned route can be masked exactly by the down periods and a
sensor's draws never depend on anything else in the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.world import SensorParams

if TYPE_CHECKING:
    from sim.model import BorderModel


class Sensor(mesa.Agent):
    """A placed sensor owned by an agency; alerts go to that agency's command centre."""

    def __init__(self, model: "BorderModel", params: SensorParams) -> None:
        super().__init__(model)
        self.params = params
        rng = model.streams.get(f"sensor:{params.name}")
        horizon = model.world.horizon_min
        self.toggles = self._failure_schedule(rng, horizon)
        n_fa = rng.poisson(params.spec.false_alarms_per_day * horizon / 1440.0)
        fa = np.sort(rng.uniform(0.0, horizon, size=n_fa))
        self.false_alarm_times = fa[self.is_up(fa)]

    def _failure_schedule(self, rng: np.random.Generator, horizon: float) -> np.ndarray:
        """Alternating failure and repair times (exponential up and repair periods)."""
        spec = self.params.spec
        if spec.mtbf_days <= 0:
            return np.zeros(0)
        out, t = [], 0.0
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

    def down_minutes_before(self, times: np.ndarray) -> np.ndarray:
        """Minutes the sensor has been down between 0 and each of `times`."""
        if self.toggles.size == 0:
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

    def schedule(self) -> None:
        """Put failures, repairs and false alarms on the clock."""
        m = self.model
        for k, t in enumerate(self.toggles.tolist()):
            m.at(t, self._toggle, "sensor_down" if k % 2 == 0 else "sensor_up")
        for t in self.false_alarm_times.tolist():
            m.at(t, self._false_alarm)

    def _toggle(self, kind: str) -> None:
        p = self.params
        self.model.log.record(self.model.now, kind, sensor=p.id, agency=p.agency, node=p.node)

    def _false_alarm(self) -> None:
        self.model.raise_alert(self.params.agency, self.params.node, attempt=-1,
                               source=self.params.spec.type, sensor=self.params.id)
