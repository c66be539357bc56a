"""The one test base of the §10.8 fact tests: every fact runs through the compiled and the plain-Python path.

``FactBase.f`` maps an ``@equation`` to the callable of the path under test: the numba function itself
(compiled) or ``detente.model.equation.pure(f)`` (the same source uncompiled, calling uncompiled
equations). ``FactBase.backend`` is the matching ``simulate`` backend. ``ENGINE_EQUATIONS`` lists the
equations the facts exercise; ``test_fact_equations_are_what_the_engine_runs`` walks the engine's code
(kernel, reducer, month, compile) and fails if the engine stops calling any of them.
"""

from __future__ import annotations

import inspect
import os
import types
from collections.abc import Callable
from typing import Any

import pytest
from numba.core.dispatcher import Dispatcher

from detente.engine import compile as compile_mod
from detente.engine import kernel
from detente.model import beliefs, elites, games, joining, month, regime
from detente.model.equation import pure

JIT = os.environ.get("NUMBA_DISABLE_JIT") != "1"

ENGINE_EQUATIONS = (
    elites.monthly_hazard,
    elites.cohort_step,
    elites.relative_gains_weight,
    games.relative_gains,
    games.threat_reward,
    games.inclusion_verification,
    games.inclusion_sucker,
    games.verified,
    games.payoffs,
    games.trust_threshold,
    games.would_exploit,
    games.expected_cooperation,
    games.logit_cooperate,
    beliefs.log_odds,
    beliefs.prob,
    beliefs.event_log_lr,
    beliefs.event_evidence,
    beliefs.split_evidence,
    beliefs.event_update,
    beliefs.separating_cost,
    beliefs.signal_update,
    beliefs.observation_likelihoods,
    beliefs.move_evidence,
    beliefs.attributed_evidence,
    beliefs.learning_gain,
    beliefs.learn,
    regime.issue_open,
    regime.regime_label,
    regime.cooperation_index,
    elites.leadership_share,
    elites.expansionist_share,
    elites.drawn_benign,
    games.channel_verification,
    regime.channel_works,
    joining.sustainment_threshold,
    joining.joins,
    joining.join_separating,
    month.channel,
    month.join_decisions,
    month.exploits,
    month.start_run,
    month.slow_variables,
    month.exogenous,
    month.issue_games,
    month.open_issues,
    month.moves,
    month.observe_and_learn,
    month.remember,
    month.month,
    month.month_ci,
)
"""Every equation a fact test calls directly; each must be reachable from the engine's entry points."""


def _python(fn: Any) -> Callable[..., Any]:
    """The Python function behind a numba dispatcher (or behind a wrapper such as mutmut's trampoline)."""
    return inspect.unwrap(fn.py_func if hasattr(fn, "py_func") else fn)


def engine_callees() -> set[Callable[..., Any]]:
    """Plain-Python functions reachable from the kernel, the reducer and the compiler, by name lookup."""
    roots = [kernel.chunk_kernel, kernel.game_table, compile_mod.Compiled.draw, compile_mod._move_evidence]
    seen: set[Any] = set()
    stack = [_python(r) for r in roots]
    while stack:
        fn = stack.pop()
        if fn in seen or not isinstance(fn, types.FunctionType):
            continue
        seen.add(fn)
        codes = [fn.__code__]
        while codes:
            code = codes.pop()
            codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
            for name in code.co_names:
                target = fn.__globals__.get(name)
                if isinstance(target, Dispatcher | types.FunctionType) and (
                    getattr(_python(target), "__module__", "") or ""
                ).startswith("detente."):
                    stack.append(_python(target))
    return seen


def test_fact_equations_are_what_the_engine_runs():
    called = engine_callees()
    missing = [
        f"{_python(f).__module__}.{_python(f).__name__}" for f in ENGINE_EQUATIONS if _python(f) not in called
    ]
    assert not missing, f"fact tests exercise equations the engine does not call: {missing}"
    # and the walk is not vacuous: it does not reach the analytic companions the engine never uses
    for companion in (
        games.effective_threshold,
        games.symmetric_qre,
        beliefs.bayes_posterior,
        elites.half_life,
    ):
        assert _python(companion) not in called, companion.__name__


def test_equations_compile_and_have_a_pure_twin():
    for f in ENGINE_EQUATIONS:
        assert isinstance(f, Dispatcher) == JIT, f
        twin = pure(f)
        assert not isinstance(twin, Dispatcher)
        assert inspect.getsource(twin) == inspect.getsource(_python(f))


class FactBase:
    """Base of the fact tests: the ``f`` fixture runs each test once per path (compiled, python)."""

    @pytest.fixture(params=["compiled", "python"])
    def path(self, request: pytest.FixtureRequest) -> str:
        """The path under test (with NUMBA_DISABLE_JIT=1, as under mutation testing, only the python one)."""
        if request.param == "compiled" and not JIT:
            pytest.skip("numba is disabled: the compiled path is the python path")
        return request.param

    @pytest.fixture
    def f(self, path: str) -> Callable[[Any], Callable[..., Any]]:
        """Map an equation to its callable on this path (and check that it is really that path)."""

        def on_path(fn: Any) -> Callable[..., Any]:
            out = fn if path == "compiled" else pure(fn)
            assert isinstance(out, Dispatcher) == (path == "compiled" and JIT), (fn, path)
            return out

        return on_path

    @pytest.fixture
    def backend(self, path: str) -> str:
        """The ``simulate`` backend of this path."""
        return path
