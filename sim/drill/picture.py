"""One seat's picture of a live drill: only what its command centre knows.

- alerts: the `alert` rows addressed to the centre so far (first-hand, shared copies once they
  arrived, MOU requests), each where the alert placed it, never where a group is now;
- its units (the ones the centre tasks) with their state, and its sensors with theirs;
- its incidents (open ones, with the unit on them, or the automatic dispatcher's suggestion);
- its feed: the log rows of its own centre and units, in words that never name a group an alert
  is about (the operator does not know it), only a group its units caught.

Built from the session's log rows and the centre's own lists under the session's lock, so a
seat that reconnects gets the same picture back. Ground truth (which group an alert is about) is
kept in `PictureAlert.attempt` for tests and the review only; nothing here draws or prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.labels import clock
from sim.drill.feed import Narrator, agency_name, centre

if TYPE_CHECKING:
    from sim.agents.command import CommandCentre
    from sim.agents.patrols import PatrolUnit
    from sim.world import World

ALERT_WINDOW_MIN = 120.0  # alerts drawn on the map this long after they arrived
LIST_LENGTH = 40  # alerts listed on the page, newest first


@dataclass(frozen=True)
class PictureAlert:
    id: int
    t: float
    node: int
    source: str
    shared_from: str
    coarse: bool
    attempt: int  # ground truth: for tests and the review, never shown to the seat

    def words(self) -> str:
        how = f"passed on by {agency_name(self.shared_from)}" if self.shared_from else f"from {self.source}"
        if self.source == "mou_request":
            how = f"support asked by {agency_name(self.shared_from)} (MOU)"
        return f"A{self.id} {clock(self.t)} {how}" + (" (sector only)" if self.coarse else "")


@dataclass(frozen=True)
class PictureUnit:
    id: int
    node: int
    agency: str
    group: str
    on_duty: bool
    state: str  # in words: on its beat, responding to incident 4, holding, ...
    free: bool  # may be given a dispatch order now


@dataclass(frozen=True)
class PictureIncident:
    id: int
    node: int  # where units are sent
    opened: float
    alerts: tuple[int, ...]
    unit: int  # the unit on it, -1 none
    hint: str  # the automatic dispatcher's suggestion, in words ("" when a unit is on it)
    hint_unit: int


@dataclass(frozen=True)
class PictureSensor:
    id: int
    node: int
    type: str
    state: str  # up | down | alarm


@dataclass(frozen=True)
class Picture:
    seat: str
    now: float
    mode: str  # human | auto
    playing: bool
    finished: bool
    alerts: tuple[PictureAlert, ...]  # newest first
    units: tuple[PictureUnit, ...]
    incidents: tuple[PictureIncident, ...]
    sensors: tuple[PictureSensor, ...]
    feed: tuple[str, ...]
    partners: tuple[str, ...]  # centres it may share with
    mou_partners: tuple[str, ...]  # agencies it may ask for support under an MOU


def unit_state(u: PatrolUnit, now: float) -> str:
    """What a unit is doing, in words."""
    task = u.task
    if not u.on_duty_at(now):
        return "off duty"
    if task is None:
        return "on its beat"
    if task.kind == "respond":
        return ("searching at" if task.searching else "responding to") + f" incident {task.incident.id}"
    return "holding" if task.kind == "hold" else "processing an apprehension"


def incidents(c: CommandCentre) -> tuple[PictureIncident, ...]:
    """The centre's open incidents, each with the unit on it or the suggestion of the automatic
    dispatcher (computed now: units have moved since the incident opened)."""
    out = []
    for inc in c.incidents:
        if not inc.open:
            continue
        unit = inc.unit
        on = unit is not None and unit.task is not None and unit.task.kind == "respond" and unit.task.incident is inc
        hint, hint_unit = "", -1
        if not on:
            _, best, minutes, _, how = c.suggest(inc.target)
            if best is not None:
                hint_unit = best.params.id
                why = {"mou": " under the MOU", "task_force": " for the task force"}.get(how, "")
                hint = f"suggested: unit {hint_unit} ({best.params.group}){why}, {minutes:.0f} min"
            else:
                hint = "suggested: no unit free that may act there"
        out.append(
            PictureIncident(
                inc.id,
                inc.target,
                inc.opened,
                tuple(a.id for a in inc.alerts),
                unit.params.id if on else -1,
                hint,
                hint_unit,
            )
        )
    return tuple(out)


def units(c: CommandCentre, now: float) -> tuple[PictureUnit, ...]:
    return tuple(
        PictureUnit(
            u.params.id,
            int(u.node_at(now)),
            u.params.agency,
            u.params.group,
            u.on_duty_at(now),
            unit_state(u, now),
            u.on_duty_at(now) and (u.task is None or u.task.kind == "hold"),
        )
        for u in sorted(c.units, key=lambda u: u.params.id)
    )


def alerts(rows: list[dict], now: float) -> tuple[PictureAlert, ...]:
    """The centre's alert rows (newest first)."""
    out = [
        PictureAlert(r["alert"], r["t"], r["node"], r["source"], r["shared_from"], r["coarse"], r["attempt"])
        for r in rows
        if r["kind"] == "alert" and r["t"] <= now
    ]
    return tuple(reversed(out))


class SeatNarrator(Narrator):
    """The feed of one seat: its centre's and units' events, in words that name alerts and
    incidents, never the group an alert is about (only a group its own units caught)."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._say.update(
            {
                "alert": self.alert,
                "dispatch": self.dispatch,
                "alert_shared": lambda r: (
                    f"{centre(r['agency'])} passed an alert on to {agency_name(r['detail'])} (their "
                    f"A{r['alert']}), arriving in {r['duration_min']:.0f} min"
                ),
                "alert_lost": lambda r: (
                    f"alert A{r['alert']} to {agency_name(r['detail'])} was lost: "
                    + {"comms_down": "the link was down"}.get(r["source"], "it was lost in passing on")
                ),
                "interdiction": self.interdiction,
                "incident_open": lambda r: (
                    f"incident {r['incident']} opened for alert A{r['alert']}: waiting for your order"
                ),
            }
        )

    def alert(self, r: dict) -> str:
        if r["source"] == "mou_request":
            return f"{agency_name(r['shared_from'])} asks for support at cell {r['node']} (alert A{r['alert']}, MOU)"
        how = f"passed on by {agency_name(r['shared_from'])}" if r["shared_from"] else f"from {r['source']}"
        if r["coarse"]:  # the seat is told the sector, not the cell
            sector = self.terrain.sector_names[self.terrain.sector[r["node"]]]
            return f"alert A{r['alert']} {how} in sector {sector} (only the sector known)"
        return f"alert A{r['alert']} {how} at cell {r['node']}"

    def interdiction(self, r: dict) -> str:
        at = f" at incident {r['incident']}" if r["incident"] >= 0 else " on patrol"
        return f"{self.unit(r['unit'])} interdicted a group{at}: {r['size']} taken"

    def dispatch(self, r: dict) -> str:
        eta = f", due in {r['duration_min']:.0f} min" if r["duration_min"] == r["duration_min"] else ""
        return f"{centre(r['agency'])} sent {self.unit(r['unit'])} to incident {r['incident']}{eta}"
