"""Data shipped with detente: the coded West–Russia record and its sources (see README.md)."""
