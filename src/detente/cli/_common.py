"""Shared CLI helpers: clean error exits and JSON output, with no heavy imports."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, NoReturn

import typer


def fail(messages: str | Iterable[str], code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit with ``code`` (2 = bad input), never a traceback."""
    if isinstance(messages, str):
        messages = [messages]
    for message in messages:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def print_json(payload: Any) -> None:
    """Write ``payload`` as indented, strict JSON to stdout (undefined values as null, never NaN)."""
    from detente.report.jsondata import dumps

    sys.stdout.write(dumps(payload) + "\n")


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean bad user input (reported as clean messages, exit 2)."""
    from detente.errors import DetenteError

    return (DetenteError,)


def rich_progress(unit: str, *extra: Any, transient: bool = False) -> Any:
    """A rich progress bar on stderr: description, bar, done/total ``unit``, ``extra`` columns, elapsed, ETA."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        *extra,
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=transient,
    )
