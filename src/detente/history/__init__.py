"""detente.history."""
