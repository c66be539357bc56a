"""Request and response models of the JSON API (strict: no ``false`` for an int, no unknown fields)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from detente.limits import MAX_SEED

Month = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,79}$")]
KnobPath = Annotated[
    str, StringConstraints(pattern=r"^sides\.[A-Za-z0-9_][\w\-]{0,39}\.[a-z_]{1,20}\.[a-z_0-9]{1,20}$")
]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
ParamPath = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$", max_length=400)
]


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class ScenarioSource(_In):
    """Which scenario: uploaded YAML text if given, else a bundled scenario by name."""

    scenario: Ident | None = Field(
        "reset-2009", description="Bundled scenario name (ignored if `yaml` is given)."
    )
    yaml: str | None = Field(None, description="Text of an uploaded scenario file (YAML, safe-loaded).")
    filename: Annotated[str, StringConstraints(max_length=255)] | None = Field(
        None, description="Name of the uploaded file, used in messages only (never opened)."
    )


class ValidateRequest(ScenarioSource):
    """A scenario to check."""


class JobRequest(ScenarioSource):
    """A simulation (one cell) or the factorial main job, with the page's slider values."""

    kind: Literal["simulate", "factorial", "story"] = Field(
        "simulate",
        description="One cell, the 2^k factorial, or one run told month by month (paths and story).",
    )
    world: Ident | None = Field(None, description="World of a simulation (none = the scenario as written).")
    conditions: Annotated[list[Ident], Field(max_length=16)] | None = Field(
        None, description="simulate: conditions applied; factorial: the factors (default: all)."
    )
    worlds: Annotated[list[Ident], Field(max_length=16)] | None = Field(
        None, description="factorial only: worlds to run (default: all)."
    )
    overrides: Annotated[dict[KnobPath, Fraction], Field(max_length=32)] = Field(
        default_factory=dict,
        description="Slider values: sides.<side>.elite.h0|eta|r_old|r_new, sides.<side>.behaviour.eps|mu.",
    )
    params: Annotated[dict[ParamPath, Any], Field(max_length=512)] = Field(
        default_factory=dict,
        description="Any scenario value by dotted path (sides.W.belief.p0, issues.arms_control.T_M, "
        "events.0.probability, levers.resets: [...]); applied before the sliders and validated like a file.",
    )
    threat_start: Month | None = Field(None, description="Move the threat schedule to start in this month.")
    inclusion_start: Month | None = Field(
        None, description="Move the inclusion offer (and joins) to this month."
    )
    runs: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Runs per cell (at most the server's limit, see /api/health)."
    )
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(
        None, description="Random seed, 0 to 2^64-1 (send it as a JSON integer, not a float)."
    )


class Problem(BaseModel):
    """One problem, with the field it concerns (dotted path) and line of the file where known."""

    field: str | None
    line: int | None
    message: str
    text: str


class ErrorBody(BaseModel):
    """Every error response: a sentence, and one item per problem."""

    detail: str
    problems: list[Problem] = Field(default_factory=list)


class ScenarioInfo(BaseModel):
    """A bundled scenario."""

    name: str
    title: str


class Variant(BaseModel):
    """A condition or a world."""

    id: str
    label: str
    description: str


class IssueInfo(BaseModel):
    """An issue of the scenario."""

    id: str
    label: str
    kind: str


class SideInfo(BaseModel):
    """A side and its slider values (None where the scenario gives a distribution)."""

    id: str
    name: str
    knobs: dict[str, float | None]


class ScenarioDescription(BaseModel):
    """What the page's form is built from."""

    name: str
    title: str
    description: str
    start: str
    end: str
    horizon: int
    runs: int
    seed: int
    seed_text: str = Field(description="The seed in decimal (exact where JavaScript numbers are not).")
    issues: list[IssueInfo]
    sides: list[SideInfo]
    conditions: list[Variant]
    worlds: list[Variant]
    threat_start: str | None
    inclusion_start: str | None
    parameters: list[Parameter] = Field(default_factory=list)
    parameters_truncated: bool = False
    lists: list[DatedList] = Field(default_factory=list)


class Parameter(BaseModel):
    """One editable value of the scenario: its dotted path, value as written, and what it means."""

    path: str
    value: Any
    doc: str = Field(description="The schema's description of the field ('' if none).")


class DatedList(BaseModel):
    """A list of dated items (events, levers, schedule steps) the page can switch on and off."""

    path: str
    items: list[Any]


class FieldDoc(BaseModel):
    """A scenario field: its generic dotted path (``*`` for any key or index), description and default."""

    path: str
    description: str
    default: Any = None


class ValidateResponse(BaseModel):
    """A valid scenario, described."""

    ok: Literal[True] = True
    scenario: ScenarioDescription


class JobStatus(BaseModel):
    """A job's state and progress (runs done of total)."""

    id: str
    kind: str
    label: str
    status: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    fraction: float
    seconds: float
    problems: list[str]


class JobResult(BaseModel):
    """A finished job: its status and result (shape depends on ``kind``; see docs/web.md)."""

    job: JobStatus
    result: dict[str, Any]


class Health(BaseModel):
    """Server state and limits."""

    status: Literal["ok"]
    version: str
    jobs: dict[str, int]
    limits: dict[str, int]
    backend: str


class StoreInfo(BaseModel):
    """A results store file in the results folder."""

    name: str
    bytes: int


class ExperimentSummary(BaseModel):
    """One stored experiment (a row of ``Store.experiments()``)."""

    model_config = ConfigDict(extra="allow")
    name: str


class ExperimentDetail(BaseModel):
    """A stored experiment's record, rows and outcome statistics."""

    name: str
    store: str
    model: str
    design: str
    parameters: list[str]
    outcomes: list[str]
    runs: int | None
    seed: int | None
    points: int
    rows: list[dict[str, Any]]
    truncated: bool
    stats: dict[str, dict[str, float | None]]
    by_cell: dict[str, dict[str, float | None]]
