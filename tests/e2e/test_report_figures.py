"""`detente run` writes every report figure as PNG (300 dpi), SVG and PDF, and inlines the P(durable) chart."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from PIL import Image

SCENARIO = {
    "name": "tiny-report",
    "start": "2001-03",
    "horizon": 30,
    "durable_months": 3,
    "sides": {"N": {"name": "North"}, "S": {"name": "South"}},
    "issues": {
        "ferry": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.5, "w": 1.0},
        "canal": {"kind": "strategic", "T_M": 10, "S": -4.0, "w": 0.5, "omega": 3},
    },
    "conditions": {
        "threat": {"set": {"schedules.threat": [{"start": "2001-09", "value": 1.0}]}},
        "cohort": {"set": {"sides.N.elite.eta": 0.3}},
    },
    "worlds": {
        "calm": {"label": "Calm <script>alert(1)</script>", "set": {"sides.S.type": "B"}},
        "odd name": {"label": "Tense", "set": {"sides.S.type": "M"}},
    },
}
STEMS = ["p-durable", "regimes-calm", "trust-calm", "regimes-world1", "trust-world1"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("figures")
    (base / "tiny.yaml").write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    out = base / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "detente", "run", str(base / "tiny.yaml"), "--runs", "60", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.parametrize("stem", STEMS)
def test_each_figure_in_three_formats_at_300_dpi(report: Path, stem: str) -> None:
    svg = ET.parse(report / f"{stem}.svg").getroot()
    w_in, h_in = (float(svg.get(k).removesuffix("pt")) / 72 for k in ("width", "height"))
    assert 3 < w_in <= 7.21 and h_in > 1  # sized for a printed page
    with Image.open(report / f"{stem}.png") as im:
        assert im.size == (round(w_in * 300), round(h_in * 300))
        assert tuple(round(d) for d in im.info["dpi"]) == (300, 300)
    pdf = (report / f"{stem}.pdf").read_bytes()
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box and abs(float(box[1]) / 72 - w_in) < 0.01 and abs(float(box[2]) / 72 - h_in) < 0.01


def test_no_other_figures_and_html_links_them(report: Path) -> None:
    images = sorted(p.name for p in report.iterdir() if p.suffix in (".png", ".svg", ".pdf"))
    assert images == sorted(f"{s}.{f}" for s in STEMS for f in ("png", "svg", "pdf"))
    html = (report / "report.html").read_text(encoding="utf-8")
    for stem in STEMS[1:]:
        for fmt in ("png", "svg", "pdf"):
            assert f'href="{stem}.{fmt}"' in html
        assert f'<img src="{stem}.png"' in html


def test_durable_chart_inline_self_contained_and_escaped(report: Path) -> None:
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "P(durable) by cell and world" in html
    inline = html[html.index("<svg") : html.index("</svg>") + 6]
    root = ET.fromstring(inline)  # well-formed SVG inside the page
    assert root.tag.endswith("svg") and "Calm &lt;script&gt;" in inline
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?https?:""", html)
