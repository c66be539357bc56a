"""Scenarios for the web page: bundled or uploaded YAML, the page's knobs applied, problems made structured.

Uploaded text is parsed in memory (``yaml.safe_load``) and never names a file: history tables must be
'bundled' or inline rows, so no request can make the server read a path.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from detente.errors import DetenteError, ScenarioError
from detente.scenario.schema import Scenario, month_index, month_label

KNOB_FIELDS = {
    "elite": ("h0", "eta", "r_old", "r_new"),
    "behaviour": ("eps", "mu"),
}
"""Per-side fields the page's sliders set (dotted paths ``sides.<id>.<group>.<field>``)."""
KNOB_PATH = re.compile(r"^sides\.([A-Za-z_][\w-]*)\.(elite\.(?:h0|eta|r_old|r_new)|behaviour\.(?:eps|mu))$")
SCHEDULE_KNOBS = {"threat_start": "threat", "inclusion_start": "inclusion"}
_WITH_LINE = re.compile(r"^(?P<origin>[^:]*):(?P<line>\d+): (?P<rest>.*)$", re.S)
_FIELD = re.compile(r"^(?P<field>\(top level\)|[A-Za-z_][\w\-]*(?:\.[\w\-]+)*): (?P<message>.*)$", re.S)


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


def _check_no_paths(data: dict[str, Any], origin: str) -> list[str]:
    """Uploaded scenarios may not name files (history tables): only 'bundled' or inline rows."""
    hist = data.get("history")
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


def _line_map(text: str) -> dict[tuple[Any, ...], int]:
    lines: dict[tuple[Any, ...], int] = {}

    def walk(node: yaml.Node | None, path: tuple[Any, ...]) -> None:
        if node is None:
            return
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line + 1
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    return lines


def from_yaml_text(text: str, origin: str = "upload.yaml") -> Scenario:
    """A validated scenario from uploaded YAML text (safe-loaded; file references refused)."""
    from detente.scenario.load import validate_mapping

    try:
        data = yaml.safe_load(text)
        lines = _line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark else origin
        raise ScenarioError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: expected a mapping of scenario fields at the top level")
    problems = _check_no_paths(data, origin)
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
        return from_yaml_text(text, safe_origin(filename))
    name = name or "reset-2009"
    known = bundled_scenarios()
    if name not in known:
        raise ScenarioError(f"scenario: no bundled scenario {name!r} (bundled: {', '.join(known)})")
    return load_scenario(name)


def _shift_date(date: str, months: int) -> str:
    return month_label(date[:7], months)


def _schedule_lists(data: dict[str, Any], key: str) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Every list of steps of schedule ``key``: the base one and those set by conditions or worlds,
    each with the mapping it sits in (to move the join dates set alongside an inclusion offer)."""
    found = []
    base = data.get("schedules", {}).get(key) or []
    if base:
        found.append((base, data))
    for kind in ("conditions", "worlds"):
        for variant in (data.get(kind) or {}).values():
            steps = variant.get("set", {}).get(f"schedules.{key}")
            if isinstance(steps, list) and steps:
                found.append((steps, variant["set"]))
    return found


def schedule_start(scenario: Scenario, key: str) -> str | None:
    """The first month of schedule ``key`` ('threat' or 'inclusion'), base or set by a variant."""
    data = scenario.model_dump(mode="json")
    starts = [
        steps[0]["start"][:7]
        for steps, _ in _schedule_lists(data, key)
        if isinstance(steps[0], dict) and "start" in steps[0]
    ]
    return min(starts) if starts else None


def with_knobs(scenario: Scenario, overrides: dict[str, float], dates: dict[str, str | None]) -> Scenario:
    """The scenario with slider values (per-side fields) and moved schedule starts applied.

    A schedule start moves every step of that schedule (and, for inclusion, the joins set with it) by
    the same number of months, in the base scenario and in each condition or world that sets it.
    """
    from detente.scenario.load import load_scenario

    problems = []
    for path in overrides:
        match = KNOB_PATH.match(path)
        if not match:
            problems.append(
                f"overrides: {path}: not a slider field; expected sides.<side>.elite.h0|eta|r_old|r_new "
                "or sides.<side>.behaviour.eps|mu"
            )
        elif match.group(1) not in scenario.sides:
            problems.append(
                f"overrides: {path}: unknown side {match.group(1)!r}; this scenario has "
                f"{', '.join(scenario.sides)}"
            )
    if problems:
        raise ScenarioError(problems)
    out = scenario.apply(overrides, origin="overrides") if overrides else scenario
    wanted = {k: v for k, v in dates.items() if v is not None}
    if not wanted:
        return out
    data = out.model_dump(mode="json")
    last = month_label(out.start, out.horizon - 1)
    for knob, value in wanted.items():
        key = SCHEDULE_KNOBS[knob]
        current = schedule_start(out, key)
        if current is None:
            problems.append(f"{knob}: this scenario has no {key} schedule to move")
            continue
        delta = month_index(current, value)
        for steps, holder in _schedule_lists(data, key):
            for step in steps:
                step["start"] = _shift_date(step["start"], delta)
            if key == "inclusion":
                joins = (
                    holder.get("levers.joins")
                    if holder is not data
                    else holder.get("levers", {}).get("joins")
                )
                for join in joins or []:
                    join["date"] = _shift_date(join["date"], delta)
        moved = [s["start"] for steps, _ in _schedule_lists(data, key) for s in steps]
        if any(not 0 <= month_index(out.start, d) < out.horizon for d in moved):
            problems.append(
                f"{knob}: {value} moves the {key} schedule outside the horizon {out.start[:7]} .. {last}"
            )
    if problems:
        raise ScenarioError(problems)
    try:
        return load_scenario(data)
    except DetenteError as exc:
        raise ScenarioError([f"{', '.join(wanted)}: {p}" for p in exc.problems]) from None


def describe(scenario: Scenario) -> dict[str, Any]:
    """What the page needs to build its form: sides with slider values, conditions, worlds, dates."""

    def fixed(value: Any) -> float | None:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    sides = []
    for sid, side in scenario.sides.items():
        knobs = {}
        for group, names in KNOB_FIELDS.items():
            for name in names:
                knobs[f"sides.{sid}.{group}.{name}"] = fixed(getattr(getattr(side, group), name))
        sides.append({"id": sid, "name": side.name, "knobs": knobs})
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
        "issues": [{"id": k, "label": v.label or k, "kind": v.kind} for k, v in scenario.issues.items()],
        "sides": sides,
        "conditions": variants["conditions"],
        "worlds": variants["worlds"],
        "threat_start": schedule_start(scenario, "threat"),
        "inclusion_start": schedule_start(scenario, "inclusion"),
    }
