"""Doctrine tables, the vectorised engine's invariants (hypothesis) and the ``detente tournament`` CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.cli.tournament import register
from detente.errors import DetenteError
from detente.model.doctrines import DEFAULT_TOURNAMENT, Payoffs, doctrine, doctrine_names, memory_one
from detente.model.tournament import play_matches, play_tournament
from detente.rng import run_keys

DETERMINISTIC = [
    "Cooperator",
    "Defector",
    "TitForTat",
    "Grudger",
    "TitFor2Tats",
    "WinStayLoseShift",
    "ContriteTFT",
]


def _play(a: str, b: str, turns: int, flips=None, noise: float = 0.0, n: int = 1, seed: int = 0):
    return play_matches(
        [doctrine(a), doctrine(b)],
        np.zeros(n, dtype=int),
        np.ones(n, dtype=int),
        run_keys(seed, np.arange(n)),
        turns,
        noise,
        flips,
        record=True,
    )


def _moves(res) -> str:
    return " ".join("".join("C" if c else "D" for c in row) for row in res.moves[:, 0, :])


def test_names_and_aliases() -> None:
    assert doctrine_names() == [*DEFAULT_TOURNAMENT[:-1], "GTFT", "ContriteTFT", "Random"]
    for alias, name in [
        ("tft", "TitForTat"),
        ("Grim", "Grudger"),
        ("pavlov", "WinStayLoseShift"),
        ("win-stay lose-shift", "WinStayLoseShift"),
        ("CTFT", "ContriteTFT"),
        ("tf2t", "TitFor2Tats"),
    ]:
        assert doctrine(alias).name == name
    with pytest.raises(DetenteError, match=r"unknown strategy 'Nice'.*TitForTat.*Random"):
        doctrine("Nice")


def test_scripted_behaviour() -> None:
    assert _moves(_play("TitFor2Tats", "Defector", 4)) == "CD CD DD DD"
    assert _moves(_play("Grudger", "WinStayLoseShift", 5)) == "CC CC CC CC CC"
    assert _moves(_play("WinStayLoseShift", "Defector", 5)) == "CD DD CD DD CD"
    assert _moves(_play("Grudger", "TitForTat", 5, flips=_flip(5, 1, 1))) == "CC CD DC DD DD"
    assert _moves(_play("ContriteTFT", "Defector", 4)) == "CD DD DD DD"


def test_memory_one_reproduces_tft_and_wsls() -> None:
    keys = run_keys(2, np.arange(50))
    seats = np.arange(50) % 3, (np.arange(50) // 3) % 3
    for four, name in [((1, 0, 1, 0), "TitForTat"), ((1, 0, 0, 1), "WinStayLoseShift")]:
        ours = [memory_one(four), doctrine("Random"), doctrine("Defector")]
        ref = [doctrine(name), doctrine("Random"), doctrine("Defector")]
        a = play_matches(ours, *seats, keys, 30, 0.1)
        b = play_matches(ref, *seats, keys, 30, 0.1)
        assert np.array_equal(a.coop, b.coop) and np.array_equal(a.cc, b.cc)


def test_ctft_equals_tft_without_noise() -> None:
    others = [doctrine(n) for n in [*DETERMINISTIC, "Random", "GTFT"]]
    n = len(others)
    keys = run_keys(4, np.arange(n))
    ctft = play_matches([doctrine("ContriteTFT"), *others], np.zeros(n, int), np.arange(1, n + 1), keys, 60)
    tft = play_matches([doctrine("TitForTat"), *others], np.zeros(n, int), np.arange(1, n + 1), keys, 60)
    assert np.array_equal(ctft.coop, tft.coop)


def _flip(turns: int, at: int, seat: int) -> np.ndarray:
    flips = np.zeros((turns, 1, 2), dtype=bool)
    flips[at, 0, seat] = True
    return flips


@settings(max_examples=40, deadline=None)
@given(
    a=st.sampled_from(DETERMINISTIC),
    b=st.sampled_from(DETERMINISTIC),
    turns=st.integers(1, 40),
    data=st.data(),
)
def test_mirror_pairings_have_mirrored_scores(a: str, b: str, turns: int, data: st.DataObject) -> None:
    flips = np.array(data.draw(st.lists(st.booleans(), min_size=2 * turns, max_size=2 * turns))).reshape(
        turns, 1, 2
    )
    ab = _play(a, b, turns, flips)
    ba = _play(b, a, turns, flips[:, :, ::-1].copy())
    assert np.array_equal(ab.scores(), ba.scores()[:, ::-1])
    assert np.array_equal(ab.moves, ba.moves[:, :, ::-1])


@settings(max_examples=30, deadline=None)
@given(
    turns=st.integers(1, 300),
    pay=st.tuples(*(st.integers(-5, 10) for _ in range(4))),
)
def test_cooperator_vs_defector_exact(turns: int, pay: tuple[int, int, int, int]) -> None:
    res = play_tournament(["Cooperator", "Defector"], turns=turns, repetitions=2, payoffs=pay)
    _r, S, T, _p = pay
    k = [tuple(p) for p in res.pairs.tolist()].index((0, 1))
    assert res.match_scores[k].tolist() == [[turns * S, turns * T]] * 2
    assert res.normalised_scores.tolist() == [[S, S], [T, T]]


@settings(max_examples=15, deadline=None)
@given(
    chunk=st.integers(1, 60),
    split=st.integers(1, 4),
    noise=st.sampled_from([0.0, 0.05, 0.5]),
    seed=st.integers(0, 2**40),
)
def test_results_do_not_depend_on_chunking_or_repetition_splits(
    chunk: int, split: int, noise: float, seed: int
) -> None:
    names = ["TitForTat", "Random", "GTFT", "WinStayLoseShift", "ContriteTFT"]
    kw = {"turns": 25, "noise": noise, "seed": seed}
    whole = play_tournament(names, repetitions=5, **kw)
    chunked = play_tournament(names, repetitions=5, chunk_size=chunk, **kw)
    first = play_tournament(names, repetitions=split, **kw)
    rest = play_tournament(names, repetitions=5 - split, first_repetition=split, **kw) if split < 5 else None
    assert np.array_equal(whole.coop, chunked.coop) and np.array_equal(whole.cc, chunked.cc)
    parts = [first.coop] + ([rest.coop] if rest else [])
    assert np.array_equal(whole.coop, np.concatenate(parts, axis=1))
    extra = play_tournament([*names, "Defector"], repetitions=5, **kw)  # appending a player changes no match
    keep = [k for k, (i, j) in enumerate(extra.pairs.tolist()) if j < len(names)]
    assert np.array_equal(whole.coop, extra.coop[keep])


def test_same_seed_same_result_and_seed_matters() -> None:
    a = play_tournament(turns=50, repetitions=3, noise=0.1, seed=9)
    b = play_tournament(turns=50, repetitions=3, noise=0.1, seed=9)
    c = play_tournament(turns=50, repetitions=3, noise=0.1, seed=10)
    assert np.array_equal(a.coop, b.coop) and a.table() == b.table()
    assert not np.array_equal(a.coop, c.coop)


def test_noise_one_flips_everything() -> None:
    res = _play("Cooperator", "Defector", 10, noise=1.0)
    assert _moves(res) == " ".join(["DC"] * 10)


def test_tournament_summaries_are_consistent() -> None:
    res = play_tournament(turns=30, repetitions=4, seed=2)
    n = len(DEFAULT_TOURNAMENT)
    assert res.pairs.shape == (n * (n + 1) // 2, 2)
    off = (res.payoff_matrix.sum(axis=1) - np.diag(res.payoff_matrix)) / (n - 1)
    np.testing.assert_allclose(res.normalised_scores.mean(axis=1), off, atol=1e-12)
    medians = np.median(res.normalised_scores, axis=1)
    assert list(medians[res.ranking]) == sorted(medians, reverse=True)
    # every match between two different players that is not drawn gives exactly one win
    other = res.pairs[:, 0] != res.pairs[:, 1]
    scores = res.match_scores[other]
    decided = int((scores[:, :, 0] != scores[:, :, 1]).sum())
    assert decided > 0
    assert sum(r["total_wins"] for r in res.table()) == decided
    assert [r["name"] for r in res.table()] == res.ranked_names
    assert res.to_dict()["ranking"][0]["name"] == res.ranked_names[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"turns": 0}, "turns: expected a positive integer"),
        ({"repetitions": -1}, "repetitions: expected a positive integer"),
        ({"noise": 1.5}, r"noise: expected a probability in \[0, 1\]"),
        ({"payoffs": (3, 0, 5)}, "payoffs: expected four finite numbers"),
        ({"strategies": ["TitForTat"]}, "at least 2 strategies"),
        ({"strategies": ["TitForTat", "Saint"]}, "unknown strategy 'Saint'"),
    ],
)
def test_bad_arguments_raise_user_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(DetenteError, match=message):
        play_tournament(**kwargs)


# --- CLI -------------------------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app holding the tournament command."""

    register(app)
    return app


def test_cli_table(cli: typer.Typer) -> None:
    res = CliRunner().invoke(cli, ["tournament", "--turns", "20", "--repetitions", "2"])
    assert res.exit_code == 0, res.output
    for name in DEFAULT_TOURNAMENT:
        assert name in res.output
    assert "Median score" in res.output


def test_cli_json_matches_api(cli: typer.Typer) -> None:
    args = [
        "tournament",
        "tft",
        "grim",
        "wsls",
        "random",
        "--turns",
        "30",
        "--repetitions",
        "3",
        "--noise",
        "0.05",
        "--seed",
        "4",
        "--json",
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    api = play_tournament(["tft", "grim", "wsls", "random"], turns=30, repetitions=3, noise=0.05, seed=4)
    assert payload["ranking"] == api.table()
    assert payload["payoffs"] == Payoffs()._asdict()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tournament", "tft", "Saint"], "unknown strategy 'Saint': expected one of Cooperator"),
        (["tournament", "--turns", "-5"], "turns: expected a positive integer, got -5"),
        (["tournament", "--noise", "1.5"], r"noise: expected a probability in [0, 1], got 1.5"),
        (["tournament", "--payoffs", "3,0"], "--payoffs: expected four comma-separated numbers"),
    ],
)
def test_cli_bad_flags_exit_2(cli: typer.Typer, args: list[str], message: str) -> None:
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_cli_list(cli: typer.Typer) -> None:
    res = CliRunner().invoke(cli, ["tournament", "--list"])
    assert res.exit_code == 0
    assert "Contrite Tit For Tat" in res.output
