"""Counter-based randomness (detente.rng) against an independent pure-Python SplitMix64 key chain."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detente import rng as rnd

MASK = 2**64 - 1


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _bits(seed: int, run: int, step: int, site: int) -> int:
    key = _mix((seed + 0x9E3779B97F4A7C15) & MASK)
    key = _mix((key + run * 0xD1B54A32D192ED03) & MASK)
    key = _mix((key + (step + 2) * 0x8CB92BA72F3D8DD7) & MASK)
    return _mix((key + (site + 1) * 0xA0761D6478BD642F) & MASK)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    run=st.integers(0, 2**40),
    step=st.integers(-1, 5000),
    site=st.integers(0, 2**62),
)
def test_bits_match_pure_python_splitmix(seed, run, step, site):
    keys = rnd.step_keys(rnd.run_keys(seed, np.array([run])), step)
    bits = int(rnd.site_bits(keys, site)[0])
    assert bits == _bits(seed, run, step, site)
    assert rnd.uniform53(np.uint64(bits)) == (bits >> 11) * 2.0**-53
    assert rnd.uniform_hi(np.uint64(bits)) == (bits >> 32) * 2.0**-32
    assert rnd.uniform_lo(np.uint64(bits)) == (bits & 0xFFFFFFFF) * 2.0**-32
    assert rnd.uniforms(seed, run, step, site)[0] == (bits >> 11) * 2.0**-53


def test_uniforms_in_unit_interval_and_roughly_uniform():
    u = rnd.uniforms(7, np.arange(20_000), 3, 5)
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert np.all(np.abs(counts - 2000) < 5 * np.sqrt(2000))
    bits = rnd.site_bits(rnd.step_keys(rnd.run_keys(7, np.arange(20_000)), 3), 5)
    hi, lo = rnd.uniform_hi(bits), rnd.uniform_lo(bits)
    assert abs(np.corrcoef(hi, lo)[0, 1]) < 0.03  # the two halves act as independent draws


def test_draws_are_pure_functions_of_their_counter():
    a = rnd.uniforms(1, np.arange(100), 4, 2)
    b = rnd.uniforms(1, np.arange(100)[::-1], 4, 2)[::-1]
    assert np.array_equal(a, b)
    for other in (
        rnd.uniforms(2, np.arange(100), 4, 2),
        rnd.uniforms(1, np.arange(100), 5, 2),
        rnd.uniforms(1, np.arange(100), 4, 3),
        rnd.uniforms(1, np.arange(1, 101), 4, 2),
    ):
        assert not np.any(a == other)
