"""Event tables that are refused (issue 9 item 8): duplicate or unnamed headers, ragged rows, empty files,
non-finite numbers, bad encodings and too many rows; each an ``EventDataError`` naming the row/column."""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detente
from detente.errors import DetenteError, EventDataError
from detente.history.events import load_events, load_periods
from detente.scenario.events import validate_rows

HEADER = "date,actor,target,kind,goldstein,dyad_valence"
ROW = "2000-01-01,USA,RUS,agree,3,1"


def _refused(path, **kw) -> list[str]:
    with pytest.raises(EventDataError) as info:
        load_events(str(path), **kw)
    assert isinstance(info.value, DetenteError)
    text = "\n".join(info.value.problems)
    assert "Traceback" not in text
    return info.value.problems


def _csv(tmp_path, text: str, name: str = "ev.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_table_loads(tmp_path):
    table = load_events(str(_csv(tmp_path, f"{HEADER}\n{ROW}\n\n{ROW}\n")))
    assert len(table) == 2  # blank lines are skipped


def test_duplicate_header_names_both_columns(tmp_path):
    problems = _refused(_csv(tmp_path, f"{HEADER},goldstein\n{ROW},2\n"))
    assert len(problems) == 1
    assert "ev.csv:1: header: column 'goldstein' appears twice (columns 5 and 7)" in problems[0]


def test_unnamed_header_column(tmp_path):
    problems = _refused(_csv(tmp_path, f"{HEADER},\n{ROW},x\n"))
    assert "header: column 7 has no name" in problems[0]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (f"{ROW},extra", ["has 7 cells", "6 columns", "too many"]),
        ("2000-01-01,USA,RUS", ["has 3 cells", "too few"]),
    ],
)
def test_ragged_rows_name_row_and_line(tmp_path, row, words):
    problems = _refused(_csv(tmp_path, f"{HEADER}\n{ROW}\n\n{row}\n"))
    assert len(problems) == 1
    assert "ev.csv: row 2 (line 4): " in problems[0], problems
    for word in words:
        assert word in problems[0]


@pytest.mark.parametrize(
    ("text", "word"),
    [("", "empty (0 bytes)"), ("\n\n  \n", "empty (blank)"), (f"{HEADER}\n", "header but no rows")],
)
def test_empty_files(tmp_path, text, word):
    problems = _refused(_csv(tmp_path, text))
    assert len(problems) == 1 and word in problems[0] and "ev.csv" in problems[0]


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ("2000-01-01,USA,RUS,agree,nan,1", "goldstein"),
        ("2000-01-01,USA,RUS,agree,inf,1", "goldstein"),
        ("2000-01-01,USA,RUS,agree,-1e999,1", "goldstein"),
        ("2000-01-01,USA,RUS,agree,3,nan", "dyad_valence"),
        ("2000-01-01,USA,RUS,agree,3,True", "dyad_valence"),
        ("2000-02-30,USA,RUS,agree,3,1", "date"),
        ("2000-13-01,USA,RUS,agree,3,1", "date"),
    ],
)
def test_bad_cells_name_row_and_column(tmp_path, cells, column):
    problems = _refused(_csv(tmp_path, f"{HEADER}\n{ROW}\n{cells}\n"))
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'ev.csv'}: row 2 (line 3): column '{column}': "), problems


@pytest.mark.parametrize("lr", ["nan", "inf", "1e999", "0", "-2", "true"])
def test_bad_likelihood_ratio(tmp_path, lr):
    problems = _refused(_csv(tmp_path, f"date,actor,target,kind,lr\n2000-01-01,USA,RUS,agree,{lr}\n"))
    assert "row 1 (line 2): column 'lr': expected a positive, finite likelihood ratio" in problems[0]


def test_row_limit_refused_while_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("DETENTE_MAX_EVENTS", "5")
    problems = _refused(_csv(tmp_path, HEADER + "\n" + "\n".join([ROW] * 50) + "\n"))
    assert "over the limit of 5" in problems[0] and "DETENTE_MAX_EVENTS" in problems[0]
    with pytest.raises(EventDataError, match="DETENTE_MAX_EVENTS"):
        load_events([{"date": "2000-01-01"}] * 6)


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        ("\ufeffdate".encode("utf-16"), "UTF-16"),
        (f"{HEADER}\n{ROW}\n".encode("utf-32"), "UTF-32"),
        (b"date,actor\n\xff\xfe\x00\x01garbage", "not"),
        (f"{HEADER}\n2000-01-01,M\xfcnchen,RUS,agree,3,1\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_encodings_refused_by_name(tmp_path, raw, word):
    path = tmp_path / "ev.csv"
    path.write_bytes(raw)
    problems = _refused(path)
    assert "ev.csv" in problems[0] and word in problems[0]


def test_parquet_duplicate_columns_and_empty(tmp_path):
    path = tmp_path / "dup.parquet"
    table = pa.Table.from_arrays(
        [pa.array(["2000-01-01"]), pa.array([1.0]), pa.array([2.0])], names=["date", "g", "g"]
    )
    pq.write_table(table, path)
    assert "'g' appear more than once" in _refused(path)[0]
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"date": pa.array([], pa.string())}), empty)
    assert "no rows" in _refused(empty)[0]


def test_parquet_nan_means_missing_but_inline_nan_is_refused(tmp_path):
    rows = [
        {
            "date": "2000-01-01",
            "actor": "USA",
            "target": "RUS",
            "kind": "agree",
            "goldstein": math.nan,
            "lr": 2.0,
        }
    ]
    path = tmp_path / "ok.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    assert len(load_events(str(path))) == 1
    _, problems = validate_rows([{**rows[0], "lr": math.nan, "goldstein": 1.0, "dyad_valence": 1}], "inline")
    assert any("'lr'" in p and "nan" in p for p in problems), problems


def test_yaml_event_file_bad_date_and_empty_list(tmp_path):
    path = tmp_path / "ev.yaml"
    path.write_text(
        "events:\n  - {date: 2010-02-30, actor: USA, target: RUS, kind: agree, goldstein: 1, dyad_valence: 1}\n",
        encoding="utf-8",
    )
    assert _refused(path)[0].endswith("row 1: column 'date': expected a date YYYY-MM-DD, got '2010-02-30'")
    path.write_text("events: []\n", encoding="utf-8")
    assert "empty" in _refused(path)[0]
    path.write_text("events:\n  - {date: 2010-01-01, actor: USA, actor: RUS}\n", encoding="utf-8")
    assert "duplicate key 'actor'" in _refused(path)[0]


def test_periods_table_shape_checked(tmp_path):
    path = _csv(tmp_path, "year,regime,regime\n1992,adversarial,adversarial\n", "periods.csv")
    with pytest.raises(EventDataError, match="column 'regime' appears twice"):
        load_periods(str(path))
    with pytest.raises(EventDataError, match="periods table is empty"):
        load_periods(str(_csv(tmp_path, "", "p2.csv")))


def test_history_cli_exit_2_for_a_ragged_table(tmp_path):
    from typer.testing import CliRunner

    from detente.cli import app

    path = _csv(tmp_path, f"{HEADER}\n{ROW},oops\n")
    result = CliRunner().invoke(app, ["history", "--scenario", "reset-2009", "--events", str(path)])
    assert result.exit_code == 2, result.output
    assert "row 1 (line 2): has 7 cells" in result.output and "Traceback" not in result.output


def test_validation_lives_in_scenario_package():
    """Layering (issue 10 item 3): history re-exports the row validation of scenario.events."""
    import detente.history.events as hist
    import detente.scenario.events as rows

    assert hist.validate_rows is rows.validate_rows and hist.EventTable is rows.EventTable
    import inspect

    source = inspect.getsource(rows)
    assert "from detente.history" not in source and "import detente.history" not in source


CELL = st.one_of(
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.booleans(),
    st.none(),
)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(
                ["date", "actor", "target", "kind", "goldstein", "dyad_valence", "lr", "observer"]
            ),
            CELL,
        ),
        max_size=5,
    )
)
def test_random_rows_validate_or_name_the_problem(rows):
    """Random inline rows never crash: either a table, or problems each naming a row or the missing columns."""
    table, problems = validate_rows(rows, "inline", sides=("W", "R"), where=lambda i, c: f"events.{i}.{c}")
    if problems:
        assert table is None
        for p in problems:
            assert p.startswith(("events.", "inline: missing column")), p
    else:
        assert len(table) == len(rows)
        assert all(math.isfinite(g) for g in table.goldstein if not math.isnan(g))
        assert all(math.isfinite(x) for x in table.lr if not math.isnan(x))


def test_inline_history_rows_checked_by_the_schema():
    data = detente.load_scenario("reset-2009").model_dump(mode="json")
    data["history"]["events"] = [
        {
            "date": "2000-01-01",
            "actor": "USA",
            "target": "RUS",
            "kind": "agree",
            "goldstein": "inf",
            "dyad_valence": 1,
        }
    ]
    with pytest.raises(DetenteError) as info:
        detente.load_scenario(data)
    assert any("history.events.0.goldstein: " in p for p in info.value.problems), info.value.problems


@pytest.mark.parametrize("year", ["1e300", "nan", "0", "10000", "1992.5", "true"])
def test_periods_year_must_be_a_calendar_year(tmp_path, year):
    path = _csv(tmp_path, f"year,regime\n1992,adversarial\n{year},adversarial\n", "periods.csv")
    with pytest.raises(EventDataError) as info:
        load_periods(str(path))
    assert info.value.problems[0].startswith(f"{path}: row 2 (line 3): column 'year': expected a year"), (
        info.value
    )
