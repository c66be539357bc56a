"""Fuzzing the reading edge: random bytes, random YAML text and random YAML trees give a Scenario or a
DetenteError naming the file, never another exception."""

from __future__ import annotations

import contextlib
import copy
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_loader_support import BASE

import detente
from detente.errors import DetenteError
from detente.scenario.schema import Scenario

BASE_DATA = yaml.safe_load(BASE)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["B", "M", "from_trust", "from_history", "2010-02-30", "2009-07", "W", "R", "tactical", "bundled"]
    ),
)
keys = st.one_of(
    st.text(max_size=8), st.sampled_from(["dist", "low", "high", "set", "kind", "sides", "issues"])
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=25,
)


def _check(path: Path) -> None:
    try:
        result = detente.load_scenario(str(path))
    except DetenteError as exc:
        assert exc.problems and all(str(path) in p for p in exc.problems if not p.startswith("…")), (
            exc.problems
        )
        return
    assert isinstance(result, Scenario)


def _file(data: bytes | str, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="detente-fuzz-"))
    path = folder / f"fuzz{suffix}"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", errors="surrogatepass")
    return path


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([".yaml", ".toml", ".json"]))
def test_random_bytes(raw, suffix):
    _check(_file(raw, suffix))


yaml_alphabet = st.sampled_from(
    [*list("ab:-[]{}&*!|>'\"#%@`,?\n  \t0123.e+~<=\\"), "<<", "*a", "&a", "---", "..."]
)


@FUZZ
@given(st.lists(yaml_alphabet, max_size=80).map("".join), st.sampled_from([".yaml", ".toml"]))
def test_random_yaml_syntax(text, suffix):
    _check(_file(text, suffix))


@FUZZ
@given(trees)
def test_random_trees(tree):
    _check(_file(yaml.safe_dump(tree, allow_unicode=True), ".yaml"))
    with contextlib.suppress(DetenteError):
        detente.load_scenario(tree if isinstance(tree, dict) else {"x": tree})


def _graft(data: dict, path: list, value: object) -> dict:
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        if isinstance(node, dict) and node:
            node = node[sorted(node, key=str)[part % len(node)]]
        elif isinstance(node, list) and node:
            node = node[part % len(node)]
    if isinstance(node, dict) and node:
        node[sorted(node, key=str)[path[-1] % len(node)]] = value
    elif isinstance(node, list) and node:
        node[path[-1] % len(node)] = value
    return data


@FUZZ
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=6), trees)
def test_random_trees_inside_the_bundled_scenario(path, tree):
    data = _graft(BASE_DATA, path, tree)
    _check(_file(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), ".yaml"))
