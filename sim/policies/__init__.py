"""Pluggable decision rules: patrol (sim.policies.patrol), routing (sim.policies.routing) and
reaction (sim.policies.reaction) policies, each a plug-in family of its own."""
