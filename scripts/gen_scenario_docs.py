"""Regenerate the field tables of docs/scenario-format.md from the pydantic models (run after schema edits)."""

from __future__ import annotations

import types
import typing
from pathlib import Path

from pydantic import BaseModel

from detente.scenario import schema

MODELS = [
    schema.Scenario,
    schema.Side,
    schema.Belief,
    schema.Elite,
    schema.Behaviour,
    schema.Learning,
    schema.Issue,
    schema.Inclusion,
    schema.Schedules,
    schema.Step,
    schema.Levers,
    schema.Join,
    schema.Leadership,
    schema.Reset,
    schema.Signal,
    schema.Event,
    schema.Variant,
    schema.History,
]
BEGIN, END = "<!-- fields:begin -->", "<!-- fields:end -->"


def _render(annotation: typing.Any) -> str:
    """A type as a reader writes it: ``str | None``, ``list[Step]`` (validators and addresses left out)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is type(None):
        return "None"
    if origin is typing.Annotated:
        return _render(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_render(a) for a in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is not None and args:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_render(a) for a in args)}]"
    if annotation is typing.Any:
        return "Any"
    return getattr(annotation, "__name__", str(annotation))


def _type(annotation: typing.Any) -> str:
    text = _render(annotation)
    if "Uniform" in text:
        text = "number or distribution"
    return text.replace("|", "\\|")


def tables() -> str:
    out = []
    for model in MODELS:
        out.append(f"### `{model.__name__}`\n\n{(model.__doc__ or '').strip()}\n")
        out.append("| field | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            default = (
                "required" if field.is_required() else repr(field.get_default(call_default_factory=True))
            )
            if isinstance(field.get_default(call_default_factory=True), BaseModel):
                default = "(defaults)"
            out.append(
                f"| `{name}` | {_type(field.annotation)} | {default} | {(field.description or '').replace('|', chr(92) + '|')} |"
            )
        out.append("")
    return "\n".join(out)


def main() -> None:
    path = Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md"
    text = path.read_text()
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    path.write_text(f"{head}{BEGIN}\n{tables()}\n{END}{tail}")


if __name__ == "__main__":
    main()
