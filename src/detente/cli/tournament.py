"""``detente tournament``: an Axelrod-style round robin between repeated-game doctrines."""

from __future__ import annotations

import typer

from detente.cli._common import fail, print_json, user_errors

DEFAULT_STRATEGIES = (
    "Cooperator",
    "Defector",
    "TitForTat",
    "Grudger",
    "TitFor2Tats",
    "WinStayLoseShift",
    "Random",
)


def _parse_payoffs(text: str) -> tuple[float, ...]:
    """'R,S,T,P' → four floats (validated again by the model)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        fail(f"--payoffs: expected four comma-separated numbers R,S,T,P (e.g. 3,0,5,1), got {text!r}")
    return values


def register(app: typer.Typer) -> None:
    """Add the ``tournament`` command."""

    @app.command("tournament")
    def tournament(
        strategies: list[str] = typer.Argument(
            None, help="Strategies to enter (default: the seven of Axelrod's benchmark). See --list."
        ),
        turns: int = typer.Option(200, help="Turns per match (limit: DETENTE_MAX_TURNS, default 1,000,000)."),
        repetitions: int = typer.Option(20, help="Repetitions of every match."),
        noise: float = typer.Option(0.0, help="Probability that each intended move is flipped."),
        seed: int = typer.Option(1, help="Random seed, 0..2^64-1 (results are reproducible bit for bit)."),
        payoffs: str = typer.Option("3,0,5,1", help="Payoffs R,S,T,P."),
        json_out: bool = typer.Option(False, "--json", help="Print the results as JSON."),
        list_strategies: bool = typer.Option(False, "--list", help="List the available strategies and exit."),
    ) -> None:
        """Round robin (self-play included) ranked by median normalised score, as in Axelrod-Python."""
        from detente.model.doctrines import doctrine, doctrine_names
        from detente.model.tournament import play_tournament

        if list_strategies:
            for name in doctrine_names():
                typer.echo(f"{name:18} {doctrine(name).label}")
            return
        try:
            result = play_tournament(
                strategies or DEFAULT_STRATEGIES,
                turns=turns,
                repetitions=repetitions,
                noise=noise,
                seed=seed,
                payoffs=_parse_payoffs(payoffs),
            )
        except user_errors() as err:
            fail(err.problems)
        if json_out:
            print_json(result.to_dict())
            return
        _print_table(result)


def _print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    pay = result.payoffs
    table = Table(
        title=f"{result.turns} turns × {result.repetitions} repetitions, noise {result.noise:g}, seed {result.seed}",
        caption=(
            f"(R,S,T,P) = ({pay.R:g},{pay.S:g},{pay.T:g},{pay.P:g}). Score = mean payoff per turn against the "
            "other strategies (self-play excluded); wins = median matches won per repetition."
        ),
    )
    table.add_column("Rank", justify="right")
    table.add_column("Strategy", no_wrap=True)
    for col in ("Median score", "Mean score", "Wins", "Cooperation"):
        table.add_column(col, justify="right")
    for row in result.table():
        table.add_row(
            str(row["rank"]),
            row["name"],
            f"{row['median_score']:.4f}",
            f"{row['mean_score']:.4f}",
            f"{row['median_wins']:g}",
            f"{row['cooperation_rate']:.3f}",
        )
    Console().print(table)
