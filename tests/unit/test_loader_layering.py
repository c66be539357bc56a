"""Layering (issue 10 item 3): the scenario package imports without circles (load ↔ overrides ↔ schema went)."""

from __future__ import annotations

import ast
from pathlib import Path

import detente

PACKAGE = Path(detente.__file__).parent


def _imports(path: Path) -> set[str]:
    """detente modules imported anywhere in a file (also inside functions), except under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("detente"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("detente"))
    return found


def _graph(package: str) -> dict[str, set[str]]:
    folder = PACKAGE / package.removeprefix("detente.").replace(".", "/")
    modules = {f"{package}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
    return {name: _imports(path) & set(modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_loader_modules_form_no_circle():
    graph = _graph("detente.scenario")
    low = {"detente.scenario.errors", "detente.scenario.tomldoc", "detente.scenario.document"}
    for module in low:
        assert graph[module] <= low - {"detente.scenario.document"}, (module, graph[module])
    assert "detente.scenario.schema" not in graph["detente.scenario.overrides"]
    assert "detente.scenario.load" not in graph["detente.scenario.overrides"]


def test_scenario_package_has_no_import_cycle():
    cycle = _cycle(_graph("detente.scenario"))
    assert cycle is None, " -> ".join(cycle)


def test_shared_reader_api_kept():
    """experiments/spec.py and others import these names from scenario.load."""
    from detente.scenario import load

    for name in ("read_document", "format_errors", "validate_mapping", "dump_yaml", "parse_document"):
        assert callable(getattr(load, name))
