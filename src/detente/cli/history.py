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
    out: Path = typer.Option(Path("history-out"), "--out", help="Directory for the PNG and CSV files."),
    as_json: bool = typer.Option(False, "--json", help="Print the fit as JSON instead of tables."),
    compare: bool = typer.Option(
        False,
        "--compare",
        help="Also simulate the scenario and plot its event-data projection beside the record.",
    ),
    runs: int = typer.Option(200, "--runs", min=1, help="Runs for --compare."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for --compare (default: the scenario's)."),
    world: str | None = typer.Option(
        None, "--world", help="World for --compare (default: the scenario as written)."
    ),
    boot: int = typer.Option(400, "--bootstrap", min=2, help="Bootstrap resamples of the labelled years."),
) -> None:
    """Replay the coded West–Russia record into trust paths, fit gamma and the 1991 beliefs to the labelled
    years, and write a plot and CSV of both trust paths (with --compare: simulated vs real event tone)."""
    from detente.cli._common import fail, print_json, user_errors

    try:
        payload = _run(scenario, events, periods, start, until, out, compare, runs, seed, world, boot)
    except user_errors() as exc:
        fail(exc.problems)
    if as_json:
        print_json(payload)
    else:
        _print_tables(payload)


def _run(
    scenario: str,
    events: str | None,
    periods: str | None,
    start: str | None,
    until: str | None,
    out: Path,
    compare: bool,
    runs: int,
    seed: int | None,
    world: str | None,
    boot: int,
) -> dict[str, Any]:
    from detente.errors import DetenteError, ScenarioError
    from detente.history.assimilate import load_table, prepare, replay
    from detente.history.calibrate import calibrate
    from detente.history.events import load_periods
    from detente.history.plots import save, trust_figure
    from detente.scenario.load import load_scenario
    from detente.scenario.schema import _normalise_date

    sc = load_scenario(scenario)
    if sc.history is None:
        raise ScenarioError(
            f"{scenario}: the scenario has no 'history' section (actor codes → sides); see docs/history.md"
        )
    for flag, value in (("--start", start), ("--until", until)):
        if value is not None:
            try:
                _normalise_date(value)
            except ValueError as exc:
                raise DetenteError(f"{flag}: {exc}") from None
    table = load_table(sc, events) if events else None
    setup = prepare(sc, table, start, until)
    per = load_periods(periods if periods else sc.history.periods)
    fit = calibrate(sc, per, setup=setup, n_boot=boot)
    rep = replay(sc, setup=setup, gamma=fit.gamma, p_start=fit.p_start)
    current = replay(sc, setup=setup)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DetenteError(f"--out: cannot create {out} ({exc.strerror})") from None
    paths_csv = out / "history_paths.csv"
    frame = rep.to_pandas()
    frame.insert(1, "date", [str(d) for d in _month_ends(setup)])
    frame.to_csv(paths_csv, index=False)
    png = save(trust_figure(rep, fit), out / "history_trust.png")
    payload: dict[str, Any] = {
        "scenario": sc.name,
        "events": setup.table.source,
        "periods": per.source,
        "window": {"start": str(setup.start), "until": str(setup.until)},
        "events_used": int((setup.observer >= 0).sum()),
        "events_unattributed": [str(e) for e in setup.table.event_id[(setup.observer < 0) & _inside(setup)]],
        **fit.summary(),
        "scenario_values": {
            "gamma": float(sc.history.gamma),
            "p_start": {s: float(p) for s, p in zip(current.setup.sides, current.p_start, strict=True)},
            "starting_trust": current.final(),
        },
        "files": {"paths_csv": str(paths_csv), "trust_png": str(png)},
    }
    if compare:
        payload["compare"] = _compare(sc, setup, out, runs, seed, world)
        payload["files"].update(payload["compare"].pop("files"))
    return payload


def _month_ends(setup: Any) -> list[Any]:
    import numpy as np

    ends = [
        (np.datetime64(m, "M") + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
        for m in setup.months
    ]
    ends[-1] = min(ends[-1], setup.until)
    return ends


def _inside(setup: Any) -> Any:
    return (setup.table.date >= setup.start) & (setup.table.date <= setup.until)


def _compare(
    sc: Any, setup: Any, out: Path, runs: int, seed: int | None, world: str | None
) -> dict[str, Any]:
    import numpy as np

    from detente.engine.simulate import simulate
    from detente.history.plots import compare_figure, save
    from detente.history.projection import comparison_frame, project_record, project_result

    result = simulate(sc, runs=runs, seed=seed, world=world, paths=True)
    frame = comparison_frame(project_record(setup), project_result(result))
    csv = out / "history_compare.csv"
    frame.to_csv(csv, index=False)
    title = (
        f"Cooperation–conflict tone: coded record {setup.months[0]}–{setup.months[-1]} and {runs} simulated "
        f"runs of {sc.name}{f' ({world})' if world else ''}, {result.compiled.structure.start} onward"
    )
    png = save(compare_figure(frame, title), out / "history_compare.png")
    rec = frame[frame.source == "record"]
    sim = frame[frame.source == "simulated"]
    return {
        "runs": runs,
        "record_mean_tone": float(np.nansum(rec.goldstein_sum) / max(rec.events.sum(), 1)),
        "simulated_mean_tone": float(np.nansum(sim.goldstein_sum) / max(sim.events.sum(), 1e-12)),
        "record_events_per_month": float(rec.events.mean()),
        "simulated_events_per_month": float(sim.events.mean()),
        "files": {"compare_csv": str(csv), "compare_png": str(png)},
    }


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
