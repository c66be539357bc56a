"""Duplicate and non-text keys (issue 9 item 6): an error naming the key and both lines, never a silent drop."""

from __future__ import annotations

import re

import pytest
import tomli_w
import yaml
from test_loader_support import BASE, assert_refused, validate_cli

import detente
from detente.errors import ScenarioError
from detente.scenario.document import parse_text


def _line_of(text: str, start: str, occurrence: int = 0) -> int:
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if line.lstrip().startswith(start)]
    return hits[occurrence]


def _problems(tmp_path, text: str, suffix: str = ".yaml") -> tuple[str, list[str]]:
    path = tmp_path / f"dup{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    return str(path), info.value.problems


def test_repeated_issue_key_names_both_lines(tmp_path):
    block = "  arms_control:\n    kind: tactical\n    T_M: 7\n"
    text = BASE.replace("  security_architecture:\n", block + "  security_architecture:\n")
    first, second = _line_of(text, "arms_control:"), _line_of(text, "arms_control:", 1)
    path, problems = _problems(tmp_path, text)
    assert problems == [
        f"{path}:{second}: issues.arms_control: duplicate key 'arms_control' (lines {first} and {second}); "
        "the second would silently replace the first, remove one"
    ]


def test_repeated_side_and_field_each_reported(tmp_path):
    text = BASE.replace("      h0: 0.8 ", "      h0: 0.7\n      h0: 0.8 ").replace(
        "\nissues:", "\nsides:\n  X: {name: X}\nissues:"
    )
    path, problems = _problems(tmp_path, text)
    assert len(problems) == 2, problems
    h0 = [_line_of(text, "h0:", 1), _line_of(text, "h0:", 2)]
    sides = [_line_of(text, "sides:"), _line_of(text, "sides:", 1)]
    assert problems[0] == (
        f"{path}:{h0[1]}: sides.R.elite.h0: duplicate key 'h0' (lines {h0[0]} and {h0[1]}); "
        "the second would silently replace the first, remove one"
    )
    assert problems[1].startswith(
        f"{path}:{sides[1]}: sides: duplicate key 'sides' (lines {sides[0]} and {sides[1]})"
    )


def test_duplicate_in_flow_mapping_and_inside_a_condition(tmp_path):
    text = BASE.replace(
        "      sides.R.elite.eta: 0.35\n", "      sides.R.elite.eta: 0.35\n      sides.R.elite.eta: 0.5\n"
    ).replace("{start: 2010-01, value: 1.0}", "{start: 2010-01, value: 1.0, value: 0.5}", 1)
    path, problems = _problems(tmp_path, text)
    text_all = "\n".join(problems)
    assert re.search(r"conditions\.generational_change\.set\.sides\.R\.elite\.eta: duplicate key", text_all)
    assert re.search(r"schedules?\S*value: duplicate key 'value'|\.value: duplicate key 'value'", text_all)
    assert all(p.startswith(f"{path}:") for p in problems)


def test_merge_keys_may_be_overridden():
    data, _ = parse_text("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\n", "m.yaml")
    assert data["m"] == {"x": 3, "y": 2}


def test_duplicate_key_cli_exit_2(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(BASE + "\nhorizon: 120\n", encoding="utf-8")
    assert_refused(validate_cli(path), f"{path}:", "horizon: duplicate key 'horizon' (lines 13 and")


@pytest.mark.parametrize(
    ("key", "reads_as"), [("no", "true/false"), ("on", "true/false"), ("1", "int"), ("null", "NoneType")]
)
def test_keys_yaml_does_not_read_as_text(tmp_path, key, reads_as):
    text = BASE.replace("\n  R:\n", f"\n  {key}:\n", 1)
    path, problems = _problems(tmp_path, text)
    line = _line_of(text, f"{key}:")
    assert problems[0] == (
        f"{path}:{line}: sides.{key}: YAML reads the key '{key}' as {reads_as}, not text; "
        f'quote it ("{key}") to use it as a name'
    )


def test_quoted_key_accepted(tmp_path):
    text = BASE.replace("\n  R:\n", '\n  "no":\n', 1).replace("invited: R", 'invited: "no"')
    text = text.replace("sides.R.", "sides.no.").replace("side: R", 'side: "no"').replace(": R\n", ': "no"\n')
    path = tmp_path / "quoted.yaml"
    path.write_text(text, encoding="utf-8")
    assert set(detente.load_scenario(str(path)).sides) == {"W", "no"}


def test_non_text_keys_in_python_mappings():
    data = yaml.safe_load(BASE)
    data["issues"][7] = data["issues"].pop("arms_control")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(data)
    assert info.value.problems == ["<mapping>: issues.7: a key must be text, got 7 (int)"]


def _toml_base() -> str:
    data = yaml.safe_load(BASE)
    data["start"] = "2009-07"
    data["history"]["start"], data["history"]["until"] = "1991-12", "2009-07-06"
    data["history"]["inclusion"][0]["start"] = "1991-12"
    data["levers"]["resets"][0]["date"] = "2009-07"
    for variant in data["conditions"].values():
        for value in variant["set"].values():
            for item in value if isinstance(value, list) else []:
                item.update({k: str(v) for k, v in item.items() if k in ("start", "date")})
    return tomli_w.dumps(data)


def test_toml_duplicate_key_names_file_key_and_lines(tmp_path):
    text = _toml_base()
    assert detente.load_scenario(_write(tmp_path, "ok.toml", text)).name == "reset-2009"
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("horizon ="))
    lines.insert(at + 2, "horizon = 120")
    path, problems = _problems(tmp_path, "\n".join(lines) + "\n", suffix=".toml")
    assert problems == [
        f"{path}:{at + 3}: not valid TOML: duplicate key 'horizon' (lines {at + 1} and {at + 3}); remove one"
    ]


def test_toml_repeated_table_names_file_and_line(tmp_path):
    text = _toml_base() + "\n[sides.W.elite]\nh0 = 0.5\n"
    path, problems = _problems(tmp_path, text, suffix=".toml")
    (message,) = problems
    assert re.match(rf"{re.escape(path)}:\d+: not valid TOML: .*sides.*W.*elite", message), message


def _write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)
