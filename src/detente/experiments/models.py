"""What a point evaluates: the detente model, the Ishigami test function, or any ``module:object``.

A model has four methods. ``prepare`` and ``check`` run once in the parent; ``content`` gives the
canonical text a cell's hash covers; ``evaluate`` runs in workers and must be a pure function of
(base, overrides, cell, seed, runs) so that results never depend on the executor.
"""

from __future__ import annotations

import importlib
import json
import math
from typing import Any, Protocol

import numpy as np

from detente.errors import DetenteError, ExperimentError
from detente.experiments.spec import Experiment, Outcome

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
            raise ExperimentError([f"{experiment.source}: scenario: {p}" for p in exc.problems]) from None

    def check(self, experiment: Experiment, base: Any) -> list[str]:
        spec = experiment.spec
        problems = []
        for i, param in enumerate(spec.parameters):
            from detente.experiments.design import to_values

            try:
                value = to_values(param, np.array([0.5]))[0]
                base.apply(dict.fromkeys(param.paths, value), origin=param.label)
            except DetenteError as exc:
                problems += [f"{experiment.source}: parameters.{i}.path: {p}" for p in exc.problems]
        worlds = [spec.world, *((spec.cross.worlds or []) if spec.cross else [])]
        for w in worlds:
            if w is not None and w not in base.worlds:
                problems.append(
                    f"{experiment.source}: world: unknown world {w!r}; "
                    f"scenario {base.name!r} has: {', '.join(base.worlds) or 'none'}"
                )
        conds = [*spec.conditions, *((spec.cross.conditions or []) if spec.cross else [])]
        for c in conds:
            if c not in base.conditions:
                problems.append(
                    f"{experiment.source}: conditions: unknown condition {c!r}; "
                    f"scenario {base.name!r} has: {', '.join(base.conditions) or 'none'}"
                )
        return problems

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
                f"{experiment.source}: model_options: unknown option(s) {sorted(unknown)} "
                f"for model 'ishigami'; expected: {', '.join(opts)}"
            )
        opts.update(experiment.spec.model_options)
        return opts

    def check(self, experiment: Experiment, base: Any) -> list[str]:
        return [
            f"{experiment.source}: parameters.{i}.path: expected x1, x2 or x3 for model 'ishigami', got {p.path!r}"
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

        from detente.engine.random import uniforms

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


def get_model(name: str) -> Model:
    """The model of an experiment: a registered name or an importable ``module:object`` (class or instance)."""
    target = _MODELS.get(name, name)
    if ":" not in target:
        raise ExperimentError(
            f"model: unknown model {name!r}; expected one of {', '.join(_MODELS)} or 'package.module:object'"
        )
    module, _, attr = target.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ExperimentError(f"model: cannot import {target!r} ({exc})") from None
    return obj() if isinstance(obj, type) else obj
