"""Knobs: the few per-side values and schedule starts an explorer moves, applied to a scenario.

A knob is a dotted path ``sides.<side>.elite.h0|eta|r_old|r_new`` or ``sides.<side>.behaviour.eps|mu``
(set like any override), or a schedule start (``threat_start``, ``inclusion_start``) that moves every
step of that schedule, in the base scenario and in each condition or world that sets it, by the same
number of months (an inclusion offer moves the joins set with it).
"""

from __future__ import annotations

import re
from typing import Any

from detente.errors import DetenteError, ScenarioError
from detente.scenario.load import load_scenario
from detente.scenario.schema import Scenario, month_index, month_label

KNOB_FIELDS = {
    "elite": ("h0", "eta", "r_old", "r_new"),
    "behaviour": ("eps", "mu"),
}
"""Per-side fields a knob may set (dotted paths ``sides.<id>.<group>.<field>``)."""
KNOB_PATH = re.compile(r"^sides\.([A-Za-z_][\w-]*)\.(elite\.(?:h0|eta|r_old|r_new)|behaviour\.(?:eps|mu))$")
SCHEDULE_KNOBS = {"threat_start": "threat", "inclusion_start": "inclusion"}
"""Schedule-start knobs and the schedule each one moves."""
JOIN_LEVERS = ("joins", "counterfactual_joins")
"""Fiat type switches set alongside an inclusion offer (``joins`` before model v2), moved with it."""


def knob_values(scenario: Scenario) -> dict[str, dict[str, float | None]]:
    """Per side, each knob's current value (None where the scenario gives a distribution)."""

    def fixed(value: Any) -> float | None:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return {
        sid: {
            f"sides.{sid}.{group}.{name}": fixed(getattr(getattr(side, group), name))
            for group, names in KNOB_FIELDS.items()
            for name in names
        }
        for sid, side in scenario.sides.items()
    }


def _schedule_lists(data: dict[str, Any], key: str) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Every list of steps of schedule ``key`` (base, then set by conditions or worlds), each with the
    mapping it sits in (to move the join dates set alongside an inclusion offer)."""
    found: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []

    def add(steps: Any, holder: dict[str, Any]) -> None:
        if isinstance(steps, dict):  # per-side schedule (model v2): {W: [...], R: [...]}
            for side_steps in steps.values():
                add(side_steps, holder)
        elif isinstance(steps, list) and steps and all(isinstance(s, dict) for s in steps):
            found.append((steps, holder))

    add((data.get("schedules") or {}).get(key), data)
    for kind in ("conditions", "worlds"):
        for variant in (data.get(kind) or {}).values():
            add((variant.get("set") or {}).get(f"schedules.{key}"), variant["set"])
            for side in data.get("sides") or {}:
                add((variant.get("set") or {}).get(f"schedules.{key}.{side}"), variant["set"])
    return found


def schedule_start(scenario: Scenario, key: str) -> str | None:
    """The first month ('YYYY-MM') of schedule ``key`` ('threat' or 'inclusion'), base or set by a variant."""
    data = scenario.model_dump(mode="json")
    starts = [
        steps[0]["start"][:7]
        for steps, _ in _schedule_lists(data, key)
        if isinstance(steps[0], dict) and "start" in steps[0]
    ]
    return min(starts) if starts else None


def knob_problems(scenario: Scenario, overrides: dict[str, Any]) -> list[str]:
    """One line per override that is not a knob of this scenario."""
    problems = []
    for path in overrides:
        match = KNOB_PATH.match(path)
        if not match:
            problems.append(
                f"overrides: {path}: not a knob; expected sides.<side>.elite.h0|eta|r_old|r_new "
                "or sides.<side>.behaviour.eps|mu"
            )
        elif match.group(1) not in scenario.sides:
            problems.append(
                f"overrides: {path}: unknown side {match.group(1)!r}; this scenario has "
                f"{', '.join(scenario.sides)}"
            )
    return problems


def with_knobs(
    scenario: Scenario,
    overrides: dict[str, float] | None = None,
    *,
    threat_start: str | None = None,
    inclusion_start: str | None = None,
) -> Scenario:
    """The scenario with knob values set and schedule starts moved; ``ScenarioError`` lists what does not fit.

    Returns ``scenario`` itself when nothing is asked for.
    """
    overrides = dict(overrides or {})
    problems = knob_problems(scenario, overrides)
    if problems:
        raise ScenarioError(problems)
    out = scenario.apply(overrides, origin="overrides") if overrides else scenario
    wanted = {
        k: v for k, v in {"threat_start": threat_start, "inclusion_start": inclusion_start}.items() if v
    }
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
        try:
            delta = month_index(current, value)
        except (TypeError, ValueError):
            problems.append(f"{knob}: expected a month as 'YYYY-MM', got {value!r}")
            continue
        _move(data, key, delta)
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


def _move(data: dict[str, Any], key: str, months: int) -> None:
    """Shift every step of schedule ``key`` (and, for inclusion, the joins set with it) by ``months``."""
    holders: dict[int, dict[str, Any]] = {}
    for steps, holder in _schedule_lists(data, key):
        for step in steps:
            step["start"] = month_label(step["start"][:7], months)
        holders[id(holder)] = holder
    if key != "inclusion":
        return
    for holder in holders.values():
        for name in JOIN_LEVERS:
            joins = (
                holder.get(f"levers.{name}") if holder is not data else (holder.get("levers") or {}).get(name)
            )
            for join in joins or []:
                if isinstance(join, dict) and isinstance(join.get("date"), str):
                    join["date"] = month_label(join["date"][:7], months)
