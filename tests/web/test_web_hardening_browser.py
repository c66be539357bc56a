"""The page keeps seeds exact up to 2^64-1 (beyond JavaScript's exact integers) and shows seed errors."""

from __future__ import annotations

import json

import pytest

from detente.limits import MAX_SEED

pytestmark = pytest.mark.web


def _job_request(page) -> tuple[dict, str]:
    with page.expect_response(lambda r: r.url.endswith("/api/jobs") and r.request.method == "POST") as info:
        page.click("#run")
    response = info.value
    return json.loads(response.request.post_data), response.json()


def test_the_largest_seed_travels_exactly_and_a_larger_one_is_refused_at_its_field(web_page):
    page = web_page
    page.eval_on_selector("#runs", "e => { e.value = 10; e.dispatchEvent(new Event('input')); }")
    page.fill("#seed", str(MAX_SEED))
    sent, answer = _job_request(page)
    assert sent["seed"] == MAX_SEED  # json.loads reads the bare integer exactly
    assert answer["status"] in ("queued", "running", "done")
    page.wait_for_selector("#progress[data-state='done']", timeout=240_000)

    page.fill("#seed", str(MAX_SEED + 1))
    sent, answer = _job_request(page)
    assert sent["seed"] == MAX_SEED + 1
    assert [p["field"] for p in answer["problems"]] == ["seed"]
    error = page.locator(".field-error[data-for='seed']")
    error.wait_for(state="visible", timeout=15_000)
    assert "18446744073709551615" in error.inner_text()
