"""``collector new-plugin``: the plugin it makes passes its own tests, on collector.testing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.scaffold import PluginNames
from collector.scaffold import ScaffoldError
from collector.scaffold import new_plugin


def test_the_names_of_a_plugin() -> None:
    names = PluginNames.of("Taipei-Tax")
    assert (names.plugin, names.package, names.distribution, names.slug) == (
        "taipei_tax",
        "collector_taipei_tax",
        "collector-taipei-tax",
        "taipei-tax-satisfaction",
    )
    assert PluginNames.of("collector_hsinchu").package == "collector_hsinchu"
    for bad in ("1st", "a b", "", "tax!", "x__y"):
        with pytest.raises(ScaffoldError, match="is not a plugin name"):
            PluginNames.of(bad)


def test_the_command_makes_the_folder_once(tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(main, ["new-plugin", "taipei_tax", "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    target = tmp_path / "collector-taipei-tax"
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "README.md",
        "collector_taipei_tax/__init__.py",
        "collector_taipei_tax/questionnaire.yaml",
        "pyproject.toml",
        "tests/conftest.py",
        "tests/test_plugin.py",
    ]
    pyproject = (target / "pyproject.toml").read_text()
    assert '[project.entry-points.collector]\ntaipei_tax = "collector_taipei_tax"' in pyproject
    assert 'dependencies = ["gov-feedback-collector"]' in pyproject
    assert "%%" not in "".join(p.read_text() for p in target.rglob("*") if p.is_file())
    again = runner.invoke(main, ["new-plugin", "taipei_tax", "-o", str(tmp_path)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_the_made_plugin_passes_its_own_tests(tmp_path: Path) -> None:
    """As its author would run them: pytest in the plugin's folder, the package importable
    (``pip install -e .`` would put it on the path; here PYTHONPATH does, faster)."""
    target = new_plugin("hsinchu_permits", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("COLLECTOR_TEST_DATABASE_URL", None)  # its own SQLite files, not our database
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "7 passed" in result.stdout
