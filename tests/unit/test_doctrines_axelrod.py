"""detente's tournament against Axelrod-Python 4.13, which runs in ONE subprocess for this module.

``import axelrod`` is slow and forces multiprocessing's start method to "spawn", so it must never be
imported into the test process. Deterministic strategies without noise must agree exactly (per-match
scores, normalised scores, wins, ranking); stochastic play is compared within Monte Carlo error.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from detente.model.doctrines import doctrine
from detente.model.tournament import play_matches, play_tournament
from detente.rng import run_keys

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("axelrod") is None, reason="axelrod (test dependency) is not installed"
)

AXELROD_CLASS = {
    "Cooperator": "Cooperator",
    "Defector": "Defector",
    "TitForTat": "TitForTat",
    "Grudger": "Grudger",
    "TitFor2Tats": "TitFor2Tats",
    "WinStayLoseShift": "WinStayLoseShift",
    "ContriteTFT": "ContriteTitForTat",
    "GTFT": "GTFT",
    "Random": "Random",
}

DETERMINISTIC_SETS = [
    (["Cooperator", "Defector", "TitForTat", "Grudger", "TitFor2Tats", "WinStayLoseShift"], 200, 2),
    (["WinStayLoseShift", "ContriteTFT", "Defector", "TitFor2Tats", "Cooperator"], 50, 1),
    (["Defector", "Grudger", "TitForTat", "TitFor2Tats"], 7, 2),
    (["TitForTat", "Cooperator", "Grudger", "ContriteTFT"], 20, 1),
]

# (a, b, noise): matches compared in distribution (cooperation rate of each seat, score per turn).
STOCHASTIC_PAIRS = [
    ("TitForTat", "TitForTat", 0.05),
    ("WinStayLoseShift", "TitForTat", 0.1),
    ("GTFT", "Defector", 0.0),
    ("GTFT", "Random", 0.0),
    ("Random", "Grudger", 0.0),
    ("Grudger", "TitFor2Tats", 0.02),
]
STOCHASTIC_TURNS, STOCHASTIC_MATCHES = 50, 400

SCRIPT = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import axelrod as axl

    spec = json.loads(sys.argv[1])
    out = {"version": axl.__version__, "torch_imported": "torch" in sys.modules, "sets": [], "pairs": []}
    make = lambda name: getattr(axl, name)()
    for names, turns, reps in spec["sets"]:
        players = [make(n) for n in names]
        res = axl.Tournament(players, turns=turns, repetitions=reps, seed=1).play(
            processes=None, progress_bar=False
        )
        matches = {}
        for i in range(len(names)):
            for j in range(i, len(names)):
                m = axl.Match((make(names[i]), make(names[j])), turns=turns)
                m.play()
                matches[f"{i},{j}"] = list(m.final_score())
        out["sets"].append({
            "labels": [str(p) for p in players],
            "ranked_names": res.ranked_names,
            "normalised_scores": res.normalised_scores,
            "wins": res.wins,
            "payoff_matrix": res.payoff_matrix,
            "matches": matches,
        })
    for a, b, noise in spec["pairs"]:
        coop, score = [], []
        for r in range(spec["matches"]):
            m = axl.Match((make(a), make(b)), turns=spec["turns"], noise=noise, seed=1000 + r)
            m.play()
            coop.append(list(m.normalised_cooperation()))
            score.append(list(m.final_score_per_turn()))
        out["pairs"].append({"coop": coop, "score": score})
    print(json.dumps(out, default=lambda o: o.item() if hasattr(o, "item") else o.tolist()))
    """
)


def _run_axelrod(spec: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def axelrod_results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Axelrod's answers, computed once per test session even under pytest-xdist (file lock)."""
    spec = {
        "sets": [
            ([AXELROD_CLASS[n] for n in names], turns, reps) for names, turns, reps in DETERMINISTIC_SETS
        ],
        "pairs": [(AXELROD_CLASS[a], AXELROD_CLASS[b], noise) for a, b, noise in STOCHASTIC_PAIRS],
        "turns": STOCHASTIC_TURNS,
        "matches": STOCHASTIC_MATCHES,
    }
    digest = hashlib.sha256((SCRIPT + json.dumps(spec)).encode()).hexdigest()[:16]
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return _run_axelrod(spec)
    shared = tmp_path_factory.getbasetemp().parent  # common to all xdist workers of this session
    path = shared / f"axelrod-{digest}.json"
    with open(shared / f"axelrod-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            path.write_text(json.dumps(_run_axelrod(spec)))
    return json.loads(path.read_text())


def test_axelrod_version_and_no_torch(axelrod_results: dict) -> None:
    assert axelrod_results["version"] == "4.13.0"
    assert axelrod_results["torch_imported"] is False


@pytest.mark.parametrize("index", range(len(DETERMINISTIC_SETS)))
def test_deterministic_tournament_equals_axelrod(axelrod_results: dict, index: int) -> None:
    names, turns, reps = DETERMINISTIC_SETS[index]
    ax = axelrod_results["sets"][index]
    res = play_tournament(names, turns=turns, repetitions=reps, seed=3)
    assert [d.label for d in res.doctrines] == ax["labels"]
    for k, (i, j) in enumerate(res.pairs):
        for rep in range(reps):
            assert res.match_scores[k, rep].tolist() == ax["matches"][f"{i},{j}"], (names[i], names[j])
    assert [res.doctrines[i].label for i in res.ranking] == ax["ranked_names"]
    np.testing.assert_allclose(res.normalised_scores, ax["normalised_scores"], rtol=0, atol=1e-12)
    assert res.wins.tolist() == ax["wins"]
    np.testing.assert_allclose(res.payoff_matrix, ax["payoff_matrix"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("index", range(len(STOCHASTIC_PAIRS)))
def test_stochastic_matches_agree_in_distribution(axelrod_results: dict, index: int) -> None:
    a, b, noise = STOCHASTIC_PAIRS[index]
    ax = axelrod_results["pairs"][index]
    ours_n = 4000
    res = play_matches(
        [doctrine(a), doctrine(b)],
        np.zeros(ours_n, dtype=int),
        np.ones(ours_n, dtype=int),
        run_keys(11, np.arange(ours_n)),
        STOCHASTIC_TURNS,
        noise,
    )
    ours = {
        "coop": res.coop / STOCHASTIC_TURNS,
        "score": res.scores() / STOCHASTIC_TURNS,
    }
    for stat in ("coop", "score"):
        theirs = np.asarray(ax[stat])
        for seat in (0, 1):
            x, y = ours[stat][:, seat], theirs[:, seat]
            se = np.sqrt(x.var() / len(x) + y.var() / len(y))
            assert abs(x.mean() - y.mean()) <= 4 * se + 1e-12, (a, b, stat, seat, x.mean(), y.mean())
