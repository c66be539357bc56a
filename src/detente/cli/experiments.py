"""CLI commands for experiments at scale: ``sweep``, ``results``, ``sensitivity``, ``discover``.

Only typer and the standard library are imported at module level; each command imports what it needs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from detente.cli._common import fail, print_json, rich_progress, user_errors

STORE_HELP = (
    "Results store (DuckDB file; per-run tables go to a '-runs' folder beside it; "
    "default: detente-results.duckdb in detente's data folder)."
)


def _parse_sets(items: list[str]) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--set {item!r}: expected FIELD=VALUE, e.g. --set runs=200 or --set design.n=64")
        out[key.strip()] = yaml.safe_load(value)
    return out


def _experiment_name(experiment: str) -> str:
    """A stored experiment's name, or the name inside an experiment file given by path."""
    if Path(experiment).is_file():
        from detente.experiments.spec import load_experiment

        return load_experiment(experiment).name
    return experiment


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def _table(frame: Any, title: str, floats: str = "{:.3f}") -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="right" if frame[col].dtype.kind in "iuf" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[floats.format(v) if isinstance(v, float) else str(v) for v in row])
    return table


class _Progress:
    """A rich progress bar on a terminal (points, runs/s, ETA); plain lines on stderr otherwise."""

    def __init__(self, name: str, quiet: bool) -> None:
        import time

        self.quiet, self.name, self.time = quiet, name, time
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.start = time.perf_counter()
        self.last = 0.0

    def __enter__(self) -> _Progress:
        if self.tty and not self.quiet:
            from rich.progress import TextColumn

            self.bar = rich_progress("points", TextColumn("{task.fields[rate]}"))
            self.bar.__enter__()
            self.task = self.bar.add_task(self.name, total=None, rate="")
        return self

    def __call__(self, done: int, total: int, runs: int) -> None:
        elapsed = self.time.perf_counter() - self.start
        rate = f"{runs / elapsed:,.0f} runs/s" if elapsed > 0 and runs else ""
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, rate=rate)
        elif not self.quiet and (done == total or elapsed - self.last >= 0.5 or runs == 0):
            self.last = elapsed
            print(f"{self.name}: {done}/{total} points stored {rate}".rstrip(), file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def sweep_command(
    experiment: str = typer.Argument(..., help="Experiment file (YAML) or bundled experiment name."),
    store: Path | None = typer.Option(None, "--store", help=STORE_HELP, show_default=False),
    workers: int = typer.Option(
        1, "--workers", "-w", help="Local worker processes (1 = in-process, no pool)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address, tcp://host:port."
    ),
    dask_local: int | None = typer.Option(
        None, "--dask-local", help="Start a Dask LocalCluster of N workers."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue a stored sweep of this file; compute only missing points."
    ),
    chunk_points: int | None = typer.Option(
        None, "--chunk-points", min=1, help="Points per work unit (default: automatic)."
    ),
    sets: list[str] = typer.Option(
        [], "--set", help="Override a field of the file, e.g. --set runs=200 --set design.n=64."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
) -> None:
    """Run every point of an experiment and store the results (finished cells are cache hits)."""
    try:
        from detente.experiments.runner import make_executor, sweep
        from detente.experiments.spec import load_experiment

        exp = load_experiment(experiment, sets=_parse_sets(sets))
        executor = make_executor(workers, scheduler, dask_local)
        try:
            with _Progress(exp.name, quiet or as_json) as progress:
                report = sweep(
                    exp,
                    store,
                    executor=executor,
                    resume=resume,
                    chunk_points=chunk_points,
                    progress=progress,
                    command=" ".join(["detente", *sys.argv[1:]]),
                )
        finally:
            executor.close()
    except user_errors() as exc:
        fail(exc.problems)
    except KeyboardInterrupt:
        typer.echo(
            "interrupted: finished points are stored; continue with `detente sweep ... --resume`", err=True
        )
        raise typer.Exit(130) from None
    if as_json:
        print_json(report.as_dict())
        return
    rate = report.runs / report.elapsed_s if report.elapsed_s else 0.0
    typer.echo(
        f"{report.experiment}: {report.points} points ({report.cached} cached, {report.computed} computed), "
        f"{report.runs:,} runs in {report.elapsed_s:.1f} s ({rate:,.0f} runs/s) with {report.executor}; "
        f"stored in {report.store}"
    )


def results_command(
    experiment: str | None = typer.Argument(
        None, help="A stored experiment (name or its file); omit to list."
    ),
    store: Path | None = typer.Option(None, "--store", help=STORE_HELP, show_default=False),
    out: Path | None = typer.Option(None, "--out", help="Write the results table to .csv or .parquet."),
    sweeps: bool = typer.Option(False, "--sweeps", help="Show the sweep log (command, host, timings)."),
    show_all: bool = typer.Option(
        False, "--all", help="Show every column (default: the columns that fit the terminal, outcomes first)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List stored experiments, or show one experiment's results (loaded from the store, nothing re-run)."""
    first: list[str] = []
    try:
        from detente.experiments.store import Store

        with Store(store, read_only=True) as st:
            if experiment is None:
                frame = st.sweeps() if sweeps else st.experiments()
                title = f"sweeps in {st.path}" if sweeps else f"experiments in {st.path}"
            else:
                name = _experiment_name(experiment)
                frame = st.sweeps(name) if sweeps else st.results(name)
                title = f"{name}: {'sweeps' if sweeps else 'results'}"
                missing = [] if sweeps else st.missing_per_run(name)
                if not sweeps:
                    rec = st.experiment_record(name)
                    first = ["point", "cell", "world", "conditions", *rec["outcomes"], *rec["parameters"]]
                if missing:
                    from detente.experiments.store import missing_message

                    typer.echo(f"warning: {missing_message(name, missing)}", err=True)
    except user_errors() as exc:
        fail(exc.problems)
    if out is not None:
        if out.suffix not in (".csv", ".parquet"):
            fail(f"--out {out}: expected a .csv or .parquet file name")
        try:
            from detente.report.outputs import write_file

            if out.suffix == ".parquet":
                write_file(out, lambda tmp: frame.to_parquet(tmp, index=False), "--out")
            else:
                write_file(out, lambda tmp: frame.to_csv(tmp, index=False), "--out")
        except user_errors() as exc:
            fail(exc.problems)
        typer.echo(f"wrote {len(frame)} rows to {out}")
        return
    if as_json:
        from detente.experiments.discovery import records

        print_json(records(frame))
        return
    import textwrap

    console = _console()
    shown, hidden = _results_view(frame, first, None if show_all else console.width)
    if len(shown) > 40:
        title += f" (first 40 of {len(shown)} rows; --out FILE for all)"
        shown = shown.head(40)
    if show_all:
        from rich.console import Console

        need = sum(_results_width(shown, c) for c in shown.columns)
        console = Console(highlight=False, width=max(console.width, need, len(title)))
    console.print(_results_table(shown, title))
    if hidden:
        note = f"{len(hidden)} more column(s) not shown: {', '.join(hidden)} (--all shows every column)"
        typer.echo(textwrap.fill(note, max(40, console.width)))


RESULTS_HIDDEN = ("cell_key", "values_json", "spec_json")
"""Internal columns that the default view of ``detente results`` never shows."""
RESULTS_WRAPPED = {"cell": 28, "conditions": 28, "command": 30}
"""Columns whose values wrap in the table, with the width they are given at most."""


def _results_text(value: Any) -> str:
    """One value of a results table: floats to 4 significant digits, missing as a dash."""
    import pandas as pd

    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _results_width(frame: Any, col: str) -> int:
    """Terminal columns a results column takes: its widest value or name (capped where values wrap),
    and the gap to the next."""
    widest = max([len(str(col))] + [len(_results_text(v)) for v in frame[col].head(40)])
    return min(widest, RESULTS_WRAPPED.get(col, widest)) + 3


def _results_view(frame: Any, first: list[str], width: int | None) -> tuple[Any, list[str]]:
    """The columns to show and the names of those left out: ``first`` ones first, internal columns and
    constant labels dropped, in order until one does not fit ``width`` (every column when it is None)."""
    if width is None:
        return frame, []
    drop = set(RESULTS_HIDDEN)
    drop |= {c for c in ("world", "conditions") if c in frame.columns and frame[c].nunique(dropna=False) <= 1}
    if {"world", "conditions"} & set(frame.columns):  # the cell is 'world | conditions'
        drop.add("cell")
    order = [c for c in first if c in frame.columns] + [c for c in frame.columns if c not in first]
    order = [c for c in order if c not in drop]
    if "conditions" in order:  # spaces around '+' let long sets of conditions wrap
        frame = frame.assign(conditions=frame["conditions"].str.replace("+", " + ", regex=False))
    chosen, used = [], 0
    for col in order:
        need = _results_width(frame, col)
        if used + need > width and chosen:
            break
        chosen.append(col)
        used += need
    return frame[chosen], [c for c in order if c not in chosen]


def _results_table(frame: Any, title: str) -> Any:
    """A plain rich table of a results frame (numbers right-aligned, no wrapping inside values)."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for col in frame.columns:
        numeric = frame[col].dtype.kind in "iuf"
        wraps = col in RESULTS_WRAPPED
        table.add_column(
            str(col),
            justify="right" if numeric else "left",
            no_wrap=not wraps,
            overflow="fold" if wraps else "ellipsis",
            max_width=RESULTS_WRAPPED.get(col),
        )
    for row in frame.itertuples(index=False):
        table.add_row(*[_results_text(v) for v in row])
    return table


def _cell_text(value: Any, floats: str) -> str:
    """One table cell: numbers formatted, missing values (None, NaN) as a dash, never 'nan'."""
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return floats.format(value)
    return str(value)


def _stats_table(frame: Any, title: str, floats: str = "{:.3f}") -> Any:
    """A rich table of a statistics frame, missing values shown as a dash."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="right" if frame[col].dtype.kind in "iuf" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell_text(v, floats) for v in row])
    return table


def _interval_view(indices: Any, method: str) -> Any:
    """Indices as 'value [low, high]' text per index (the bootstrap interval), without the warning column."""
    import pandas as pd

    keys = ("S1", "ST") if method == "sobol" else ("mu_star",)
    view = indices[["cell", "outcome", "parameter"]].copy()
    for k in keys:
        cols = (indices[k], indices[f"{k}_low"], indices[f"{k}_high"])
        view[f"{k} [interval]"] = [
            "undefined" if pd.isna(v) else f"{v:.3f} [{lo:.3f}, {hi:.3f}]"
            for v, lo, hi in zip(*cols, strict=True)
        ]
    if method == "morris":
        view["sigma"] = indices["sigma"]
    return view


def sensitivity_command(
    experiment: str = typer.Argument(..., help="A stored experiment (name or its file)."),
    method: str = typer.Option("sobol", "--method", help="sobol or morris (must match the stored design)."),
    outcome: list[str] = typer.Option([], "--outcome", help="Outcome(s) to analyse (default: all stored)."),
    store: Path | None = typer.Option(None, "--store", help=STORE_HELP, show_default=False),
    conf_level: float = typer.Option(0.95, "--conf-level", min=0.5, max=0.999, help="Confidence level."),
    plot: Path | None = typer.Option(
        None, "--plot", help="PNG path (default: plots/EXPERIMENT-METHOD.png in detente's data folder)."
    ),
    no_plot: bool = typer.Option(False, "--no-plot", help="Do not write a plot."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sensitivity indices (SALib) from stored results: Sobol' S1/ST or Morris mu*, with bootstrap intervals
    and warnings (constant outcome, too few samples, wide intervals)."""
    try:
        from detente.experiments import sensitivity
        from detente.report.outputs import default_file

        name = _experiment_name(experiment)
        indices = sensitivity.analyze(name, method, store, outcomes=outcome or None, conf_level=conf_level)
        path = (
            None
            if no_plot
            else sensitivity.plot(
                indices,
                method,
                plot or default_file("plots", f"{name}-{method}.png"),
                title=f"{name}: {method} indices",
            )
        )
    except user_errors() as exc:
        fail(exc.problems)
    warnings = sensitivity.warning_lines(indices)
    if as_json:
        from detente.experiments.discovery import records

        print_json(
            {
                "experiment": name,
                "method": method,
                "conf_level": conf_level,
                "plot": str(path) if path else None,
                "warnings": warnings,
                "indices": records(indices),
            }
        )
        return
    pct = round(conf_level * 100)
    con = _console()
    con.print(
        _stats_table(
            _interval_view(indices, method),
            f"{name}: {method} indices ({pct}% bootstrap interval in brackets)",
        )
    )
    from rich.markup import escape

    for w in warnings:
        con.print(f"[yellow]warning:[/yellow] {escape(w)}")
    if path:
        typer.echo(f"plot: {path}")


def discover_command(
    experiment: str = typer.Argument(..., help="A stored experiment (name or its file)."),
    outcome: str = typer.Option(..., "--outcome", help="Stored outcome, e.g. p_durable (or 'durable')."),
    threshold: float = typer.Option(..., "--threshold", help="The outcome occurs where value >= threshold."),
    below: bool = typer.Option(False, "--below", help="The outcome occurs where value <= threshold instead."),
    min_coverage: float = typer.Option(
        0.8, "--min-coverage", min=0.0, max=1.0, help="Choose the densest box with at least this coverage."
    ),
    peel_alpha: float = typer.Option(0.05, "--peel-alpha", min=0.01, max=0.5, help="Share peeled per step."),
    paste_alpha: float = typer.Option(
        0.05, "--paste-alpha", min=0.01, max=0.5, help="Share pasted per step."
    ),
    mass_min: float = typer.Option(0.05, "--mass-min", min=0.0, max=1.0, help="Smallest box mass."),
    inputs: str | None = typer.Option(None, "--inputs", help="Comma-separated inputs (default: all varied)."),
    store: Path | None = typer.Option(None, "--store", help=STORE_HELP, show_default=False),
    plot: Path | None = typer.Option(
        None, "--plot", help="PNG path (default: plots/EXPERIMENT-prim.png in detente's data folder)."
    ),
    no_plot: bool = typer.Option(False, "--no-plot", help="Do not write a plot."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Scenario discovery (PRIM) on stored results: where in input space does the outcome occur?"""
    try:
        from detente.experiments import discovery
        from detente.report.outputs import default_file

        name = _experiment_name(experiment)
        found = discovery.discover(
            name,
            outcome,
            threshold,
            below,
            store,
            [s.strip() for s in inputs.split(",")] if inputs else None,
            peel_alpha,
            paste_alpha,
            mass_min,
            min_coverage,
        )
        sign = "<=" if below else ">="
        path = (
            None
            if no_plot
            else discovery.plot(
                found.result,
                plot or default_file("plots", f"{name}-prim.png"),
                title=f"{name}: {found.outcome} {sign} {threshold:g}",
            )
        )
    except user_errors() as exc:
        fail(exc.problems)
    if as_json:
        print_json({**found.as_dict(), "plot": str(path) if path else None})
        return
    result, box, col = found.result, found.result.box, found.outcome
    con = _console()
    con.print(
        f"{name}: {col} {sign} {threshold:g} in {round(result.base_density * found.points)} of "
        f"{found.points} points ({result.base_density:.1%})"
        + (f"; {found.undefined} points left out (outcome undefined)" if found.undefined else "")
    )
    con.print(
        f"chosen box (trajectory step {result.chosen}, pasted): coverage {box.coverage:.3f}, "
        f"density {box.density:.3f}, mass {box.mass:.3f} ({box.n} points)"
    )
    con.print(
        _stats_table(
            result.limits[["input", "restriction", "qp_value"]],
            "box limits (restricted inputs; qp = quasi-p-value of the restriction)",
            "{:.4g}",
        )
    )
    con.print(_stats_table(result.trajectory, "peeling trajectory (coverage–density trade-off)"))
    if len(found.per_cell) > 1:
        con.print(_stats_table(found.per_cell, f"share of points with {col} {sign} {threshold:g}, per cell"))
    if len(found.conditions):
        con.print(
            _stats_table(
                found.conditions, "is each crossed condition necessary? (across the sampled uncertainty)"
            )
        )
    if path:
        typer.echo(f"plot: {path}")


def register(app: typer.Typer) -> None:
    """Add ``sweep``, ``results``, ``sensitivity`` and ``discover``."""
    app.command("sweep")(sweep_command)
    app.command("results")(results_command)
    app.command("sensitivity")(sensitivity_command)
    app.command("discover")(discover_command)
