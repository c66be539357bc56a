"""Play mode on the web: /play (the page) and /api/play/* (start, step, load a game).

The server keeps nothing: the page holds the saved session (JSON text) and sends it back with each move;
the server replays it (bit-for-bit, as ``Session.load`` does), plays the new months and answers with the
updated session and everything the page draws. Uploaded scenario text is read by the web's safe reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from detente.errors import DetenteError

STATIC = Path(__file__).parent / "static"
MAX_PLAY_MONTHS = 600
"""Longest game the web plays (each move replays the game so far)."""
DEFAULT_HORIZON = 24
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,79}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewGame(_In):
    """A new game: scenario (bundled name or uploaded YAML), the side you play, the opponent, the length."""

    scenario: Ident | None = Field(
        "reset-2009", description="Bundled scenario name (ignored if `yaml` is given)."
    )
    yaml: str | None = Field(None, description="Text of an uploaded scenario file (YAML).")
    filename: Annotated[str, StringConstraints(max_length=255)] | None = None
    world: Ident | None = None
    conditions: list[Ident] = Field(default_factory=list, max_length=64)
    side: Ident = "W"
    opponent: Annotated[str, StringConstraints(max_length=64)] = "model"
    seed: Annotated[int, Field(ge=0, le=2**64 - 1)] | None = None
    run: Annotated[int, Field(ge=0, lt=2**63)] = 0
    horizon: Annotated[int, Field(ge=1, le=MAX_PLAY_MONTHS)] = DEFAULT_HORIZON


class Saved(_In):
    """A saved session (the JSON text the page holds)."""

    session: str = Field(description="The saved session (JSON text); the request-size limit bounds it.")


class Levers(Saved):
    """A saved session and the levers of the coming month."""

    reset: bool = False
    signal: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    offer: bool | None = None


class Step(Saved):
    """A saved session and the next move: C/D per issue (left out: the model's advice) and levers."""

    moves: dict[Ident, Literal["C", "D"]] = Field(default_factory=dict, max_length=64)
    reset: bool = False
    signal: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    offer: bool | None = None
    months: Annotated[int, Field(ge=1, le=12)] = 1


class Answer(BaseModel):
    """The updated session (JSON text to send back with the next move) and everything the page draws."""

    session: str
    view: dict[str, Any]


class NextMonth(BaseModel):
    """The coming month with the given levers: games, open issues, the model's advice (nothing played)."""

    next: dict[str, Any]


class Opponent(BaseModel):
    """An opponent: 'model' or a repeated-game doctrine."""

    name: str
    label: str


class Options(BaseModel):
    """What a game can be played against, and how long it may be."""

    opponents: list[Opponent]
    default_horizon: int
    max_horizon: int


def register(app: FastAPI, limits: Any = None) -> None:
    """Add /play and /api/play/* to the app."""
    from detente.web.app import ApiError, _responses

    errors = _responses(400, 413, 422)

    def answer(session: Any) -> dict[str, Any]:
        from detente.play.view import view

        return {"session": session.to_json(), "view": view(session)}

    def restore(text: str) -> Any:
        from detente.play.files import validate
        from detente.play.session import Session
        from detente.web.scenarios import from_yaml_text

        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise ApiError(422, "the session is not valid JSON", ["session: not valid JSON"]) from None
        spec = validate(data)
        if spec.horizon > MAX_PLAY_MONTHS:
            raise DetenteError(
                f"session.horizon: at most {MAX_PLAY_MONTHS} months on the web, got {spec.horizon}"
            )
        return Session.from_dict(data, text_loader=lambda t: from_yaml_text(t, "session scenario"))

    def guarded(work: Any) -> dict[str, Any]:
        try:
            return work()
        except DetenteError as exc:
            raise ApiError(422, "the game cannot go on", exc.problems) from None

    @app.get("/play", include_in_schema=False)
    def play_page() -> FileResponse:
        return FileResponse(STATIC / "play.html", headers={"Cache-Control": "no-cache"})

    @app.get("/api/play/options", tags=["play"], response_model=Options)
    def options() -> dict[str, Any]:
        """Opponents (the model or a repeated-game doctrine) and the default game length."""
        from detente.model.doctrines import doctrine
        from detente.play.session import opponent_names

        names = opponent_names()
        return {
            "opponents": [
                {"name": n, "label": "the model (its own intentions)" if n == "model" else doctrine(n).label}
                for n in names
            ],
            "default_horizon": DEFAULT_HORIZON,
            "max_horizon": MAX_PLAY_MONTHS,
        }

    @app.post("/api/play/new", tags=["play"], response_model=Answer, responses=errors)
    def new_game(body: NewGame) -> dict[str, Any]:
        """Start a game; the answer holds the session (JSON text to send back) and what to draw."""
        from detente.play.session import Session
        from detente.web.scenarios import base_scenario

        def work() -> dict[str, Any]:
            base = base_scenario(body.scenario, body.yaml, body.filename)
            source: Any = {"name": base.name} if body.yaml is None else {"yaml": body.yaml}
            if body.yaml is not None:
                from detente.web.scenarios import from_yaml_text

                loader: Any = lambda t: from_yaml_text(t, "session scenario")  # noqa: E731
            else:
                loader = None
            horizon = min(body.horizon, base.horizon)
            session = Session(
                source, body.side, body.opponent, body.seed, body.run, body.world, tuple(body.conditions), horizon,
                text_loader=loader,
            )  # fmt: skip
            return answer(session)

        return guarded(work)

    @app.post("/api/play/step", tags=["play"], response_model=Answer, responses=errors)
    def step(body: Step) -> dict[str, Any]:
        """Replay the session, play the next month (or up to 12), and answer with the updated session."""

        def work() -> dict[str, Any]:
            session = restore(body.session)
            session.step(dict(body.moves), body.reset, body.signal, body.offer, body.months)
            return answer(session)

        return guarded(work)

    @app.post("/api/play/preview", tags=["play"], response_model=NextMonth, responses=errors)
    def preview(body: Levers) -> dict[str, Any]:
        """The coming month with these levers (games, open issues, the model's advice); nothing is played."""
        from detente.play.view import finite

        return guarded(
            lambda: {"next": finite(restore(body.session).preview(body.reset, body.signal, body.offer))}
        )

    @app.post("/api/play/load", tags=["play"], response_model=Answer, responses=errors)
    def load(body: Saved) -> dict[str, Any]:
        """Replay a saved session (e.g. a downloaded file) and answer with what to draw."""
        return guarded(lambda: answer(restore(body.session)))
