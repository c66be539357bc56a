"""The main job's report folder: report.html, PNG plots, summary.csv, cells.json (swapped in whole)."""

from __future__ import annotations

import csv
import datetime as _dt
import multiprocessing
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from detente.errors import DetenteError
from detente.report.cells import experiment_dict

_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")
REPORT_ROOT = Path("detente-report")
"""Where ``detente run`` writes reports by default: one folder per scenario name."""

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


def check_target(out: Path | None, scenario_name: str) -> Path:
    """The report folder to write: ``out`` or ``./detente-report/<scenario name>``, refused early if unsafe."""
    from detente.report.outputs import check_folder, folder_in_root

    if out is not None:
        return check_folder(out, "--out")
    target = folder_in_root(REPORT_ROOT, scenario_name, "name")
    if REPORT_ROOT.exists() or REPORT_ROOT.is_symlink():
        if not REPORT_ROOT.is_dir():
            raise DetenteError(f"{REPORT_ROOT}: is not a folder; detente writes its reports there")
        return check_folder(target, "report folder")
    check_folder(REPORT_ROOT, "report folder")  # not there yet: the current folder must be writable
    return target


def write_report(exp: Any, out: Path | None = None, plots: bool = True) -> Path:
    """Write the report folder of a factorial experiment and return it.

    ``out`` defaults to ``./detente-report/<scenario name>``. The folder is built beside the target and
    swapped in whole; only an earlier detente report (or an empty folder) is ever replaced.
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
        figures = _plots(exp, tmp) if plots else []
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
            )
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
    return target if out is None else Path(out)


def _plots(exp: Any, folder: Path) -> list[dict[str, str]]:
    """Render one PNG per world and kind; half of them in a forked process when the platform allows."""
    jobs = [
        (world, kind, f"{kind}-{_file_part(world or 'base', i)}.png")
        for i, world in enumerate(exp.worlds)
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


def _file_part(name: str, index: int) -> str:
    """``name`` if it is safe inside a file name, else ``world<index>`` (names never choose where files go)."""
    return name if _SAFE_PART.fullmatch(name) else f"world{index}"


def _render(exp: Any, jobs: list[tuple[Any, str, str]], folder: Path) -> None:
    from detente.report.plots import grid_figure, save

    for world, kind, name in jobs:
        save(grid_figure(exp, world, kind), folder / name)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
