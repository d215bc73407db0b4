"""The modules of ``analysis`` import each other without a cycle, and at the top.

The source is scanned with ``ast`` rather than imported, so an import inside a function or
under ``if TYPE_CHECKING:`` counts like any other: moving an import into a function hides a
cycle from Python, it does not remove it. The implicit import of a parent package (importing
``analysis.core`` first runs ``analysis/__init__.py``) is not an edge, as in other import
graph tools.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.import_graph import ROOT
from tests.helpers.import_graph import cycles
from tests.helpers.import_graph import import_graph
from tests.helpers.import_graph import late_imports
from tests.helpers.import_graph import late_imports_in

PACKAGE = ROOT / "analysis"


def test_the_graph_sees_every_module() -> None:
    graph = import_graph(PACKAGE)
    assert {"analysis", "analysis.core", "analysis.design", "analysis.quantile"} <= set(graph)
    assert "analysis.core" in graph["analysis.quantile"]
    assert "analysis.quantile" in graph["analysis.design"]


def test_analysis_has_no_import_cycle() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_analysis_imports_at_module_top() -> None:
    assert late_imports_in(PACKAGE) == {}


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
