"""Fixtures of the web tests: a TestClient app, a small results store, a live server and Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import BACKEND, make_store, served

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder holding one store, and a file next to it that no request may reach."""
    root = tmp_path_factory.mktemp("web")
    folder = root / "results"
    folder.mkdir()
    make_store(folder)
    (root / "secret.duckdb").write_text("outside the results folder")
    return folder


@pytest.fixture(scope="module")
def client(results_dir: Path) -> Iterator[object]:
    """A TestClient over an app with the compiled engine (numba cache) and one worker process."""
    from fastapi.testclient import TestClient

    from detente.web.app import create_app

    app = create_app(results_dir=results_dir, max_jobs=1, max_queue=4, backend=BACKEND)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="session")
def live_server(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`detente serve` on a free loopback port (compiled engine), stopped at teardown."""
    with served(results_dir, tmp_path_factory.mktemp("serve") / "stderr.log", "--max-queue", "8") as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium: skipped when missing, but a failure when CI is set (CI must run these)."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def web_browser(chromium: str) -> Iterator[object]:
    """A headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def web_page(web_browser: object, live_server: str) -> Iterator[object]:
    """A fresh page on the live server, failing the test on any JavaScript error."""
    context = web_browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(live_server + "/")
    pg.wait_for_selector("body[data-ready='1']", timeout=30_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
