"""What the play page draws: the set-up, every played month, its explanation, the coming month, the summary."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from detente.play.explain import explain_month, summary, summary_text
from detente.play.session import Session


def month_row(session: Session, t: int) -> dict[str, Any]:
    """One played month as a row of the page's history table and chart."""
    rec = session.months[t]
    return {
        "month": rec.t,
        "date": rec.date,
        "regime": rec.regime,
        "ci": rec.ci,
        "trust": [float(x) for x in rec.p_end],
        "moves": {
            sid: {iid: "C" if rec.a[j, k] else "D" for k, iid in enumerate(session.issues)}
            for j, sid in enumerate(session.sides)
        },
        "open": {iid: bool(rec.G[k]) for k, iid in enumerate(session.issues)},
        "choice": rec.choice.to_json(session.issues),
    }


def finite(data: Any) -> Any:
    """``data`` with every non-finite number as None (strict JSON; a threshold of ∞ means no trust suffices)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data


def view(session: Session) -> dict[str, Any]:
    """The whole game as strict-JSON data (seed as text: it may exceed JavaScript's exact integers)."""
    sc = session.scenario
    return finite(
        {
            "setup": {
                "scenario": sc.name,
                "title": sc.title or sc.name,
                "world": session.world,
                "conditions": list(session.conditions),
                "seed": str(session.seed),
                "run": session.run,
                "you": session.side_id,
                "them": session.sides[session.other],
                "opponent": session.opponent,
                "opponent_label": session.doctrine.label if session.doctrine else "the model",
                "horizon": session.horizon,
                "start": sc.start[:7],
                "sides": [{"id": sid, "name": sc.sides[sid].name or sid} for sid in session.sides],
                "issues": [
                    {"id": iid, "label": sc.issues[iid].label or iid, "kind": sc.issues[iid].kind}
                    for iid in session.issues
                ],
                "start_trust": [float(x) for x in 1.0 / (1.0 + np.exp(-session.P.side[0]["L0"]))],
            },
            "months": [month_row(session, t) for t in range(session.t)],
            "explanations": [explain_month(session, rec) for rec in session.months],
            "next": None if session.done else session.preview(),
            "state": session.state,
            "summary": {**summary(session), "text": summary_text(session)},
            "replay_problems": list(session.replay_problems),
        }
    )
