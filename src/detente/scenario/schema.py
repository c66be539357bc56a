"""Typed scenario models (pydantic v2): sides, cohorts, issues, schedules, levers, events, variants.

Field names follow theory.md §10.2–10.3; defaults are its §10.3 table. A scenario is validated once,
here, at the edge; the engine only sees the arrays that ``engine.compile`` makes from it. What a value
may be: numbers finite and not booleans, whole numbers and seeds in range, sizes within
``detente.limits``, the name one plain folder name, dates on the calendar, named files readable.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    ValidationInfo,
    field_validator,
    model_validator,
)

from detente.limits import MAX_SEED, over_limit
from detente.scenario.distributions import (
    DUMP,
    Distribution,
    Number,
    Param,
    check_bounds,
    dump_param,
    finite_number,
    is_distribution,
    parse_param,
    shown,
)


def _bounded(low: float, high: float) -> Any:
    return Annotated[Param, AfterValidator(lambda v: check_bounds(v, low, high))]


Prob = _bounded(0.0, 1.0)
Unit = _bounded(0.0, 1.0)
NonNeg = _bounded(0.0, float("inf"))
Real = Param


def _is_per_side(value: Any) -> bool:
    return isinstance(value, dict) and "dist" not in value


def _sided(low: float, high: float) -> Any:
    """A parameter that is one value for both sides, or a mapping ``{side: value}`` (its meaning to each side)."""

    def validate(value: Any) -> Any:
        if not _is_per_side(value):
            return check_bounds(parse_param(value), low, high)
        out = {}
        for side, v in value.items():
            try:
                out[str(side)] = check_bounds(parse_param(v), low, high)
            except ValueError as exc:
                raise ValueError(f"{side}: {exc}") from None
        return out

    def dump(value: Any, info: SerializationInfo) -> Any:
        if isinstance(value, dict):
            return {k: dump_param(v, info) for k, v in value.items()}
        return dump_param(value, info)

    schema_type = float | Distribution | dict[str, float | Distribution]
    return Annotated[Any, PlainValidator(validate, json_schema_input_type=schema_type), PlainSerializer(dump)]


def for_side(value: Any, side: str) -> Any:
    """The value a side sees of a per-side parameter (the value itself when it is common to both)."""
    return value[side] if isinstance(value, dict) and not is_distribution(value) else value


SidedReal = _sided(float("-inf"), float("inf"))
SidedUnit = _sided(0.0, 1.0)

_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _normalise_date(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"expected a date as 'YYYY-MM' or 'YYYY-MM-DD', got {shown(value)}")
    year, month, day = _DATE.match(value).groups()
    try:
        _dt.date(int(year), int(month), int(day or 1))
    except ValueError as exc:
        raise ValueError(f"not a calendar date: {value!r} ({exc})") from None
    return value


Date = Annotated[str, BeforeValidator(_normalise_date)]
"""A month ('YYYY-MM') or day ('YYYY-MM-DD'); the simulation acts at month resolution."""


def whole_number(value: Any) -> int:
    """``value`` as an int; booleans, fractions, NaN/inf and non-numbers raise ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError(
            f"expected a whole number, got {value!r} (true/false is not a number; YAML also reads yes/no/on/off as true/false)"
        )
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip().replace("_", ""))
        except ValueError:
            pass
    try:
        x = finite_number(value)
    except ValueError:
        x = float("nan")
    if not x.is_integer():
        raise ValueError(f"expected a whole number, got {shown(value)}")
    return int(x)


def _limit_message(limit: str, value: int, what: str = "") -> str | None:
    if value > MAX_SEED:  # far over any limit, and too large to print or to compare as a float
        value = MAX_SEED + 1
        what = f"{what} or more" if what else "or more"
    problem = over_limit("_", limit, value, what)
    return problem.split(": ", 1)[1] if problem else None


def _count(limit: str, low: int, what: str = "") -> Any:
    """A whole number >= ``low`` and within limit ``limit`` (``DETENTE_MAX_<LIMIT>`` raises it)."""

    def validate(value: Any) -> int:
        n = whole_number(value)
        if n < low:
            raise ValueError(f"expected a whole number >= {low}, got {n}")
        problem = _limit_message(limit, n, what)
        if problem:
            raise ValueError(problem)
        return n

    return Annotated[int, PlainValidator(validate, json_schema_input_type=Annotated[int, Field(ge=low)])]


def _seed(value: Any) -> int:
    n = whole_number(value)
    if not 0 <= n <= MAX_SEED:
        raise ValueError(f"expected a whole number from 0 to 2^64-1 ({MAX_SEED}), got {n}")
    return n


Seed = Annotated[int, PlainValidator(_seed, json_schema_input_type=Annotated[int, Field(ge=0, le=MAX_SEED)])]
"""A random seed: a whole number in 0..2^64-1 (never wrapped)."""

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def folder_name(value: Any) -> str:
    """A scenario name usable as one folder name on every system, else ``ValueError`` saying what is allowed.

    ``detente run`` writes its report to ``detente-report/<name>``: no slashes, no '.'/'..', no absolute
    paths, no NUL, no Windows device names (CON, NUL, COM1, ...), at most 64 characters.
    """
    rule = (
        "one plain folder name (it names the report folder): 1 to 64 characters from letters A-Z a-z, "
        "digits, '.', '_' and '-', starting with a letter or digit and not ending in '.'"
    )
    if not isinstance(value, str):
        raise ValueError(f"expected {rule}; got {value!r}")
    shown = value if len(value) <= 80 else value[:77] + "..."
    if not _NAME.match(value) or value.endswith("."):
        raise ValueError(f"expected {rule}; got {shown!r}")
    if value.split(".")[0].upper() in _RESERVED:
        raise ValueError(f"{value!r} is a reserved device name on Windows; expected {rule}")
    return value


Name = Annotated[
    str, PlainValidator(folder_name, json_schema_input_type=Annotated[str, Field(pattern=NAME_PATTERN)])
]


def _valence(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in (-1, 0, 1):
        raise ValueError(f"expected -1, 0 or 1, got {value!r}")
    return int(value)


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a data file (missing, a folder, unreadable), or None."""
    if len(str(path)) > 4096:
        return f"the path is too long ({len(str(path)):,} characters): {str(path)[:80]}..."
    try:
        if not path.exists():
            return f"no such file: {path}"
        if not path.is_file():
            return f"not a regular file: {path}"
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    return None


def month_index(start: str, date: str) -> int:
    """Months from ``start`` to ``date`` (both 'YYYY-MM[-DD]')."""
    y0, m0 = int(start[:4]), int(start[5:7])
    y1, m1 = int(date[:4]), int(date[5:7])
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, index: int) -> str:
    """The 'YYYY-MM' label of month ``index`` after ``start``."""
    total = int(start[:4]) * 12 + int(start[5:7]) - 1 + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def reference_problems(data: Any) -> list[str]:
    """Cross-field problems of raw scenario data: side counts, unknown side/issue references, dates off the horizon.

    Works on the mapping as written (defensively), so these problems are reported even when field
    problems elsewhere stop pydantic before its model validators.
    """
    if not isinstance(data, dict):
        return []

    def items(value: Any) -> list[tuple[int, dict[str, Any]]]:
        return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)] if isinstance(value, list) else []

    def mapping(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    problems: list[str] = []
    sides, issues = mapping(data.get("sides")), mapping(data.get("issues"))
    if "sides" in data and len(sides) != 2:
        names = ", ".join(list(map(str, sides))[:5]) + (", ..." if len(sides) > 5 else "")
        problems.append(f"sides: a scenario needs exactly two sides, got {len(sides)} ({names or 'none'})")
    if "issues" in data and not issues:
        problems.append("issues: at least one issue is needed")
    try:
        start = _normalise_date(data.get("start"))
        horizon = whole_number(data.get("horizon", 240))
    except (ValueError, TypeError):
        start, horizon = None, 0

    def side_ref(where: str, value: Any) -> None:
        if len(sides) == 2 and isinstance(value, str) and value not in sides:  # other types: field errors
            problems.append(f"{where}: unknown side {value!r}; expected one of {sorted(map(str, sides))}")

    def date_ref(where: str, value: Any) -> None:
        if start is None or horizon < 1 or value is None:
            return
        try:
            when = _normalise_date(value)
        except ValueError:
            return
        if not 0 <= month_index(start, when) < horizon:
            problems.append(
                f"{where}: date {when} is outside the horizon {start[:7]} .. {month_label(start, horizon - 1)}"
            )

    for name, issue in issues.items():
        side_ref(f"issues.{name}.inclusion.invited", mapping(mapping(issue).get("inclusion")).get("invited"))
    schedules, levers = mapping(data.get("schedules")), mapping(data.get("levers"))

    def per_side(where: str, value: Any) -> None:
        if len(sides) == 2 and _is_per_side(value) and set(map(str, value)) != set(map(str, sides)):
            problems.append(
                f"{where}: a per-side value names each side once; expected keys {sorted(map(str, sides))}"
            )

    for name, issue in issues.items():
        for key in ("R0", "T_B", "P0", "T_M", "S", "v", "w"):
            per_side(f"issues.{name}.{key}", mapping(issue).get(key))
    threat = schedules.get("threat")
    if isinstance(threat, dict):
        per_side("schedules.threat", threat)
        for side, steps in threat.items():
            for i, step in items(steps):
                date_ref(f"schedules.threat.{side}.{i}.start", step.get("start"))
    else:
        for i, step in items(threat):
            date_ref(f"schedules.threat.{i}.start", step.get("start"))
    for i, step in items(schedules.get("inclusion")):
        date_ref(f"schedules.inclusion.{i}.start", step.get("start"))
    for key, who in (("counterfactual_joins", "side"), ("leadership", "side"), ("signals", "sender")):
        for i, lever in items(levers.get(key)):
            side_ref(f"levers.{key}.{i}.{who}", lever.get(who))
            date_ref(f"levers.{key}.{i}.date", lever.get("date"))

    def shares_given(side: Any) -> bool:
        return (
            isinstance(side, str) and mapping(mapping(sides.get(side)).get("elite")).get("m_old") is not None
        )

    for i, lever in items(levers.get("leadership")):
        who = lever.get("side")
        if lever.get("type") == "draw" and isinstance(who, str) and who in sides and not shares_given(who):
            problems.append(f"levers.leadership.{i}.type: 'draw' needs sides.{who}.elite.m_old and m_new")
    for name, side in sides.items():
        if mapping(side).get("type") == "from_elite" and not shares_given(name):
            problems.append(f"sides.{name}.type: 'from_elite' needs sides.{name}.elite.m_old and m_new")
    for i, reset in items(levers.get("resets")):
        date_ref(f"levers.resets.{i}.date", reset.get("date"))
    for i, signal in items(levers.get("signals")):
        if isinstance(signal.get("issue"), str) and issues and signal["issue"] not in issues:
            problems.append(f"levers.signals.{i}.issue: unknown issue {signal['issue']!r}")
    for i, event in items(data.get("events")):
        side_ref(f"events.{i}.actor", event.get("actor"))
        if event.get("observer") != "both":
            side_ref(f"events.{i}.observer", event.get("observer"))
        for key in ("valence", "lr"):
            per_side(f"events.{i}.{key}", event.get(key))
        if event.get("actor") is not None and event.get("actor") == event.get("observer"):
            problems.append(f"events.{i}: actor and observer must be different sides")
        date_ref(f"events.{i}.date", event.get("date"))
    history = data.get("history")
    for code, side in mapping(mapping(history).get("actors")).items():
        side_ref(f"history.actors.{code}", side)
    for name, side in sides.items():
        if mapping(mapping(side).get("belief")).get("p0") == "from_history" and history is None:
            problems.append(f"sides.{name}.belief.p0: 'from_history' needs a 'history' section")
    return problems


def _param_or(words: tuple[str, ...], low: float, high: float, what: str) -> Any:
    """A validator: one of ``words``, else a number or distribution within [low, high]."""

    def validate(value: Any) -> Any:
        if isinstance(value, str) and value in words:
            return value
        try:
            param = parse_param(value)
        except ValueError as exc:
            if not str(exc).startswith("expected a number or a distribution"):
                raise
            choices = ", ".join(repr(w) for w in words)
            raise ValueError(f"expected {choices}, {what} or a distribution, got {value!r}") from None
        return param

    return validate


P_EDGE = 1e-6
"""Starting trust is kept within [P_EDGE, 1 - P_EDGE] so that its log-odds are finite."""


def _starting_trust(value: Any) -> Any:
    param = _param_or(
        ("from_history",), P_EDGE, 1 - P_EDGE, f"a probability in [{P_EDGE:g}, {1 - P_EDGE:g}]"
    )(value)
    if param == "from_history":
        return param
    if is_distribution(param):
        return check_bounds(param, 0.0, 1.0).clipped(P_EDGE, 1 - P_EDGE)
    return check_bounds(param, P_EDGE, 1 - P_EDGE)


def _type_spec(value: Any) -> Any:
    param = _param_or(("B", "M", "from_trust", "from_elite"), 0.0, 1.0, "a probability of B")(value)
    return param if isinstance(param, str) else check_bounds(param, 0.0, 1.0)


StartingTrust = Annotated[
    float | Distribution | Literal["from_history"],
    PlainValidator(_starting_trust, json_schema_input_type=float | Distribution | Literal["from_history"]),
    DUMP,
]
TypeSpec = Annotated[
    Literal["B", "M", "from_trust", "from_elite"] | float | Distribution,
    PlainValidator(
        _type_spec,
        json_schema_input_type=Literal["B", "M", "from_trust", "from_elite"] | float | Distribution,
    ),
    DUMP,
]


def size_problems(data: Any) -> list[str]:
    """Counts over their limits (issues; events, levers, schedule steps, inline history rows), as messages."""
    if not isinstance(data, dict):
        return []
    problems: list[str] = []

    def count(field: str, value: Any, limit: str, what: str) -> None:
        if isinstance(value, dict | list):
            problem = over_limit(field, limit, len(value), what)
            if problem:
                problems.append(problem)

    count("issues", data.get("issues"), "issues", "issues")
    count("events", data.get("events"), "events", "events")
    for group, keys in (
        ("levers", ("counterfactual_joins", "leadership", "resets", "signals")),
        ("schedules", ("threat", "inclusion")),
    ):
        section = data.get(group)
        if isinstance(section, dict):
            for key in keys:
                count(f"{group}.{key}", section.get(key), "events", "dated items")
    history = data.get("history")
    if isinstance(history, dict):
        count("history.events", history.get("events"), "events", "event rows")
        for key in ("threat", "inclusion"):
            count(f"history.{key}", history.get(key), "events", "dated items")
    return problems


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Elite(_Model):
    """Elite cohorts (theory §8.2): Cold-War share and its exit hazard; relative-gains weight by cohort."""

    h0: Unit = Field(0.3, description="Cold-War cohort share of the foreign-policy elite at the start.")
    eta: Unit = Field(0.10, description="Annual exit hazard of the Cold-War cohort.")
    r_old: Unit = Field(0.40, description="Relative-gains weight of the Cold-War cohort (zero-sum mindset).")
    r_new: Unit = Field(0.05, description="Relative-gains weight of the post-Cold-War cohort.")
    m_old: Unit | None = Field(
        None,
        description="Share of the Cold-War cohort with expansionist aims: a new leadership drawn from the elite "
        "(leadership lever type 'draw', or type 'from_elite') is malign w.p. m_new + (m_old - m_new)*h.",
    )
    m_new: Unit | None = Field(None, description="Share of the post-Cold-War cohort with expansionist aims.")

    @model_validator(mode="after")
    def _both_shares(self) -> Elite:
        if (self.m_old is None) != (self.m_new is None):
            raise ValueError("m_old and m_new: give both shares of expansionist aims, or neither")
        return self


class Belief(_Model):
    """A side's starting belief that the other side is benign (Kydd's trust)."""

    p0: StartingTrust = Field(
        0.4,
        description="Starting trust Pr(other is B); 'from_history' replays the event record. A number lies in "
        "[1e-6, 1 - 1e-6]; a distribution within [0, 1], its draws kept within [1e-6, 1 - 1e-6].",
    )


class Behaviour(_Model):
    """How a side acts (theory §10.5 step 4–6)."""

    eps: Prob = Field(0.02, description="Implementation noise: an intended move is flipped w.p. eps.")
    mu: Prob = Field(
        0.02, description="Opacity: others perceive this side's moves flipped w.p. mu (higher if opaque)."
    )
    rho: Prob = Field(0.5, description="Exploitation rate of this side's M type on issues it would exploit.")
    q: Prob = Field(1 / 3, description="GTFT forgiveness after a perceived defection (Nowak–Sigmund).")
    logit_lambda: NonNeg | None = Field(
        None, description="Logit precision of the B type's choice (stochastic mode); null = threshold rule."
    )
    delta: Unit | None = Field(
        None,
        description="Discount factor with which the side weighs an offered architecture: invited, it joins in "
        "a month iff delta >= (T'-R')/(T'-P') for its type (repeated-game sustainment); null = never decides "
        "(the offer changes payoffs only).",
    )


class Learning(_Model):
    """How a side updates trust (theory §10.5 step 7)."""

    kappa: Unit = Field(0.25, description="Tempered-Bayes weight (1 = fully rational).")
    alpha: Unit = Field(0.5, description="Attribution: a provoked defection counts (1 - alpha) as much.")
    beta: NonNeg = Field(1.0, description="Cohort negativity bias: hostile evidence x (1 + beta*h).")


class Side(_Model):
    """One of the two rival sides."""

    name: str = Field(description="Display name.")
    type: TypeSpec = Field(
        "B",
        description="True type: 'B' (benign), 'M' (malign), a probability of B, 'from_trust' "
        "(B with the probability given by the other side's starting trust) or 'from_elite' (M with the "
        "elite's share of expansionist aims m_new + (m_old - m_new)*h0).",
    )
    belief: Belief = Field(Belief(), description="Starting trust in the other side.")
    elite: Elite = Field(Elite(), description="Elite cohorts and their zero-sum weights.")
    behaviour: Behaviour = Field(Behaviour(), description="Noise, exploitation and forgiveness.")
    learning: Learning = Field(Learning(), description="How trust is updated.")


class Inclusion(_Model):
    """Architecture terms of an issue (theory §10.4): an inclusion offer to one side."""

    invited: str = Field(description="The side invited into the architecture (its sucker payoff rises).")
    dv: Unit = Field(0.5, description="Extra verification under full inclusion.")
    S_incl: Real = Field(3.0, description="The invited side's sucker payoff under full inclusion.")


class Issue(_Model):
    """A 2x2 game played monthly by both sides (theory §10.4)."""

    label: str | None = Field(None, description="Display name.")
    kind: Literal["tactical", "strategic"] = Field(
        description="Tactical, or strategic (opens the strategic regime)."
    )
    R0: SidedReal = Field(
        4.0, description="Reward for mutual cooperation (B template). Per side: {W: .., R: ..}."
    )
    T_B: SidedReal = Field(3.0, description="The B type's temptation (below R0: Assurance). May be per side.")
    P0: SidedReal = Field(2.0, description="Punishment for mutual defection. May be per side.")
    T_M: SidedReal = Field(6.0, description="The M type's temptation to exploit. May be per side.")
    S: SidedReal = Field(0.0, description="Sucker payoff: exposure if exploited. May be per side.")
    v: SidedUnit = Field(
        0.0,
        description="Verification: probability that cheating is detected (→ DD); it needs a working channel "
        "(channel_floor). May be per side.",
    )
    w: SidedUnit = Field(
        0.0,
        description="Relevance of diffuse common threats (R rises by w*tau). Per side: a threat felt by one.",
    )
    omega: NonNeg = Field(1.0, description="Weight in the cooperation index (1 tactical, 3 strategic).")
    inclusion: Inclusion | None = Field(
        None, description="Architecture terms: an inclusion offer to one side."
    )


class Step(_Model):
    """A piecewise-constant schedule value from ``start`` on."""

    start: Date = Field(description="Month (YYYY-MM) from which the value holds.")
    value: NonNeg = Field(description="The schedule's value from that month on.")


class Schedules(_Model):
    """Global slow variables: common threat tau(t) and inclusion offer iota(t)."""

    threat: list[Step] | dict[str, list[Step]] = Field(
        default_factory=list,
        description="tau(t) >= 0; 0 before the first step. A mapping {side: steps} gives each side its own "
        "(a threat felt by one side only).",
    )
    inclusion: list[Step] = Field(default_factory=list, description="iota(t) in [0, 1]; 0 before.")

    def threat_for(self, side: str) -> list[Step]:
        """The threat schedule a side feels."""
        return self.threat.get(side, []) if isinstance(self.threat, dict) else self.threat

    @model_validator(mode="after")
    def _iota_unit(self) -> Schedules:
        for i, step in enumerate(self.inclusion):
            try:
                check_bounds(step.value, 0.0, 1.0)
            except ValueError as exc:
                raise ValueError(f"inclusion.{i}.value: {exc}") from None
        return self


class Join(_Model):
    """A counterfactual: ``side``'s type is set to benign (B) from ``date`` by fiat, whatever its incentives."""

    side: str = Field(description="The side whose type is switched.")
    date: Date = Field(description="Month of the switch.")


class Leadership(_Model):
    """A leadership change: the Cold-War share drops (h <- h*(1 - dh)) or is set (``h``); the type may change."""

    side: str = Field(description="The side whose leadership changes.")
    date: Date = Field(description="Month of the change.")
    dh: Unit = Field(0.0, description="Share of the Cold-War cohort that leaves: h <- h*(1 - dh).")
    h: Unit | None = Field(
        None, description="The Cold-War share after the change (e.g. a faction of the old cadre takes over)."
    )
    type: Literal["B", "M", "draw"] | None = Field(
        None,
        description="The new leadership's type: 'B', 'M' (a relapse), 'draw' (M w.p. the elite's share of "
        "expansionist aims m(h) after the change), or null (unchanged).",
    )


class Reset(_Model):
    """A reset: grievance flags cleared (forgiveness); beliefs unchanged (cheap talk, theory §1.5)."""

    date: Date
    label: str | None = None


class Signal(_Model):
    """A costly signal by ``sender`` of size ``size`` (theory §1.5, Kydd 2000)."""

    date: Date
    sender: str
    size: NonNeg = Field(description="Cost of the concession; separating if size >= delta*(T_M - P0).")
    issue: str | None = Field(
        None, description="Issue whose payoffs set the separating cost (default: first strategic)."
    )
    mimic: Prob = Field(
        1.0, description="Probability an M type mimics a non-separating signal (1 = cheap talk)."
    )
    delta: Unit = Field(0.9, description="Discount factor of the sender.")


class Levers(_Model):
    """Dated policy levers."""

    counterfactual_joins: list[Join] = Field(
        default_factory=list,
        description="Counterfactual lever: the side's type becomes B by fiat from the date (joining itself is "
        "computed from the invited side's incentives; see behaviour.delta).",
    )
    leadership: list[Leadership] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "joins" in data:
            raise ValueError(
                "joins: renamed 'counterfactual_joins' in detente 0.2 (joining an offered architecture is now "
                "the invited side's choice, from behaviour.delta; a fiat type switch is a counterfactual)"
            )
        return data

    resets: list[Reset] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)


def _sided_valence(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for side, v in value.items():
            try:
                out[str(side)] = _valence(v)
            except ValueError as exc:
                raise ValueError(f"{side}: {exc}") from None
        return out
    return _valence(value)


class Event(_Model):
    """A dated act that moves the observers' trust by -ln(lr) each (theory §10.5 step 2).

    ``observer`` is a side or 'both' (a treaty signed by both is evidence to both); ``valence`` and ``lr``
    may be mappings ``{side: value}``: the event's meaning to each observer.
    """

    date: Date = Field(description="Month (or day) of the act.")
    actor: str = Field(description="The side that acts.")
    observer: str = Field(description="The side whose trust the event moves, or 'both'.")
    label: str | None = Field(None, description="Display name.")
    kind: str | None = Field(
        None, description="PLOVER category (agree, reject, sanction, ...), for reading only."
    )
    goldstein: _bounded(-10.0, 10.0) | None = Field(
        None,
        description="Goldstein weight of the act (-10..10); with valence, ln(lr) = gamma*|g|*(-valence).",
    )
    valence: Annotated[
        Literal[-1, 0, 1] | dict[str, Literal[-1, 0, 1]] | None,
        PlainValidator(
            _sided_valence, json_schema_input_type=Literal[-1, 0, 1] | dict[str, Literal[-1, 0, 1]] | None
        ),
    ] = Field(
        None,
        description="+1 good news, -1 bad news, 0 neutral about the actor; per observer: {W: .., R: ..}.",
    )
    lr: _sided(1e-9, 1e9) | None = Field(
        None,
        description="Likelihood ratio Pr(event | actor is M) / Pr(event | actor is B); per observer: {W: .., R: ..}.",
    )

    def observers(self, sides: tuple[str, str]) -> tuple[str, ...]:
        """The sides that observe the event."""
        return sides if self.observer == "both" else (self.observer,)

    probability: Prob = Field(1.0, description="Probability that the event happens in a run.")

    @model_validator(mode="after")
    def _evidence(self) -> Event:
        if self.lr is None and (self.goldstein is None or self.valence is None):
            raise ValueError("an event needs 'lr', or both 'goldstein' and 'valence'")
        return self


class Variant(_Model):
    """A named bundle of overrides (a condition or a world): dotted path -> value."""

    label: str | None = None
    description: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)


class History(_Model):
    """Where the starting beliefs come from when a side's ``p0`` is 'from_history' (model.md §4).

    The replay (``detente.history.assimilate``) runs from ``start`` with trust ``p_start`` through every
    dated event up to ``until``; ``gamma`` scales events without an explicit likelihood ratio. ``cohort``,
    ``threat`` and ``inclusion`` set the payoffs of the historical months for the regime test of the
    calibration (``detente history``); see docs/history.md.
    """

    events: str | list[dict[str, Any]] = Field(
        "bundled",
        description="'bundled', a path to an event table (CSV/Parquet/YAML), or a list of event rows.",
    )
    periods: str = Field("bundled", description="'bundled' or a path to the labelled years (CSV).")
    actors: dict[str, str] = Field(default_factory=dict, description="Actor code -> side id.")
    start: Date = Field("1991-12", description="Date the replay starts from.")
    until: Date | None = Field(
        None,
        description="Last date whose events count (inclusive); default: the day before the scenario starts.",
    )
    p_start: dict[str, Number] = Field(
        default_factory=dict, description="Starting trust per side (default 0.5)."
    )
    gamma: NonNeg = Field(0.1, description="Event scale: ln(lr) = gamma*|goldstein|*(-valence).")
    cohort: Literal["scenario", "backcast"] = Field(
        "scenario",
        description="Cold-War share h during the replay: the scenario's h0 throughout, or h0 run backwards "
        "with the cohort hazard eta (capped at 1). Sets the negativity bias and r of past months.",
    )
    threat: list[Step] = Field(
        default_factory=list, description="tau(t) in the historical months (regime test)."
    )
    inclusion: list[Step] = Field(
        default_factory=list, description="iota(t) in the historical months (regime test)."
    )
    regime_at: Literal["modal", "mid-year", "year-end"] = Field(
        "modal",
        description="Which months' regime a labelled year is compared with: the year's modal "
        "month-end regime (ties: the later month), July, or December.",
    )

    @field_validator("events", "periods")
    @classmethod
    def _readable(cls, value: Any, info: ValidationInfo) -> Any:
        """A named file must exist and be readable; a relative path is resolved against ``base_dir`` in the
        validation context (the scenario file's folder), and left to the loader when there is none."""
        if not isinstance(value, str) or value == "bundled":
            return value
        if "\x00" in value:
            raise ValueError("a file path may not contain NUL characters")
        path = Path(value)
        if not path.is_absolute():
            base = (info.context or {}).get("base_dir")
            if base is None:
                return value
            path = Path(base) / path
        problem = file_problem(path)
        if problem:
            raise ValueError(f"{problem} (give 'bundled', a readable file or inline rows)")
        return value

    @model_validator(mode="after")
    def _history(self) -> History:
        problems: list[str] = []
        for side, p in self.p_start.items():
            if not 0.0 < p < 1.0:
                problems.append(f"p_start.{side}: expected a probability strictly between 0 and 1, got {p}")
        for i, step in enumerate(self.inclusion):
            try:
                check_bounds(step.value, 0.0, 1.0)
            except ValueError as exc:
                problems.append(f"inclusion.{i}.value: {exc}")
        if isinstance(self.events, list):
            from detente.scenario.events import validate_rows

            sides = set(self.actors.values())
            _, rows_problems = validate_rows(
                self.events, "history.events", self.actors, sides, where=lambda i, col: f"events.{i}.{col}"
            )
            problems.extend(rows_problems)
        if self.until is not None and self.until < self.start:
            problems.append(f"until: {self.until} is before the replay start {self.start}")
        if problems:
            raise ValueError("\n".join(problems))
        return self


class Scenario(_Model):
    """A rivalry: two sides, issues, schedules, levers, events, conditions and worlds."""

    name: Name = Field(
        description="Short identifier, also the report folder's name: 1-64 letters, digits, '.', '_', '-'."
    )
    title: str | None = Field(None, description="One-line title.")
    description: str | None = Field(None, description="What the scenario represents.")
    start: Date = Field(description="First simulated month.")
    horizon: _count("horizon", 1, "months") = Field(240, description="Number of monthly steps.")
    seed: Seed = Field(0, description="Default random seed (0 .. 2^64-1).")
    runs: _count("runs", 1, "runs") = Field(10_000, description="Default runs per cell.")
    durable_months: _count("horizon", 1, "months") = Field(
        24, description="Consecutive strategic months for a durable partnership."
    )
    L_max: NonNeg = Field(6.906754778648554, description="Log-odds clip, ln(999).")
    channel_floor: Prob = Field(
        0.0,
        description="Verification needs a working channel: in a month where either side's trust is below this "
        "floor, verified issues lose their verification (v = 0). 0 = the channel never breaks.",
    )
    kappa_tau: NonNeg = Field(0.0, description="Optional: r_eff = r / (1 + kappa_tau*tau).")
    event_scale: NonNeg = Field(0.1, description="gamma: ln(lr) = gamma*|goldstein|*(-valence) for events.")
    sides: dict[str, Side] = Field(description="Exactly two sides, keyed by a short id (e.g. W, R).")
    issues: dict[str, Issue] = Field(description="The issues both sides play every month, keyed by id.")
    schedules: Schedules = Field(Schedules(), description="Common threat and inclusion over time.")
    levers: Levers = Field(
        Levers(),
        description="Dated leadership changes, resets, costly signals and counterfactual type switches.",
    )
    events: list[Event] = Field(default_factory=list, description="Dated acts that move trust.")
    conditions: dict[str, Variant] = Field(
        default_factory=dict, description="Named overrides crossed in the factorial."
    )
    worlds: dict[str, Variant] = Field(default_factory=dict, description="Named overrides of true types.")
    history: History | None = Field(
        None, description="Event record that sets 'from_history' starting beliefs."
    )

    @model_validator(mode="before")
    @classmethod
    def _sizes(cls, data: Any) -> Any:
        """Refuse absurd numbers of issues and dated items before validating (or allocating) any of them."""
        problems = size_problems(data)
        if problems:
            raise ValueError("\n".join(problems))
        return data

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = reference_problems(self.model_dump(mode="json"))
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def side_ids(self) -> tuple[str, str]:
        """The two side ids in file order."""
        a, b = self.sides
        return a, b

    def canonical_json(self) -> str:
        """Canonical JSON of the scenario (sorted keys): what the content hash covers."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON (first 16 hex digits)."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:16]

    def apply(self, overrides: dict[str, Any], origin: str = "overrides") -> Scenario:
        """A new scenario with dotted-path ``overrides`` applied and validated again."""
        from detente.scenario.overrides import apply_overrides

        return apply_overrides(self, overrides, origin)

    def cell(self, world: str | None = None, conditions: tuple[str, ...] | list[str] = ()) -> Scenario:
        """The scenario of one experimental cell: a world's then each condition's overrides applied."""
        from detente.scenario.overrides import apply_variants

        return apply_variants(self, world, tuple(conditions))

    def to_yaml(self) -> str:
        """The scenario as YAML (loads back to an equal scenario)."""
        from detente.scenario.document import dump_yaml

        return dump_yaml(self)
