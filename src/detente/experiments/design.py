"""Sampling designs: full factorial, Latin hypercube, Sobol'/Saltelli and Morris (SALib), crossed with cells.

A design is built in the unit cube, then each column is mapped onto its parameter by inverse CDF (ranges
and distributions) or by binning (levels). Designs are pure functions of the spec, so a resumed sweep
rebuilds exactly the same points.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.experiments.spec import Experiment, Parameter


@dataclass(frozen=True)
class Cell:
    """A world and a set of conditions applied on top of a design row."""

    world: str | None
    conditions: tuple[str, ...]
    flags: tuple[tuple[str, bool], ...] = ()

    @property
    def label(self) -> str:
        """Readable label, e.g. ``spiral | inclusion+shared_threat``."""
        conds = "+".join(self.conditions) or "status quo"
        return conds if self.world is None else f"{self.world} | {conds}"


@dataclass(frozen=True)
class DesignPoint:
    """One point of an experiment: a design row in a cell, with its parameter values."""

    point: int
    row: int
    cell: Cell
    values: dict[str, Any]
    unit: tuple[float, ...]


@dataclass(frozen=True)
class Design:
    """The rows of the design (unit coordinates and values) and the cells they are crossed with."""

    kind: str
    names: tuple[str, ...]
    unit: np.ndarray
    values: list[dict[str, Any]]
    cells: tuple[Cell, ...]

    @property
    def n_rows(self) -> int:
        """Number of design rows (before crossing with cells)."""
        return len(self.values)

    def points(self) -> list[DesignPoint]:
        """Every (row, cell) as a point; point = row * n_cells + cell index."""
        out = []
        for row, values in enumerate(self.values):
            unit = tuple(float(u) for u in self.unit[row])
            for c, cell in enumerate(self.cells):
                out.append(DesignPoint(row * len(self.cells) + c, row, cell, values, unit))
        return out


def salib_problem(names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The SALib problem of a design: every parameter on [0, 1] (the unit cube the design is built in)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def unit_design(experiment: Experiment) -> np.ndarray:
    """The design in the unit cube, one row per design row, one column per parameter."""
    spec = experiment.spec
    design = spec.design
    d = len(spec.parameters)
    seed = spec.design_seed
    names = tuple(p.label for p in spec.parameters)
    if design.kind == "full_factorial":
        axes = [_unit_levels(p, design.levels) for p in spec.parameters]
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, d)
    if design.kind == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(design.n)
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(
            salib_problem(names), design.n, calc_second_order=design.calc_second_order, seed=seed
        )
    from SALib.sample import morris

    return morris.sample(salib_problem(names), design.trajectories, num_levels=design.levels, seed=seed)


def _unit_levels(param: Parameter, levels: int) -> list[float]:
    if param.levels is not None:
        k = len(param.levels)
        return [0.5] if k == 1 else [i / (k - 1) for i in range(k)]
    if param.distribution is not None:
        return [(i + 0.5) / levels for i in range(levels)]
    return [i / (levels - 1) for i in range(levels)]


def to_values(param: Parameter, u: np.ndarray) -> list[Any]:
    """Map unit coordinates onto a parameter's values."""
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    if param.range is not None:
        lo, hi = param.range
        return [float(x) for x in lo + (hi - lo) * u]
    if param.distribution is not None:
        return [float(x) for x in param.distribution.ppf(u)]
    levels = param.levels or []
    idx = np.minimum((u * len(levels)).astype(int), len(levels) - 1)
    if len(levels) > 1 and np.all(np.isclose(u * (len(levels) - 1), np.round(u * (len(levels) - 1)))):
        idx = np.round(u * (len(levels) - 1)).astype(int)  # exact grid (full factorial, Morris grids)
    return [levels[i] for i in idx]


def cells(experiment: Experiment) -> tuple[Cell, ...]:
    """The cells every design row is evaluated in: the fixed world/conditions times the crossed factors."""
    spec = experiment.spec
    fixed = tuple(spec.conditions)
    worlds: list[str | None] = [spec.world]
    crossed: list[str] = []
    if spec.cross is not None:
        worlds = list(spec.cross.worlds or [spec.world])
        crossed = list(spec.cross.conditions or [])
    out = []
    for world in worlds:
        for on in itertools.product((False, True), repeat=len(crossed)):
            conds = fixed + tuple(c for c, flag in zip(crossed, on, strict=True) if flag)
            out.append(Cell(world, conds, tuple(zip(crossed, on, strict=True))))
    return tuple(out)


def build_design(experiment: Experiment) -> Design:
    """The experiment's design: unit coordinates, parameter values per row, and its cells."""
    spec = experiment.spec
    unit = unit_design(experiment)
    columns = [to_values(p, unit[:, j]) for j, p in enumerate(spec.parameters)]
    names = tuple(p.label for p in spec.parameters)
    values = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return Design(spec.design.kind, names, unit, values, cells(experiment))


def point_seed(experiment: Experiment, point: DesignPoint) -> int:
    """The seed of a point: the experiment's seed (common random numbers) or one derived per row."""
    spec = experiment.spec
    if spec.seeds == "common":
        return spec.seed
    from detente.rng import mix64

    with np.errstate(over="ignore"):
        key = mix64(
            np.asarray([spec.seed], dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
            + np.uint64(point.row + 1)
        )
    return int(key[0] >> np.uint64(1))
