"""detente.model."""
