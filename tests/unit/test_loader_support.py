"""Helpers for the loader tests: load files or run ``detente validate`` in a child with bounded time and memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from detente.scenario.load import bundled_path

BASE = bundled_path("reset-2009").read_text(encoding="utf-8")
MEMORY_MB = 1024
"""Address-space limit of a child (RLIMIT_AS): a bomb that expands in memory fails there, not on the host."""

_CHILD = """
import json, resource, sys, time
limit = int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import detente
from detente.errors import DetenteError
out = []
for path in sys.argv[2:]:
    start = time.perf_counter()
    try:
        detente.load_scenario(path)
        kind, text = "ok", ""
    except DetenteError as exc:
        kind, text = "error", str(exc)
    except BaseException as exc:
        kind, text = "crash", f"{type(exc).__name__}: {exc}"
    status = open("/proc/self/status").read()  # VmHWM: peak RSS since exec (ru_maxrss keeps the parent's)
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    out.append({"kind": kind, "text": text, "seconds": time.perf_counter() - start, "peak_mb": peak})
print(json.dumps(out))
"""


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DETENTE_MAX_")}
    env.update(extra or {})
    return env


def load_in_child(
    paths: list[Path], timeout: float = 60, env: dict[str, str] | None = None
) -> list[dict[str, object]]:
    """``detente.load_scenario`` of each path in one child process (RLIMIT_AS, timeout): kind, text, seconds, peak_mb."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(MEMORY_MB), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(env),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _limit_memory() -> None:
    import resource

    limit = MEMORY_MB * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def validate_cli(
    path: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``detente validate PATH`` in a child with bounded memory and time."""
    return subprocess.run(
        [sys.executable, "-m", "detente", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(env),
        preexec_fn=_limit_memory,
    )


def assert_refused(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, no traceback, and every word in the message; returns stderr."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    for word in words:
        assert word in proc.stderr, (word, proc.stderr)
    return proc.stderr
