"""Vectorised matches and Axelrod-style round-robin tournaments between doctrines.

Every match (pairing × repetition) advances together, turn by turn, as numpy arrays over one combined
state table. Draws come from :mod:`detente.rng` keyed by (seed, match, turn, site), so a
match's result never depends on chunking or on which other matches are played alongside it.
Scoring mirrors Axelrod-Python 4.13: self-play matches are played but left out of the normalised
scores, a player's normalised score in a repetition is its mean score per turn over its opponents, and
players are ranked by the median of that over repetitions (stable sort, so ties keep input order).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.errors import DetenteError
from detente.limits import check_seed, over_limit
from detente.model.doctrines import DEFAULT_TOURNAMENT, Doctrine, Payoffs, doctrine
from detente.rng import run_keys, site_bits, step_keys

_SITE_CHOICE, _SITE_NOISE = 0, 1
_TWO32 = 2.0**32
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_ONE8 = np.uint8(1)
_CELLS_PER_CHUNK = 1 << 21


@dataclass(frozen=True)
class MatchResults:
    """Counts from a batch of matches: cooperations per seat ``coop`` (M, 2), mutual ``cc`` (M,).

    ``moves`` (turns, M, 2), True = cooperated, is kept only when asked for.
    """

    turns: int
    coop: np.ndarray
    cc: np.ndarray
    moves: np.ndarray | None = None

    def outcomes(self) -> np.ndarray:
        """Counts of (CC, CD, DC, DD) per match from seat 0's side, shape (M, 4)."""
        ca, cb = self.coop[:, 0], self.coop[:, 1]
        return np.stack([self.cc, ca - self.cc, cb - self.cc, self.turns - ca - cb + self.cc], axis=1)

    def scores(self, payoffs: Payoffs = Payoffs()) -> np.ndarray:
        """Total score of each seat per match, shape (M, 2)."""
        R, S, T, P = (float(v) for v in payoffs)
        out = self.outcomes().astype(np.float64)
        return np.stack([out @ [R, S, T, P], out @ [R, T, S, P]], axis=1)


def _compile(doctrines: Sequence[Doctrine]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate state tables: offsets, initial global states, p_coop and flat next-state table."""
    sizes = np.array([d.n_states for d in doctrines])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    p = np.concatenate([np.asarray(d.p_coop, dtype=np.float64) for d in doctrines])
    nxt = np.concatenate(
        [
            np.asarray(d.next_state, dtype=np.intp).reshape(-1) + off
            for d, off in zip(doctrines, offsets, strict=True)
        ]
    )
    initial = offsets + np.array([d.initial for d in doctrines], dtype=np.intp)
    return offsets, initial, p, nxt


def play_matches(
    doctrines: Sequence[Doctrine],
    seat_a: np.ndarray,
    seat_b: np.ndarray,
    keys: np.ndarray,
    turns: int,
    noise: float = 0.0,
    flips: np.ndarray | None = None,
    record: bool = False,
) -> MatchResults:
    """Play matches ``doctrines[seat_a[m]]`` vs ``doctrines[seat_b[m]]``, one per key, all at once.

    Each turn both players draw their intended move (site 0: 32-bit uniforms, seat 0 high half, seat 1
    low half) and each intended move is flipped with probability ``noise`` (site 1, same split).
    ``flips`` (turns, M, 2) forces extra flips, for experiments with scripted errors.
    """
    _, initial, p, nxt = _compile(doctrines)
    seat_a, seat_b = np.asarray(seat_a, dtype=np.intp), np.asarray(seat_b, dtype=np.intp)
    keys = np.asarray(keys, dtype=np.uint64)
    state = 4 * np.stack([initial[seat_a], initial[seat_b]])  # (2, M) of 4·state: row = seat
    m = len(keys)
    stochastic = any(doctrines[i].stochastic for i in np.union1d(seat_a, seat_b))
    # u < p with u = k·2⁻³² (k a 32-bit integer) is exactly k < ceil(p·2³²): no float conversions needed.
    threshold = np.repeat(np.ceil(p * _TWO32).astype(np.uint64), 4)
    always_d = np.repeat(p < 0.5, 4)
    next4 = 4 * nxt
    if stochastic or noise > 0:
        sk = step_keys(keys[None, :], np.arange(turns)[:, None])
    if stochastic:
        bits = site_bits(sk, _SITE_CHOICE)
        draws = np.stack([bits >> _S32, bits & _LOW32], axis=1)  # (turns, 2, M)
    if noise > 0:
        bits = site_bits(sk, _SITE_NOISE)
        cut = np.uint64(math.ceil(noise * _TWO32))
        noise_flips = np.stack([(bits >> _S32) < cut, (bits & _LOW32) < cut], axis=1)
    if flips is not None:
        forced = np.moveaxis(np.asarray(flips, dtype=bool), 2, 1)
    defections = np.zeros((2, m), dtype=np.int64)
    mutual_d = np.zeros(m, dtype=np.int64)
    moves = np.empty((turns, m, 2), dtype=bool) if record else None
    for t in range(turns):
        d = draws[t] >= threshold.take(state) if stochastic else always_d.take(state)
        if noise > 0:
            d = d ^ noise_flips[t]
        if flips is not None:
            d = d ^ forced[t]
        defections += d
        mutual_d += d[0] & d[1]
        if record:
            moves[t] = ~d.T
        d8 = d.view(np.uint8)
        state = next4.take(state + ((d8 << _ONE8) | d8[::-1]))
    coop = turns - defections.T
    return MatchResults(turns, coop, coop[:, 0] + coop[:, 1] - turns + mutual_d, moves)


def match_run_index(repetition: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Global run index of match (i vs j, repetition): independent of player count and repetitions."""
    rep = np.asarray(repetition, dtype=np.uint64)
    return (
        (rep << np.uint64(32))
        | (np.asarray(i, dtype=np.uint64) << np.uint64(16))
        | np.asarray(j, dtype=np.uint64)
    )


@dataclass(frozen=True)
class TournamentResult:
    """Per-match counts of a round robin and the Axelrod-style summaries derived from them.

    ``pairs`` (K, 2) lists pairings i ≤ j (self-play included); ``coop`` and ``cc`` have shape
    (K, repetitions, 2) and (K, repetitions); repetitions are numbered from ``first_repetition``.
    """

    doctrines: tuple[Doctrine, ...]
    turns: int
    repetitions: int
    noise: float
    seed: int
    payoffs: Payoffs
    pairs: np.ndarray
    coop: np.ndarray
    cc: np.ndarray
    first_repetition: int = 0
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """Doctrine names in input order."""
        return [d.name for d in self.doctrines]

    @property
    def match_scores(self) -> np.ndarray:
        """Total score of each seat per match, shape (K, repetitions, 2)."""
        if "scores" not in self._cache:
            k, r = self.cc.shape
            res = MatchResults(self.turns, self.coop.reshape(k * r, 2), self.cc.reshape(-1))
            self._cache["scores"] = res.scores(self.payoffs).reshape(k, r, 2)
        return self._cache["scores"]

    def _versus(self) -> tuple[np.ndarray, np.ndarray]:
        """Score (n, n, reps) of i against j, and cooperations; diagonal = mean of both seats."""
        if "versus" in self._cache:
            return self._cache["versus"]
        n = len(self.doctrines)
        score = np.zeros((n, n, self.repetitions))
        coop = np.zeros((n, n, self.repetitions))
        for k, (i, j) in enumerate(self.pairs):
            if i == j:
                score[i, i] = self.match_scores[k].mean(axis=1)
                coop[i, i] = self.coop[k].mean(axis=1)
            else:
                score[i, j], score[j, i] = self.match_scores[k, :, 0], self.match_scores[k, :, 1]
                coop[i, j], coop[j, i] = self.coop[k, :, 0], self.coop[k, :, 1]
        self._cache["versus"] = score, coop
        return score, coop

    @property
    def payoff_matrix(self) -> np.ndarray:
        """Mean score per turn of row player against column player (n, n), as Axelrod's ``payoff_matrix``."""
        return self._versus()[0].mean(axis=2) / self.turns

    @property
    def scores(self) -> np.ndarray:
        """Total score of each player per repetition over its opponents, self-play excluded (n, reps)."""
        score = self._versus()[0]
        n = len(self.doctrines)
        return np.where(np.eye(n, dtype=bool)[:, :, None], 0.0, score).sum(axis=1)

    @property
    def normalised_scores(self) -> np.ndarray:
        """Mean score per turn over opponents, self-play excluded, per repetition (n, reps)."""
        n = len(self.doctrines)
        return self.scores / (self.turns * (n - 1))

    @property
    def wins(self) -> np.ndarray:
        """Matches won (strictly higher total score), self-play excluded, per repetition (n, reps)."""
        n = len(self.doctrines)
        wins = np.zeros((n, self.repetitions), dtype=np.int64)
        for k, (i, j) in enumerate(self.pairs):
            if i != j:
                a, b = self.match_scores[k, :, 0], self.match_scores[k, :, 1]
                wins[i] += a > b
                wins[j] += b > a
        return wins

    @property
    def cooperation_rate(self) -> np.ndarray:
        """Share of turns each player cooperated against other players (n,)."""
        coop = self._versus()[1]
        n = len(self.doctrines)
        total = coop.sum(axis=(1, 2)) - coop[np.arange(n), np.arange(n)].sum(axis=1)
        return total / (self.turns * self.repetitions * (n - 1))

    @property
    def ranking(self) -> list[int]:
        """Player indices by descending median normalised score (stable: ties keep input order)."""
        medians = np.nanmedian(self.normalised_scores, axis=1)
        return sorted(range(len(self.doctrines)), key=lambda i: -medians[i])

    @property
    def ranked_names(self) -> list[str]:
        """Names in ranking order."""
        return [self.doctrines[i].name for i in self.ranking]

    def table(self) -> list[dict[str, Any]]:
        """One row per player in rank order: median and mean normalised score, wins, cooperation."""
        norm, wins, coop = self.normalised_scores, self.wins, self.cooperation_rate
        return [
            {
                "rank": rank,
                "name": self.doctrines[i].name,
                "median_score": float(np.median(norm[i])),
                "mean_score": float(norm[i].mean()),
                "median_wins": float(np.median(wins[i])),
                "total_wins": int(wins[i].sum()),
                "cooperation_rate": float(coop[i]),
            }
            for rank, i in enumerate(self.ranking, start=1)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: settings, ranking table and payoff matrix."""
        return {
            "strategies": self.names,
            "turns": self.turns,
            "repetitions": self.repetitions,
            "noise": self.noise,
            "seed": self.seed,
            "payoffs": dict(self.payoffs._asdict()),
            "ranking": self.table(),
            "payoff_matrix": self.payoff_matrix.tolist(),
        }


def _validate(
    names: Sequence[str | Doctrine], turns: int, repetitions: int, noise: float, payoffs: Sequence[float]
) -> list[str]:
    problems = []
    if len(names) < 2:
        problems.append(f"strategies: a tournament needs at least 2 strategies, got {len(names)}")
    if not isinstance(turns, int | np.integer) or turns < 1:
        problems.append(f"turns: expected a positive integer, got {turns!r}")
    elif over := over_limit("turns", "turns", int(turns), "turns per match"):
        problems.append(over)
    if not isinstance(repetitions, int | np.integer) or repetitions < 1:
        problems.append(f"repetitions: expected a positive integer, got {repetitions!r}")
    elif not problems:  # matches and their turns, counted before anything is allocated
        matches = len(names) * (len(names) + 1) // 2 * int(repetitions)
        what = f"matches ({len(names)} strategies, {int(repetitions):,} repetitions)"
        over = over_limit("repetitions", "runs", matches, what) or over_limit(
            "turns", "cost", matches * int(turns), f"match-turns ({matches:,} matches)"
        )
        if over:
            problems.append(over)
    if not (isinstance(noise, int | float) and 0.0 <= noise <= 1.0):
        problems.append(f"noise: expected a probability in [0, 1], got {noise!r}")
    if len(payoffs) != 4 or not all(isinstance(v, int | float) and math.isfinite(v) for v in payoffs):
        problems.append(f"payoffs: expected four finite numbers R,S,T,P, got {payoffs!r}")
    return problems


def play_tournament(
    strategies: Sequence[str | Doctrine] = DEFAULT_TOURNAMENT,
    *,
    turns: int = 200,
    repetitions: int = 20,
    noise: float = 0.0,
    seed: int = 1,
    payoffs: Sequence[float] = Payoffs(),
    chunk_size: int | None = None,
    first_repetition: int = 0,
) -> TournamentResult:
    """Round robin (self-play included) of ``strategies`` (names or :class:`Doctrine`s).

    ``chunk_size`` bounds how many matches are advanced together; ``first_repetition`` numbers the
    repetitions, so a tournament can be split across calls. Neither changes any match's result.
    """
    if isinstance(strategies, str | Doctrine):
        strategies = [strategies]
    problems = _validate(strategies, turns, repetitions, noise, payoffs)
    try:
        check_seed("seed", seed)
    except DetenteError as err:
        problems.extend(err.problems)
    if len(strategies) > 1 << 16:
        problems.append(f"strategies: at most {1 << 16} players, got {len(strategies)}")
    if not 0 <= first_repetition < 1 << 31:
        problems.append(f"first_repetition: expected an integer in [0, 2**31), got {first_repetition!r}")
    doctrines: list[Doctrine] = []
    for s in strategies:
        if isinstance(s, Doctrine):
            doctrines.append(s)
        else:
            try:
                doctrines.append(doctrine(s, Payoffs(*payoffs) if not problems else Payoffs()))
            except DetenteError as err:
                problems.extend(err.problems)
    if problems:
        raise DetenteError(problems)
    pay = Payoffs(*(float(v) for v in payoffs))
    pairs = np.array(list(itertools.combinations_with_replacement(range(len(doctrines)), 2)), dtype=np.intp)
    k = len(pairs)
    reps = np.arange(first_repetition, first_repetition + repetitions)
    pi = np.repeat(pairs[:, 0], repetitions)
    pj = np.repeat(pairs[:, 1], repetitions)
    pr = np.tile(reps, k)
    keys = run_keys(seed, match_run_index(pr, pi, pj))
    total = len(keys)
    step = max(1, _CELLS_PER_CHUNK // turns) if chunk_size is None else max(1, int(chunk_size))
    coop = np.empty((total, 2), dtype=np.int64)
    cc = np.empty(total, dtype=np.int64)
    for lo in range(0, total, step):
        sl = slice(lo, lo + step)
        res = play_matches(doctrines, pi[sl], pj[sl], keys[sl], turns, float(noise))
        coop[sl], cc[sl] = res.coop, res.cc
    return TournamentResult(
        tuple(doctrines),
        int(turns),
        int(repetitions),
        float(noise),
        int(seed),
        pay,
        pairs,
        coop.reshape(k, repetitions, 2),
        cc.reshape(k, repetitions),
        int(first_repetition),
    )
