"""A factorial experiment as data: what ``cells.json`` and ``detente run --json`` hold."""

from __future__ import annotations

from typing import Any


def experiment_dict(exp: Any) -> dict[str, Any]:
    """A factorial experiment as strict-JSON-ready data: settings, one row per cell with provenance, verdict."""
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
            "verdict": exp.verdict(),
            "sentences": exp.sentences(),
        }
    )
