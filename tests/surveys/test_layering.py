"""Dependencies point one way: ``surveys`` and ``analysis`` know nothing of the web app.

The source is scanned with ``ast`` rather than imported, so an import hidden in a
function body or behind ``if TYPE_CHECKING`` is caught as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "sqlalchemy", "sqlmodel", "collector")
PURE_PACKAGES = [name for name in ("surveys", "analysis") if (ROOT / name).is_dir()]


def forbidden_imports(source: str, filename: str = "<source>") -> list[str]:
    """``line: module`` for every import of a forbidden top-level package."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        for name in names:
            top = name.split(".")[0]
            if top in FORBIDDEN or top.startswith("flask_"):
                found.append(f"{node.lineno}: {name}")
    return found


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_the_pure_packages_are_found() -> None:
    assert "surveys" in PURE_PACKAGES
    files = {p.relative_to(ROOT).as_posix() for p in python_files(*PURE_PACKAGES)}
    assert {"surveys/schema.py", "surveys/expressions.py", "surveys/loader.py"} <= files
    if (ROOT / "analysis").is_dir():
        assert any(f.startswith("analysis/") for f in files)


@pytest.mark.parametrize(
    "path",
    python_files(*PURE_PACKAGES),
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_pure_packages_import_no_web_or_database_code(path: Path) -> None:
    found = forbidden_imports(path.read_text(encoding="utf-8"), str(path))
    assert found == [], f"{path.relative_to(ROOT)} imports {found}"


@pytest.mark.parametrize(
    "path",
    sorted(Path(__file__).parent.glob("*.py")),
    ids=lambda p: p.name,
)
def test_these_tests_are_pure_too(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8"), str(path)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import flask", ["1: flask"]),
        ("import os\nfrom flask import Flask", ["2: flask"]),
        ("from sqlalchemy.orm import Session", ["1: sqlalchemy.orm"]),
        ("import sqlmodel as sm", ["1: sqlmodel"]),
        ("from collector.core.i18n import translate", ["1: collector.core.i18n"]),
        ("import collector", ["1: collector"]),
        ("import flask_wtf", ["1: flask_wtf"]),
        ("def f():\n    import flask\n", ["2: flask"]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import flask", ["3: flask"]),
        (
            "import importlib\nimportlib.import_module('collector.core.db')",
            ["2: collector.core.db"],
        ),
        ("__import__('sqlalchemy')", ["1: sqlalchemy"]),
        # Near misses that are fine.
        ("import collections\nfrom collections import Counter", []),
        ("import flasks_of_tea", []),
        ("from . import schema\nfrom .expressions import compile_expression", []),
        ("from surveys.schema import Questionnaire\nimport pandas", []),
        ("x = 'import flask'", []),
    ],
)
def test_the_scanner(source: str, expected: list[str]) -> None:
    assert forbidden_imports(source) == expected
