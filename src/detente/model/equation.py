"""How an equation is written once: a numba function inlined into the kernel, also callable from Python.

``@equation`` compiles a scalar function with ``inline="always"`` (numba splices it into its caller, so
composing small equations costs nothing). ``pure(f)`` is the same function uncompiled, calling the
uncompiled versions of the equations it uses; ``vectorised(f)`` applies ``pure(f)`` elementwise.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit
from numba.core.dispatcher import Dispatcher

equation = njit(inline="always", cache=True, error_model="numpy")
"""Decorator: a scalar model equation (inlined into compiled callers; ``f.py_func`` is the Python source)."""

_PURE: dict[Any, Callable[..., Any]] = {}


def pure(f: Any) -> Callable[..., Any]:
    """The uncompiled twin of a numba function: its Python code, with every numba function it calls uncompiled."""
    if not isinstance(f, Dispatcher):
        return f
    if f in _PURE:
        return _PURE[f]
    py = f.py_func
    scope = dict(py.__globals__)
    twin = types.FunctionType(py.__code__, scope, py.__name__, py.__defaults__, py.__closure__)
    twin.__doc__ = py.__doc__
    _PURE[f] = twin
    for name in py.__code__.co_names:
        if isinstance(scope.get(name), Dispatcher):
            scope[name] = pure(scope[name])
    return twin


def vectorised(f: Any) -> Callable[..., Any]:
    """``pure(f)`` applied elementwise over broadcast numpy arrays (for history replay, tables and tests)."""
    py = pure(f)

    def one(*args: Any) -> Any:  # numpy scalars, so x/0 is inf as in compiled code, not ZeroDivisionError
        return py(*(np.float64(a) if type(a) is float else a for a in args))

    return np.vectorize(one, doc=py.__doc__)
