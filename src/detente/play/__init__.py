"""Play mode: a person plays one side of a scenario month by month against the model or a doctrine.

``detente.play(scenario, side, seed, opponent)`` starts a ``Session``. This package is itself callable
(``detente.play(...)`` calls ``session.play``), so ``detente.play`` is both the function and the namespace
(``detente.play.Session``) however it is first reached.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from detente.play import session as _session
from detente.play.session import MODEL, Choice, MonthRecord, Session, opponent_names

__all__ = ["MODEL", "Choice", "MonthRecord", "Session", "opponent_names"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Session:
        return _session.play(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
play = sys.modules[__name__]
"""The package itself: what ``detente.play`` resolves to through the package's lazy API."""
