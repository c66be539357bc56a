"""detente.experiments."""
