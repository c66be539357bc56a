"""The docs cover what the code offers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from detente.scenario import schema

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_scenario_field_is_documented() -> None:
    text = (DOCS / "scenario-format.md").read_text()
    models = [
        m
        for m in vars(schema).values()
        if isinstance(m, type) and issubclass(m, schema._Model) and m is not schema._Model
    ]
    assert len(models) >= 15
    for model in models:
        assert f"### `{model.__name__}`" in text, model.__name__
        for name in model.model_fields:
            assert f"| `{name}` |" in text, f"{model.__name__}.{name} missing from docs/scenario-format.md"


def test_cli_reference_lists_every_command() -> None:
    from detente.cli import app

    text = (DOCS / "cli.md").read_text()
    names = [c.name for c in app.registered_commands]
    assert len(names) >= 11
    for name in names:
        assert f"## `detente {name}`" in text, (
            f"{name} missing from docs/cli.md (run scripts/gen_cli_docs.sh)"
        )


def test_scenario_field_tables_are_current() -> None:
    gen = _script("gen_scenario_docs")
    text = (DOCS / "scenario-format.md").read_text()
    assert f"{gen.BEGIN}\n{gen.tables()}\n{gen.END}" in text, "run scripts/gen_scenario_docs.py"
    assert " at 0x" not in text


def test_inline_distribution_examples_are_valid() -> None:
    import re

    import yaml

    import detente

    text = (DOCS / "scenario-format.md").read_text()
    examples = re.findall(r"`(\{dist: [^`]*\})`", text)
    assert len(examples) >= 5
    sc = detente.load_scenario("reset-2009")
    for example in examples:
        sc.apply({"sides.W.elite.h0": yaml.safe_load(example)})


def _script(name: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, DOCS.parent / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_limits_page_is_current_and_linked(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import fields

    from detente.limits import Limits, env_name

    for name in [n for n in os.environ if n.startswith("DETENTE_MAX_")]:
        monkeypatch.delenv(name)
    text = (DOCS / "limits.md").read_text()
    assert _script("gen_limits_docs").render(text) == text, "run scripts/gen_limits_docs.py"
    for f in fields(Limits):
        assert f"`{env_name(f.name)}`" in text
    assert "(docs/limits.md)" in (DOCS.parent / "README.md").read_text()
    assert "(limits.md)" in (DOCS / "cli.md").read_text()


def test_cli_reference_lists_every_option() -> None:
    import re

    from typer.main import get_command

    from detente.cli import app

    text = (DOCS / "cli.md").read_text()
    group: Any = get_command(app)
    missing = [
        f"detente {name} {opt}"
        for name, command in group.commands.items()
        for param in command.params
        for opt in param.opts
        if opt.startswith("--") and not re.search(rf"[`\s]{re.escape(opt)}[\s`]", text)
    ]
    assert not missing, f"{missing} missing from docs/cli.md (run scripts/gen_cli_docs.sh)"
