"""Core commands: run (the main job), simulate, validate, schema, scenarios."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from detente.cli._common import fail, print_json, rich_progress, user_errors

DEFAULT_SCENARIO = "reset-2009"
PLOT_FORMATS = (".png", ".pdf", ".svg")


def register(app: typer.Typer) -> None:
    """Add the core commands."""
    app.command("run")(run)
    app.command("simulate")(simulate_cmd)
    app.command("validate")(validate)
    app.command("schema")(schema)
    app.command("scenarios")(scenarios)


def _progress(enabled: bool) -> Any:
    """A rich progress bar on a terminal (stderr), or a no-op context."""
    from contextlib import nullcontext

    if not enabled or not sys.stderr.isatty():
        return nullcontext(None)
    return rich_progress("runs", transient=True)


def _ticker(bar: Any, description: str) -> Any:
    if bar is None:
        return None
    task = bar.add_task(description, total=None)

    def tick(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return tick


BACKEND_HELP = "Engine backend: compiled (numba, the default) or python (plain Python, slow; for checks)."


def _check_numbers(runs: int | None, seed: int | None) -> None:
    """Refuse runs and seeds outside their limits before anything is loaded or allocated."""
    from detente.limits import check_limit, check_seed

    if runs is not None:
        if runs < 1:
            fail(f"--runs: expected a positive number of runs, got {runs}")
        check_limit("--runs", "runs", runs, "runs per cell")
    if seed is not None:
        check_seed("--seed", seed)


def _check_cost(sc: Any, runs: int | None) -> None:
    """Refuse a one-cell command whose runs × months × issues is over the cost limit (before simulating)."""
    from detente.errors import DetenteError
    from detente.limits import check_limit, cost_problem

    n, field = (sc.runs, "runs") if runs is None else (runs, "--runs")
    check_limit(field, "runs", n, "runs per cell")
    problem = cost_problem(field, n, sc.horizon, len(sc.issues), 1)
    if problem:
        raise DetenteError(problem)


def _backend_kw(backend: str | None) -> dict[str, str]:
    return {} if backend is None else {"backend": backend}


def run(
    scenario: Annotated[
        str, typer.Argument(help="Bundled scenario name or path to a YAML/TOML file.")
    ] = DEFAULT_SCENARIO,
    runs: Annotated[
        int | None, typer.Option(help="Runs per cell (default: the scenario's, 10,000 for reset-2009).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed, 0..2^64-1 (default: the scenario's).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Report folder (default: reports/<scenario> in detente's data folder, printed at the end). "
            "It must be new, empty or an earlier detente report; any other folder is left alone.",
            show_default=False,
        ),
    ] = None,
    world: Annotated[list[str] | None, typer.Option(help="Only these worlds (repeatable).")] = None,
    condition: Annotated[
        list[str] | None, typer.Option(help="Factorial over these conditions only (repeatable).")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the results as JSON instead of tables.")
    ] = False,
    plots: Annotated[
        bool, typer.Option(help="Write the figures (PNG at 300 dpi, SVG, PDF) into the report.")
    ] = True,
    backend: Annotated[str | None, typer.Option(help=BACKEND_HELP, show_default=False)] = None,
) -> None:
    """Run the main job: the 2^k factorial over the scenario's conditions in each world, with verdict and report."""
    try:
        _check_numbers(runs, seed)
        from detente.analysis.factorial import experiment
        from detente.report.cells import experiment_dict
        from detente.report.html import check_target, write_report
        from detente.scenario.load import load_scenario

        sc = load_scenario(scenario)
        check_target(out, sc.name)
        with _progress(not json_out) as bar:
            exp = experiment(
                sc,
                conditions=condition or None,
                worlds=world or None,
                runs=runs,
                seed=seed,
                progress=_ticker(bar, f"{sc.name}: simulating"),
                **_backend_kw(backend),
            )
        folder = write_report(exp, out, plots=plots)
    except user_errors() as exc:
        fail(exc.problems)
    if json_out:
        print_json({**experiment_dict(exp), "report": str(folder / "report.html")})
        return
    _print_main(exp)
    typer.echo(f"Report: {folder / 'report.html'}")
    typer.echo("        (with the plots, summary.csv and cells.json beside it)")


WIDE = 100
"""From this console width the main table shows every figure with its error."""


def _print_main(exp: Any) -> None:
    """The main table (fits the console, 80 columns and up), the verdict wrapped to the width, the report."""
    import textwrap

    from rich.console import Console

    console = Console(highlight=False)
    console.print(_main_table(exp, console.width))
    width = max(40, console.width)
    typer.echo("")
    typer.echo("Verdict on the argument:")
    for line in exp.sentences():
        typer.echo(textwrap.fill(line, width, initial_indent="  - ", subsequent_indent="    "))
    typer.echo("")


def _number(value: float, se: float | None, digits: int = 3) -> str:
    """'0.616±0.022' (an error that would round to 0 keeps one significant digit), or '0.616' without one."""
    import math

    if se is None:
        return f"{value:.{digits}f}"
    d = max(digits, -math.floor(math.log10(se))) if 0 < se < 0.5 * 10**-digits else digits
    return f"{value:.{digits}f}±{se:.{d}f}"


def _share(p: float, se: float | None, n: int, digits: int = 3) -> str:
    """A share as text: '0.616±0.022'; at exactly 0 or 1 its bound instead: '<0.002', '>0.998'."""
    import math

    from detente.analysis.mcse import share_se

    if p in (0.0, 1.0):
        bound = share_se(p, n)
        d = max(digits, -math.floor(math.log10(bound)))
        return f"<{bound:.{d}f}" if p == 0.0 else f">{1 - bound:.{d}f}"
    return _number(p, se, digits)


def _clip_shares(upper: float, lower: float) -> str:
    """Shares of runs at the upper and lower clip of trust, two decimals: '▲.15 ▼0'."""

    def short(p: float) -> str:
        return f"{p:.0f}" if p in (0.0, 1.0) else f"{p:.2f}".removeprefix("0")

    return f"▲{short(upper)} ▼{short(lower)}"


def _main_table(exp: Any, width: int) -> Any:
    """The main table: one section per world, one row per cell, labels from the scenario (wrapped)."""
    import math

    from rich import box
    from rich.table import Table

    n, wide = exp.runs, width >= WIDE
    clip = 1 / (1 + math.exp(exp.scenario.L_max))

    def err(row: dict[str, Any], key: str) -> float | None:
        return row[f"se_{key}"] if wide else None

    cols: list[tuple[str, Any]] = [
        ("P(durable)", lambda r: _share(r["p_durable"], r["se_p_durable"], n)),
        (
            "P(strategic\nat horizon)" if wide else "P(strat.\nat end)",
            lambda r: _share(r["p_strategic_end"], err(r, "p_strategic_end"), n),
        ),
        (
            "cooperation\nindex" if wide else "coop.\nindex",
            lambda r: _number(r["mean_ci"], err(r, "mean_ci")),
        ),
    ]
    cols += [
        (
            f"{s} trust > ½\n▲max ▼min",
            lambda r, s=s: (
                _share(r[f"p_trust_above_half_{s}"], r[f"se_p_trust_above_half_{s}"], n)
                + "\n"
                + _clip_shares(r[f"p_trust_upper_{s}"], r[f"p_trust_lower_{s}"])
            ),
        )
        for s in exp.scenario.side_ids
    ]
    caption = (
        "P = share of runs; ± one Monte Carlo s.e.; <x, >x: no run (every run), x its bound 1/(n+1); "
        f"figures without ± have s.e. ≤ {0.5 / math.sqrt(n):.3f}. trust > ½: share of runs whose trust in "
        f"the other side ends above ½; ▲max ▼min: shares at the clip (p = {1 - clip:.3f}, {clip:.3f})."
    )
    table = Table(
        title=f"{exp.scenario.name}: {n:,} runs per cell, seed {exp.seed}",
        caption=caption,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )
    table.add_column("conditions", ratio=1, min_width=12, overflow="fold")
    for header, _ in cols:
        table.add_column(header, justify="right", no_wrap=True)
    rows = exp.records()
    for world in exp.worlds:
        if world is not None:
            table.add_row(f"[bold]World: {_escape(exp.world_label(world))}[/bold]")
        for cell, row in zip(exp.cells, rows, strict=True):
            if cell.world == world:
                table.add_row(
                    _escape(exp.cell_label(cell.conditions, short=True)), *(fmt(row) for _, fmt in cols)
                )
        table.add_section()
    return table


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def simulate_cmd(
    scenario: Annotated[str, typer.Argument(help="Bundled scenario name or path.")] = DEFAULT_SCENARIO,
    world: Annotated[str | None, typer.Option(help="World to simulate.")] = None,
    condition: Annotated[list[str] | None, typer.Option(help="Conditions to apply (repeatable).")] = None,
    runs: Annotated[int | None, typer.Option(help="Number of runs.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed, 0..2^64-1.")] = None,
    months_csv: Annotated[
        Path | None, typer.Option("--months", help="Write per-month aggregates to this CSV.")
    ] = None,
    runs_csv: Annotated[
        Path | None,
        typer.Option("--runs-out", help="Write per-run summaries to this file (.parquet, else CSV)."),
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="Write a plot here (.png, .pdf or .svg).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    backend: Annotated[str | None, typer.Option(help=BACKEND_HELP, show_default=False)] = None,
) -> None:
    """Simulate one cell (a world and a set of conditions) and print its summary.

    Output files are written whole (through a temporary file beside them) or not at all; an existing
    file named by a flag is replaced, a folder never is.
    """
    try:
        _check_numbers(runs, seed)
        from detente.engine.simulate import simulate
        from detente.report.outputs import check_files, write_file
        from detente.scenario.load import load_scenario

        check_files({"--months": months_csv, "--runs-out": runs_csv, "--plot": plot})
        if plot is not None and plot.suffix.lower() not in PLOT_FORMATS:
            fail(f"--plot: {plot}: expected a file ending in {', '.join(PLOT_FORMATS)}")
        sc = load_scenario(scenario)
        _check_cost(sc, runs)
        with _progress(not json_out) as bar:
            res = simulate(
                sc,
                runs=runs,
                seed=seed,
                world=world,
                conditions=tuple(condition or ()),
                progress=_ticker(bar, "simulating"),
                **_backend_kw(backend),
            )
        if months_csv:
            frame = res.to_pandas()
            write_file(months_csv, lambda tmp: frame.to_csv(tmp, index=False), "--months")
        if runs_csv:
            table = res.to_pandas("runs")
            if runs_csv.suffix.lower() == ".parquet":
                write_file(runs_csv, table.to_parquet, "--runs-out")
            else:
                write_file(runs_csv, lambda tmp: table.to_csv(tmp, index=False), "--runs-out")
        if plot:
            from detente.report.plots import save

            fig = res.plot()
            write_file(plot, lambda tmp: save(fig, tmp, fmt=plot.suffix.lower()[1:]), "--plot")
    except user_errors() as exc:
        fail(exc.problems)
    data = res.to_dict()
    if json_out:
        print_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{res.scenario.name}: world {world or 'base'}, "
        f"cell {' + '.join(condition or ()) or 'status quo'}"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("± s.e.", justify="right")
    summary = data["summary"]
    for key, value in summary.items():
        if key.startswith("se_"):
            continue
        se = summary.get(f"se_{key}", "")
        if key.startswith("p_") and value in (0.0, 1.0):  # no zero-width error at 0 or 1: its bound
            from detente.analysis.mcse import share_se

            se = f"≤ {share_se(value, summary['runs']):.4f}"
        table.add_row(key, _fmt(value), _fmt(se))
    table.caption = (
        "± s.e.: one Monte Carlo standard error; ≤: a bound 1/(runs + 1) where the share is 0 or 1"
    )
    Console().print(table)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def validate(
    file: Annotated[str, typer.Argument(help="Scenario file (YAML/TOML) or bundled name.")],
) -> None:
    """Check a scenario file; print one line per problem (exit 2) or a short description."""
    try:
        from detente.scenario.load import load_scenario

        sc = load_scenario(file)
    except user_errors() as exc:
        fail(exc.problems)
    typer.echo(
        f"ok: {file} — scenario {sc.name!r}: sides {', '.join(sc.sides)}; {len(sc.issues)} issues; "
        f"{sc.horizon} months from {sc.start}; conditions: {', '.join(sc.conditions) or 'none'}; "
        f"worlds: {', '.join(sc.worlds) or 'none'}"
    )


def schema() -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    from detente.scenario.jsonschema import scenario_json_schema

    print_json(scenario_json_schema())


def scenarios(json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """List the bundled scenarios."""
    from detente.scenario.load import bundled_scenarios

    found = bundled_scenarios()
    if json_out:
        print_json(found)
        return
    for name, title in found.items():
        typer.echo(f"{name}\t{title}")
