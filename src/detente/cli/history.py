"""`detente history`: replay the coded record, calibrate on the labelled years, plot, compare with simulations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add the ``history`` command to the app."""
    app.command("history")(history)


def history(
    scenario: str = typer.Option(
        "reset-2009", "--scenario", "-s", help="Bundled scenario name or YAML/TOML path."
    ),
    events: str | None = typer.Option(
        None, "--events", help="Another event table (CSV/Parquet/YAML) in the same columns."
    ),
    periods: str | None = typer.Option(None, "--periods", help="Another table of labelled years (CSV)."),
    start: str | None = typer.Option(
        None, "--start", help="Replay start, YYYY-MM or YYYY-MM-DD (default: the scenario's)."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Last date whose events count (default: the scenario's)."
    ),
    out: Path = typer.Option(
        Path("history-out"),
        "--out",
        help="Folder for the PNG and CSV files: new, empty or an earlier detente history folder.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the fit as JSON instead of tables."),
    compare: bool = typer.Option(
        False,
        "--compare",
        help="Also simulate the scenario and plot its event-data projection beside the record.",
    ),
    runs: int = typer.Option(200, "--runs", min=1, help="Runs for --compare."),
    seed: int | None = typer.Option(
        None, "--seed", help="Seed for --compare, 0..2^64-1 (default: the scenario's)."
    ),
    world: str | None = typer.Option(
        None, "--world", help="World for --compare (default: the scenario as written)."
    ),
    boot: int = typer.Option(400, "--bootstrap", min=2, help="Bootstrap resamples of the labelled years."),
) -> None:
    """Replay the coded West–Russia record into trust paths, fit gamma and the 1991 beliefs to the labelled
    years, and write a plot and CSV of both trust paths (with --compare: simulated vs real event tone)."""
    from detente.cli._common import fail, print_json, user_errors

    try:
        from detente.history.workflow import compare_history, fit_history, write_history
        from detente.limits import check_limit, check_seed
        from detente.report.outputs import check_folder

        check_limit("--runs", "runs", runs, "runs")
        check_limit("--bootstrap", "runs", boot, "bootstrap resamples")
        if seed is not None:
            check_seed("--seed", seed)
        check_folder(out, "--out")
        fitted = fit_history(scenario, events, periods, start, until, n_boot=boot)
        comparison = compare_history(fitted, runs, seed, world) if compare else None
        files = write_history(out, fitted, comparison)
    except user_errors() as exc:
        fail(exc.problems)
    payload = {**fitted.to_dict(), "files": files}
    if comparison is not None:
        payload["compare"] = comparison.to_dict()
    if as_json:
        print_json(payload)
    else:
        _print_tables(payload)


def _print_tables(p: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(
        f"[bold]{p['scenario']}[/]: replay {p['window']['start']} .. {p['window']['until']}, "
        f"{p['events_used']} events attributed, {len(p['events_unattributed'])} unattributed "
        f"({', '.join(p['events_unattributed']) or 'none'}); regime of a year: {p['rule']}"
    )
    t = Table(title="Agreement with the labelled years (alt_regime counts half)")
    for c in ("predictor", "agreement (all years)", "from the second year"):
        t.add_column(c)
    t.add_row("model (fitted)", f"{p['agreement']:.3f}", f"{p['agreement_from_second']:.3f}")
    t.add_row("model, leave-one-year-out", f"{p['agreement_loo']:.3f}", "")
    for name, b in p["baselines"].items():
        t.add_row(
            f"{name.replace('_', ' ')} ({b['predicts']})",
            f"{b['agreement']:.3f}" if name != "persistence" else "—",
            f"{b['agreement_from_second']:.3f}",
        )
    con.print(t)
    f = Table(title="Fitted values (maximal set = every grid point with the best agreement)")
    for c in ("parameter", "fit", "maximal set", "bootstrap 95% (years)", "bootstrap s.e."):
        f.add_column(c)
    for name, v in p["fitted"].items():
        f.add_row(
            name,
            f"{v['value']:.3g}",
            "{:.3g} .. {:.3g}".format(*v["maximal_set"]),
            "{:.3g} .. {:.3g}".format(*v["bootstrap_95"]),
            f"{v['bootstrap_se']:.3g}",
        )
    con.print(f)
    y = Table(title="Per year")
    for c in ("year", "label", "alt", "model", "score"):
        y.add_column(c)
    for row in p["per_year"]:
        y.add_row(str(row["year"]), row["label"], row["alt"] or "", row["predicted"], f"{row['score']:g}")
    con.print(y)
    c = Table(title="Confusion (rows: label, columns: model)")
    c.add_column("label \\ model")
    for name in p["confusion"]["cols_predicted"]:
        c.add_column(name)
    for name, counts in zip(p["confusion"]["rows_label"], p["confusion"]["counts"], strict=True):
        c.add_row(name, *(str(n) for n in counts))
    con.print(c)
    s = p["starting_trust"]
    sv = p["scenario_values"]
    con.print(
        f"Trust on {s['date']} at the fit: "
        + "; ".join(
            f"{k} {v['value']:.3f} (bootstrap 95% {v['bootstrap_95'][0]:.3f} .. {v['bootstrap_95'][1]:.3f})"
            for k, v in s.items()
            if k != "date"
        )
    )
    con.print(
        f"Scenario's stored values: gamma {sv['gamma']:g}, p_start {sv['p_start']} → starting trust "
        + ", ".join(f"{k} {v:.3f}" for k, v in sv["starting_trust"].items())
    )
    if "compare" in p:
        cmp = p["compare"]
        con.print(
            f"Compare: mean tone record {cmp['record_mean_tone']:+.2f} vs simulated {cmp['simulated_mean_tone']:+.2f} "
            f"(Goldstein per event); events per month {cmp['record_events_per_month']:.2f} vs {cmp['simulated_events_per_month']:.2f}"
        )
    con.print("Files: " + ", ".join(p["files"].values()))
