"""Help conventions for every command: flags show no value placeholder, valued options a readable type.

Typer's own help labels every parameter with a Python type (``<bool>``, ``<int>``, ``<list[str]>``).
Here flags get no placeholder and other options the classic upper-case type (``INTEGER``, ``FLOAT``,
``TEXT``, ``PATH``), applied once to each command's parameters (``--help`` included) when help,
usage or parsing asks for them.
"""

from __future__ import annotations

import inspect
from pathlib import PurePath
from typing import Any, get_args, get_origin

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

_LABELS: dict[type, str] = {int: "INTEGER", float: "FLOAT", str: "TEXT", bool: "BOOLEAN"}


def type_label(param: Any) -> str:
    """The placeholder of a valued parameter: INTEGER, FLOAT, TEXT, PATH or the choices ``[a|b]``."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:  # a plain click parameter
        return str(getattr(getattr(param, "type", None), "name", "text")).upper()
    if desc.is_choice and desc.choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices) + "]"
    annotation = desc.annotation
    if get_origin(annotation) in (list, tuple):
        annotation = next(iter(get_args(annotation)), str)
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return "PATH"
    return _LABELS.get(annotation, "VALUE") if isinstance(annotation, type) else "VALUE"


class _Argument(TyperArgument):
    """A positional argument shown as ``NAME`` with its type beside it."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return type_label(self)


def readable(param: Any) -> Any:
    """Give ``param`` the help conventions (idempotent; a metavar set by a command is kept)."""
    if getattr(param, "_detente_help", False):
        return param
    param._detente_help = True
    if isinstance(param, TyperArgument):
        if type(param) is TyperArgument:
            param.__class__ = _Argument
        if param.metavar is None:
            param.metavar = (param.name or "value").upper()
    elif getattr(param, "is_flag", False) or getattr(param, "count", False):
        param.metavar = ""
    elif param.metavar is None:
        param.metavar = type_label(param)
    return param


def unwrap(text: str | None) -> str | None:
    """A docstring's paragraphs each on one line, so the terminal wraps them (``\\b`` keeps a paragraph)."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split("\n")) for p in paragraphs)


class DetenteCommand(TyperCommand):
    """A typer command whose help text and parameters follow the help conventions."""

    def __init__(self, *args: Any, help: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, help=unwrap(help), **kwargs)

    def get_params(self, ctx: Any) -> list[Any]:
        return [readable(p) for p in super().get_params(ctx)]


class DetenteGroup(TyperGroup):
    """A typer group whose own parameters (``--version``, ``--help``, completion) follow the conventions.

    Its flags default to False rather than None: a bool needs no conversion, so ``detente CMD --help``
    does not load typer's pydantic-based converters just to read the unused completion flags.
    """

    def get_params(self, ctx: Any) -> list[Any]:
        params = [readable(p) for p in super().get_params(ctx)]
        for p in params:
            if getattr(p, "is_flag", False) and p.default is None:
                p.default = False
        return params


def apply_conventions(app: typer.Typer) -> None:
    """Make every command of ``app`` (and of its sub-apps) a ``DetenteCommand`` unless it chose a class."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = DetenteCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            apply_conventions(group.typer_instance)
