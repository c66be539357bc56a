"""What a point evaluates: the detente model, the Ishigami test function, or any ``module:object``.

A model has four methods. ``prepare`` and ``check`` run once in the parent; ``content`` gives the
canonical text a cell's hash covers; ``evaluate`` runs in workers and must be a pure function of
(base, overrides, cell, seed, runs) so that results never depend on the executor.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import re
from typing import Any, Protocol

import numpy as np

from detente.errors import DetenteError, ExperimentError
from detente.experiments.spec import Experiment, Outcome
from detente.scenario.overrides import variant_problems

STAT_FUNCS = {
    "mean": np.mean,
    "median": np.median,
    "std": lambda x: np.std(x, ddof=1) if len(x) > 1 else 0.0,
    "min": np.min,
    "max": np.max,
    "sum": np.sum,
    "q05": lambda x: np.quantile(x, 0.05),
    "q25": lambda x: np.quantile(x, 0.25),
    "q75": lambda x: np.quantile(x, 0.75),
    "q95": lambda x: np.quantile(x, 0.95),
}


class Model(Protocol):
    """The evaluation seam of the experiment runner."""

    def prepare(self, experiment: Experiment) -> Any:
        """A picklable base object (e.g. the loaded scenario) shipped to workers."""

    def check(self, experiment: Experiment, base: Any) -> list[str]:
        """Problems with the experiment for this model (empty if fine)."""

    def content(
        self, base: Any, overrides: dict[str, Any], world: str | None, conditions: tuple[str, ...]
    ) -> str:
        """Canonical text of what a point evaluates (hashed into the cell key)."""

    def evaluate(
        self,
        base: Any,
        overrides: dict[str, Any],
        world: str | None,
        conditions: tuple[str, ...],
        seed: int,
        runs: int,
        outcomes: tuple[Outcome, ...],
        per_run: bool,
    ) -> tuple[dict[str, float], Any]:
        """Outcome values and, if ``per_run``, a per-run pandas DataFrame."""


def outcome_values(
    summary: dict[str, Any], runs_frame: Any, outcomes: tuple[Outcome, ...]
) -> dict[str, float]:
    """The requested outcomes from a summary mapping and a per-run frame (KeyError names a missing one)."""
    out: dict[str, float] = {}
    for o in outcomes:
        if o.summary is not None:
            if o.summary not in summary:
                raise KeyError(f"summary value {o.summary!r}; available: {', '.join(sorted(summary))}")
            out[o.name] = float(summary[o.summary])
        else:
            if runs_frame is None or o.column not in runs_frame.columns:
                cols = [] if runs_frame is None else list(runs_frame.columns)
                raise KeyError(f"per-run column {o.column!r}; available: {', '.join(map(str, cols))}")
            out[o.name] = float(STAT_FUNCS[o.stat](np.asarray(runs_frame[o.column], dtype=float)))
    return out


class DetenteModel:
    """Points are scenario overrides; each point is ``detente.simulate(scenario, runs, seed, world, conditions)``."""

    def prepare(self, experiment: Experiment) -> Any:
        from detente.scenario.load import load_scenario

        source = experiment.spec.scenario or ""
        path = experiment.base_dir / source
        try:
            return load_scenario(path if path.is_file() else source)
        except DetenteError as exc:
            raise ExperimentError([f"{experiment.where('scenario')}: {p}" for p in exc.problems]) from None

    def check(self, experiment: Experiment, base: Any) -> list[str]:
        from detente.experiments.design import to_values

        spec = experiment.spec
        problems = []
        middle = [dict.fromkeys(p.paths, to_values(p, np.array([0.5]))[0]) for p in spec.parameters]
        try:  # one validation for all parameters; one each only to name the ones that fail
            base.apply({k: v for point in middle for k, v in point.items()}, origin="parameters")
        except DetenteError:
            for i, (param, point) in enumerate(zip(spec.parameters, middle, strict=True)):
                try:
                    base.apply(point, origin=param.label)
                except DetenteError as exc:
                    problems += [f"{experiment.where('parameters', i, 'path')}: {p}" for p in exc.problems]
        cross = spec.cross
        named: list[tuple[tuple[Any, ...], str, str | None]] = [(("world",), "worlds", spec.world)]
        named += [(("cross", "worlds", i), "worlds", w) for i, w in enumerate((cross and cross.worlds) or [])]
        named += [(("conditions", i), "conditions", c) for i, c in enumerate(spec.conditions)]
        named += [
            (("cross", "conditions", i), "conditions", c)
            for i, c in enumerate((cross and cross.conditions) or [])
        ]
        for path, kind, name in named:
            problems += [f"{experiment.where(*path)}: {p}" for p in variant_problems(base, **{kind: [name]})]
        return problems + sweep_cost_problems(experiment, base)

    def content(
        self, base: Any, overrides: dict[str, Any], world: str | None, conditions: tuple[str, ...]
    ) -> str:
        return base.apply(overrides).cell(world=world, conditions=conditions).canonical_json()

    def evaluate(
        self,
        base: Any,
        overrides: dict[str, Any],
        world: str | None,
        conditions: tuple[str, ...],
        seed: int,
        runs: int,
        outcomes: tuple[Outcome, ...],
        per_run: bool,
    ) -> tuple[dict[str, float], Any]:
        import detente

        scenario = base.apply(overrides)
        res = detente.simulate(scenario, runs=runs, seed=seed, world=world, conditions=tuple(conditions))
        frame = res.runs if (per_run or any(o.column for o in outcomes)) else None
        return outcome_values(res.summary(), frame, outcomes), (frame if per_run else None)


def sweep_cost_problems(experiment: Experiment, base: Any) -> list[str]:
    """The whole sweep's runs x months x issues x points against the cost limit (checked before any work)."""
    from detente.experiments.spec import design_rows, n_cells
    from detente.limits import cost_problem

    spec = experiment.spec
    points = design_rows(spec) * n_cells(spec)
    problem = cost_problem("runs", spec.runs, int(base.horizon), len(base.issues), points, "points")
    return [f"{experiment.where('runs')}: {problem.removeprefix('runs: ')}"] if problem else []


class IshigamiModel:
    """The Ishigami function f = sin x1 + a sin² x2 + b x3⁴ sin x1 (a=7, b=0.1): known Sobol indices.

    ``model_options``: ``a``, ``b``, ``noise`` (sd of per-run Gaussian noise, drawn from the counter RNG),
    ``delay`` (seconds to sleep per point; for crash tests). Parameters are named ``x1``, ``x2``, ``x3``.
    """

    def prepare(self, experiment: Experiment) -> Any:
        opts = {"a": 7.0, "b": 0.1, "noise": 0.0, "delay": 0.0}
        unknown = set(experiment.spec.model_options) - set(opts)
        if unknown:
            raise ExperimentError(
                f"{experiment.where('model_options')}: unknown option(s) {sorted(unknown)} "
                f"for model 'ishigami'; expected: {', '.join(opts)}"
            )
        for key, value in experiment.spec.model_options.items():
            ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or (key in ("noise", "delay") and value < 0):
                raise ExperimentError(
                    f"{experiment.where('model_options', key)}: expected a finite"
                    f"{' non-negative' if key in ('noise', 'delay') else ''} number, got {value!r}"
                )
        opts.update(experiment.spec.model_options)
        return opts

    def check(self, experiment: Experiment, base: Any) -> list[str]:
        return [
            f"{experiment.where('parameters', i, 'path')}: expected x1, x2 or x3 for model 'ishigami', got {p.path!r}"
            for i, p in enumerate(experiment.spec.parameters)
            if not set(p.paths) <= {"x1", "x2", "x3"}
        ]

    def content(
        self, base: Any, overrides: dict[str, Any], world: str | None, conditions: tuple[str, ...]
    ) -> str:
        opts = {k: v for k, v in base.items() if k != "delay"}
        return json.dumps(
            {"ishigami": opts, "x": overrides, "world": world, "conditions": list(conditions)},
            sort_keys=True,
            separators=(",", ":"),
        )

    def evaluate(
        self,
        base: Any,
        overrides: dict[str, Any],
        world: str | None,
        conditions: tuple[str, ...],
        seed: int,
        runs: int,
        outcomes: tuple[Outcome, ...],
        per_run: bool,
    ) -> tuple[dict[str, float], Any]:
        import time

        import pandas as pd

        from detente.rng import uniforms

        if base["delay"]:
            time.sleep(float(base["delay"]))
        x1, x2, x3 = (float(overrides.get(k, 0.0)) for k in ("x1", "x2", "x3"))
        f = math.sin(x1) + base["a"] * math.sin(x2) ** 2 + base["b"] * x3**4 * math.sin(x1)
        run = np.arange(runs)
        y = np.full(runs, f)
        if base["noise"]:
            u = uniforms(seed, run, 0, np.arange(2))
            y = y + base["noise"] * np.sqrt(-2 * np.log1p(-u[:, 0])) * np.cos(2 * np.pi * u[:, 1])
        frame = pd.DataFrame({"run": run, "y": y})
        summary = {"y": float(np.mean(y)), "f": f, "p_positive": float(np.mean(y > 0))}
        return outcome_values(summary, frame, outcomes), (frame if per_run else None)


_MODELS: dict[str, str] = {
    "detente": "detente.experiments.models:DetenteModel",
    "ishigami": "detente.experiments.models:IshigamiModel",
}


_METHODS = ("prepare", "check", "content", "evaluate")
_TARGET = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def model_problem(name: str) -> str | None:
    """Why ``name`` is not a usable model (None if it is): see ``get_model``."""
    try:
        get_model(name)
    except ExperimentError as exc:
        return exc.problems[0].removeprefix("model: ")
    return None


def get_model(name: str) -> Model:
    """The model of an experiment: a bundled name, or ``package.module:object`` of an installed package whose
    object (class or instance) has the four methods of ``Model``.

    A file cannot make detente import just anything: standard-library modules are refused, a module must
    be importable (installed, not merely next to the file), and the object must fit the protocol.
    """
    import sys

    if name in _MODELS:
        target = _MODELS[name]
    elif not _TARGET.match(name):
        return _refuse(
            f"unknown model {name!r}; expected one of {', '.join(_MODELS)} or 'package.module:object' "
            "(an installed model class)"
        )
    else:
        target = name
        top = name.split(".", 1)[0].split(":", 1)[0]
        if top in sys.stdlib_module_names or top == "builtins":
            return _refuse(f"{name!r} is in the Python standard library, not a detente model")
        try:
            found = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return _refuse(f"cannot import {name!r}: no installed module {top!r}")
    module, _, attr = target.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        return _refuse(f"cannot import {target!r} ({exc})")
    missing = [m for m in _METHODS if not callable(getattr(obj, m, None))]
    if missing:
        return _refuse(
            f"{name!r} is not a detente model: it lacks {', '.join(missing)} "
            "(see detente.experiments.models.Model)"
        )
    try:
        return obj() if isinstance(obj, type) else obj
    except Exception as exc:  # a plug-in's constructor is foreign code: report, do not crash
        return _refuse(f"{name!r}: cannot create the model ({type(exc).__name__}: {exc})")


def _refuse(message: str) -> Model:
    raise ExperimentError(f"model: {message}")
