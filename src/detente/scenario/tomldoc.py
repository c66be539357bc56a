"""TOML documents: nesting bounded before parsing, messages with file and line, a best-effort line map."""

from __future__ import annotations

import ast
import re
import tomllib
from typing import Any

from detente.errors import DetenteError, ScenarioError
from detente.limits import limits

Lines = dict[tuple[Any, ...], int]
"""Field path (keys and list indices) → 1-based line number of where it is written."""


def parse_toml(
    text: str, origin: str, error: type[DetenteError] = ScenarioError
) -> tuple[dict[str, Any], Lines]:
    """Data and (best-effort) line map of TOML text; bracket nesting is bounded before parsing."""
    bound = limits().depth
    deep, starts = _scan(text, bound)
    if deep:
        raise error(
            f"{origin}:{deep}: nesting is deeper than the limit of {bound:,} levels; set DETENTE_MAX_DEPTH to raise it"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(_toml_message(str(exc), text, origin)) from None
    except RecursionError:
        raise error(f"{origin}: not valid TOML: nesting is too deep") from None
    return data, _line_map(starts)


_TOML_TABLE = re.compile(r"^Cannot declare \((.*)\) twice$")
_TOML_AT = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")
_TOML_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _toml_message(message: str, text: str, origin: str) -> str:
    match = _TOML_AT.match(message)
    if not match:
        return f"{origin}: not valid TOML: {message}"
    problem, line = match.group(1), int(match.group(2))
    if problem == "Cannot overwrite a value":
        lines = text.splitlines()
        key = _TOML_KEY.match(lines[line - 1]) if line <= len(lines) else None
        if key:
            name = key.group(1)
            first = next(
                (
                    i + 1
                    for i in range(line - 2, -1, -1)
                    if (m := _TOML_KEY.match(lines[i])) and m.group(1) == name
                ),
                None,
            )
            both = f" (lines {first} and {line})" if first else ""
            return f"{origin}:{line}: not valid TOML: duplicate key {name!r}{both}; remove one"
    table = _TOML_TABLE.match(problem)
    if table:
        try:
            name = ".".join(ast.literal_eval(f"({table.group(1)})"))
        except (ValueError, SyntaxError, TypeError):
            name = table.group(1)
        header = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]\s*(#.*)?$")
        lines = text.splitlines()
        first = next((i + 1 for i in range(min(line - 1, len(lines))) if header.match(lines[i])), None)
        both = f" (lines {first} and {line})" if first else ""
        return f"{origin}:{line}: not valid TOML: table [{name}] is declared twice{both}; merge them"
    return f"{origin}:{line}: not valid TOML: {problem[:1].lower()}{problem[1:]}"


def _scan(text: str, bound: int) -> tuple[int | None, list[tuple[int, str]]]:
    """The line where ``[``/``{`` nesting outside strings and comments first exceeds ``bound`` (else None),
    and the lines that start outside any string or bracket (number, text) for the line map."""
    depth, line, i, n = 0, 1, 0, len(text)
    starts: list[tuple[int, str]] = []
    if text:
        starts.append((1, text[: text.find("\n")] if "\n" in text else text))
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            if depth == 0:
                end = text.find("\n", i + 1)
                starts.append((line, text[i + 1 : n if end < 0 else end]))
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i : i + 3] if text.startswith(c * 3, i) else c
            end = i + len(quote)
            while True:
                end = text.find(quote, end)
                if end < 0 or c == "'" or text[end - 1] != "\\" or _escaped_backslash(text, end - 1):
                    break
                end += 1
            stop = n if end < 0 else end + len(quote)
            line += text.count("\n", i, stop)
            i = stop
            continue
        elif c in "[{":
            depth += 1
            if depth > bound:
                return line, starts
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return None, starts


def _escaped_backslash(text: str, j: int) -> bool:
    """Whether the backslash at ``j`` is itself escaped (an even run of backslashes ends there)."""
    run = 0
    while j >= 0 and text[j] == "\\":
        run += 1
        j -= 1
    return run % 2 == 0


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]#]+?)\s*\]\]?\s*(#.*)?$")
_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*""")


def _parts(key: str) -> tuple[str, ...]:
    return tuple(
        m.group(1) if m.group(1) is not None else m.group(2) or m.group(3) or "" for m in _PART.finditer(key)
    )


def _line_map(starts: list[tuple[int, str]]) -> Lines:
    """Field path → line for table headers and ``key = value`` lines outside strings and brackets."""
    lines: Lines = {}
    arrays: dict[tuple[str, ...], int] = {}
    table: tuple[Any, ...] = ()

    def resolve(parts: tuple[str, ...]) -> tuple[Any, ...]:
        out: list[Any] = []
        for n, part in enumerate(parts, 1):
            out.append(part)
            if parts[:n] in arrays:
                out.append(arrays[parts[:n]])
        return tuple(out)

    for number, text in starts:
        header = _HEADER.match(text)
        if header:
            parts = _parts(header.group(2))
            if header.group(1) == "[[":
                arrays[parts] = arrays.get(parts, -1) + 1
            table = resolve(parts)
            lines.setdefault(table, number)
            continue
        key = _TOML_KEY.match(text)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
    return lines
