"""Experiment files refuse absurd sizes, bad seeds, non-finite numbers and unknown models, naming file and line."""

from __future__ import annotations

import json
import math
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ExperimentError
from detente.experiments.runner import make_executor, sweep
from detente.experiments.spec import design_rows, load_experiment, n_cells
from detente.limits import MAX_SEED

PI = math.pi


def spec(**extra: object) -> dict:
    """A small Ishigami experiment (three parameters) with ``extra`` fields."""
    base = {
        "name": "ish",
        "model": "ishigami",
        "parameters": [{"path": f"x{i}", "range": [-PI, PI]} for i in (1, 2, 3)],
        "design": {"kind": "lhs", "n": 4},
        "runs": 1,
        "outcomes": ["y"],
    }
    base.update(extra)
    return base


def problems(data: dict) -> list[str]:
    with pytest.raises(ExperimentError) as info:
        load_experiment(data)
    return info.value.problems


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent(text))
    return path


FILE = """\
name: ish
model: ishigami
parameters:
  - {path: x1, range: [-3, 3]}
  - {path: x2, range: [-3, 3]}
  - {path: x3, range: [-3, 3]}
design: {kind: lhs, n: 4}
runs: 1
seed: 0
outcomes: [y]
"""


# --- sizes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("design", "params", "rows"),
    [
        ({"kind": "full_factorial", "levels": 5}, 3, 5**3),
        ({"kind": "lhs", "n": 37}, 3, 37),
        ({"kind": "sobol", "n": 16}, 3, 16 * (3 + 2)),
        ({"kind": "sobol", "n": 16, "calc_second_order": True}, 3, 16 * (2 * 3 + 2)),
        ({"kind": "morris", "trajectories": 10}, 2, 10 * (2 + 1)),
    ],
)
def test_design_size_is_computed_without_building_it(design: dict, params: int, rows: int) -> None:
    exp = load_experiment(spec(design=design, parameters=spec()["parameters"][:params]))
    assert design_rows(exp.spec) == rows
    assert n_cells(exp.spec) == 1


def test_full_factorial_counts_levels_parameters_by_their_own_levels() -> None:
    params = [
        {"path": "x1", "levels": [1, 2]},
        {"path": "x2", "range": [0, 1]},
        {"path": "x3", "range": [0, 1]},
    ]
    exp = load_experiment(spec(parameters=params, design={"kind": "full_factorial", "levels": 7}))
    assert design_rows(exp.spec) == 2 * 7 * 7


def test_huge_designs_are_refused_before_anything_is_allocated() -> None:
    # 2^40 Sobol' base points would need terabytes; refused from arithmetic alone.
    msgs = problems(spec(design={"kind": "sobol", "n": 2**40}))
    assert len(msgs) == 1
    assert "design: 5,497,558,138,880 design points is over the limit of 1,000,000" in msgs[0]
    assert "DETENTE_MAX_DESIGN_POINTS" in msgs[0]
    params = [{"path": f"x{i}", "range": [0, 1]} for i in range(40)]
    msgs = problems(
        spec(model="ishigami", parameters=params, design={"kind": "full_factorial", "levels": 101})
    )
    assert any("design: more than 2^63 design points" in m for m in msgs)


def test_cells_multiply_the_design_and_the_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    crossed = spec(
        model="ishigami",
        design={"kind": "lhs", "n": 30},
        cross={"worlds": ["a", "b"], "conditions": ["c", "d"]},
    )
    monkeypatch.setenv("DETENTE_MAX_DESIGN_POINTS", "200")
    msg = problems(crossed)[0]
    assert "design: 240 design points (30 rows x 8 cells) is over the limit of 200" in msg
    monkeypatch.setenv("DETENTE_MAX_DESIGN_POINTS", "240")
    assert n_cells(load_experiment(crossed).spec) == 8


def test_runs_crossed_conditions_and_workers_have_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert any(
        "runs: 10,000,001 runs per point is over the limit" in m for m in problems(spec(runs=10_000_001))
    )
    many = spec(cross={"conditions": [f"c{i}" for i in range(17)]})
    assert any(
        "cross.conditions: 17 crossed conditions" in m and "DETENTE_MAX_CONDITIONS" in m
        for m in problems(many)
    )
    with pytest.raises(ExperimentError, match="--workers: 257 worker processes is over the limit of 256"):
        make_executor(257)
    with pytest.raises(ExperimentError, match="DETENTE_MAX_WORKERS"):
        make_executor(1, dask_local=10_000)
    monkeypatch.setenv("DETENTE_MAX_RUNS", "20000000")
    assert load_experiment(spec(runs=10_000_001)).spec.runs == 10_000_001


def test_size_errors_carry_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, FILE.replace("n: 4", "n: 2000000").replace("runs: 1", "runs: 99999999999"))
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    text = "\n".join(info.value.problems)
    assert f"{path}:7: design: 2,000,000 design points is over the limit" in text
    assert f"{path}:8: runs: 99,999,999,999 runs per point is over the limit" in text


# --- seeds and numbers ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_SEED))
def test_every_64_bit_seed_is_kept_exactly(seed: int) -> None:
    exp = load_experiment(spec(seed=seed, design={"kind": "lhs", "n": 4, "seed": seed}))
    assert exp.spec.seed == seed and exp.spec.design_seed == seed


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SEED + 1), st.booleans(), st.floats()))
def test_seeds_outside_64_bits_are_refused_not_wrapped(seed: object) -> None:
    for data in (spec(seed=seed), spec(design={"kind": "lhs", "n": 4, "seed": seed})):
        msgs = problems(data)
        assert any("seed: expected a whole number from 0 to 2^64-1" in m for m in msgs), msgs


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_in_every_numeric_field(tmp_path: Path, bad: float) -> None:
    params = spec()["parameters"]
    cases = {
        "parameters.0.range": spec(parameters=[{"path": "x1", "range": [0, bad]}, *params[1:]]),
        "parameters.0.levels": spec(parameters=[{"path": "x1", "levels": [0.5, bad]}, *params[1:]]),
        "parameters.0.distribution": spec(
            parameters=[
                {"path": "x1", "distribution": {"dist": "uniform", "low": 0, "high": bad}},
                *params[1:],
            ]
        ),
        "runs": spec(runs=bad),
        "design.n": spec(design={"kind": "lhs", "n": bad}),
    }
    for field, data in cases.items():
        msgs = problems(data)
        assert any(f": {field}" in m for m in msgs), (field, msgs)
    store = tmp_path / "never.duckdb"
    with pytest.raises(ExperimentError, match=r"model_options\.noise: expected a finite non-negative number"):
        sweep(load_experiment(spec(model_options={"noise": bad})), store)
    assert not store.exists()


@pytest.mark.parametrize("field", ["runs", "seed"])
def test_booleans_are_not_numbers(field: str) -> None:
    assert any(f"{field}:" in m and "True" in m for m in problems(spec(**{field: True})))


def test_undefined_outcomes_are_stored_as_null_and_json_is_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from detente.cli import app
    from detente.experiments.models import IshigamiModel

    monkeypatch.setattr(IshigamiModel, "evaluate", lambda self, *a, **k: ({"y": math.nan}, None))
    store = tmp_path / "s.duckdb"
    sweep(load_experiment(spec()), store)
    result = CliRunner().invoke(app, ["results", "ish", "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert len(rows) == 4 and all(r["y"] is None for r in rows)


# --- models -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("os:system", "standard library, not a detente model"),
        ("subprocess:run", "standard library"),
        ("antigravity:x", "standard library"),
        ("no_such_package_h5.mod:Model", "no installed module 'no_such_package_h5'"),
        ("pandas:DataFrame", "is not a detente model: it lacks prepare, check, content, evaluate"),
        ("detente:nothing_here", "cannot import 'detente:nothing_here'"),
        ("import os", "unknown model 'import os'"),
        ("banana", "unknown model 'banana'; expected one of detente, ishigami"),
    ],
)
def test_a_model_must_resolve_to_a_detente_model(tmp_path: Path, model: str, expected: str) -> None:
    path = write(tmp_path, FILE.replace("model: ishigami", f"model: '{model}'"))
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith(f"{path}:2: model: ")
    assert expected in info.value.problems[0]


def test_an_installed_object_with_the_model_methods_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "h5_plugin_model.py").write_text(
        "from detente.experiments.models import IshigamiModel\n\nclass Plugged(IshigamiModel):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    exp = load_experiment(spec(model="h5_plugin_model:Plugged"))
    report = sweep(exp, tmp_path / "s.duckdb")
    assert report.computed == 4
    sys.modules.pop("h5_plugin_model", None)


def test_a_refused_experiment_leaves_no_store_behind(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with pytest.raises(ExperimentError) as info:
        sweep(load_experiment(write(tmp_path, FILE.replace("outcomes: [y]", "outcomes: [nope]"))), store)
    assert (
        f"{tmp_path / 'exp.yaml'}:10: outcomes: the model has no summary value 'nope'"
        in info.value.problems[0]
    )
    with pytest.raises(ExperimentError, match="--resume: no results store"):
        sweep(load_experiment(spec()), store, resume=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.yaml"]


def test_unknown_worlds_conditions_and_paths_name_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        name: w
        scenario: reset-2009
        world: nowhere
        conditions: [inclusion, bogus]
        cross:
          conditions: [shared_threat, nope]
        parameters:
          - {path: sides.R.elite.eta, range: [0.02, 0.15]}
          - {path: sides.R.nosuch, range: [0.02, 0.15]}
        design: {kind: lhs, n: 4}
        runs: 10
        outcomes: [p_durable]
        """,
    )
    with pytest.raises(ExperimentError) as info:
        sweep(load_experiment(path), tmp_path / "s.duckdb")
    text = "\n".join(info.value.problems)
    assert f"{path}:3: world: unknown world 'nowhere'" in text
    assert f"{path}:4: conditions.1: unknown condition 'bogus'" in text
    assert f"{path}:6: cross.conditions.1: unknown condition 'nope'" in text
    assert f"{path}:9: parameters.1.path:" in text
    assert not (tmp_path / "s.duckdb").exists()


def test_a_detente_sweep_is_refused_over_the_cost_limit(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        name: big
        scenario: reset-2009
        parameters:
          - {path: sides.R.elite.eta, range: [0.02, 0.15]}
        design: {kind: lhs, n: 100000}
        runs: 100000
        outcomes: [p_durable]
        """,
    )
    with pytest.raises(ExperimentError) as info:
        sweep(load_experiment(path), tmp_path / "s.duckdb")
    (message,) = info.value.problems
    assert message.startswith(f"{path}:6: runs: ") and "run-months-issues" in message
    assert "DETENTE_MAX_COST" in message
    assert not (tmp_path / "s.duckdb").exists()


def test_sizes_too_large_for_a_float_and_bad_outcome_names_are_refused() -> None:
    msgs = problems(spec(runs=10**400))
    assert any("runs: a 401-digit number of runs per point is over the limit" in m for m in msgs)
    assert any("design: more than 2^63" in m for m in problems(spec(design={"kind": "lhs", "n": 10**400})))
    assert any("outcomes.0:" in m for m in problems(spec(outcomes=["../escape"])))
