"""Event-data projection (theory §10.6): simulated months as CAMEO/Goldstein events, and the record alike.

Each side's realised move on an open issue becomes one directed event toward the other side:
cooperation on a tactical issue → CAMEO 05 (diplomatic cooperation, +3.5), on a strategic issue → 06
(material cooperation, +6.0); defection on an open tactical issue → 12 (reject, −4.0), on an open strategic
issue → 16 (reduce relations, −4.0). Closed issues emit nothing. The coded record is aggregated the same
way: each attributed event counts once for its acting side with its dyad Goldstein |goldstein|·valence
(the README's dyad signal; raw Goldstein scores the act toward a possibly third-party target).

Both are summarised per month as event counts, Goldstein sums and the mean Goldstein per event (tone),
and as a trailing 12-month tone, which is comparable between a dense simulated stream and a sparse
record of key events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CODES = {  # (strategic, cooperated) -> (CAMEO root, Goldstein, QuadClass)
    (False, True): ("05", 3.5, 1),
    (True, True): ("06", 6.0, 2),
    (False, False): ("12", -4.0, 3),
    (True, False): ("16", -4.0, 4),
}
WINDOW = 12


@dataclass(frozen=True)
class Projection:
    """Per-run monthly event statistics of a simulation, by acting side: each (runs, T, 2)."""

    months: list[str]
    sides: tuple[str, str]
    count: np.ndarray
    goldstein: np.ndarray
    cooperative: np.ndarray  # count of cooperative events (QuadClass 1–2)

    def tone(self, window: int = WINDOW) -> np.ndarray:
        """Trailing-window mean Goldstein per event, both sides pooled: (runs, T); nan without events."""
        return trailing_tone(self.goldstein.sum(-1), self.count.sum(-1), window)


def trailing_tone(gsum: np.ndarray, count: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean Goldstein per event over the trailing ``window`` months (last axis is time); nan if none."""
    cs_g = np.cumsum(gsum, axis=-1)
    cs_n = np.cumsum(count, axis=-1)
    pad = [(0, 0)] * (gsum.ndim - 1) + [(window, 0)]
    g = cs_g - np.pad(cs_g, pad)[..., : cs_g.shape[-1]]
    n = cs_n - np.pad(cs_n, pad)[..., : cs_n.shape[-1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, g / np.maximum(n, 1), np.nan)


def project_moves(
    a: np.ndarray, G: np.ndarray, strategic: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count, goldstein sum, cooperative count), each (runs, T, 2), from moves a (runs, T, 2, K) and G (runs, T, K)."""
    open_ = np.broadcast_to(G[:, :, None, :], a.shape)
    strat = np.broadcast_to(np.asarray(strategic, bool), a.shape)
    weight = np.zeros(a.shape)
    for (s, c), (_, g, _) in CODES.items():
        weight = np.where((strat == s) & (a == c), g, weight)
    weight = np.where(open_, weight, 0.0)
    count = open_.sum(-1)
    coop = (open_ & a).sum(-1)
    return count, weight.sum(-1), coop


def project_result(result: Any) -> Projection:
    """The event-data projection of a ``SimulationResult`` made with ``paths=True``."""
    if result.paths is None:
        from detente.errors import DetenteError

        raise DetenteError("the projection needs the simulated paths: simulate(..., paths=True)")
    st = result.compiled.structure
    from detente.scenario.schema import month_label

    count, gsum, coop = project_moves(result.paths["a"], result.paths["G"], st.strategic)
    months = [month_label(st.start, t) for t in range(st.horizon)]
    return Projection(months, st.sides, count, gsum, coop)


@dataclass(frozen=True)
class RecordSeries:
    """The coded record per month by acting side: each (T, 2)."""

    months: list[str]
    sides: tuple[str, str]
    count: np.ndarray
    goldstein: np.ndarray
    cooperative: np.ndarray

    def tone(self, window: int = WINDOW) -> np.ndarray:
        """Trailing-window mean dyad Goldstein per event, both sides pooled: (T,)."""
        return trailing_tone(self.goldstein.sum(-1), self.count.sum(-1), window)


def project_record(setup: Any) -> RecordSeries:
    """Aggregate the attributed events of a replay setup (``assimilate.prepare``) by month and acting side."""
    T = len(setup.months)
    count = np.zeros((T, 2))
    gsum = np.zeros((T, 2))
    coop = np.zeros((T, 2))
    table = setup.table
    for i in np.flatnonzero((setup.observer >= 0) & (setup.actor >= 0)):
        actor = setup.actor[i]
        m = setup.month[i]
        g = abs(table.goldstein[i]) * table.valence[i] if not np.isnan(table.goldstein[i]) else 0.0
        count[m, actor] += 1
        gsum[m, actor] += g
        coop[m, actor] += g > 0
    return RecordSeries(list(setup.months), setup.sides, count, gsum, coop)


def comparison_frame(record: RecordSeries, projection: Projection, window: int = WINDOW) -> Any:
    """One row per month and source: record tone, or simulated median tone with its 5–95% band."""
    import pandas as pd

    rec = pd.DataFrame(
        {
            "month": record.months,
            "source": "record",
            "events": record.count.sum(-1),
            "goldstein_sum": record.goldstein.sum(-1),
            "tone_12m": record.tone(window),
        }
    )
    tone = projection.tone(window)
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nanpercentile(tone, [5, 50, 95], axis=0)
    sim = pd.DataFrame(
        {
            "month": projection.months,
            "source": "simulated",
            "events": projection.count.sum(-1).mean(0),
            "goldstein_sum": projection.goldstein.sum(-1).mean(0),
            "tone_12m": q[1],
            "tone_12m_p05": q[0],
            "tone_12m_p95": q[2],
        }
    )
    return pd.concat([rec, sim], ignore_index=True)
