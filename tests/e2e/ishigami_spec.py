"""The Ishigami test experiment the CLI tests sweep (a fast analytic model, no simulation)."""

from __future__ import annotations


def ishigami(design: str = "sobol", n: int = 256) -> str:
    """An experiment file sweeping the Ishigami function with ``design`` of size ``n``, one run per point."""
    return f"""\
name: ish
model: ishigami
parameters:
  - {{path: x1, range: [-3.14159, 3.14159]}}
  - {{path: x2, range: [-3.14159, 3.14159]}}
  - {{path: x3, range: [-3.14159, 3.14159]}}
design: {{kind: {design}, n: {n}}}
runs: 1
outcomes: [y]
"""
