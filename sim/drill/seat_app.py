"""A seat's page of a multi-seat exercise: its own picture (sim/drill/picture.py) on a map it can
pan, zoom and click (sim/drill/seatmap.py), its inbox of incidents and alerts, and its orders.

On the map: click a unit (U3) to select it, then an incident (I4) or any point of the terrain to
send it there; click an alert (A12) or an incident to open it (logged as a look); hover for
details. The panel beside the map carries out the other orders on what is selected (recall,
hold, share an alert, ask a partner for MOU support, close an incident, acknowledge), and a form
gives every dispatch without the map. Every order goes to the session, which checks it against
this seat's centre; a refusal is shown in words and nothing happens.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import solara

from analysis.labels import clock
from sim.drill.mapview import MapPainter
from sim.drill.picture import ALERT_WINDOW_MIN, Picture
from sim.drill.seatmap import Backdrop, SeatMap, backdrop, markers
from sim.drill.seats import SeatBook
from sim.drill.session import DrillSession
from sim.drill.watch import watch

INBOX_ALERTS = 12  # alerts listed in the inbox, newest first


@dataclass
class Exercise:
    """The one exercise a seat server runs: the session, the seats' tokens, the trainer's map
    painter, and each seat's terrain image (drawn once, on first use)."""

    session: DrillSession
    book: SeatBook
    painter: MapPainter
    _backdrops: dict[str, Backdrop] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def colour(self, seat: str) -> str:
        return self.painter.colours.get(seat, "#333333")

    def backdrop(self, seat: str) -> Backdrop:
        """The seat's terrain image: its own jurisdiction outlined (every agency's for a shared centre)."""
        with self._lock:
            if seat not in self._backdrops:
                colours = self.painter.colours
                own = {seat: colours[seat]} if seat in colours else dict(colours)
                self._backdrops[seat] = backdrop(self.session.world, own)
            return self._backdrops[seat]


@solara.component
def SeatPage(ex: Exercise, seat: str) -> None:
    """A seat joins: counted as connected while its page is open; its picture comes back whole
    when it reconnects (it lives in the session, not the page)."""
    version = solara.use_reactive(0)

    def joined():
        ex.book.connect(seat)
        ex.session.touch()  # the trainer sees who is connected
        return watch(ex.session, version, lambda: (ex.book.disconnect(seat), ex.session.touch()))

    solara.use_effect(joined, [])
    SeatBody(ex, seat, revision=version.value)


@solara.component
def SeatBody(ex: Exercise, seat: str, revision: int = 0) -> None:
    """The seat's map, panel, inbox and feed; `revision` (the session's, on screen) redraws it."""
    session = ex.session
    pic = session.picture(seat)
    selected, set_selected = solara.use_state("")  # a marker id: U3, I4, A12, S7
    message, set_message = solara.use_state("")
    b = ex.backdrop(seat)
    human = pic.mode == "human"

    def act(action: str, **args) -> None:
        try:
            set_message(session.order(seat, action, **args))
        except ValueError as exc:
            set_message(f"refused: {exc}")
        except Exception as exc:  # noqa: BLE001  (no input ends an exercise)
            set_message(f"refused: the order could not be carried out ({type(exc).__name__}: {exc})")

    def look(action: str, ident: str) -> None:
        try:
            kind, num = ident[0], int(ident[1:])
            session.look(seat, action, **({"alert": num} if kind == "A" else {"incident": num}))
        except ValueError as exc:
            set_message(f"refused: {exc}")

    def on_marker(ident: str) -> None:
        if ident.startswith("I") and selected.startswith("U") and human:
            act("dispatch", unit=int(selected[1:]), incident=int(ident[1:]))
            set_selected("")
            return
        if ident[0] in "AI":
            look("open", ident)
        set_selected(ident)

    def on_point(where: dict) -> None:
        node = b.node_at(float(where.get("x", 0.0)), float(where.get("y", 0.0)))
        if selected.startswith("U") and human:
            act("dispatch", unit=int(selected[1:]), node=node)
            set_selected("")
        else:
            set_message(f"cell {node}" + (": select a unit first to send it there" if human else ""))

    solara.Title(f"Seat: {seat}")
    state = "drill over" if pic.finished else "playing" if pic.playing else "paused by the trainer"
    who = "you decide" if human else "watching: the automatic dispatcher decides"
    with solara.Column(style={"padding": "8px"}):
        with solara.Row(style={"align-items": "baseline"}):
            solara.Text(
                f"Seat: {seat.replace('_', ' ')} ({who})",
                style={"font-size": "22px", "font-weight": "bold"},
                classes=["seat-name"],
            )
            solara.Text(f"{clock(pic.now)}  (minute {pic.now:g})", classes=["seat-clock"], style={"font-size": "18px"})
            solara.Text(state, classes=["seat-state"])
        with solara.Columns([3, 1]):
            with solara.Column():
                hint = (
                    "scroll or +/-: zoom, drag: pan, hover: details; click a unit, then an incident or a point"
                    if human
                    else "scroll or +/-: zoom, drag: pan, hover: details"
                )
                SeatMap(
                    image=b.image,
                    markers=markers(pic, b, ex.colour(seat), ALERT_WINDOW_MIN),
                    selected=selected,
                    hint=hint,
                    event_marker=on_marker,
                    event_point=on_point,
                )
                if message:
                    solara.Text(message, classes=["seat-message"], style={"display": "block", "margin": "4px 0"})
                Inbox(pic, look, set_selected)
            with solara.Column():
                Selected(pic, selected, act, look)
                if human:
                    DispatchForm(pic, act, set_message, session.world.terrain.n_nodes)
                with solara.Card("Your feed"):
                    with solara.Column(
                        style={"max-height": "360px", "overflow-y": "auto", "font-family": "monospace"}
                        | {"font-size": "12px"},
                        classes=["seat-feed"],
                    ):
                        for line in pic.feed[:80]:
                            solara.Text(line)


@solara.component
def Selected(pic: Picture, selected: str, act, look) -> None:
    """What is selected, and the orders that apply to it."""
    human = pic.mode == "human"
    partner, set_partner = solara.use_state("")
    with solara.Card("Selected", classes=["seat-selected"]):
        if not selected:
            solara.Text("nothing: click a unit, an incident or an alert on the map")
            return
        kind, num = selected[0], int(selected[1:])
        if kind == "U":
            u = next((x for x in pic.units if x.id == num), None)
            solara.Text(f"unit {num}" + (f" ({u.group}): {u.state}, cell {u.node}" if u else ": not yours"))
            if human and u is not None:
                solara.Text("click an incident or a point on the map to send it there")
                with solara.Row():
                    solara.Button("Recall", on_click=lambda: act("recall", unit=num), classes=["seat-recall"])
                    solara.Button("Hold", on_click=lambda: act("hold", unit=num), classes=["seat-hold"])
        elif kind == "I":
            inc = next((x for x in pic.incidents if x.id == num), None)
            if inc is None:
                solara.Text(f"incident {num} is closed")
                return
            alerts = ", ".join(f"A{a}" for a in inc.alerts) or "none (a point)"
            on = f"unit {inc.unit} on it" if inc.unit >= 0 else inc.hint
            solara.Text(f"incident {num}, opened {clock(inc.opened)}, cell {inc.node}; alerts {alerts}; {on}")
            if human:
                with solara.Row():
                    # the send button keeps its place (disabled once a unit is on it, or with none to
                    # suggest): a double click on it must not land on the button beside it, Close
                    sendable = inc.unit < 0 and inc.hint_unit >= 0
                    solara.Button(
                        f"Send unit {inc.hint_unit}" if sendable else "Send a unit",
                        on_click=lambda: act("dispatch", unit=inc.hint_unit, incident=num),
                        disabled=not sendable,
                        classes=["seat-send-suggested"],
                    )
                    solara.Button("Close", on_click=lambda: act("close", incident=num), classes=["seat-close"])
                    solara.Button("Acknowledge", on_click=lambda: look("ack", selected), classes=["seat-ack"])
                if pic.mou_partners:
                    solara.Select(
                        "ask for support (MOU)", value=partner, values=list(pic.mou_partners), on_value=set_partner
                    )
                    solara.Button(
                        "Ask for support",
                        on_click=lambda: act("mou", incident=num, partner=partner),
                        disabled=not partner,
                        classes=["seat-mou"],
                    )
        elif kind == "A":
            a = next((x for x in pic.alerts if x.id == num), None)
            solara.Text(f"{a.words()}, cell {a.node}" if a else f"alert {num}: not received")
            if human and a is not None:
                solara.Select("share with", value=partner, values=list(pic.partners), on_value=set_partner)
                with solara.Row():
                    solara.Button(
                        "Share",
                        on_click=lambda: act("share", alert=num, partner=partner),
                        disabled=not partner,
                        classes=["seat-share"],
                    )
                    solara.Button("Acknowledge", on_click=lambda: look("ack", selected), classes=["seat-ack"])
        else:
            s = next((x for x in pic.sensors if x.id == num), None)
            solara.Text(f"{s.type} {s.id}: {s.state}, cell {s.node}" if s else f"sensor {num}")


@solara.component
def DispatchForm(pic: Picture, act, say, cells: int) -> None:
    """Dispatch without the map: a unit, and an incident or a cell number. An incomplete form or
    a cell that is not a number is answered on the page: it is not an order (nothing is logged)."""
    unit, set_unit = solara.use_state("")
    target, set_target = solara.use_state("")
    cell, set_cell = solara.use_state("")
    free = [str(u.id) for u in pic.units if u.free]
    targets = [f"incident {i.id}" for i in pic.incidents] + ["a cell"]

    def send() -> None:
        if not unit or not target:
            say("not sent: choose a unit and where to send it")
        elif target == "a cell":
            try:
                node = int(cell.strip())
            except ValueError:
                node = -1
            if node < 0:
                say(f"not sent: cell {cell.strip()!r} is not a cell number; allowed: 0..{cells - 1}")
                return
            act("dispatch", unit=int(unit), node=node)
        else:
            act("dispatch", unit=int(unit), incident=int(target.split()[1]))

    with solara.Card("Dispatch (form)", classes=["seat-form"]):
        solara.Select("unit", value=unit, values=free, on_value=set_unit)
        solara.Select("to", value=target, values=targets, on_value=set_target)
        if target == "a cell":
            solara.InputText("cell", value=cell, on_value=set_cell, continuous_update=True)
        solara.Button("Dispatch", on_click=send, color="primary", classes=["seat-dispatch"])


@solara.component
def Inbox(pic: Picture, look, select) -> None:
    """Open incidents (with the suggestion of the automatic dispatcher) and the latest alerts."""
    with solara.Card("Inbox", classes=["seat-inbox"]):
        if not pic.incidents and not pic.alerts:
            solara.Text("nothing yet")
        for inc in pic.incidents:
            on = f"unit {inc.unit} on it" if inc.unit >= 0 else inc.hint
            with solara.Row(style={"align-items": "center"}):
                solara.Button(f"I{inc.id}", on_click=lambda i=f"I{inc.id}": (look("open", i), select(i)), text=True)
                solara.Text(f"incident {inc.id}, opened {clock(inc.opened)}: {on}", classes=["seat-incident"])
        for a in pic.alerts[:INBOX_ALERTS]:
            with solara.Row(style={"align-items": "center"}):
                solara.Button(f"A{a.id}", on_click=lambda i=f"A{a.id}": (look("open", i), select(i)), text=True)
                solara.Text(a.words(), classes=["seat-alert"])
