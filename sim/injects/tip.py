"""tip: a report reaches an agency's command centre as an alert (source "tip"): about group
`attempt` (at `node`, or where the group is at that moment), or a false tip at `node`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sim.injects.base import Inject, InjectParams
from sim.params import param


@dataclass(frozen=True)
class TipParams(InjectParams):
    windowed: ClassVar[bool] = False

    agency: str = param("", ref="agency", required=True, doc="The agency whose command centre receives the tip.")
    node: int = param(
        -1, ge=-1, ref="node", unit="node id", doc="The reported cell (−1: where the group is when the tip comes)."
    )
    attempt: int = param(
        -1,
        ge=-1,
        ref="attempt",
        unit="attempt id",
        doc="The group the tip is about (−1: a "
        "false tip at `node`). If the group is no longer on the move, nothing is reported.",
    )

    def check(self) -> list[str]:
        out = super().check()
        if self.attempt < 0 and self.node < 0:
            out.append("node: a tip needs the group it is about (`attempt`) or a cell (`node`)")
        return out


class Tip(Inject):
    name = "tip"
    Params = TipParams
    alert_source = "tip"

    def apply(self) -> None:
        m, s = self.model, self.params
        group = m.attempts.get(s.attempt)
        if s.attempt >= 0 and (group is None or not group.active or group.at_port):
            return  # the group is gone, or hidden in port traffic: nobody sees it (the inject stays logged)
        node = s.node if s.node >= 0 else group.timeline.node_at(m.now)
        m.raise_alert(s.agency, node, s.attempt, "tip")
