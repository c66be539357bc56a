#!/usr/bin/env bash
# Regenerate docs/cli.md from the typer app (run after changing a command).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/typer detente.cli utils docs --name detente --title "detente CLI reference" --output docs/cli.md
# Point readers at the exit codes and limits, right under the title.
.venv/bin/python - <<'PY'
import html
import re
from pathlib import Path

path = Path("docs/cli.md")
title, rest = path.read_text(encoding="utf-8").split("\n", 1)
rest = html.unescape(re.sub(r"&lt;([A-Za-z][\w-]*)&gt;", r"`<\1>`", rest))
note = (
    "\nExit status: 0 done, 2 bad input (refused, nothing written), 130 interrupted. Every size limit, "
    "its default and how to raise it, and the rules that keep detente from replacing your files: "
    "[limits.md](limits.md).\n"
)
path.write_text(f"{title}\n{note}{rest}", encoding="utf-8")
PY
