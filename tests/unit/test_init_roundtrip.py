"""dump_yaml keeps a scenario file's comments and layout when it knows the text it was read from."""

from __future__ import annotations

import gc

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import detente
from detente.errors import ScenarioError
from detente.scenario.document import dump_yaml, edit_yaml, remember_source, source_of

SOURCE = """\
# India and Pakistan
name: india-pakistan
start: 2001-01            # first simulated month
horizon: 120              # months
sides:
    I: {name: India, belief: {p0: 0.3}}   # flow style kept
    P:
        name: Pakistan    # the other side
        type: from_trust
issues:
    # the big one
    kashmir: {kind: strategic, T_M: 10, S: -4, omega: 3}
events:
  - {date: 2001-12-13, actor: P, observer: I, label: Parliament attack, lr: 3.0}   # 13 December
"""


def _scenario(text: str = SOURCE) -> detente.Scenario:
    return detente.load_scenario(yaml.safe_load(text))


def test_unchanged_scenario_dumps_to_its_own_text() -> None:
    assert dump_yaml(_scenario(), SOURCE) == SOURCE


def test_changed_values_keep_comments_and_spelling_elsewhere() -> None:
    sc = _scenario().apply({"horizon": 60, "sides.I.belief.p0": 0.5, "events": []})
    out = dump_yaml(sc, SOURCE)
    assert "horizon: 60               # months" in out
    assert "I: {name: India, belief: {p0: 0.5}}   # flow style kept" in out
    assert "# the big one" in out and "start: 2001-01            # first simulated month" in out
    assert "events: []" in out
    assert detente.load_scenario(yaml.safe_load(out)) == sc


def test_new_fields_are_written_only_where_they_differ_from_defaults() -> None:
    sc = _scenario().apply({"sides.P.elite.h0": 0.9})
    data = yaml.safe_load(dump_yaml(sc, SOURCE))
    assert data["sides"]["P"]["elite"] == {"h0": 0.9}
    assert "behaviour" not in data["sides"]["P"]
    assert detente.load_scenario(data) == sc


def test_without_a_source_the_dump_is_plain_and_loads_back_equal() -> None:
    sc = _scenario()
    out = dump_yaml(sc)
    assert "#" not in out
    assert detente.load_scenario(yaml.safe_load(out)) == sc


def test_remembered_source_is_used_and_forgotten_with_its_scenario() -> None:
    sc = remember_source(_scenario(), SOURCE)
    assert source_of(sc) == SOURCE
    assert dump_yaml(sc) == SOURCE
    key = id(sc)
    del sc
    gc.collect()
    from detente.scenario import document

    assert key not in document._SOURCES


@pytest.mark.parametrize(
    "source",
    [
        "name: x\nsides:\n  I: &s {name: India}\n  P: *s\n",  # an alias: writing into one would change both
        "- just\n- a list\n",
        "name: [unclosed\n",
        "a: 1\na: 2\n",  # duplicate keys: the safe reader refuses
        "",
    ],
)
def test_unusable_sources_fall_back_to_the_plain_dump(source: str) -> None:
    sc = _scenario()
    assert dump_yaml(sc, source) == dump_yaml(sc)


def test_edit_yaml_refuses_what_the_safe_reader_refuses() -> None:
    with pytest.raises(ScenarioError, match="duplicate key"):
        edit_yaml("a: 1\na: 2\n", lambda doc: None, origin="f.yaml")
    with pytest.raises(ScenarioError, match="mapping"):
        edit_yaml("- 1\n", lambda doc: None, origin="f.yaml")


@settings(max_examples=25, deadline=None)
@given(
    horizon=st.integers(12, 600),
    p0=st.floats(0.01, 0.99),
    label=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30),
)
def test_round_trip_loads_back_equal_and_is_stable(horizon: int, p0: float, label: str) -> None:
    sc = _scenario().apply({"horizon": horizon, "sides.I.belief.p0": p0, "events.0.label": label or None})
    once = dump_yaml(sc, SOURCE)
    assert detente.load_scenario(yaml.safe_load(once)) == sc
    assert dump_yaml(sc, once) == once


def test_bundled_scenario_keeps_every_comment_through_to_yaml(tmp_path) -> None:
    from detente.scenario.load import bundled_path

    path = bundled_path("reset-2009")
    sc = remember_source(detente.load_scenario(path), path)
    out = sc.to_yaml()
    comments = [
        line.split("#", 1)[1].strip() for line in path.read_text(encoding="utf-8").splitlines() if "#" in line
    ]
    assert len(comments) > 20
    assert [c for c in comments if c not in out] == []
    copy = tmp_path / "copy.yaml"
    copy.write_text(out, encoding="utf-8")
    again = remember_source(detente.load_scenario(copy), copy)
    assert again == sc and again.to_yaml() == out


def test_toml_and_missing_sources_are_not_remembered(tmp_path) -> None:
    sc = _scenario()
    remember_source(sc, tmp_path / "scenario.toml")
    remember_source(sc, tmp_path / "missing.yaml")
    remember_source(sc, None)
    assert source_of(sc) is None
    plain: dict[str, int] = {}
    assert remember_source(plain, SOURCE) is plain and source_of(plain) is None  # not weakly referable


def test_distribution_defaults_are_not_added_to_the_authors_mapping() -> None:
    text = SOURCE.replace(
        "type: from_trust", "type: from_trust\n        belief: {p0: {dist: beta, a: 2, b: 6}}"
    )
    sc = _scenario(text)
    assert dump_yaml(sc, text) == text
    changed = sc.apply({"sides.P.belief.p0": {"dist": "beta", "a": 2, "b": 6, "high": 0.9}})
    out = dump_yaml(changed, text)
    assert "belief: {p0: {dist: beta, a: 2, b: 6, high: 0.9}}" in out
    assert detente.load_scenario(yaml.safe_load(out)) == changed
