"""`detente history`: replay the coded record, calibrate on the labelled years, plot, compare with simulations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add the ``history``, ``forecast`` and ``backtest`` commands to the app."""
    app.command("history")(history)
    app.command("forecast")(forecast)
    app.command("backtest")(backtest)


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
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for the PNG and CSV files: new, empty or an earlier detente history folder "
        "(default: history/<scenario> in detente's data folder).",
        show_default=False,
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
        from detente.report.outputs import check_folder, default_report_folder

        check_limit("--runs", "runs", runs, "runs")
        check_limit("--bootstrap", "runs", boot, "bootstrap resamples")
        if seed is not None:
            check_seed("--seed", seed)
        if out is not None:
            check_folder(out, "--out")
        fitted = fit_history(scenario, events, periods, start, until, n_boot=boot)
        comparison = compare_history(fitted, runs, seed, world) if compare else None
        if out is None:
            out = default_report_folder("history", fitted.scenario.name)
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
        if not v.get("identified", True):
            lo, hi = v["admissible_range"]
            f.add_row(name, "not identified", f"any value in {lo:.3g} .. {hi:.3g}", "—", "—")
            continue
        f.add_row(
            name,
            f"{v['value']:.3g}",
            "{:.3g} .. {:.3g}".format(*v["maximal_set"]),
            "{:.3g} .. {:.3g}".format(*v["bootstrap_95"]),
            f"{v['bootstrap_se']:.3g}",
        )
    con.print(f)
    if p.get("posterior"):
        _print_posterior(con, p["posterior"])
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


def _print_posterior(con: Any, post: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(
        title=f"Posterior over the grid ({post['years']} labelled years; uniform prior; label noise integrated "
        f"out, posterior mean {post['label_noise_mean']:.2f})"
    )
    for c in ("parameter", "mode", "mean", "95% credible", "s.d."):
        t.add_column(c)
    for name, v in post["parameters"].items():
        if v["identified"]:
            t.add_row(
                name,
                f"{v['mode']:.3g}",
                f"{v['mean']:.3g}",
                "{:.3g} .. {:.3g}".format(*v["credible_95"]),
                f"{v['sd']:.3g}",
            )
        else:
            lo, hi = v["admissible_range"]
            t.add_row(name, "not identified", "—", f"any value in {lo:.3g} .. {hi:.3g}", "—")
    con.print(t)


def _scenario_option() -> Any:
    return typer.Option("reset-2009", "--scenario", "-s", help="Bundled scenario name or YAML/TOML path.")


def forecast(
    date: str = typer.Option(
        ..., "--from", help="Replay the record through this date (YYYY-MM or YYYY-MM-DD)."
    ),
    scenario: str = _scenario_option(),
    years: int = typer.Option(
        5, "--years", min=1, help="Calendar years to forecast (the first is the start's)."
    ),
    runs: int = typer.Option(1000, "--runs", min=1, help="Simulated runs (split over the parameter draws)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed, 0..2^64-1 (default: the scenario's)."),
    events: str | None = typer.Option(None, "--events", help="Another event table in the same columns."),
    periods: str | None = typer.Option(None, "--periods", help="Another table of labelled years (CSV)."),
    calibrate: bool = typer.Option(
        False,
        "--calibrate",
        help="Draw gamma and p_start from the posterior of the labelled years ending by --from.",
    ),
    draws: int = typer.Option(8, "--draws", min=1, help="Posterior draws with --calibrate."),
    also: list[str] | None = typer.Option(
        None,
        "--also",
        help="Also calibrate a scenario parameter on a grid: PATH=V1,V2,... (e.g. channel_floor=0,0.1,0.2); repeatable.",
    ),
    types: str = typer.Option(
        "from_trust",
        "--types",
        help="True types: from_trust (drawn from the replayed trust), scenario, B or M.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Replay the record to a date, then simulate forward without later events: P(regime) at each year's end."""
    from detente.cli._common import fail, print_json, user_errors

    try:
        from detente.history.workflow import forecast_history, parse_grid
        from detente.limits import check_limit, check_seed

        check_limit("--runs", "runs", runs, "runs")
        check_limit("--years", "horizon", 12 * years, "months")
        check_limit("--draws", "runs", draws, "parameter draws")
        if seed is not None:
            check_seed("--seed", seed)
        fc = forecast_history(
            scenario, date, years, runs, seed, events, periods, calibrate, draws, types, parse_grid(also)
        )
    except user_errors() as exc:
        fail(exc.problems)
    payload = fc.to_dict()
    if as_json:
        print_json(payload)
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    trust = payload["draws"][0]["starting_trust"] if len(payload["draws"]) == 1 else None
    con.print(
        f"[bold]{payload['scenario']}[/]: record replayed through {payload['origin']}, simulated from "
        f"{payload['start']} without later events; {payload['runs']} runs, {len(payload['draws'])} parameter "
        f"draw(s), types {payload['types'] or 'as in the scenario'}"
        + (f"; trust on the date {', '.join(f'{k} {v:.3f}' for k, v in trust.items())}" if trust else "")
    )
    t = Table(title="P(regime) in December (Monte Carlo s.e.)")
    for c in ("year", "strategic", "tactical", "frozen"):
        t.add_column(c)
    for row in payload["years"]:
        t.add_row(
            str(row["year"]),
            *(f"{row[f'p_{n}']:.3f} ({row[f'se_{n}']:.3f})" for n in ("strategic", "tactical", "frozen")),
        )
    con.print(t)
    if payload.get("calibration"):
        _print_posterior(con, payload["calibration"])


def backtest(
    scenario: str = _scenario_option(),
    events: str | None = typer.Option(None, "--events", help="Another event table in the same columns."),
    periods: str | None = typer.Option(None, "--periods", help="Another table of labelled years (CSV)."),
    horizon: int = typer.Option(3, "--horizon", min=1, help="Forecast horizons 1..H years from each origin."),
    runs: int = typer.Option(400, "--runs", min=1, help="Simulated runs per origin."),
    draws: int = typer.Option(8, "--draws", min=1, help="Posterior draws per origin."),
    also: list[str] | None = typer.Option(
        None,
        "--also",
        help="Also calibrate a scenario parameter on a grid: PATH=V1,V2,... (e.g. channel_floor=0,0.1,0.2); repeatable.",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed, 0..2^64-1 (default: the scenario's)."),
    types: str = typer.Option(
        "from_trust",
        "--types",
        help="True types: from_trust (drawn from the replayed trust), scenario, B or M.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Rolling-origin backtest: each labelled year as origin, calibrated on earlier years only, forecasts scored
    (Brier, RPS, log) against persistence and climatology."""
    from detente.cli._common import fail, print_json, user_errors

    try:
        from detente.history.workflow import backtest_history, parse_grid
        from detente.limits import check_limit, check_seed

        check_limit("--runs", "runs", runs, "runs")
        check_limit("--horizon", "horizon", 12 * horizon, "months")
        check_limit("--draws", "runs", draws, "parameter draws")
        if seed is not None:
            check_seed("--seed", seed)
        bt = backtest_history(
            scenario, events, periods, horizon, runs, draws, seed, True, types, parse_grid(also)
        )
    except user_errors() as exc:
        fail(exc.problems)
    payload = bt.to_dict()
    if as_json:
        print_json(payload)
    else:
        _print_backtest(payload)


def _print_backtest(p: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(
        f"[bold]{p['scenario']}[/]: rolling origins, horizons 1..{p['horizon_years']} years, {p['runs']} runs and "
        f"{p['draws']} posterior draws per origin. Scores: {p['rules']['scores']}."
    )
    names = ("model", "persistence", "climatology")

    def pooled_table(title: str, pooled: dict[str, Any]) -> Table:
        t = Table(title=f"{title} (n = {pooled['n']} forecasts)")
        for c in ("score", *names, "skill vs persistence", "skill vs climatology"):
            t.add_column(c)
        for rule in ("brier", "rps", "log"):
            v = pooled[rule]
            t.add_row(
                rule,
                *(f"{v[n]:.3f}" for n in names),
                f"{v['skill_vs_persistence']:+.3f}",
                f"{v['skill_vs_climatology']:+.3f}",
            )
        return t

    con.print(pooled_table("Pooled, out of sample (headline)", p["pooled_out_of_sample"]))
    for h, v in p["by_horizon"].items():
        con.print(pooled_table(f"Horizon {h} year(s), out of sample", v))
    o = Table(title="Per origin, mean over its horizons (M model, P persistence, C climatology)")
    o.add_column("origin")
    o.add_column("n")
    for r in ("brier", "rps", "log"):
        for n in names:
            o.add_column(f"{r} {n[0].upper()}", justify="right")
    for row in p["by_origin"]:
        o.add_row(
            str(row["origin"]),
            str(row["n"]),
            *(f"{row[f'{n}_{r}']:.3f}" for r in ("brier", "rps", "log") for n in names),
        )
    con.print(o)
    a = p["replay_agreement"]
    con.print(
        f"Replay's own year labels (events of the year, parameters fitted on earlier years), agreement over "
        f"{a['n']} years: replay {a['replay']:.3f}, persistence {a['persistence']:.3f}, "
        f"climatology's modal label {a['climatology']:.3f}"
    )
    if p.get("in_sample_pooled"):
        con.print(
            pooled_table(
                "For contrast only: in sample (parameters fitted on all years)", p["in_sample_pooled"]
            )
        )
