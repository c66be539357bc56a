"""Scenarios for the web page: bundled or uploaded, problems made structured, the form described.

Uploaded text goes through the library's scenario loader (the limits, encodings and duplicate-key
checks of files apply alike) and may not name files: history tables must be 'bundled' or inline rows,
so no request can make the server read a path. Knobs (sliders) live in ``detente.scenario.knobs``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

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
    }
