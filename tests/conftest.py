"""Every test runs with its own detente data folder, so no test writes into the real home folder."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _detente_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["DETENTE_HOME"] = str(tmp_path_factory.mktemp("detente-home"))
