"""detente.scenario."""
