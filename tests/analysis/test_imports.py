"""The modules of ``analysis`` import each other without a cycle, and at the top.

The source is scanned with ``ast`` rather than imported, so an import inside a function or
under ``if TYPE_CHECKING:`` counts like any other: moving an import into a function hides a
cycle from Python, it does not remove it. The implicit import of a parent package (importing
``analysis.core`` first runs ``analysis/__init__.py``) is not an edge, as in other import
graph tools.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "analysis"


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


def test_the_graph_sees_every_module() -> None:
    graph = import_graph(PACKAGE)
    assert {"analysis", "analysis.core", "analysis.design", "analysis.quantile"} <= set(graph)
    assert "analysis.core" in graph["analysis.quantile"]
    assert "analysis.quantile" in graph["analysis.design"]


def test_analysis_has_no_import_cycle() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_analysis_imports_at_module_top() -> None:
    late = {
        p.name: found
        for p in sorted(PACKAGE.rglob("*.py"))
        if (found := late_imports(p.read_text(encoding="utf-8")))
    }
    assert late == {}


def test_the_scanner(tmp_path: Path) -> None:
    pkg = tmp_path / "analysis"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from analysis.a import A\n")
    (pkg / "a.py").write_text("def f():\n    from analysis.b import B\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import C\n"
    )
    (pkg / "c.py").write_text("from analysis import a\nimport numpy\n")
    graph = import_graph(pkg)
    assert graph == {
        "analysis": {"analysis.a"},
        "analysis.a": {"analysis.b"},
        "analysis.b": {"analysis.c"},
        "analysis.c": {"analysis.a"},
    }
    assert cycles(graph) == [["analysis.a", "analysis.b", "analysis.c"]]
    assert late_imports((pkg / "a.py").read_text()) == [2]
    assert late_imports("def f():\n    import scipy  # heavy, only for this\n") == []
