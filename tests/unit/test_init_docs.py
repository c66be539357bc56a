"""The scenario docs are generated cleanly, give every field a meaning, and the JSON Schema names itself."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from detente.scenario import schema

ROOT = Path(__file__).resolve().parents[2]
BAD = ("&lt;", "&gt;", "&amp;", "&quot;", "<class", "PydanticUndefined", " at 0x", "typing.", "NoneType")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_scenario_docs", ROOT / "scripts" / "gen_scenario_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_tables_have_no_entities_or_reprs() -> None:
    gen = _generator()
    tables = gen.tables()
    assert tables == gen.tables()  # deterministic
    page = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    for text in (tables, page):
        assert not [bad for bad in BAD if bad in text]
    assert gen.main(["--check"]) == 0, "run scripts/gen_scenario_docs.py"


def test_every_model_is_documented_once_and_every_field_has_a_meaning() -> None:
    gen = _generator()
    models = gen.models()
    assert models[0] is schema.Scenario and len(set(models)) == len(models)
    everything = {
        m
        for m in vars(schema).values()
        if isinstance(m, type) and issubclass(m, schema._Model) and m is not schema._Model
    }
    assert set(models) == everything
    missing = [f"{m.__name__}.{n}" for m in models for n in m.model_fields if not gen.meaning(m, n)]
    assert not missing, f"give these fields a description in schema.py: {missing}"


def test_types_read_as_an_author_writes_them() -> None:
    gen = _generator()
    assert gen.field_type(schema.Elite.model_fields["h0"]) == "number or distribution"
    assert gen.field_type(schema.Scenario.model_fields["start"]).startswith("date")
    assert gen.field_type(schema.Scenario.model_fields["sides"]) == "mapping of name to [Side](#side)"
    assert gen.field_type(schema.Issue.model_fields["kind"]) == '"tactical" or "strategic"'


def test_page_links_resolve_to_documented_models() -> None:
    page = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    anchors = {f"#{m.group(1).lower()}" for m in re.finditer(r"^### `(\w+)`", page, re.M)}
    links = set(re.findall(r"\]\((#[a-z_]+)\)", page))
    assert links and links <= anchors


def test_json_schema_names_its_dialect_and_id_and_accepts_the_shipped_scenarios() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    from detente.scenario.jsonschema import DIALECT, SCHEMA_ID, scenario_json_schema
    from detente.scenario.load import bundled_path
    from detente.scenario.templates import blank_text

    found = scenario_json_schema()
    assert list(found)[:2] == ["$schema", "$id"]
    assert found["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert found["$id"] == SCHEMA_ID and scenario_json_schema()["$id"] == SCHEMA_ID
    validator = jsonschema_rs.Draft202012Validator(found)
    texts = [blank_text(), bundled_path("reset-2009").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "examples").glob("*.yaml"))]
    for text in texts:
        data = json.loads(json.dumps(yaml.safe_load(text), default=str))
        assert validator.is_valid(data), [e.message for e in validator.iter_errors(data)][:3]
    assert not validator.is_valid({"name": "x"})


def test_theory_sections_cited_by_the_docs_are_shipped() -> None:
    theory = (ROOT / "docs" / "theory.md").read_text(encoding="utf-8")
    shipped = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", theory, re.M))
    cited: set[str] = set()
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for m in re.finditer(r"theory(?:\.md)?,? §(\d+(?:\.\d+)?)", path.read_text(encoding="utf-8")):
            cited.add(m.group(1))
    assert cited and cited <= shipped, sorted(cited - shipped)
