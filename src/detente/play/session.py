"""A played game: one side chosen by a person, the other by the model or a repeated-game doctrine.

A played month is the model's own month (``detente.model.month``): ``month_games`` (steps 1–3),
``moves`` (steps 4–5, both sides), then the played side's realised moves are replaced by the person's
choices passed through that side's implementation noise with the model's own draw, and ``month_learn``
(steps 6–8). Levers are the model's dated arrays in a private copy of the run's parameters: a reset sets
``P.reset[t]``; an inclusion offer sets ``P.iota[run, t:]``; a costly signal is appended to ``P.sig_*``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import DetenteError
from detente.model import month as M
from detente.model.behaviour import INTENT, NOISE, noisy, site
from detente.model.beliefs import separating_cost
from detente.model.equation import pure
from detente.rng import month_key, site_key, u53, uhi, ulo
from detente.scenario.schema import Scenario, Signal, month_label

FORMAT = "detente-play"
FORMAT_VERSION = 1
MODEL = "model"
"""The opponent that plays by the model's own intentions."""
REGIMES = ("strategic", "tactical", "frozen")
"""Regime labels by the model's codes (``detente.model.regime``)."""

_month_games, _moves, _month_learn = pure(M.month_games), pure(M.moves), pure(M.month_learn)
_start_run, _new_state, _ci = pure(M.start_run), M.new_state, pure(M.month_ci)
_site, _noisy, _site_key = pure(site), pure(noisy), pure(site_key)
_uhi, _ulo, _u53, _month_key = pure(uhi), pure(ulo), pure(u53), pure(month_key)
_separating_cost = pure(separating_cost)


@dataclass(frozen=True)
class Choice:
    """What the person chose for one month: intended moves per issue (True = C) and levers."""

    moves: tuple[bool, ...]
    reset: bool = False
    signal: float | None = None
    offer: bool | None = None

    def to_json(self, issues: tuple[str, ...]) -> dict[str, Any]:
        """The choice as saved in a session file."""
        return {
            "moves": {k: "C" if c else "D" for k, c in zip(issues, self.moves, strict=True)},
            "reset": self.reset,
            "signal": self.signal,
            "offer": self.offer,
        }


@dataclass
class MonthRecord:
    """Everything one played month produced (copies of the model's state after each stage)."""

    t: int
    date: str
    choice: Choice
    regime: str
    L_start: np.ndarray  # (2,) log-odds before the month
    L_exo: np.ndarray  # (2,) after events and signals (step 2)
    L_end: np.ndarray  # (2,) after learning (step 7)
    intended: np.ndarray  # (2, K) bool
    a: np.ndarray  # (2, K) bool realised moves
    o: np.ndarray  # (2, K) bool what each side saw the other do
    G: np.ndarray  # (K,) bool issue open
    t_star: np.ndarray  # (2, K)
    pi: np.ndarray  # (2, K)
    e: np.ndarray  # (2, K) bool: the side's malign type would exploit
    pay: np.ndarray  # (5, 2, K)
    z: np.ndarray  # (2, K) grievances after the month
    theta: np.ndarray  # (2,) bool true types
    ci: float
    iota: float
    tau: np.ndarray  # the common threat this month (per side in model v2)
    J: np.ndarray  # (2, K) bool: the side is in the offered architecture of issue k
    joined: np.ndarray  # (2,) first month each side joined an architecture, -1 never
    events: list[dict[str, Any]] = field(default_factory=list)
    signal: dict[str, Any] | None = None

    @property
    def p_start(self) -> np.ndarray:
        """Trust before the month."""
        return 1.0 / (1.0 + np.exp(-self.L_start))

    @property
    def p_end(self) -> np.ndarray:
        """Trust after the month."""
        return 1.0 / (1.0 + np.exp(-self.L_end))


def _copy_state(s: M.State) -> M.State:
    return M.State(*(np.array(x, copy=True) for x in s))


def _field(s: Any, name: str, shape: tuple[int, ...], fill: int = 0) -> np.ndarray:
    """A copy of a state field, or a constant where the model has no such field."""
    return np.array(getattr(s, name), copy=True) if hasattr(s, name) else np.full(shape, fill)


def _on(value: Any, side: int) -> float:
    """A parameter that may be per side (model v2) read for one side."""
    arr = np.asarray(value)
    return float(arr.reshape(-1)[side] if arr.size > 1 else arr.reshape(-1)[0])


def opponent_names() -> list[str]:
    """Accepted opponents: the model, then every repeated-game doctrine (aliases such as tft, grim work too)."""
    from detente.model.doctrines import doctrine_names

    return [MODEL, *doctrine_names()]


class Session:
    """A game in progress: ``step`` plays months, ``explain`` says what each side believes and why."""

    def __init__(
        self,
        scenario: str | Path | Mapping[str, Any] | Scenario = "reset-2009",
        side: str = "W",
        opponent: str = MODEL,
        seed: int | None = None,
        run: int = 0,
        world: str | None = None,
        conditions: tuple[str, ...] | list[str] = (),
        horizon: int | None = None,
        *,
        text_loader: Callable[[str], Scenario] | None = None,
    ) -> None:
        from detente.engine.compile import Compiled
        from detente.engine.simulate import resolve_initial_trust
        from detente.limits import check_limit, check_seed
        from detente.scenario.load import bundled_scenarios, load_scenario
        from detente.scenario.overrides import variant_problems

        if isinstance(scenario, Mapping) and set(scenario) <= {"name", "yaml"} and scenario:
            self.source = dict(scenario)
            base = _from_source(self.source, text_loader)
        else:
            base = load_scenario(dict(scenario) if isinstance(scenario, Mapping) else scenario)
            named = isinstance(scenario, str) and scenario in bundled_scenarios()
            self.source = {"name": scenario} if named else {"yaml": base.to_yaml()}
        conditions = tuple(conditions)
        problems = variant_problems(base, [world] if world else [], list(conditions))
        if problems:
            raise DetenteError(problems)
        cell = base.cell(world, conditions) if (world or conditions) else base
        self.base, self.scenario, self.world, self.conditions = base, cell, world, conditions
        self.sides: tuple[str, str] = cell.side_ids
        self.issues: tuple[str, ...] = tuple(cell.issues)
        if side not in self.sides:
            raise DetenteError(f"side: expected one of {', '.join(self.sides)}, got {side!r}")
        self.side_id, self.human = side, self.sides.index(side)
        self.other = 1 - self.human
        self.seed = check_seed("seed", cell.seed if seed is None else seed)
        if isinstance(run, bool) or not isinstance(run, int | np.integer) or run < 0:
            raise DetenteError(f"run: expected a whole number >= 0, got {run!r}")
        check_limit("run", "runs", int(run), "run index")
        self.run = int(run)
        self.horizon = cell.horizon if horizon is None else int(horizon)
        if not 1 <= self.horizon <= cell.horizon:
            raise DetenteError(
                f"horizon: expected 1 to {cell.horizon} months (the scenario's), got {horizon}"
            )
        self.opponent, self.doctrine = _opponent(opponent)
        self.initial_trust = resolve_initial_trust(cell)
        compiled = Compiled(cell, self.seed, self.initial_trust)
        self.structure = compiled.structure
        P = compiled.draw(np.array([self.run]))
        self.P = P
        self.K = len(self.issues)
        self.s = _new_state(self.K)
        with np.errstate(over="ignore"):
            _start_run(self.s, self.P, 0)
        self.doc_state = np.full(self.K, self.doctrine.initial if self.doctrine else 0, dtype=np.int64)
        self.months: list[MonthRecord] = []
        self.choices: list[Choice] = []
        self.replay_problems: list[str] = []
        self._preview: tuple[Any, dict[str, Any]] | None = None
        self.offering = sorted({1 - int(j) for j in self.P.invited if j >= 0})
        strategic = [k for k in range(self.K) if self.P.strategic[k]]
        self.signal_issue = strategic[0] if strategic else 0

    # ---- reading ------------------------------------------------------------------------------------
    @property
    def t(self) -> int:
        """The next month to play (0-based)."""
        return len(self.months)

    @property
    def done(self) -> bool:
        """True when the session's horizon has been played."""
        return self.t >= self.horizon

    def date(self, t: int) -> str:
        """The 'YYYY-MM' label of month ``t``."""
        return month_label(self.scenario.start, t)

    @property
    def state(self) -> dict[str, Any]:
        """Where the game stands: next month, each side's trust, grievances and score so far."""
        trust = 1.0 / (1.0 + np.exp(-self.s.L))
        return {
            "month": self.t,
            "date": self.date(min(self.t, self.scenario.horizon - 1)),
            "done": self.done,
            "horizon": self.horizon,
            "you": self.side_id,
            "opponent": self.opponent,
            "trust": {sid: float(trust[j]) for j, sid in enumerate(self.sides)},
            "grievances": {
                sid: [self.issues[k] for k in range(self.K) if self.s.z[j, k]]
                for j, sid in enumerate(self.sides)
            },
            "regime": self.months[-1].regime if self.months else None,
            "score": self.scores(),
        }

    def scores(self) -> dict[str, float]:
        """Each side's summed payoff so far (its own transformed payoffs of the realised moves)."""
        from detente.play.explain import payoff

        total = [0.0, 0.0]
        for rec in self.months:
            for j in range(2):
                total[j] += sum(payoff(rec, j, k) for k in range(self.K))
        return {sid: total[j] for j, sid in enumerate(self.sides)}

    def preview(
        self, reset: bool = False, signal: float | None = None, offer: bool | None = None
    ) -> dict[str, Any]:
        """The coming month with these levers: issue games and the model's advice for your side.

        Computed on copies of the state and parameters (steps 1–5 of the model), so nothing is played.
        """
        if self.done:
            raise DetenteError(f"the game is over: all {self.horizon} months have been played")
        self._check_levers(signal, offer)
        levers = (bool(reset), None if signal is None else float(signal), offer)
        if self._preview is None or self._preview[0] != levers:
            t = self.t
            P, _ = self._with_levers(self.P, t, *levers)
            s = _copy_state(self.s)
            with np.errstate(over="ignore"):
                g, regime = _month_games(s, P, 0, t)
                key_t = _month_key(P.keys[0], t)
                _moves(g, P, 0, key_t)
                advice = [self._intended(g, key_t, self.human, k) for k in range(self.K)]
            self._preview = (levers, self._describe_next(P, g, s, REGIMES[regime], advice))
        return self._preview[1]

    def _describe_next(
        self, P: Any, g: M.State, s: M.State, regime: str, advice: list[bool]
    ) -> dict[str, Any]:
        t, h = self.t, self.human
        return {
            "month": t,
            "date": self.date(t),
            "regime": regime,
            "advice": {k: "C" if c else "D" for k, c in zip(self.issues, advice, strict=True)},
            "open": {k: bool(g.G[j]) for j, k in enumerate(self.issues)},
            "t_star": {k: float(g.t_star[h, j]) for j, k in enumerate(self.issues)},
            "pi": {k: float(g.pi[h, j]) for j, k in enumerate(self.issues)},
            "trust": {sid: float(1.0 / (1.0 + math.exp(-s.L[j]))) for j, sid in enumerate(self.sides)},
            "eps": float(P.side[0, h]["eps"]),
            "separating_cost": self._separating_cost(P),
            "signal_issue": self.issues[self.signal_issue],
            "can_offer": h in self.offering,
            "offer_now": bool(self.P.iota[0, t] > 0) if self.offering else None,
        }

    def _separating_cost(self, P: Any) -> float:
        """x* = δ(T_M − P0) of your side on the signal's issue, with the scenario's default signal δ."""
        k, h = self.signal_issue, self.human
        delta = Signal.model_fields["delta"].default
        return float(_separating_cost(_on(P.issue[0, k]["P0"], h), _on(P.issue[0, k]["T_M"], h), delta))

    def _intended(self, g: M.State, key_t: Any, side: int, k: int) -> bool:
        """The model's intention behind a realised move: the noise flip undone with the same draw."""
        bits = _site_key(key_t, _site(side, k, NOISE, self.K))
        return bool(_noisy(g.a[side, k], _uhi(bits), self.P.side[0, side]["eps"]))

    # ---- playing ------------------------------------------------------------------------------------
    def step(
        self,
        moves: Mapping[str, str | bool] | None = None,
        reset: bool = False,
        signal: float | None = None,
        offer: bool | None = None,
        months: int = 1,
    ) -> list[MonthRecord]:
        """Play ``months`` months (12 = a year) with these moves; issues left out follow the model's advice.

        ``moves`` maps issue -> "C"/"D" (or True/False); a move left out is what the model would have your
        side intend that month. A reset and a signal act in the first month only; an offer (on/off) holds
        from this month on.
        """
        if self.done:
            raise DetenteError(f"the game is over: all {self.horizon} months have been played")
        chosen = self._parse_moves(moves)
        problems = self._lever_problems(signal, offer)
        if isinstance(months, bool) or not isinstance(months, int) or months < 1:
            problems.append(f"months: expected a whole number >= 1, got {months!r}")
        if problems:
            raise DetenteError(problems)
        mine = {self.issues.index(k): v for k, v in chosen.items()}
        signal = None if signal is None else float(signal)
        offer = None if offer is None else bool(offer)
        played = []
        for n in range(min(months, self.horizon - self.t)):
            first = n == 0
            levers = (bool(reset), signal, offer) if first else (False, None, None)
            played.append(self._play(mine, *levers))
        return played

    def _lever_problems(self, signal: Any, offer: Any) -> list[str]:
        problems = []
        if signal is not None and (
            isinstance(signal, bool)
            or not isinstance(signal, int | float)
            or not math.isfinite(signal)
            or signal < 0
        ):
            problems.append(f"signal: expected a size >= 0 (a number), got {signal!r}")
        if offer is not None and self.human not in self.offering:
            who = (
                ", ".join(self.sides[j] for j in self.offering)
                or "no side (the scenario has no inclusion terms)"
            )
            problems.append(f"offer: only the offering side can offer inclusion: {who}")
        return problems

    def _check_levers(self, signal: Any, offer: Any) -> None:
        problems = self._lever_problems(signal, offer)
        if problems:
            raise DetenteError(problems)

    def _parse_moves(self, moves: Mapping[str, str | bool] | None) -> dict[str, bool]:
        out, problems = {}, []
        for k, v in (moves or {}).items():
            if k not in self.issues:
                problems.append(f"moves.{k}: no such issue (issues: {', '.join(self.issues)})")
            elif isinstance(v, bool):
                out[k] = v
            elif isinstance(v, str) and v.upper() in ("C", "D"):
                out[k] = v.upper() == "C"
            else:
                problems.append(f"moves.{k}: expected 'C' or 'D', got {v!r}")
        if problems:
            raise DetenteError(problems)
        return out

    def _with_levers(
        self, P: Any, t: int, reset: bool, signal: float | None, offer: bool | None
    ) -> tuple[Any, dict[str, Any] | None]:
        """P with the person's levers written into the run's dated arrays for month t (and later); P is not changed."""
        if reset:
            P = P._replace(reset=P.reset.copy())
            P.reset[t] = True
        if offer is not None:
            P = P._replace(iota=P.iota.copy())
            P.iota[0, t:] = 1.0 if offer else 0.0
        if signal is None:
            return P, None
        x_star = self._separating_cost(P)
        separating = bool(signal >= x_star)
        mimic = Signal.model_fields["mimic"].default
        P = P._replace(
            sig_month=np.append(P.sig_month, np.int64(t)),
            sig_sender=np.append(P.sig_sender, np.int64(self.human)),
            sig_separating=np.append(P.sig_separating, [[separating]], axis=1),
            sig_log_mimic=np.append(P.sig_log_mimic, [[math.log(mimic)]], axis=1),
        )
        return P, {
            "sender": self.side_id,
            "size": signal,
            "separating_cost": x_star,
            "separating": separating,
        }

    def _play(
        self,
        mine: Mapping[int, bool],
        reset: bool = False,
        signal: float | None = None,
        offer: bool | None = None,
    ) -> MonthRecord:
        """One month of the model with your side's moves replaced by ``mine`` (issue index -> C?); issues
        left out take the model's own intention for your side this month."""
        t, s, h, o, K = self.t, self.s, self.human, self.other, self.K
        self.P, sig = self._with_levers(self.P, t, reset, signal, offer)
        P = self.P
        L_start = s.L.copy()
        with np.errstate(over="ignore"):
            g, regime = _month_games(s, P, 0, t)
            L_exo = s.L.copy()
            key_t = _month_key(P.keys[0], t)
            _moves(g, P, 0, key_t)
            intended = np.zeros((2, K), np.bool_)
            for k in range(K):
                intended[o, k] = self._intended(g, key_t, o, k)
                intended[h, k] = mine[k] if k in mine else self._intended(g, key_t, h, k)
                self._realise(g, key_t, h, k, bool(intended[h, k]))
                if self.doctrine is not None:
                    u = _u53(_site_key(key_t, _site(o, k, INTENT, K)))
                    intended[o, k] = u < self.doctrine.p_coop[self.doc_state[k]]
                    self._realise(g, key_t, o, k, bool(intended[o, k]))
            _month_learn(g, s, P, 0)
            ci = float(_ci(g))
        if self.doctrine is not None:
            for k in range(K):  # the doctrine reacts to its own act and to what it saw the person do
                own, seen = 0 if g.a[o, k] else 1, 0 if g.o[o, k] else 1
                self.doc_state[k] = self.doctrine.next_state[self.doc_state[k]][own][seen]
        choice = Choice(tuple(bool(x) for x in intended[h]), reset, signal, offer)
        rec = MonthRecord(
            t=t, date=self.date(t), choice=choice, regime=REGIMES[regime], L_start=L_start, L_exo=L_exo,
            L_end=s.L.copy(), intended=intended, a=g.a.copy(), o=g.o.copy(), G=g.G.copy(),
            t_star=g.t_star.copy(), pi=g.pi.copy(), e=g.e.copy(), pay=g.pay.copy(), z=s.z.copy(),
            theta=s.theta.copy(), ci=ci, iota=float(P.iota[0, t]), tau=np.asarray(P.tau[0, t], float).copy(),
            J=_field(g, "J", (2, K)), joined=_field(s, "joined", (2,), -1),
            events=self._events(t), signal=sig,
        )  # fmt: skip
        self.months.append(rec)
        self.choices.append(choice)
        self._preview = None
        return rec

    def _realise(self, g: M.State, key_t: Any, side: int, k: int, intend: bool) -> None:
        """A chosen move through the side's implementation noise, with the draw ``moves`` uses (§10.5 step 5)."""
        bits = _site_key(key_t, _site(side, k, NOISE, self.K))
        g.a[side, k] = _noisy(intend, _uhi(bits), self.P.side[0, side]["eps"])
        g.u_see[side, k] = _ulo(bits)

    def _events(self, t: int) -> list[dict[str, Any]]:
        """The scenario's events of month t that occurred in this run, with their evidence for their observer."""
        P, out = self.P, []
        for j in np.flatnonzero(P.ev_month == t):
            dl = float(P.ev_dl[0, j])
            if dl == 0.0:
                continue
            entry = self.structure.events[int(j)]
            ev = self.scenario.events[int(entry[3]) if len(entry) > 3 else int(j)]
            out.append(
                {
                    "observer": self.sides[int(P.ev_obs[j])],
                    "label": ev.label or ev.kind or f"event {int(j)}",
                    "actor": ev.actor,
                    "evidence": dl,
                }
            )
        return out

    # ---- explaining, saving, replaying ----------------------------------------------------------------
    def explain(self, month: int | None = None) -> str:
        """What each side believes after a played month (default: the last) and why, in words."""
        from detente.play.explain import explain_text

        return explain_text(self, self._record(month))

    def explain_data(self, month: int | None = None) -> dict[str, Any]:
        """The explanation of a played month as data (what the page shows)."""
        from detente.play.explain import explain_month

        return explain_month(self, self._record(month))

    def _record(self, month: int | None) -> MonthRecord:
        if not self.months:
            raise DetenteError("no month has been played yet: call step() first")
        try:
            return self.months[-1 if month is None else month]
        except IndexError:
            raise DetenteError(f"month: expected 0 to {self.t - 1}, got {month}") from None

    def to_dict(self) -> dict[str, Any]:
        """The session as saved: scenario, seed, run, side, opponent, horizon, every choice, and the trust path."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "scenario": self.source,
            "scenario_hash": self.scenario.content_hash(),
            "world": self.world,
            "conditions": list(self.conditions),
            "seed": self.seed,
            "run": self.run,
            "side": self.side_id,
            "opponent": self.opponent,
            "horizon": self.horizon,
            "choices": [c.to_json(self.issues) for c in self.choices],
            "log_odds": [[float(x) for x in rec.L_end] for rec in self.months],
        }

    def to_json(self) -> str:
        """The saved session as JSON text."""
        return json.dumps(self.to_dict(), indent=1)

    def save(self, path: str | Path) -> Path:
        """Write the session to a JSON file; ``Session.load`` replays it."""
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: Any, text_loader: Callable[[str], Scenario] | None = None) -> Session:
        """Rebuild a saved session by replaying its choices; ``replay_problems`` notes months that now differ."""
        from detente.play.files import SessionFile, validate

        spec: SessionFile = validate(data)
        session = cls(
            spec.scenario.model_dump(exclude_none=True), spec.side, spec.opponent, spec.seed, spec.run,
            spec.world, tuple(spec.conditions), spec.horizon, text_loader=text_loader,
        )  # fmt: skip
        if len(spec.choices) > session.horizon:
            raise DetenteError(
                f"choices: {len(spec.choices)} months chosen but the horizon is {session.horizon}"
            )
        for i, c in enumerate(spec.choices):
            try:
                moves = dict(enumerate(session._full_moves(c.moves, i)))
                session._play(moves, c.reset, c.signal, c.offer)
            except DetenteError as exc:
                raise DetenteError([f"choices.{i}.{p}" for p in exc.problems]) from None
        if spec.scenario_hash and spec.scenario_hash != session.scenario.content_hash():
            session.replay_problems.append(
                "scenario: the scenario has changed since the session was saved; the replay uses today's"
            )
        for i, saved in enumerate(spec.log_odds or []):
            if i < len(session.months) and list(saved) != [float(x) for x in session.months[i].L_end]:
                session.replay_problems.append(
                    f"log_odds.{i}: the replayed trust differs from the saved one from month {i} on "
                    "(the model or scenario changed since the session was saved)"
                )
                break
        return session

    def _full_moves(self, moves: Mapping[str, str], i: int) -> tuple[bool, ...]:
        missing = [k for k in self.issues if k not in moves]
        if missing:
            raise DetenteError(f"moves: no move for {', '.join(missing)}")
        parsed = self._parse_moves(moves)
        return tuple(parsed[k] for k in self.issues)

    @classmethod
    def from_json(cls, text: str, text_loader: Callable[[str], Scenario] | None = None) -> Session:
        """A session from saved JSON text."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise DetenteError(f"session: not valid JSON ({exc})") from None
        return cls.from_dict(data, text_loader)

    @classmethod
    def load(cls, path: str | Path) -> Session:
        """Load a saved session file and replay it."""
        from detente.scenario.document import read_text

        return cls.from_json(read_text(Path(path), DetenteError))

    def replay(self) -> Session:
        """A fresh session with the same set-up and every choice played again (bit-for-bit the same months)."""
        return Session.from_dict(self.to_dict())

    def to_pandas(self) -> Any:
        """One row per played month: trust, regime, cooperation index, moves (intended, realised, seen), levers."""
        import pandas as pd

        rows = []
        for rec in self.months:
            row: dict[str, Any] = {"month": rec.t, "date": rec.date, "regime": rec.regime, "ci": rec.ci}
            for j, sid in enumerate(self.sides):
                row[f"trust_{sid}"] = float(rec.p_end[j])
            for k, iid in enumerate(self.issues):
                row[f"open_{iid}"] = bool(rec.G[k])
                for j, sid in enumerate(self.sides):
                    row[f"{sid}_{iid}"] = "C" if rec.a[j, k] else "D"
            row.update(
                reset=rec.choice.reset, signal=rec.choice.signal, offer=rec.choice.offer, iota=rec.iota
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (
            f"Session({self.scenario.name!r}, side={self.side_id!r}, opponent={self.opponent!r}, "
            f"month {self.t} of {self.horizon})"
        )


def _opponent(name: str) -> tuple[str, Any]:
    """The opponent's canonical name and doctrine (None for the model)."""
    from detente.model.doctrines import doctrine

    if not isinstance(name, str):
        raise DetenteError(f"opponent: expected 'model' or a doctrine name, got {name!r}")
    if name.strip().lower() == MODEL:
        return MODEL, None
    try:
        doc = doctrine(name)
    except DetenteError as exc:
        raise DetenteError(f"opponent: {exc.problems[0]} (or 'model')") from None
    return doc.name, doc


def _from_source(source: dict[str, Any], text_loader: Callable[[str], Scenario] | None) -> Scenario:
    """The scenario a saved session names: a bundled scenario, or its YAML text (read by ``text_loader``)."""
    from detente.scenario.load import bundled_scenarios, load_scenario, parse_document, validate_mapping

    if source.get("yaml") is not None:
        if text_loader is not None:
            return text_loader(source["yaml"])
        data, lines = parse_document(source["yaml"], "session scenario")
        return validate_mapping(data, origin="session scenario", lines=lines)
    name = source.get("name")
    if name not in bundled_scenarios():
        raise DetenteError(
            f"scenario.name: no bundled scenario {name!r} (bundled: {', '.join(bundled_scenarios())})"
        )
    return load_scenario(name)


def play(
    scenario: str | Path | Mapping[str, Any] | Scenario = "reset-2009",
    side: str = "W",
    seed: int | None = None,
    opponent: str = MODEL,
    run: int = 0,
    world: str | None = None,
    conditions: tuple[str, ...] | list[str] = (),
    horizon: int | None = None,
) -> Session:
    """Start a game: you play ``side``; ``opponent`` is 'model' or a doctrine ('tft', 'gtft', 'grim', ...)."""
    return Session(scenario, side, opponent, seed, run, world, conditions, horizon)
