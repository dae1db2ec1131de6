"""Who may join a multi-seat exercise: one unguessable token per seat (the trainer's and one per
command centre), and who is connected now.

Tokens are made by `python -m sim.drill --seats` (secrets.token_urlsafe: 128 bits), printed as
links for the trainer and handed to the server in its environment; a page opened with an unknown
or missing token shows nothing of the exercise. The server decides what a token may see and do:
a seat's orders are checked against its own centre (sim/agents/orders.py), never the page's word.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections import Counter

TRAINER = "trainer"


class SeatBook:
    """Tokens -> seats, and the pages connected per seat (thread-safe)."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = dict(tokens)
        self._lock = threading.Lock()
        self._connected: Counter[str] = Counter()

    @classmethod
    def new(cls, seats: list[str]) -> SeatBook:
        """A fresh token for the trainer and for each seat."""
        return cls({secrets.token_urlsafe(16): name for name in [TRAINER, *seats]})

    @classmethod
    def from_json(cls, text: str) -> SeatBook:
        return cls(json.loads(text))

    def to_json(self) -> str:
        return json.dumps(self.tokens)

    def who(self, token: str) -> str | None:
        """The seat of `token`, or None (compared in constant time, every token tried)."""
        found = None
        for known, seat in self.tokens.items():
            if hmac.compare_digest(known.encode(), (token or "").encode()):
                found = seat
        return found

    def token_of(self, seat: str) -> str:
        return next(t for t, s in self.tokens.items() if s == seat)

    def links(self, base: str) -> dict[str, str]:
        """Seat -> its link (`base` is the server's address, e.g. http://127.0.0.1:8765)."""
        return {seat: f"{base.rstrip('/')}/?seat={token}" for token, seat in self.tokens.items()}

    def connect(self, seat: str) -> None:
        with self._lock:
            self._connected[seat] += 1

    def disconnect(self, seat: str) -> None:
        with self._lock:
            self._connected[seat] -= 1

    def connected(self) -> dict[str, int]:
        """Pages open per seat now (0 for a seat nobody has joined)."""
        with self._lock:
            return {seat: max(0, self._connected[seat]) for seat in self.tokens.values()}
