"""Regenerate the field tables of docs/scenario-format.md from the pydantic models of a scenario.

Run after any change to ``src/detente/scenario/schema.py``::

    .venv/bin/python scripts/gen_scenario_docs.py          # rewrite the tables in place
    .venv/bin/python scripts/gen_scenario_docs.py --check  # exit 1 if they are out of date

Only the text between ``<!-- fields:begin -->`` and ``<!-- fields:end -->`` is generated; the guide around
it is written by hand. The output is deterministic: models appear in the order a reader meets them
(``Scenario`` first, then each model the first time a field refers to it, then any other model of
``schema.py`` in source order), fields in declaration order, types as a scenario author writes them
(``number or distribution``, ``list of Step``), defaults as YAML. No Python reprs and no HTML entities.
"""

from __future__ import annotations

import inspect
import json
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from detente.scenario import schema

BEGIN, END = "<!-- fields:begin -->", "<!-- fields:end -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md"
MEANINGS = {
    # Fields whose schema.py description is empty (until it has one there): model.field -> meaning.
    "Step.start": "Date from which the value holds (until the next step).",
    "Step.value": "The schedule's value from that date: tau >= 0 for threat, iota in [0, 1] for inclusion.",
    "Levers.leadership": "Dated leadership changes (Cold-War share drops or is set; the type may change).",
    "Levers.resets": "Dated resets: grievances cleared, beliefs unchanged.",
    "Levers.signals": "Dated costly signals: a large enough concession reveals a benign sender.",
    "Levers.joins": "Dated type switches: the side becomes benign (B) from the date.",
    "Join.side": "The side whose type is set to B.",
    "Join.date": "From when.",
    "Leadership.side": "The side whose leadership changes.",
    "Leadership.date": "When.",
    "Leadership.dh": "Share of the Cold-War cohort that leaves: h <- h*(1 - dh).",
    "Reset.date": "When grievances are cleared.",
    "Reset.label": "Display name (e.g. 'Moscow summit').",
    "Signal.date": "When the concession is made.",
    "Signal.sender": "The side that makes it.",
    "Event.date": "When it happened (its month is the month it acts in).",
    "Event.actor": "The side that acted.",
    "Event.observer": "The side whose trust the event moves, or 'both'.",
    "Event.label": "Display name.",
    "Event.kind": "Free-form category (e.g. a CAMEO code), for reading only.",
    "Event.goldstein": "Goldstein score (-10 hostile .. +10 cooperative); with valence and event_scale sets "
    "ln(lr) = event_scale*|goldstein|*(-valence) when lr is not given.",
    "Event.valence": "-1 hostile, 0 neutral, +1 friendly (the sign of the evidence; per observer as a mapping).",
    "Variant.label": "Display name.",
    "Variant.description": "What the variant represents.",
    "Variant.set": "Dotted path -> value, applied over the scenario (e.g. sides.R.elite.eta: 0.35).",
}
_DISTRIBUTIONS = {"Uniform", "Normal", "Beta", "Triangular", "Choice"}


def models() -> list[type[BaseModel]]:
    """Every scenario model, in the order a reader meets them from ``Scenario`` down."""
    out: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in out:
            return
        out.append(model)
        for field in model.model_fields.values():
            for found in _models_in(field.annotation):
                visit(found)

    visit(schema.Scenario)
    rest = [
        m
        for m in vars(schema).values()
        if isinstance(m, type) and issubclass(m, schema._Model) and m is not schema._Model and m not in out
    ]
    return out + sorted(rest, key=lambda m: inspect.getsourcelines(m)[1])


def _models_in(annotation: typing.Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, schema._Model):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def field_type(field: typing.Any) -> str:
    """A field's type as a scenario author writes it (pydantic keeps a field's own ``Annotated`` parts apart)."""
    annotation = field.annotation
    if field.metadata:
        annotation = typing.Annotated[(annotation, *field.metadata)]
    return render(annotation)


def meaning(model: type[BaseModel], name: str) -> str:
    """What a field means: its description in schema.py, else the entry of ``MEANINGS`` here."""
    return model.model_fields[name].description or MEANINGS.get(f"{model.__name__}.{name}", "")


def render(annotation: typing.Any) -> str:
    """A type as a scenario author writes it: ``number or distribution``, ``list of Step``, ``text or null``."""
    parts: list[str] = []
    for part in _alternatives(annotation):
        if part not in parts:
            parts.append(part)
    if "number" in parts and "distribution" in parts:
        parts.remove("distribution")
        parts[parts.index("number")] = "number or distribution"
    return " or ".join(parts)


def _alternatives(annotation: typing.Any) -> list[str]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        for meta in annotation.__metadata__:
            given = getattr(meta, "json_schema_input_type", None)
            if given is not None and given is not typing.Any and not _unset(given):
                return _alternatives(given)
            if getattr(getattr(meta, "func", None), "__name__", "") == "_normalise_date":
                return ["date (YYYY-MM or YYYY-MM-DD)"]
        return _alternatives(args[0])
    if origin in (typing.Union, types.UnionType):
        return [alt for arg in args for alt in _alternatives(arg)]
    if origin is typing.Literal:
        return [json.dumps(a) if isinstance(a, str) else str(a) for a in args]
    if origin in (list, tuple):
        return [f"list of {_grouped(args[0])}" if args else "list"]
    if origin is dict:
        return [f"mapping of name to {_grouped(args[1])}" if len(args) == 2 else "mapping"]
    names = {type(None): "null", float: "number", int: "whole number", str: "text", bool: "true or false"}
    if annotation in names:
        return [names[annotation]]
    if annotation is typing.Any:
        return ["any value"]
    name = getattr(annotation, "__name__", None)
    if name in _DISTRIBUTIONS:
        return ["distribution"]
    if name is None:
        raise TypeError(f"cannot name the type {annotation!r} for the docs; extend render()")
    return [f"[{name}](#{name.lower()})" if _documented(annotation) else name]


def _unset(value: typing.Any) -> bool:
    return type(value).__name__ == "PydanticUndefinedType"


def _documented(annotation: typing.Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, schema._Model)


def _grouped(annotation: typing.Any) -> str:
    text = render(annotation)
    return f"({text})" if " or " in text else text


def default(field: typing.Any) -> str:
    """A field's default as YAML would spell it (``required`` if it has none)."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(defaults)"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def tables() -> str:
    """The generated part of docs/scenario-format.md: one table per model."""
    out = []
    for model in models():
        out.append(f"### `{model.__name__}`\n\n{inspect.cleandoc(model.__doc__ or '')}\n")
        out.append("| field | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            out.append(
                f"| `{name}` | {_cell(field_type(field))} | {_cell(default(field))} "
                f"| {_cell(meaning(model, name))} |"
            )
        out.append("")
    text = "\n".join(out)
    for bad in ("&lt;", "&gt;", "&amp;", "<class", "PydanticUndefined", " at 0x"):
        if bad in text:
            raise ValueError(f"generated docs contain {bad!r}; fix render()/default()")
    return text


def rendered(text: str) -> str:
    """``text`` (the whole page) with its generated part replaced by the current tables."""
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    return f"{head}{BEGIN}\n{tables()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    new = rendered(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC} is out of date: run scripts/gen_scenario_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
