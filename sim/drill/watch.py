"""Redrawing a page when its drill changed, from one watcher thread per page."""

from __future__ import annotations

import threading
from collections.abc import Callable

import solara

from sim.drill.session import DrillSession

REFRESH_S = 0.5  # a page redraws at most this often while playing


def watch(session: DrillSession, version: solara.Reactive[int], on_close: Callable[[], None] = lambda: None):
    """Redraw the page when the session changed, at most every REFRESH_S, from one watcher
    thread per page. The play thread never renders: renders requested faster than they finish
    would keep Solara's message loop busy re-rendering and the page would never hear of them.
    Returns the cleanup (for use_effect): stop watching, then `on_close`."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(REFRESH_S):
            if session.revision != version.value:
                version.value = session.revision

    threading.Thread(target=run, name="drill-watch", daemon=True).start()  # inherits the page's kernel

    def cleanup() -> None:
        stop.set()
        on_close()

    return cleanup
