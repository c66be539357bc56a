"""Pydantic validation errors as user-facing lines: ``file:line: field.path: what was expected``.

Kept apart from loading and overrides so that both can use it without importing each other.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

Lines = dict[tuple[Any, ...], int]
_PATH_MSG = re.compile(r"^([A-Za-z_][\w.]*): (.*)$")


def format_errors(
    exc: ValidationError, data: Any, origin: str, lines: Lines, root: type[BaseModel]
) -> list[str]:
    """One readable line per problem: ``origin:line: field.path: what was expected``."""
    return [locate(origin, lines, path, text) for path, text in error_items(exc, data, root)]


def error_items(exc: ValidationError, data: Any, root: type[BaseModel]) -> list[tuple[tuple[Any, ...], str]]:
    """(field path in ``data``, what was expected) for each problem, keys named as written."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        grouped.setdefault(data_path(data, err["loc"]), []).append(err)
    items: list[tuple[tuple[Any, ...], str]] = []
    for path, errs in grouped.items():
        items.extend(_messages(errs, path, data, root))
    return items


def locate(origin: str, lines: Lines, path: tuple[Any, ...], text: str) -> str:
    """``origin:line: field.path: text`` (the line of the nearest written ancestor; none if unknown)."""
    line = line_of(lines, path)
    where = f"{origin}:{line}" if line else origin
    if len(text) > 300:
        text = f"{text[:240]}…{text[-40:]}"
    return f"{where}: {dotted(path) or '(top level)'}: {text}"


def line_of(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def dotted(path: tuple[Any, ...]) -> str:
    """``sides.R.elite.eta`` for a path of keys and list indices."""
    return ".".join(str(p) for p in path)


def split_dotted(field: str) -> tuple[Any, ...]:
    """The path of a dotted field (digits become list indices)."""
    return tuple(int(p) if p.isdigit() else p for p in field.split("."))


def shown(value: Any, width: int = 60) -> str:
    """``repr(value)``, shortened for a message."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 5]}…{text[-4:]}"


def data_path(
    data: Any, loc: tuple[Any, ...], is_tag: Callable[[str], bool] | None = None
) -> tuple[Any, ...]:
    """The part of a pydantic error location that names real keys/indices of the input (``is_tag`` says
    which location parts are pydantic's union/validator tags rather than keys)."""
    is_tag = is_tag or _is_tag
    path: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not is_tag(part):
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
                if match and match.group(1).split(".")[0] in (_allowed_keys(root, path) or root.model_fields):
                    out.append(((*path, *split_dotted(match.group(1))), match.group(2)))
                else:
                    out.append((path, line))
        return out
    kinds = {e["type"] for e in errs}
    if any(e["loc"] and e["loc"][-1] == "[key]" for e in errs) and path:
        return [(path, f"a key must be text, got {shown(path[-1])} ({type(path[-1]).__name__})")]
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
        return [(path, f"expected a number, got {shown(value)}")]
    if "literal_error" in kinds:
        lit = next(e for e in errs if e["type"] == "literal_error")
        return [(path, f"expected {lit['ctx']['expected']}, got {shown(value)}")]
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
