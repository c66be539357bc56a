#!/usr/bin/env bash
# Regenerate docs/cli.md from the typer app (run after changing a command).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/typer detente.cli utils docs --name detente --title "detente CLI reference" --output docs/cli.md
