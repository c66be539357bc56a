"""Benchmark: detente's vectorised round robin vs Axelrod-Python's ``Tournament.play`` on 7 strategies.

Both run in this process; axelrod is imported inside :func:`run` (its ~15 s import is timed separately
from its play). The deterministic six must produce identical rankings in both.

    .venv/bin/python benchmarks/tournament.py
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

STRATEGIES = {  # detente name -> axelrod class
    "Cooperator": "Cooperator",
    "Defector": "Defector",
    "TitForTat": "TitForTat",
    "Grudger": "Grudger",
    "TitFor2Tats": "TitFor2Tats",
    "WinStayLoseShift": "WinStayLoseShift",
    "Random": "Random",
}


def _best_of(fn: Any, repeat: int) -> tuple[float, Any]:
    """Fastest wall time of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def run(
    turns: int = 200, repetitions: int = 20, seed: int = 1, detente_repeat: int = 20, axelrod_repeat: int = 3
) -> dict[str, Any]:
    """Time both tournaments (best of ``*_repeat`` runs each; detente after a warm-up); compare rankings."""
    from detente.model.tournament import play_tournament

    names = list(STRATEGIES)
    deterministic = [n for n in names if n != "Random"]

    def ours() -> Any:
        res = play_tournament(names, turns=turns, repetitions=repetitions, seed=seed)
        res.table()  # summaries included, as axelrod's play builds its ResultSet
        return res

    ours()
    detente_s, ours_res = _best_of(ours, detente_repeat)

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import axelrod as axl
    import_s = time.perf_counter() - start

    def theirs(classes: list[str]) -> Any:
        players = [getattr(axl, c)() for c in classes]
        return axl.Tournament(players, turns=turns, repetitions=repetitions, seed=seed).play(
            processes=None, progress_bar=False
        )

    axelrod_s, ax_res = _best_of(lambda: theirs([STRATEGIES[n] for n in names]), axelrod_repeat)

    det_ours = play_tournament(deterministic, turns=turns, repetitions=repetitions, seed=seed)
    det_theirs = theirs([STRATEGIES[n] for n in deterministic])
    ours_labels = [det_ours.doctrines[i].label for i in det_ours.ranking]
    return {
        "turns": turns,
        "repetitions": repetitions,
        "strategies": names,
        "matches": len(ours_res.pairs) * repetitions,
        "detente_s": detente_s,
        "axelrod_play_s": axelrod_s,
        "axelrod_import_s": import_s,
        "speedup": axelrod_s / detente_s,
        "detente_ranking": ours_res.ranked_names,
        "axelrod_ranking": list(ax_res.ranked_names),
        "deterministic_rankings_equal": ours_labels == list(det_theirs.ranked_names),
        "deterministic_ranking": ours_labels,
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    from rich.console import Console
    from rich.table import Table

    r = run()
    table = Table(
        title=f"Round robin, {len(r['strategies'])} strategies, {r['turns']} turns × {r['repetitions']} reps"
    )
    table.add_column("")
    table.add_column("seconds", justify="right")
    table.add_row("detente play_tournament (best of 20)", f"{r['detente_s']:.4f}")
    table.add_row("axelrod Tournament.play (best of 3)", f"{r['axelrod_play_s']:.3f}")
    table.add_row("axelrod import (not counted)", f"{r['axelrod_import_s']:.1f}")
    table.add_row("speed-up", f"{r['speedup']:.0f}×")
    Console().print(table)
    print("detente ranking:", ", ".join(r["detente_ranking"]))
    print("axelrod ranking:", ", ".join(r["axelrod_ranking"]))
    print("deterministic six ranked identically:", r["deterministic_rankings_equal"])
