"""Regenerate the limit tables of docs/limits.md from detente.limits and detente.web.limits (run after edits)."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- limits:begin -->", "<!-- limits:end -->"
WEB_BEGIN, WEB_END = "<!-- web-limits:begin -->", "<!-- web-limits:end -->"


def field_docs(path: Path, cls: str = "Limits") -> dict[str, str]:
    """Field name → the docstring written under it in class ``cls`` of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
    docs: dict[str, str] = {}
    body = node.body
    for here, after in zip(body, [*body[1:], None], strict=True):
        if isinstance(here, ast.AnnAssign) and isinstance(here.target, ast.Name):
            text = ""
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                text = str(after.value.value)
            docs[here.target.id] = " ".join(text.split())
    return docs


def _number(value: int) -> str:
    if value >= 1024 * 1024 and value % (1024 * 1024) == 0:
        return f"{value:,} ({value // (1024 * 1024)} MiB)"
    if value >= 1024 and value % 1024 == 0 and value < 1024 * 1024:
        return f"{value:,} ({value // 1024} KiB)"
    return f"{value:,}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def core_table() -> str:
    from detente.limits import Limits, env_name

    docs = field_docs(ROOT / "src" / "detente" / "limits.py")
    rows = ["| limit | default | what it bounds | raise it with |", "|---|---|---|---|"]
    for f in dataclasses.fields(Limits):
        rows.append(
            f"| `{f.name}` | {_number(f.default)} | {_cell(docs.get(f.name, ''))} | `{env_name(f.name)}` |"
        )
    return "\n".join(rows)


def _serve_flags() -> set[str]:
    from typer.main import get_command

    from detente.cli import app

    command: Any = get_command(app)
    serve = command.commands["serve"]
    return {opt for p in serve.params for opt in getattr(p, "opts", [])}


def web_table() -> str:
    from detente.web.limits import Limits

    docs = field_docs(ROOT / "src" / "detente" / "web" / "limits.py")
    flags = _serve_flags()
    defaults = Limits()
    rows = ["| limit | default | what it bounds | raise it with |", "|---|---|---|---|"]
    for f in dataclasses.fields(Limits):
        doc = docs.get(f.name, "")
        envs = re.findall(r"``(DETENTE_\w+)``", doc)
        flag = "--" + f.name.replace("_", "-")
        doc = re.sub(r"``(DETENTE_\w+)``", r"`\1`", doc)
        if flag in flags:
            how = f"`detente serve {flag} N`" + (
                f" (at most {', '.join(f'`{e}`' for e in envs)})" if envs else ""
            )
        elif envs:
            how = ", ".join(f"`{e}`" for e in envs)
        else:
            how = f"Python: `create_app(limits=Limits({f.name}=...))`"
        value = getattr(defaults, f.name)
        rows.append(f"| `{f.name}` | {_number(value)} | {_cell(doc)} | {how} |")
    return "\n".join(rows)


def _splice(text: str, begin: str, end: str, body: str) -> str:
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def render(text: str) -> str:
    """``text`` (docs/limits.md) with both tables regenerated."""
    return _splice(_splice(text, BEGIN, END, core_table()), WEB_BEGIN, WEB_END, web_table())


def main() -> None:
    for name in [n for n in os.environ if n.startswith("DETENTE_MAX_")]:
        del os.environ[name]  # the tables show the defaults
    path = ROOT / "docs" / "limits.md"
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
