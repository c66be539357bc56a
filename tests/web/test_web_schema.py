"""Property-based tests of the API against its own OpenAPI document (schemathesis).

The app here has a tiny job budget and no waiting room, so generated job requests either run a few
dozen runs or are refused (422/429); every answer must match the documented status codes and schemas.
(The schema is loaded at import: schemathesis' lazy ``from_fixture`` does not work with pytest 9.)
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from web_helpers import BACKEND, make_store

from detente.web.app import create_app
from detente.web.limits import Limits

SMALL = Limits(max_runs=40, max_cost=40 * 240 * 4, max_upload_bytes=4096, max_body_bytes=8192)
_DIR = Path(tempfile.mkdtemp(prefix="detente-web-schema-"))
atexit.register(
    shutil.rmtree, _DIR, ignore_errors=True
)  # also when this module's tests run elsewhere (xdist)
make_store(_DIR)
APP = create_app(
    results_dir=_DIR,
    max_jobs=1,
    max_queue=0,
    backend=BACKEND,
    limits=SMALL,
    allowed_hosts=["testserver"],  # the host name of ASGI test clients
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    APP.state.jobs.shutdown()
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_matches_its_openapi_document(case):
    # Valid-by-schema requests may still name an unknown scenario, world or store: 4xx is right there.
    # The body-size guard answers 413 before validation: for oversized invalid data that is a rejection too.
    response = case.call()
    excluded = [positive_data_acceptance]
    if response.status_code == 413:
        excluded.append(negative_data_rejection)
    case.validate_response(response, excluded_checks=excluded)


def test_openapi_document_lists_every_endpoint():
    doc = APP.openapi()
    assert {
        "/api/health",
        "/api/scenarios",
        "/api/scenarios/{name}",
        "/api/validate",
        "/api/jobs",
        "/api/jobs/{job_id}",
        "/api/jobs/{job_id}/result",
        "/api/stores",
        "/api/experiments",
        "/api/experiments/{name}",
    } <= set(doc["paths"])
    assert doc["components"]["schemas"]["JobRequest"]["additionalProperties"] is False
    assert "422" in doc["paths"]["/api/jobs"]["post"]["responses"]
    assert "429" in doc["paths"]["/api/jobs"]["post"]["responses"]
