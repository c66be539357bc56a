"""Benchmark: status requests to ``detente serve`` while a simulation job runs (loopback only, bounded).

Starts ``detente serve`` on a free 127.0.0.1 port, starts one job, then sends ``--requests`` GETs of
the job's status with ``--concurrency`` in flight at once while the job runs; reports latency
percentiles, failures and how many answers said "running". The server is stopped by its PID.

    .venv/bin/python benchmarks/web_load.py [--concurrency 50] [--requests 2000] [--runs 20000] [--backend numpy]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
from typing import Any

import httpx
import numpy as np


def start_server(backend: str) -> tuple[subprocess.Popen, str]:
    """``detente serve`` on a free loopback port; returns the process and its base URL."""
    cmd = [
        sys.executable,
        "-c",
        "from detente.cli import main; main()",
        "serve",
        "--port",
        "0",
        "--backend",
        backend,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    match = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("detente serve did not print its URL")
    url = match.group(0)
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("detente serve did not answer")


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str
) -> tuple[int, bytes]:
    """One HTTP/1.1 keep-alive GET on an open connection: (status, body)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(v) for k, _, v in (line.partition(":") for line in lines[1:]) if k.lower() == "content-length"
    )
    return status, await reader.readexactly(length)


async def hammer(url: str, job_id: str, requests: int, concurrency: int) -> dict[str, Any]:
    """Send ``requests`` status GETs over ``concurrency`` keep-alive connections; latencies in ms.

    A minimal asyncio HTTP/1.1 client keeps the load generator's own CPU cost small (the server and
    the job share the same cores), so the figures are mostly the server's.
    """
    host_port = url.removeprefix("http://")
    host, port = host_port.split(":")
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    failures: list[str] = []
    left = [requests]

    async def worker() -> None:
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
        except OSError as exc:
            failures.append(type(exc).__name__)
            return
        try:
            while left[0] > 0:
                left[0] -= 1
                start = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(
                        _get(reader, writer, host_port, f"/api/jobs/{job_id}"), 30
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    failures.append(type(exc).__name__)
                    return
                latencies.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    failures.append(f"HTTP {status}")
                else:
                    job = json.loads(body)["status"]
                    statuses[job] = statuses.get(job, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    lat = np.array(latencies or [float("nan")])
    return {
        "requests": requests,
        "concurrency": concurrency,
        "answered": len(latencies),
        "failed": len(failures) + (requests - len(latencies) - len(failures)),
        "failures": sorted(set(failures)),
        "answers_by_job_status": statuses,
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(latencies) / wall, 1),
        "latency_ms": {f"p{q}": round(float(np.percentile(lat, q)), 2) for q in (50, 90, 95, 99)}
        | {"max": round(float(lat.max()), 2), "mean": round(float(lat.mean()), 2)},
    }


def run(
    concurrency: int = 50, requests: int = 2000, runs: int = 20_000, backend: str = "numpy"
) -> dict[str, Any]:
    """Start the server and a job, hammer the status endpoint while the job runs, stop the server."""
    proc, url = start_server(backend)
    try:
        job = httpx.post(
            f"{url}/api/jobs", json={"world": "spiral", "conditions": ["inclusion"], "runs": runs}, timeout=30
        ).json()
        while httpx.get(f"{url}/api/jobs/{job['id']}", timeout=30).json()["status"] == "queued":
            time.sleep(0.05)
        report = asyncio.run(hammer(url, job["id"], requests, concurrency))
        final = httpx.get(f"{url}/api/jobs/{job['id']}", timeout=30).json()
        report["job"] = {
            "runs": runs,
            "backend": backend,
            "status_after": final["status"],
            "done_after": final["done"],
        }
        report["no_failures"] = report["failed"] == 0
        return report
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--backend", default="numpy", choices=["auto", "fused", "numpy"])
    args = parser.parse_args()
    if not (1 <= args.concurrency <= 200 and 1 <= args.requests <= 50_000):
        raise SystemExit("keep it bounded: --concurrency 1..200, --requests 1..50000")
    print(json.dumps(run(args.concurrency, args.requests, args.runs, args.backend), indent=2))


if __name__ == "__main__":
    main()
