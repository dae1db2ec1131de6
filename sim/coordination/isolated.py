"""isolated: an alert stays with the agency that owns the detecting asset."""

from __future__ import annotations

from sim.coordination.base import Coordination


class Isolated(Coordination):
    name = "isolated"
