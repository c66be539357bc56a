"""Experiment files (YAML): what to vary, how to sample it, what to record; validated with clear errors.

Every problem becomes one line ``file:line: field.path: what was expected``; ``ExperimentError`` carries
them all (the CLI prints them and exits 2).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from detente.errors import DetenteError, ExperimentError
from detente.limits import check_seed, over_limit
from detente.scenario.distributions import Distribution
from detente.scenario.errors import data_path
from detente.scenario.load import read_document

_BUILTIN = "detente.experiments.builtin"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
_PATH = r"^[A-Za-z_]\w*(\.\w+)*$"
STATS = ("mean", "median", "std", "min", "max", "sum", "q05", "q25", "q75", "q95")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r} (a boolean)")
    return value


def _seed(value: Any) -> int:
    try:
        return check_seed("seed", value)
    except DetenteError as exc:
        raise ValueError(exc.problems[0].removeprefix("seed: ")) from None


Count = Annotated[int, BeforeValidator(_not_bool)]
"""A whole number; booleans (``yes``/``no``) are refused rather than read as 1/0."""
Seed = Annotated[int, BeforeValidator(_seed)]
"""A seed in 0..2^64-1, never wrapped."""


Scalar = float | int | bool | str


class Parameter(_Model):
    """One input to vary: a dotted path into the scenario and its range, distribution or levels."""

    path: Annotated[str, Field(pattern=_PATH)] | list[Annotated[str, Field(pattern=_PATH)]] = Field(
        description="Dotted path into the scenario (e.g. sides.R.elite.eta), or a list set to the same value."
    )
    name: str | None = Field(None, pattern=_NAME, description="Short column name (default: the path).")
    range: tuple[float, float] | None = Field(None, description="[low, high]: uniform on the interval.")
    distribution: Distribution | None = Field(None, description="A distribution (sampled by inverse CDF).")
    levels: list[Scalar] | None = Field(None, min_length=1, description="Discrete values to take.")

    @model_validator(mode="after")
    def _one_kind(self) -> Parameter:
        if isinstance(self.path, list) and (not self.path or self.name is None):
            raise ValueError("a parameter with a list of paths needs a non-empty list and a 'name'")
        given = [k for k in ("range", "distribution", "levels") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of range, distribution or levels (got {', '.join(given) or 'none'})"
            )
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range: expected [low, high] with low < high, got {list(self.range)}")
        if self.distribution is not None:
            lo, hi = self.distribution.support()
            if not (abs(lo) < float("inf") and abs(hi) < float("inf")):
                raise ValueError(
                    "distribution: give finite low and high bounds (designs map [0, 1] onto them)"
                )
        return self

    @property
    def label(self) -> str:
        """The column name of this parameter in designs and results."""
        return self.name or str(self.path)

    @property
    def paths(self) -> tuple[str, ...]:
        """Every dotted path this parameter sets."""
        return (self.path,) if isinstance(self.path, str) else tuple(self.path)


class FullFactorial(_Model):
    """Every combination of levels; ranges and distributions get ``levels`` evenly spaced quantiles."""

    kind: Literal["full_factorial"]
    levels: Count = Field(3, ge=2, description="Levels for each range/distribution parameter.")


class LatinHypercube(_Model):
    """A Latin hypercube of ``n`` points (scipy.stats.qmc)."""

    kind: Literal["lhs"]
    n: Count = Field(ge=2)
    seed: Seed | None = Field(None, description="Sampling seed (default: the experiment's seed).")


class SobolSaltelli(_Model):
    """Saltelli's scheme on a scrambled Sobol' sequence (SALib): N·(D+2) or N·(2D+2) points."""

    kind: Literal["sobol"]
    n: Count = Field(ge=2, description="Base sample size N (a power of 2).")
    calc_second_order: bool = False
    seed: Seed | None = None

    @model_validator(mode="after")
    def _power_of_two(self) -> SobolSaltelli:
        if self.n & (self.n - 1):
            raise ValueError(f"n: expected a power of 2 (Sobol' balance), got {self.n}")
        return self


class Morris(_Model):
    """Morris elementary-effects trajectories on a ``levels``-grid (SALib): trajectories·(D+1) points."""

    kind: Literal["morris"]
    trajectories: Count = Field(ge=2)
    levels: Count = Field(4, ge=2, le=100)
    seed: Seed | None = None

    @model_validator(mode="after")
    def _even(self) -> Morris:
        if self.levels % 2:
            raise ValueError(f"levels: expected an even number of grid levels, got {self.levels}")
        return self


Design = Annotated[FullFactorial | LatinHypercube | SobolSaltelli | Morris, Field(discriminator="kind")]


class Cross(_Model):
    """Extra factors crossed with every design point: worlds, and conditions each on and off."""

    worlds: list[str] | None = Field(None, min_length=1)
    conditions: list[str] | None = Field(None, min_length=1, description="Each crossed on/off (2^k cells).")


class Outcome(_Model):
    """A per-point statistic of a per-run column (``column``) or a summary value (``summary``)."""

    name: str = Field(pattern=_NAME)
    summary: str | None = None
    column: str | None = None
    stat: Literal[STATS] = "mean"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _source(self) -> Outcome:
        if (self.summary is None) == (self.column is None):
            raise ValueError("give exactly one of summary (a summary value) or column (a per-run column)")
        return self


class ExperimentSpec(_Model):
    """The contents of an experiment file."""

    name: str | None = Field(None, pattern=_NAME, description="Experiment name (default: the file name).")
    description: str | None = None
    model: str = Field("detente", description="'detente', 'ishigami', or 'package.module:object'.")
    model_options: dict[str, Any] = Field(default_factory=dict)
    scenario: str | None = Field(None, description="Bundled scenario name or a path relative to this file.")
    world: str | None = None
    conditions: list[str] = Field(default_factory=list)
    cross: Cross | None = None
    parameters: list[Parameter] = Field(min_length=1)
    design: Design
    runs: Count = Field(1000, ge=1, description="Runs per point.")
    seed: Seed = 0
    seeds: Literal["common", "per_point"] = Field(
        "common", description="'common': the same seed at every point (common random numbers)."
    )
    outcomes: list[Annotated[str, Field(pattern=_NAME)] | Outcome] = Field(min_length=1)
    per_run: bool = Field(False, description="Also store per-run tables (Parquet).")

    @field_validator("model")
    @classmethod
    def _known_model(cls, name: str) -> str:
        from detente.experiments.models import model_problem

        problem = model_problem(name)
        if problem:
            raise ValueError(problem)
        return name

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentSpec:
        problems = self._size_problems()
        labels = [p.label for p in self.parameters]
        known: set[str] = set()
        for i, label in enumerate(labels):
            if label in known:
                problems.append(
                    f"parameters.{i}.name: duplicate parameter name {label!r}; give a distinct name"
                )
            known.add(label)
        seen: set[str] = set()
        for i, param in enumerate(self.parameters):
            for path in param.paths:
                if path in seen:
                    problems.append(f"parameters.{i}.path: {path!r} is varied twice")
                seen.add(path)
        names = [o if isinstance(o, str) else o.name for o in self.outcomes]
        earlier: set[str] = set()
        for i, name in enumerate(names):
            if name in earlier:
                problems.append(f"outcomes.{i}: duplicate outcome {name!r}")
            earlier.add(name)
            if name in known:
                problems.append(f"outcomes.{i}: outcome {name!r} has the name of a parameter")
        if self.cross is not None:
            if self.cross.worlds and self.world:
                problems.append("cross.worlds: cannot cross worlds when a fixed 'world' is given")
            fixed = set(self.conditions)
            for j, cond in enumerate(self.cross.conditions or []):
                if cond in fixed:
                    problems.append(f"cross.conditions.{j}: {cond!r} is already always on (conditions)")
        if self.model == "detente" and not self.scenario:
            problems.append("scenario: required for model 'detente' (a bundled name or a file path)")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _size_problems(self) -> list[str]:
        """Sizes checked before any allocation: runs per point, crossed conditions, design points."""
        problems = [p for p in [over_limit("runs", "runs", self.runs, "runs per point")] if p]
        crossed = len(self.cross.conditions or []) if self.cross else 0
        too_many = over_limit("cross.conditions", "conditions", crossed, "crossed conditions (2^k cells)")
        if too_many:
            return [*problems, too_many]
        rows, cells = design_rows(self), n_cells(self)
        if rows > _ABSURD:
            return [*problems, "design: more than 2^63 design points; reduce the levels or parameters"]
        what = f"design points ({rows:,} rows x {cells:,} cells)" if cells > 1 else "design points"
        return problems + [p for p in [over_limit("design", "design_points", rows * cells, what)] if p]

    @property
    def outcome_specs(self) -> tuple[Outcome, ...]:
        """Outcomes as specs: a bare name is a summary value of that name."""
        return tuple(Outcome(name=o, summary=o) if isinstance(o, str) else o for o in self.outcomes)

    @property
    def design_seed(self) -> int:
        """Seed of the sampling design."""
        seed = getattr(self.design, "seed", None)
        return self.seed if seed is None else seed


def design_rows(spec: ExperimentSpec) -> int:
    """Rows of the design before crossing with cells (exact integer arithmetic: nothing is allocated)."""
    design, d = spec.design, len(spec.parameters)
    if design.kind == "full_factorial":
        rows = 1
        for p in spec.parameters:  # stop once absurd: a product of many levels is never needed exactly
            rows *= len(p.levels) if p.levels is not None else design.levels
            if rows > _ABSURD:
                return _ABSURD + 1
        return rows
    if design.kind == "lhs":
        return design.n
    if design.kind == "sobol":
        return design.n * ((2 * d + 2) if design.calc_second_order else (d + 2))
    return design.trajectories * (d + 1)


_ABSURD = 2**63
"""Beyond this a design is reported as 'more than 2^63' points rather than counted exactly."""


def n_cells(spec: ExperimentSpec) -> int:
    """Cells every design row is evaluated in: crossed worlds times 2^(crossed conditions)."""
    if spec.cross is None:
        return 1
    return len(spec.cross.worlds or [None]) * 2 ** len(spec.cross.conditions or [])


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its spec, name and the folder relative paths are resolved from."""

    spec: ExperimentSpec
    name: str
    base_dir: Path
    source: str
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict, compare=False, repr=False)

    def where(self, *path: Any) -> str:
        """``file:line: field.path`` of a field of this experiment (the nearest line known)."""
        line = next((self.lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in self.lines), None)
        dotted = ".".join(str(p) for p in path) or "(top level)"
        return f"{self.source}:{line}: {dotted}" if line else f"{self.source}: {dotted}"

    def spec_json(self) -> str:
        """Canonical JSON of the spec (sorted keys)."""
        return json.dumps(self.spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def spec_hash(self) -> str:
        """SHA-256 (16 hex digits) of the canonical spec: what ``--resume`` checks."""
        return hashlib.sha256(self.spec_json().encode()).hexdigest()[:16]


def bundled_experiments() -> dict[str, str]:
    """Bundled experiment names → one-line descriptions."""
    out: dict[str, str] = {}
    for entry in sorted(resources.files(_BUILTIN).iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            out[entry.name.rsplit(".", 1)[0]] = str(data.get("description", "")).strip().split("\n")[0]
    return out


def resolve_experiment(source: str | Path) -> Path:
    """The file of an experiment path or bundled name; unknown names list the bundled ones."""
    path = Path(source)
    if path.is_file():
        return path
    if str(source) in bundled_experiments():
        return Path(str(resources.files(_BUILTIN).joinpath(f"{source}.yaml")))
    names = ", ".join(bundled_experiments()) or "none"
    raise ExperimentError(
        f"{source}: no such file, and no bundled experiment of that name (bundled: {names})"
    )


def load_experiment(
    source: str | Path | dict[str, Any], base_dir: Path | None = None, sets: dict[str, Any] | None = None
) -> Experiment:
    """A validated experiment from a YAML path, a bundled name or a mapping; ``sets`` overrides dotted fields."""
    if isinstance(source, dict):
        return _validate(_with_sets(source, sets), "<mapping>", {}, base_dir or Path.cwd(), "experiment")
    path = resolve_experiment(source)
    data, lines = read_document(path, ExperimentError, "experiment")
    return _validate(_with_sets(data, sets), str(path), lines, path.parent.resolve(), path.stem)


def _with_sets(data: dict[str, Any], sets: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``data`` with dotted-path overrides (``design.n``, ``runs``) applied (from ``--set``)."""
    if not sets:
        return data
    import copy

    from detente.scenario.overrides import set_path

    data = copy.deepcopy(data)
    for dotted, value in sets.items():
        try:
            set_path(data, dotted, value)
        except KeyError as exc:
            raise ExperimentError(f"--set {dotted}: {exc.args[0]}") from None
    return data


def _validate(
    data: dict[str, Any], origin: str, lines: dict[tuple[Any, ...], int], base_dir: Path, stem: str
) -> Experiment:
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(_format(exc, data, origin, lines)) from None
    return Experiment(spec=spec, name=spec.name or stem, base_dir=base_dir, source=origin, lines=lines)


_TAGS = {
    "full_factorial",
    "lhs",
    "sobol",
    "morris",
    "uniform",
    "normal",
    "beta",
    "triangular",
    "choice",
    "str",
    "float",
    "int",
    "bool",
    "Outcome",
    "none",
}
_SUBPATH = re.compile(r"^([a-z_]+(?:\.\w+)*): (.*)$")


def _format(exc: ValidationError, data: Any, origin: str, lines: dict[tuple[Any, ...], int]) -> list[str]:
    """One line per problem: ``origin:line: field.path: message``."""
    seen: dict[tuple[Any, ...], list[str]] = {}
    for err in exc.errors(include_url=False):
        path = _data_path(data, err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "extra_forbidden":
            msg = f"unknown field {path[-1]!r}"
        elif err["type"] == "union_tag_invalid":
            msg = (
                f"expected kind one of {err['ctx']['expected_tags']}, got {err['input']!r}"
                if "ctx" in err
                else msg
            )
        for line in msg.splitlines():
            sub = _SUBPATH.match(line)
            full = path
            if sub and err["type"] == "value_error":
                full = (*path, *(int(p) if p.isdigit() else p for p in sub.group(1).split(".")))
                line = sub.group(2)
            if err["type"] not in ("missing", "extra_forbidden", "value_error") and "input" in err:
                line = f"{line} (got {err['input']!r})"
            msgs = seen.setdefault(full, [])
            if line not in msgs and not (msgs and err["type"].endswith("_type")):
                msgs.append(line)
    problems = []
    for path, msgs in seen.items():
        line_no = next((lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in lines), None)
        where = f"{origin}:{line_no}" if line_no else origin
        dotted = ".".join(str(p) for p in path) or "(top level)"
        problems.extend(f"{where}: {dotted}: {m}" for m in msgs[:2])
    return problems


def _is_tag(part: str) -> bool:
    """A pydantic location part that is a union/validator tag, not a key of the experiment file."""
    return part in _TAGS or part.startswith(("function-", "literal[", "tuple["))


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of a pydantic error location naming real keys or indices of the input."""
    return data_path(data, loc, _is_tag)
