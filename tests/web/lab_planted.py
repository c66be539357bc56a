"""A planted test model for the lab's PRIM view: the outcome occurs exactly where x1 > 0, the world is not
w3 and condition c1 is on, so the boxes restrict a numeric and two categorical inputs (imported by name)."""

from __future__ import annotations

import json
from typing import Any


class Planted:
    """The four methods of ``detente.experiments.models.Model``; ``hit`` is 1 inside the planted box."""

    def prepare(self, experiment: Any) -> Any:
        return {}

    def check(self, experiment: Any, base: Any) -> list[str]:
        return []

    def content(
        self, base: Any, overrides: dict[str, Any], world: str | None, conditions: tuple[str, ...]
    ) -> str:
        return json.dumps(
            {"planted": overrides, "world": world, "conditions": list(conditions)}, sort_keys=True
        )

    def evaluate(self, base, overrides, world, conditions, seed, runs, outcomes, per_run):
        hit = float(overrides["x1"] > 0 and world != "w3" and "c1" in conditions)
        return {"hit": hit, "x1_value": float(overrides["x1"])}, None
