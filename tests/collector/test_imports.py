"""collector/ has no import cycle, and imports at module top (see tests/helpers/import_graph.py).

Alembic's migration scripts are left out: they are run by Alembic, never imported by
the application, and must keep the code they had when they were written.
"""

from __future__ import annotations

import functools

from tests.helpers.import_graph import ROOT
from tests.helpers.import_graph import cycles
from tests.helpers.import_graph import import_graph
from tests.helpers.import_graph import late_imports_in

PACKAGE = ROOT / "collector"
MIGRATION_SCRIPTS = "collector.core.migrations.versions."


@functools.cache
def collector_graph() -> dict[str, set[str]]:
    """The graph, parsed once per test process (the tests only read it)."""
    graph = import_graph(PACKAGE)
    return {
        module: {t for t in targets if not t.startswith(MIGRATION_SCRIPTS)}
        for module, targets in graph.items()
        if not module.startswith(MIGRATION_SCRIPTS)
    }


def test_the_graph_sees_the_features() -> None:
    graph = collector_graph()
    assert "collector.access.identity" in graph["collector.access.permissions"]
    assert "collector.complaints.records" in graph["collector.complaints.followups"]
    assert "collector.app" in graph["collector"]


def test_collector_has_no_import_cycle() -> None:
    assert cycles(collector_graph()) == []


def test_no_module_inside_collector_imports_the_package_itself() -> None:
    # ``collector/__init__.py`` imports the app, which imports every feature: a module
    # that imported ``collector`` would close a loop through all of them.
    graph = collector_graph()
    assert sorted(m for m, targets in graph.items() if "collector" in targets) == []


def test_collector_imports_at_module_top() -> None:
    late = {
        path: lines
        for path, lines in late_imports_in(PACKAGE).items()
        if not path.startswith("core/migrations/versions/")
    }
    assert late == {}


def test_hookspecs_import_only_pluggy_and_the_hook_types() -> None:
    graph = collector_graph()
    assert graph["collector.core.hookspecs"] == {"collector.core.hooktypes"}


LAYERS = [
    {"core", "scaffold"},
    {"access"},
    {"jobs"},
    {"console", "mailqueue"},
    {"organisation", "campaigns", "margins"},
    {"answers"},
    {"results", "authoring"},
    {"staff_survey", "complaints", "kiosk"},
    {"comparison", "improvement"},
    {"evidence"},
    {"demo"},
    {"app"},
    {"testing"},
    {"gunicorn_app", "serving", "cli"},
]
"""The packages of collector/, bottom to top, as ARCHITECTURE.md draws them: a package
imports only from its own layer's package or from layers below."""


def layer_of(module: str) -> int:
    name = module.split(".")[1] if "." in module else "app"
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def test_packages_import_only_downwards() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in collector_graph().items()
        if module != "collector"
        for target in targets
        if target != "collector"
        and module.split(".")[:2] != target.split(".")[:2]
        and layer_of(target) >= layer_of(module)
        and not (
            layer_of(target) == layer_of(module) == len(LAYERS) - 1
        )  # the server's own modules
    )
    assert upward == []


def test_every_package_has_a_layer() -> None:
    packages = {m.split(".")[1] for m in collector_graph() if "." in m}
    assert packages == set().union(*LAYERS)
