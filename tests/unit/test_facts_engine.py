"""Analytic facts of theory.md §10.8 through the engine's composition, on the bundled reset-2009 scenario.

Parameters come from ``engine.compile`` (what every run gets); months are advanced by
``detente.model.month`` (what the kernel calls, run by run) or by ``simulate`` end to end. Every test runs
through ``FactBase`` twice: compiled, and as the same functions in plain Python (``backend='python'``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_facts_base import FactBase

import detente
from detente.engine.compile import Compiled
from detente.model import month as m
from detente.model.regime import TACTICAL

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in scalar:RuntimeWarning")
"""The plain-Python path hashes with numpy uint64 scalars, which wrap around by design (as in the kernel)."""

TOL = 1e-6
TOL4 = 5e-5
ARMS, TRANSIT, NONPROLIF, ARCH = range(4)
ALL3 = ("generational_change", "shared_threat", "inclusion")
NO_COHORT = {"sides.W.elite.h0": 0.0, "sides.R.elite.h0": 0.0}
W, R = 0, 1
THEORY_BELIEFS = {
    "sides.W.belief.p0": 0.40, "sides.R.belief.p0": 0.35,
    "sides.R.behaviour.delta": None, "channel_floor": 0.0,  # the v1 facts: no joining choice, no channel
}  # fmt: skip
"""Theory §10.8's "default" beliefs (the bundled scenario may start from the replayed history instead)."""


def _prob(L):
    return 1 / (1 + np.exp(-np.asarray(L)))


@pytest.fixture(scope="module")
def scenario():
    return detente.load_scenario("reset-2009").apply(THEORY_BELIEFS)


def _start(f, P, i: int):
    """A run's state before month 0, as the kernel makes it (room from new_state, filled by start_run)."""
    s = m.new_state(P.issue.shape[1])
    f(m.start_run)(s, P, i)
    return s


def _regime(f, cell, t: int, n: int = 3) -> dict[str, np.ndarray]:
    """t*, e, pi, G and the label of month t at the cell's starting beliefs and shares, for n runs."""
    P = Compiled(cell, seed=1).draw(np.arange(n))
    out: dict[str, list] = {k: [] for k in ("t_star", "e", "pi", "G", "regime", "pay")}
    for i in range(n):
        s = _start(f, P, i)
        f(m.issue_games)(s, P, i, t, True)
        out["regime"].append(f(m.open_issues)(s, P, i))
        for k in ("t_star", "e", "pi", "G", "pay"):
            out[k].append(getattr(s, k).copy())
    return {k: np.array(v) for k, v in out.items()}


def _months(f, cell, n: int, ts, edit=None, seed: int = 3):
    """Run months ``ts`` of n runs from the initial state (optionally edited); states before and after each."""
    P = Compiled(cell, seed).draw(np.arange(n))
    before, after, labels = [], [], []
    for i in range(n):
        s = _start(f, P, i)
        if edit:
            edit(s)
        runs_before, runs_after, run_labels = [], [], []
        for t in ts:
            runs_before.append((s.L.copy(), s.z.copy()))
            run_labels.append(f(m.month)(s, P, i, t))
            runs_after.append({k: getattr(s, k).copy() for k in ("L", "h", "z", "a", "G")})
        before.append(runs_before)
        after.append(runs_after)
        labels.append(run_labels)
    return P, before, after, np.array(labels)


def _stack(after, month_index: int, key: str) -> np.ndarray:
    return np.array([run[month_index][key] for run in after])


class TestEngineRegimeFacts(FactBase):
    def test_F21_default_baseline_regime(self, f, scenario):
        g = _regime(f, scenario.cell("spiral"), t=0)
        want = {ARMS: (0.2318, 0.3161), TRANSIT: (0.2215, 0.3539), NONPROLIF: (0.4101, 0.5955)}
        for k, (tw, tr) in want.items():
            assert g["t_star"][:, W, k] == pytest.approx(tw, abs=TOL4)
            assert g["t_star"][:, R, k] == pytest.approx(tr, abs=TOL4)
        assert not g["e"][:, :, ARMS].any()  # even M cooperates under verification
        assert g["e"][:, :, TRANSIT:].all()
        assert (g["pi"][:, :, ARMS] == 1.0).all()
        assert g["pi"][:, W, NONPROLIF] == pytest.approx(0.7, abs=TOL)
        assert g["pi"][:, R, NONPROLIF] == pytest.approx(0.675, abs=TOL)
        assert np.isinf(g["t_star"][:, :, ARCH]).all()
        R_, TB_ = m.R_, m.TB_
        assert g["pay"][:, R_, W, ARCH] == pytest.approx(3.38, abs=TOL)
        assert g["pay"][:, TB_, W, ARCH] == pytest.approx(3.62, abs=TOL)
        assert g["pay"][:, R_, R, ARCH] == pytest.approx(2.68, abs=TOL)
        assert g["pay"][:, TB_, R, ARCH] == pytest.approx(4.32, abs=TOL)
        assert (g["G"] == [True, True, True, False]).all()
        assert (g["regime"] == TACTICAL).all()

    def test_F21_whole_month_opens_the_tactical_issues_in_every_world(self, f, scenario):
        for world in scenario.worlds:
            *_, after, labels = _months(f, scenario.cell(world), n=16, ts=[0])
            assert (_stack(after, 0, "G") == [True, True, True, False]).all(), world
            assert (labels[:, 0] == TACTICAL).all(), world

    def test_F21_nonproliferation_is_most_fragile(self, f, scenario):
        for p_R, is_open in ((0.1915, True), (0.1905, False)):
            g = _regime(f, scenario.cell("spiral").apply({"sides.R.belief.p0": p_R}), t=0)
            assert (g["G"][:, NONPROLIF] == is_open).all(), p_R
            assert g["G"][:, TRANSIT].all() and g["G"][:, ARMS].all()  # transit needs only p_R >= 0.2079

    def test_F23_three_conditions_jointly(self, f, scenario):
        base = scenario.apply(NO_COHORT)  # condition 1 as the fact states it: h = 0, so r = r_new = 0.05
        t_month = 6  # 2010-01: threat and inclusion schedules switch on
        want_W = {
            ("generational_change",): 0.9098,
            ("shared_threat",): 0.9712,
            ("inclusion",): 0.8093,
            ("generational_change", "shared_threat"): 0.8491,
            ("generational_change", "inclusion"): 0.7076,
            ("shared_threat", "inclusion"): 0.7284,
        }
        for conds, t_W in want_W.items():
            cell = (base if "generational_change" in conds else scenario).cell("spiral", conds)
            g = _regime(f, cell, t=t_month)
            assert g["t_star"][:, W, ARCH] == pytest.approx(t_W, abs=TOL4), conds
            assert g["pi"][:, W, ARCH] == pytest.approx(0.7, abs=TOL)
            assert not g["G"][:, ARCH].any(), conds
        g = _regime(f, scenario.cell("spiral", ("shared_threat",)), t=t_month)
        assert np.isinf(g["t_star"][:, R, ARCH]).all()  # R's game still a PD
        g = _regime(f, base.cell("spiral", ALL3), t=t_month)
        assert g["t_star"][:, W, ARCH] == pytest.approx(0.636842, abs=TOL)
        assert (g["t_star"][:, R, ARCH] == 0.0).all()
        assert g["G"][:, ARCH].all()
        assert (g["regime"] == 0).all()  # strategic
        # before the schedules switch on (month 5) the architecture is still closed
        assert not _regime(f, base.cell("spiral", ALL3), t=5)["G"][:, ARCH].any()


def _architecture_only(scenario):
    """The reset-2009 scenario reduced to its strategic issue, all three conditions, h = 0."""
    data = scenario.apply(NO_COHORT).model_dump(mode="json")
    data["issues"] = {"security_architecture": data["issues"]["security_architecture"]}
    return detente.load_scenario(data).cell("spiral", ALL3)


def _aggrieved_west(s) -> None:
    s.z[W, :] = True  # mid-echo: W saw Russia defect everywhere last month, Russia saw W cooperate


class TestEngineLearningFacts(FactBase):
    def test_F24_condition_3b_one_observation(self, f, path, scenario):
        cell = _architecture_only(scenario)
        n = 600 if path == "compiled" else 200
        _, before, after, labels = _months(f, cell, n=n, ts=[6, 7])
        L0 = np.array([b[0][0] for b in before])
        assert np.allclose(_prob(L0[:, W]), 0.40)
        assert (labels[:, 0] == 0).all()  # open (strategic) at baseline beliefs under all three conditions
        saw_d = _stack(after, 0, "z")[:, W, 0]  # W saw Russia's move on the open issue as D
        assert saw_d.any() and (~saw_d).any()
        L1 = _stack(after, 0, "L")[:, W]
        assert _prob(L1[saw_d]) == pytest.approx(0.260774, abs=TOL)
        assert _prob(L1[~saw_d]) == pytest.approx(0.439750, abs=TOL)
        # the next month the architecture closes exactly where Russia was seen to defect
        assert (_stack(after, 1, "G")[:, 0] == ~saw_d).all()

    def test_F24_strategic_regime_needs_russia_to_want_in(self, backend, scenario):
        n = 200 if backend == "compiled" else 30
        short = {"horizon": 48}  # the conditions switch on in month 6; 24 strategic months make it durable
        benign = detente.simulate(
            scenario.cell("spiral", ALL3).apply(short), runs=n, seed=11, backend=backend
        )
        malign = detente.simulate(
            scenario.cell("deterrence", ALL3).apply({"sides.R.behaviour.delta": None, **short}),
            runs=n,
            seed=11,
            backend=backend,
        )
        assert benign.summary()["p_durable"] > 0.9
        assert malign.summary()["p_durable"] == 0.0
        assert int(malign.runs["longest_strategic"].max()) < scenario.durable_months

    def test_F25_reset_ends_echo_and_keeps_beliefs(self, f, scenario):
        quiet = {f"sides.{s}.behaviour.{x}": 0.0 for s in "WR" for x in ("eps", "mu")}
        no_learning = {"sides.W.learning.kappa": 0.0, "sides.R.learning.kappa": 0.0}
        cell = scenario.cell("spiral").apply({**quiet, **no_learning})
        assert cell.levers.resets[0].date == "2009-07"  # the reset acts in month 0
        _, before, after, _ = _months(f, cell, n=16, ts=[0], edit=_aggrieved_west)
        assert all(b[0][1][W].all() for b in before)  # the edit reached the state
        open_ = _stack(after, 0, "G")[0]
        assert list(open_) == [True, True, True, False]
        a = _stack(after, 0, "a")
        assert a[:, :, open_].all()  # both B types cooperate on every open issue
        assert not a[:, :, ~open_].any()  # and defect on the closed one
        assert not _stack(after, 0, "z").any()  # the echo is over
        assert np.array_equal(_stack(after, 0, "L"), np.array([b[0][0] for b in before]))  # beliefs unchanged
        # without the reset the aggrieved side retaliates (TFT, q = 0) and the echo goes on
        echo = cell.apply({"levers.resets": [], "sides.W.behaviour.q": 0.0})
        _, _, after2, _ = _months(f, echo, n=16, ts=[0], edit=_aggrieved_west)
        a2 = _stack(after2, 0, "a")
        assert not a2[:, W, open_].any() and a2[:, R, open_].all()
        assert _stack(after2, 0, "z")[:, R, open_].all()

    def test_F25_reset_does_not_move_beliefs_with_learning(self, backend, scenario):
        cell = scenario.cell("spiral").apply({"horizon": 14})
        no_reset = cell.apply({"levers.resets": []})
        with_reset = no_reset.apply({"levers.resets": [{"date": "2010-07"}]})  # month 12
        a = detente.simulate(no_reset, runs=24, seed=5, paths=True, backend=backend)
        b = detente.simulate(with_reset, runs=24, seed=5, paths=True, backend=backend)
        # identical before the reset month; in it, the regime test (after step 2) sees the same beliefs
        assert np.array_equal(a.paths["L"][:, :12], b.paths["L"][:, :12])
        assert np.array_equal(a.paths["G"][:, 12], b.paths["G"][:, 12])
        assert not np.array_equal(a.paths["a"][:, 12:], b.paths["a"][:, 12:])  # the reset did act

    def test_F7_events_through_engine(self, backend, scenario):
        events = [
            {"date": "2009-07", "actor": "R", "observer": "W", "lr": 3.0, "label": "lr 3"},
            {"date": "2009-08", "actor": "R", "observer": "W", "lr": 4.0, "label": "Georgia-type"},
        ]
        cell = scenario.cell("spiral").apply(
            {
                "horizon": 3,
                "sides.W.belief.p0": 0.5,
                "sides.W.learning.kappa": 0.0,
                "sides.W.learning.beta": 0.0,
                "events": events,
            }
        )
        res = detente.simulate(cell, runs=3, seed=1, paths=True, backend=backend)
        p_W = _prob(res.paths["L"][:, :2, W])
        assert p_W[:, 0] == pytest.approx(0.25, abs=TOL)
        assert p_W[:, 1] == pytest.approx(1 / (1 + 12), abs=TOL)  # odds 1 -> 1/3 -> 1/12: updates add in L
        assert res.paths["L"][0, 1, W] == pytest.approx(-math.log(3) - math.log(4), abs=1e-12)

    def test_F11_signals_through_engine(self, backend, scenario):
        base = scenario.cell("spiral").apply(
            {"horizon": 1, "sides.W.learning.kappa": 0.0, "sides.R.learning.kappa": 0.0}
        )
        L_max = base.L_max

        def p_W_after(size: float, mimic: float, r_type: str = "B") -> np.ndarray:
            sig = {
                "date": "2009-07",
                "sender": "R",
                "size": size,
                "issue": "arms_control",
                "mimic": mimic,
                "delta": 0.9,
            }
            cell = base.apply({"levers.signals": [sig], "sides.R.type": r_type})
            return _prob(
                detente.simulate(cell, runs=3, seed=1, paths=True, backend=backend).paths["L"][:, 0, W]
            )

        assert p_W_after(3.5, 0.5) == pytest.approx(0.571429, abs=TOL)  # below x* = 0.9*(6-2) = 3.6: pooling
        assert p_W_after(3.6, 0.5) == pytest.approx(float(_prob(L_max)), abs=1e-12)  # separating: trust jumps
        assert p_W_after(3.6, 0.5, "M") == pytest.approx(0.40, abs=1e-12)  # an M type does not pay for it
        assert p_W_after(0.0, 1.0) == pytest.approx(0.40, abs=1e-12)  # cheap talk

    def test_F20_cohort_through_engine(self, backend, scenario):
        cell = scenario.cell("spiral").apply(
            {
                "horizon": 241,
                "sides.R.elite.h0": 0.9,
                "sides.R.elite.eta": 0.05,
                "sides.R.elite.r_old": 0.6,
                "sides.R.elite.r_new": 0.2,
            }
        )
        assert Compiled(cell, 1).draw(np.arange(1)).side["eta_m"][0, R] == pytest.approx(0.004265, abs=TOL)
        res = detente.simulate(cell, runs=1, seed=1, paths=True, backend=backend)
        h = res.paths["h"][0, :, R]
        assert h[0] == 0.9 and h[240] == pytest.approx(0.322637, abs=TOL)
        r = 0.2 + (0.6 - 0.2) * h
        assert r[240] == pytest.approx(0.329055, abs=TOL)
        assert r[232] > 1 / 3 > r[233]  # crossing at 19.3642 years = month 232.4

    def test_F20_leadership_change_cuts_the_cohort(self, backend, scenario):
        cell = scenario.cell("spiral").apply(
            {"horizon": 4, "levers.leadership": [{"side": "R", "date": "2009-09", "dh": 0.5}]}
        )
        eta_m = Compiled(cell, 1).draw(np.arange(1)).side["eta_m"][0]
        h = detente.simulate(cell, runs=2, seed=1, paths=True, backend=backend).paths["h"][0]
        assert h[1, R] == pytest.approx(h[0, R] * (1 - eta_m[R]), abs=1e-15)
        assert h[2, R] == pytest.approx(h[1, R] * (1 - eta_m[R]) * 0.5, abs=1e-15)  # month 2: h <- h*(1 - dh)
        assert h[2, W] == pytest.approx(h[1, W] * (1 - eta_m[W]), abs=1e-15)  # only the side that changed
        assert h[3, R] == pytest.approx(h[2, R] * (1 - eta_m[R]), abs=1e-15)

    def test_L0_is_log_odds_of_p0(self, scenario):
        P = Compiled(scenario.cell("spiral"), 1).draw(np.arange(2))
        assert P.side["L0"][0] == pytest.approx(
            np.log(np.array([0.40, 0.35]) / np.array([0.60, 0.65])), abs=1e-12
        )
