"""The conformance checks every run must pass (in the spirit of Gymnasium's env_checker),
shared by tests/test_invariants.py (fixed scenarios) and tests/test_fuzz.py (generated ones):
outcomes, clocks, places, capacities, jurisdiction, nothing after an outcome."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from sim.agents.patrols import PatrolUnit
from sim.metrics import summarize
from sim.model import BorderModel
from sim.movement import Timeline

TERMINAL = ["interdiction", "got_away", "turned_back"]


class TracedModel(BorderModel):
    """Records every unit plan so that movement continuity can be checked."""

    def __init__(self, world, seed):
        self.traced: list[tuple[int, float, Timeline, Timeline]] = []
        super().__init__(world, seed)
        for u in self.units:
            u._trace = self.traced


def _traced_set(self, tl):
    prev = self.__dict__.get("timeline")
    self.__dict__["timeline"] = tl
    trace = self.__dict__.get("_trace")
    if trace is not None and prev is not None:
        trace.append((self.params.id, self.model.now, prev, tl))


@contextmanager
def tracing_units() -> Iterator[type[TracedModel]]:
    """Within the block, every unit's plan change is recorded by a TracedModel."""
    original = PatrolUnit.__dict__.get("timeline")
    PatrolUnit.timeline = property(lambda self: self.__dict__["timeline"], _traced_set)  # type: ignore[assignment]
    try:
        yield TracedModel
    finally:
        if original is None:
            del PatrolUnit.timeline
        else:
            PatrolUnit.timeline = original


def check_run(world, model: TracedModel, ev: pd.DataFrame, min_plans: int = 0) -> None:
    """Every invariant of one finished run (assertions)."""
    horizon = world.horizon_min
    t = world.terrain

    # time never goes backwards, nothing happens after the horizon
    assert (np.diff(ev.t.to_numpy()) >= 0).all()
    assert ev.t.max() <= horizon + 1e-9

    # every attempt has exactly one outcome, or is still under way at the horizon
    attempts = ev[ev.kind == "attempt"].attempt
    ends = ev[ev.kind.isin(TERMINAL)]
    assert not ends.attempt.duplicated().any()
    assert set(ends.attempt) <= set(attempts)
    for a in model.attempts.values():
        assert (a.outcome == "") == (a.attempt_id not in set(ends.attempt))
    # nothing happens to a group after its outcome (alerts about it may still be queued)
    acts = ev[ev.kind.isin(["crossed", "detection", "reaction", *TERMINAL]) & (ev.attempt >= 0)]
    end_seq = ends.set_index("attempt").seq
    later = acts[acts.seq > acts.attempt.map(end_seq).fillna(np.inf)]
    assert later.empty, f"events after an outcome: {later[['t', 'kind', 'attempt']].head().to_dict('records')}"

    # counts in the summary equal counts taken from the model's own state
    s = summarize(ev)
    real = [a for a in model.attempts.values() if a.cargo != "decoy"]  # decoys are not attempts (metrics)
    outcomes = pd.Series([a.outcome for a in real], dtype=str)
    assert s["attempts"] == len(real) == len(attempts) - s["decoys"]
    assert s["decoys"] == len(model.attempts) - len(real)
    assert s["interdicted"] == (outcomes == "interdicted").sum()
    assert s["got_away"] == (outcomes == "got_away").sum()
    assert s["turned_back"] == (outcomes == "turned_back").sum()
    assert s["under_way"] == (outcomes == "").sum()
    receipts = ev[ev.kind == "alert"]
    shared_copies = set(ev[ev.kind == "alert_shared"].alert)
    second = receipts.second_centre
    assert s["alerts"] == len(receipts) - receipts.alert.isin(shared_copies).sum() - second.sum()

    # no unit is ever in two places: each new plan starts where the unit was at that moment,
    # and every step of a plan is a terrain edge (or a stay) taking non-negative time
    edges = set(zip(t.edge_u.tolist(), t.edge_v.tolist()))
    assert len(model.traced) >= min_plans
    for uid, now, prev, new in model.traced:
        assert new.nodes[0] == prev.node_at(now), f"unit {uid} jumped at t={now}"
        assert new.entered == pytest.approx(now)  # the new plan takes over where the old one was
        _, ready, _ = prev.departure(now)
        other, share, step = prev.off_centre(now)
        stay = new.nodes.size == 2 and new.nodes[0] == new.nodes[1]
        assert (new.aside is not None) == (stay and share > 0), f"unit {uid} at t={now}: a stay off a centre is aside"
        if new.aside is not None:  # a stay between two centres: where the unit stood
            assert new.aside == (other, share, step)
            ready = now
        elif share > 0 and new.nodes.size > 1 and new.nodes[1] == other:  # on, or back: keep the way walked
            ready = now - share * step
        elif share > 0 and ready <= now:  # past the centre, going elsewhere: back to the centre first
            ready = now + share * step
        assert new.times[0] == pytest.approx(ready)  # ... else finishing a walk into the cell, if any
        assert (np.diff(new.times) >= 0).all()
        for u, v in zip(new.nodes[:-1].tolist(), new.nodes[1:].tolist()):
            assert u == v or (min(u, v), max(u, v)) in edges

    # a unit works one task at a time: a dispatch or a patrol contact starts a task; unit_free
    # ends it, and a contact on the way ends a response ("diverted") before it starts another
    for uid, g in ev[ev.unit >= 0].groupby("unit"):
        busy = False
        for kind, source, detail in zip(g.kind, g.source, g.detail):
            if kind == "dispatch" or (kind == "interdiction" and source == "patrol"):
                assert not busy, f"unit {uid} got a second task while busy"
                busy = True
            elif kind == "unit_free" or (kind == "search_end" and detail == "diverted"):
                busy = False

    # apprehensions respect unit capacity and group size; units act only where they may: their
    # own jurisdiction, their task force's area, or an MOU host's on a dispatch under that MOU
    inter = ev[ev.kind == "interdiction"]
    sizes = ev[ev.kind == "attempt"].set_index("attempt")["size"]
    coord = world.scenario.coordination
    task_force = coord.settings.get("task_force")
    pooled_groups = set(task_force.units) if task_force is not None else set()
    pooled = world.union_jurisdiction(
        list(task_force.agencies if task_force else [])
        or sorted({u.agency for u in world.units if u.group in pooled_groups})
    )
    dispatch = ev[ev.kind == "dispatch"].set_index("incident")
    on_mou_dispatch = set()  # (unit, interdiction seq) made while the unit was on an MOU dispatch
    for uid, g in ev[ev.unit >= 0].groupby("unit"):
        current = ""
        for kind, detail, seq in zip(g.kind, g.detail, g.seq):
            if kind == "dispatch":
                current = detail
            elif kind == "unit_free" or (kind == "search_end" and detail != "diverted"):
                current = ""
            elif kind == "interdiction":  # (a diversion is logged just before the arrest it causes)
                if current == "mou":
                    on_mou_dispatch.add((uid, seq))
                current = ""
    for row in inter[inter.unit >= 0].itertuples():
        unit = world.units[row.unit]
        assert 1 <= row.size <= min(unit.spec.capacity, sizes[row.attempt])
        area = world.agencies[unit.agency].jurisdiction.copy()
        if coord.policy == "task_force" and unit.group in pooled_groups:
            area |= pooled
        if (row.unit, row.seq) in on_mou_dispatch:
            for m in world.scenario.agreements.values():
                if m.agency == unit.agency:
                    area |= world.agencies[m.host].jurisdiction
        assert area[row.node], f"unit {row.unit} ({unit.agency}) arrested outside its area at node {row.node}"
    for row in inter[inter.unit < 0].itertuples():  # seizures at ports, by the port's agency
        assert row.source == "port" and world.agencies[row.agency].jurisdiction[row.node]
    for row in dispatch.itertuples():
        unit = world.units[row.unit]
        if row.agency in world.agencies:
            assert unit.agency == row.agency  # an agency centre tasks only its own units
        elif row.agency == "task_force":
            assert unit.group in pooled_groups
        assert row.detail in ("own", "mou", "task_force")
        if row.detail == "own":
            assert world.agencies[unit.agency].jurisdiction[row.node]

    # a group seen on the home side has crossed, and its crossing is logged no later than that
    crossed = ev[ev.kind == "crossed"].set_index("attempt").t
    assert not crossed.index.duplicated().any()
    home_events = ev[(ev.attempt >= 0) & (ev.node >= 0) & ev.kind.isin(["detection", "interdiction", "got_away"])]
    home_events = home_events[(t.side[home_events.node.to_numpy()] == 1) & (home_events.source != "port")]
    for row in home_events.itertuples():
        assert row.attempt in crossed.index and crossed[row.attempt] <= row.t + 1e-9

    # sensors detect only while they work
    toggles = ev[ev.kind.isin(["sensor_down", "sensor_up"])]
    for row in ev[(ev.kind == "detection") & (ev.sensor >= 0)].itertuples():
        before = toggles[(toggles.sensor == row.sensor) & (toggles.t <= row.t)]
        assert before.empty or before.kind.iloc[-1] == "sensor_up", f"sensor {row.sensor} detected while down"
