"""Pluggable decision rules, each registered under the name scenario files use."""

from sim.policies.patrol import PATROL_POLICIES, PatrolPolicy
from sim.policies.reaction import REACTIONS, Reaction
from sim.policies.routing import ROUTING_POLICIES, RoutingPolicy

__all__ = ["PATROL_POLICIES", "REACTIONS", "ROUTING_POLICIES", "PatrolPolicy", "Reaction", "RoutingPolicy"]
