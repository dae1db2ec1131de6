"""A plug-in is one file plus its registration: four plug-ins defined here, in tests/, outside sim/,
are registered, named by a scenario file, checked like any other and run end to end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.coordination import COORDINATION
from sim.coordination.base import Coordination
from sim.injects import INJECTS
from sim.injects.base import Inject, InjectParams
from sim.params import param
from sim.policies.dispatch import DISPATCH_RULES, Choice, DispatchRule
from sim.policies.patrol import PATROL_POLICIES
from sim.policies.patrol.base import PatrolPolicy
from sim.sensors import SENSOR_TYPES, Footprint, SensorGroupParams, SensorType
from sim.validation import ScenarioError


@dataclass(frozen=True)
class FlareParams(InjectParams):
    agency: str = param("", ref="agency", required=True, doc="Who sees the flares.")
    node: int = param(0, ge=0, ref="node", doc="Where they go up.")
    every_min: float = param(30.0, gt=0, unit="min", doc="Minutes between flares.")


class Flare(Inject):
    """Test-only: a flare goes up every `every_min` minutes of the window, each an alert."""

    name = "flare"
    Params = FlareParams
    alert_source = "flare"

    def apply(self) -> None:
        self.fire()

    def fire(self) -> None:
        m = self.model
        if m.now < self.end_min:
            m.raise_alert(self.params.agency, self.params.node, attempt=-1, source="flare")
            m.at(m.now + self.params.every_min, self.fire)


@dataclass(frozen=True)
class StripParams(SensorGroupParams):
    depth_km: float = param(1.0, gt=0, unit="km", doc="Every home cell this close to the border is covered.")
    detect_prob: float = param(1.0, ge=0, le=1, doc="Chance per cell passed.")


class Strip(SensorType):
    """Test-only: a sensor line covering every home cell within `depth_km` of the border."""

    name = "strip"
    Params = StripParams

    @staticmethod
    def footprint(terrain, node, params: StripParams) -> Footprint:
        nodes = np.flatnonzero((terrain.side == 1) & (terrain.y <= params.depth_km))
        return Footprint(nodes, np.full(nodes.size, SensorType.pass_exposure(params.detect_prob)), np.zeros(nodes.size))


class Sentry(PatrolPolicy):
    """Test-only: a unit that never leaves its base."""

    name = "sentry"

    def next_leg(self, node, rng):
        return np.array([node])


class Broadcast(Coordination):
    """Test-only: every agency centre hears every alert."""

    name = "broadcast"

    def receivers(self, agency):
        return list(self.centres.values())


SCENARIO = """
defaults: [demo, _self_]
name: plugins
horizon_days: 0.5
units:
  bp_foot: {policy: sentry}
sensors:
  line: {type: strip, agency: border_patrol, placement: explicit, nodes: [0], depth_km: 1.0, false_alarms_per_day: 0}
coordination: {policy: broadcast}
injects:
  flares: {type: flare, agency: border_patrol, node: 300, start_hours: 1, duration_hours: 2, every_min: 30}
"""


def result_terrain_y(result) -> np.ndarray:
    return pd.read_parquet(result.run_dir / "terrain_nodes.parquet").y.to_numpy()


@pytest.fixture
def registered():
    with INJECTS.added(Flare), SENSOR_TYPES.added(Strip), PATROL_POLICIES.added(Sentry), COORDINATION.added(Broadcast):
        yield


def test_plugins_defined_outside_sim_run_end_to_end(tmp_path, registered):
    path = tmp_path / "plugins.yaml"
    path.write_text(SCENARIO)
    result = api.run(scenario_file=path, out_dir=tmp_path / "run")
    ev = result.events()
    flares = ev[(ev.kind == "alert") & (ev.source == "flare")]
    assert list(flares.t) == [60.0, 90.0, 120.0, 150.0]  # every 30 minutes of the 2-hour window
    crossed = set(ev[ev.kind == "crossed"].attempt)
    seen = ev[(ev.kind == "detection") & (ev.source == "strip")]
    assert (result_terrain_y(result)[seen.node.to_numpy()] <= 1.0).all()  # only on the strip
    assert len(crossed) > 5 and len(crossed & set(seen.attempt)) >= 0.9 * len(crossed)  # p = 1 per cell
    assets = ev[(ev.kind == "asset") & (ev.source == "unit:foot")]
    plans = pd.read_parquet(result.run_dir / "plans")
    for unit, base in zip(assets.unit, assets.node):  # a sentry never leaves its base
        for nodes in plans[(plans.mover == "unit") & (plans.id == unit)].nodes:
            assert set(nodes) == {base}
    assert result.summary.attempts.iloc[0] > 0
    # a plug-in sensor type's detections are counted under its name, and the counts by source add up
    assert result.summary.detections_strip.iloc[0] == len(seen) > 0
    by_source = result.summary.filter(like="detections_").iloc[0].sum()
    assert by_source == result.summary.detections.iloc[0]
    from analysis.maps import run_map  # noqa: PLC0415  (matplotlib only here)

    labels = [t.get_text() for t in run_map(result.run_dir).axes[0].get_legend().get_texts()]
    assert "strip sensor" in labels  # drawn on the run's map (the shipped types alone were)


def test_a_plugin_defined_outside_sim_is_checked_like_any_other(tmp_path, registered):
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("every_min: 30", "every_min: -5, colour: red"))
    with pytest.raises(ScenarioError) as err:
        api.run(scenario_file=path, out_dir=tmp_path / "run")
    msg = str(err.value)
    assert (
        "scenario.injects.flares.colour: unknown key; allowed keys there: start_hours, duration_hours, agency, "
        "node, every_min" in msg
    )
    assert not (tmp_path / "run").exists()


def test_an_unregistered_plugin_is_an_unknown_name(tmp_path):
    path = tmp_path / "plugins.yaml"
    path.write_text(SCENARIO)
    with pytest.raises(ScenarioError, match=r"unknown inject 'flare'; allowed: comms_outage, decoy"):
        api.run(scenario_file=path, out_dir=tmp_path / "run")


class Farthest(DispatchRule):
    """Test-only: sends the first free unit of the centre, however long it takes."""

    name = "farthest"

    def choose(self, centre, alert, target):
        free = [u for u in centre.units if u.available]
        return Choice(target, free[0] if free else None, 999.0, 0.0, "own")


def test_no_dispatch_rule_sends_a_unit_beyond_its_agencys_response_limit(tmp_path):
    """max_response_min applies under every rule: the centre does not send a unit a plug-in rule
    chose beyond its agency's limit (`no_unit` instead; the check was inside `nearest` alone)."""
    with DISPATCH_RULES.added(Farthest):
        result = api.run(
            "demo",
            overrides=["scenario.horizon_days=0.5", "scenario.coordination.dispatch=farthest"],
            out_dir=tmp_path / "run",
        )
    ev = result.events()
    assert (ev.kind == "dispatch").sum() == 0 and (ev.kind == "no_unit").sum() > 3


def test_liaison_shares_only_sources_that_raise_alerts(tmp_path, registered):
    """share_sources names what raises alerts: an inject that raises none (weather) is refused like
    a typo (it was accepted and matched nothing); a plug-in inject declaring its alert_source is
    allowed."""
    from sim.config import compose

    base = ["scenario=tri_agency", "scenario.coordination.policy=liaison"]
    compose([*base, "scenario.coordination.liaison.share_sources=[tower,flare,tip]"])
    with pytest.raises(ScenarioError, match=r"unknown alert source 'weather'; allowed: .*flare"):
        compose([*base, "scenario.coordination.liaison.share_sources=[tower,weather]"])
