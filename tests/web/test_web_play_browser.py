"""Play mode in Debian's Chromium (Playwright): a short game played to its end by clicks, saved and loaded."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.web


@pytest.fixture
def play_page(web_browser, live_server):
    """The play page on the live server, failing the test on any JavaScript error."""
    context = web_browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(live_server + "/play")
    pg.wait_for_selector("body[data-ready='1']", timeout=30_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _months(page, n: int) -> None:
    page.wait_for_selector(f"body[data-months='{n}']:not([data-busy])", timeout=60_000)


def test_play_a_twelve_month_game_to_its_end(play_page, tmp_path):
    page = play_page
    assert page.title() == "detente play"
    page.select_option("#side", "W")
    page.select_option("#opponent", "TitForTat")
    page.fill("#horizon", "12")
    page.fill("#seed", "2009")
    page.click("#start")
    _months(page, 0)
    assert page.locator("#issues tbody tr").count() == 4
    assert "month 1 of 12" in page.inner_text("#turn-label")
    assert page.locator("#offer-box").is_visible()  # the West is the offering side
    page.click("button.move[data-issue='arms_control'][data-move='D']")
    assert (
        page.get_attribute("button.move[data-issue='arms_control'][data-move='D']", "aria-pressed") == "true"
    )
    page.check("#lever-reset")
    page.click("#next-month")
    _months(page, 1)
    assert page.inner_text("#history tbody tr td[data-issue='arms_control'] span[data-side='W']") == "W D"
    why = page.inner_text("#explanation")
    assert "W trusts R" in why and "R trusts W" in why and "Tit For Tat" in why
    assert "a reset cleared both sides' grievances" in why
    shots = Path(os.environ.get("DETENTE_PLAY_SHOTS", tmp_path))  # set it to keep the screenshots
    page.screenshot(path=str(shots / "play-turn.png"), full_page=True)
    page.check("#lever-signal")
    page.fill("#signal-size", "20")
    with page.expect_response("**/api/play/preview"):
        page.check("#lever-offer")  # the advice is recomputed for the month the offer makes
    page.click("#next-month")
    _months(page, 2)
    assert "signal" in page.inner_text("#history tbody tr:nth-child(2)")
    page.click("#next-year")  # plays the remaining ten months
    _months(page, 12)
    page.wait_for_selector("#summary-section:not([hidden])")
    assert page.locator("#turn").is_hidden()
    summary = page.inner_text("#summary")
    assert "12 of 12 months played" in summary and "True types" in summary
    assert page.locator("#summary-cards .card").count() >= 8
    assert page.locator("#history tbody tr").count() == 12
    assert page.eval_on_selector("#plot-beliefs", "e => e.data.length") == 2
    assert page.eval_on_selector("#plot-beliefs", "e => e.data[0].y.length") == 13
    shot = shots / "play-over.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    with page.expect_download() as info:
        page.click("#save")
    saved = tmp_path / "session.json"
    info.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["format"] == "detente-play" and len(data["choices"]) == 12
    assert data["choices"][0]["moves"]["arms_control"] == "D" and data["choices"][0]["reset"] is True
    assert data["choices"][1]["signal"] == 20 and data["choices"][1]["offer"] is True

    page.click("#start")  # a new game, then the saved one loaded back
    _months(page, 0)
    page.set_input_files("#load", str(saved))
    _months(page, 12)
    assert page.inner_text("#summary") == summary
    assert page.locator("#replay-note").is_hidden()
