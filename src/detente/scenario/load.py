"""Load scenarios from YAML/TOML files, bundled names or mappings; report problems as file:line: field: what.

Every problem becomes one line naming the file, the line where known, the dotted field path and what
was expected; ``ScenarioError`` carries them all (the CLI prints them and exits 2).
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from detente.errors import DetenteError, ScenarioError
from detente.scenario.schema import Scenario, reference_problems

_BUILTIN = "detente.scenario.builtin"
_PATH_MSG = re.compile(r"^([A-Za-z_][\w.]*): (.*)$")


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
    path = Path(source)
    if path.is_file():
        return path
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
    scenario = validate_mapping(data, origin=str(path), lines=lines)
    return _with_base(scenario, path)


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


def read_document(
    path: Path, error: type[DetenteError] = ScenarioError, what: str = "scenario"
) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse a YAML or TOML file into data and a map from field path to line number (errors as ``error``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror})") from None
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text), {}
        except tomllib.TOMLDecodeError as exc:
            raise error(f"{path}: not valid TOML: {exc}") from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise error(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping of {what} fields at the top level")
    lines: dict[tuple[Any, ...], int] = {}
    _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node | None, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    if node is None:
        return
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            lines[sub] = key.start_mark.line + 1
            _walk(value, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines)


def validate_mapping(
    data: dict[str, Any], origin: str, lines: dict[tuple[Any, ...], int] | None = None
) -> Scenario:
    """Validate a mapping as a scenario, raising ``ScenarioError`` with one line per problem."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = format_errors(exc, data, origin, lines or {}, Scenario)
        for extra in reference_problems(data):
            field, _, text = extra.partition(": ")
            path = tuple(int(p) if p.isdigit() else p for p in field.split("."))
            line = _line(lines or {}, path)
            message = f"{origin}:{line}: {extra}" if line else f"{origin}: {extra}"
            if message not in problems and not any(f": {field}: " in p and text in p for p in problems):
                problems.append(message)
        raise ScenarioError(problems) from None
    from detente.scenario.overrides import check_variants

    problems = check_variants(scenario)
    if problems:
        raise ScenarioError([f"{origin}: {p}" for p in problems])
    return scenario


def format_errors(
    exc: ValidationError,
    data: Any,
    origin: str,
    lines: dict[tuple[Any, ...], int],
    root: type[BaseModel],
) -> list[str]:
    """One readable line per problem: ``origin:line: field.path: what was expected``."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        path = _data_path(data, err["loc"])
        grouped.setdefault(path, []).append(err)
    problems: list[str] = []
    for path, errs in grouped.items():
        for message in _messages(errs, path, data, root):
            field, text = message
            where = f"{origin}:{_line(lines, field)}" if _line(lines, field) else origin
            problems.append(f"{where}: {_dotted(field) or '(top level)'}: {text}")
    return problems


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of a pydantic error location that names real keys/indices of the input."""
    path: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_tag(part):
            path.append(part)  # a missing or unknown key
            node = None
    return tuple(path)


def _is_tag(part: str) -> bool:
    return (
        any(c in part for c in "[]")
        or part
        in {
            "float",
            "int",
            "str",
            "bool",
            "uniform",
            "normal",
            "beta",
            "triangular",
            "choice",
            "literal['B','M','from_trust']",
            "none",
        }
        or part.startswith(("function-", "literal[", "tagged-union", "constrained-"))
    )


def _messages(
    errs: list[dict[str, Any]], path: tuple[Any, ...], data: Any, root: type[BaseModel]
) -> list[tuple[tuple[Any, ...], str]]:
    value = _get(data, path)
    value_errors = [e for e in errs if e["type"] == "value_error"]
    if value_errors:
        out = []
        for err in value_errors:
            for line in str(err["msg"]).removeprefix("Value error, ").splitlines():
                match = _PATH_MSG.match(line)
                if match and match.group(1).split(".")[0] in root.model_fields:
                    sub = tuple(int(p) if p.isdigit() else p for p in match.group(1).split("."))
                    out.append(((*path, *sub), match.group(2)))
                else:
                    out.append((path, line))
        return out
    kinds = {e["type"] for e in errs}
    if "extra_forbidden" in kinds:
        allowed = _allowed_keys(root, path[:-1])
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return [(path, f"unknown field {path[-1]!r}{hint}")]
    if "missing" in kinds:
        return [(path, "required field is missing")]
    if isinstance(value, dict) and "dist" in value:
        dist_errs = [
            e for e in errs if any(isinstance(p, str) and p in str(value.get("dist")) for p in e["loc"])
        ]
        chosen = dist_errs or [e for e in errs if e["type"] != "float_type"] or errs
        return [(path, f"{e['msg']}" + (f" (at {e['loc'][-1]})" if e["loc"] else "")) for e in chosen[:1]]
    if any(t.startswith("float") or t.startswith("int") for t in kinds) and not isinstance(value, dict):
        return [(path, f"expected a number, got {value!r}")]
    if "literal_error" in kinds:
        lit = next(e for e in errs if e["type"] == "literal_error")
        return [(path, f"expected {lit['ctx']['expected']}, got {value!r}")]
    return [(path, errs[0]["msg"])]


def _allowed_keys(root: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    model: Any = root
    for part in path:
        model = _descend(model, part)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(model.model_fields)
    return []


def _descend(model: Any, part: Any) -> Any:
    if isinstance(model, type) and issubclass(model, BaseModel):
        field = model.model_fields.get(part)
        return None if field is None else _unwrap(field.annotation)
    origin = typing.get_origin(model)
    if origin in (dict, list):
        return _unwrap(typing.get_args(model)[-1])
    return None


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _unwrap(arg)
            if (isinstance(inner, type) and issubclass(inner, BaseModel)) or typing.get_origin(inner) in (
                dict,
                list,
            ):
                return inner
        return None
    return annotation


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _line(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


def dump_yaml(scenario: Scenario) -> str:
    """YAML text of a scenario (None fields omitted; loads back equal)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
