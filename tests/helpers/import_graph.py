"""An import graph read from the source with ``ast``, for the tests that keep packages free
of import cycles and keep imports at module top.

An import inside a function or under ``if TYPE_CHECKING:`` counts like any other:
moving an import into a function hides a cycle from Python, it does not remove it.
The implicit import of a parent package (importing ``analysis.core`` first runs
``analysis/__init__.py``) is not an edge, as in other import-graph tools; an
explicit ``from collector import hookimpl`` is an edge to ``collector``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path, package: Path) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(node: ast.AST, package: str, modules: set[str]) -> list[str]:
    """The package's own modules that one import statement imports.

    ``package`` is the package the importing module is in, for relative imports.
    """
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in modules]
    if not isinstance(node, ast.ImportFrom):
        return []
    source = node.module or ""
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        source = ".".join([*base, source] if source else base)
    found = []
    for alias in node.names:
        if f"{source}.{alias.name}" in modules:
            found.append(f"{source}.{alias.name}")  # from analysis import weighting
        elif source in modules:
            found.append(source)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its source."""
    files = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    modules = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        package_of = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {
            target
            for node in ast.walk(tree)
            for target in imported_modules(node, package_of, modules)
            if target != name
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def late_imports(source: str) -> list[int]:
    """Lines of imports that are not module-level statements and carry no comment saying why."""
    tree = ast.parse(source)
    top = {id(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)}
    lines = source.splitlines()
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and id(node) not in top
        and "#" not in lines[node.lineno - 1]
    ]


def late_imports_in(package: Path) -> dict[str, list[int]]:
    """File (relative to the package) -> lines of its uncommented late imports."""
    return {
        str(p.relative_to(package)): found
        for p in sorted(package.rglob("*.py"))
        if (found := late_imports(p.read_text(encoding="utf-8")))
    }
