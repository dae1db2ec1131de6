"""The live drill app (Solara): map, clock controls, counters, event feed and inject controls.

Without seats, each browser session gets its own DrillSession (use_memo in OwnDrill), so two
trainees never share a run. With seats (`python -m sim.drill --seats`), one exercise is shared by
every page: the trainer's link shows ground truth, the controls, the injects and who is
connected; each centre's link shows that seat's page (sim/drill/seat_app.py); a page without a
known token shows nothing. The play loop runs in the session's worker thread and never renders;
each page redraws through its own watcher thread (sim/drill/watch.py), at most twice a second.
The world (terrain, placements) is built once per configuration and shared read-only.

Started by `python -m sim.drill` (sim/drill/__main__.py), which passes the configuration in
the environment (BORDER_DRILL_OVERRIDES: the Hydra overrides as JSON; BORDER_DRILL_OUT;
with seats BORDER_DRILL_SEATS, the tokens, and BORDER_DRILL_HUMAN, the centres seats decide for).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

import solara

from sim.config import SCENARIO_DIR, compose
from sim.drill.forms import FormField, form_values, inject_form
from sim.drill.mapview import MapPainter
from sim.drill.seat_app import Exercise, SeatPage
from sim.drill.seats import TRAINER, SeatBook
from sim.drill.session import DrillSession, View, clock
from sim.drill.watch import watch
from sim.injects import INJECTS
from sim.world import World, build_world

DOUBLE_CLICK_S = 2.0  # the same inject again within this many seconds is a double click, not an order


@dataclass(frozen=True)
class DrillConfig:
    overrides: tuple[str, ...]  # Hydra overrides, as for python -m sim.run (scenario=..., seed=...)
    out_root: Path
    seats: str = ""  # the seats' tokens (SeatBook JSON); "" = one drill per browser tab
    human: tuple[str, ...] = ()  # the centres whose seats decide

    @classmethod
    def from_env(cls) -> DrillConfig:
        return cls(
            tuple(json.loads(os.environ.get("BORDER_DRILL_OVERRIDES", '["scenario=tri_agency"]'))),
            Path(os.environ.get("BORDER_DRILL_OUT", "outputs/drills")),
            os.environ.get("BORDER_DRILL_SEATS", ""),
            tuple(json.loads(os.environ.get("BORDER_DRILL_HUMAN", "[]"))),
        )


@dataclass(frozen=True)
class Prepared:
    world: World
    painter: MapPainter
    origin: str
    seed: int


@lru_cache(maxsize=2)
def prepare(overrides: tuple[str, ...]) -> Prepared:
    """Build the world once per configuration (shared, read-only, by every session)."""
    c = compose(list(overrides))
    world = build_world(c.scenario, c.origin, base_dir=str(SCENARIO_DIR))
    return Prepared(world, MapPainter(world), c.origin, c.run.seed)


def new_session(config: DrillConfig) -> DrillSession:
    """A new drill with its own model and its own log directory."""
    p = prepare(config.overrides)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    out = config.out_root / f"{p.world.scenario.name}-{stamp}"
    return DrillSession(p.world, p.seed, out, p.origin, human=config.human)


@lru_cache(maxsize=1)
def exercise(config: DrillConfig) -> Exercise:
    """The one exercise every seat of this server joins (made by the first page that opens)."""
    session = new_session(config)
    return Exercise(session, SeatBook.from_json(config.seats), prepare(config.overrides).painter)


@solara.component
def InjectPanel(session: DrillSession, view: View) -> None:
    """Pick an inject type, fill its fields (built from the inject's declared parameters,
    sim/drill/forms.py), start it now. A refusal shows the checker's message; nothing fires."""
    types = INJECTS.names()
    type_, set_type = solara.use_state(types[0])
    values, set_values = solara.use_state({})  # type: ignore[var-annotated]
    message, set_message = solara.use_state("")
    last = solara.use_ref(None)  # the inject fired last from this panel, and when
    groups = [str(g) for g, _ in view.groups]
    fields = inject_form(type_, session)

    def current(f: FormField):
        if f.name in values:
            return values[f.name]
        if f.kind == "group":
            return groups[0] if groups else ""
        return f.default

    def submit() -> None:
        filled = {f.name: current(f) for f in fields}
        this = (type_, repr(sorted(filled.items())))
        if last.current is not None and last.current[0] == this:  # a double click (while playing, a tick
            # may fall between its clicks): the same inject at the same minute, or within a second or two
            _, minute, when = last.current
            if minute == session.now or time.monotonic() - when < DOUBLE_CLICK_S:
                set_message(
                    f"not fired: the same {type_} inject was fired at {clock(minute)} a moment ago; "
                    "to fire it twice, step the clock (or wait a few seconds while playing) or change a field"
                )
                return
        try:
            name = session.inject(type_, **form_values(type_, filled))
            last.current = (this, session.now, time.monotonic())
            set_message(f"injected {name} at {clock(session.now)}")
        except ValueError as exc:
            set_message(f"refused: {exc}")
        except Exception as exc:  # noqa: BLE001  (nothing a trainer types may end the exercise)
            set_message(f"refused: the inject could not be made ({type(exc).__name__}: {exc}); nothing was fired")

    with solara.Card("Inject", classes=["drill-injects"]):
        solara.Select(
            label="type", value=type_, values=types, on_value=lambda t: (set_type(t), set_values({}), set_message(""))
        )
        for f in fields:
            setter = (lambda n: lambda val: set_values({**values, n: val}))(f.name)
            if f.kind == "choice":
                solara.Select(label=f.label, value=current(f), values=list(f.options), on_value=setter)
            elif f.kind == "choices":
                solara.SelectMultiple(
                    label=f.label, values=list(current(f)), all_values=list(f.options), on_value=setter
                )
            elif f.kind == "group":
                solara.Select(label=f.label, value=current(f), values=[""] + groups, on_value=setter)
            else:
                solara.InputText(label=f.label, value=str(current(f)), on_value=setter, continuous_update=True)
        solara.Button("Inject now", on_click=submit, color="warning", classes=["drill-inject"], disabled=view.finished)
        if message:
            solara.Text(message, classes=["drill-inject-message"], style={"display": "block", "margin-top": "6px"})


@solara.component
def Feed(lines: list[str]) -> None:
    """The latest events, newest first, in a scrolling box."""
    with solara.Card("Event feed"):
        with solara.Column(
            style={"max-height": "420px", "overflow-y": "auto", "font-family": "monospace", "font-size": "12px"},
            classes=["drill-feed"],
        ):
            for line in lines:
                solara.Text(line)


@solara.component
def Counters(counters: dict) -> None:
    """The counters of sim/drill/session.py (COUNTERS): distinct groups and events kept apart."""
    with solara.Row(classes=["drill-counters"]):
        for key, value in counters.items():
            solara.Info(f"{key}: {value}", dense=True)


@solara.component
def Controls(session: DrillSession, view: View) -> None:
    with solara.Row(classes=["drill-controls"]):
        if view.playing:
            solara.Button("Pause", on_click=session.pause, icon_name="mdi-pause", classes=["drill-pause"])
        else:
            solara.Button(
                "Play", on_click=session.play, icon_name="mdi-play", classes=["drill-play"], disabled=view.finished
            )
        solara.Button("Step", on_click=session.step, classes=["drill-step"], disabled=view.finished)
        solara.SliderFloat(
            "ticks per second",
            value=session.speed,
            min=0.5,
            max=20.0,
            step=0.5,
            on_value=lambda v: setattr(session, "speed", v),
        )
        solara.Text(
            f"{clock(view.now)}  (minute {view.now:g})",
            classes=["drill-clock"],
            style={"font-size": "18px", "font-weight": "bold"},
        )
        if view.finished:
            solara.Text("drill over: the log is saved", classes=["drill-over"])
        if view.error:
            solara.Error(view.error, classes=["drill-error"])


@solara.component
def SeatsPanel(ex: Exercise, connected: dict[str, int]) -> None:
    """The trainer's list of seats: each one's link, whether a seat or the automatic dispatcher
    decides for it, and how many pages are connected (`connected`, read by the caller so that a
    change redraws this)."""
    with solara.Card("Seats", classes=["drill-seats"]):
        for seat in ex.session.seats:
            mode = "human: its seat decides" if seat in ex.session.human else "auto: the automatic dispatcher decides"
            on = connected.get(seat, 0)
            with solara.Row(style={"align-items": "center"}):
                solara.Text(
                    f"{seat.replace('_', ' ')} ({mode}): {'connected' if on else 'not connected'}"
                    + (f" ({on} pages)" if on > 1 else ""),
                    classes=[f"drill-seat-{seat}"],
                )
                link = f"/?seat={ex.book.token_of(seat)}"
                solara.Button("link", href=link, target="_blank", text=True, classes=["drill-seat-link"])


@solara.component
def Page() -> None:
    """The drill's one route: a drill per tab, or (with seats) the page the link's token names."""
    config = solara.use_memo(DrillConfig.from_env, [])
    token = parse_qs(solara.use_router().search or "").get("seat", [""])[0]
    if not config.seats:
        OwnDrill(config)
        return
    ex = exercise(config)
    seat = ex.book.who(token)
    if seat is None:
        solara.Title("Drill")
        solara.Error("This link names no seat of the exercise: ask the trainer for yours.", classes=["drill-refused"])
    elif seat == TRAINER:
        TrainerPage(ex)
    else:
        SeatPage(ex, seat)


@solara.component
def OwnDrill(config: DrillConfig) -> None:
    """A drill of this tab alone (no seats): closed when the tab goes."""
    session = solara.use_memo(lambda: new_session(config), [])
    version = solara.use_reactive(0)  # the session revision on screen
    solara.use_effect(lambda: watch(session, version, session.close), [])
    DrillBody(session, prepare(config.overrides).painter, revision=version.value)  # a new value redraws it


@solara.component
def TrainerPage(ex: Exercise) -> None:
    """The trainer of a multi-seat exercise: the drill page and the seats. Closing it pauses
    nothing: the trainer may come back with the same link."""
    version = solara.use_reactive(0)

    def joined():
        ex.book.connect(TRAINER)
        return watch(ex.session, version, lambda: ex.book.disconnect(TRAINER))

    solara.use_effect(joined, [])
    DrillBody(ex.session, ex.painter, ex, revision=version.value)


@solara.component
def DrillBody(session: DrillSession, painter: MapPainter, ex: Exercise | None = None, revision: int = 0) -> None:
    """The trainer's view of a drill: ground truth, controls, counters, injects, feed (and the
    seats of a multi-seat exercise `ex`); `revision`, the session revision on screen, redraws it."""
    view = session.view()
    solara.Title(f"Drill: {session.world.scenario.name}")
    with solara.Column(style={"padding": "8px"}):
        solara.Text(f"Drill: {session.world.scenario.name}", style={"font-size": "22px", "font-weight": "bold"})
        solara.Text(f"{session.world.scenario.description} | log: {session.out_dir}")
        Controls(session, view)
        Counters(view.counters)
        with solara.Columns([3, 1]):
            with solara.Column():
                solara.FigureMatplotlib(
                    painter.draw(view.map, f"{clock(view.now)}: ground truth for the trainer"),
                    format="png",
                    bbox_inches="tight",  # the legend right of the map is kept whole
                )
            with solara.Column():
                if ex is not None:
                    SeatsPanel(ex, ex.book.connected())
                InjectPanel(session, view)
                Feed(view.feed)
