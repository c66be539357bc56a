"""detente's command line: thin typer commands over the Python API.

Only typer and the standard library are imported here; each command imports what it needs when it runs,
so ``detente --help`` stays fast.
"""

from __future__ import annotations

import typer

from detente.cli import core, experiments, history, serve, tournament

app = typer.Typer(
    name="detente",
    help="Simulate trust, mistrust and cooperation between rival powers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (core, history, experiments, serve, tournament):
    _module.register(app)


def main() -> None:
    """Entry point of the ``detente`` console script."""
    app()
