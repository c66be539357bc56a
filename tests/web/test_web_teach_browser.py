"""The teaching page in Debian's Chromium at 1000x800: one run played, paused and stepped month by month
with its story; downloads (CSV, PNG); a link restoring every setting; the Info tab; a fresh page after
another scenario; nothing wider than the window. Screenshots go to $DETENTE_SHOTS (default: tmp)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from detente.scenario.load import bundled_path

pytestmark = pytest.mark.web
RESET = bundled_path("reset-2009").read_text(encoding="utf-8")
WIDTH, HEIGHT = 1000, 800


@pytest.fixture(scope="module")
def context(web_browser):
    """One browser context for these tests (its HTTP cache keeps plotly.js after the first page)."""
    ctx = web_browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, live_server, tmp_path):
    """A fresh 1000x800 page on the live server, failing the test on any JavaScript error."""
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(live_server + "/")
    pg.wait_for_selector("body[data-ready='1']", timeout=30_000)
    pg.shots = Path(os.environ.get("DETENTE_SHOTS") or tmp_path)
    yield pg
    pg.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _fits(pg) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth") <= WIDTH


def _tell(pg, world: str = "spiral") -> None:
    pg.select_option("#world", world)
    pg.click("#story-run")
    pg.wait_for_selector("#progress[data-state='done']", timeout=240_000)
    pg.wait_for_selector("#player:not([hidden])")


def _edit(pg, path: str, text: str) -> None:
    """Type into the editor's field for ``path`` (opening its group)."""
    pg.eval_on_selector(f"input[data-param='{path}']", "e => { e.closest('details').open = true; }")
    pg.fill(f"input[data-param='{path}']", text)


def _month(pg) -> int:
    return int(pg.eval_on_selector("#story-month", "e => e.value"))


def _download(pg, button: str) -> tuple[str, bytes]:
    with pg.expect_download() as info:
        pg.click(button)
    dl = info.value
    return dl.suggested_filename, Path(dl.path()).read_bytes()


def test_one_run_plays_pauses_and_steps_with_its_story(page):
    pg = page
    _fits(pg)
    _tell(pg)
    horizon = int(pg.eval_on_selector("#story-month", "e => e.max")) + 1
    assert horizon == 240 and _month(pg) == 0
    assert pg.inner_text("#story-month-label") == "2009-07 (1 of 240)"
    assert pg.locator("#story-log li").first.get_attribute("data-kind") == "start"
    pg.click("#story-step")
    pg.click("#story-step")
    assert _month(pg) == 2 and "(3 of 240)" in pg.inner_text("#story-month-label")
    assert pg.eval_on_selector("#plot-story-trust", "e => e.data[0].x.length") == 3
    pg.select_option("#story-speed", "30")
    pg.click("#story-play")
    assert pg.get_attribute("#story-play", "data-state") == "playing"
    pg.wait_for_function("document.querySelector('#story-month').value >= 20", timeout=10_000)
    pg.click("#story-play")
    assert pg.get_attribute("#story-play", "data-state") == "paused"
    paused = _month(pg)
    pg.wait_for_timeout(400)
    assert _month(pg) == paused  # paused: the months stand still
    assert pg.eval_on_selector("#plot-story-trust", "e => e.data[1].x.length") == paused + 1
    issues = pg.eval_on_selector("#plot-story-issues", "e => e.data[1].y")
    assert len(issues) == 4 and "Common European security architecture" in issues
    shown = pg.eval_on_selector_all("#story-log li", "els => els.map(e => Number(e.dataset.t))")
    assert shown and max(shown) <= paused  # the log tells only the months passed
    assert pg.locator("#story-now .reg").inner_text() in ("strategic", "tactical", "frozen")
    _fits(pg)
    pg.screenshot(path=str(pg.shots / "teach-story-1000.png"))
    pg.locator("#story-section").screenshot(path=str(pg.shots / "teach-story-section.png"))
    # to the end by the slider: the last entry ends the run
    pg.eval_on_selector("#story-month", "e => { e.value = e.max; e.dispatchEvent(new Event('input')); }")
    assert pg.locator("#story-log li").last.get_attribute("data-kind") == "end"
    pg.click("#story-restart")
    assert _month(pg) == 0 and pg.locator("#story-log li").count() >= 1
    pg.uncheck("#story-quarrels")
    assert pg.locator("#story-log li[data-kind='defection']").count() == 0


def test_downloads_then_another_scenario_gives_a_fresh_page(page):
    pg = page
    _tell(pg)
    name, data = _download(pg, "#dl-story-csv")
    assert name == "reset-2009-run.csv"
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0][:4] == ["month", "regime", "trust_W", "trust_R"] and len(rows) == 241
    assert rows[1][0] == "2009-07" and rows[1][1] in ("strategic", "tactical", "frozen")
    assert all(0 <= float(r[2]) <= 1 for r in rows[1:])
    name, data = _download(pg, "#dl-story-log")
    story = list(csv.DictReader(io.StringIO(data.decode())))
    assert story[0]["kind"] == "start" and story[-1]["kind"] == "end"
    name, data = _download(pg, "#dl-story-png")
    assert name.endswith(".png") and data[:8] == b"\x89PNG\r\n\x1a\n"
    pg.eval_on_selector("#runs", "e => { e.value = 100; e.dispatchEvent(new Event('input')); }")
    pg.click("#run")
    pg.wait_for_selector("#sim-downloads:not([hidden])", timeout=240_000)
    name, data = _download(pg, "#dl-sim-csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == 240 and {"p_strategic", "trust_R_q50", "open_arms_control"} <= set(rows[0])
    assert all(
        abs(float(r["p_strategic"]) + float(r["p_tactical"]) + float(r["p_frozen"]) - 1) < 1e-3 for r in rows
    )
    name, data = _download(pg, "#dl-trust-png")
    assert data[:4] == b"\x89PNG"
    _another_scenario_gives_a_fresh_page(pg)


def test_a_link_restores_every_setting(page, context, live_server):
    pg = page
    pg.select_option("#world", "deterrence")
    pg.check("#cond-generational_change")
    pg.eval_on_selector(
        "#knob-sides-R-elite-h0", "e => { e.value = 0.55; e.dispatchEvent(new Event('input')); }"
    )
    _edit(pg, "issues.arms_control.T_M", "7.5")
    pg.click("details[data-group='levers'] summary")
    pg.uncheck("#item-levers-resets-0")
    pg.fill("#seed", "42")
    assert pg.inner_text("#edited-count") == "3"  # T_M, the reset switched off, and h0 (set by its slider)
    pg.click("#share")
    url = pg.input_value("#share-url")
    assert url.startswith(live_server + "/#settings=") and pg.evaluate("location.href") == url

    other = context.new_page()
    other.goto(url)
    other.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert other.input_value("#world") == "deterrence"
    assert other.is_checked("#cond-generational_change") and not other.is_checked("#cond-inclusion")
    assert other.eval_on_selector("#knob-sides-R-elite-h0", "e => Number(e.value)") == 0.55
    assert other.input_value("#param-issues-arms_control-T_M") == "7.5"
    assert not other.is_checked("#item-levers-resets-0")
    assert other.input_value("#seed") == "42"
    assert "restored" in other.inner_text("#settings-note")
    with other.expect_response(lambda r: r.url.endswith("/api/jobs") and r.request.method == "POST") as info:
        other.click("#story-run")
    sent = json.loads(info.value.request.post_data)
    assert sent["params"]["issues.arms_control.T_M"] == 7.5 and sent["params"]["levers.resets"] == []
    assert (
        sent["overrides"] == {"sides.R.elite.h0": 0.55}
        and sent["world"] == "deterrence"
        and sent["seed"] == 42
    )
    assert info.value.status == 202
    other.wait_for_selector("#progress[data-state='done']", timeout=240_000)
    assert not any(
        "Reset" in t for t in other.eval_on_selector_all("#story-log li", "els => els.map(e => e.innerText)")
    )
    other.close()


def test_info_tab_explains_the_model_and_a_bad_value_is_named_at_its_field(page):
    pg = page
    pg.click("#tab-info")
    pg.wait_for_selector("#info-fields tbody tr")
    assert pg.is_visible("#view-info") and not pg.is_visible("#view-explore")
    assert "What this model is" in pg.inner_text("#view-info")
    row = pg.locator("#info-fields tr[data-field='sides.*.belief.p0']")
    assert "Starting trust" in row.inner_text()
    assert pg.locator("#info-knobs tbody tr").count() == 8
    _fits(pg)
    pg.screenshot(path=str(pg.shots / "teach-info-1000.png"))
    pg.click("#tab-explore")
    assert pg.is_visible("#view-explore")

    _edit(pg, "sides.W.belief.p0", "1.5")
    pg.click("#run")
    error = pg.locator(".field-error[data-for='sides.W.belief.p0']")
    error.wait_for(state="visible", timeout=15_000)
    assert "1.5" in error.inner_text()
    pg.eval_on_selector("details[data-group='sides.W']", "e => { e.open = false; }")
    pg.click("#run")  # refused again: the group holding the field opens to show it
    error.wait_for(state="visible", timeout=15_000)
    assert pg.eval_on_selector("details[data-group='sides.W']", "e => e.open")
    error.scroll_into_view_if_needed()
    pg.locator("#controls").screenshot(path=str(pg.shots / "teach-field-error.png"))


def _another_scenario_gives_a_fresh_page(pg) -> None:
    _edit(pg, "issues.arms_control.T_M", "7")
    assert pg.inner_text("#edited-count") == "1"
    good = RESET.replace("name: reset-2009", "name: my-reset").replace('title: "', 'title: "Mine — ', 1)
    pg.set_input_files(
        "#upload", files=[{"name": "mine.yaml", "mimeType": "text/yaml", "buffer": good.encode()}]
    )
    pg.wait_for_selector("#upload-status:not([hidden])", timeout=15_000)
    assert pg.is_hidden("#player") and pg.is_hidden("#story-grid")
    assert pg.is_visible("#story-empty") and pg.is_visible("#results-empty")
    assert pg.is_hidden("#sim-downloads") and pg.locator("#summary .card").count() == 0
    assert pg.locator("#story-log li").count() == 0
    assert pg.eval_on_selector("#plot-story-trust", "e => e.children.length") == 0
    assert pg.eval_on_selector("#plot-trust", "e => e.children.length") == 0
    assert pg.inner_text("#edited-count") == "0" and pg.input_value("#param-issues-arms_control-T_M") == "6"
    assert pg.inner_text("#scenario-title").startswith("Mine")
    assert pg.inner_text("#job-status") == "No job yet."
    pg.screenshot(path=str(pg.shots / "teach-fresh-upload-1000.png"), full_page=True)
