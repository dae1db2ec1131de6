"""The placed, parameterised assets of a world: plain, frozen data that agents read.

`sim.world.build_world` makes them from a scenario; agents (sim/agents/) read only their own
(a unit its `UnitParams`, a sensor its `SensorParams`, ...), never the scenario as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.scenario import AgencySpec, BarrierSpec, OrgSpec, PortSpec, UnitGroupSpec
from sim.sensors import Footprint, SensorGroupParams


@dataclass(frozen=True)
class AgencyParams:
    name: str
    spec: AgencySpec
    jurisdiction: np.ndarray  # bool per node: where its units may act


@dataclass(frozen=True)
class UnitParams:
    id: int
    name: str
    group: str
    agency: str
    base: int
    spec: UnitGroupSpec
    beat: np.ndarray  # nodes of the unit's beat (home side, its sectors, its jurisdiction)
    shift_offset_min: float  # first shift start after midnight of day 0


@dataclass(frozen=True)
class SensorParams:
    id: int
    name: str
    group: str
    type: str  # registered sensor type
    agency: str
    node: int
    spec: SensorGroupParams  # the group's parameters (its type's Params)
    footprint: Footprint
    visible: bool  # can smugglers see it (towers) and route around it
    window: tuple[float, float] | None = None  # works only from minute-of-day window[0] for window[1] minutes a day


@dataclass(frozen=True)
class BarrierParams:
    name: str
    agency: str
    edges: np.ndarray
    length_km: float
    spec: BarrierSpec


@dataclass(frozen=True)
class OrgParams:
    name: str
    spec: OrgSpec
    staging: np.ndarray
    destinations: np.ndarray
    reachable: dict[tuple[str, int], np.ndarray]  # (mode, staging node) -> destinations it can reach


@dataclass(frozen=True)
class PortParams:
    id: int
    name: str
    node: int
    agency: str
    spec: PortSpec


@dataclass(frozen=True)
class Coverage:
    """For each node, the sensors covering it: CSR-like (ptr into sensor/per_visit/rate)."""

    ptr: np.ndarray
    sensor: np.ndarray
    per_visit: np.ndarray
    rate_per_min: np.ndarray
    sensor_key: np.ndarray | None = None  # per sensor id: the key its detection draws are addressed by
    # (sim.rng.item_keys of its name; None: the id itself)

    @cached_property
    def lists(self) -> tuple[dict[int, tuple[int, int]], list[int], list[float], list[float]]:
        """The covered cells' spans of entries (cell -> (first, end)) and sensor, per_visit and
        rate_per_min as Python lists, made on first use: sim.detection reads a route's few covered
        cells from them (a dict of the covered cells only: most cells of a large map are not)."""
        covered = np.flatnonzero(np.diff(self.ptr))
        spans = dict(zip(covered.tolist(), zip(self.ptr[covered].tolist(), self.ptr[covered + 1].tolist())))
        return spans, self.sensor.tolist(), self.per_visit.tolist(), self.rate_per_min.tolist()


@dataclass(frozen=True)
class Authority:
    """Where a unit may act: its own agency's jurisdiction, MOU hosts' (with a delay), and, in
    a task force, the union of the participating agencies' jurisdictions."""

    own: np.ndarray
    mou: list[tuple[np.ndarray, float]]  # (host jurisdiction, authorisation minutes)

    def check(self, node: int, pooled_area: np.ndarray | None = None) -> tuple[bool, float, str]:
        if self.own[node]:
            return True, 0.0, "own"
        if pooled_area is not None and pooled_area[node]:
            return True, 0.0, "task_force"
        options = [delay for area, delay in self.mou if area[node]]
        return (True, min(options), "mou") if options else (False, 0.0, "")

    def area(self, pooled_area: np.ndarray | None = None, authorised: bool = False) -> np.ndarray:
        """Cells where the unit may arrest now: its own area, its pool's, and (once authorised
        for a dispatch under an MOU) its hosts'."""
        mask = self.own.copy()
        if pooled_area is not None:
            mask |= pooled_area
        if authorised:
            for host, _ in self.mou:
                mask |= host
        return mask
