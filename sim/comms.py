"""Communications between agencies: relays between non-interoperable agencies, links that are
down (injects), data-sharing rules that strip the precise location from a passed alert."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sim.agents.command import Alert

if TYPE_CHECKING:
    from sim.agents.command import CommandCentre
    from sim.model import BorderModel


class Comms:
    def __init__(self, model: BorderModel) -> None:
        self.model = model
        self.spec = model.world.scenario.comms
        self.relayed = {frozenset(p) for p in self.spec.non_interoperable}
        self.stripped = {tuple(p) for p in self.spec.strip_location}
        self.outages: list[tuple[frozenset, float, float]] = []

    def cut(self, a: str, b: str, start: float, end: float) -> None:
        self.outages.append((frozenset((a, b)), start, end))

    def link_up(self, a: str, b: str, t: float) -> bool:
        pair = frozenset((a, b))
        return not any(p == pair and t0 <= t < t1 for p, t0, t1 in self.outages)

    def send(self, sender: str, receiver: CommandCentre, alert: Alert, delay: float, lost: bool) -> None:
        """Pass `alert` from centre `sender` to `receiver`: logged as alert_shared or alert_lost."""
        m, now = self.model, self.model.now
        why = "comms_down" if not self.link_up(sender, receiver.name, now) else "lost" if lost else ""
        if why:
            m.log.record(
                now,
                "alert_lost",
                alert=alert.id,
                agency=sender,
                attempt=alert.attempt,
                detail=receiver.name,
                source=why,
            )
            return
        relayed = frozenset((sender, receiver.name)) in self.relayed
        delay += self.spec.relay_delay_min if relayed else 0.0
        copy = replace(
            alert,
            id=m.next_id("alert"),
            first=alert.first_hand,
            time=now + delay,
            agency=receiver.name,
            shared_from=sender,
            coarse=alert.coarse or (sender, receiver.name) in self.stripped,
        )
        m.log.record(
            now,
            "alert_shared",
            alert=copy.id,
            agency=sender,
            attempt=alert.attempt,
            duration_min=delay,
            detail=receiver.name,
            relayed=relayed,
            coarse=copy.coarse,
        )
        m.at(now + delay, receiver.receive, copy)
