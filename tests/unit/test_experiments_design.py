"""Designs: sizes, stratification, level mapping, crossing with cells, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from detente.experiments.design import build_design, point_seed, to_values
from detente.experiments.spec import Parameter, load_experiment


def exp(design: dict, params: list[dict] | None = None, **extra: object):
    params = params or [{"path": "x1", "range": [0, 1]}, {"path": "x2", "range": [-1, 1]}]
    return load_experiment(
        {"model": "ishigami", "parameters": params, "design": design, "outcomes": ["y"], **extra}
    )


def test_full_factorial_is_every_combination() -> None:
    d = build_design(
        exp(
            {"kind": "full_factorial", "levels": 3},
            [{"path": "x1", "range": [0, 1]}, {"path": "x2", "levels": ["a", "b"]}],
        )
    )
    assert d.n_rows == 6
    assert sorted((v["x1"], v["x2"]) for v in d.values) == [(x, c) for x in (0.0, 0.5, 1.0) for c in "ab"]


def test_lhs_is_stratified_in_every_dimension() -> None:
    d = build_design(exp({"kind": "lhs", "n": 20}))
    for j in range(2):
        assert sorted(np.floor(d.unit[:, j] * 20).astype(int)) == list(range(20))
    assert all(-1 <= v["x2"] <= 1 for v in d.values)


@pytest.mark.parametrize(("second", "rows"), [(False, 16 * 4), (True, 16 * 6)])
def test_sobol_sizes(second: bool, rows: int) -> None:
    assert build_design(exp({"kind": "sobol", "n": 16, "calc_second_order": second})).n_rows == rows


def test_morris_size_and_grid() -> None:
    d = build_design(exp({"kind": "morris", "trajectories": 5, "levels": 4}))
    assert d.n_rows == 5 * 3
    assert set(np.round(d.unit.ravel() * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}


def test_designs_are_pure_functions_of_the_spec() -> None:
    for design in ({"kind": "lhs", "n": 9}, {"kind": "sobol", "n": 8}, {"kind": "morris", "trajectories": 3}):
        assert np.array_equal(build_design(exp(design)).unit, build_design(exp(design)).unit)
    assert not np.array_equal(
        build_design(exp({"kind": "lhs", "n": 9})).unit,
        build_design(exp({"kind": "lhs", "n": 9}, seed=1)).unit,
    )


def test_value_mapping() -> None:
    tri = Parameter(path="a", distribution={"dist": "triangular", "low": 0, "mode": 0, "high": 1})
    assert to_values(tri, np.array([0.0, 1.0])) == [0.0, 1.0]
    lev = Parameter(path="a", levels=["x", "y", "z"])
    assert to_values(lev, np.array([0.0, 0.5, 1.0])) == ["x", "y", "z"]
    assert to_values(lev, np.array([0.1, 0.4, 0.9])) == ["x", "y", "z"]


def test_cells_cross_worlds_and_conditions() -> None:
    e = exp(
        {"kind": "lhs", "n": 3}, cross={"worlds": ["w1", "w2"], "conditions": ["a", "b"]}, conditions=["c"]
    )
    d = build_design(e)
    assert len(d.cells) == 8
    assert {cell.conditions for cell in d.cells} == {("c",), ("c", "a"), ("c", "b"), ("c", "a", "b")}
    points = d.points()
    assert [p.point for p in points] == list(range(24))
    assert all(p.values == d.values[p.row] for p in points)


def test_seeds_common_or_per_row() -> None:
    common = exp({"kind": "lhs", "n": 4}, seed=5)
    pts = build_design(common).points()
    assert {point_seed(common, p) for p in pts} == {5}
    per = exp({"kind": "lhs", "n": 4}, seed=5, seeds="per_point", cross={"conditions": ["a"]})
    seeds = {p.row: point_seed(per, p) for p in build_design(per).points()}
    assert len(set(seeds.values())) == 4
    assert all(point_seed(per, p) == seeds[p.row] for p in build_design(per).points())
