"""Agent families: one module each (smugglers, patrols, sensors, command centres)."""
