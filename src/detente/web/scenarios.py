"""Scenarios for the web page: bundled or uploaded, problems made structured, the form described.

Uploaded text goes through the library's scenario loader (the limits, encodings and duplicate-key
checks of files apply alike) and may not name files: history tables must be 'bundled' or inline rows,
so no request can make the server read a path. Knobs (sliders) live in ``detente.scenario.knobs``.
"""

from __future__ import annotations

import logging
import re
import types
import typing
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from detente.errors import DetenteError, ScenarioError
from detente.scenario.knobs import knob_values, schedule_start
from detente.scenario.schema import Scenario, month_label

_WITH_LINE = re.compile(r"^(?P<origin>[^:]*):(?P<line>\d+): (?P<rest>.*)$", re.S)
_FIELD = re.compile(r"^(?P<field>\(top level\)|[A-Za-z_][\w\-]*(?:\.[\w\-]+)*): (?P<message>.*)$", re.S)
log = logging.getLogger("detente.web")


def problem_items(problems: list[str], origin: str | None = None) -> list[dict[str, Any]]:
    """Split 'origin:line: field.path: message' lines into {field, line, message, text} for the page."""
    out = []
    for text in problems:
        line, rest = None, text
        match = _WITH_LINE.match(text)
        if match:
            line, rest = int(match.group("line")), match.group("rest")
        elif origin and text.startswith(f"{origin}: "):
            rest = text[len(origin) + 2 :]
        field_match = _FIELD.match(rest)
        field, message = (
            (field_match.group("field"), field_match.group("message")) if field_match else (None, rest)
        )
        if field == "(top level)":
            field = None
        out.append({"field": field, "line": line, "message": message, "text": text})
    return out


def _file_references(data: Any, origin: str) -> list[str]:
    """Uploaded scenarios may not name files (history tables): only 'bundled' or inline rows."""
    hist = data.get("history") if isinstance(data, dict) else None
    if not isinstance(hist, dict):
        return []
    problems = []
    for key in ("events", "periods"):
        value = hist.get(key, "bundled")
        if isinstance(value, str) and value != "bundled":
            problems.append(
                f"{origin}: history.{key}: an uploaded scenario cannot name a file ({value!r}); "
                "use 'bundled' or give the rows inline"
            )
    return problems


def from_yaml_text(text: str, origin: str = "upload.yaml") -> Scenario:
    """A validated scenario from uploaded YAML text, read as the loader reads a file; file references refused."""
    from detente.scenario.document import parse_text
    from detente.scenario.load import validate_mapping

    raw = text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8, refused as such
    data, lines = parse_text(raw, origin)
    problems = _file_references(data, origin)
    if problems:
        raise ScenarioError(problems)
    return validate_mapping(data, origin=origin, lines=lines)


def param_problems(params: dict[str, Any]) -> list[str]:
    """Edits the page may not make: variants (they are check boxes) and file names in ``history``."""
    problems = []
    for path, value in params.items():
        head = path.split(".")[0]
        if head in ("conditions", "worlds"):
            problems.append(f"params: {path}: {head} are switched on with their check boxes, not edited here")
        elif head == "history":
            data = {"history": value} if path == "history" else {"history": {path.split(".", 2)[1]: value}}
            if path.count(".") <= 1:
                problems += _file_references(data, "params")
    return problems


def with_params(scenario: Scenario, params: dict[str, Any]) -> Scenario:
    """``scenario`` with the editor's dotted-path values set and validated; ``ScenarioError`` names each field."""
    problems = param_problems(params)
    if problems:
        raise ScenarioError(problems)
    return scenario.apply(params, origin="params") if params else scenario


def safe_origin(filename: str | None) -> str:
    """A display name for an uploaded file: its base name, plain characters only."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = re.sub(r"[^\w.\-]", "_", base)[:80].strip(".")
    return base or "upload.yaml"


def base_scenario(name: str | None, text: str | None, filename: str | None = None) -> Scenario:
    """The scenario a request names: uploaded YAML text if given, else a bundled scenario by name."""
    from detente.scenario.load import bundled_scenarios, load_scenario

    if text is not None:
        origin = safe_origin(filename)
        try:
            return from_yaml_text(text, origin)
        except (DetenteError, MemoryError):
            raise
        except Exception as exc:  # a loader bug must not become a 500 for one bad file; it is logged
            log.exception("uploaded scenario %s could not be read", origin, exc_info=exc)
            raise ScenarioError(f"{origin}: the file could not be read ({type(exc).__name__})") from None
    name = name or "reset-2009"
    known = bundled_scenarios()
    if name not in known:
        raise ScenarioError(f"scenario: no bundled scenario {name!r} (bundled: {', '.join(known)})")
    return load_scenario(name)


def describe(scenario: Scenario) -> dict[str, Any]:
    """What the page needs to build its form: sides with slider values, conditions, worlds, dates."""
    values = knob_values(scenario)
    sides = [{"id": sid, "name": side.name, "knobs": values[sid]} for sid, side in scenario.sides.items()]
    variants = {
        kind: [
            {"id": k, "label": v.label or k, "description": v.description or ""}
            for k, v in getattr(scenario, kind).items()
        ]
        for kind in ("conditions", "worlds")
    }
    return {
        "name": scenario.name,
        "title": scenario.title or scenario.name,
        "description": (scenario.description or "").strip(),
        "start": scenario.start[:7],
        "end": month_label(scenario.start, scenario.horizon - 1),
        "horizon": scenario.horizon,
        "runs": scenario.runs,
        "seed": scenario.seed,
        "seed_text": str(scenario.seed),
        "issues": [{"id": k, "label": v.label or k, "kind": v.kind} for k, v in scenario.issues.items()],
        "sides": sides,
        "conditions": variants["conditions"],
        "worlds": variants["worlds"],
        "threat_start": schedule_start(scenario, "threat"),
        "inclusion_start": schedule_start(scenario, "inclusion"),
        **parameters(scenario),
    }


MAX_PARAMETERS = 3000
"""Editable values listed for the page's editor (a scenario with more lists the first ones)."""
NOT_EDITED = {"conditions", "worlds", "history.events", "history.periods", "runs", "seed"}
"""Parts of a scenario the editor leaves alone: variants are check boxes, tables are files or rows,
runs and seed have their own fields."""
UNDOCUMENTED = {
    "date": "Month of the item ('YYYY-MM' or 'YYYY-MM-DD').",
    "start": "Month from which the step's value holds.",
    "value": "The schedule's value from this step on.",
    "side": "The side it concerns (a side id).",
    "sender": "The side that sends the signal.",
    "actor": "The side that acts.",
    "label": "A name shown in reports.",
    "kind": "A free-text kind of event.",
    "goldstein": "Goldstein scale of the act, -10 (hostile) .. 10 (cooperative).",
    "valence": "-1 hostile, 0 neutral, 1 friendly (with goldstein, sets the event's weight).",
    "description": "Words shown on the page.",
}
"""Words for schema fields without a description, by the field's last name."""
DATED_LISTS = re.compile(
    r"^(events|levers\.[a-z_]+|schedules\.[a-z_]+(\.[\w\-]+)?|history\.(threat|inclusion))$"
)
"""Lists whose items the page can switch on and off."""


def parameters(scenario: Scenario) -> dict[str, Any]:
    """Every editable value of ``scenario`` as ``{path, value, doc}`` (dotted paths, as overrides take
    them; a distribution is one value) and the dated lists whose items can be switched off."""
    docs = field_docs()
    found: list[dict[str, Any]] = []
    lists: list[dict[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if path in NOT_EDITED:
            return
        if isinstance(node, dict) and node and "dist" not in node:
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            if DATED_LISTS.match(path):
                lists.append({"path": path, "items": node})
            for i, value in enumerate(node):
                walk(value, f"{path}.{i}")
        else:
            found.append({"path": path, "value": node, "doc": doc_of(path, docs)})

    walk(scenario.model_dump(mode="json"), "")
    return {
        "parameters": found[:MAX_PARAMETERS],
        "parameters_truncated": len(found) > MAX_PARAMETERS,
        "lists": lists,
    }


def generic(path: str) -> str:
    """A value's path with the keys of open mappings (sides, issues, ...) and list indices as ``*``."""
    parts = path.split(".")
    out = []
    for i, part in enumerate(parts):
        open_key = (
            i > 0
            and parts[i - 1] in ("sides", "issues", "p_start", "actors")
            and i == 1 + (parts[0] == "history")
        )
        out.append("*" if part.isdigit() or open_key else part)
    return ".".join(out)


def doc_of(path: str, docs: dict[str, dict[str, Any]]) -> str:
    """The schema description of the field at ``path`` (or of the nearest described parent)."""
    parts = generic(path).split(".")
    for n in range(len(parts), 0, -1):
        entry = docs.get(".".join(parts[:n]))
        if entry and entry["description"]:
            return entry["description"]
        if n == len(parts) and parts[-1] in UNDOCUMENTED:
            return UNDOCUMENTED[parts[-1]]
    return ""


def _models(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """Models inside an annotation, each with the path step that reaches it ('' direct, '*' a key or index)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [] if annotation.__module__.endswith(".distributions") else [("", annotation)]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple):
        return [("*" + step, m) for a in args for step, m in _models(a)]
    if origin is dict and len(args) == 2:
        return [("*" + step, m) for step, m in _models(args[1])]
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return [x for a in args for x in _models(a)]
    return []


@lru_cache(maxsize=1)
def field_docs() -> dict[str, dict[str, Any]]:
    """Every field of the scenario schema by generic dotted path: its description and default."""
    out: dict[str, dict[str, Any]] = {}

    def walk(model: type[BaseModel], prefix: str, depth: int) -> None:
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            if isinstance(default, BaseModel) or default in ([], {}):
                default = None
            elif default is not None and not isinstance(default, str | int | float | bool):
                default = str(default)
            description = info.description or ""
            if not description:
                for _, sub in _models(info.annotation):
                    description = (sub.__doc__ or "").strip().splitlines()[0]
                    break
            out[path] = {"path": path, "description": description, "default": default}
            if depth < 6:
                for step, sub in _models(info.annotation):
                    walk(sub, f"{path}.{'.'.join(step)}." if step else f"{path}.", depth + 1)

    walk(Scenario, "", 0)
    return out
