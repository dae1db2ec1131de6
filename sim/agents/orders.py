"""A seat's orders to its human command centre (live drill): dispatch a unit to an incident or a
cell, recall it, hold it, share an alert with a partner, ask a partner for MOU support, close an
incident; and the looks (opening, acknowledging an alert or an incident) that go in the log too.

Every order is checked first, against the centre and the world, never the page: a unit another
centre tasks, a cell where the unit may not act, a busy or off-duty unit, an unknown alert or
incident, a partner without an agreement are refused (`OrderRefused`, the reason in words, an
`order_refused` row) and nothing changes. An order carried out is logged as `order` (with what
the centre had been told by then, `told`) and through the rows the engine logs anyway
(`dispatch`, `unit_free`, `alert_shared` / `alert_lost`), so metrics and the review read a
seat's dispatch like an automatic one. Orders act at the current simulated minute; the caller
(sim/drill/session.py) holds the model's lock, so orders from several seats are applied one after
another in the order they came.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.command import Alert, Incident
from sim.agents.patrols import Task

if TYPE_CHECKING:
    from sim.agents.command import CommandCentre
    from sim.agents.patrols import PatrolUnit

ORDERS = ("dispatch", "recall", "hold", "share", "mou", "close")
LOOKS = ("open", "ack")


class OrderRefused(ValueError):
    """An order that cannot be carried out; the message says why, in words."""


class Orders:
    """The orders of one centre's seat. `seat` names who gave them (the centre's name in a live
    drill; `source` is `seat`, or `replay` when a counterfactual replays a logged order)."""

    def __init__(self, centre: CommandCentre, source: str = "seat") -> None:
        self.centre = centre
        self.model = centre.model
        self.source = source

    # --- the orders ----------------------------------------------------------------------
    def dispatch(self, unit: int, incident: int = -1, node: int = -1) -> float:
        """Send `unit` to open incident `incident`, or to cell `node` (a new incident there).
        Returns its arrival in minutes from now."""
        cols = {"unit": unit, "incident": incident, "node": node}
        with self._checked("dispatch", cols):
            u = self._own_unit(unit)
            if u.task is not None and u.task.kind == "process":
                raise OrderRefused(f"unit {unit} is busy ({self._doing(u)}): it is free again when that is done")
            if u.task is not None and u.task.kind != "hold":
                raise OrderRefused(f"unit {unit} is busy ({self._doing(u)}): recall it first")
            if (incident >= 0) == (node >= 0):
                raise OrderRefused("name either an incident or a cell, not both or neither")
            inc = self._open_incident(incident) if incident >= 0 else None
            if inc is not None and inc.unit is not None and _responding(inc.unit, inc):
                raise OrderRefused(f"incident {incident} already has unit {inc.unit.params.id}")
            target = inc.target if inc is not None else self._cell(node)
            ok, delay, how = u.may_act(target)
            if not ok:
                raise OrderRefused(
                    f"cell {target} is outside the area where unit {unit} ({u.params.agency}) may act"
                    + (f" (incident {incident})" if inc is not None else "")
                )
            field = self.model.world.router.minutes_from(target, u.params.spec.mode, home_only=True)
            travel = min((ready - self.model.now) + float(field[where]) for where, ready in u.starts(self.model.now))
            if not math.isfinite(travel):
                raise OrderRefused(f"unit {unit} ({u.params.spec.mode}) has no way to cell {target}")
        m, c = self.model, self.centre
        minutes = delay + travel
        if inc is None:
            inc = Incident(m.next_id("incident"), c.name, target, target, m.now)
            c.incidents.append(inc)
        inc.how = how
        alert, attempt = (inc.alerts[0].id if inc.alerts else -1), _about(inc)
        m.log.record(
            m.now,
            "dispatch",
            incident=inc.id,
            alert=alert,
            unit=unit,
            agency=c.name,
            unit_agency=u.params.agency,
            node=target,
            attempt=attempt,
            duration_min=minutes,
            detail=how,
        )
        # as given: incident -1 for a cell (the dispatch row above names the incident opened there)
        self._log(
            "order",
            "dispatch",
            unit=unit,
            incident=incident,
            node=target,
            alert=alert,
            attempt=attempt,
            duration_min=minutes,
        )
        u.dispatch(inc, delay)
        return minutes

    def recall(self, unit: int) -> None:
        """Call `unit` back from its response or hold to its beat (its incident stays open)."""
        with self._checked("recall", {"unit": unit}):
            u = self._own_unit(unit)
            if u.task is None or u.task.kind == "process":
                raise OrderRefused(f"unit {unit} has no order to recall ({self._doing(u)})")
        inc = self._release(u)
        self._log("order", "recall", unit=unit, incident=inc.id if inc is not None else -1)
        self._free(u)

    def hold(self, unit: int) -> None:
        """Stop `unit` where it is (it keeps watching) until another order or its shift end; a
        response in hand is dropped, its incident stays open."""
        with self._checked("hold", {"unit": unit}):
            u = self._own_unit(unit)
            if u.task is not None and u.task.kind not in ("respond",):
                raise OrderRefused(f"unit {unit} cannot hold now ({self._doing(u)})")
        inc = self._release(u)
        if inc is not None:  # its response ends here (a hold is not busy time: patrol_utilisation)
            self._log_free(u)
        u.task = Task("hold")
        self._log("order", "hold", unit=unit, incident=inc.id if inc is not None else -1)
        u.process.interrupt("hold")

    def share(self, alert: int, partner: str) -> None:
        """Pass alert `alert` (one this centre received) to centre `partner`, through the comms
        layer: after the liaison delay (the mean of `liaison.share_delay_min` when the policy is
        liaison, else at once) plus any relay; lost when the link is down."""
        with self._checked("share", {"alert": alert, "partner": partner}):
            self._decides()
            a = self._received(alert)
            target = self._partner(partner)
        delay = float(getattr(self.model.coordination.params, "share_delay_min", 0.0))
        # with the alert's cell and group, by which a replay finds the same alert under its own id
        self._log("order", "share", alert=alert, partner=partner, node=a.node, attempt=a.attempt)
        self.model.comms.send(self.centre.name, target, a, delay, False)

    def request_mou(self, incident: int, partner: str) -> None:
        """Ask `partner` (an agency whose MOU lets it act in this centre's area) to respond to open
        incident `incident`: an `mou_request` alert at the incident's cell reaches it at once
        through the comms layer (lost when the link is down); it decides as any alert."""
        with self._checked("mou", {"incident": incident, "partner": partner}):
            inc = self._open_incident(incident)
            target = self._partner(partner)
            helpers = sorted(
                m.agency for m in self.model.world.scenario.agreements.values() if m.host == self.centre.name
            )
            if partner not in helpers:
                raise OrderRefused(
                    f"no MOU lets {partner} act for {self.centre.name}; allowed: {', '.join(helpers) or 'none'}"
                )
        first = inc.alerts[0] if inc.alerts else None
        request = Alert(
            first.id if first is not None else -1,
            self.model.now,
            partner,
            inc.target,
            first.attempt if first is not None else -1,
            "mou_request",
            origin=self.centre.name,
            coarse=inc.coarse,
            first=first.first_hand if first is not None else -1,
        )
        self._log("order", "mou", incident=incident, node=inc.target, partner=partner, attempt=_about(inc))
        self.model.comms.send(self.centre.name, target, request, 0.0, False)

    def close(self, incident: int) -> None:
        """Close open incident `incident`; a unit still on it goes back to its beat."""
        with self._checked("close", {"incident": incident}):
            inc = self._open_incident(incident)
        unit = inc.unit if inc.unit is not None and _responding(inc.unit, inc) else None
        if unit is not None:
            self._release(unit)
        inc.open = False
        self._log(
            "order",
            "close",
            incident=incident,
            node=inc.target,
            attempt=_about(inc),
            unit=unit.params.id if unit is not None else -1,
        )
        if unit is not None:
            self._free(unit)

    def look(self, action: str, alert: int = -1, incident: int = -1) -> None:
        """The seat opened (`open`) or acknowledged (`ack`) one of its alerts or incidents."""
        if action not in LOOKS:
            raise OrderRefused(f"unknown look {action!r}; allowed: {', '.join(LOOKS)}")
        problem = malformed({"alert": alert, "incident": incident})
        if problem:
            raise OrderRefused(problem)
        if alert >= 0:
            self._received(alert)
        elif incident >= 0:
            if incident not in self.centre.closed:  # a closed one may be looked at, listed or not
                self._incident(incident)
        else:
            raise OrderRefused("name an alert or an incident")
        self._log("look", action, alert=alert, incident=incident)

    # --- checks --------------------------------------------------------------------------
    def refuse(self, order: str, reason: str, **cols: object) -> None:
        """Log `order` (with its arguments) as refused for `reason` and raise OrderRefused, as a
        refused order is: for an order known not to apply before it is tried (a replayed order
        about an incident this run never opened)."""
        with self._checked(order, cols):
            raise OrderRefused(reason)

    def _checked(self, order: str, cols: dict) -> _Refusals:
        return _Refusals(self, order, cols)

    def _decides(self) -> None:
        if not self.centre.human:
            raise OrderRefused(f"{self.centre.name} is decided automatically (auto): its seat watches only")

    def _own_unit(self, uid: int) -> PatrolUnit:
        c, m = self.centre, self.model
        self._decides()
        if not 0 <= uid < len(m.world.units):
            raise OrderRefused(f"no unit {uid}")
        u = m.unit(uid)
        if u not in c.units:
            owner = next((o.name for o in m.centres if u in o.units), u.params.agency)
            raise OrderRefused(f"unit {uid} is tasked by {owner}, not {c.name}")
        if not u.on_duty_at(m.now):
            raise OrderRefused(f"unit {uid} is off duty" + (" (its shift ends now)" if u.on_duty else ""))
        return u

    def _doing(self, u: PatrolUnit) -> str:
        task = u.task
        if not u.on_duty:
            return "off duty"
        if task is None:
            return "on its beat"
        if task.kind == "respond":
            return f"responding to incident {task.incident.id}"
        return "holding" if task.kind == "hold" else "processing an apprehension"

    def _incident(self, iid: int) -> Incident:
        inc = next((i for i in self.centre.incidents if i.id == iid), None)
        if inc is None:
            if iid in self.centre.closed:  # (dropped from the open list when the next incident opened)
                raise OrderRefused(f"incident {iid} is closed")
            raise OrderRefused(f"no incident {iid} of {self.centre.name}")
        return inc

    def _open_incident(self, iid: int) -> Incident:
        self._decides()
        inc = self._incident(iid)
        if not inc.open:
            raise OrderRefused(f"incident {iid} is closed")
        return inc

    def _received(self, aid: int) -> Alert:
        a = self.centre.received.get(aid)
        if a is None:
            raise OrderRefused(f"{self.centre.name} has received no alert {aid}")
        return a

    def _partner(self, name: str) -> CommandCentre:
        self._decides()
        others = [n for n in self.model.coordination.centres if n != self.centre.name]
        if name not in others:
            raise OrderRefused(f"no partner {name!r}; allowed: {', '.join(others)}")
        return self.model.coordination.centres[name]

    def _cell(self, node: int) -> int:
        n = self.model.world.terrain.n_nodes
        if not 0 <= node < n:
            raise OrderRefused(f"no cell {node}; allowed: 0..{n - 1}")
        return int(node)

    # --- carrying out --------------------------------------------------------------------
    def _release(self, u: PatrolUnit) -> Incident | None:
        """Drop the unit's response (its incident stays open for another unit)."""
        task = u.task
        inc = task.incident if task is not None and task.kind == "respond" else None
        if inc is not None and inc.unit is u:
            inc.unit = None
        u.task = None
        return inc

    def _free(self, u: PatrolUnit) -> None:
        self._log_free(u)
        u.process.interrupt("recall")

    def _log_free(self, u: PatrolUnit) -> None:
        m = self.model
        m.log.record(m.now, "unit_free", unit=u.params.id, agency=u.params.agency, node=u.node_at(m.now))

    def _log(self, kind: str, detail: str, reason: str = "", partner: str = "", **cols) -> None:
        m, c = self.model, self.centre
        if partner:  # share / mou: the partner, in the unit_agency column
            cols["unit_agency"] = partner
        elif 0 <= cols.get("unit", -1) < len(m.world.units):
            cols["unit_agency"] = m.unit(cols["unit"]).params.agency
        seat = {"agency": c.name, "seat": c.name, "told": c.told, "source": self.source, "reason": reason}
        m.log.record(m.now, kind, detail=detail, **seat, **cols)


def _about(inc: Incident) -> int:
    """The group an incident is about, as its first alert says (-1: a false alarm or a cell)."""
    return inc.alerts[0].attempt if inc.alerts else -1


def _responding(u: PatrolUnit, inc: Incident) -> bool:
    return u.task is not None and u.task.kind == "respond" and u.task.incident is inc


class _Refusals:
    """Context for an order's checks: an OrderRefused raised inside is logged (`order_refused`)
    and raised again; nothing was changed."""

    def __init__(self, orders: Orders, order: str, cols: dict) -> None:
        self.orders, self.order, self.cols = orders, order, cols

    def __enter__(self) -> None:
        problem = malformed(self.cols)
        if problem:  # refused before any check reads the arguments
            self._log(problem)
            raise OrderRefused(problem)
        return None

    def __exit__(self, typ, exc, tb) -> bool:
        if isinstance(exc, OrderRefused):
            self._log(str(exc))
        return False

    def _log(self, reason: str) -> None:
        """The order_refused row, with the arguments that are well formed."""
        cols = {k: int(v) for k, v in self.cols.items() if k != "partner" and _whole(v)}
        partner = self.cols.get("partner", "")
        partner = partner if isinstance(partner, str) else ""
        self.orders._log("order_refused", self.order, reason=reason, partner=partner, **cols)


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def malformed(args: dict) -> str:
    """What is wrong with an order's arguments ('' if nothing): ids and cells are whole numbers
    (not text, a fraction or True), a partner is a centre's name."""
    for key, value in args.items():
        if key == "partner":
            if not isinstance(value, str):
                return f"partner: got {value!r}; allowed: a centre's name"
        elif not _whole(value):
            return f"{key}: got {value!r}; allowed: a whole number (an id or a cell)"
    return ""
