"""Dotted-path overrides (``sides.R.elite.eta: 0.3``) used by conditions, worlds and sweeps.

Overrides copy only the containers on the paths they change (never the whole scenario), and the model
class is taken from the scenario itself, so this module does not import the schema.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from detente.errors import ScenarioError
from detente.scenario.document import remember_source, source_of
from detente.scenario.errors import Lines, dotted, error_items, format_errors, line_of, split_dotted

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario


def set_path(data: dict[str, Any], dotted: str, value: Any, copied: set[int] | None = None) -> None:
    """Set ``dotted`` (keys, or list indices as integers) in nested ``data``, creating mappings.

    With ``copied`` (ids of containers already private to this edit), each container on the path is
    copied before it is changed, so data shared with the original is never modified.
    """
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(f"{'.'.join(parts[: i + 1])}: no list item {part!r} (length {len(node)})")
            key: Any = int(part)
        elif isinstance(node, dict):
            key = part
            if not last and node.get(part) is None:
                node[part] = {}
        else:
            raise KeyError(f"{'.'.join(parts[:i])}: is a value, cannot hold {part!r}")
        if last:
            node[key] = value
            return
        child = node[key]
        if copied is not None and isinstance(child, dict | list) and id(child) not in copied:
            child = dict(child) if isinstance(child, dict) else list(child)
            copied.add(id(child))
            node[key] = child
        node = child


class _PatchError(Exception):
    """An override path that cannot be set: the override's key and why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def _patched(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with ``overrides`` set (the changed paths and the values set are copied, nothing else)."""
    out = dict(data)
    copied = {id(out)}
    for key, value in overrides.items():
        try:
            set_path(out, str(key), copy.deepcopy(value), copied)
        except KeyError as exc:
            raise _PatchError(str(key), exc.args[0]) from None
    return out


def _validate(model: type[Scenario], data: dict[str, Any], origin: str) -> Scenario:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, data, origin, {}, model)) from None


def apply_overrides(scenario: Scenario, overrides: dict[str, Any], origin: str = "overrides") -> Scenario:
    """A validated copy of ``scenario`` with ``overrides`` applied."""
    try:
        data = _patched(scenario.model_dump(mode="json"), overrides)
    except _PatchError as exc:
        raise ScenarioError(f"{origin}: {exc.message}") from None
    return remember_source(_validate(type(scenario), data, origin), source_of(scenario))


def variant_problems(
    scenario: Any, worlds: Iterable[str | None] = (), conditions: Iterable[str] = ()
) -> list[str]:
    """Unknown worlds and conditions of ``scenario``, one message each (the one check, used by cells, the
    experiments runner, the factorial and the web)."""
    problems = [
        f"unknown world {w!r}; scenario {scenario.name!r} has: {', '.join(scenario.worlds) or 'none'}"
        for w in worlds
        if w is not None and w not in scenario.worlds
    ]
    problems += [
        f"unknown condition {c!r}; scenario {scenario.name!r} has: {', '.join(scenario.conditions) or 'none'}"
        for c in conditions
        if c not in scenario.conditions
    ]
    return problems


def apply_variants(scenario: Scenario, world: str | None, conditions: tuple[str, ...]) -> Scenario:
    """The scenario of one cell: the world's overrides, then each condition's, in order."""
    problems = variant_problems(scenario, [world], conditions)
    if problems:
        raise ScenarioError(problems)
    data = scenario.model_dump(mode="json")
    steps: list[tuple[str, dict[str, Any]]] = []
    if world is not None:
        steps.append((f"worlds.{world}.set", scenario.worlds[world].set))
    for name in conditions:
        steps.append((f"conditions.{name}.set", scenario.conditions[name].set))
    for origin, overrides in steps:
        try:
            data = _patched(data, overrides)
        except _PatchError as exc:
            raise ScenarioError(f"{origin}: {exc.message}") from None
    label = "+".join(conditions) or "status quo"
    return _validate(type(scenario), data, f"cell (world={world}, conditions={label})")


def check_variants(scenario: Scenario, origin: str = "<mapping>", lines: Lines | None = None) -> list[str]:
    """Problems of each world and condition applied alone, located at the override that causes them.

    Each check validates the scenario without its variants plus one variant's overrides, so the work is
    (number of variants) x (scenario size without variants); load.py caps the number of variants.
    """
    lines = lines or {}
    model = type(scenario)
    base = scenario.model_dump(mode="json", exclude={"conditions", "worlds"})
    problems: list[str] = []
    for kind, variants in (("worlds", scenario.worlds), ("conditions", scenario.conditions)):
        for name, variant in variants.items():
            try:
                data = _patched(base, variant.set)
            except _PatchError as exc:
                problems.append(_located(origin, lines, kind, name, (exc.key,), exc.message))
                continue
            try:
                model.model_validate(data)
            except ValidationError as exc:
                keys = {_plain(split_dotted(str(k))): str(k) for k in variant.set}
                prefixes = {parts[:n]: k for parts, k in reversed(keys.items()) for n in range(2, len(parts))}
                for path, text in error_items(exc, data, model):
                    problems.append(_variant_problem(origin, lines, (kind, name), keys, prefixes, path, text))
    return problems


def _variant_problem(
    origin: str,
    lines: Lines,
    variant: tuple[str, str],
    keys: dict[tuple[str, ...], str],
    prefixes: dict[tuple[str, ...], str],
    path: tuple[Any, ...],
    text: str,
) -> str:
    """A problem of a variant's cell, at the override key that sets ``path`` (or an ancestor of it)."""
    kind, name = variant
    for n in range(len(path), 0, -1):
        key = keys.get(_plain(path[:n]))
        if key is not None:
            return _located(origin, lines, kind, name, (key, *path[n:]), f"{dotted(path)}: {text}")
    for n in range(len(path), 1, -1):  # an override made the mapping at path[:n] (now incomplete)
        key = prefixes.get(_plain(path[:n]))
        if key is not None:
            return _located(origin, lines, kind, name, (key,), f"{dotted(path)}: {text}")
    singular = kind[:-1]
    return _located(origin, lines, kind, name, (), f"with this {singular} applied, {dotted(path)}: {text}")


def _plain(path: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(p) for p in path)


def _located(origin: str, lines: Lines, kind: str, name: str, sub: tuple[Any, ...], text: str) -> str:
    line = line_of(lines, (kind, name, "set", *sub)) if sub else line_of(lines, (kind, name))
    where = f"{origin}:{line}" if line else origin
    return f"{where}: {kind}.{name}: {text}"
