"""Scenario values the schema refuses (issue 9 items 1, 3, 5, 6, 7), each with one message naming the field.

Names that are not one plain folder name, non-finite numbers, booleans as numbers, seeds outside
0..2^64-1, sizes over their limits, impossible dates, missing files and bad distributions all raise
``ScenarioError`` (never another exception) with the dotted field path in the message.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import detente
from detente.errors import DetenteError, ScenarioError
from detente.scenario.distributions import Distribution, Param
from detente.scenario.load import bundled_path
from detente.scenario.schema import History, Scenario, folder_name

BASE = yaml.safe_load(bundled_path("reset-2009").read_text(encoding="utf-8"))


def _refused(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(data)
    assert isinstance(info.value, DetenteError)
    text = "\n".join(info.value.problems)
    assert "Traceback" not in text and "pydantic" not in text.lower() and "errors.pydantic.dev" not in text
    return info.value.problems


def _with(path: str, value) -> dict:
    data = copy.deepcopy(BASE)
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    node[int(last) if isinstance(node, list) else last] = value
    return data


def _one(path: str, value, *words: str) -> str:
    problems = _refused(_with(path, value))
    hits = [p for p in problems if f"{path}: " in p]
    assert hits, (path, problems)
    for word in words:
        assert word in hits[0], (word, hits[0])
    return hits[0]


# --- item 1: the name is one plain folder name -------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "..",
        ".",
        "/etc",
        "/tmp/abs",
        "a/b",
        "a\\b",
        "C:\\x",
        "x\x00y",
        "",
        "a" * 65,
        "-leading-dash",
        ".hidden",
        "trailing.",
        "with space",
        "CON",
        "nul",
        "com1",
        "LPT9.txt",
        "émigré",
        5,
        None,
    ],
)
def test_name_must_be_one_plain_folder_name(name):
    message = _one("name", name, "folder name")
    assert "1 to 64 characters" in message


@pytest.mark.parametrize("name", ["reset-2009", "india-pakistan", "a", "A.b_c-1", "x" * 64, "2009.07"])
def test_plain_names_accepted(name):
    assert detente.load_scenario(_with("name", name)).name == name
    assert folder_name(name) == name


def test_validate_cli_refuses_a_path_name(tmp_path):
    from typer.testing import CliRunner

    from detente.cli import app

    path = tmp_path / "s.yaml"
    path.write_text(
        bundled_path("reset-2009").read_text(encoding="utf-8").replace("name: reset-2009", "name: ../x")
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "name: expected one plain folder name" in result.output and "'../x'" in result.output
    assert "Traceback" not in result.output


# --- item 5: numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("sides.W.elite.h0", float("nan"), ["finite", "nan"]),
        ("sides.W.elite.h0", float("inf"), ["finite"]),
        ("issues.arms_control.T_M", float("-inf"), ["finite"]),
        ("issues.arms_control.T_M", "1e999", ["finite", "too large"]),
        ("issues.arms_control.T_M", 10**400, ["finite", "too large"]),
        ("issues.arms_control.T_M", True, ["true/false is not a number"]),
        ("sides.R.behaviour.eps", False, ["true/false is not a number"]),
        ("event_scale", ".nan", ["number", "'.nan'"]),
        ("event_scale", "nan", ["finite"]),
        ("history.gamma", float("nan"), ["finite"]),
        ("history.p_start.W", float("nan"), ["finite"]),
        ("history.p_start.W", True, ["true/false"]),
        ("horizon", True, ["whole number", "true/false"]),
        ("runs", True, ["whole number"]),
        ("runs", 2.5, ["whole number"]),
        ("runs", float("nan"), ["whole number"]),
        ("durable_months", "lots", ["whole number"]),
        ("seed", -1, ["2^64-1"]),
        ("seed", 2**64, ["2^64-1", str(2**64)]),
        ("seed", True, ["true/false"]),
        ("seed", 1.5, ["whole number"]),
    ],
)
def test_numbers_finite_and_not_booleans(path, value, words):
    _one(path, value, *words)


def test_ints_accepted_where_floats_expected_and_numeric_text_read():
    sc = detente.load_scenario(_with("issues.arms_control.T_M", 7))
    assert sc.issues["arms_control"].T_M == 7.0
    sc = detente.load_scenario(_with("sides.W.elite.eta", "1e-1"))  # YAML 1.1 reads 1e-1 as text
    assert sc.sides["W"].elite.eta == pytest.approx(0.1)
    assert detente.load_scenario(_with("seed", 2**64 - 1)).seed == 2**64 - 1
    assert detente.load_scenario(_with("runs", 500.0)).runs == 500


@pytest.mark.parametrize(
    ("path", "value", "limit", "env"),
    [
        ("runs", 10**12, "10,000,000", "DETENTE_MAX_RUNS"),
        ("horizon", 1201, "1,200", "DETENTE_MAX_HORIZON"),
        ("durable_months", 10**9, "1,200", "DETENTE_MAX_HORIZON"),
    ],
)
def test_sizes_over_their_limits(path, value, limit, env):
    _one(path, value, "over the limit", limit, env)


def test_counts_refused_before_validating_items(monkeypatch):
    monkeypatch.setenv("DETENTE_MAX_EVENTS", "3")
    monkeypatch.setenv("DETENTE_MAX_ISSUES", "2")
    data = copy.deepcopy(BASE)
    data["events"] = [{"junk": i} for i in range(5)]  # items never looked at: the count is refused first
    data["levers"]["resets"] = [{"date": "2010-01"}] * 4
    problems = _refused(data)
    text = "\n".join(problems)
    assert "issues: 4 issues is over the limit of 2; set DETENTE_MAX_ISSUES" in text
    assert "events: 5 events is over the limit of 3; set DETENTE_MAX_EVENTS" in text
    assert "levers.resets: 4 dated items is over the limit of 3" in text
    assert "junk" not in text


def test_limit_raised_by_environment(monkeypatch):
    monkeypatch.setenv("DETENTE_MAX_HORIZON", "2400")
    assert detente.load_scenario(_with("horizon", 1500)).horizon == 1500


# --- item 6: dates and file references ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "word"),
    [
        ("start", "2010-02-30", "not a calendar date"),
        ("start", "2010-13", "not a calendar date"),
        ("start", "2010-00-10", "not a calendar date"),
        ("levers.resets.0.date", "2010-02-29", "not a calendar date"),
        ("history.until", "2009-06-31", "not a calendar date"),
        ("start", 2010, "YYYY-MM"),
    ],
)
def test_impossible_dates_are_field_errors(path, value, word):
    _one(path, value, word)


def test_history_file_must_exist(tmp_path):
    missing = tmp_path / "nope.csv"
    message = _one("history.events", str(missing), "no such file", str(missing))
    assert "bundled" in message
    _one("history.periods", str(tmp_path), "not a regular file")


def test_relative_history_file_resolved_against_base_dir(tmp_path):
    (tmp_path / "ev.csv").write_text("date,actor,target,kind,goldstein,dyad_valence\n", encoding="utf-8")
    hist = {"events": "ev.csv"}
    assert History.model_validate(hist, context={"base_dir": tmp_path}).events == "ev.csv"
    with pytest.raises(Exception, match="no such file") as info:
        History.model_validate({"events": "other.csv"}, context={"base_dir": tmp_path})
    assert str(tmp_path / "other.csv") in str(info.value)


def test_history_file_reference_checked_when_loading_a_file(tmp_path):
    """A relative path in a scenario file is resolved next to the file, and a missing one is a field error."""
    text = (
        bundled_path("reset-2009").read_text(encoding="utf-8").replace("events: bundled", "events: gone.csv")
    )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    message = "\n".join(info.value.problems)
    assert "history.events: no such file" in message and str(tmp_path / "gone.csv") in message


# --- item 7: distribution messages ----------------------------------------------------------------

DIST = TypeAdapter(Param)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"dist": "beta", "a": -1, "b": 2}, ["beta", "'a'", "> 0", "-1"]),
        ({"dist": "beta", "a": 2, "b": 0}, ["beta", "'b'", "> 0"]),
        ({"dist": "uniform", "low": 0.6, "high": 0.2}, ["uniform", "low < high", "0.6", "0.2"]),
        ({"dist": "normal", "mean": 0.3, "sd": 0, "low": 0, "high": 1}, ["normal", "'sd'", "> 0"]),
        ({"dist": "normal", "mean": 0.3, "sd": -2, "low": 0, "high": 1}, ["'sd'", "> 0", "-2"]),
        ({"dist": "normal", "mean": 0.3, "sigma": 1}, ["unknown argument 'sigma'", "mean, sd, low, high"]),
        ({"dist": "normal", "mean": 0.3}, ["missing argument 'sd'"]),
        ({"dist": "choice", "values": []}, ["choice", "'values' is empty"]),
        ({"dist": "choice", "values": [0.1, 0.2], "weights": [1]}, ["as many weights as values"]),
        ({"dist": "choice", "values": [0.1, 0.2], "weights": [1, -1]}, ["weights[1]", "negative"]),
        ({"dist": "choice", "values": [0.1, 0.2], "weights": [0, 0]}, ["sum to 0"]),
        ({"dist": "choice", "values": [0.1, float("nan")]}, ["values[1]", "finite"]),
        ({"dist": "triangular", "low": 0.1, "mode": 0.9, "high": 0.5}, ["mode 0.9", "[0.1, 0.5]"]),
        ({"dist": "uniform", "low": "a", "high": 1}, ["argument 'low'", "'a'"]),
        ({"dist": "uniform", "low": True, "high": 1}, ["argument 'low'", "true/false"]),
        ({"dist": "gamma", "k": 2}, ["unknown distribution 'gamma'", "uniform, normal, beta"]),
        ({"low": 0, "high": 1}, ["needs 'dist'"]),
    ],
)
def test_distribution_errors_say_which_argument_and_why(spec, words):
    for adapter in (DIST, TypeAdapter(Distribution)):
        with pytest.raises(Exception) as info:
            adapter.validate_python(spec)
        text = str(info.value)
        for word in words:
            assert word in text, (word, text)
        assert "should be a valid number" not in text
    message = _one("sides.W.learning.kappa", spec, *words)
    assert message.count("\n") == 0


def test_starting_trust_distribution_on_the_unit_interval_is_kept_off_the_ends():
    """The documented minimal scenario's p0 (beta on [0, 1]) validates; its draws stay inside (0, 1)."""
    import numpy as np

    sc = detente.load_scenario(_with("sides.W.belief.p0", {"dist": "beta", "a": 0.01, "b": 6}))
    p0 = sc.sides["W"].belief.p0
    x = p0.ppf(np.array([0.0, 0.3, 1 - 2**-53]))
    assert np.all((x >= 1e-6) & (x <= 1 - 1e-6))
    assert sc.to_yaml() == detente.load_scenario(yaml.safe_load(sc.to_yaml())).to_yaml()
    _one("sides.W.belief.p0", 0.0, "[1e-06, 0.999999]")
    _one("sides.W.belief.p0", {"dist": "uniform", "low": -0.1, "high": 0.5}, "within [0, 1]")
    _one("sides.W.belief.p0", "from_memory", "'from_history'")


def test_unbounded_normal_dumps_as_strict_json():
    sc = detente.load_scenario(_with("issues.arms_control.S", {"dist": "normal", "mean": 0, "sd": 1}))
    import json

    json.loads(sc.canonical_json(), parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert sc.apply({}) == sc
    assert math.isinf(sc.issues["arms_control"].S.support()[1])


def test_event_valence_is_not_a_boolean():
    data = copy.deepcopy(BASE)
    data["events"] = [{"date": "2010-01", "actor": "R", "observer": "W", "goldstein": 3, "valence": True}]
    problems = _refused(data)
    assert any("events.0.valence: expected -1, 0 or 1, got True" in p for p in problems), problems


def test_schema_is_strict_json():
    import json

    json.loads(json.dumps(Scenario.model_json_schema()), parse_constant=lambda c: pytest.fail(c))


def test_bundled_scenario_unchanged_by_hardening():
    """Valid input is read exactly as before (same canonical JSON as a plain re-validation)."""
    sc = detente.load_scenario("reset-2009")
    assert Path(bundled_path("reset-2009")).is_file()
    assert Scenario.model_validate(sc.model_dump(mode="json")).canonical_json() == sc.canonical_json()


ARG_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.booleans(),
    st.none(),
    st.text(max_size=6),
    st.lists(st.floats(allow_nan=True), max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(
    spec=st.dictionaries(
        st.sampled_from(["dist", "low", "high", "mean", "sd", "a", "b", "mode", "values", "weights", "k"]),
        ARG_VALUES,
    ),
    kind=st.sampled_from(["uniform", "normal", "beta", "triangular", "choice", "gamma", None]),
)
def test_random_distributions_are_read_or_refused_with_a_reason(spec, kind):
    """Any mapping is either a valid distribution with finite arguments or one readable reason, never a crash."""
    from pydantic import ValidationError

    if kind is not None:
        spec = {**spec, "dist": kind}
    try:
        dist = DIST.validate_python(spec)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        assert len(errors) == 1 and errors[0]["type"] == "value_error", errors
        message = errors[0]["msg"]
        assert "should be a valid" not in message and "Input should" not in message, message
        return
    lo, hi = dist.support()
    assert lo < hi or (kind == "choice" and lo <= hi)
    assert all(math.isfinite(v) for v in dist.model_dump().values() if isinstance(v, float))


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("start: 2009-07 ", "start: 2009-02-30 ", "start", ["not a calendar date"]),
        ("events: bundled ", "events: missing.csv ", "history.events", ["no such file", "missing.csv"]),
        ("h0: 0.3 ", "h0: {dist: beta, a: -1, b: 2} ", "sides.W.elite.h0", ["beta", "'a'", "> 0"]),
        ("runs: 10000", "runs: 99999999999", "runs", ["over the limit", "DETENTE_MAX_RUNS"]),
        ("name: reset-2009", "name: /etc/passwd", "name", ["folder name"]),
    ],
)
def test_validate_cli_exit_2_per_class(tmp_path, old, new, field, words):
    from typer.testing import CliRunner

    from detente.cli import app

    text = bundled_path("reset-2009").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    hit = [ln for ln in result.output.splitlines() if f": {field}: " in ln]
    assert hit, result.output
    assert hit[0].startswith(f"error: {path}:") or f"{path}:" in hit[0]
    for word in words:
        assert word in hit[0], (word, hit[0])
