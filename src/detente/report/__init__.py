"""detente.report."""
