"""The lab: sweeps, sensitivity and scenario discovery of a bundled experiment from the page (/lab, /api/lab/*).

A sweep is the bundled experiment scaled down by the user (samples, runs, worlds, conditions, parameters),
checked against the web limits before it is queued, and run by the job manager into one results store in
the results folder (``lab-results.duckdb``). Sensitivity and discovery read a store of the results folder;
they run as jobs too. ``/api/lab/compare`` says whether stored experiments can be compared like with like.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from detente.errors import DetenteError, ExperimentError
from detente.limits import MAX_SEED

LAB_STORE = "lab-results.duckdb"
STATIC = Path(__file__).parent / "static"
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,79}$")]
ExpName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,119}$")]
StoreName = Annotated[str, StringConstraints(max_length=128)]
Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Alpha = Annotated[float, Field(ge=0.01, le=0.5, allow_inf_nan=False)]
_WHERE = re.compile(r"^[^:]*(?::\d+)?: ")
_FIELDS = {"design.n": "samples", "design.trajectories": "samples", "design": "samples"}


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class LabSweep(_In):
    """A bundled experiment, scaled down: design kind and size, runs per point, and subsets of its factors."""

    experiment: Ident = Field("reset-2009-uncertainty", description="A bundled experiment.")
    design: Literal["lhs", "sobol", "morris"] = Field(
        "lhs", description="lhs (for discovery), sobol or morris (for sensitivity)."
    )
    samples: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        8, description="lhs: rows n; sobol: base samples N (a power of 2); morris: trajectories."
    )
    runs: Annotated[int, Field(ge=1)] = Field(20, description="Runs per point.")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(
        None, description="Seed (default: the file's)."
    )
    worlds: Annotated[list[Ident], Field(max_length=16)] | None = Field(
        None, description="Crossed worlds to keep (default: all)."
    )
    conditions: Annotated[list[Ident], Field(max_length=16)] | None = Field(
        None, description="Crossed conditions to keep (default: all; [] for none)."
    )
    parameters: Annotated[list[Ident], Field(max_length=64)] | None = Field(
        None, description="Parameters to vary (default: all; the others keep the scenario's values)."
    )


class LabSensitivity(_In):
    """Sensitivity indices of a stored experiment (its design must be sobol or morris)."""

    name: ExpName
    store: StoreName = LAB_STORE
    outcomes: Annotated[list[Ident], Field(max_length=32)] | None = None
    conf_level: Annotated[float, Field(ge=0.5, le=0.999, allow_inf_nan=False)] = 0.95


class LabDiscover(_In):
    """PRIM on a stored experiment: where ``outcome >= threshold`` (``<=`` with ``below``)."""

    name: ExpName
    store: StoreName = LAB_STORE
    outcome: Ident = "p_durable"
    threshold: Annotated[float, Field(allow_inf_nan=False)] = 0.5
    below: bool = False
    min_coverage: Share = 0.8
    peel_alpha: Alpha = 0.05
    paste_alpha: Alpha = 0.05
    mass_min: Share = 0.05
    inputs: Annotated[list[Ident], Field(max_length=64)] | None = None


def _raw(name: str) -> dict[str, Any]:
    """The bundled experiment file as data (trusted: it ships with detente)."""
    import yaml

    from detente.experiments.spec import resolve_experiment

    return yaml.safe_load(resolve_experiment(name).read_text(encoding="utf-8"))


def _field_problems(problems: list[str]) -> list[str]:
    """Experiment-file problems as request fields: the file prefix dropped, design sizes named ``samples``."""
    out = []
    for p in problems:
        p = _WHERE.sub("", p, count=1)
        field, _, rest = p.partition(": ")
        out.append(f"{_FIELDS.get(field, field)}: {rest}" if rest else p)
    return out


def _subset(field: str, asked: list[str] | None, known: list[str], problems: list[str]) -> list[str] | None:
    if asked is None:
        return None
    asked = list(dict.fromkeys(asked))
    for a in asked:
        if a not in known:
            problems.append(
                f"{field}: {a!r} is not one of the experiment's {field} ({', '.join(known) or 'none'})"
            )
    return asked


def describe_bundled(name: str) -> dict[str, Any]:
    """A bundled experiment for the lab form: its factors, outcomes, default size and the cost of one run-point."""
    from detente.experiments.spec import bundled_experiments

    raw = _raw(name)
    cross = raw.get("cross") or {}
    out = {
        "name": name,
        "description": bundled_experiments().get(name, ""),
        "scenario": raw.get("scenario"),
        "parameters": [
            {"name": p.get("name"), "range": p.get("range"), "levels": p.get("levels")}
            for p in raw["parameters"]
        ],
        "worlds": list(cross.get("worlds") or []),
        "conditions": list(cross.get("conditions") or []),
        "outcomes": [o if isinstance(o, str) else o.get("name") for o in raw.get("outcomes", [])],
        "design": raw.get("design"),
        "runs": raw.get("runs"),
        "seed_text": str(raw.get("seed", 0)),
        "months": None,
        "issues": None,
    }
    if raw.get("scenario"):
        try:
            from detente.scenario.load import load_scenario

            sc = load_scenario(raw["scenario"])
            out["months"], out["issues"] = int(sc.horizon), len(sc.issues)
        except DetenteError:
            pass
    return out


def sweep_spec(body: LabSweep, limits: Any, root: Path) -> tuple[dict[str, Any], int, str, list[str]]:
    """The worker spec, total runs and label of a lab sweep; or the problems with the request."""
    from detente.experiments.models import get_model
    from detente.experiments.spec import bundled_experiments, design_rows, load_experiment, n_cells
    from detente.web.limits import job_cost, runs_problem

    if body.experiment not in bundled_experiments():
        known = ", ".join(bundled_experiments()) or "none"
        return {}, 0, "", [f"experiment: no bundled experiment {body.experiment!r} (bundled: {known})"]
    raw = _raw(body.experiment)
    cross = raw.get("cross") or {}
    problems = [p for p in (runs_problem(body.runs, limits),) if p]
    design: dict[str, Any] = {"kind": body.design}
    design.update({"trajectories": body.samples} if body.design == "morris" else {"n": body.samples})
    sets: dict[str, Any] = {"design": design, "runs": body.runs}
    if body.seed is not None:
        sets["seed"] = body.seed
    worlds = _subset("worlds", body.worlds, list(cross.get("worlds") or []), problems)
    if worlds is not None:
        if not worlds:
            problems.append("worlds: choose at least one world")
        sets["cross.worlds"] = worlds or None
    conditions = _subset("conditions", body.conditions, list(cross.get("conditions") or []), problems)
    if conditions is not None:
        sets["cross.conditions"] = conditions or None
    names = [p.get("name") for p in raw["parameters"]]
    params = _subset("parameters", body.parameters, names, problems)
    if params is not None:
        if not params:
            problems.append("parameters: choose at least one parameter")
        sets["parameters"] = [p for p in raw["parameters"] if p.get("name") in params]
    if problems:
        return {}, 0, "", problems
    digest = hashlib.sha256(json.dumps(sets, sort_keys=True).encode()).hexdigest()[:8]
    n_text = f"n{body.samples}" if body.design != "morris" else f"t{body.samples}"
    sets["name"] = f"{body.experiment}-lab-{body.design}-{n_text}-r{body.runs}-{digest}"
    try:
        exp = load_experiment(body.experiment, sets=sets)
        model = get_model(exp.spec.model)
        base = model.prepare(exp)
        problems = list(model.check(exp, base))
    except DetenteError as exc:
        return {}, 0, "", _field_problems(exc.problems)
    if problems:
        return {}, 0, "", _field_problems(problems)
    points = design_rows(exp.spec) * n_cells(exp.spec)
    months, issues = int(getattr(base, "horizon", 1)), len(getattr(base, "issues", ())) or 1
    cost = job_cost(body.runs, months, issues, points)
    if cost > limits.max_cost:
        fit = max(0, limits.max_cost // (months * issues * points))
        hint = f"ask for at most {fit:,} runs or" if fit else "ask for"
        return (
            {},
            0,
            "",
            [
                f"runs: this lab sweep is too large: {points:,} points x {body.runs:,} runs x {months} months "
                f"x {issues} issues = {cost:,}, over the budget of {limits.max_cost:,}; {hint} fewer samples, "
                "worlds, conditions (or start the server with --max-cost to raise the budget)"
            ],
        )
    spec = {
        "action": "sweep",
        "experiment": body.experiment,
        "sets": sets,
        "store": str(root.resolve() / LAB_STORE),
    }
    size = f"n={body.samples}" if body.design != "morris" else f"{body.samples} trajectories"
    label = (
        f"lab sweep {body.experiment}: {body.design} {size}, {points:,} points x {body.runs:,} runs "
        f"({exp.name})"
    )
    return spec, points * body.runs, label, []


def lab_runs(root: Path) -> list[dict[str, Any]]:
    """Experiments in the lab store with their progress, design kind and outcomes (empty before the first sweep)."""
    from detente.experiments.store import Store
    from detente.web.stored import _records, store_path

    path = store_path(root, LAB_STORE)
    if not path.is_file():
        return []
    with Store(path, read_only=True) as st:
        rows = _records(st.experiments())
        for row in rows:
            row["outcomes"] = st.experiment_record(row["name"])["outcomes"]
    return rows


def register(app: FastAPI) -> None:
    """Add the lab page (/lab) and its API (/api/lab/*) to ``app`` (uses its job manager, limits and results folder)."""
    from detente.web.app import ApiError, _responses
    from detente.web.jobs import QueueFull
    from detente.web.models import JobStatus
    from detente.web.stored import StoreNotFound, store_path

    jobs, limits, root = app.state.jobs, app.state.limits, app.state.results_dir

    def submit(spec: dict[str, Any], total: int, label: str) -> dict[str, Any]:
        try:
            return jobs.submit("lab", spec, total, label).status_dict()
        except QueueFull as exc:
            raise ApiError(429, str(exc)) from None

    def store_file(name: str) -> Path:
        try:
            path = store_path(root, name)
        except StoreNotFound as exc:
            raise ApiError(404, exc.problems[0], exc.problems) from None
        if not path.is_file():
            problem = f"store: no results store {name!r} in the results folder yet (run a lab sweep first)"
            raise ApiError(404, problem, [problem])
        return path

    def stored_record(path: Path, name: str) -> dict[str, Any]:
        from detente.experiments.store import Store

        try:
            with Store(path, read_only=True) as st:
                return st.experiment_record(name)
        except ExperimentError as exc:
            if "no experiment" in exc.problems[0]:
                raise ApiError(404, f"no experiment {name!r} in {path.name}", exc.problems) from None
            raise ApiError(409, "the results store cannot be read now", exc.problems) from None

    @app.get("/lab", include_in_schema=False)
    def lab_page() -> FileResponse:
        return FileResponse(STATIC / "lab.html", headers={"Cache-Control": "no-cache"})

    @app.get("/api/lab/experiments", tags=["lab"])
    def lab_experiments() -> dict[str, Any]:
        """Bundled experiments the lab can sweep, the web limits, and the experiments in the lab store."""
        from detente.experiments.spec import bundled_experiments

        stored: list[dict[str, Any]] | None = []
        problem = None
        try:
            stored = lab_runs(root)
        except DetenteError as exc:
            stored, problem = None, exc.problems[0]
        return {
            "store": LAB_STORE,
            "limits": {"max_runs": limits.max_runs, "max_cost": limits.max_cost},
            "bundled": [describe_bundled(n) for n in bundled_experiments()],
            "stored": stored,
            "stored_problem": problem,
        }

    @app.post(
        "/api/lab/sweep",
        response_model=JobStatus,
        status_code=202,
        tags=["lab"],
        responses=_responses(400, 413, 422, 429),
    )
    def lab_sweep(body: LabSweep) -> dict[str, Any]:
        """Sweep a bundled experiment, scaled down, into the lab store (a job: poll /api/jobs/{id})."""
        spec, total, label, problems = sweep_spec(body, limits, root)
        if problems:
            raise ApiError(422, "the lab sweep has problems", problems)
        return submit(spec, total, label)

    @app.post(
        "/api/lab/sensitivity",
        response_model=JobStatus,
        status_code=202,
        tags=["lab"],
        responses=_responses(404, 409, 413, 422, 429),
    )
    def lab_sensitivity(body: LabSensitivity) -> dict[str, Any]:
        """Sobol' or Morris indices of a stored experiment (the method follows its design), as a job."""
        path = store_file(body.store)
        rec = stored_record(path, body.name)
        kind = rec["spec"]["design"]["kind"]
        if kind not in ("sobol", "morris"):
            problem = (
                f"name: {body.name!r} has a {kind} design; sensitivity indices need a sobol or morris "
                "design (sweep with design sobol or morris)"
            )
            raise ApiError(422, "no sensitivity indices for this design", [problem])
        unknown = [o for o in body.outcomes or [] if o not in rec["outcomes"]]
        if unknown:
            problem = f"outcomes: {unknown} not stored; stored: {', '.join(rec['outcomes'])}"
            raise ApiError(422, "unknown outcomes", [problem])
        spec = {
            "action": "sensitivity",
            "name": body.name,
            "store": str(path),
            "method": kind,
            "outcomes": body.outcomes or None,
            "conf_level": body.conf_level,
        }
        return submit(spec, 1, f"lab {kind} indices of {body.name}")

    @app.post(
        "/api/lab/discover",
        response_model=JobStatus,
        status_code=202,
        tags=["lab"],
        responses=_responses(404, 409, 413, 422, 429),
    )
    def lab_discover(body: LabDiscover) -> dict[str, Any]:
        """PRIM scenario discovery on a stored experiment, as a job."""
        path = store_file(body.store)
        rec = stored_record(path, body.name)
        outcome = body.outcome if body.outcome in rec["outcomes"] else f"p_{body.outcome}"
        if outcome not in rec["outcomes"]:
            problem = f"outcome: no stored outcome {body.outcome!r}; stored: {', '.join(rec['outcomes'])}"
            raise ApiError(422, "unknown outcome", [problem])
        cross = rec["spec"].get("cross") or {}
        allowed = [
            *rec["parameters"],
            *(cross.get("conditions") or []),
            *(["world"] if cross.get("worlds") else []),
        ]
        odd = [i for i in body.inputs or [] if i not in allowed]
        if odd:
            problem = f"inputs: {odd} are not inputs of {body.name!r}; expected some of {', '.join(allowed)}"
            raise ApiError(422, "unknown inputs", [problem])
        spec = {
            "action": "discover",
            "name": body.name,
            "store": str(path),
            **body.model_dump(exclude={"name", "store"}),
        }
        sign = "<=" if body.below else ">="
        return submit(spec, 1, f"lab discovery on {body.name}: {outcome} {sign} {body.threshold:g}")

    @app.get("/api/lab/compare", tags=["lab"], responses=_responses(404, 409, 422))
    def lab_compare(
        names: Annotated[list[ExpName], Query(min_length=2, max_length=8)],
        store: Annotated[str, Query(max_length=128)] = "detente-results.duckdb",
    ) -> dict[str, Any]:
        """Whether stored experiments compare like with like: status ok/warn/refuse, what differs, and
        (unless refused) outcome means over the cells they share."""
        from detente.experiments.compare import compare

        path = store_file(store)
        try:
            return compare(list(names), path)
        except ExperimentError as exc:
            if "no experiment" in exc.problems[0]:
                raise ApiError(404, "no such experiment", exc.problems) from None
            if exc.problems[0].startswith("names:"):
                raise ApiError(422, "nothing to compare", exc.problems) from None
            raise ApiError(409, "the results store cannot be read now", exc.problems) from None
