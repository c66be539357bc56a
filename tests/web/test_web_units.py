"""Pure helpers of the web app: problem parsing, slider and date knobs, limits, store names, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import detente
from detente.cli import app as cli_app
from detente.errors import ScenarioError
from detente.scenario.knobs import knob_values, schedule_start, with_knobs
from detente.web.limits import Limits, cost_problem, job_cost
from detente.web.scenarios import problem_items, safe_origin
from detente.web.stored import StoreNotFound, store_path


def test_problem_items_split_origin_line_field_and_message():
    items = problem_items(
        [
            "up.yaml:12: sides.R.elite.h0: expected a number in [0, 1], got 1.7",
            "up.yaml: history.events: an uploaded scenario cannot name a file",
            "up.yaml:3: not valid YAML: found unexpected end of stream",
            "runs: at most 10 runs per cell",
        ],
        origin="up.yaml",
    )
    assert [(i["field"], i["line"]) for i in items] == [
        ("sides.R.elite.h0", 12),
        ("history.events", None),
        (None, 3),
        ("runs", None),
    ]
    assert items[0]["message"] == "expected a number in [0, 1], got 1.7"
    assert items[2]["message"].startswith("not valid YAML")


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\my file.yaml", "my_file.yaml"),
        ("", "upload.yaml"),
        (None, "upload.yaml"),
    ],
)
def test_safe_origin_keeps_only_a_plain_base_name(given_name, expected):
    assert safe_origin(given_name) == expected


def test_knobs_set_side_fields_and_move_schedules_with_their_joins():
    sc = detente.load_scenario("reset-2009")
    out = with_knobs(sc, {"sides.W.elite.r_old": 0.6}, threat_start="2011-03", inclusion_start="2013-01")
    assert out.sides["W"].elite.r_old == 0.6 and out.sides["R"].elite.r_old == 0.4
    assert out.conditions["shared_threat"].set["schedules.threat"][0]["start"] == "2011-03"
    assert out.conditions["inclusion"].set["schedules.inclusion"][0]["start"] == "2013-01"
    assert schedule_start(out, "threat") == "2011-03"
    assert with_knobs(sc, {}, threat_start=None) is sc
    assert knob_values(out)["W"]["sides.W.elite.r_old"] == 0.6


def test_knobs_refuse_fields_sides_and_dates_that_do_not_fit():
    sc = detente.load_scenario("reset-2009")
    with pytest.raises(ScenarioError) as err:
        with_knobs(sc, {"sides.W.learning.kappa": 0.5, "sides.Q.elite.h0": 0.5})
    assert len(err.value.problems) == 2
    with pytest.raises(ScenarioError, match="outside the horizon"):
        with_knobs(sc, inclusion_start="2030-01")


@given(
    runs=st.integers(1, 10**6),
    months=st.integers(1, 1200),
    issues=st.integers(1, 20),
    cells=st.integers(1, 64),
)
def test_cost_budget_refuses_exactly_the_jobs_over_it(runs, months, issues, cells):
    limits = Limits(max_cost=50_000_000)
    problem = cost_problem(runs, months, issues, cells, limits)
    assert (problem is None) == (job_cost(runs, months, issues, cells) <= limits.max_cost)
    if problem:
        fit = int(problem.rsplit("at most ", 1)[1].split()[0].replace(",", ""))
        assert fit == 1 or job_cost(fit, months, issues, cells) <= limits.max_cost


@pytest.mark.parametrize(
    "name", ["../x.duckdb", "/etc/passwd", "a/b.duckdb", "x.db", ".hidden.duckdb", "..duckdb"]
)
def test_store_names_outside_the_folder_are_refused(tmp_path: Path, name: str):
    with pytest.raises(StoreNotFound):
        store_path(tmp_path, name)


def test_store_name_resolves_inside_the_folder(tmp_path: Path):
    assert store_path(tmp_path, "detente-results.duckdb") == tmp_path.resolve() / "detente-results.duckdb"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port"),
        (["--backend", "gpu"], "--backend"),
        (["--backend", "numpy"], "--backend"),
        (["--shutdown-grace", "-1"], "--shutdown-grace"),
        (["--max-jobs", "0"], "--max-jobs"),
        (["--results-dir", "/no/such/folder"], "--results-dir"),
    ],
)
def test_serve_refuses_bad_options_without_a_traceback(args, message):
    result = CliRunner().invoke(cli_app, ["serve", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_serve_allows_the_bound_host_and_named_hosts_but_not_wildcards():
    from detente.cli.serve import _allowed_hosts

    assert _allowed_hosts("127.0.0.1", []) == ["127.0.0.1"]
    assert _allowed_hosts("0.0.0.0", ["Box.LAN", " "]) == ["box.lan"]
    assert _allowed_hosts("::", ["[fe80::1]"]) == ["fe80::1"]


@settings(max_examples=15, deadline=None)
@given(offset=st.integers(0, 120))
def test_moving_a_schedule_start_and_back_restores_the_scenario(offset):
    from detente.scenario.schema import month_label

    sc = detente.load_scenario("reset-2009")
    month = month_label(sc.start, offset)
    moved = with_knobs(sc, threat_start=month)
    assert schedule_start(moved, "threat") == month
    back = with_knobs(moved, threat_start=schedule_start(sc, "threat"))
    assert back.content_hash() == sc.content_hash()
