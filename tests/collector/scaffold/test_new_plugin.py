"""``collector new-plugin``: the plugin it makes passes its own tests, on collector.testing."""

from __future__ import annotations

import configparser
import importlib.metadata
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.core.plugins import ENTRY_POINT_GROUP
from collector.scaffold import COLLECTOR_DISTRIBUTION
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


DOCS = Path(__file__).resolve().parents[3] / "docs" / "plugin_hooks.md"


def test_the_documented_entry_points_are_the_group_collector_reads() -> None:
    """docs/plugin_hooks.md's pyproject.toml and setup.cfg snippets, as a build reads them."""
    text = DOCS.read_text(encoding="utf-8")
    toml_block = re.search(r"```toml\n(.+?)```", text, re.S)
    ini_block = re.search(r"```ini\n(.+?)```", text, re.S)
    assert toml_block and ini_block
    project = tomllib.loads(textwrap.dedent(toml_block.group(1)))["project"]
    assert project["entry-points"][ENTRY_POINT_GROUP] == {"my_agency": "collector_my_agency"}
    assert project["dependencies"] == [COLLECTOR_DISTRIBUTION]
    parser = configparser.ConfigParser()
    parser.read_string(textwrap.dedent(ini_block.group(1)))
    assert parser["options.entry_points"][ENTRY_POINT_GROUP].split() == [
        "my_agency",
        "=",
        "collector_my_agency",
    ]
    assert parser["options"]["install_requires"].split() == [COLLECTOR_DISTRIBUTION]
    assert importlib.metadata.distribution(COLLECTOR_DISTRIBUTION).metadata["Name"] == (
        COLLECTOR_DISTRIBUTION
    )
