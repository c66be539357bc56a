"""Repeated-game doctrines as small finite-state machines, and analytic facts about them (theory §4).

A doctrine is a table: in each of its states it cooperates with some probability, and after each round it
moves to a new state given (its own actual move, the opponent's actual move). Memory-one strategies,
Grudger, Tit For 2 Tats and standing-based Contrite TFT all fit, so one vectorised engine
(:mod:`detente.model.tournament`) plays every pairing at once. Moves are coded 0 = C, 1 = D.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from detente.errors import DetenteError

C, D = 0, 1


class Payoffs(NamedTuple):
    """Symmetric 2×2 payoffs of the row player: reward R, sucker S, temptation T, punishment P."""

    R: float = 3.0
    S: float = 0.0
    T: float = 5.0
    P: float = 1.0


@dataclass(frozen=True)
class Doctrine:
    """A finite-state doctrine: ``p_coop[s]`` = Pr(intend C in state s); ``next_state[s][own][opp]``.

    ``name`` is the identifier used on the command line; ``label`` is the name Axelrod-Python prints.
    """

    name: str
    label: str
    p_coop: tuple[float, ...]
    next_state: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    initial: int = 0

    def __post_init__(self) -> None:
        n = len(self.p_coop)
        if len(self.next_state) != n or not 0 <= self.initial < n:
            raise ValueError(f"{self.name}: state table sizes do not match")
        if any(not 0.0 <= p <= 1.0 for p in self.p_coop):
            raise ValueError(f"{self.name}: cooperation probabilities must lie in [0, 1]")
        if any(not 0 <= s < n for row in self.next_state for pair in row for s in pair):
            raise ValueError(f"{self.name}: next_state refers to a missing state")

    @property
    def n_states(self) -> int:
        """Number of internal states."""
        return len(self.p_coop)

    @property
    def stochastic(self) -> bool:
        """True if some state cooperates with a probability strictly between 0 and 1."""
        return any(0.0 < p < 1.0 for p in self.p_coop)


def _table(
    rule: Callable[[int, int, int], int], n: int
) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    """Build ``next_state[s][own][opp]`` from a rule ``(s, own, opp) -> s'``."""
    return tuple(tuple(tuple(rule(s, own, opp) for opp in (C, D)) for own in (C, D)) for s in range(n))


def cooperator() -> Doctrine:
    """Always cooperates.

    Names:

    - Cooperator / ALL-C: [Axelrod 1984]
    """
    return Doctrine("Cooperator", "Cooperator", (1.0,), _table(lambda s, own, opp: 0, 1))


def defector() -> Doctrine:
    """Always defects.

    Names:

    - Defector / ALL-D: [Axelrod 1984]
    """
    return Doctrine("Defector", "Defector", (0.0,), _table(lambda s, own, opp: 0, 1))


def tit_for_tat() -> Doctrine:
    """Cooperates first, then copies the opponent's last move (state = opponent's last move).

    Winner of both of Axelrod's tournaments.

    Names:

    - Rapoport's strategy, Tit For Tat: [Axelrod 1980; Axelrod 1984]
    """
    return Doctrine("TitForTat", "Tit For Tat", (1.0, 0.0), _table(lambda s, own, opp: opp, 2))


def grudger() -> Doctrine:
    """Cooperates until the opponent's first defection, then defects forever.

    Names:

    - Friedman's strategy: [Axelrod 1980]
    - Grudger, Grim, Grim Trigger: [Friedman 1971; Axelrod 1984]
    """
    return Doctrine("Grudger", "Grudger", (1.0, 0.0), _table(lambda s, own, opp: max(s, opp), 2))


def tit_for_2_tats() -> Doctrine:
    """Cooperates unless the opponent defected in each of the last two rounds.

    State = length of the opponent's current run of defections, capped at 2.

    Names:

    - Tit For Two Tats: [Axelrod 1984]
    - JMaynardSmith: [Axelrod 1980b]
    """
    return Doctrine(
        "TitFor2Tats", "Tit For 2 Tats", (1.0, 1.0, 0.0), _table(lambda s, own, opp: min(s + 1, 2) * opp, 3)
    )


def win_stay_lose_shift() -> Doctrine:
    """Cooperates first; repeats its last move after R or T, switches after S or P.

    Equivalently: cooperates iff both players made the same move last round (state 1 = they differed).

    Names:

    - Win-Stay Lose-Shift: [Nowak & Sigmund 1993]
    - Pavlov: [Kraines & Kraines 1989]
    """
    return Doctrine(
        "WinStayLoseShift", "Win-Stay Lose-Shift", (1.0, 0.0), _table(lambda s, own, opp: int(own != opp), 2)
    )


def gtft(q: float | None = None, payoffs: Payoffs = Payoffs()) -> Doctrine:
    """Generous Tit For Tat: cooperates after the opponent's C; after a D, forgives with probability ``q``.

    ``q`` defaults to the largest forgiveness that still gives ALL-D no profit, :func:`gtft_forgiveness`
    (theory §4.4; 1/3 for (R,S,T,P) = (3,0,5,1)). GTFT with q = 0 is TFT.

    Names:

    - Generous Tit For Tat: [Nowak & Sigmund 1992]
    """
    q = gtft_forgiveness(payoffs) if q is None else float(q)
    return Doctrine("GTFT", f"GTFT: {round(q, 2)}", (1.0, q), _table(lambda s, own, opp: opp, 2))


_GOOD, _BAD = 0, 1


def _ctft_next(s: int, own: int, opp: int) -> int:
    """Standings after a round: a D keeps good standing only if aimed at a player in bad standing."""
    mine, theirs = divmod(s, 2)
    new_mine = _GOOD if own == C or theirs == _BAD else _BAD
    new_theirs = _GOOD if opp == C or mine == _BAD else _BAD
    return 2 * new_mine + new_theirs


def contrite_tft() -> Doctrine:
    """Contrite Tit For Tat (standing-based, theory §4.5).

    Each player has a standing, good or bad. Defecting against a player in good standing makes one bad;
    cooperating (or defecting against a bad player) makes one good. CTFT defects only when it is good
    and the opponent is bad. After its own mistaken D it accepts one punishment instead of retaliating,
    so a single error costs exactly one retaliatory D before mutual cooperation resumes. Without
    noise it plays exactly like Tit For Tat. State = 2·own standing + opponent's standing.

    Names:

    - Contrite Tit For Tat: [Sugden 1986; Boyd 1989; Wu & Axelrod 1995]
    """
    p = tuple(0.0 if divmod(s, 2) == (_GOOD, _BAD) else 1.0 for s in range(4))
    return Doctrine("ContriteTFT", "Contrite Tit For Tat", p, _table(_ctft_next, 4))


def random_doctrine(p: float = 0.5) -> Doctrine:
    """Cooperates with probability ``p`` every round, whatever happened.

    Names:

    - Random: [Axelrod 1980]
    - Lunatic: [Tzafestas 2000]
    """
    return Doctrine("Random", f"Random: {p}", (float(p),), _table(lambda s, own, opp: 0, 1))


def memory_one(four_vector: Sequence[float], first_coop: float = 1.0, name: str = "MemoryOne") -> Doctrine:
    """Memory-one doctrine ``(Pr(C|CC), Pr(C|CD), Pr(C|DC), Pr(C|DD))`` with Pr(C) = ``first_coop`` first.

    State 0 is the first round; state 1 + 2·own + opp is the last round's outcome.

    Names:

    - Memory One / reactive strategies: [Nowak & Sigmund 1990]
    """
    p = (float(first_coop), *map(float, four_vector))
    return Doctrine(name, name, p, _table(lambda s, own, opp: 1 + 2 * own + opp, 5))


_FACTORIES: dict[str, Callable[[Payoffs], Doctrine]] = {
    "Cooperator": lambda pay: cooperator(),
    "Defector": lambda pay: defector(),
    "TitForTat": lambda pay: tit_for_tat(),
    "Grudger": lambda pay: grudger(),
    "TitFor2Tats": lambda pay: tit_for_2_tats(),
    "WinStayLoseShift": lambda pay: win_stay_lose_shift(),
    "GTFT": lambda pay: gtft(payoffs=pay),
    "ContriteTFT": lambda pay: contrite_tft(),
    "Random": lambda pay: random_doctrine(),
}
_ALIASES = {
    "allc": "Cooperator",
    "alld": "Defector",
    "tft": "TitForTat",
    "grim": "Grudger",
    "grimtrigger": "Grudger",
    "tf2t": "TitFor2Tats",
    "titfortwotats": "TitFor2Tats",
    "wsls": "WinStayLoseShift",
    "pavlov": "WinStayLoseShift",
    "generoustitfortat": "GTFT",
    "ctft": "ContriteTFT",
    "contritetitfortat": "ContriteTFT",
}

DEFAULT_TOURNAMENT = (
    "Cooperator",
    "Defector",
    "TitForTat",
    "Grudger",
    "TitFor2Tats",
    "WinStayLoseShift",
    "Random",
)
"""The seven doctrines of the default tournament and the benchmark."""


def doctrine_names() -> list[str]:
    """Canonical names accepted by :func:`doctrine`."""
    return list(_FACTORIES)


def _key(name: str) -> str:
    return re.sub(r"[\s_\-:]", "", name).lower()


def doctrine(name: str, payoffs: Payoffs = Payoffs()) -> Doctrine:
    """The doctrine called ``name`` (case, spaces, '-' and '_' ignored; aliases such as tft, grim, wsls)."""
    lookup = {_key(n): n for n in _FACTORIES} | _ALIASES
    canonical = lookup.get(_key(name))
    if canonical is None:
        raise DetenteError(
            f"unknown strategy {name!r}: expected one of {', '.join(_FACTORIES)} "
            f"(aliases: {', '.join(sorted(_ALIASES))})"
        )
    return _FACTORIES[canonical](Payoffs(*payoffs))


# ---------------------------------------------------------------------------------------------------
# Analytic facts (theory §4, §10.8 F12–F15)


def grim_threshold(payoffs: Payoffs = Payoffs()) -> float:
    """Discount factor above which grim trigger is subgame perfect: (T − R)/(T − P) (theory §4.2)."""
    R, _S, T, P = payoffs
    return (T - R) / (T - P)


def tft_threshold(payoffs: Payoffs = Payoffs()) -> float:
    """Continuation probability above which TFT is collectively stable (Axelrod 1984, theory §4.2).

    max{(T − R)/(T − P) (vs ALL-D), (T − R)/(R − S) (vs alternation)}.
    """
    R, S, T, P = payoffs
    return max((T - R) / (T - P), (T - R) / (R - S))


def gtft_forgiveness(payoffs: Payoffs = Payoffs()) -> float:
    """Generous TFT's forgiveness q = min{1 − (T − R)/(R − S), (R − P)/(T − P)} (Nowak & Sigmund 1992)."""
    R, S, T, P = payoffs
    return min(1 - (T - R) / (R - S), (R - P) / (T - P))


def expected_echo_length(q: float) -> float:
    """Expected number of retaliatory defections between two GTFT(q) after one error: (1 − q)/q (§4.4)."""
    return (1 - q) / q


def echo_survival(n: int | np.ndarray, q: float) -> float | np.ndarray:
    """Pr(N ≥ n) = (1 − q)^n: the echo after one error between two GTFT(q) has at least n retaliations.

    Counting the error's round too, Pr(echo lasts more than 5 rounds) = echo_survival(5, q) (§4.4).
    """
    return (1 - q) ** np.asarray(n) if np.ndim(n) else (1 - q) ** n


def gtft_reactivity(q: float, noise: float, perception_noise: float = 0.0) -> float:
    """Pr(C | other C) − Pr(C | other D) of GTFT(q) under implementation noise: (1 − q)(1 − 2ε)(1 − 2μ)."""
    return (1 - q) * (1 - 2 * noise) * (1 - 2 * perception_noise)


def tft_noise_chain(noise: float) -> np.ndarray:
    """TFT–TFT transition matrix over outcomes (CC, CD, DC, DD): P((x,y)→(u,v)) = f(u⊕y)·f(v⊕x) (§4.3)."""
    f = np.array([1 - noise, noise])
    outcomes = [(x, y) for x in (C, D) for y in (C, D)]
    return np.array([[f[u ^ y] * f[v ^ x] for u, v in outcomes] for x, y in outcomes])


def stationary_distribution(transition: np.ndarray) -> np.ndarray:
    """The stationary distribution π = πK of a transition matrix (assumed unique), by least squares."""
    n = transition.shape[0]
    a = np.vstack([transition.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(a, b, rcond=None)[0]


def tft_noise_stationary(noise: float) -> np.ndarray:
    """Long-run outcome distribution (CC, CD, DC, DD) of TFT vs TFT under noise: uniform for 0 < ε < 1."""
    return stationary_distribution(tft_noise_chain(noise))


def joint_chain(a: Doctrine, b: Doctrine, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Markov chain of a match between two doctrines on joint states (sa, sb).

    Returns ``(K, out, start)``: K[i, j] transition probabilities, out[i, k] probability that the round
    played in joint state i has outcome k ∈ (CC, CD, DC, DD) from ``a``'s side, and the start vector.
    """
    na, nb = a.n_states, b.n_states
    K = np.zeros((na * nb, na * nb))
    out = np.zeros((na * nb, 4))
    for sa in range(na):
        pa = a.p_coop[sa] * (1 - noise) + (1 - a.p_coop[sa]) * noise
        for sb in range(nb):
            pb = b.p_coop[sb] * (1 - noise) + (1 - b.p_coop[sb]) * noise
            i = sa * nb + sb
            for x in (C, D):
                for y in (C, D):
                    prob = (pa if x == C else 1 - pa) * (pb if y == C else 1 - pb)
                    out[i, 2 * x + y] += prob
                    K[i, a.next_state[sa][x][y] * nb + b.next_state[sb][y][x]] += prob
    start = np.zeros(na * nb)
    start[a.initial * nb + b.initial] = 1.0
    return K, out, start


def expected_outcomes(a: Doctrine, b: Doctrine, turns: int, noise: float = 0.0) -> np.ndarray:
    """Exact expected counts of (CC, CD, DC, DD) over a match of ``turns`` rounds, from ``a``'s side."""
    K, out, dist = joint_chain(a, b, noise)
    total = np.zeros(4)
    for _ in range(turns):
        total += dist @ out
        dist = dist @ K
    return total


def long_run_outcomes(a: Doctrine, b: Doctrine, noise: float) -> np.ndarray:
    """Stationary outcome distribution (CC, CD, DC, DD) of ``a`` vs ``b`` (needs a unique stationary law)."""
    K, out, _ = joint_chain(a, b, noise)
    return stationary_distribution(K) @ out


def mean_payoff(outcomes: np.ndarray, payoffs: Payoffs = Payoffs()) -> float:
    """Expected payoff of the row player given an outcome distribution over (CC, CD, DC, DD)."""
    R, S, T, P = payoffs
    return float(np.dot(outcomes, [R, S, T, P]))
