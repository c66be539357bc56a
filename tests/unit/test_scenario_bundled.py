"""Every bundled scenario validates, round-trips (load → dump → load equal, YAML and TOML) and runs."""

from __future__ import annotations

import numpy as np
import pytest
import tomli_w
import yaml

import detente
from detente.scenario.load import bundled_path
from detente.scenario.schema import Scenario

BUNDLED = sorted(detente.bundled_scenarios())


def test_reset_2009_is_bundled():
    assert "reset-2009" in BUNDLED
    assert detente.bundled_scenarios()["reset-2009"]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_validates(name):
    sc = detente.load_scenario(name)
    assert isinstance(sc, Scenario)
    assert sc == detente.load_scenario(str(bundled_path(name)))  # by name or by path
    for world in sc.worlds:
        for cond in [(), *((c,) for c in sc.conditions), tuple(sc.conditions)]:
            assert isinstance(sc.cell(world, cond), Scenario)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_round_trips_yaml(name, tmp_path):
    sc = detente.load_scenario(name)
    path = tmp_path / f"{name}.yaml"
    path.write_text(sc.to_yaml(), encoding="utf-8")
    again = detente.load_scenario(str(path))
    assert again == sc
    assert again.canonical_json() == sc.canonical_json()
    assert again.content_hash() == sc.content_hash()
    assert again.to_yaml() == sc.to_yaml()  # dumping is stable
    assert detente.load_scenario(yaml.safe_load(sc.to_yaml())) == sc  # and as a mapping


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_round_trips_toml(name, tmp_path):
    sc = detente.load_scenario(name)
    path = tmp_path / f"{name}.toml"
    path.write_text(tomli_w.dumps(sc.model_dump(mode="json", exclude_none=True)), encoding="utf-8")
    assert detente.load_scenario(str(path)) == sc


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_runs(name):
    res = detente.simulate(name, runs=50)
    s = res.summary()
    assert s["runs"] == 50
    assert 0.0 <= s["mean_ci"] <= 1.0
    total = s["p_strategic_end"] + s["p_tactical_end"] + s["p_frozen_end"]
    assert total == pytest.approx(1.0)
    agg = res.aggregates
    assert agg.regime_prob.shape == (3, res.scenario.horizon)
    assert np.allclose(agg.regime_prob.sum(axis=0), 1.0)
    assert len(res.runs) == 50


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_cells_run(name):
    sc = detente.load_scenario(name)
    for world in sc.worlds:
        res = detente.simulate(sc, runs=20, world=world, conditions=tuple(sc.conditions))
        assert res.summary()["runs"] == 20


def test_content_hash_tracks_changes():
    sc = detente.load_scenario("reset-2009")
    changed = sc.apply({"sides.R.elite.eta": 0.07})
    assert changed != sc and changed.content_hash() != sc.content_hash()
    assert changed.apply({"sides.R.elite.eta": sc.sides["R"].elite.eta}) == sc
