"""detente's command line: thin typer commands over the Python API.

Only typer and the standard library are imported here; each command imports what it needs when it runs,
so ``detente --help`` stays fast.
"""

from __future__ import annotations

import typer

from detente.cli import core, experiments, history, init, serve, tournament
from detente.cli._help import DetenteGroup, apply_conventions

app = typer.Typer(
    name="detente",
    help="Simulate trust, mistrust and cooperation between rival powers.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    cls=DetenteGroup,
)

for _module in (core, history, experiments, serve, tournament, init):
    _module.register(app)
apply_conventions(app)


def _version(value: bool) -> None:
    if value:
        from detente import __version__

        typer.echo(f"detente {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Simulate trust, mistrust and cooperation between rival powers."""


def main() -> None:
    """Entry point of the ``detente`` console script: bad input exits 2 with its message, never a traceback."""
    from detente.errors import DetenteError

    try:
        app()
    except DetenteError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
