"""detente: simulate how rival powers build, lose and rebuild trust.

The public API is imported lazily so that ``import detente`` (and the CLI's ``--help``) stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = [
    "bundled_scenarios", "experiment", "load_results", "load_scenario", "play", "simulate", "sweep_results",
]  # fmt: skip

_LAZY = {
    "load_scenario": ("detente.scenario.load", "load_scenario"),
    "bundled_scenarios": ("detente.scenario.load", "bundled_scenarios"),
    "simulate": ("detente.engine.simulate", "simulate"),
    "experiment": ("detente.analysis.factorial", "experiment"),
    "load_results": ("detente.experiments.store", "load_results"),
    "play": ("detente.play", "play"),
    "sweep_results": ("detente.experiments.results", "sweep_results"),
}

if TYPE_CHECKING:
    from detente.analysis.factorial import experiment
    from detente.engine.simulate import simulate
    from detente.experiments.results import sweep_results
    from detente.experiments.store import load_results
    from detente.play import play
    from detente.scenario.load import bundled_scenarios, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'detente' has no attribute {name!r}")
