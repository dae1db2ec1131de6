"""Agent-based border operations simulator (Mesa agents, one SimPy clock, terrain graph)."""

__version__ = "0.1.0"
