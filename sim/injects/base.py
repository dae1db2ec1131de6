"""Timed scenario events (injects): the parameters every inject has and the base class.

An inject starts at `start_hours`, ends after `duration_hours` (if it has a window) and is
logged (`inject`, `inject_end`) like everything else. Its window is [start, end): it starts and
ends before the other events of those minutes (a scenario's inject is on the clock from t = 0, a
live drill's goes first, its end goes first), so every event at its end minute sees it over.
Extra attempts (surge, decoy) draw from streams of their own, so the scenario's normal attempts
are the same with or without the inject (common random numbers for inject comparisons).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from sim.params import param

if TYPE_CHECKING:
    from sim.model import BorderModel


@dataclass(frozen=True)
class InjectParams:
    """Keys of every inject, whatever its type."""

    windowed: ClassVar[bool] = True  # the inject acts over a window: duration_hours must be > 0

    start_hours: float = param(0.0, ge=0, unit="h", doc="Start, counted from the start of the run.")
    duration_hours: float = param(
        1.0,
        ge=0,
        le=1e5,
        unit="h",
        doc="Length of the window (at most 100,000 h, longer than any run). Types that act at "
        "one instant (`decoy`, `tip`) use it only to time the `inject_end` record.",
    )

    def check(self) -> list[str]:
        if self.windowed and self.duration_hours <= 0:
            return ["duration_hours: this inject acts over a window: must be > 0"]
        return []


class Inject:
    """Base class: `apply()` at the start, `undo()` at the end (if the inject has a window).
    Touches the world only through `self.model`."""

    name = ""  # the registered type name
    Params = InjectParams
    alert_source = ""  # the source of the alerts it raises ("" none): liaison may be told to share them

    def __init__(self, model: BorderModel, label: str, params: InjectParams) -> None:
        self.model, self.label, self.params = model, label, params

    @property
    def end_min(self) -> float:
        return (self.params.start_hours + self.params.duration_hours) * 60.0

    def begin(self) -> None:
        m = self.model
        m.log.record(
            m.now, "inject", source=self.label, detail=self.name, duration_min=self.params.duration_hours * 60.0
        )
        self.apply()
        if self.params.duration_hours > 0:
            m.at(self.end_min, self.finish, first=True)  # [start, end): over for every event at the end minute

    def finish(self) -> None:
        self.undo()
        self.model.log.record(self.model.now, "inject_end", source=self.label, detail=self.name)

    def apply(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        pass
