"""The FastAPI app of ``detente serve``: JSON API under /api/, the page, and plotly.js from the plotly wheel.

Scenario problems become 422 answers with one item per problem (field path, line, words); errors
never carry a traceback. Jobs run in worker processes (``detente.web.jobs``); store reads and
scenario checks run in FastAPI's thread pool, so the event loop only serves requests.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from detente.errors import DetenteError, ExperimentError
from detente.web import lab_routes
from detente.web import models as m
from detente.web.guards import BodyLimit, HostCheck
from detente.web.jobs import JobManager, QueueFull
from detente.web.limits import Limits, cost_problem, runs_problem
from detente.web.scenarios import problem_items

STATIC = Path(__file__).parent / "static"
JOB_ID = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$", description="Job id (32 hex digits).")]
EXPERIMENT = Annotated[
    str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,119}$", description="Experiment name.")
]
STORE = Annotated[str, Query(max_length=128, description="Store file name in the results folder.")]
log = logging.getLogger("detente.web")


class ApiError(Exception):
    """An error answer: status, a sentence, and problem lines."""

    def __init__(
        self, status: int, detail: str, problems: list[str] | None = None, origin: str | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.problems, self.origin = status, detail, problems or [], origin


def _error(
    status: int,
    detail: str,
    problems: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse({"detail": detail, "problems": problems or []}, status_code=status, headers=headers)


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {
        400: "Bad request",
        404: "Not found",
        409: "Conflict (not finished, or store busy)",
        413: "Request too large",
        422: "Invalid input (one item per problem)",
        429: "Too many jobs",
    }
    return {code: {"model": m.ErrorBody, "description": words[code]} for code in codes}


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(
    results_dir: str | Path = ".",
    max_jobs: int = 1,
    max_queue: int | None = None,
    backend: str = "compiled",
    limits: Limits | None = None,
    allowed_hosts: Sequence[str] = (),
    shutdown_grace: float = 5.0,
) -> FastAPI:
    """The web app: ``results_dir`` holds the DuckDB stores it may read; ``max_jobs`` jobs run at once.

    Requests must name a loopback host or one of ``allowed_hosts``; on shutdown, running jobs get
    ``shutdown_grace`` seconds before their workers are killed.
    """
    limits = replace(
        limits or Limits(), max_jobs=max_jobs, **({} if max_queue is None else {"max_queue": max_queue})
    )
    root = Path(results_dir)
    jobs = JobManager(limits.max_jobs, limits.max_queue, limits.keep_jobs)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown(grace=shutdown_grace)

    app = FastAPI(
        title="detente",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their assets from a CDN; the page must not
        redoc_url=None,
        description="Simulate trust between rival powers: scenarios, simulation jobs, the factorial "
        "main job and stored experiments. See docs/web.md.",
    )
    app.state.jobs, app.state.limits, app.state.results_dir = jobs, limits, root
    app.add_middleware(BodyLimit, limit=limits.max_body_bytes)
    app.add_middleware(HostCheck, allowed=allowed_hosts)  # added last: runs first
    _handlers(app)
    _api(app, jobs, limits, root, backend)
    _pages(app)
    lab_routes.register(app)  # the lab page and /api/lab/* (detente.web.lab_routes)
    __import__("detente.web.play_routes", fromlist=["register"]).register(app, limits)  # /play, /api/play/*
    return app


def _version() -> str:
    from detente import __version__

    return __version__


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"Retry-After": "5"} if exc.status == 429 else None
        return _error(exc.status, exc.detail, problem_items(exc.problems, exc.origin), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            field = ".".join(loc) or None
            message = str(err.get("msg", "invalid value"))
            problems.append(
                {
                    "field": field,
                    "line": None,
                    "message": message,
                    "text": f"{field}: {message}" if field else message,
                }
            )
        return _error(422, "the request does not match the API's schema", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            problems = body_problems(request.scope.get("detente.body") or b"")
            return _error(422, "the request body cannot be read as JSON", problem_items(problems))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _error(exc.status_code, str(exc.detail), headers=headers or None)

    @app.exception_handler(Exception)
    async def crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _error(500, f"internal error ({type(exc).__name__}); the server log has the details")


class _LongNumber:
    def __init__(self, digits: int) -> None:
        self.digits = digits


def body_problems(body: bytes) -> list[str]:
    """Why a JSON body cannot be read: fields holding whole numbers too long for Python, or too deep nesting."""
    try:
        data = json.loads(body, parse_int=lambda s: _LongNumber(len(s)) if len(s) > 4000 else int(s))
    except RecursionError:
        return [f"body: the JSON is nested too deeply (more than {sys.getrecursionlimit():,} levels)"]
    except ValueError:
        return ["body: not valid JSON"]
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, _LongNumber):
            found.append(f"{path or 'body'}: a whole number of {node.digits:,} digits is out of range")
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}.{i}" if path else str(i))

    try:
        walk(data, "")
    except RecursionError:
        return ["body: the JSON is nested too deeply"]
    return found or ["body: the JSON cannot be read"]


def _allowed_methods(request: Request) -> list[str]:
    """Every method of every route on this path (Starlette lists only the first route's)."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            allowed |= set(getattr(route, "methods", None) or ())
    return sorted(allowed)


def _scenario(body: m.ScenarioSource, limits: Limits) -> Any:
    """The scenario a request names, or an ApiError (413 for an oversized upload, 422 for problems)."""
    from detente.web.scenarios import base_scenario, safe_origin

    if body.yaml is not None:
        size = len(body.yaml.encode("utf-8", "surrogatepass"))
        if size > limits.max_upload_bytes:
            raise ApiError(
                413,
                f"the uploaded file is {size:,} bytes; the limit is {limits.max_upload_bytes:,}",
                [f"yaml: the uploaded file is {size:,} bytes; the limit is {limits.max_upload_bytes:,}"],
            )
    try:
        return base_scenario(body.scenario, body.yaml, body.filename)
    except DetenteError as exc:
        raise ApiError(
            422,
            "the scenario has problems",
            exc.problems,
            safe_origin(body.filename) if body.yaml is not None else None,
        ) from None


def _job_spec(body: m.JobRequest, limits: Limits, backend: str) -> tuple[dict[str, Any], int, str, list[str]]:
    """Validate a job request into a worker spec, its total runs and label; problems raise ApiError."""
    from detente.scenario.knobs import with_knobs
    from detente.scenario.overrides import variant_problems
    from detente.web.scenarios import with_params

    base = _scenario(body, limits)
    try:
        base = with_params(base, dict(body.params))
    except DetenteError as exc:
        raise ApiError(422, "the parameter values do not fit the scenario", exc.problems, "params") from None
    try:
        sc = with_knobs(
            base, dict(body.overrides), threat_start=body.threat_start, inclusion_start=body.inclusion_start
        )
    except DetenteError as exc:
        raise ApiError(422, "the slider values do not fit the scenario", exc.problems, "overrides") from None
    runs = 1 if body.kind == "story" else sc.runs if body.runs is None else body.runs
    seed = sc.seed if body.seed is None else body.seed
    problems = [p for p in (runs_problem(runs, limits),) if p]
    for field, worlds, conditions in (
        ("world", [body.world] if body.world else [], []),
        ("worlds", body.worlds or [], []),
        ("conditions", [], body.conditions or []),
    ):
        problems += [f"{field}: {p}" for p in variant_problems(sc, worlds, conditions)]
    if body.kind == "factorial":
        conds = list(dict.fromkeys(sc.conditions if body.conditions is None else body.conditions))
        worlds: list[str | None] = list(dict.fromkeys(sc.worlds if body.worlds is None else body.worlds)) or [
            None
        ]
        cells = 2 ** len(conds) * len(worlds)
        label = f"factorial {sc.name}: {len(conds)} conditions x {len(worlds)} worlds, {runs:,} runs per cell"
        spec = {"conditions": conds, "worlds": worlds}
    else:
        conds = list(dict.fromkeys(body.conditions or []))
        cells = 1
        label = f"{sc.name}: {body.world or 'base'}, {' + '.join(conds) or 'status quo'}, {runs:,} runs"
        if body.kind == "story":
            label = f"{sc.name}: {body.world or 'base'}, {' + '.join(conds) or 'status quo'}, one run told"
        spec = {"world": body.world, "conditions": conds}
    if not problems:
        too_big = cost_problem(runs, sc.horizon, len(sc.issues), cells, limits)
        if too_big:
            raise ApiError(422, too_big.split(": ", 1)[1], [too_big])
    if problems:
        raise ApiError(422, "the job request has problems", problems)
    spec.update(scenario=sc.model_dump(mode="json"), runs=runs, seed=seed, backend=backend)
    return spec, runs * cells, label, problems


def _api(app: FastAPI, jobs: JobManager, limits: Limits, root: Path, backend: str) -> None:
    @app.get("/api/health", response_model=m.Health, tags=["server"])
    async def health() -> dict[str, Any]:
        """Server state, job counts and limits."""
        return {
            "status": "ok",
            "version": _version(),
            "jobs": jobs.counts(),
            "limits": asdict(limits),
            "backend": backend,
        }

    @app.get("/api/scenarios", response_model=list[m.ScenarioInfo], tags=["scenarios"])
    def scenarios() -> list[dict[str, str]]:
        """The bundled scenarios."""
        from detente.scenario.load import bundled_scenarios

        return [{"name": k, "title": v} for k, v in bundled_scenarios().items()]

    @app.get(
        "/api/scenarios/{name}",
        response_model=m.ScenarioDescription,
        tags=["scenarios"],
        responses=_responses(404, 422),
    )
    def scenario(
        name: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,79}$")],
    ) -> dict[str, Any]:
        """A bundled scenario's sides, slider values, conditions, worlds and dates."""
        from detente.scenario.load import bundled_scenarios, load_scenario
        from detente.web.scenarios import describe

        if name not in bundled_scenarios():
            raise ApiError(404, f"no bundled scenario {name!r}", [f"scenario: no bundled scenario {name!r}"])
        return describe(load_scenario(name))

    @app.get("/api/fields", response_model=list[m.FieldDoc], tags=["scenarios"])
    def fields() -> list[dict[str, Any]]:
        """Every scenario field by generic dotted path (``*`` for any key or index), with its meaning."""
        from detente.web.scenarios import field_docs

        return list(field_docs().values())

    @app.post(
        "/api/validate",
        response_model=m.ValidateResponse,
        tags=["scenarios"],
        responses=_responses(400, 413, 422),
    )
    def validate(body: m.ValidateRequest) -> dict[str, Any]:
        """Check a scenario (uploaded YAML or bundled name); 422 lists each problem with its field and line."""
        from detente.web.scenarios import describe

        return {"ok": True, "scenario": describe(_scenario(body, limits))}

    @app.post(
        "/api/jobs",
        response_model=m.JobStatus,
        status_code=202,
        tags=["jobs"],
        responses=_responses(400, 413, 422, 429),
    )
    def start_job(body: m.JobRequest) -> dict[str, Any]:
        """Start a simulation or the factorial main job; poll its status, then fetch its result."""
        spec, total, label, _ = _job_spec(body, limits, backend)
        try:
            job = jobs.submit(body.kind, spec, total, label)
        except QueueFull as exc:
            raise ApiError(429, str(exc)) from None
        return job.status_dict()

    @app.get("/api/jobs", response_model=list[m.JobStatus], tags=["jobs"])
    async def list_jobs() -> list[dict[str, Any]]:
        """Known jobs, newest first."""
        return [j.status_dict() for j in jobs.list()]

    @app.get("/api/jobs/{job_id}", response_model=m.JobStatus, tags=["jobs"], responses=_responses(404, 422))
    async def job_status(job_id: JOB_ID) -> dict[str, Any]:
        """A job's status and progress."""
        return _job(jobs, job_id).status_dict()

    @app.get(
        "/api/jobs/{job_id}/result",
        response_model=m.JobResult,
        tags=["jobs"],
        responses=_responses(404, 409, 422),
    )
    async def job_result(job_id: JOB_ID) -> dict[str, Any]:
        """A finished job's result; 409 while it runs, 422 with its problems if it failed."""
        job = _job(jobs, job_id)
        if job.status == "failed":
            raise ApiError(422, "the job failed", job.problems)
        if job.status != "done" or job.result is None:
            raise ApiError(409, f"the job is {job.status} ({job.done:,} of {job.total:,} runs done)")
        return {"job": job.status_dict(), "result": job.result}

    @app.get("/api/stores", response_model=list[m.StoreInfo], tags=["experiments"])
    def stores() -> list[dict[str, Any]]:
        """Results stores (DuckDB files) in the results folder."""
        from detente.web.stored import list_stores

        return list_stores(root)

    @app.get(
        "/api/experiments",
        response_model=list[m.ExperimentSummary],
        tags=["experiments"],
        responses=_responses(404, 409, 422),
    )
    def experiments(store: STORE = "detente-results.duckdb") -> list[dict[str, Any]]:
        """Experiments in a results store (empty if the store does not exist yet)."""
        from detente.web.stored import list_experiments

        return _stored(lambda: list_experiments(root, store))

    @app.get(
        "/api/experiments/{name}",
        response_model=m.ExperimentDetail,
        tags=["experiments"],
        responses=_responses(404, 409, 422),
    )
    def experiment(name: EXPERIMENT, store: STORE = "detente-results.duckdb") -> dict[str, Any]:
        """A stored experiment: record, result rows (capped) and statistics of each outcome."""
        from detente.web.stored import list_experiments, open_experiment

        names = {e["name"] for e in _stored(lambda: list_experiments(root, store))}
        if name not in names:
            raise ApiError(
                404,
                f"no experiment {name!r} in {store}",
                [
                    f"experiment: no experiment {name!r} in {store} (stored: {', '.join(sorted(names)) or 'none'})"
                ],
            )
        return _stored(lambda: open_experiment(root, name, store, limits.max_rows))


def _job(jobs: JobManager, job_id: str) -> Any:
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"no job {job_id} (jobs are kept in memory until the server stops)")
    return job


def _stored(read: Any) -> Any:
    from detente.web.stored import StoreNotFound

    try:
        return read()
    except StoreNotFound as exc:
        raise ApiError(404, exc.problems[0], exc.problems) from None
    except ExperimentError as exc:
        raise ApiError(409, "the results store cannot be read now", exc.problems) from None


def _pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        path = _plotly_js()
        if not path.is_file():
            raise StarletteHTTPException(404, "plotly.min.js is not in the installed plotly package")
        return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
