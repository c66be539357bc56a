"""``detente serve``: the local web explorer (FastAPI under uvicorn, loopback by default)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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
        Path, typer.Option(help="Folder of the results stores (*.duckdb) the page may open.")
    ] = Path("."),
    max_jobs: Annotated[
        int, typer.Option(help="Simulation jobs running at once (one worker process each).")
    ] = 1,
    max_queue: Annotated[int, typer.Option(help="Jobs that may wait for a worker; more get HTTP 429.")] = 4,
    backend: Annotated[
        str, typer.Option(help="Engine backend for jobs: auto, fused (numba) or numpy.")
    ] = "auto",
) -> None:
    """Serve the web explorer: pick a scenario, move sliders, run jobs, read the factorial verdict."""
    if not 0 <= port <= 65535:
        fail(f"--port: expected 0..65535, got {port}")
    if max_jobs < 1 or max_queue < 0:
        fail("--max-jobs: expected at least 1; --max-queue: expected 0 or more")
    if backend not in ("auto", "fused", "numpy"):
        fail(f"--backend: expected auto, fused or numpy, got {backend!r}")
    if not results_dir.is_dir():
        fail(f"--results-dir: {results_dir} is not a folder")
    import socket

    import uvicorn

    from detente.web.app import create_app

    app = create_app(results_dir=results_dir, max_jobs=max_jobs, max_queue=max_queue, backend=backend)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (else keep-alive requests
    # wait ~40 ms on delayed ACKs); port 0 binds a free port, which is then printed.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"detente explorer: http://{shown}:{bound}/  (Ctrl-C to stop)")
    sys.stdout.flush()
    if host not in LOOPBACK:
        typer.echo(
            f"warning: listening on {host}, reachable from other machines; the API has no login", err=True
        )
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
