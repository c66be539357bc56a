"""``detente serve``: the local web explorer (FastAPI under uvicorn, loopback by default)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from detente.cli._common import fail

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(app: typer.Typer) -> None:
    """Add the serve command."""
    app.command("serve")(serve)


def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (loopback by default; anything else is reachable from the network)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 = any free port).")] = 8765,
    results_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the results stores (*.duckdb) the page may open (default: detente's data "
            "folder, where `detente sweep` keeps its store).",
            show_default=False,
        ),
    ] = None,
    max_jobs: Annotated[
        int, typer.Option(help="Simulation jobs running at once (one worker process each).")
    ] = 1,
    max_queue: Annotated[int, typer.Option(help="Jobs that may wait for a worker; more get HTTP 429.")] = 4,
    backend: Annotated[
        str,
        typer.Option(help="Engine backend for jobs: compiled (numba; aliases auto, fused) or python."),
    ] = "compiled",
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            help="Host name the page may be reached by besides loopback names (repeatable); "
            "requests naming any other host are refused (DNS rebinding)."
        ),
    ] = None,
    max_runs: Annotated[
        int, typer.Option(help="Most runs per cell a job may ask for (at most DETENTE_MAX_RUNS).")
    ] = 100_000,
    max_cost: Annotated[
        int,
        typer.Option(help="Most runs x months x issues x cells in one job (at most DETENTE_MAX_COST)."),
    ] = 200_000_000,
    shutdown_grace: Annotated[
        float,
        typer.Option(
            help="Seconds a stop signal waits for requests and jobs before ending them; the process "
            "exits at the latest about twice this plus 5 s later."
        ),
    ] = 5.0,
) -> None:
    """Serve the web explorer: pick a scenario, move sliders, run jobs, read the factorial verdict."""
    if not 0 <= port <= 65535:
        fail(f"--port: expected 0..65535, got {port}")
    if max_jobs < 1:
        fail(f"--max-jobs: expected at least 1, got {max_jobs}")
    if max_queue < 0:
        fail(f"--max-queue: expected 0 or more, got {max_queue}")
    if not 0 <= shutdown_grace <= 600:
        fail(f"--shutdown-grace: expected 0 to 600 seconds, got {shutdown_grace}")
    if results_dir is None:
        from detente.errors import DetenteError
        from detente.report.outputs import data_home

        try:
            results_dir = data_home()  # may not exist yet: the page then lists no stores
        except DetenteError as exc:
            fail(exc.problems)
    elif not results_dir.is_dir():
        fail(f"--results-dir: {results_dir} is not a folder")
    from detente.limits import over_limit

    for flag, limit, value in (("--max-runs", "runs", max_runs), ("--max-cost", "cost", max_cost)):
        problem = over_limit(flag, limit, value)
        if value < 1 or problem:
            fail(problem or f"{flag}: expected a positive whole number, got {value}")
    allowed = _allowed_hosts(host, allow_host or [])
    backend = _check_backend(backend)
    import socket

    import uvicorn

    from detente.web.app import create_app
    from detente.web.limits import Limits

    app = create_app(
        results_dir=results_dir,
        max_jobs=max_jobs,
        max_queue=max_queue,
        backend=backend,
        limits=Limits(max_runs=max_runs, max_cost=max_cost),
        allowed_hosts=allowed,
        shutdown_grace=shutdown_grace,
    )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (else keep-alive requests
    # wait ~40 ms on delayed ACKs); port 0 binds a free port, which is then printed.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except (OSError, OverflowError) as exc:
        fail(f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}")
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"detente explorer: http://{shown}:{bound}/  (Ctrl-C to stop)")
    sys.stdout.flush()
    if host not in LOOPBACK:
        typer.echo(
            f"warning: listening on {host}, reachable from other machines; the API has no login. "
            "Requests must name a loopback host or one given with --allow-host.",
            err=True,
        )
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, timeout_graceful_shutdown=max(0.1, shutdown_grace)
    )
    server = _bounded_server(uvicorn.Server, config, app.state.jobs, 2 * shutdown_grace + 5)
    server.run(sockets=[sock])


def _allowed_hosts(host: str, extra: list[str]) -> list[str]:
    """Host names served besides loopback: the bound address (unless a wildcard) and --allow-host names."""
    names = [h.strip().lower().strip("[]") for h in [host, *extra] if h.strip()]
    return [n for n in dict.fromkeys(names) if n not in ("0.0.0.0", "::", "")]


def _check_backend(name: str) -> str:
    """The backend name if the engine knows it, else exit 2 naming the choices."""
    from detente.engine.simulate import BACKENDS

    if name not in BACKENDS:
        fail(f"--backend: expected compiled (or its aliases auto, fused) or python, got {name!r}")
    return name


def _bounded_server(base: type, config: Any, jobs: Any, deadline: float) -> Any:
    """A uvicorn server whose first stop signal also arms a watchdog: if the graceful shutdown (requests
    still being read or parsed, jobs being stopped) has not ended ``deadline`` seconds later, the job
    workers are killed and the process exits with status 1."""
    import os
    import threading

    class BoundedServer(base):  # type: ignore[misc, valid-type]
        watchdog: threading.Timer | None = None

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            if self.watchdog is None:
                self.watchdog = threading.Timer(deadline, self.force_stop)
                self.watchdog.daemon = True
                self.watchdog.start()

        def force_stop(self) -> None:
            sys.stderr.write(
                f"detente serve: still busy {deadline:g} s after the stop signal; stopping now\n"
            )
            sys.stderr.flush()
            jobs.kill_workers()
            os._exit(1)

    return BoundedServer(config)
