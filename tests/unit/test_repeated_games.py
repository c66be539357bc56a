"""Analytic repeated-game facts of theory §4 / §10.8 (F12–F15), analytically and by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from detente.model.doctrines import (
    Payoffs,
    contrite_tft,
    doctrine,
    echo_survival,
    expected_echo_length,
    expected_outcomes,
    grim_threshold,
    gtft,
    gtft_forgiveness,
    gtft_reactivity,
    long_run_outcomes,
    mean_payoff,
    random_doctrine,
    stationary_distribution,
    tft_noise_chain,
    tft_noise_stationary,
    tft_threshold,
    tit_for_tat,
    win_stay_lose_shift,
)
from detente.model.tournament import play_matches
from detente.rng import run_keys

AXELROD = Payoffs(R=3, S=0, T=5, P=1)


def _pair(a, b, n: int, turns: int, noise: float = 0.0, seed: int = 5, flips=None, record=False):
    return play_matches(
        [a, b],
        np.zeros(n, dtype=int),
        np.ones(n, dtype=int),
        run_keys(seed, np.arange(n)),
        turns,
        noise,
        flips,
        record,
    )


def _within(x: np.ndarray, expected: float, k: float = 4.0) -> None:
    se = x.std(ddof=1) / np.sqrt(len(x))
    assert abs(x.mean() - expected) <= k * se, (x.mean(), expected, se)


# --- F12: shadow of the future ------------------------------------------------------------------


def test_f12_thresholds() -> None:
    assert grim_threshold(AXELROD) == pytest.approx(0.5, abs=1e-12)
    assert tft_threshold(AXELROD) == pytest.approx(2 / 3, abs=1e-12)


@pytest.mark.parametrize("payoffs", [AXELROD, Payoffs(4, 0, 6, 1), Payoffs(3, -1, 4, 0)])
def test_f12_thresholds_are_break_even_points(payoffs: Payoffs) -> None:
    R, S, T, P = payoffs
    w = grim_threshold(payoffs)
    assert R / (1 - w) == pytest.approx(T + w * P / (1 - w))  # grim vs one-shot deviation then ALL-D
    w = tft_threshold(payoffs)
    cooperate = R / (1 - w)
    all_d = T + w * P / (1 - w)
    alternate = (T + w * S) / (1 - w**2)
    assert cooperate >= max(all_d, alternate) - 1e-9
    assert min(abs(cooperate - all_d), abs(cooperate - alternate)) < 1e-9
    below = w - 1e-3
    assert R / (1 - below) < max(T + below * P / (1 - below), (T + below * S) / (1 - below**2))


# --- F13: TFT under noise --------------------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.05, 0.3])
def test_f13_tft_noise_stationary_is_uniform(eps: float) -> None:
    chain = tft_noise_chain(eps)
    np.testing.assert_allclose(chain.sum(axis=0), 1, atol=1e-12)  # doubly stochastic
    np.testing.assert_allclose(tft_noise_stationary(eps), 0.25, atol=1e-6)
    np.testing.assert_allclose(long_run_outcomes(tit_for_tat(), tit_for_tat(), eps), 0.25, atol=1e-6)
    assert mean_payoff(tft_noise_stationary(eps), AXELROD) == pytest.approx(2.25, abs=1e-6)


@pytest.mark.parametrize("eps", [0.05, 0.3])
def test_f13_simulated_tft_noise(eps: float) -> None:
    n, turns, burn = 1000, 400, 100
    res = _pair(tit_for_tat(), tit_for_tat(), n, turns, eps, record=True)
    ca, cb = res.moves[burn:, :, 0], res.moves[burn:, :, 1]
    for share in (ca & cb, ca & ~cb, ~ca & cb, ~ca & ~cb):
        _within(share.mean(axis=0), 0.25)
    pay = np.where(ca, np.where(cb, 3, 0), np.where(cb, 5, 1)).mean(axis=0)
    _within(pay, 2.25)
    exact = expected_outcomes(tit_for_tat(), tit_for_tat(), turns, eps) @ [3, 0, 5, 1] / turns
    _within(res.scores()[:, 0] / turns, exact)


# --- F14: generous TFT -----------------------------------------------------------------------------


def test_f14_gtft_analytic() -> None:
    q = gtft_forgiveness(AXELROD)
    assert q == pytest.approx(1 / 3, abs=1e-12)
    assert expected_echo_length(q) == pytest.approx(2.0, abs=1e-12)
    assert echo_survival(5, q) == pytest.approx(0.131687, abs=1e-6)
    assert gtft_reactivity(q, 0.02) == pytest.approx(0.64, abs=1e-12)
    assert gtft(payoffs=AXELROD).p_coop == (1.0, q)
    assert gtft(q=0.0).p_coop == tit_for_tat().p_coop


def test_f14_gtft_echo_simulated() -> None:
    n, turns = 20000, 40
    flips = np.zeros((turns, n, 2), dtype=bool)
    flips[0, :, 0] = True
    res = _pair(gtft(), gtft(), n, turns, flips=flips)
    retaliations = (2 * turns - res.coop.sum(axis=1)) - 1  # every D after the error
    _within(retaliations.astype(float), 2.0)
    _within((retaliations >= 5).astype(float), echo_survival(5, 1 / 3))
    for k in range(4):
        _within((retaliations >= k).astype(float), echo_survival(k, 1 / 3))


def test_f14_gtft_reactivity_simulated() -> None:
    n, turns, eps = 2000, 100, 0.02
    res = _pair(gtft(), random_doctrine(), n, turns, eps, record=True)
    mine, theirs = res.moves[1:, :, 0], res.moves[:-1, :, 1]
    after_c = mine[theirs].mean()
    after_d = mine[~theirs].mean()
    se = np.sqrt(after_c * (1 - after_c) / theirs.sum() + after_d * (1 - after_d) / (~theirs).sum())
    assert abs((after_c - after_d) - 0.64) <= 4 * se, (after_c - after_d, se)


# --- F15: contrite TFT, TFT and WSLS after one error ------------------------------------------------


def _after_error(a, turns: int = 10, at: int = 3) -> list[str]:
    flips = np.zeros((turns, 1, 2), dtype=bool)
    flips[at, 0, 0] = True
    moves = _pair(a, a, 1, turns, flips=flips, record=True).moves[:, 0, :]
    return ["".join("C" if c else "D" for c in row) for row in moves]


def test_f15_contrite_tft_one_retaliation() -> None:
    assert _after_error(contrite_tft()) == ["CC"] * 3 + ["DC", "CD"] + ["CC"] * 5


def test_f15_tft_unending_alternation() -> None:
    assert _after_error(tit_for_tat()) == ["CC"] * 3 + ["DC", "CD"] * 3 + ["DC"]


def test_f15_wsls_recovers_in_two_rounds() -> None:
    assert _after_error(win_stay_lose_shift()) == ["CC"] * 3 + ["DC", "DD"] + ["CC"] * 5


def test_f15_ctft_episode_cost() -> None:
    flips = np.zeros((10, 1, 2), dtype=bool)
    flips[3, 0, 0] = True
    scores = _pair(contrite_tft(), contrite_tft(), 1, 10, flips=flips).scores(AXELROD)[0]
    assert scores.tolist() == [8 * 3 + 5, 8 * 3 + 5]  # T + S = 5 each instead of 2R = 6


def test_stationary_distribution_of_random_chain() -> None:
    rng = np.random.default_rng(0)
    k = rng.random((5, 5))
    k /= k.sum(axis=1, keepdims=True)
    pi = stationary_distribution(k)
    np.testing.assert_allclose(pi @ k, pi, atol=1e-12)
    assert pi.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("a", "b", "noise"), [("WSLS", "TFT", 0.1), ("GTFT", "Random", 0.0), ("CTFT", "Grim", 0.05)]
)
def test_expected_outcomes_match_simulation(a: str, b: str, noise: float) -> None:
    n, turns = 3000, 30
    res = _pair(doctrine(a), doctrine(b), n, turns, noise)
    exact = expected_outcomes(doctrine(a), doctrine(b), turns, noise)
    outcomes = res.outcomes()
    for k in range(4):
        _within(outcomes[:, k].astype(float), exact[k])
