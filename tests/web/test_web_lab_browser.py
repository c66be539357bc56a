"""The lab page in Debian's Chromium: start a sweep of the bundled experiment, inspect PRIM boxes, read
sensitivity warnings; and the explorer's Compare refusing unlike experiments while comparing like ones."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import ishigami_experiment, served

pytestmark = pytest.mark.web
HERE = Path(__file__).parent


def _stores(folder: Path) -> None:
    """The lab store with a planted PRIM case and a small Sobol' design; the explorer's store for Compare."""
    from detente.experiments.runner import sweep
    from detente.experiments.spec import load_experiment

    planted = {
        "name": "planted",
        "model": "lab_planted:Planted",
        "parameters": [{"name": "x1", "path": "x1", "range": [-1.0, 1.0]}],
        "cross": {"worlds": ["w1", "w2", "w3"], "conditions": ["c1"]},
        "design": {"kind": "lhs", "n": 40},
        "runs": 1,
        "outcomes": ["hit"],
    }
    sobol = {
        "name": "ish-sobol",
        "model": "ishigami",
        "parameters": [{"path": "x1", "range": [-3.1, 3.1]}, {"path": "x2", "range": [-3.1, 3.1]}],
        "design": {"kind": "sobol", "n": 8},
        "runs": 1,
        "outcomes": ["y"],
    }
    for spec in (planted, sobol):
        sweep(load_experiment(spec, base_dir=folder), store=folder / "lab-results.duckdb")
    for spec in (
        ishigami_experiment("a", ["w1", "w2"]),
        ishigami_experiment("b", ["w2"], runs=8),
        ishigami_experiment("c", ["w9"]),
    ):
        sweep(load_experiment(spec, base_dir=folder), store=folder / "detente-results.duckdb")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`detente serve` on a free loopback port over a results folder of its own."""
    folder = tmp_path_factory.mktemp("lab-results")
    sys.path.insert(0, str(HERE))  # the planted model is imported by name while sweeping
    _stores(folder)
    with served(folder, folder.parent / "lab-serve.log") as url:
        yield url


def test_lab_sweep_prim_boxes_sensitivity_and_compare(web_browser, lab_server, tmp_path):
    context = web_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(lab_server + "/lab")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)

    # 1. A tiny sweep of the bundled experiment, sized from the page.
    assert page.locator("#lab-bundled").input_value() == "reset-2009-uncertainty"
    page.fill("#lab-samples", "2")
    page.fill("#lab-runs", "5")
    for box in ("deterrence", "uncertain", "generational_change", "shared_threat"):
        page.uncheck(f"#lab-worlds input[value='{box}'], #lab-conditions input[value='{box}']")
    for name in page.eval_on_selector_all("#lab-parameters input", "es => es.map(e => e.value)"):
        if name not in ("h0_R", "rho"):
            page.uncheck(f"#lab-parameters input[value='{name}']")
    assert "2 rows × 2 cells = 4 points" in page.inner_text("#lab-size")
    page.click("#lab-sweep")
    page.wait_for_selector("#lab-progress[data-state='done']", timeout=240_000)
    swept = page.locator("#lab-experiment").input_value()
    assert swept.startswith("reset-2009-uncertainty-lab-lhs-n2-r5-")

    # 2. PRIM on the planted case: trajectory plotted, categorical restrictions shown as sets.
    page.select_option("#lab-experiment", "planted")
    page.select_option("#prim-outcome", "hit")
    page.fill("#prim-threshold", "0.5")
    page.fill("#prim-coverage", "0.9")
    page.click("#prim-run")
    page.wait_for_selector("#prim-box-table tbody tr[data-input]", timeout=60_000)
    assert page.eval_on_selector("#prim-plot", "e => e.data.length") == 2
    table = page.inner_text("#prim-box-table")
    assert "= on (not off)" in table and "in {w1, w2} (not w3)" in table
    assert page.locator("#prim-box-table tr[data-kind='categorical']").count() == 2
    # Clicking a trajectory point picks that box; box 0 is the whole sample.
    page.eval_on_selector("#prim-plot", "e => e.emit('plotly_click', {points: [{customdata: 0}]})")
    assert page.locator("#prim-box").input_value() == "0"
    assert "No restriction" in page.inner_text("#prim-box-table")
    page.select_option("#prim-box", "1")
    assert page.locator("#prim-box-table tbody tr[data-input]").count() == 1

    # 3. Sensitivity on a small Sobol' design: intervals and the few-samples warning.
    page.select_option("#lab-experiment", "ish-sobol")
    page.click("#sens-run")
    page.wait_for_selector("#sens-table tbody tr", timeout=60_000)
    assert "few samples (8 base samples N" in page.inner_text("#sens-warnings")
    assert re.search(r"\d\.\d{3} \[-?\d\.\d{3}, \d\.\d{3}\]", page.inner_text("#sens-table"))
    text = page.inner_text("body")
    assert "NaN" not in text and "nan" not in text.split()
    page.screenshot(path=str(tmp_path / "lab.png"), full_page=True)

    # 4. The explorer's Compare: unlike experiments refused with what differs, like ones plotted.
    page.goto(lab_server + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.locator("#experiments tbody tr").first.wait_for(timeout=15_000)
    page.check("input.pick[value='a']")
    page.check("input.pick[value='c']")
    page.click("#compare")
    page.wait_for_selector("#compare-note[data-status='refuse']", timeout=15_000)
    assert "Not compared" in page.inner_text("#compare-note")
    assert page.locator("#compare-note tr[data-field='cells']").count() == 1
    assert page.locator("#plot-compare").is_hidden()
    page.uncheck("input.pick[value='c']")
    page.check("input.pick[value='b']")
    page.click("#compare")
    page.wait_for_selector("#compare-note[data-status='warn']", timeout=15_000)
    assert page.locator("#compare-note tr[data-field='runs']").count() == 1
    page.wait_for_selector("#plot-compare .main-svg", timeout=15_000)
    assert page.eval_on_selector("#plot-compare", "e => e.data.map(t => t.name)") == ["a", "b"]
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
