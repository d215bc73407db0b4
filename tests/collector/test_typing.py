"""Every ``# type: ignore`` in collector/ names its error code and says why, as in the
pure packages (the scanner is tests/surveys/test_typing.py's).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.surveys.test_typing import ROOT
from tests.surveys.test_typing import unjustified_ignores

PACKAGE = ROOT / "collector"


def checked_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_files_are_found() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in checked_files()}
    assert {"app.py", "access/guard.py", "core/i18n.py"} <= names
    assert {"complaints/service.py", "complaints/views/public.py"} <= names


@pytest.mark.parametrize("path", checked_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_type_ignores_say_why(path: Path) -> None:
    assert unjustified_ignores(path.read_text(encoding="utf-8")) == []
