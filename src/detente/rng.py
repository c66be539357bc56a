"""Counter-based randomness: every draw is a pure function of (seed, run, step, site).

SplitMix64's finaliser (Steele, Lea & Flood 2014) hashes a key chain seed → run → step → site, so a
run's draws never depend on chunking, ordering, worker count or backend. The array functions work on
numpy ``uint64`` arrays; ``month_key``, ``site_key`` and ``u53``/``uhi``/``ulo`` are their scalar forms for
the model's numba code (inlined, and callable from Python through ``detente.model.equation.pure``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

PARAM_STEP = -1
"""The step index used for per-run parameter and type draws (before month 0)."""

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_G_SEED = np.uint64(0x9E3779B97F4A7C15)
_G_RUN = np.uint64(0xD1B54A32D192ED03)
_G_STEP = np.uint64(0x8CB92BA72F3D8DD7)
_G_SITE = np.uint64(0xA0761D6478BD642F)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO_M32 = 2.0**-32
_TWO_M53 = 2.0**-53


def mix64(z):
    """SplitMix64 finaliser: a bijective avalanche hash of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def seed_key(seed: int) -> np.uint64:
    """Key of a seed (any Python int; reduced modulo 2**64)."""
    with np.errstate(over="ignore"):
        return np.uint64(mix64(np.asarray([seed % 2**64], dtype=np.uint64) + _G_SEED)[0])


def run_keys(seed: int, runs: np.ndarray) -> np.ndarray:
    """Keys of the given global run indices under ``seed``."""
    runs = np.asarray(runs, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix64(seed_key(seed) + runs * _G_RUN)


def step_keys(keys: np.ndarray, step: int) -> np.ndarray:
    """Keys of one step (month index; ``PARAM_STEP`` for parameter draws) for each run key."""
    with np.errstate(over="ignore"):
        return mix64(keys + np.uint64(step + 2) * _G_STEP)


def site_bits(keys: np.ndarray, site: int | np.ndarray) -> np.ndarray:
    """64 random bits for ``site`` under each step key (broadcasting)."""
    with np.errstate(over="ignore"):
        return mix64(keys + (np.asarray(site, dtype=np.uint64) + np.uint64(1)) * _G_SITE)


def uniform53(bits: np.ndarray) -> np.ndarray:
    """A float64 uniform in [0, 1) from 64 bits (53-bit resolution)."""
    return (bits >> _S11).astype(np.float64) * _TWO_M53


def uniform_hi(bits: np.ndarray) -> np.ndarray:
    """The first of two independent 32-bit uniforms in [0, 1) carried by 64 bits."""
    return (bits >> _S32).astype(np.float64) * _TWO_M32


def uniform_lo(bits: np.ndarray) -> np.ndarray:
    """The second of two independent 32-bit uniforms in [0, 1) carried by 64 bits."""
    return (bits & _LOW32).astype(np.float64) * _TWO_M32


def uniforms(seed: int, run: np.ndarray | int, step: int, site: int | np.ndarray) -> np.ndarray:
    """Convenience: 53-bit uniforms for (seed, run, step, site), broadcasting run against site."""
    keys = step_keys(run_keys(seed, np.atleast_1d(run)), step)
    return uniform53(site_bits(keys[..., None] if np.ndim(site) else keys, site))


_scalar = njit(inline="always", cache=True)
_ONE = np.uint64(1)


@_scalar
def _mix(z):
    """``mix64`` on one uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_scalar
def month_key(key, t):
    """A run key's step key for month ``t`` (scalar ``step_keys``)."""
    return _mix(key + np.uint64(t + 2) * _G_STEP)


@_scalar
def site_key(key_t, site):
    """64 random bits for ``site`` under one step key (scalar ``site_bits``)."""
    return _mix(key_t + (np.uint64(site) + _ONE) * _G_SITE)


@_scalar
def u53(bits):
    """Scalar ``uniform53``."""
    return np.float64(bits >> _S11) * _TWO_M53


@_scalar
def uhi(bits):
    """Scalar ``uniform_hi``."""
    return np.float64(bits >> _S32) * _TWO_M32


@_scalar
def ulo(bits):
    """Scalar ``uniform_lo``."""
    return np.float64(bits & _LOW32) * _TWO_M32
