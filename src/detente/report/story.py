"""One run told month by month in words: issues opening and closing, regime changes, trust crossing ½,
the Cold-War cohort losing its majority, defections on open issues, and the scenario's dated items.

``story`` is a pure function of one run's paths (``SimulationResult.paths`` rows) and the scenario's
structure; ``dated_items`` reads the dated things (events, levers, schedule steps) from a scenario
document, so the story needs nothing but plain data and never re-runs the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from detente.model.regime import REGIMES
from detente.scenario.schema import month_index, month_label

KINDS = ("start", "dated", "join", "regime", "issue", "trust", "cohort", "defection", "durable", "end")
"""Kinds of story entries, in the order they are told within a month."""


def _entry(t: int, start: str, kind: str, text: str) -> dict[str, Any]:
    return {"t": t, "month": month_label(start, t), "kind": kind, "text": text}


def _pct(p: float) -> str:
    return f"{p:.2f}"


def dated_items(document: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(month index, sentence) of each dated event, lever and schedule step of a scenario document
    (``Scenario.model_dump(mode='json')``); items outside the horizon are left out."""
    start, horizon = str(document.get("start", "2000-01"))[:7], int(document.get("horizon", 0) or 0)
    sides = document.get("sides") or {}

    def name(side: Any) -> str:
        entry = sides.get(side) if isinstance(side, str) else None
        return (entry or {}).get("name") or str(side)

    out: list[tuple[int, str]] = []

    def add(date: Any, text: str) -> None:
        if isinstance(date, str) and len(date) >= 7:
            t = month_index(start, date)
            if 0 <= t < horizon:
                out.append((t, text))

    for ev in document.get("events") or []:
        chance = ev.get("probability", 1.0)
        maybe = "" if chance in (1, 1.0, None) else f" (happens with probability {chance:g} in a run)"
        label = ev.get("label") or ev.get("kind") or "an event"
        observer = ev.get("observer")
        seen = "both sides" if observer == "both" else name(observer)
        add(ev.get("date"), f"Event: {label}, by {name(ev.get('actor'))}, seen by {seen}{maybe}.")
    levers = document.get("levers") or {}
    for key in ("joins", "counterfactual_joins"):
        for j in levers.get(key) or []:
            add(j.get("date"), f"{name(j.get('side'))} is made benign from now on (a counterfactual join).")
    for lead in levers.get("leadership") or []:
        what = f"type becomes {lead['type']}" if lead.get("type") else ""
        dh = lead.get("dh")
        cut = f"the Cold-War share drops by {dh:.0%}" if isinstance(dh, int | float) else ""
        add(
            lead.get("date"),
            f"Leadership change in {name(lead.get('side'))}: {', '.join(x for x in (cut, what) if x)}.",
        )
    for reset in levers.get("resets") or []:
        add(reset.get("date"), f"Reset: grievances are cleared. {reset.get('label') or ''}".rstrip())
    for sig in levers.get("signals") or []:
        add(sig.get("date"), f"{name(sig.get('sender'))} sends a costly signal of size {sig.get('size')}.")
    schedules = document.get("schedules") or {}
    words = {"threat": "Shared threat τ", "inclusion": "Inclusion offer ι"}
    for key, label in words.items():
        steps = schedules.get(key) or []
        if isinstance(steps, Mapping):  # per-side schedule (model v2): {W: [...], R: [...]}
            for side, side_steps in steps.items():
                for step in side_steps or []:
                    add(step.get("start"), f"{label} for {name(side)} becomes {step.get('value')}.")
            continue
        for step in steps:
            add(step.get("start"), f"{label} becomes {step.get('value')}.")
    return sorted(out, key=lambda x: x[0])


def story(
    paths: Mapping[str, np.ndarray],
    *,
    start: str,
    sides: Sequence[str],
    issues: Sequence[str],
    run: int = 0,
    side_names: Mapping[str, str] | None = None,
    issue_labels: Mapping[str, str] | None = None,
    durable_months: int = 24,
    dated: Sequence[tuple[int, str]] = (),
    joined_month: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Month-by-month entries ``{t, month, kind, text}`` of run ``run`` of ``paths``
    (keys ``L`` (runs, T, 2), ``h`` (runs, T, 2), ``G`` (runs, T, K), ``a`` (runs, T, 2, K), ``regime`` (runs, T))."""
    side_names = dict(side_names or {})
    issue_labels = dict(issue_labels or {})
    sname = [side_names.get(s, s) for s in sides]
    ilabel = [issue_labels.get(k, k) for k in issues]
    L = np.asarray(paths["L"][run], dtype=float)
    h = np.asarray(paths["h"][run], dtype=float)
    G = np.asarray(paths["G"][run], dtype=bool)
    a = np.asarray(paths["a"][run], dtype=bool)
    regime = np.asarray(paths["regime"][run], dtype=int)
    T = regime.shape[0]
    p = 1.0 / (1.0 + np.exp(-L))
    out: list[dict[str, Any]] = []
    other = (1, 0)

    def open_list(t: int) -> str:
        names = [ilabel[k] for k in range(len(issues)) if G[t, k]]
        return ", ".join(names) if names else "none"

    trust0 = "; ".join(f"{sname[i]} trusts {sname[other[i]]} at {_pct(p[0, i])}" for i in range(2))
    out.append(
        _entry(
            0,
            start,
            "start",
            f"The run begins. {trust0}. The regime is {REGIMES[regime[0]]}; open issues: {open_list(0)}.",
        )
    )
    by_month: dict[int, list[str]] = {}
    for t, text in dated:
        by_month.setdefault(int(t), []).append(text)
    joins = {int(m): i for i, m in enumerate(joined_month or ()) if m is not None and int(m) >= 0}
    broken = [False] * len(issues)
    streak = 0
    durable_told = False
    for t in range(T):
        for text in by_month.get(t, []):
            out.append(_entry(t, start, "dated", text))
        if t in joins:
            i = joins[t]
            out.append(_entry(t, start, "join", f"{sname[i]} joins the architecture it was offered."))
        if t > 0:
            if regime[t] != regime[t - 1]:
                out.append(
                    _entry(
                        t,
                        start,
                        "regime",
                        f"The regime turns {REGIMES[regime[t]]} (from {REGIMES[regime[t - 1]]}).",
                    )
                )
            for k in range(len(issues)):
                if G[t, k] != G[t - 1, k]:
                    verb = "opens: both sides now expect cooperation" if G[t, k] else "closes"
                    out.append(_entry(t, start, "issue", f"{ilabel[k]} {verb}."))
            for i in range(2):
                if (p[t, i] >= 0.5) != (p[t - 1, i] >= 0.5):
                    way = "rises above" if p[t, i] >= 0.5 else "falls below"
                    out.append(
                        _entry(
                            t,
                            start,
                            "trust",
                            f"{sname[i]}'s trust in {sname[other[i]]} {way} ½ ({_pct(p[t - 1, i])} → {_pct(p[t, i])}).",
                        )
                    )
                if h[t - 1, i] >= 0.5 > h[t, i]:
                    out.append(
                        _entry(
                            t,
                            start,
                            "cohort",
                            f"The Cold-War cohort is no longer a majority of {sname[i]}'s elite.",
                        )
                    )
        for k in range(len(issues)):
            mutual = bool(a[t, 0, k] and a[t, 1, k])
            if G[t, k] and not mutual and (t == 0 or (a[t - 1, 0, k] and a[t - 1, 1, k])):
                who = " and ".join(sname[i] for i in range(2) if not a[t, i, k])
                out.append(
                    _entry(t, start, "defection", f"{who} defects on {ilabel[k]}: cooperation breaks.")
                )
                broken[k] = True
            elif mutual and broken[k]:
                out.append(_entry(t, start, "defection", f"Cooperation on {ilabel[k]} resumes."))
                broken[k] = False
        streak = streak + 1 if regime[t] == 0 else 0
        if streak >= durable_months and not durable_told:
            durable_told = True
            out.append(
                _entry(
                    t, start, "durable", f"{durable_months} strategic months in a row: a durable partnership."
                )
            )
    last = T - 1
    trust_end = "; ".join(f"{sname[i]} trusts {sname[other[i]]} at {_pct(p[last, i])}" for i in range(2))
    months_strategic = int((regime == 0).sum())
    out.append(
        _entry(
            last,
            start,
            "end",
            f"The run ends {REGIMES[regime[last]]}. {trust_end}. Strategic in {months_strategic} of {T} months.",
        )
    )
    return out


def story_of(result: Any, run: int = 0) -> list[dict[str, Any]]:
    """The story of run ``run`` of a ``SimulationResult`` simulated with ``paths=True``."""
    if result.paths is None:
        raise ValueError("the result has no paths; simulate with paths=True")
    sc, st = result.scenario, result.structure
    joined = result.summaries.get("joined_month")
    return story(
        result.paths,
        start=st.start,
        sides=st.sides,
        issues=st.issues,
        run=run,
        side_names={k: v.name for k, v in sc.sides.items()},
        issue_labels={k: v.label or k for k, v in sc.issues.items()},
        durable_months=st.durable_months,
        dated=dated_items(sc.model_dump(mode="json")),
        joined_month=None if joined is None else [int(x) for x in joined[run]],
    )
