"""The docs cover what the code offers."""

from __future__ import annotations

from pathlib import Path

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
