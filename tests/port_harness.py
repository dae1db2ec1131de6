"""A port of entry in a tiny stand-in model (a SimPy clock, named streams and an event log, the
only parts of BorderModel a port uses), shared by the port tests and the validation checks."""

from types import SimpleNamespace

import mesa
import pandas as pd
import simpy

from sim.agents.ports import PortOfEntry
from sim.assets import PortParams
from sim.model import BorderModel
from sim.recorder import Recorder
from sim.rng import Streams
from sim.scenario import PortSpec

FLAT = [1.0] * 24
DAY = 1440.0


# --- a minimal host model -----------------------------------------------------------------
class FakeAttempt:
    """What a port reads of a smuggling attempt (sim.agents.smugglers.Attempt has the same)."""

    def __init__(self, model: "PortModel", attempt_id: int) -> None:
        self.attempt_id, self.cargo, self.size, self.quantity_kg = attempt_id, "drugs", 2, 40.0
        self.stream = model.streams.get(f"attempt:test:{attempt_id}")
        self.outcome = ""

    @property
    def active(self) -> bool:
        return not self.outcome


class PortModel(mesa.Model):
    """SimPy clock + named streams + event log + at + finish_at_port + the horizon: what a
    PortOfEntry needs."""

    def __init__(self, seed: int, horizon_min: float) -> None:
        super().__init__(rng=seed)
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.log = Recorder()
        self.horizon_min = horizon_min
        self.world = SimpleNamespace(horizon_min=horizon_min)
        self.finished: list[tuple[int, bool, int]] = []  # (attempt, seized, node)
        self.interactions = self  # a port hands finished attempts to model.interactions.finish_at_port
        self.log.record(0.0, "run_start", duration_min=horizon_min, detail="ports")

    @property
    def now(self) -> float:
        return float(self.env.now)

    after = BorderModel.after  # the real clock helpers (they read only self.env)
    at = BorderModel.at

    def finish_at_port(self, attempt, port, seized: bool, node: int) -> None:
        assert attempt.active, "an attempt finished twice"
        attempt.outcome = "interdicted" if seized else "got_away"
        self.finished.append((attempt.attempt_id, seized, node))

    def smugglers(self, per_day: float, port: PortOfEntry):
        """Poisson smuggling vehicles into `port` (own stream)."""
        rng, k = self.streams.get("test:smugglers"), 0
        while True:
            yield self.env.timeout(rng.exponential(DAY / per_day))
            port.smuggle(FakeAttempt(self, k))
            k += 1

    def run(self) -> pd.DataFrame:
        self.env.run(until=self.horizon_min)
        self.log.record(self.horizon_min, "run_end", duration_min=self.horizon_min)
        return self.log.to_arrow().to_pandas()


def port_spec(**kw) -> PortSpec:
    base = dict(
        agency="ofo",
        node=3,
        primary_lanes=3,
        secondary_lanes=2,
        cars_per_day=3000.0,
        trucks_per_day=0.0,
        hourly_profile=FLAT,
        primary_car_min=1.0,
        primary_truck_min=1.0,
        secondary_min=5.0,
        referral="random",
        referral_rate=0.0,
        scanner_detect_prob=0.8,
    )
    base.update(kw)
    return PortSpec(**base)


def run_port(spec: PortSpec, seed: int, days: float = 2.0, smugglers_per_day: float = 0.0):
    """Run one port for `days`, optionally with smuggling vehicles; returns the model, the port,
    the event log and the port-vehicle table."""
    model = PortModel(seed, days * DAY)
    port = PortOfEntry(model, PortParams(0, "pe", spec.node, spec.agency, spec))
    port.start()
    if smugglers_per_day > 0:
        model.env.process(model.smugglers(smugglers_per_day, port))
    ev = model.run()
    return model, port, ev, port.table(model.horizon_min).to_pandas()


def legit(vehicles: pd.DataFrame) -> pd.DataFrame:
    """The legitimate vehicles of a port-vehicle table."""
    return vehicles[vehicles.attempt < 0]
