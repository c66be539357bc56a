"""Encodings and bytes (issue 9 item 4): anything but UTF-8 text is refused by name, never a traceback."""

from __future__ import annotations

import pytest
from test_loader_support import BASE, assert_refused, validate_cli

import detente
from detente.errors import ExperimentError, ScenarioError
from detente.experiments.spec import load_experiment

ENCODED = {
    "utf-16 with BOM": (BASE.encode("utf-16"), "UTF-16"),
    "utf-16-le without BOM": (BASE.encode("utf-16-le"), "UTF-16"),
    "utf-16-be without BOM": (BASE.encode("utf-16-be"), "UTF-16"),
    "utf-32 with BOM": (BASE.encode("utf-32"), "UTF-32"),
    "utf-32-le without BOM": (BASE.encode("utf-32-le"), "UTF-32"),
    "utf-32-be without BOM": (BASE.encode("utf-32-be"), "UTF-32"),
    "latin-1": ("name: reset\ntitle: Détente\n".encode("latin-1"), "not UTF-8 text (byte 0xE9"),
    "binary": (bytes(range(256)) * 4, "not text (it contains NUL bytes"),
    "png header": (b"\x89PNG\r\n\x1a\n" + bytes(100), "not"),
}


@pytest.mark.parametrize("case", sorted(ENCODED))
@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_non_utf8_refused_naming_the_file(tmp_path, case, suffix):
    raw, words = ENCODED[case]
    path = tmp_path / f"scenario{suffix}"
    path.write_bytes(raw)
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    (message,) = info.value.problems
    assert message.startswith(str(path)), message
    assert words in message and ("UTF-8" in message or "binary" in message), message


def test_utf16_message_cli(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(BASE.encode("utf-16"))
    assert_refused(validate_cli(path), f"{path}: is not UTF-8 text (looks like UTF-16", "save it as UTF-8")


def test_invalid_utf8_names_the_line(tmp_path):
    lines = BASE.splitlines(keepends=True)
    raw = "".join(lines[:10]).encode() + b"title: caf\xe9\n" + "".join(lines[10:]).encode()
    path = tmp_path / "scenario.yaml"
    path.write_bytes(raw)
    with pytest.raises(ScenarioError, match=rf"{path}:11: is not UTF-8 text \(byte 0xE9 at column 11"):
        detente.load_scenario(str(path))


def test_utf8_bom_accepted(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert detente.load_scenario(str(path)).name == "reset-2009"


def test_control_characters_named(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE.replace("name: US/West", "name: US\x07West"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"scenario\.yaml:\d+: not valid YAML: character U\+0007"):
        detente.load_scenario(str(path))


def test_experiment_files_share_the_reader(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_bytes("scenario: reset-2009\n".encode("utf-32"))
    with pytest.raises(ExperimentError, match=rf"{path}: is not UTF-8 text \(looks like UTF-32"):
        load_experiment(path)


def test_unreadable_paths(tmp_path):
    with pytest.raises(ScenarioError, match="is a folder"):
        detente.load_scenario(str(tmp_path))
    with pytest.raises(ScenarioError, match=r"cannot use this path|no such file"):
        detente.load_scenario("bad\x00name.yaml")
    with pytest.raises(ScenarioError, match=r"cannot use this path|no such file"):
        detente.load_scenario("x" * 5000 + ".yaml")
