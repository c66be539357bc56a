"""Dotted-path overrides (``sides.R.elite.eta: 0.3``) used by conditions, worlds and sweeps."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from detente.errors import ScenarioError
from detente.scenario.schema import Scenario


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``dotted`` (keys, or list indices as integers) in nested ``data``, creating mappings."""
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(f"{'.'.join(parts[: i + 1])}: no list item {part!r} (length {len(node)})")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            raise KeyError(f"{'.'.join(parts[:i])}: is a value, cannot hold {part!r}")


def apply_overrides(scenario: Scenario, overrides: dict[str, Any], origin: str = "overrides") -> Scenario:
    """A validated copy of ``scenario`` with ``overrides`` applied."""
    return _validate(_patched(scenario.model_dump(mode="json"), overrides, origin), origin)


def _patched(data: dict[str, Any], overrides: dict[str, Any], origin: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for dotted, value in overrides.items():
        try:
            set_path(data, dotted, copy.deepcopy(value))
        except KeyError as exc:
            raise ScenarioError(f"{origin}: {exc.args[0]}") from None
    return data


def _validate(data: dict[str, Any], origin: str) -> Scenario:
    from detente.scenario.load import format_errors

    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, data, origin, {}, Scenario)) from None


def apply_variants(scenario: Scenario, world: str | None, conditions: tuple[str, ...]) -> Scenario:
    """The scenario of one cell: the world's overrides, then each condition's, in order."""
    data = scenario.model_dump(mode="json")
    if world is not None:
        if world not in scenario.worlds:
            raise ScenarioError(
                f"unknown world {world!r}; this scenario has: {', '.join(scenario.worlds) or 'none'}"
            )
        data = _patched(data, scenario.worlds[world].set, f"worlds.{world}.set")
    for name in conditions:
        if name not in scenario.conditions:
            known = ", ".join(scenario.conditions) or "none"
            raise ScenarioError(f"unknown condition {name!r}; this scenario has: {known}")
        data = _patched(data, scenario.conditions[name].set, f"conditions.{name}.set")
    label = "+".join([*(c for c in conditions)]) or "status quo"
    return _validate(data, f"cell (world={world}, conditions={label})")


def check_variants(scenario: Scenario) -> list[str]:
    """Problems of each world and condition applied alone to the scenario (empty if all fine)."""
    problems: list[str] = []
    for kind, variants in (("worlds", scenario.worlds), ("conditions", scenario.conditions)):
        for name in variants:
            try:
                apply_variants(
                    scenario, name if kind == "worlds" else None, (name,) if kind == "conditions" else ()
                )
            except ScenarioError as exc:
                problems.extend(exc.problems)
    return problems
