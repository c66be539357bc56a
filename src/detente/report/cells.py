"""A factorial experiment as data: what ``cells.json`` and ``detente run --json`` hold."""

from __future__ import annotations

from typing import Any


def experiment_dict(exp: Any) -> dict[str, Any]:
    """A factorial experiment as strict-JSON-ready data: settings, the scenario's labels, one row per cell
    with provenance, the verdict, its headline per world and its sentences."""
    from detente import __version__
    from detente.report.jsondata import plain

    return plain(
        {
            "scenario": exp.scenario.name,
            "scenario_hash": exp.scenario.content_hash(),
            "seed": exp.seed,
            "runs_per_cell": exp.runs,
            "version": __version__,
            "cells": [
                {**row, "provenance": vars(cell.result.provenance)}
                for row, cell in zip(exp.records(), exp.cells, strict=True)
            ],
            "labels": {
                "worlds": {w or "": exp.world_label(w) for w in exp.worlds},
                "conditions": {c: exp.condition_label(c) for c in exp.conditions},
            },
            "verdict": exp.verdict(),
            "headlines": exp.headlines(),
            "sentences": exp.sentences(),
        }
    )
