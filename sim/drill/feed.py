"""The drill's event feed in the words a trainer uses: one line per event, 'day 1 06:39  border
patrol centre sent unit 3 (bp_vehicle) to group 7', never column names.

Units and groups are named by the ids the map labels (U3, G7) and the tip form use; a unit's
group (bp_vehicle) and a sensor's type (tower, ground sensor, drone) come from the world. Alert
provenance comes from the alert's columns: shared_from (a copy passed on by liaison),
second_centre (a task-force centre's receipt), coarse (only the sector known), the tip sources.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.labels import clock
from sim.recorder import DECOY_CARGO
from sim.world import World

SOURCES = {
    "tower": "a tower",
    "drone": "a drone",
    "ground": "a ground sensor",
    "patrol": "a patrol",
    "partner_tip": "a partner-nation tip",
    "community_tip": "a community tip",
    "tip": "a trainer's tip",
}
SENSOR_DOWN = {"grounded": "landed (its flight window closed)"}  # sensor_down by detail
SENSOR_UP = {"aloft": "took off (its flight window opened)"}
SENSOR_NAMES = {"tower": "tower", "ground": "ground sensor", "drone": "drone"}
REACTIONS = {"run": "ran", "hide": "hid", "turn_back": "turned back"}
LOST = {"comms_down": "the link was down", "lost": "it was lost in passing on"}
WHY_ACT = {"mou": " under the MOU", "task_force": " for the task force"}
LOOKS = {"open": "opened", "ack": "acknowledged"}
MODES = {"human": "by its seat (human)", "auto": "automatically (auto)"}


def agency_name(name: str) -> str:
    """'local_police' -> 'local police'."""
    return name.replace("_", " ")


def centre(name: str) -> str:
    """The command centre of an agency (or a shared one: 'joint', 'task_force')."""
    return f"{agency_name(name)} centre"


def seat(name: str) -> str:
    """The seat of a centre in a live drill."""
    return f"{agency_name(name)} seat"


def group(attempt: int) -> str:
    return f"group {attempt}" if attempt >= 0 else "a false alarm"


class Narrator:
    """Turns event rows (sim/recorder.py columns) into feed lines for one world."""

    def __init__(self, world: World) -> None:
        self.unit_group = {u.id: u.group for u in world.units}
        self.terrain = world.terrain
        self.sensor_type = {s.id: s.type for s in world.sensors}
        self._say: dict[str, Callable[[dict], str]] = {
            "shift_start": lambda r: f"{self.unit(r['unit'])} went on duty",
            "shift_end": lambda r: f"{self.unit(r['unit'])} went off duty",
            "sensor_down": lambda r: f"{self.sensor(r['sensor'])} {SENSOR_DOWN.get(r['detail'], 'went down')}",
            "sensor_up": lambda r: f"{self.sensor(r['sensor'])} {SENSOR_UP.get(r['detail'], 'is back up')}",
            "attempt": self.attempt,
            "crossed": self.crossed,
            "detection": self.detection,
            "reaction": lambda r: f"group {r['attempt']} {REACTIONS.get(r['detail'], r['detail'])} (it was noticed)",
            "alert": self.alert,
            "alert_handled": lambda r: (
                f"{centre(r['agency'])} handled an alert (it waited {r['duration_min']:.1f} min for an operator)"
            ),
            "alert_merged": lambda r: f"{centre(r['agency'])} joined an alert to open incident {r['incident']}",
            "no_unit": lambda r: f"{centre(r['agency'])} had no unit to send (incident {r['incident']})",
            "dispatch": self.dispatch,
            "arrival": lambda r: f"{self.unit(r['unit'], False)} arrived at incident {r['incident']}",
            "search_end": lambda r: (
                f"{self.unit(r['unit'], False)} gave up the search at incident {r['incident']}"
                + (" (nobody found)" if r["detail"] == "not_found" else f" ({r['detail'].replace('_', ' ')})")
            ),
            "interdiction": self.interdiction,
            "got_away": lambda r: (
                f"group {r['attempt']} got away"
                + (f" through {r['detail'].replace('_', ' ')}" if r["detail"] else " (reached its destination)")
            ),
            "turned_back": lambda r: f"group {r['attempt']} turned back to its staging area",
            "unit_free": lambda r: f"{self.unit(r['unit'], False)} is free again",
            "alert_shared": self.shared,
            "alert_lost": lambda r: (
                f"{agency_name(r['detail'])} lost an alert shared by {agency_name(r['agency'])} about "
                f"{group(r['attempt'])}: {LOST.get(r['source'], r['source'])}"
            ),
            "adaptation": lambda r: f"organisation {r['source']} changes its corridors: {r['detail']}",
            "inject": lambda r: f"inject {r['source']} ({r['detail'].replace('_', ' ')}) started",
            "inject_end": lambda r: f"inject {r['source']} ({r['detail'].replace('_', ' ')}) ended",
            "run_end": lambda r: "the drill is over: the horizon is reached",
            "port_primary": lambda r: f"group {r['attempt']} reached a primary lane at {self.port(r)}",
            "port_referral": lambda r: f"{self.port(r)} sent group {r['attempt']}'s vehicle to secondary inspection",
            "port_exit": lambda r: f"group {r['attempt']} passed {self.port(r)} undetected",
            "port_seizure": lambda r: f"{self.port(r)} found group {r['attempt']}'s cargo",
            "incident_open": self.incident_open,
            "order": lambda r: f"{seat(r['seat'])} ordered: {self.order(r)}",
            "order_refused": lambda r: f"{seat(r['seat'])}: order refused ({self.order(r)}): {r['reason']}",
            "look": lambda r: f"{seat(r['seat'])} {LOOKS.get(r['detail'], r['detail'])} {self.item(r)}",
            "mode": lambda r: f"{centre(r['agency'])} is decided {MODES.get(r['detail'], r['detail'])}",
        }

    def line(self, row: dict) -> str:
        """'day N hh:mm  <what happened>'."""
        say = self._say.get(row["kind"])
        text = say(row) if say else row["kind"].replace("_", " ")
        return f"{clock(row['t'])}  {text}"

    # --- names ---------------------------------------------------------------------------
    def unit(self, uid: int, with_group: bool = True) -> str:
        name = self.unit_group.get(uid)
        return f"unit {uid} ({name})" if with_group and name else f"unit {uid}"

    def sensor(self, sid: int) -> str:
        return SENSOR_NAMES.get(self.sensor_type.get(sid, ""), "sensor") + f" {sid}"

    @staticmethod
    def port(row: dict) -> str:
        return row["source"].replace("_", " ") or "the port"

    # --- kinds that need more than one phrase ----------------------------------------------
    def attempt(self, r: dict) -> str:
        mode, _, dest = r["detail"].partition(">")
        how = f"for {dest.replace('_', ' ')}" if mode == "port" else f"on {mode}"
        who = {"people": f"{r['size']} people", DECOY_CARGO: f"a decoy of {r['size']}"}.get(
            r["cargo"], f"{r['size']} carrying {r['cargo']}"
        )
        return f"group {r['attempt']} set off ({r['source']}: {who}, {how})"

    @staticmethod
    def crossed(r: dict) -> str:
        extra = {"port": " at a port of entry", "breach": " through a barrier"}.get(r["detail"], "")
        return f"group {r['attempt']} crossed the border{extra}"

    def detection(self, r: dict) -> str:
        who = self.sensor(r["sensor"]) if r["sensor"] >= 0 else f"patrol {self.unit(r['unit'])}"
        return f"{who} detected group {r['attempt']}"

    def alert(self, r: dict) -> str:
        about = f" about group {r['attempt']}" if r["attempt"] >= 0 else " (a false alarm)"
        where = " (only the sector known)" if r.get("coarse") else ""
        if r.get("shared_from"):
            return f"{centre(r['agency'])} got an alert passed on by {agency_name(r['shared_from'])}{about}{where}"
        if r.get("second_centre"):
            return f"{centre(r['agency'])} also got the alert{about}{where}"
        if r["sensor"] >= 0:
            src = self.sensor(r["sensor"])
        elif r["unit"] >= 0:
            src = f"patrol {self.unit(r['unit'], False)}"
        else:
            src = SOURCES.get(r["source"], r["source"].replace("_", " "))
        return f"{centre(r['agency'])} got an alert from {src}{about}{where}"

    def dispatch(self, r: dict) -> str:
        other = r.get("unit_agency") and r["unit_agency"] != r["agency"]
        owner = f"{agency_name(r['unit_agency'])} " if other else ""
        target = group(r["attempt"]) if r["attempt"] >= 0 else f"a false alarm (incident {r['incident']})"
        eta = f", due in {r['duration_min']:.0f} min" if r["duration_min"] == r["duration_min"] else ""
        return (
            f"{centre(r['agency'])} sent {owner}{self.unit(r['unit'])} to {target}{WHY_ACT.get(r['detail'], '')}{eta}"
        )

    def incident_open(self, r: dict) -> str:
        hint = f"unit {r['unit']}, {r['duration_min']:.0f} min" if r["unit"] >= 0 else "no unit"
        return (
            f"{centre(r['agency'])} opened incident {r['incident']} for {group(r['attempt'])}: waiting for its "
            f"seat's order (suggested: {hint})"
        )

    @staticmethod
    def item(r: dict) -> str:
        return f"alert A{r['alert']}" if r["alert"] >= 0 else f"incident {r['incident']}"

    @staticmethod
    def order(r: dict) -> str:
        """A seat's order in words ('dispatch unit 3 to incident 4')."""
        to = f"incident {r['incident']}" if r["incident"] >= 0 else f"cell {r['node']}"
        partner = agency_name(r["unit_agency"])
        return {
            "dispatch": f"dispatch unit {r['unit']} to {to}",
            "recall": f"recall unit {r['unit']}",
            "hold": f"hold unit {r['unit']}",
            "share": f"share alert A{r['alert']} with {partner}",
            "mou": f"ask {partner} for support at incident {r['incident']} (MOU)",
            "close": f"close incident {r['incident']}",
        }.get(r["detail"], r["detail"])

    def interdiction(self, r: dict) -> str:
        if r["source"] == "port":
            who = f"{r['detail'].replace('_', ' ')} (port)"
        else:
            who = f"{agency_name(r['agency'])} {self.unit(r['unit'])}"
        kg = f", {r['quantity_kg']:.0f} kg seized" if r["quantity_kg"] > 0 else ""
        return f"{who} interdicted group {r['attempt']}: {r['size']} taken{kg}"

    @staticmethod
    def shared(r: dict) -> str:
        how = [w for w, on in (("through a relay", r.get("relayed")), ("sector only", r.get("coarse"))) if on]
        extra = f" ({', '.join(how)})" if how else ""
        return (
            f"{centre(r['agency'])} passed an alert about {group(r['attempt'])} to {agency_name(r['detail'])}"
            f"{extra}, arriving in {r['duration_min']:.0f} min"
        )
