"""Every ``# type: ignore`` in the pure packages names its error code and says why.

mypy (``pyproject.toml``) reports ignores that are unused or lack a code; the reason, a
comment after the ignore on the same line, is checked here.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = [name for name in ("surveys", "analysis") if (ROOT / name).is_dir()]
IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<code>\[[^\]]*\])?(?P<rest>.*)")


def unjustified_ignores(source: str) -> list[int]:
    """Lines whose ``type: ignore`` comment has no ``[code]`` or no ``# why`` after it."""
    bad = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT:
            continue
        m = IGNORE.search(tok.string)
        if m and not (m.group("code") and re.match(r"\s*#\s*\S", m.group("rest"))):
            bad.append(tok.start[0])
    return bad


@pytest.mark.parametrize(
    "path",
    sorted(p for folder in PURE_PACKAGES for p in (ROOT / folder).rglob("*.py")),
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_type_ignores_say_why(path: Path) -> None:
    assert unjustified_ignores(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = f()  # type: ignore[attr-defined]  # the stub lacks it\n", []),
        ("x = f()  # type: ignore[attr-defined]\n", [1]),
        ("x = f()  # type: ignore  # no code\n", [1]),
        ("x = 1\ny = f()  # type:ignore[misc] #\n", [2]),
        ("s = '# type: ignore'\n", []),
        ("x = 1  # a comment\n", []),
    ],
)
def test_the_scanner(source: str, expected: list[int]) -> None:
    assert unjustified_ignores(source) == expected
