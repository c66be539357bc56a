"""detente.engine."""
