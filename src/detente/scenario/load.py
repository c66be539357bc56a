"""Load scenarios from YAML/TOML files, bundled names or mappings; report problems as file:line: field: what.

Every problem becomes one line naming the file, the line where known, the dotted field path and what
was expected; ``ScenarioError`` carries them all (the CLI prints them and exits 2).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from detente.errors import ScenarioError
from detente.limits import limits, over_limit
from detente.scenario.document import (
    Lines,
    dump_yaml,
    key_problems,
    parse_text,
    read_document,
    remember_source,
    structure_problem,
)
from detente.scenario.errors import dotted, error_items, format_errors, line_of, locate, split_dotted
from detente.scenario.overrides import check_variants
from detente.scenario.schema import Scenario, reference_problems

__all__ = [
    "bundled_path",
    "bundled_scenarios",
    "dump_yaml",
    "format_errors",
    "load_scenario",
    "parse_document",
    "read_document",
    "resolve_source",
    "validate_mapping",
]

_BUILTIN = "detente.scenario.builtin"
MAX_PROBLEMS = 100
"""Problems listed for one file; the rest are counted."""


def bundled_scenarios() -> dict[str, str]:
    """Bundled scenario names → one-line titles."""
    out: dict[str, str] = {}
    for entry in sorted(resources.files(_BUILTIN).iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            out[entry.name.rsplit(".", 1)[0]] = str(data.get("title", ""))
    return out


def bundled_path(name: str) -> Path:
    """Path of a bundled scenario file."""
    return Path(str(resources.files(_BUILTIN).joinpath(f"{name}.yaml")))


def resolve_source(source: str | Path) -> Path:
    """A file path for a bundled name or a path; unknown names list the bundled ones."""
    if not str(source).strip():
        raise ScenarioError(
            "scenario: expected a scenario file (YAML or TOML) or a bundled name, got an empty name"
        )
    path = Path(source)
    try:
        if path.is_file():
            return path
        exists = path.exists()
    except (OSError, ValueError) as exc:
        raise ScenarioError(
            f"{source!s:.200}: cannot use this path ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    if exists:
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise ScenarioError(f"{source}: is {kind}; give a scenario file (YAML or TOML) or a bundled name")
    if isinstance(source, str) and source in bundled_scenarios():
        return bundled_path(source)
    names = ", ".join(bundled_scenarios())
    raise ScenarioError(f"{source}: no such file, and no bundled scenario of that name (bundled: {names})")


def load_scenario(source: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """A validated scenario from a bundled name, a YAML/TOML path, a mapping or a scenario."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        return validate_mapping(source, origin="<mapping>")
    path = resolve_source(source)
    data, lines = read_document(path)
    scenario = validate_mapping(data, origin=str(path), lines=lines, base_dir=path.parent)
    return remember_source(_with_base(scenario, path), path)


def parse_document(raw: bytes | str, origin: str, suffix: str = ".yaml") -> tuple[dict[str, Any], Lines]:
    """Data and line map of an uploaded scenario (bytes or text), read exactly as a file is read."""
    return parse_text(raw, origin, suffix, ScenarioError, "scenario")


def _with_base(scenario: Scenario, path: Path) -> Scenario:
    """Make relative history file paths relative to the scenario file."""
    hist = scenario.history
    if hist is None:
        return scenario
    updates = {}
    for key in ("events", "periods"):
        value = getattr(hist, key)
        if isinstance(value, str) and value != "bundled" and not Path(value).is_absolute():
            updates[key] = str((path.parent / value).resolve())
    if not updates:
        return scenario
    return scenario.model_copy(update={"history": hist.model_copy(update=updates)})


def validate_mapping(
    data: dict[str, Any], origin: str, lines: Lines | None = None, base_dir: Path | None = None
) -> Scenario:
    """Validate a mapping as a scenario, raising ``ScenarioError`` with one line per problem.

    ``base_dir`` (the scenario file's folder) is where relative file references are looked for.
    """
    lines = lines or {}
    _check_shape(data, origin, lines)
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": base_dir} if base_dir else None)
    except ValidationError as exc:
        items = error_items(exc, data, Scenario)
        texts = {(dotted(path), text) for path, text in items}
        fields = {field for field, _ in texts}
        for extra in reference_problems(data):
            field, _, text = extra.partition(": ")
            if field in fields and any(f == field and text in t for f, t in texts):
                continue  # already reported by a model validator
            items.append((split_dotted(field), text))
        problems = [locate(origin, lines, path, text) for path, text in items]
        raise ScenarioError(_capped(list(dict.fromkeys(problems)))) from None
    problems = check_variants(scenario, origin, lines)
    if problems:
        raise ScenarioError(_capped(problems))
    return scenario


def _check_shape(data: Any, origin: str, lines: Lines) -> None:
    """Refuse what would make validation slow or crash: deep or huge data, non-text keys, too many variants."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: expected a mapping of scenario fields, got {type(data).__name__}")
    problem = structure_problem(data)
    if problem:
        raise ScenarioError(f"{origin}: {problem}")
    problems = [locate(origin, lines, path, text) for path, text in key_problems(data)]
    bound = limits().conditions
    for kind in ("conditions", "worlds"):
        variants = data.get(kind)
        if isinstance(variants, dict) and len(variants) > bound:
            message = over_limit(kind, "conditions", len(variants), kind)
            problems.append(
                f"{origin}:{line_of(lines, (kind,))}: {message}"
                if (kind,) in lines
                else f"{origin}: {message}"
            )
    if problems:
        raise ScenarioError(problems)


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS:,} more problems"]
