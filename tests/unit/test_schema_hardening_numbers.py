"""NaN, ±inf, overflowing literals and booleans at EVERY numeric path of the scenario schema are refused.

A rich scenario (the bundled one plus every optional numeric field and each distribution) is walked
along the JSON Schema; each leaf the schema types as a number is a path under test, and a check makes
sure the walk reaches every numeric property the schema has. Each bad value must give ``ScenarioError``
(no other exception, no traceback) with a message naming the field path.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import detente
from detente.errors import ScenarioError
from detente.scenario.load import bundled_path
from detente.scenario.schema import Scenario

SCHEMA = Scenario.model_json_schema()
DEFS = SCHEMA["$defs"]
DISTRIBUTIONS = {"Uniform", "Normal", "Beta", "Triangular", "Choice"}


def _rich() -> dict[str, Any]:
    data = yaml.safe_load(bundled_path("reset-2009").read_text(encoding="utf-8"))
    W, R = data["sides"]["W"], data["sides"]["R"]
    W["belief"]["p0"] = 0.4
    W["elite"]["h0"] = {"dist": "uniform", "low": 0.2, "high": 0.4}
    W["learning"]["kappa"] = {"dist": "beta", "a": 2.0, "b": 5.0, "low": 0.1, "high": 0.5}
    W["behaviour"]["logit_lambda"] = 2.0
    R["type"] = 0.9
    R["elite"]["r_old"] = {"dist": "triangular", "low": 0.3, "mode": 0.4, "high": 0.5}
    R["behaviour"]["rho"] = {"dist": "choice", "values": [0.25, 0.5], "weights": [1.0, 2.0]}
    data["issues"]["security_architecture"]["S"] = {
        "dist": "normal",
        "mean": -4,
        "sd": 1,
        "low": -6,
        "high": 2,
    }
    data["issues"]["arms_control"].update({"R0": 4.0, "T_B": 3.0, "P0": 2.0})
    data["L_max"], data["kappa_tau"] = 6.9, 0.1
    data["schedules"] = {
        "threat": [{"start": "2010-01", "value": 1.0}],
        "inclusion": [{"start": "2011-01", "value": 0.5}],
    }
    data["levers"]["counterfactual_joins"] = [{"side": "R", "date": "2012-01"}]
    data["levers"]["leadership"] = [{"side": "R", "date": "2012-05", "dh": 0.3, "h": 0.6, "type": "draw"}]
    R["elite"].update({"m_old": 0.6, "m_new": 0.1})
    W["behaviour"]["delta"] = 0.8
    data["channel_floor"] = 0.2
    data["levers"]["signals"] = [{"date": "2013-01", "sender": "W", "size": 5.0, "mimic": 0.5, "delta": 0.9}]
    data["events"] = [
        {"date": "2010-03", "actor": "R", "observer": "W", "lr": 2.0, "probability": 0.5},
        {"date": "2010-04", "actor": "W", "observer": "R", "goldstein": -3.0, "valence": -1},
    ]
    data["history"]["events"] = [
        {
            "date": "2000-01-01",
            "actor": "USA",
            "target": "RUS",
            "kind": "cooperate",
            "goldstein": 3.0,
            "dyad_valence": 1,
        },
        {"date": "2001-01-01", "actor": "RUS", "target": "USA", "kind": "accuse", "lr": 2.0},
    ]
    data["history"]["threat"] = [{"start": "1995-01", "value": 0.5}]
    return data


RICH = _rich()


def _deref(node: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    name = None
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = DEFS[name]
    return node, name


def _numeric(node: dict[str, Any]) -> bool:
    """Whether the schema node admits a number directly (not through a nested object)."""
    node, _ = _deref(node)
    if node.get("type") in ("number", "integer"):
        return True
    return any(_numeric(x) for key in ("anyOf", "oneOf") for x in node.get(key, []))


def _branches(node: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str | None]]:
    node, name = _deref(node)
    yield node, name
    for key in ("anyOf", "oneOf"):
        for sub in node.get(key, []):
            yield from _branches(sub)


def _object(node: dict[str, Any], value: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    for branch, name in _branches(node):
        if branch.get("type") != "object":
            continue
        if name in DISTRIBUTIONS and branch["properties"]["dist"].get("const") != value.get("dist"):
            continue
        return branch, name
    return None, None


def _array(node: dict[str, Any]) -> dict[str, Any] | None:
    return next((b for b, _ in _branches(node) if b.get("type") == "array"), None)


def numeric_leaves(value: Any, node: dict[str, Any], path: tuple, owner: tuple, field: tuple) -> Iterator:
    """(path, (model, property), field path to name in messages) of every number the schema types as numeric."""
    if isinstance(value, dict):
        obj, name = _object(node, value)
        if obj is None:
            return
        for key, child in value.items():
            props = obj.get("properties", {})
            here = field if name in DISTRIBUTIONS else (*path, key)
            if key in props:
                yield from numeric_leaves(child, props[key], (*path, key), (name or "Scenario", key), here)
            elif isinstance(obj.get("additionalProperties"), dict):
                yield from numeric_leaves(child, obj["additionalProperties"], (*path, key), owner, here)
    elif isinstance(value, list):
        arr = _array(node)
        if arr is not None:
            for i, child in enumerate(value):
                here = field if owner[0] in DISTRIBUTIONS else (*path, i)
                yield from numeric_leaves(child, arr.get("items", {}), (*path, i), owner, here)
    elif isinstance(value, int | float) and not isinstance(value, bool) and _numeric(node):
        yield path, owner, field


def schema_numeric_properties() -> set[tuple[str, str]]:
    """Every (model, property) of the JSON Schema that holds a number, a list of numbers or a map to numbers."""
    out = set()
    for name, model in [("Scenario", SCHEMA), *DEFS.items()]:
        for prop, node in model.get("properties", {}).items():
            inner = [node]
            for branch, _ in _branches(node):
                inner += [branch.get("items", {}), branch.get("additionalProperties") or {}]
            if any(isinstance(x, dict) and x and _numeric(x) for x in inner):
                out.add((name, prop))
    return out


LEAVES = list(numeric_leaves(RICH, SCHEMA, (), ("Scenario", ""), ()))
INLINE_ROWS = [
    (("history", "events", 0, "goldstein"), ("row", "goldstein"), ("history", "events", 0, "goldstein")),
    (
        ("history", "events", 0, "dyad_valence"),
        ("row", "dyad_valence"),
        ("history", "events", 0, "dyad_valence"),
    ),
    (("history", "events", 1, "lr"), ("row", "lr"), ("history", "events", 1, "lr")),
]
PATHS = LEAVES + INLINE_ROWS
BAD = [float("nan"), float("inf"), float("-inf"), "1e999", "-1e999", 10**400, True, False, "nan"]


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _set(data: Any, path: tuple, value: Any) -> Any:
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _assert_refused(path: tuple, field: tuple, value: Any) -> None:
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(_set(RICH, path, value))
    text = "\n".join(info.value.problems)
    assert f"{_dotted(field)}: " in text, (path, value, text)
    if field != path:  # a distribution argument: the message names it too
        arg = next(p for p in path[len(field) :] if isinstance(p, str))
        assert arg in text, (path, value, text)
    assert "Traceback" not in text and "errors.pydantic.dev" not in text


def test_rich_scenario_is_valid():
    assert isinstance(detente.load_scenario(copy.deepcopy(RICH)), Scenario)


def test_walk_reaches_every_numeric_property_of_the_schema():
    reached = {owner for _, owner, _ in LEAVES}
    missing = schema_numeric_properties() - reached
    assert not missing, f"numeric schema properties not exercised: {sorted(missing)}"
    assert len(LEAVES) >= 60


def test_every_numeric_path_refuses_every_bad_value():
    for path, _, field in PATHS:
        for value in BAD:
            _assert_refused(path, field, value)


@settings(max_examples=150, deadline=None)
@given(
    leaf=st.sampled_from(PATHS),
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not math.isfinite(x)),
        st.integers(min_value=2**1024),
        st.integers(max_value=-(2**1024)),
        st.booleans(),
        st.sampled_from(["1e999", "1.0e+400", "-1E309", "inf", "-Infinity", "NaN", " nan "]),
    ),
)
def test_bad_number_at_any_numeric_path_is_refused_naming_it(leaf, value):
    path, _, field = leaf
    _assert_refused(path, field, value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_bad_number_inside_a_variant_names_variant_and_path(value):
    data = copy.deepcopy(RICH)
    data["conditions"]["generational_change"]["set"]["sides.W.elite.eta"] = value
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(data)
    text = "\n".join(info.value.problems)
    assert "generational_change" in text and "sides.W.elite.eta" in text, text


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("horizon: yes", ["horizon", "true/false"]),
        ("runs: true", ["runs", "true/false"]),
        ("event_scale: .nan", ["event_scale", "finite"]),
        ("event_scale: .inf", ["event_scale", "finite"]),
        ("event_scale: 1.0e+999", ["event_scale", "finite"]),
        ("event_scale: 1e999", ["event_scale", "too large"]),
        ("seed: 18446744073709551616", ["seed", "2^64-1"]),
        ("seed: -5", ["seed", "2^64-1"]),
    ],
)
def test_validate_cli_exit_2_naming_the_field(line, words, tmp_path):
    from typer.testing import CliRunner

    from detente.cli import app

    key = line.split(":")[0]
    text = bundled_path("reset-2009").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key}:")]
    path = tmp_path / "s.yaml"
    path.write_text("\n".join([*lines, line]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    hit = [ln for ln in result.output.splitlines() if f"{key}: " in ln]
    assert hit, result.output
    for word in words:
        assert word in hit[0], (word, hit[0])


JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=6),
        st.sampled_from(["W", "R", "from_history", "2010-02-30", "2010-13", "bundled", "uniform"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _all_paths(data: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _all_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _all_paths(value, (*path, i))


ALL_PATHS = [p for p in _all_paths(RICH) if p]


@settings(max_examples=200, deadline=None)
@given(path=st.sampled_from(ALL_PATHS), junk=JUNK)
def test_junk_anywhere_is_a_scenario_error_not_a_crash(path, junk):
    """Any value at any path of the scenario (lists where names go, mappings where numbers go, ...) is either
    valid or refused with ``ScenarioError``; the cross-field checks never raise on odd types."""
    from detente.scenario.schema import reference_problems, size_problems

    data = _set(RICH, path, junk)
    assert isinstance(reference_problems(data), list)
    assert isinstance(size_problems(data), list)
    try:
        detente.load_scenario(data)
    except ScenarioError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
