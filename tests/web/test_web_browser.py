"""The page in Debian's Chromium (Playwright): run jobs, watch progress, read plots, tables and errors."""

from __future__ import annotations

import pytest

from detente.scenario.load import bundled_path

pytestmark = pytest.mark.web
RESET = bundled_path("reset-2009").read_text(encoding="utf-8")


def _set_runs(page, runs: int) -> None:
    page.eval_on_selector("#runs", "(e, n) => { e.value = n; e.dispatchEvent(new Event('input')); }", runs)


def test_toggle_a_condition_run_a_job_and_see_the_plots(web_page, tmp_path):
    page = web_page
    assert page.title() == "detente explorer"
    assert page.locator("#scenario-select").input_value() == "reset-2009"
    page.select_option("#world", "spiral")
    page.check("#cond-inclusion")
    _set_runs(web_page, 200)
    assert page.locator("#runs-value").inner_text() == "200"
    page.click("#run")
    page.wait_for_selector("#progress[data-state='done']", timeout=240_000)
    assert page.eval_on_selector("#progress", "e => e.value") == 1
    assert "Done: 200 runs" in page.inner_text("#job-status")
    assert "spiral, inclusion, 200 runs" in page.inner_text("#result-label")
    assert page.eval_on_selector("#plot-regimes", "e => e.data.map(t => t.name)") == [
        "strategic",
        "tactical",
        "frozen",
    ]
    assert (
        page.eval_on_selector("#plot-trust", "e => e.data.length") == 10
    )  # 2 sides x (2 bands x 2 + median)
    assert page.eval_on_selector("#plot-regimes", "e => e.data.length") == 3  # strategic, tactical, frozen
    assert page.locator("#summary .card").count() == 5
    page.screenshot(path=str(tmp_path / "simulation.png"), full_page=True)
    assert (tmp_path / "simulation.png").stat().st_size > 10_000


def test_run_factorial_shows_table_and_verdict(web_page):
    page = web_page
    _set_runs(web_page, 50)
    page.click("#run-factorial")
    page.wait_for_selector("#progress[data-state='done']", timeout=240_000)
    assert page.locator("#factorial-table tbody tr").count() == 24  # 2^3 cells x 3 worlds
    assert page.locator("#verdict li").count() >= 3
    assert "status quo" in page.inner_text("#factorial-table")
    assert page.eval_on_selector("#plot-factorial", "e => e.data.length") == 3
    assert page.locator("#factorial-empty").is_hidden()


def test_bad_upload_shows_errors_next_to_the_field(web_page):
    page = web_page
    bad = RESET.replace("h0: 0.8 ", "h0: 1.7 ").replace("horizon: 240", "horizon: 240\nhorizn: 3")
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "h0: 1.7" in text)
    page.set_input_files(
        "#upload", files=[{"name": "bad.yaml", "mimeType": "text/yaml", "buffer": bad.encode()}]
    )
    errors = page.locator("#upload ~ #upload-errors")  # in the upload field's own section, just below it
    errors.wait_for(state="visible", timeout=15_000)
    text = errors.inner_text()
    assert "bad.yaml cannot be used" in text
    assert "sides.R.elite.h0" in text and f"line {line}" in text
    assert "horizn" in text and "unknown field" in text
    assert "Traceback" not in text
    assert page.locator("li[data-field='sides.R.elite.h0']").count() == 1
    # The form still holds the bundled scenario; a good file then replaces it and clears the errors.
    assert page.locator("#cond-inclusion").count() == 1
    good = RESET.replace("name: reset-2009", "name: my-reset")
    page.set_input_files(
        "#upload", files=[{"name": "good.yaml", "mimeType": "text/yaml", "buffer": good.encode()}]
    )
    page.wait_for_selector("#upload-status:not([hidden])", timeout=15_000)
    assert "my-reset" in page.inner_text("#upload-status")
    assert page.locator("#upload-errors").is_hidden()


def test_stored_experiments_open_and_compare(web_page):
    page = web_page
    rows = page.locator("#experiments tbody tr")
    rows.first.wait_for(timeout=15_000)
    assert rows.count() == 2
    page.click("button.open[data-name='ishi-a']")
    page.wait_for_selector("#experiment-detail h3", timeout=15_000)
    assert "ishi-a" in page.inner_text("#experiment-detail")
    assert "p_positive" in page.inner_text("#experiment-detail")
    page.check("input.pick[value='ishi-a']")
    page.check("input.pick[value='ishi-b']")
    page.click("#compare")
    page.wait_for_selector("#plot-compare .main-svg", timeout=15_000)
    assert page.eval_on_selector("#plot-compare", "e => e.data.map(t => t.name)") == ["ishi-a", "ishi-b"]
