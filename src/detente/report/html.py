"""The main job's report folder: report.html, PNG plots, summary.csv, cells.json (written atomically)."""

from __future__ import annotations

import csv
import datetime as _dt
import json
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>detente report — {{ scenario.name }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td{white-space:nowrap}td.l,th.l{text-align:left;white-space:normal}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
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
<h2>Plots</h2>
{% for p in plots %}<figure><img src="{{ p.file }}" alt="{{ p.alt }}"><figcaption>{{ p.alt }}</figcaption></figure>{% endfor %}
</body></html>
"""


def write_report(exp: Any, out: Path, plots: bool = True) -> Path:
    """Write the report folder for a factorial experiment; replaces ``out`` only once all files exist."""
    from detente import __version__

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        rows = exp.records()
        sides = list(exp.scenario.side_ids)
        _write_csv(tmp / "summary.csv", rows)
        verdict = exp.verdict()
        figures = _plots(exp, tmp) if plots else []
        payload = {
            "scenario": exp.scenario.name,
            "scenario_hash": exp.scenario.content_hash(),
            "seed": exp.seed,
            "runs_per_cell": exp.runs,
            "version": __version__,
            "cells": [
                {**row, "provenance": _prov(cell.result.provenance)}
                for row, cell in zip(rows, exp.cells, strict=True)
            ],
            "verdict": verdict,
            "sentences": exp.sentences(),
        }
        (tmp / "cells.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        html = (
            Environment(autoescape=select_autoescape())
            .from_string(_TEMPLATE)
            .render(
                scenario=exp.scenario,
                hash=exp.scenario.content_hash(),
                seed=exp.seed,
                runs=exp.runs,
                version=__version__,
                when=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                sentences=exp.sentences(),
                rows=rows,
                sides=sides,
                effects=verdict["effects_on_p_durable"],
                plots=figures,
            )
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _plots(exp: Any, folder: Path) -> list[dict[str, str]]:
    """Render one PNG per world and kind; half of them in a forked process when the platform allows."""
    jobs = [
        (world, kind, f"{kind}-{world or 'base'}.png")
        for world in exp.worlds
        for kind in ("regimes", "trust")
    ]
    what = {"regimes": "regime probabilities over time", "trust": "trust fan charts"}
    child = None
    if len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        child = multiprocessing.get_context("fork").Process(target=_render, args=(exp, jobs[1::2], folder))
        child.start()
    _render(exp, jobs if child is None else jobs[::2], folder)
    if child is not None:
        child.join()
        if child.exitcode != 0:
            _render(exp, jobs[1::2], folder)
    return [
        {"file": name, "alt": f"World {world or 'base'}: {what[kind]}, one panel per cell"}
        for world, kind, name in jobs
    ]


def _render(exp: Any, jobs: list[tuple[Any, str, str]], folder: Path) -> None:
    from detente.report.plots import grid_figure, save

    for world, kind, name in jobs:
        save(grid_figure(exp, world, kind), folder / name)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _prov(p: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(p).items()}


def _swap(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp``; an existing folder is kept as a backup until the swap succeeds."""
    backup = None
    if out.exists():
        backup = out.with_name(f".{out.name}.old")
        if backup.exists():
            shutil.rmtree(backup)
        os.replace(out, backup)
    os.replace(tmp, out)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
