"""Hostile and careless requests: foreign Host names, links out of the results folder, bad uploads and numbers.

Every refusal is a JSON error naming the field where there is one, never a 500 or a traceback.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import BACKEND, LOCAL

from detente.limits import MAX_SEED
from detente.scenario.load import bundled_path
from detente.web.guards import host_name, is_loopback

RESET = bundled_path("reset-2009").read_text(encoding="utf-8")


def _fields(resp) -> set[str | None]:
    return {p["field"] for p in resp.json()["problems"]}


def _post(client, path: str, body: object):
    """POST ``body`` as ASCII JSON (lone surrogates travel as \\u escapes, as a browser would send them)."""
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def _strict(text: str) -> object:
    """Parse JSON refusing NaN and infinities (what a strict JSON reader does)."""

    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token} in a response")

    return json.loads(text, parse_constant=refuse)


# ---- Host header (DNS rebinding) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8765",
        "127.0.0.1.evil.example",
        "localhost.evil.example",
        "[::2]",
        "10.0.0.1",
    ],
)
def test_foreign_host_names_are_refused_before_any_route(client, host):
    for method, path in (("GET", "/api/health"), ("GET", "/"), ("POST", "/api/jobs")):
        resp = client.request(method, path, headers={"host": host}, json={"runs": 1})
        assert resp.status_code == 421, (method, path, resp.status_code)
        body = resp.json()
        assert "not served here" in body["detail"] and body["problems"] == []
    assert all(j["label"] != "x" for j in client.get("/api/jobs").json())


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:8765", "127.0.0.1:1", "127.3.4.5", "[::1]", "[::1]:8765", "localhost."]
)
def test_loopback_host_names_are_served(client, host):
    resp = client.get("/api/health", headers={"host": host})
    assert resp.status_code == 200 and resp.json()["status"] == "ok"


@pytest.mark.parametrize("host", ["", "a b", "[::1", "[zz]:80", "localhost:http", "x:99999999", "::1"])
def test_malformed_host_headers_are_400(client, host):
    resp = client.get("/api/health", headers={"host": host})
    assert resp.status_code == 400 and "Host" in resp.json()["detail"]


def test_a_request_without_a_host_header_is_refused(client):
    import asyncio
    import threading

    sent: list[dict] = []

    async def call() -> None:
        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/api/health", "headers": [], "query_string": b""}
        await client.app(scope, receive, send)

    # a thread of its own: a browser test's playwright loop may be running in this one
    worker = threading.Thread(target=lambda: asyncio.run(call()))
    worker.start()
    worker.join(timeout=60)
    assert sent[0]["status"] == 400


def test_allowed_host_names_are_served_and_others_still_refused(results_dir):
    from fastapi.testclient import TestClient

    from detente.web.app import create_app

    app = create_app(results_dir=results_dir, backend=BACKEND, allowed_hosts=["Explorer.LAN"])
    with TestClient(app, base_url="http://explorer.lan:8765") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"host": "127.0.0.1"}).status_code == 200
        assert c.get("/api/health", headers={"host": "other.lan"}).status_code == 421


def test_host_parsing():
    assert host_name("[::1]:8765") == "::1" and host_name("Localhost:80") == "localhost"
    assert host_name("[::1]x") is None and host_name("a:b:c") is None
    assert is_loopback("127.255.0.9") and is_loopback("::1") and not is_loopback("128.0.0.1")


# ---- the stores listing stays inside the results folder -------------------------------------------


@pytest.fixture
def linked_results(tmp_path: Path) -> Path:
    """A results folder with one real store, links inside and out of it, a dangling link and a loop."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.duckdb").write_bytes(b"not for the page")
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "real.duckdb").write_bytes(b"x" * 10)
    (folder / "alias.duckdb").symlink_to("real.duckdb")
    (folder / "escape.duckdb").symlink_to(outside / "secret.duckdb")
    (folder / "relative-escape.duckdb").symlink_to("../outside/secret.duckdb")
    (folder / "dangling.duckdb").symlink_to("missing.duckdb")
    (folder / "loop.duckdb").symlink_to("loop.duckdb")
    (folder / "dir.duckdb").symlink_to(outside)
    return folder


def test_stores_listing_skips_links_out_of_the_results_folder(linked_results):
    from fastapi.testclient import TestClient

    from detente.web.app import create_app

    with TestClient(create_app(results_dir=linked_results, backend=BACKEND), base_url=LOCAL) as c:
        listed = c.get("/api/stores").json()
        assert [(s["name"], s["bytes"]) for s in listed] == [("alias.duckdb", 10), ("real.duckdb", 10)]
        for name in ("escape.duckdb", "relative-escape.duckdb", "loop.duckdb", "dir.duckdb"):
            for path in ("/api/experiments", "/api/experiments/x"):
                resp = c.get(path, params={"store": name})
                assert resp.status_code in (404, 422), (name, path, resp.status_code)
                assert "not for the page" not in resp.text
        # A dangling link inside the folder names a store that does not exist yet: nothing stored.
        assert c.get("/api/experiments", params={"store": "dangling.duckdb"}).json() == []
        assert c.get("/api/experiments/x", params={"store": "dangling.duckdb"}).status_code == 404


# ---- uploads: the loader's limits, encodings and structure checks apply --------------------------


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


UPLOADS = {
    "alias bomb": _bomb(),
    "alias bomb beside a valid scenario": _bomb() + RESET,
    "deep nesting": "name: x\nsides: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "deep mappings": "name: x\nsides: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
}


@pytest.mark.parametrize("what", sorted(UPLOADS))
def test_resource_bombs_are_422_naming_the_file(client, what):
    resp = client.post("/api/validate", json={"yaml": UPLOADS[what], "filename": "bomb.yaml"})
    assert resp.status_code == 422, resp.text[:300]
    assert all(p["text"].startswith("bomb.yaml") for p in resp.json()["problems"])
    assert "Traceback" not in resp.text


@pytest.mark.parametrize(
    ("what", "raw"),
    [
        ("binary", bytes(range(256)) * 4),
        ("utf-16 with BOM", RESET.encode("utf-16")),
        ("utf-16 without BOM", RESET.encode("utf-16-le")),
        ("utf-32", RESET.encode("utf-32")),
        ("invalid utf-8", RESET.encode() + b"\xff\xfe\xc0"),
    ],
)
def test_binary_and_foreign_encodings_are_422_naming_the_file(client, what, raw):
    # The page reads a file as UTF-8 text (undecodable bytes become U+FFFD); an API client may send
    # lone surrogates. Both arrive as a JSON string.
    for text in (raw.decode("utf-8", "replace"), raw.decode("utf-8", "surrogateescape")):
        resp = _post(client, "/api/validate", {"yaml": text, "filename": "odd.yaml"})
        assert resp.status_code == 422, (what, resp.text[:300])
        problems = resp.json()["problems"]
        assert problems and all(p["text"].startswith("odd.yaml") for p in problems)


def test_duplicate_keys_in_an_upload_are_422_naming_the_key(client):
    bad = RESET.replace("horizon: 240", "horizon: 240\nhorizon: 120")
    resp = client.post("/api/validate", json={"yaml": bad, "filename": "dup.yaml"})
    assert resp.status_code == 422 and "horizon" in resp.text


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        ("sides.R.elite.h0", "h0: 0.8 ", "h0: .nan "),
        ("sides.R.elite.h0", "h0: 0.8 ", "h0: -.inf "),
        ("horizon", "horizon: 240", "horizon: yes"),
        ("runs", "runs: ", "runs: true #"),
        ("seed", "seed: 20090706", f"seed: {MAX_SEED + 1}"),
        ("seed", "seed: 20090706", "seed: -1"),
        ("start", "start: 2009-07 ", "start: 2010-02-30 "),
        ("start", "start: 2009-07 ", "start: 2009-13 "),
    ],
)
def test_bad_numbers_and_dates_in_an_upload_are_422_naming_the_field(client, field, old, new):
    assert old in RESET
    resp = client.post("/api/validate", json={"yaml": RESET.replace(old, new, 1), "filename": "n.yaml"})
    assert resp.status_code == 422, resp.text[:300]
    assert field in _fields(resp), resp.json()["problems"]


def test_the_largest_seed_is_accepted_in_an_upload(client):
    resp = client.post("/api/validate", json={"yaml": RESET.replace("seed: 20090706", f"seed: {MAX_SEED}")})
    assert resp.status_code == 200
    desc = resp.json()["scenario"]
    assert desc["seed"] == MAX_SEED and desc["seed_text"] == str(MAX_SEED)


# ---- job requests: seeds, numbers, strict JSON -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (f'{{"seed": {MAX_SEED + 1}}}', "seed"),
        ('{"seed": -1}', "seed"),
        ('{"seed": true}', "seed"),
        ('{"seed": 7.5}', "seed"),
        ('{"seed": 1' + "0" * 5000 + "}", "seed"),
        ('{"runs": NaN}', "runs"),
        ('{"runs": 1e400}', "runs"),
        ('{"runs": false}', "runs"),
        ('{"runs": 1' + "0" * 30 + "}", "runs"),
        ('{"overrides": {"sides.R.elite.h0": NaN}}', "overrides.sides.R.elite.h0"),
        ('{"overrides": {"sides.R.elite.h0": Infinity}}', "overrides.sides.R.elite.h0"),
        ('{"threat_start": "2010-02-30"}', "threat_start"),
        ('{"inclusion_start": "2010-13"}', "inclusion_start"),
        ('{"overrides": ' + "[" * 100_000 + "]" * 100_000 + "}", "body"),
    ],
    ids=lambda v: v[:40],
)
def test_bad_job_numbers_are_422_naming_the_field(client, body, field):
    resp = client.post("/api/jobs", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 422, resp.text[:300]
    assert field in _fields(resp), resp.json()
    _strict(resp.text)


def test_a_job_with_the_largest_seed_runs_and_answers_strict_json(client):
    from web_helpers import wait_job

    resp = client.post(
        "/api/jobs",
        content=f'{{"runs": 1, "seed": {MAX_SEED}}}',
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 202, resp.text
    status = wait_job(client, resp.json()["id"])
    assert status["status"] == "done", status
    result = client.get(f"/api/jobs/{status['id']}/result")
    body = _strict(result.text)  # one run: standard errors are undefined, sent as null
    assert body["result"]["provenance"]["seed"] == MAX_SEED
    summary = body["result"]["summary"]
    assert summary["se_mean_ci"] is None or math.isfinite(summary["se_mean_ci"])


# ---- fuzzing: no input answers 500 -----------------------------------------------------------------

_json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
_job_keys = st.sampled_from(
    ["kind", "scenario", "yaml", "world", "worlds", "conditions", "overrides", "threat_start", "runs", "seed"]
)
_yaml_text = st.one_of(
    st.text(max_size=400),
    st.binary(max_size=400).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.lists(st.sampled_from(RESET.splitlines()), max_size=60).map("\n".join),
    st.tuples(st.integers(0, len(RESET)), st.text(max_size=40)).map(
        lambda t: RESET[: t[0]] + t[1] + RESET[t[0] :]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(text=_yaml_text)
def test_fuzzed_uploads_never_answer_500(client, text):
    resp = _post(client, "/api/validate", {"yaml": text, "filename": "f.yaml"})
    assert resp.status_code in (200, 413, 422), resp.text[:500]
    _strict(resp.text)


@pytest.fixture(scope="module")
def small_client(results_dir):
    """An app whose jobs are tiny (at most 5 runs) and never wait, for fuzzing job requests."""
    from fastapi.testclient import TestClient

    from detente.web.app import create_app
    from detente.web.limits import Limits

    small = Limits(max_runs=5, max_cost=5 * 240 * 4)
    app = create_app(results_dir=results_dir, max_jobs=1, max_queue=0, backend=BACKEND, limits=small)
    with TestClient(app, base_url=LOCAL) as c:
        yield c


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(body=st.dictionaries(_job_keys, _json, max_size=5) | _json)
def test_fuzzed_job_bodies_never_answer_500(small_client, body):
    resp = _post(small_client, "/api/jobs", body)
    assert resp.status_code in (202, 413, 422, 429), resp.text[:500]
    _strict(resp.text)
