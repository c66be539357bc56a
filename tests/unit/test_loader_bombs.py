"""Resource bombs (issue 9 item 3): alias expansion, deep nesting, huge files and many variants are refused
early, with a message naming the file, the line and the limit, in bounded time and memory."""

from __future__ import annotations

import time

import pytest
import yaml
from test_loader_support import BASE, assert_refused, load_in_child, validate_cli

import detente
from detente.errors import DetenteError, ScenarioError
from detente.scenario.document import parse_text


def laughs(levels: int = 9, width: int = 9) -> str:
    """The 'billion laughs': ~500 bytes that expand to width**levels strings."""
    text = "lol0: &a0 [" + ", ".join(['"lol"'] * width) + "]\n"
    for i in range(1, levels + 1):
        text += f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
    return text


def mapping_laughs(levels: int = 9) -> str:
    text = "m0: &m0 {k: v}\n"
    for i in range(1, levels + 1):
        text += f"m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(9)) + "}\n"
    return text


def merge_laughs(levels: int = 12) -> str:
    text = "m0: &m0 {a: 1, b: 2}\n"
    for i in range(1, levels + 1):
        text += f"m{i}: &m{i} {{x{i}: [*m{i - 1}, *m{i - 1}, *m{i - 1}, *m{i - 1}], <<: *m{i - 1}}}\n"
    return text


BOMBS = {
    "billion laughs (sequences)": laughs(),
    "billion laughs (mappings)": mapping_laughs(),
    "merge keys": merge_laughs(),
    "few aliases to a big anchor": "big: &b ["
    + ", ".join(["1"] * 3000)
    + "]\nuse: ["
    + ", ".join(["*b"] * 500)
    + "]\n",
    "inside a scenario": BASE + "\nbomb:\n" + "".join("  " + line + "\n" for line in laughs().splitlines()),
}


def test_alias_bombs_refused_in_bounded_time_and_memory(tmp_path):
    paths = []
    for i, text in enumerate(BOMBS.values()):
        paths.append(tmp_path / f"bomb{i}.yaml")
        paths[-1].write_text(text, encoding="utf-8")
    results = load_in_child(paths, timeout=120)
    for name, path, result in zip(BOMBS, paths, results, strict=True):
        assert result["kind"] == "error", (name, result)
        assert str(path) + ":" in result["text"], (name, result["text"])
        assert "DETENTE_MAX_YAML_NODES" in result["text"] or "DETENTE_MAX_YAML_ALIASES" in result["text"]
        assert result["seconds"] < 20, (name, result)
        assert result["peak_mb"] < 400, (name, result)


def test_alias_bomb_cli_exit_2(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs(), encoding="utf-8")
    err = assert_refused(validate_cli(path), f"{path}:", "YAML nodes", "DETENTE_MAX_YAML_NODES")
    assert len(err.strip().splitlines()) == 1


def test_alias_uses_are_counted():
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    with pytest.raises(
        ScenarioError, match=r"x\.yaml:2: YAML aliases: 1,001 .* limit of 1,000; set DETENTE_MAX_YAML_ALIASES"
    ):
        parse_text(text, "x.yaml")
    data, _ = parse_text("a: &a 1\nb: [" + ", ".join(["*a"] * 1000) + "]\n", "x.yaml")
    assert data["b"] == [1] * 1000


def test_limits_raised_by_environment(monkeypatch):
    with pytest.raises(ScenarioError, match="more than 1,000,000 YAML nodes"):
        parse_text(laughs(levels=6), "x.yaml")  # about 5.4 million nodes expanded
    monkeypatch.setenv("DETENTE_MAX_YAML_NODES", "7000000")
    data, _ = parse_text(laughs(levels=6), "x.yaml")
    assert len(data["lol6"]) == 9
    monkeypatch.setenv("DETENTE_MAX_YAML_NODES", "1000")
    with pytest.raises(ScenarioError, match="more than 1,000 YAML nodes"):
        parse_text(laughs(levels=4), "x.yaml")


def test_recursive_alias_refused():
    with pytest.raises(ScenarioError, match=r"x\.yaml:1: alias \*a is used inside the node it names"):
        parse_text("a: &a [1, *a]\n", "x.yaml")


@pytest.mark.parametrize(
    ("text", "suffix"),
    [
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", ".yaml"),
        ("a: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", ".yaml"),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 200)), ".yaml"),
        ('{"a": ' + "[" * 5000 + "]" * 5000 + "}\n", ".json"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", ".toml"),
        ("a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n", ".toml"),
        ("a" + ".b" * 500 + " = 1\n", ".toml"),
    ],
    ids=["yaml-flow", "yaml-mappings", "yaml-block", "json", "toml-arrays", "toml-tables", "toml-dotted"],
)
def test_deep_nesting_refused_without_recursion_error(tmp_path, text, suffix):
    path = tmp_path / f"deep{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    (message,) = info.value.problems
    assert message.startswith(str(path)) and "nesting is deeper than the limit of 64" in message
    assert "DETENTE_MAX_DEPTH" in message


def test_deep_and_shared_python_data_refused():
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(ScenarioError, match=r"<mapping>: a\.a\.a\.a… .*nesting is deeper"):
        detente.load_scenario(deep)
    shared: list = [1] * 10
    for _ in range(30):
        shared = [shared] * 10  # 10**31 values if walked naively
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="more than 1,000,000 values"):
        detente.load_scenario({"name": "x", "events": shared})
    assert time.perf_counter() - start < 30
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(ScenarioError, match="nesting is deeper"):
        detente.load_scenario(loop)


def test_file_size_checked_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(BASE + "#" * 5000 + "\n", encoding="utf-8")
    proc = validate_cli(path, env={"DETENTE_MAX_FILE_BYTES": "4096"})
    assert_refused(proc, str(path), "bytes is over the limit of 4,096", "DETENTE_MAX_FILE_BYTES")


def test_absurd_scalars_do_not_hang_or_crash(tmp_path):
    path = tmp_path / "scalars.yaml"
    text = BASE.replace("horizon: 240", "horizon: " + "9" * 20000).replace(
        "durable_months: 24", "durable_months: 1" + ":1" * 20000
    )
    path.write_text(text, encoding="utf-8")
    (result,) = load_in_child([path])
    assert result["kind"] == "error" and result["seconds"] < 20, result
    assert "horizon" in result["text"] and "durable_months" in result["text"]


def _with_conditions(n: int) -> dict:
    data = yaml.safe_load(BASE)
    data["conditions"] = {f"c{i}": {"set": {"sides.W.elite.eta": 0.2 + i / 100}} for i in range(n)}
    return data


def test_number_of_conditions_capped(tmp_path, monkeypatch):
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(_with_conditions(17), sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    (message,) = info.value.problems
    assert message.startswith(f"{path}:") and "conditions: 17 conditions is over the limit of 16" in message
    assert "DETENTE_MAX_CONDITIONS" in message
    monkeypatch.setenv("DETENTE_MAX_CONDITIONS", "20")
    assert len(detente.load_scenario(str(path)).conditions) == 17


def test_variant_checks_scale_with_variant_not_with_all_variants():
    """Each condition is checked against the scenario without the other conditions (work ~ k x base)."""
    from detente.scenario import overrides

    sc = detente.load_scenario(_with_conditions(16))
    seen: list[int] = []
    real = overrides._patched

    def spy(data, sets):
        seen.append(len(data.get("conditions", {})) + len(data.get("worlds", {})))
        return real(data, sets)

    overrides._patched = spy
    try:
        assert overrides.check_variants(sc) == []
    finally:
        overrides._patched = real
    assert len(seen) == 16 + len(sc.worlds) and set(seen) == {0}


def test_many_problems_are_capped(tmp_path):
    data = yaml.safe_load(BASE)
    data["events"] = [{"date": "2010-01", "actor": "X", "observer": "W", "lr": 2.0}] * 500
    with pytest.raises(DetenteError) as info:
        detente.load_scenario(data)
    assert len(info.value.problems) == 101
    assert info.value.problems[-1].startswith("… and ") and "more problems" in info.value.problems[-1]
