"""The packages of ``src/experiments`` import each other without circles (imports for type hints only left out)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "experiments"


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imported_modules(tree: ast.AST) -> list[str]:
    """The ``experiments.*`` modules ``tree`` imports at run time, at any depth (lazy imports included)."""
    found: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("experiments."):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if alias.name.startswith("experiments."))
        stack.extend(ast.iter_child_nodes(node))
    return found


def package_imports() -> dict[str, set[str]]:
    """Top-level package (or module) of ``experiments`` → the others it imports."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        source = parts[0] if len(parts) > 1 else path.stem
        for module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            target = module.split(".")[1]
            if target != source:
                edges[source].add(target)
    return edges


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def test_no_package_imports_one_that_imports_it_back():
    edges = package_imports()
    assert {"run", "tracking", "reporting", "sweeps"} <= edges.keys()
    circles = {
        source: sorted(target for target in edges[source] if source in reachable(edges, target)) for source in edges
    }
    assert {source: targets for source, targets in circles.items() if targets} == {}


def test_a_circle_is_found():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert reachable(edges, "a") == {"a", "b", "c"} and "d" not in reachable(edges, "a")
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from experiments.x import y\n"
        "def f():\n    from experiments.z import w\n"
    )
    assert imported_modules(tree) == ["experiments.z"]
