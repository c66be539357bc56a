"""CLI commands to start writing: ``init`` (a new scenario file) and ``experiments`` (the bundled experiments).

Only typer and the standard library are imported at module level; each command imports what it needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detente.cli._common import fail, print_json, user_errors


def init(
    name: Annotated[str, typer.Argument(help="Scenario name; the file is NAME.yaml.")],
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Copy a bundled scenario (e.g. reset-2009) or a YAML scenario file, comments and all, "
            "under the new name.",
        ),
    ] = None,
    blank: Annotated[
        bool, typer.Option("--blank", help="Start from the commented blank template (the default).")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default: ./NAME.yaml; a folder: NAME.yaml in it)."),
    ] = None,
) -> None:
    """Write a new, commented scenario file that validates and runs; never replaces an existing file."""
    if blank and from_ is not None:
        fail("--blank and --from exclude each other: give one (the default is --blank)")
    name = name.removesuffix(".yaml").removesuffix(".yml")
    try:
        from detente.scenario.schema import folder_name

        folder_name(name)
    except ValueError as exc:
        fail(f"NAME {name!r}: {exc}")
    target = _target(name, out)
    try:
        from detente.scenario.document import parse_yaml
        from detente.scenario.load import validate_mapping
        from detente.scenario.templates import starter_text

        text = starter_text(name, from_, target)
        data, lines = parse_yaml(text, str(target))
        sc = validate_mapping(data, origin=str(target), lines=lines, base_dir=target.parent)
    except user_errors() as exc:
        fail(exc.problems)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        fail(f"{target}: already exists; detente init never replaces a file (choose another NAME or --out)")
    except OSError as exc:
        fail(f"{target}: cannot write the file ({exc.strerror or exc})")
    typer.echo(
        f"wrote {target}: scenario {sc.name!r} ({'from ' + from_ if from_ else 'blank template'}); "
        f"next: detente validate {target}, detente simulate {target}"
    )


def _target(name: str, out: Path | None) -> Path:
    """Where ``init`` writes: ``out`` (a file, or a folder to put NAME.yaml in) or ./NAME.yaml."""
    if out is None:
        target = Path(f"{name}.yaml")
    elif out.is_dir():
        target = out / f"{name}.yaml"
    else:
        target = out
    if target.suffix.lower() not in (".yaml", ".yml"):
        fail(f"--out {out}: init writes YAML; give a file name ending in .yaml")
    if target.exists() or target.is_symlink():
        fail(f"{target}: already exists; detente init never replaces a file (choose another NAME or --out)")
    if not target.parent.is_dir():
        fail(f"{target}: the folder {target.parent} does not exist; create it first")
    return target


def experiments(json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """List the bundled experiments (run one with `detente sweep NAME`)."""
    found = bundled_experiment_list()
    if json_out:
        print_json(found)
        return
    for item in found:
        typer.echo(f"{item['name']}\t{item['scenario']}\t{item['design']}\t{item['description']}")


def bundled_experiment_list() -> list[dict[str, str]]:
    """Name, scenario, design, parameter count and one-line description of each bundled experiment."""
    from detente.errors import DetenteError
    from detente.experiments.spec import bundled_experiments, resolve_experiment
    from detente.scenario.document import read_document

    out = []
    for name, description in bundled_experiments().items():
        try:
            data, _ = read_document(resolve_experiment(name), DetenteError, "experiment")
        except DetenteError:
            data = {}
        design = data.get("design") if isinstance(data.get("design"), dict) else {}
        parameters = data.get("parameters") if isinstance(data.get("parameters"), list) else []
        out.append(
            {
                "name": name,
                "scenario": str(data.get("scenario") or ""),
                "design": f"{design.get('kind', '?')}, {len(parameters)} parameters",
                "description": description,
            }
        )
    return out


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``experiments`` to the ``detente`` command line."""
    app.command("init")(init)
    app.command("experiments")(experiments)
