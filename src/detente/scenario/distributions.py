"""Parameters that may be a fixed number or a distribution (model.md §1: "we don't know").

Each run draws its own value from a counter-based uniform, by inverse CDF, so draws are reproducible
and independent of chunking. Every number must be finite (no NaN, ±inf or overflowing literal) and
booleans are not numbers; a bad distribution is refused naming the argument and why. Bounds of the
field a distribution fills are checked against its support.
"""

from __future__ import annotations

import math
import numbers
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    SerializationInfo,
    model_validator,
)


def finite_number(value: Any) -> float:
    """``value`` as a finite float; booleans, NaN, ±inf, overflowing literals and non-numbers raise ``ValueError``.

    Numeric text is accepted because YAML 1.1 reads ``1e-3`` (no dot) as a string.
    """
    if isinstance(value, bool):
        raise ValueError(
            f"expected a number, got {value!r} (true/false is not a number; YAML also reads yes/no/on/off as true/false)"
        )
    if isinstance(value, numbers.Real):
        try:
            x = float(value)
        except OverflowError:
            raise ValueError(
                f"expected a finite number, got a {len(str(abs(int(value))))}-digit integer "
                "(too large for a 64-bit float)"
            ) from None
    elif isinstance(value, str):
        try:
            x = float(value.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    else:
        raise ValueError(f"expected a number, got {shown(value)}")
    if not math.isfinite(x):
        if isinstance(value, str) and "nan" not in value.lower() and "inf" not in value.lower():
            raise ValueError(f"expected a finite number, got {value!r} (too large for a 64-bit float)")
        raise ValueError(f"expected a finite number, got {value!r}")
    return x


def shown(value: Any) -> str:
    """``repr(value)`` cut to 60 characters, for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


Number = Annotated[float, BeforeValidator(finite_number)]
"""A finite float (ints and numeric text accepted; booleans, NaN and ±inf refused)."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    _clip: tuple[float, float] | None = PrivateAttr(None)
    positive: ClassVar[tuple[str, ...]] = ()
    """Arguments that must be > 0."""

    @model_validator(mode="before")
    @classmethod
    def _arguments(cls, data: Any) -> Any:
        """Name the wrong argument and why (unknown, missing, not a finite number), before pydantic does."""
        if isinstance(data, _Dist):
            return data
        kind = cls.model_fields["dist"].annotation.__args__[0]
        if not isinstance(data, dict):
            raise ValueError(f"a {kind} distribution is a mapping of its arguments, got {shown(data)}")
        allowed = [k for k in cls.model_fields if k != "dist"]
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key == "dist":
                out[key] = value
            elif key not in cls.model_fields:
                raise ValueError(
                    f"{kind} distribution: unknown argument {key!r}; expected {_listing(allowed)}"
                )
            else:
                out[key] = cls._argument(kind, key, value)
        missing = [k for k in allowed if cls.model_fields[k].is_required() and k not in data]
        if missing:
            raise ValueError(
                f"{kind} distribution: missing argument{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)} (arguments: {_listing(allowed)})"
            )
        if out.get("values") == []:
            raise ValueError(f"{kind} distribution: argument 'values' is empty; give at least one value")
        for key in cls.positive:
            if key in out and out[key] <= 0:
                raise ValueError(f"{kind} distribution: argument {key!r} must be > 0, got {out[key]:g}")
        return out

    @classmethod
    def _argument(cls, kind: str, key: str, value: Any) -> Any:
        if (
            value is None
            and not cls.model_fields[key].is_required()
            and cls.model_fields[key].default is None
        ):
            return None
        if key in ("values", "weights"):
            if not isinstance(value, list | tuple):
                raise ValueError(
                    f"{kind} distribution: argument {key!r} must be a list of numbers, got {shown(value)}"
                )
            out = []
            for i, item in enumerate(value):
                try:
                    out.append(finite_number(item))
                except ValueError as exc:
                    raise ValueError(f"{kind} distribution: {key}[{i}]: {exc}") from None
            return out
        try:
            return finite_number(value)
        except ValueError as exc:
            raise ValueError(f"{kind} distribution: argument {key!r}: {exc}") from None

    def support(self) -> tuple[float, float]:  # pragma: no cover - overridden
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at ``u`` in [0, 1), kept inside the field's open range where it has one."""
        x = self._ppf(u)
        return x if self._clip is None else np.clip(x, *self._clip)

    def _ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def clipped(self, low: float, high: float) -> _Dist:
        """A copy whose draws are clipped to [low, high] (not part of the data: dumps and hashes unchanged)."""
        out = self.model_copy()
        out._clip = (low, high)
        return out


def _listing(names: list[str]) -> str:
    return ", ".join(names)


def _order(kind: str, low: float, high: float) -> None:
    if not low < high:
        raise ValueError(f"{kind} distribution: needs low < high, got low={low:g}, high={high:g}")


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        _order("uniform", self.low, self.high)
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * u


class Normal(_Dist):
    """Normal(mean, sd), optionally truncated to [low, high] (a missing bound is unbounded)."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None
    positive: ClassVar[tuple[str, ...]] = ("sd",)

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        _order("normal", *self.support())
        return self

    def support(self) -> tuple[float, float]:
        return (
            -math.inf if self.low is None else self.low,
            math.inf if self.high is None else self.high,
        )

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr, ndtri

        low, high = self.support()
        a = ndtr((low - self.mean) / self.sd)
        b = ndtr((high - self.mean) / self.sd)
        x = self.mean + self.sd * ndtri(a + u * (b - a))
        return np.clip(x, low, high)


class Beta(_Dist):
    """Beta(a, b) scaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0
    positive: ClassVar[tuple[str, ...]] = ("a", "b")

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        _order("beta", self.low, self.high)
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import betaincinv

        return self.low + (self.high - self.low) * betaincinv(self.a, self.b, u)


class Triangular(_Dist):
    """Triangular(low, mode, high)."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        _order("triangular", self.low, self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"triangular distribution: mode {self.mode:g} must lie in [low, high] = "
                f"[{self.low:g}, {self.high:g}] (low <= mode <= high)"
            )
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        lo, c, hi = self.low, self.mode, self.high
        fc = (c - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - c))
        return np.clip(np.where(u < fc, left, right), lo, hi)


class Choice(_Dist):
    """One of ``values`` with optional ``weights``."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"choice distribution: needs as many weights as values, got {len(self.weights)} "
                    f"weights for {len(self.values)} values"
                )
            negative = [i for i, w in enumerate(self.weights) if w < 0]
            if negative:
                raise ValueError(
                    f"choice distribution: weights[{negative[0]}] is negative ({self.weights[negative[0]]:g}); "
                    "weights must be >= 0"
                )
            if not sum(self.weights) > 0:
                raise ValueError("choice distribution: weights sum to 0; at least one must be > 0")
        return self

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        cum = np.cumsum(w) / w.sum()
        idx = np.minimum(np.searchsorted(cum, u, side="right"), len(self.values) - 1)
        return np.asarray(self.values, float)[idx]


KINDS: dict[str, type[_Dist]] = {
    "uniform": Uniform,
    "normal": Normal,
    "beta": Beta,
    "triangular": Triangular,
    "choice": Choice,
}
_Union = Uniform | Normal | Beta | Triangular | Choice


def parse_distribution(value: Any) -> _Dist:
    """A distribution from a mapping with ``dist``; ``ValueError`` naming the argument and why otherwise."""
    from pydantic import ValidationError

    if isinstance(value, _Dist):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"expected a distribution (a mapping with 'dist'), got {shown(value)}")
    kind = value.get("dist")
    if kind is None:
        raise ValueError(
            f"a distribution needs 'dist': one of {', '.join(KINDS)}; got keys {', '.join(map(str, value))}"
        )
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"unknown distribution {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        return KINDS[kind].model_validate(value)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise ValueError(str(err["msg"]).removeprefix("Value error, ")) from None


def dump_param(value: Any, info: SerializationInfo) -> Any:
    """A number as is, a distribution as its mapping (how ``model_dump`` writes parameters)."""
    if isinstance(value, _Dist):
        return value.model_dump(mode=info.mode, exclude_none=info.exclude_none)
    return value


DUMP = PlainSerializer(dump_param)
"""Serializer of every field that may hold a distribution."""

Distribution = Annotated[
    _Union,
    PlainValidator(parse_distribution, json_schema_input_type=Annotated[_Union, Field(discriminator="dist")]),
    DUMP,
]
"""One of the distributions, chosen by its ``dist`` key."""


def parse_param(value: Any) -> float | _Dist:
    """A finite number or a distribution (a mapping with ``dist``); ``ValueError`` saying what is wrong."""
    if isinstance(value, dict | _Dist):
        return parse_distribution(value)
    try:
        return finite_number(value)
    except ValueError as exc:
        if str(exc).startswith("expected a number, got"):
            raise ValueError(
                str(exc).replace("expected a number,", "expected a number or a distribution,", 1)
            ) from None
        raise


Param = Annotated[
    float | _Union, PlainValidator(parse_param, json_schema_input_type=float | Distribution), DUMP
]
"""A numeric scenario parameter: a finite number, or a distribution drawn once per run."""


def check_bounds(value: Any, low: float, high: float) -> Any:
    """Raise ``ValueError`` unless the number or the distribution's support lies in [low, high]."""
    if isinstance(value, _Dist):
        lo, hi = value.support()
        if lo < low or hi > high:
            raise ValueError(
                f"a {value.dist} distribution with support [{lo:g}, {hi:g}] must lie within "
                f"[{low:g}, {high:g}]; give low/high bounds inside that range"
            )
    elif not (low <= value <= high):
        raise ValueError(f"expected a number in [{low:g}, {high:g}], got {value:g}")
    return value


def is_distribution(value: Any) -> bool:
    """True if ``value`` is a distribution rather than a fixed number."""
    return isinstance(value, _Dist)
