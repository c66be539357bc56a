"""A stop signal ends `detente serve` in bounded time, whatever its requests and jobs are doing.

Each test starts a real server (subprocess), leaves it busy (a long simulation in a worker, a request
whose body never arrives, a handler that never returns), sends SIGTERM and waits a bounded time for
the process and its workers to be gone.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from web_helpers import BACKEND

GRACE = 1.0
BOUND = 2 * GRACE + 5 + 15  # the watchdog's deadline, plus room for a loaded machine

HANGING_VALIDATE = """
import sys, time
import detente.web.scenarios as scenarios
scenarios.from_yaml_text = lambda *a, **k: time.sleep(3600)  # a parse that never ends
from detente.cli import main
sys.argv[0] = "detente"
main()
"""


def _start(
    tmp_path: Path, code: str = "from detente.cli import main; main()"
) -> tuple[subprocess.Popen, str]:
    log = (tmp_path / "stderr.log").open("w")
    cmd = [
        sys.executable,
        "-c",
        code,
        "serve",
        "--port",
        "0",
        "--backend",
        BACKEND,
        "--max-runs",
        "2000000",
        "--max-cost",
        "10000000000",
    ]
    cmd += ["--results-dir", str(tmp_path), "--shutdown-grace", str(GRACE)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not match:
        proc.kill()
        raise AssertionError(f"no URL printed: {line!r}; {(tmp_path / 'stderr.log').read_text()}")
    url = match.group(0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not answer /api/health")


def _stop_and_wait(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, list[psutil.Process]]:
    """Send ``sig``, then wait at most BOUND seconds; returns the exit status and the workers left alive."""
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(sig)
    try:
        code = proc.wait(timeout=BOUND)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"detente serve was still running {BOUND} s after SIGTERM") from None
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        child.kill()
    return code, alive


def _half_sent_request(url: str) -> socket.socket:
    """A connection whose request body is announced but never sent (a request still being read)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        b"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100000\r\n\r\n{"yaml": "name: x'
    )
    return sock


@pytest.mark.slow
def test_sigterm_ends_a_server_with_a_running_job_and_a_half_read_request(tmp_path):
    proc, url = _start(tmp_path)
    try:
        job = httpx.post(f"{url}/api/jobs", json={"runs": 2_000_000, "world": "spiral"}, timeout=30).json()
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/api/jobs/{job['id']}", timeout=5).json()["status"] != "running":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        assert psutil.Process(proc.pid).children(recursive=True), "no worker process"
        sock = _half_sent_request(url)
        code, alive = _stop_and_wait(proc)
        sock.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == -signal.SIGTERM, code  # the graceful path (uvicorn re-raises the signal), not the watchdog
    assert not alive, f"worker processes outlived the server: {alive}"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_a_server_whose_handler_never_returns(tmp_path, sig):
    proc, url = _start(tmp_path, HANGING_VALIDATE)
    try:
        host, port = url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)))
        body = b'{"yaml": "name: x"}'
        sock.sendall(
            b"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.5)  # let the handler start its endless parse
        code, alive = _stop_and_wait(proc, sig)
        sock.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not alive
    if sig == signal.SIGTERM:
        assert code == -signal.SIGTERM, code  # uvicorn gave up on the request and re-raised the signal
    else:  # Ctrl-C: asyncio would wait for the stuck thread forever; the watchdog ends the process
        assert code == 1, code
        assert "stopping now" in (tmp_path / "stderr.log").read_text()
