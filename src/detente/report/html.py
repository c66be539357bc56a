"""The main job's report folder: report.html, figures (PNG, SVG, PDF), summary.csv, cells.json (swapped in whole)."""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from detente.report.cells import experiment_dict
from detente.report.style import DPI, FORMATS

REPORT_ROOT = "reports"
"""Where ``detente run`` writes reports by default: reports/<scenario name> in detente's data folder."""

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>detente report — {{ scenario.name }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td{white-space:nowrap}td.l,th.l{text-align:left;white-space:normal}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.9em;color:#444}
.ok{color:#1b7837}.no{color:#b2182b}code{background:#f6f6f6;padding:0 .2em}
</style></head><body>
<h1>{{ scenario.title or scenario.name }}</h1>
<p>{{ scenario.description }}</p>
<p>Scenario <code>{{ scenario.name }}</code> (content hash <code>{{ hash }}</code>), seed {{ seed }},
{{ "{:,}".format(runs) }} runs per cell, {{ scenario.horizon }} months from {{ scenario.start }};
detente {{ version }}; generated {{ when }}.</p>
<h2>Verdict on the argument</h2>
<ul>{% for s in sentences %}<li>{{ s }}</li>{% endfor %}</ul>
<h2>Cells</h2>
<p>P = share of runs; ± one Monte Carlo standard error. Durable partnership = {{ scenario.durable_months }}
consecutive strategic months.</p>
<table><tr><th class="l">world</th><th class="l">cell</th><th>P(strategic at horizon)</th><th>P(durable)</th>
<th>mean cooperation index</th>{% for s in sides %}<th>median trust {{ s }}</th>{% endfor %}</tr>
{% for r in rows %}<tr><td class="l">{{ r.world }}</td><td class="l">{{ r.cell }}</td>
<td>{{ "%.3f"|format(r.p_strategic_end) }} ± {{ "%.3f"|format(r.se_p_strategic_end) }}</td>
<td>{{ "%.3f"|format(r.p_durable) }} ± {{ "%.3f"|format(r.se_p_durable) }}</td>
<td>{{ "%.3f"|format(r.mean_ci) }} ± {{ "%.3f"|format(r.se_mean_ci) }}</td>
{% for s in sides %}<td>{{ "%.3f"|format(r["median_trust_" ~ s]) }} ± {{ "%.3f"|format(r["se_median_trust_" ~ s]) }}</td>{% endfor %}
</tr>{% endfor %}</table>
<h2>Effects on P(durable)</h2>
{% for world, rows in effects.items() %}<h3>{{ world or "base" }}</h3>
<table><tr><th class="l">effect</th><th>estimate</th><th>se</th></tr>
{% for e in rows %}<tr><td class="l">{{ e.effect }}</td><td>{{ "%+.3f"|format(e.estimate) }}</td><td>{{ "%.3f"|format(e.se) }}</td></tr>{% endfor %}
</table>{% endfor %}
{% if durable %}<h2>P(durable) by cell and world</h2>
<figure>{% if durable.svg %}{{ durable.svg|safe }}{% else %}<img src="{{ durable.png }}" alt="{{ durable.alt }}">{% endif %}
<figcaption>{{ durable.alt }}: markers are the share of runs with a durable partnership, bars 95% Monte
Carlo intervals (Wilson score interval of the share, so cells at 0 or 1 keep a width); the dotted line is
the verdict threshold. Files: {% for f in durable.files %}<a href="{{ f }}">{{ f }}</a>{{ ", " if not loop.last }}{% endfor %}.</figcaption></figure>{% endif %}
{% if plots %}<h2>Plots</h2>
<p>Dashed vertical lines mark the month each condition starts (named above the panel); conditions
without a date apply from the first month.</p>
{% for p in plots %}<figure><img src="{{ p.png }}" alt="{{ p.alt }}"><figcaption>{{ p.alt }}. Files: {% for f in p.files %}<a href="{{ f }}">{{ f }}</a>{{ ", " if not loop.last }}{% endfor %}.</figcaption></figure>{% endfor %}{% endif %}
</body></html>
"""


def check_target(out: Path | None, scenario_name: str) -> Path:
    """The report folder to write: ``out`` or reports/<scenario name> in detente's data folder (created),
    refused early if unsafe."""
    from detente.report.outputs import check_folder, default_report_folder

    if out is not None:
        return check_folder(out, "--out")
    return default_report_folder(REPORT_ROOT, scenario_name)


def write_report(
    exp: Any,
    out: Path | None = None,
    plots: bool = True,
    formats: Sequence[str] = FORMATS,
    dpi: int = DPI,
) -> Path:
    """Write the report folder of a factorial experiment and return it.

    ``out`` defaults to reports/<scenario name> in detente's data folder. The folder is built beside the target and
    swapped in whole; only an earlier detente report (or an empty folder) is ever replaced. Each figure
    is written in each of ``formats`` (PNG at ``dpi``).
    """
    from detente import __version__
    from detente.report.jsondata import dumps
    from detente.report.outputs import report_folder

    target = check_target(out, exp.scenario.name)
    field = "--out" if out is not None else "report folder"
    with report_folder(
        target, kind="report", scenario=exp.scenario.name, field=field, make_parent=out is None
    ) as tmp:
        rows = exp.records()
        sides = list(exp.scenario.side_ids)
        _write_csv(tmp / "summary.csv", rows)
        payload = experiment_dict(exp)
        durable, figures = _plots(exp, tmp, formats, dpi) if plots else (None, [])
        (tmp / "cells.json").write_text(dumps(payload), encoding="utf-8")
        html = (
            Environment(autoescape=select_autoescape())
            .from_string(_TEMPLATE)
            .render(
                scenario=exp.scenario,
                hash=payload["scenario_hash"],
                seed=exp.seed,
                runs=exp.runs,
                version=__version__,
                when=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                sentences=payload["sentences"],
                rows=rows,
                sides=sides,
                effects=exp.verdict()["effects_on_p_durable"],
                plots=figures,
                durable=durable,
            )
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
    return target if out is None else Path(out)


def _plots(
    exp: Any, folder: Path, formats: Sequence[str], dpi: int
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Write the figures (PNG, SVG, PDF each); the P(durable) chart apart, its SVG to be inlined."""
    from detente.report.figures import inline_svg, write_figures

    out = []
    for fig in write_figures(exp, folder, formats, dpi):
        png = fig.file("png") if "png" in fig.formats else fig.file(fig.formats[0])
        item = {"png": png, "alt": fig.alt, "files": [fig.file(f) for f in fig.formats]}
        if fig.kind == "durable":
            item["svg"] = inline_svg(folder / fig.file("svg")) if "svg" in fig.formats else None
        out.append(item)
    durable = next((item for item in out if "svg" in item), None)
    return durable, [item for item in out if "svg" not in item]


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
