"""liaison: after handling one of its own credible alerts, a centre passes it to its partner
agencies after an exponential delay, through the comms layer (relays, outages, stripped
locations); a passed alert is lost with `loss_prob` and never passed on again."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.coordination.base import Coordination
from sim.params import param
from sim.rng import addressed_uniform

if TYPE_CHECKING:
    from sim.agents.command import Alert, CommandCentre


def _share_sources() -> list[str]:
    return ["tower", "drone", "patrol", "partner_tip", "community_tip", "tip"]


@dataclass(frozen=True)
class LiaisonParams:
    share_delay_min: float = param(
        15.0,
        ge=0,
        unit="min",
        doc="Mean (exponential) delay before a passed alert "
        "reaches a partner. 0 = at once. A relay adds `comms.relay_delay_min`.",
        source="UE 15 min (`inter_agency_info_delay_min = 15` in REFERENCE-FIGURES' "
        'suggested defaults, "Command / coordination"; only anecdotes exist, e.g. ~20 '
        "min saved by an sUAS cue, Inside Unmanned Systems [N], §7): **modelling guess**",
    )
    loss_prob: float = param(
        0.1,
        ge=0,
        le=1,
        unit="prob.",
        doc="Chance that a passed alert is lost (`alert_lost`, source `lost`).",
        source="**modelling guess**",
    )
    partners: dict[str, list[str]] = param(
        factory=dict,
        ref="agency",
        doc="Agency → the agencies it informs. An "
        "agency that is not listed informs every other agency; `[]` informs "
        "none.",
    )
    share_sources: list[str] = param(
        factory=_share_sources,
        ref="alert_source",
        doc="Alert sources that are passed on: sensor types "
        "(`tower`, `ground`, `drone`, or a plug-in's), `patrol` (a unit's report of a group it may not "
        "arrest), `partner_tip`, `community_tip`, `tip` (a tip inject, e.g. a "
        "trainer's), or the source of a plug-in inject's alerts (its `alert_source`).",
        source="**modelling guess**. `tower` and `drone` alerts are an operator's sighting on camera. "
        "`ground` is left out because raw "
        "ground-sensor hits are mostly false alarms: > 90% of responses to UGS alerts "
        "were false (DHS OIG-06-15 [P via N], §2).",
    )

    def check(self) -> list[str]:
        """An agency informs others, each once (itself: its alert would queue again at its own
        centre and could open a second incident; a partner twice: two copies of every alert)."""
        out = []
        for agency, partners in self.partners.items():
            if agency in partners:
                out.append(f"partners.{agency}: lists {agency} itself; allowed: the other agencies it informs")
            twice = sorted({p for p in partners if partners.count(p) > 1})
            if twice:
                out.append(f"partners.{agency}: lists {', '.join(twice)} more than once; allowed: each partner once")
        return out


class Liaison(Coordination):
    name = "liaison"
    Params = LiaisonParams

    def after_handling(self, centre: CommandCentre, alert: Alert) -> None:
        p = self.params
        if alert.shared_from or alert.source not in p.share_sources:
            return  # liaison officers pass on their own agency's credible alerts, not hearsay
        partners = sorted(p.partners.get(centre.name, (a for a in self.centres if a != centre.name)))  # not in
        # the order agencies or partners are listed: the scenario file's order of names must not change the log
        key, seed = centre.draw_key(alert), self.model.seed
        for partner in partners:  # each copy's delay and loss drawn for it alone (sim.rng.addressed_uniform)
            draw = f"liaison:{key}:{partner}"
            delay = (
                -p.share_delay_min * math.log(addressed_uniform(seed, f"{draw}:delay"))
                if p.share_delay_min > 0
                else 0.0
            )
            lost = addressed_uniform(seed, f"{draw}:lost") < p.loss_prob
            self.model.comms.send(centre.name, self.centres[partner], alert, delay, lost)
