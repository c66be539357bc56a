"""The history workflow: replay the coded record, fit it to the labelled years, compare with simulations.

``fit_history`` and ``compare_history`` return results that convert to strict-JSON-ready dicts;
``write_history`` writes their CSV and PNG files as one marked folder (see ``report.outputs``).
The ``detente history`` command is a thin shell over these three functions.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import DetenteError, ScenarioError
from detente.history.assimilate import Replay, Setup
from detente.history.calibrate import Fit
from detente.history.events import Periods

_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def check_date(field: str, value: str | None) -> str | None:
    """``value`` if it is a calendar date 'YYYY-MM' or 'YYYY-MM-DD' (or None), else ``DetenteError``."""
    if value is None:
        return None
    match = _DATE.fullmatch(value)
    try:
        if not match:
            raise ValueError
        _dt.date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        raise DetenteError(
            f"{field}: expected a calendar date YYYY-MM or YYYY-MM-DD, got {value!r}"
        ) from None
    return value


@dataclass
class HistoryFit:
    """A replay of the record at the fitted gamma and 1991 beliefs, and at the scenario's stored values."""

    scenario: Any
    setup: Setup
    periods: Periods
    fit: Fit
    replay: Replay
    current: Replay

    def paths_frame(self) -> Any:
        """One row per month of the fitted replay, with the date each month's value stands for."""
        frame = self.replay.to_pandas()
        frame.insert(1, "date", [str(d) for d in month_ends(self.setup)])
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Sources, window, the fit (agreement, fitted values, baselines, per year) and the stored values."""
        from detente.report.jsondata import plain

        st, cur = self.setup, self.current
        inside = (st.table.date >= st.start) & (st.table.date <= st.until)
        return plain(
            {
                "scenario": self.scenario.name,
                "events": st.table.source,
                "periods": self.periods.source,
                "window": {"start": str(st.start), "until": str(st.until)},
                "events_used": int((st.observer >= 0).sum()),
                "events_unattributed": [str(e) for e in st.table.event_id[(st.observer < 0) & inside]],
                **self.fit.summary(),
                "scenario_values": {
                    "gamma": float(self.scenario.history.gamma),
                    "p_start": {s: float(p) for s, p in zip(cur.setup.sides, cur.p_start, strict=True)},
                    "starting_trust": cur.final(),
                },
            }
        )


def fit_history(
    scenario: Any,
    events: str | Path | None = None,
    periods: str | Path | None = None,
    start: str | None = None,
    until: str | None = None,
    n_boot: int = 400,
) -> HistoryFit:
    """Replay ``events`` (default: the scenario's) from ``start`` to ``until`` and fit the labelled years."""
    from detente.history.assimilate import load_table, prepare, replay
    from detente.history.calibrate import calibrate
    from detente.history.events import load_periods
    from detente.scenario.load import load_scenario

    sc = load_scenario(scenario)
    if sc.history is None:
        raise ScenarioError(
            f"{sc.name}: the scenario has no 'history' section (actor codes → sides); see docs/history.md"
        )
    check_date("--start", start)
    check_date("--until", until)
    table = load_table(sc, events) if events else None
    setup = prepare(sc, table, start, until)
    per = load_periods(periods if periods else sc.history.periods)
    fit = calibrate(sc, per, setup=setup, n_boot=n_boot)
    rep = replay(sc, setup=setup, gamma=fit.gamma, p_start=fit.p_start)
    return HistoryFit(sc, setup, per, fit, rep, replay(sc, setup=setup))


@dataclass
class HistoryComparison:
    """The record and a simulated ensemble as monthly event tone (``history.projection``)."""

    runs: int
    world: str | None
    frame: Any
    title: str

    def to_dict(self) -> dict[str, Any]:
        """Mean tone (Goldstein per event) and events per month, record vs simulated."""
        rec = self.frame[self.frame.source == "record"]
        sim = self.frame[self.frame.source == "simulated"]
        return {
            "runs": self.runs,
            "record_mean_tone": float(np.nansum(rec.goldstein_sum) / max(rec.events.sum(), 1)),
            "simulated_mean_tone": float(np.nansum(sim.goldstein_sum) / max(sim.events.sum(), 1e-12)),
            "record_events_per_month": float(rec.events.mean()),
            "simulated_events_per_month": float(sim.events.mean()),
        }


def compare_history(
    fitted: HistoryFit, runs: int = 200, seed: int | None = None, world: str | None = None
) -> HistoryComparison:
    """Simulate the scenario (keeping paths) and project its runs and the record onto event tone."""
    from detente.engine.simulate import simulate
    from detente.history.projection import comparison_frame, project_record, project_result

    sc, setup = fitted.scenario, fitted.setup
    result = simulate(sc, runs=runs, seed=seed, world=world, paths=True)
    frame = comparison_frame(project_record(setup), project_result(result))
    title = (
        f"Cooperation–conflict tone: coded record {setup.months[0]}–{setup.months[-1]} and {runs} simulated "
        f"runs of {sc.name}{f' ({world})' if world else ''}, {result.compiled.structure.start} onward"
    )
    return HistoryComparison(runs, world, frame, title)


def write_history(
    out: Path | str, fitted: HistoryFit, comparison: HistoryComparison | None = None, field: str = "--out"
) -> dict[str, str]:
    """Write the trust paths (CSV, PNG) and the comparison (CSV, PNG) into the marked folder ``out``."""
    from detente.history.plots import compare_figure, save, trust_figure
    from detente.report.outputs import report_folder

    out = Path(out)
    names = {"paths_csv": "history_paths.csv", "trust_png": "history_trust.png"}
    if comparison is not None:
        names.update(compare_csv="history_compare.csv", compare_png="history_compare.png")
    with report_folder(out, kind="history", scenario=fitted.scenario.name, field=field) as tmp:
        fitted.paths_frame().to_csv(tmp / names["paths_csv"], index=False)
        save(trust_figure(fitted.replay, fitted.fit), tmp / names["trust_png"])
        if comparison is not None:
            comparison.frame.to_csv(tmp / names["compare_csv"], index=False)
            save(compare_figure(comparison.frame, comparison.title), tmp / names["compare_png"])
    return {key: str(out / name) for key, name in names.items()}


def month_ends(setup: Setup) -> list[Any]:
    """The last day of each replayed month (the last one is the replay's target date)."""
    ends = [
        (np.datetime64(m, "M") + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
        for m in setup.months
    ]
    ends[-1] = min(ends[-1], setup.until)
    return ends


def _years_before(periods: Periods, date: str) -> Periods:
    """The labelled years that end on or before ``date`` (what a forecast from ``date`` may know)."""
    end = str(np.datetime64(date, "D")) if len(date) == 10 else str(_last_day(date))
    keep = np.array([f"{y}-12-31" <= end for y in periods.year], dtype=bool)
    return Periods(
        periods.source,
        periods.year[keep],
        periods.regime[keep],
        periods.alt_regime[keep],
        periods.confidence[keep],
        periods.note[keep],
    )


def _last_day(month: str) -> np.datetime64:
    return (np.datetime64(month[:7], "M") + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(
        1, "D"
    )


TYPES = ("from_trust", "scenario", "B", "M")


def parse_grid(items: list[str] | None, field: str = "--also") -> dict[str, list[float]]:
    """``PATH=V1,V2,...`` items as a grid of extra calibration parameters (dotted scenario paths)."""
    out: dict[str, list[float]] = {}
    problems = []
    for item in items or []:
        path, _, values = item.partition("=")
        try:
            grid = [float(v) for v in values.split(",")]
            if not path.strip() or not values or path in out or not all(np.isfinite(grid)):
                raise ValueError
        except ValueError:
            problems.append(
                f"{field}: expected PATH=V1,V2,... (a new dotted scenario path, numbers), got {item!r}"
            )
            continue
        out[path.strip()] = grid
    if problems:
        raise DetenteError(problems)
    return out


def _types(types: str) -> str | None:
    if types not in TYPES:
        raise DetenteError(f"--types: expected one of {', '.join(TYPES)}, got {types!r}")
    return None if types == "scenario" else types


def forecast_history(
    scenario: Any,
    date: str,
    years: int = 5,
    runs: int = 1000,
    seed: int | None = None,
    events: str | Path | None = None,
    periods: str | Path | None = None,
    calibrate: bool = False,
    draws: int = 8,
    types: str = "from_trust",
    extra: dict[str, list[float]] | None = None,
) -> Any:
    """Replay the record to ``date`` and simulate ``years`` calendar years forward (``history.forecast``).

    Parameters: the scenario's stored gamma and p_start, or with ``calibrate`` ``draws`` points of the
    posterior fitted on the labelled years that end by ``date`` (out of sample for the years forecast).
    """
    from detente.history.assimilate import load_table
    from detente.history.calibrate import Labels, grid_predictions, posterior
    from detente.history.events import load_periods
    from detente.history.forecast import forecast
    from detente.scenario.load import load_scenario

    sc = load_scenario(scenario)
    if sc.history is None:
        raise ScenarioError(f"{sc.name}: the scenario has no 'history' section; see docs/history.md")
    check_date("--from", date)
    if date is None:
        raise DetenteError("--from: a date YYYY-MM or YYYY-MM-DD is required")
    kind = _types(types)
    table = load_table(sc, events) if events else None
    params = None
    post = None
    if extra and not calibrate:
        raise DetenteError("--also: extra calibration parameters need --calibrate")
    for path, values in (extra or {}).items():
        for v in values:
            sc.apply({path: v}, origin="--also")
    if calibrate:
        per = _years_before(load_periods(periods if periods else sc.history.periods), date)
        labels = Labels.from_periods(per)
        inside = np.array([f"{y}-12" >= sc.history.start[:7] for y in labels.years], dtype=bool)
        labels = Labels(labels.years[inside], labels.main[inside], labels.alt[inside])
        if len(labels.years) == 0:
            raise DetenteError(f"--calibrate: no labelled year ends by {date}; forecast without --calibrate")
        pred, axes, names = grid_predictions(sc, labels, table, extra=extra, until=date)
        post = posterior(labels.score(pred), axes, names)
        params = post.draws(draws)
    fc = forecast(sc, date, years, runs, seed, params, kind, table)
    if post is not None:
        fc.calibration = post.summary()
    return fc


def backtest_history(
    scenario: Any,
    events: str | Path | None = None,
    periods: str | Path | None = None,
    horizon: int = 3,
    runs: int = 400,
    draws: int = 8,
    seed: int | None = None,
    in_sample: bool = True,
    types: str = "from_trust",
    extra: dict[str, list[float]] | None = None,
) -> Any:
    """Rolling-origin backtest of the scenario's record (``history.backtest``), with the in-sample contrast."""
    from detente.history.assimilate import load_table
    from detente.history.backtest import backtest
    from detente.history.events import load_periods
    from detente.scenario.load import load_scenario

    sc = load_scenario(scenario)
    if sc.history is None:
        raise ScenarioError(f"{sc.name}: the scenario has no 'history' section; see docs/history.md")
    kind = _types(types)
    table = load_table(sc, events) if events else None
    per = load_periods(periods if periods else sc.history.periods)
    if extra:
        for path, values in extra.items():
            for v in values:
                sc.apply({path: v}, origin="--also")  # a bad path or value fails here, named
    return backtest(sc, per, table, horizon, runs, draws, seed, extra=extra, types=kind, in_sample=in_sample)
