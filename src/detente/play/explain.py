"""What each side believes after a played month and why, as data and as sentences.

Numbers are read from the model's own state after each stage of the month (``MonthRecord``): the change
of trust from events and signals (step 2) and from observed moves (step 7), each issue's threshold t*
against the expected cooperation π (step 3), and which moves carried information (step 7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from detente.model.month import P_, R_, S_, TB_, TM_

if TYPE_CHECKING:
    from detente.play.session import MonthRecord, Session

REGIME_WORDS = {
    "strategic": "strategic: a strategic issue is open",
    "tactical": "tactical: some tactical issues are open, no strategic one",
    "frozen": "frozen: no issue is open",
}


def payoff(rec: MonthRecord, side: int, k: int) -> float:
    """The side's own payoff on issue k from the realised moves (its type picks T'_B or T'_M)."""
    mine, theirs = rec.a[side, k], rec.a[1 - side, k]
    temptation = TB_ if rec.theta[side] else TM_
    row = ((R_, S_), (temptation, P_))[0 if mine else 1][0 if theirs else 1]
    return float(rec.pay[row, side, k])


def _p(L: float) -> float:
    return float(1.0 / (1.0 + np.exp(-L)))


def _change(x: float) -> str:
    """A change of trust: three decimals, or two significant digits when smaller than that."""
    return f"{x:+.3f}" if abs(x) >= 5e-4 or x == 0 else f"{x:+.2g}"


def _mv(c: bool) -> str:
    return "C" if c else "D"


def _previous_moves(session: Session, rec: MonthRecord) -> np.ndarray:
    """Each side's own realised moves of the month before (all C before month 0, as ``start_run`` sets)."""
    return session.months[rec.t - 1].a if rec.t > 0 else np.ones_like(rec.a)


def _threshold(t: float) -> str:
    return f"{t:.2f}" if np.isfinite(t) else "∞ (no level of trust suffices)"


def _side_beliefs(session: Session, rec: MonthRecord, j: int) -> dict[str, Any]:
    """One side's trust in the other, its change and the sources of the change."""
    me, other = session.sides[j], session.sides[1 - j]
    o = 1 - j
    before, mid, after = _p(rec.L_start[j]), _p(rec.L_exo[j]), _p(rec.L_end[j])
    sources: list[dict[str, Any]] = []
    events = [e for e in rec.events if e["observer"] == me]
    for e in events:
        tone = "reassuring" if e["evidence"] > 0 else "alarming"
        sources.append(
            {
                "kind": "event",
                "text": f"event: {e['label']} ({e['actor']}), {tone} (log-odds evidence {e['evidence']:+.2f}"
                + (
                    ", hostile evidence amplified by the Cold-War cohort's negativity bias)"
                    if e["evidence"] < 0
                    else ")"
                ),
            }
        )
    sig = rec.signal
    if sig is not None and sig["sender"] == other:
        if sig["separating"]:
            words = (
                f"{other} sent a costly signal of size {sig['size']:g} ≥ x* = {sig['separating_cost']:.2f}: "
                "only a benign type would pay that much, so it separates"
                + (" (it moved trust to the ceiling)" if mid > before + 1e-12 else "")
            )
        else:
            words = (
                f"{other} sent a signal of size {sig['size']:g} < x* = {sig['separating_cost']:.2f}: a malign type "
                "would send it too (cheap talk), so it proves nothing"
            )
        sources.append({"kind": "signal", "text": words})
    if rec.choice.reset:
        sources.append(
            {
                "kind": "reset",
                "text": "a reset cleared both sides' grievances (cheap talk: beliefs unchanged)",
            }
        )
    if abs(mid - before) > 1e-12:
        sources.append({"kind": "step2", "text": f"events and signals moved trust {before:.3f} → {mid:.3f}"})
    P = session.P
    provoked = ~rec.o[j] & ~_previous_moves(session, rec)[j]
    moves = []
    for k, iid in enumerate(session.issues):
        label = session.scenario.issues[iid].label or iid
        seen, did = bool(rec.o[j, k]), bool(rec.a[o, k])
        exploitable = bool(rec.e[o, k] and not rec.J[o, k])
        informative = bool(rec.G[k] and exploitable)
        ell = float(P.ell_C[0, o] if seen else P.ell_D[0, o])
        if not rec.G[k]:
            text = f"{label}: closed; uninformative (on a closed issue every type of {other} defects)"
        elif rec.J[o, k]:
            text = (
                f"{label}: saw {other} play {_mv(seen)}; uninformative: {other} is inside the architecture, "
                "where even a malign type cannot exploit"
            )
        elif not exploitable:
            text = (
                f"{label}: saw {other} play {_mv(seen)}; uninformative: even a malign {other} would cooperate here "
                "(its temptation T'_M does not exceed the reward R')"
            )
        elif seen:
            text = (
                f"{label}: saw {other} cooperate; a malign {other} would have been tempted to exploit, "
                f"so this is evidence of a benign {other} (ℓ = {ell:+.2f})"
            )
        else:
            text = f"{label}: saw {other} defect; evidence of a malign {other} (ℓ = {ell:+.2f})"
            if provoked[k]:
                text += f", discounted because it answered {me}'s own D of last month (attribution)"
        if seen != did:
            text += f" — {other} actually played {_mv(did)}: perception noise"
        moves.append(
            {"issue": iid, "seen": _mv(seen), "informative": informative, "evidence": ell, "text": text}
        )
    learnt = after - mid
    if abs(learnt) > 1e-12:
        sources.append({"kind": "moves", "text": f"observed moves moved trust {mid:.3f} → {after:.3f}"})
    elif any(m["informative"] for m in moves):
        sources.append({"kind": "moves", "text": "observed moves left trust where it was (at its bound)"})
    else:
        sources.append(
            {"kind": "moves", "text": "no open issue where a malign type would exploit: moves taught nothing"}
        )
    head = (
        f"{me} trusts {other} (Pr {other} is benign): {before:.3f} → {after:.3f} ({_change(after - before)})"
    )
    return {
        "side": me,
        "p_before": before,
        "p_after_events": mid,
        "p_after": after,
        "change": after - before,
        "change_events": mid - before,
        "change_moves": learnt,
        "sources": sources,
        "moves": moves,
        "grievances": [session.issues[k] for k in range(session.K) if rec.z[j, k]],
        "text": head,
    }


def _issue(session: Session, rec: MonthRecord, k: int) -> dict[str, Any]:
    """An issue's game this month: thresholds, expected cooperation, open or closed, and the moves."""
    iid = session.issues[k]
    label = session.scenario.issues[iid].label or iid
    per = {}
    short = []
    for j, sid in enumerate(session.sides):
        t, pi = float(rec.t_star[j, k]), float(rec.pi[j, k])
        flipped = bool(rec.intended[j, k]) != bool(rec.a[j, k])
        per[sid] = {
            "t_star": t,
            "pi": pi,
            "enough": pi >= t,
            "intended": _mv(rec.intended[j, k]),
            "played": _mv(rec.a[j, k]),
            "flipped": flipped,
            "payoff": payoff(rec, j, k),
        }
        if pi < t:
            short.append(f"{sid} expects cooperation {pi:.2f}, below its threshold t* = {_threshold(t)}")
    if rec.G[k]:
        why = "open: " + "; ".join(
            f"{sid} expects {v['pi']:.2f} ≥ t* {v['t_star']:.2f}" for sid, v in per.items()
        )
    else:
        why = "closed: " + "; ".join(short)
    flips = [
        f"{sid}'s {v['intended']} came out as {v['played']} (implementation noise)"
        for sid, v in per.items()
        if v["flipped"]
    ]
    text = f"{label}: {why}. Moves: " + ", ".join(f"{sid} {v['played']}" for sid, v in per.items())
    if flips:
        text += "; " + "; ".join(flips)
    return {"issue": iid, "label": label, "open": bool(rec.G[k]), "sides": per, "text": text}


def explain_month(session: Session, rec: MonthRecord) -> dict[str, Any]:
    """A played month explained as data: regime, each side's beliefs and their sources, each issue's game."""
    you, them = session.side_id, session.sides[session.other]
    notes = []
    if session.doctrine is not None:
        notes.append(
            f"{them} plays the {session.doctrine.label} doctrine on every issue; its beliefs below are the model's, "
            "which its moves do not use"
        )
    for j, sid in enumerate(session.sides):
        if rec.joined[j] == rec.t:
            notes.append(
                f"{sid} joined the offered architecture this month (it pays when its discount factor clears its "
                "type's sustainment threshold; joining that only a benign type would choose is a separating signal)"
            )
    if rec.choice.offer is not None:
        notes.append(
            f"{you} {'offered' if rec.choice.offer else 'withdrew'} inclusion (ι = {rec.iota:g} from now on)"
        )
    return {
        "month": rec.t,
        "date": rec.date,
        "regime": rec.regime,
        "regime_text": REGIME_WORDS[rec.regime],
        "ci": rec.ci,
        "notes": notes,
        "beliefs": [_side_beliefs(session, rec, j) for j in range(2)],
        "issues": [_issue(session, rec, k) for k in range(session.K)],
    }


def explain_text(session: Session, rec: MonthRecord) -> str:
    """The month's explanation as plain sentences."""
    d = explain_month(session, rec)
    lines = [f"{d['date']} (month {d['month']}): regime {d['regime_text']}; cooperation index {d['ci']:.2f}"]
    lines += [f"  note: {n}" for n in d["notes"]]
    for b in d["beliefs"]:
        lines.append(b["text"])
        lines += [f"  - {s['text']}" for s in b["sources"]]
        lines += [f"    · {m['text']}" for m in b["moves"]]
    lines.append("Issues:")
    lines += [f"  - {i['text']}" for i in d["issues"]]
    return "\n".join(lines)


def summary(session: Session) -> dict[str, Any]:
    """The game so far: regimes, longest strategic run, trust, scores, and (at the end) the true types."""
    regimes = [r.regime for r in session.months]
    streak = best = 0
    for r in regimes:
        streak = streak + 1 if r == "strategic" else 0
        best = max(best, streak)
    last = session.months[-1] if session.months else None
    out: dict[str, Any] = {
        "months_played": len(regimes),
        "horizon": session.horizon,
        "done": session.done,
        "regime_months": {r: regimes.count(r) for r in ("strategic", "tactical", "frozen")},
        "longest_strategic_run": best,
        "durable": best >= session.scenario.durable_months,
        "durable_months": session.scenario.durable_months,
        "mean_ci": float(np.mean([r.ci for r in session.months])) if regimes else None,
        "trust": {sid: (float(last.p_end[j]) if last else None) for j, sid in enumerate(session.sides)},
        "score": session.scores(),
    }
    if session.done and last is not None:
        out["types"] = {sid: "B" if last.theta[j] else "M" for j, sid in enumerate(session.sides)}
    return out


def summary_text(session: Session) -> str:
    """The summary in one paragraph."""
    d = summary(session)
    rm = d["regime_months"]
    parts = [
        f"{d['months_played']} of {d['horizon']} months played: {rm['strategic']} strategic, "
        f"{rm['tactical']} tactical, {rm['frozen']} frozen (longest strategic run {d['longest_strategic_run']}; "
        f"a durable partnership needs {d['durable_months']})."
    ]
    if d["mean_ci"] is not None:
        parts.append(f"Mean cooperation index {d['mean_ci']:.2f}.")
        parts.append("Trust at the end: " + ", ".join(f"{k} {v:.3f}" for k, v in d["trust"].items()) + ".")
        parts.append("Scores: " + ", ".join(f"{k} {v:.1f}" for k, v in d["score"].items()) + ".")
    if "types" in d:
        parts.append(
            "True types: "
            + ", ".join(f"{k} {'benign' if v == 'B' else 'malign'}" for k, v in d["types"].items())
            + "."
        )
    return " ".join(parts)
