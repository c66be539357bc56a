"""The JSON Schema of scenario files, as editors and validators expect it: draft 2020-12 with a stable id."""

from __future__ import annotations

from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:detente:schema:scenario"
"""Stable identifier of the scenario schema: a name (URN), not a location, so nothing is ever fetched."""


def scenario_json_schema() -> dict[str, Any]:
    """``Scenario.model_json_schema()`` with ``$schema`` and ``$id`` first (what ``detente schema`` prints)."""
    from detente.scenario.schema import Scenario

    return {"$schema": DIALECT, "$id": SCHEMA_ID, **Scenario.model_json_schema()}
