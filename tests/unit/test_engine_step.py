"""The monthly step (theory §10.5) on crafted settings, checked by hand through ``detente.model.month``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import detente
from detente.engine.compile import Compiled
from detente.model import month as model_month
from detente.model.equation import pure

W, R = 0, 1
ARCH = 3
ALL3 = ("generational_change", "shared_threat", "inclusion")


@pytest.fixture(scope="module")
def scenario():
    return detente.load_scenario("reset-2009").apply({"sides.W.belief.p0": 0.40, "sides.R.belief.p0": 0.35})


def _months(cell, runs: int, months: int, seed: int = 7, edit=None):
    """Step every run through ``month`` (uncompiled); yield (t, state, outputs) as (runs, ...) arrays."""
    P = Compiled(cell, seed).draw(np.arange(runs))
    states = [model_month.new_state(P.issue.shape[1]) for _ in range(runs)]
    for i, s in enumerate(states):
        pure(model_month.start_run)(s, P, i)
    if edit:
        for s in states:
            edit(s)
    step = pure(model_month.month)
    with np.errstate(all="ignore"):  # the counter RNG's uint64 arithmetic wraps by design
        for t in range(months):
            regime = np.array([step(s, P, i, t) for i, s in enumerate(states)], np.int8)
            st = SimpleNamespace(
                **{f: np.stack([getattr(s, f) for s in states]) for f in ("L", "h", "theta", "z")}
            )
            G, a = np.stack([s.G for s in states]), np.stack([s.a for s in states])
            yield t, st, SimpleNamespace(G=G, a=a, regime=regime, mutual=a[:, 0] & a[:, 1])


def test_perception_noise_is_the_observed_sides_opacity(scenario):
    """mu of a side is how noisily the OTHER side perceives its moves."""
    cell = scenario.cell("spiral").apply(
        {
            "sides.W.behaviour.eps": 0.0,
            "sides.R.behaviour.eps": 0.0,
            "sides.W.behaviour.mu": 0.3,  # Russia sees Western moves flipped 30% of the time
            "sides.R.behaviour.mu": 0.0,  # the West sees Russian moves exactly
        }
    )
    (_, state, month), *_ = _months(cell, runs=400, months=1)
    open_ = month.G[0]
    assert month.a[:, :, open_].all()  # everybody cooperates on the open issues in the reset month
    assert not state.z[:, W].any()
    share = state.z[:, R][:, open_].mean()
    assert 0.25 < share < 0.35


def test_no_grievance_on_closed_issues(scenario):
    noisy = {"sides.W.behaviour.mu": 0.5, "sides.R.behaviour.mu": 0.5}
    for eps in (0.0, 0.2):
        cell = scenario.cell("spiral").apply(
            {**noisy, "sides.W.behaviour.eps": eps, "sides.R.behaviour.eps": eps}
        )
        for _, state, month in _months(cell, runs=50, months=12):
            assert not (state.z & ~month.G[:, None, :]).any()
            assert not month.G[:, ARCH].any()  # the architecture stays closed at baseline
            if eps == 0.0:
                assert not month.a[:, :, ARCH].any()  # where everybody defects


def test_implementation_noise_flips_every_move_at_one(scenario):
    cell = scenario.cell("spiral").apply({"sides.W.behaviour.eps": 1.0, "sides.R.behaviour.eps": 1.0})
    (_, _, month), *_ = _months(cell, runs=20, months=1)
    assert (month.a == ~month.G[:, None, :]).all()  # intended C on open issues, D on closed; all flipped


def test_uninformative_issue_never_moves_beliefs(scenario):
    """Under verification (arms control) even an M type cooperates, so moves there carry no evidence."""
    data = scenario.model_dump(mode="json")
    data["issues"] = {"arms_control": data["issues"]["arms_control"]}
    cell = detente.load_scenario(data).cell("deterrence").apply({"levers.resets": []})
    c = Compiled(cell, 1)
    L0 = c.draw(np.arange(30)).side["L0"]
    for _, state, month in _months(cell, runs=30, months=36):
        assert month.G.all()
        assert np.array_equal(state.L, L0)


def test_malign_type_exploits_at_its_rate(scenario):
    """On an open issue the M type would exploit, it defects with probability rho (no grievances, eps = 0)."""
    cell = scenario.cell("deterrence").apply(
        {
            "sides.R.behaviour.rho": 0.3,
            "sides.R.behaviour.eps": 0.0,
            "sides.W.behaviour.eps": 0.0,
        }
    )
    (_, _, month), *_ = _months(cell, runs=2000, months=1)
    transit = 1
    assert month.G[:, transit].all()
    assert month.a[:, R, transit].mean() == pytest.approx(0.7, abs=0.035)
    assert month.a[:, R, 0].all()  # arms control: verification, no exploitation


def test_gtft_forgiveness_rate(scenario):
    """A side that saw a defection last month cooperates again with probability q (no noise)."""
    cell = scenario.cell("spiral").apply(
        {
            "levers.resets": [],
            "sides.W.behaviour.q": 0.25,
            **{f"sides.{s}.behaviour.{x}": 0.0 for s in "WR" for x in ("eps", "mu")},
        }
    )

    def aggrieved(s):
        s.z[W, :] = True

    (_, state, month), *_ = _months(cell, runs=2000, months=1, edit=aggrieved)
    transit = 1
    assert month.a[:, W, transit].mean() == pytest.approx(0.25, abs=0.035)
    assert month.a[:, R, transit].all()
    assert (state.z[:, R, transit] == ~month.a[:, W, transit]).all()  # Russia now holds the grievance


def test_learning_clips_once_per_month(scenario):
    """Evidence from all informative issues is summed, then the log-odds are clipped once."""
    cell = scenario.cell("spiral", ALL3).apply(
        {"L_max": 3.0, "sides.W.learning.kappa": 1.0, "sides.R.learning.kappa": 1.0}
    )
    for _, state, _ in _months(cell, runs=40, months=24):
        assert np.all(np.abs(state.L) <= 3.0)
