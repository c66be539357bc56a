"""The saved-session format (JSON), validated with pydantic: one message per problem, naming its field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from detente.errors import DetenteError
from detente.limits import MAX_SEED

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,79}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """A bundled scenario by name, or a scenario's YAML text."""

    name: Name | None = None
    yaml: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Source:
        if (self.name is None) == (self.yaml is None):
            raise ValueError("give exactly one of 'name' (a bundled scenario) or 'yaml' (its text)")
        return self


class SavedChoice(_Strict):
    """One month's choice: a move per issue and the levers."""

    moves: dict[Name, Literal["C", "D"]]
    reset: bool = False
    signal: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    offer: bool | None = None


class SessionFile(_Strict):
    """A saved play session (``Session.to_dict``)."""

    format: Literal["detente-play"]
    format_version: Literal[1] = 1
    scenario: Source
    scenario_hash: str | None = None
    world: Name | None = None
    conditions: list[Name] = Field(default_factory=list, max_length=64)
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    run: Annotated[int, Field(ge=0, lt=2**63)] = 0
    side: Name
    opponent: Annotated[str, StringConstraints(max_length=64)] = "model"
    horizon: Annotated[int, Field(ge=1, le=100_000)]
    choices: list[SavedChoice] = Field(default_factory=list, max_length=100_000)
    log_odds: list[list[float]] | None = Field(None, max_length=100_000)


def validate(data: Any) -> SessionFile:
    """A saved session, or ``DetenteError`` listing each problem as ``field: what was expected``."""
    try:
        return SessionFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()))
            problems.append(
                f"session.{loc}: {err.get('msg', 'invalid value')}" if loc else f"session: {err['msg']}"
            )
        raise DetenteError(problems) from None
