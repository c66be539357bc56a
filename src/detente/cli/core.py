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
            help="Report folder (default: ./detente-report/<scenario>). It must be new, empty or an earlier "
            "detente report; any other folder is left alone."
        ),
    ] = None,
    world: Annotated[list[str] | None, typer.Option(help="Only these worlds (repeatable).")] = None,
    condition: Annotated[
        list[str] | None, typer.Option(help="Factorial over these conditions only (repeatable).")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the results as JSON instead of tables.")
    ] = False,
    plots: Annotated[bool, typer.Option(help="Write PNG plots into the report.")] = True,
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
    _print_table(exp)
    typer.echo("")
    typer.echo("Verdict on the argument:")
    for line in exp.sentences():
        typer.echo(f"  - {line}")
    typer.echo(f"\nReport: {folder / 'report.html'} (plots, summary.csv, cells.json)")


def _print_table(exp: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    sides = exp.scenario.side_ids
    table = Table(
        title=f"{exp.scenario.name}: {exp.runs:,} runs per cell, seed {exp.seed} (± 1 Monte Carlo s.e.)"
    )
    for col in (
        "world",
        "cell",
        "P(strategic at horizon)",
        "P(durable partnership)",
        "mean cooperation index",
        *(f"median trust {s}" for s in sides),
    ):
        table.add_column(col, justify="left" if col in ("world", "cell") else "right")
    for row in exp.records():
        table.add_row(
            row["world"],
            row["cell"],
            f"{row['p_strategic_end']:.3f} ± {row['se_p_strategic_end']:.3f}",
            f"{row['p_durable']:.3f} ± {row['se_p_durable']:.3f}",
            f"{row['mean_ci']:.3f} ± {row['se_mean_ci']:.3f}",
            *(f"{row[f'median_trust_{s}']:.3f} ± {row[f'se_median_trust_{s}']:.3f}" for s in sides),
        )
    Console(width=max(140, Console().width)).print(table)


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
        table.add_row(key, _fmt(value), _fmt(se))
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
    from detente.scenario.schema import Scenario

    print_json(Scenario.model_json_schema())


def scenarios(json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """List the bundled scenarios."""
    from detente.scenario.load import bundled_scenarios

    found = bundled_scenarios()
    if json_out:
        print_json(found)
        return
    for name, title in found.items():
        typer.echo(f"{name}\t{title}")
