"""The figure style: print-resolution files in three formats, no clipped text, legends off the data,
colours that stay apart under colour-vision deficiencies."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

import detente
from detente.analysis.factorial import experiment
from detente.report.figures_durable import durable_figure, wilson
from detente.report.plots import grid_figure
from detente.report.style import (
    DPI,
    REGIME_COLOURS,
    SERIES_COLOURS,
    SIDE_COLOURS,
    freeze_layout,
    paper_style,
    save_formats,
)

TINY = {
    "name": "tiny-figures",
    "start": "2001-03",
    "horizon": 30,
    "durable_months": 3,
    "sides": {"N": {"name": "North"}, "S": {"name": "South, a side with a long name that has to wrap"}},
    "issues": {
        "ferry": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.5, "w": 1.0},
        "canal": {"kind": "strategic", "T_M": 10, "S": -4.0, "w": 0.5, "omega": 3},
    },
    "conditions": {
        "a_condition_with_a_rather_long_name": {
            "set": {"schedules.threat": [{"start": "2001-09", "value": 1.0}]}
        },
        "talks": {"set": {"levers.resets": [{"date": "2002-06", "label": "summit"}]}},
    },
    "worlds": {
        "calm": {"label": "Calm, costs $5 <script>alert(1)</script>", "set": {"sides.S.type": "B"}},
        "tense": {
            "label": "Tense: the South is expansionist and the North believes it knows that " * 2,
            "set": {"sides.S.type": "M"},
        },
    },
}


@pytest.fixture(scope="module")
def exp():
    return experiment(detente.load_scenario(TINY), runs=40, seed=11)


def _inside(fig) -> None:
    """Nothing drawn sticks out of the canvas (no clipped label); legends overlap no axes."""
    with paper_style():
        freeze_layout(fig)
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        tight, (w, h) = fig.get_tightbbox(r), fig.get_size_inches()
        assert tight.x0 >= -0.01 and tight.y0 >= -0.01 and tight.x1 <= w + 0.01 and tight.y1 <= h + 0.01
        axes = [ax.get_window_extent(r) for ax in fig.axes if ax.get_visible() and ax.axison]
        legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
        assert legends
        for leg in legends:
            assert not any(leg.get_window_extent(r).overlaps(ab) for ab in axes)


@pytest.mark.parametrize("kind", ["regimes", "trust"])
def test_grid_labels_inside_and_legend_off_the_data(exp, kind):
    fig = grid_figure(exp, "tense", kind)
    try:
        _inside(fig)
    finally:
        plt.close(fig)


def test_single_result_figure_labels_inside(exp):
    fig = exp.cell("tense", exp.conditions).result.plot()
    try:
        _inside(fig)
    finally:
        plt.close(fig)


def test_durable_chart_labels_inside_with_error_bars(exp):
    fig = durable_figure(exp)
    try:
        _inside(fig)
        (ax,) = fig.axes
        assert len(ax.containers) == 2  # one errorbar series per world
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels[0] == "status quo" and len(labels) == 4
    finally:
        plt.close(fig)


def test_wilson_interval_keeps_a_width_at_zero_and_one():
    z2 = 1.959963984540054**2
    assert wilson(0.0, 300) == pytest.approx((0.0, z2 / (300 + z2)), abs=1e-12)
    lo, hi = wilson(1.0, 300)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(300 / (300 + z2))
    lo, hi = wilson(0.5, 100)
    assert lo < 0.5 < hi and hi - 0.5 == pytest.approx(0.5 - lo)
    from scipy.stats import binomtest

    ci = binomtest(37, 123).proportion_ci(method="wilson")
    assert wilson(37 / 123, 123) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_every_format_at_print_resolution_and_reproducible(tmp_path, exp):
    files = save_formats(grid_figure(exp, "tense", "trust"), tmp_path / "t")
    assert [f.name for f in files] == ["t.png", "t.svg", "t.pdf"]
    svg = ET.parse(tmp_path / "t.svg").getroot()
    w_in, h_in = (float(svg.get(k).removesuffix("pt")) / 72 for k in ("width", "height"))
    with Image.open(tmp_path / "t.png") as im:
        assert im.size == (round(w_in * DPI), round(h_in * DPI))
        assert tuple(round(d) for d in im.info["dpi"]) == (DPI, DPI)
    pdf = (tmp_path / "t.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf and b"/Type3" not in pdf  # TrueType embedded
    first = (tmp_path / "t.svg").read_bytes(), pdf
    save_formats(grid_figure(exp, "tense", "trust"), tmp_path / "t", formats=("svg", "pdf"))
    assert ((tmp_path / "t.svg").read_bytes(), (tmp_path / "t.pdf").read_bytes()) == first


def test_history_figures_follow_the_style_in_three_formats(tmp_path):
    import pandas as pd

    from detente.history.plots import compare_figure, save

    months = [f"2001-{m:02d}" for m in range(1, 13)]
    rec = pd.DataFrame({"source": "record", "month": months, "tone_12m": np.linspace(-2, 3, 12)})
    sim = pd.DataFrame(
        {
            "source": "simulated",
            "month": months,
            "tone_12m": np.linspace(0, 1, 12),
            "tone_12m_p05": np.linspace(-1, 0, 12),
            "tone_12m_p95": np.linspace(1, 2, 12),
        }
    )
    fig = compare_figure(pd.concat([rec, sim]), "a title long enough to need wrapping " * 6)
    _inside(fig)
    assert save(fig, tmp_path / "h.png") == tmp_path / "h.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.pdf", "h.png", "h.svg"]
    with Image.open(tmp_path / "h.png") as im:
        assert im.size[0] == round(7.2 * DPI) and tuple(round(d) for d in im.info["dpi"]) == (DPI, DPI)


def test_report_figures_in_chosen_formats_only(tmp_path, exp):
    from detente.errors import DetenteError
    from detente.report.figures import plan, write_figures

    assert [f.formats for f in plan(exp, ["svg", "svg"])] == [("svg",)] * 5
    with pytest.raises(DetenteError, match="gif"):
        plan(exp, ["png", "gif"])
    figures = write_figures(exp, tmp_path, formats=("svg",))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.file("svg") for f in figures)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear-RGB rows."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = rgb @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


MACHADO = {  # Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB
    "none": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}


@pytest.mark.parametrize("vision", sorted(MACHADO))
@pytest.mark.parametrize(
    "colours",
    [SIDE_COLOURS, tuple(REGIME_COLOURS.values()), SERIES_COLOURS[:4]],
    ids=["sides", "regimes", "worlds"],
)
def test_colours_stay_apart_under_colour_vision_deficiency(vision, colours):
    srgb = np.array([to_rgb(c) for c in colours])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    lab = _lab(np.clip(linear @ MACHADO[vision].T, 0, 1))
    gaps = [np.linalg.norm(a - b) for a, b in itertools.combinations(lab, 2)]
    assert min(gaps) > 15  # CIE76 Delta E: clearly different at a glance
