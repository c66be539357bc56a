"""Factorial main and interaction effects (analysis.factorial) on constructed tables with known effects."""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import pytest

import detente
from detente.analysis.factorial import (
    DURABLE_THRESHOLD,
    EFFECTS_NOTE,
    TACTICAL_CEILING,
    Cell,
    ExperimentResult,
)
from detente.errors import DetenteError

CONDS = ("a", "b", "c")
# y = mu + sum_S beta_S * prod_{i in S} x_i with x = +1 (present) / -1 (absent); a 2^k effect is 2*beta_S
BETA = {
    ("a",): 0.10,
    ("b",): -0.05,
    ("c",): 0.02,
    ("a", "b"): 0.04,
    ("a", "c"): 0.0,
    ("b", "c"): -0.015,
    ("a", "b", "c"): 0.0075,
}
MU = 0.4
TAIL = {"p_strategic_end": 0.0, "p_tactical_end": 1.0}


class _Fixed:
    """A stand-in simulation result: summary() returns a fixed dict."""

    def __init__(self, values: dict) -> None:
        self._values = values

    def summary(self) -> dict:
        return dict(self._values)


def _y(present: set[str], beta: dict = BETA, mu: float = MU) -> float:
    return mu + sum(b * math.prod(1 if n in present else -1 for n in s) for s, b in beta.items())


def _experiment(se: float = 0.01, worlds=("w1", "w2"), shift: dict | None = None) -> ExperimentResult:
    cells = []
    for world in worlds:
        for r in range(len(CONDS) + 1):
            for subset in itertools.combinations(CONDS, r):
                y = _y(set(subset)) + (shift or {}).get(world, 0.0)
                cells.append(
                    Cell(
                        world, subset, _Fixed({"p_durable": y, "se_p_durable": se, "mean_ci": 2 * y, **TAIL})
                    )
                )
    sc = SimpleNamespace(worlds={w: SimpleNamespace(label=w.upper()) for w in worlds})
    return ExperimentResult(sc, CONDS, tuple(worlds), cells, runs=100, seed=1)


def test_main_and_interaction_effects_are_twice_the_coefficients():
    effects = _experiment().effects("p_durable")
    assert set(effects) == {"w1", "w2"}
    rows = {e["effect"]: e for e in effects["w1"]}
    assert len(rows) == 7
    for combo, beta in BETA.items():
        row = rows[" x ".join(combo)]
        assert row["order"] == len(combo)
        assert row["estimate"] == pytest.approx(2 * beta, abs=1e-12), combo
        # each effect is a contrast of 8 cells with weights +-1/4: var = 8 se^2 / 16
        assert row["se"] == pytest.approx(0.01 / math.sqrt(2), abs=1e-15)


def test_effects_ignore_a_constant_shift_between_worlds_and_read_the_named_outcome():
    exp = _experiment(shift={"w2": 0.3})
    e1 = {e["effect"]: e["estimate"] for e in exp.effects("p_durable")["w1"]}
    e2 = {e["effect"]: e["estimate"] for e in exp.effects("p_durable")["w2"]}
    assert e1 == pytest.approx(e2, abs=1e-12)
    ci = {e["effect"]: e for e in exp.effects("mean_ci")["w1"]}
    assert ci["a"]["estimate"] == pytest.approx(0.4, abs=1e-12)  # mean_ci = 2y doubles every effect
    assert ci["a"]["se"] == 0.0  # no se_mean_ci in the stand-in summaries


def test_two_factor_hand_computed():
    # 2^2 table y(--)=1, y(a-)=3, y(-b)=2, y(ab)=8: A = ((3-1)+(8-2))/2 = 4, B = ((2-1)+(8-3))/2 = 3,
    # AB = ((8-2)-(3-1))/2 = 2
    table = {(): 1.0, ("a",): 3.0, ("b",): 2.0, ("a", "b"): 8.0}
    cells = [Cell(None, k, _Fixed({"p_durable": v, "se_p_durable": 0.5})) for k, v in table.items()]
    exp = ExperimentResult(SimpleNamespace(worlds={}), ("a", "b"), (None,), cells, runs=10, seed=0)
    rows = {e["effect"]: (e["estimate"], e["se"]) for e in exp.effects()[""]}
    assert rows == {"a": (4.0, 0.5), "b": (3.0, 0.5), "a x b": (2.0, 0.5)}


def _verdict_experiment(p_durable: dict, p_tactical_sq: float = 0.9) -> ExperimentResult:
    cells = []
    for r in range(3):
        for subset in itertools.combinations(("a", "b"), r):
            s = {
                "p_durable": p_durable[subset],
                "se_p_durable": 0.0,
                "p_strategic_end": p_durable[subset],
                "p_tactical_end": p_tactical_sq if not subset else 0.5,
                "mean_ci": 0.3,
            }
            cells.append(Cell("w", subset, _Fixed(s)))
    sc = SimpleNamespace(worlds={"w": SimpleNamespace(label="World")})
    return ExperimentResult(sc, ("a", "b"), ("w",), cells, runs=10, seed=0)


def test_verdict_only_all_conditions_together():
    exp = _verdict_experiment({(): 0.0, ("a",): 0.2, ("b",): 0.5, ("a", "b"): 0.9})
    v = exp.verdict()
    w = v["worlds"]["w"]
    assert v["claims"]["status_quo_stays_tactical"] is True
    assert w["durable_cells"] == ["a + b"]  # 0.5 is not above the 0.5 threshold
    assert w["all_conditions_durable"] is True and w["all_conditions_necessary"] is True
    assert w["all_conditions_p_durable"] == 0.9
    assert w["minimal_sufficient"] == [["a", "b"]]
    assert "only with both conditions together is a durable partnership likely" in exp.sentences()[0]


def test_verdict_fewer_conditions_suffice_and_status_quo_not_tactical():
    exp = _verdict_experiment({(): 0.06, ("a",): 0.7, ("b",): 0.1, ("a", "b"): 0.8})
    v = exp.verdict()
    w = v["worlds"]["w"]
    assert v["claims"]["status_quo_stays_tactical"] is False  # P(durable) 0.06 >= the 0.05 ceiling
    assert w["durable_without_all"] == ["a"] and w["minimal_sufficient"] == [["a"]]
    assert v["claims"]["all_conditions_necessary"] == {"w": False}
    assert exp.sentences()[0] == (
        "World: the status quo does not stay tactical: P(durable) 0.060; enough for a durable partnership "
        "(P > 0.5): a alone (0.700); so the conjunction of both is not needed."
    )
    assert (
        _verdict_experiment({(): 0.0, ("a",): 0, ("b",): 0, ("a", "b"): 0.0}, p_tactical_sq=0.4).verdict()[
            "claims"
        ]["status_quo_stays_tactical"]
        is False
    )  # p_tactical_end < 0.5


@pytest.mark.parametrize("k", [1, 2, 4])
def test_effects_for_other_numbers_of_factors(k):
    # y = 1 + 0.1*x_1 + 0.05*x_1*x_k: the main effect of f1 is 0.2, the f1 x fk interaction 0.1 (k > 1)
    names = tuple(f"f{i}" for i in range(1, k + 1))
    cells = []
    for r in range(k + 1):
        for subset in itertools.combinations(names, r):
            x = {n: 1 if n in subset else -1 for n in names}
            y = 1 + 0.1 * x["f1"] + (0.05 * x["f1"] * x[names[-1]] if k > 1 else 0.0)
            cells.append(Cell(None, subset, _Fixed({"p_durable": y, "se_p_durable": 0.02})))
    exp = ExperimentResult(SimpleNamespace(worlds={}), names, (None,), cells, runs=10, seed=0)
    rows = {e["effect"]: e for e in exp.effects()[""]}
    assert len(rows) == 2**k - 1
    assert [e["order"] for e in exp.effects()[""]] == sorted(e["order"] for e in rows.values())
    want = {"f1": 0.2} | ({f"f1 x f{k}": 0.1} if k > 1 else {})
    for name, row in rows.items():
        assert row["estimate"] == pytest.approx(want.get(name, 0.0), abs=1e-12), name
        # 2^k cells with weights +-1/2^(k-1): se = 0.02 * sqrt(2^k) / 2^(k-1) = 0.04 / sqrt(2^k)
        assert row["se"] == pytest.approx(0.04 / math.sqrt(2**k), abs=1e-15)


def test_cell_lookup_records_and_table():
    exp = _experiment()
    assert (exp.runs, exp.seed) == (100, 1)
    c = exp.cell("w2", ["c", "a"])
    assert (c.world, set(c.conditions), c.label) == ("w2", {"a", "c"}, "a + c")
    assert exp.cell("w1", []).label == "status quo"
    with pytest.raises(KeyError) as err:
        exp.cell("w3", ("a",))
    assert err.value.args[0] == ("w3", ("a",))
    records = exp.records()
    assert len(records) == 16
    first = records[0]
    assert first == {"world": "w1", "cell": "status quo", "a": False, "b": False, "c": False} | {
        "p_durable": _y(set()),
        "se_p_durable": 0.01,
        "mean_ci": 2 * _y(set()),
        **TAIL,
    }
    assert records[-1]["cell"] == "a + b + c" and records[-1]["a"] and records[-1]["world"] == "w2"
    table = exp.table()
    assert list(table.columns) == list(first)
    assert table.shape == (16, len(first))
    assert table["p_durable"].tolist() == [r["p_durable"] for r in records]


def test_verdict_thresholds_are_strict_where_stated():
    assert (DURABLE_THRESHOLD, TACTICAL_CEILING) == (0.5, 0.05)
    # status quo exactly at the ceiling does not stay tactical; exactly 1/2 ends tactical still counts
    at = _verdict_experiment({(): 0.05, ("a",): 0.0, ("b",): 0.0, ("a", "b"): 0.5}, p_tactical_sq=0.5)
    v = at.verdict()
    assert v["claims"]["status_quo_stays_tactical"] is False
    assert v["worlds"]["w"]["all_conditions_durable"] is False  # 0.5 is not above the threshold
    assert v["thresholds"] == {"durable_cell": 0.5, "status_quo_ceiling": 0.05}
    below = _verdict_experiment({(): 0.049, ("a",): 0.0, ("b",): 0.0, ("a", "b"): 0.51}, p_tactical_sq=0.5)
    v = below.verdict()
    assert v["claims"] == {
        "status_quo_stays_tactical": True,
        "all_conditions_durable": {"w": True},
        "all_conditions_necessary": {"w": True},
    }
    assert v["worlds"]["w"]["status_quo"] == {
        "p_strategic_end": 0.049,
        "p_durable": 0.049,
        "p_tactical_end": 0.5,
        "mean_ci": 0.3,
    }
    assert [e["effect"] for e in v["effects_on_p_durable"]["w"]] == ["a", "b", "a x b"]


def test_sentences_exact():
    exp = _verdict_experiment({(): 0.0, ("a",): 0.2, ("b",): 0.5, ("a", "b"): 0.9})
    # A = ((0.2 - 0) + (0.9 - 0.5))/2, B = ((0.5 - 0) + (0.9 - 0.2))/2, AB = ((0.9 - 0.5) - (0.2 - 0))/2;
    # every cell has se 0: the status quo (at 0) adds its bound 1/(10 + 1), scaled by 1/2
    bound = f"{(1 / 11) / 2:.3f}"
    assert exp.sentences() == [
        "World: the status quo stays tactical (P(durable) 0.000: no run of 10); only with both conditions "
        "together is a durable partnership likely (P(durable) 0.900): the conjunction is needed.",
        EFFECTS_NOTE,
        f"World: largest effects on P(durable): b +0.600 (se ≤ {bound}); a +0.300 (se ≤ {bound}); "
        f"a × b +0.100 (se ≤ {bound}).",
    ]
    none = _verdict_experiment({(): 0.1, ("a",): 0.2, ("b",): 0.3, ("a", "b"): 0.4})
    assert none.sentences()[0] == (
        "World: the status quo does not stay tactical: P(durable) 0.100; no combination of the conditions "
        "makes a durable partnership likely (P > 0.5); the most is 0.400, with a + b."
    )
    several = _verdict_experiment({(): 0.0, ("a",): 0.7, ("b",): 0.8, ("a", "b"): 0.9})
    assert several.sentences()[0].endswith(
        "enough for a durable partnership (P > 0.5): a alone (0.700); or b alone (0.800); "
        "so the conjunction of both is not needed."
    )
    fall = _verdict_experiment({(): 0.0, ("a",): 0.7, ("b",): 0.1, ("a", "b"): 0.3})
    assert fall.sentences()[0].endswith("not needed, and both together fall short (0.300).")
    # a world without a label is named by its key; the scenario without worlds gets no name
    bare = _experiment(worlds=("w1",))
    bare.scenario = SimpleNamespace(worlds={})
    assert bare.sentences()[0].startswith("w1: the status quo ")
    bare.worlds, bare.cells = (None,), [Cell(None, c.conditions, c.result) for c in bare.cells]
    assert bare.sentences()[0].startswith("The status quo ")


def test_labels_from_the_scenario_and_the_reset_lever():
    exp = _verdict_experiment({(): 0.0, ("a",): 0.7, ("b",): 0.1, ("a", "b"): 0.8})
    exp.scenario = SimpleNamespace(
        worlds={"w": SimpleNamespace(label="Calm seas")},
        conditions={"a": SimpleNamespace(label="Harbour pilots"), "b": SimpleNamespace(label=None)},
        levers=SimpleNamespace(resets=[SimpleNamespace(date="2000-01")]),
    )
    head = exp.sentences()[0]
    assert head.startswith("Calm seas: the reset alone (the status quo) stays tactical")
    assert "Harbour pilots alone (0.700)" in head
    assert exp.cell_label(("a", "b")) == "Harbour pilots + b"
    assert {e["effect"]: e["label"] for e in exp.effects()["w"]}["a x b"] == "Harbour pilots × b"


SMALL = {"horizon": 12, "sides.W.belief.p0": 0.4, "sides.R.belief.p0": 0.35}


def test_experiment_cells_are_the_simulations_with_one_seed():
    sc = detente.load_scenario("reset-2009").apply(SMALL)
    seen = []
    exp = detente.experiment(sc, conditions=["shared_threat", "inclusion"], worlds=["spiral"], runs=6, seed=3,
                             progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert (exp.runs, exp.seed, exp.conditions, exp.worlds) == (
        6,
        3,
        ("shared_threat", "inclusion"),
        ("spiral",),
    )
    assert [c.label for c in exp.cells] == [
        "status quo",
        "shared_threat",
        "inclusion",
        "shared_threat + inclusion",
    ]
    for c in exp.cells:
        alone = detente.simulate(sc, runs=6, seed=3, world="spiral", conditions=c.conditions)
        assert c.result.summary() == alone.summary(), c.label
    assert seen and seen[-1] == (24, 24)


def test_experiment_defaults_and_unknown_names():
    sc = detente.load_scenario("reset-2009").apply(SMALL)
    exp = detente.experiment(sc, runs=2, seed=1)
    assert exp.conditions == tuple(sc.conditions) and exp.worlds == tuple(sc.worlds)
    assert len(exp.cells) == 2 ** len(sc.conditions) * len(sc.worlds)
    with pytest.raises(DetenteError, match=r"conditions: .*'nope'"):
        detente.experiment(sc, conditions=["nope"], runs=2)
    with pytest.raises(DetenteError, match=r"worlds: .*'mars'"):
        detente.experiment(sc, worlds=["mars"], runs=2)
