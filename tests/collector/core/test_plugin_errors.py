"""A plugin that cannot load: one paragraph naming it and its entry point, no traceback.

The command line leaves the plugin out and lists it as failed (``collector plugins``,
``collector --help`` keep working) while every other command, ``serve`` first, refuses;
an app made for a server refuses to start.
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from collector.app import create_app
from collector.cli import main
from collector.core import plugins as plugin_system
from collector.core.plugins import PluginConfigurationError

BROKEN = "plugin 'broken' (entry point 'broken = broken_plugin' in the 'collector' group)"


@pytest.fixture
def plugin_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on ``sys.path`` for plugin packages written by the test."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def plugin(
    folder: Path, monkeypatch: pytest.MonkeyPatch, module: str, source: str, name: str = "broken"
) -> None:
    """Write the package ``module`` and make it the only entry point, named ``name``."""
    package = folder / module
    package.mkdir()
    (package / "__init__.py").write_text(source)
    monkeypatch.delitem(sys.modules, module, raising=False)
    point = importlib.metadata.EntryPoint(name=name, value=module, group="collector")
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [point])


def cli(tmp_path: Path, *args: str) -> Any:
    """``collector ARGS`` as a person runs it (the real command group), on a scratch database."""
    env = {
        "COLLECTOR_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "COLLECTOR_SECRET_KEY": "test",
        "COLLECTOR_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
    }
    return CliRunner().invoke(main, list(args), env=env)


IMPORT_ERROR = "from collector import hookimpl\nimport no_such_dependency_xyz\n"


def test_an_import_error_names_the_plugin_its_entry_point_and_the_line(
    plugin_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plugin(plugin_folder, monkeypatch, "broken_plugin", IMPORT_ERROR)
    listed = cli(tmp_path, "plugins")
    assert listed.exit_code == 1
    assert "broken (entry point: broken_plugin)" in listed.output
    expected = (
        f"FAILED: {BROKEN} could not be imported: ModuleNotFoundError: No module named "
        f"'no_such_dependency_xyz' ({plugin_folder / 'broken_plugin' / '__init__.py'}, line 2)."
    )
    assert expected in listed.output
    assert "land_office (bundled: plugins.land_office)" in listed.output  # the rest loaded
    assert "Traceback" not in listed.output


def test_help_still_works_and_other_commands_refuse(
    plugin_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plugin(plugin_folder, monkeypatch, "broken_plugin", IMPORT_ERROR)
    helped = cli(tmp_path, "--help")
    assert helped.exit_code == 0, helped.output
    assert "plugins" in helped.output and "export" in helped.output
    # The failure on one line, at the end of the help, no traceback.
    lines = [line for line in helped.output.splitlines() if "failed to load" in line]
    assert lines == [f"Left out, failed to load: {BROKEN}. `collector plugins` says why."]
    assert "Traceback" not in helped.output
    # A command's own --help works as well, the failure said first on one line.
    for name in ("export", "serve", "questionnaire"):
        own = cli(tmp_path, name, "--help")
        assert own.exit_code == 0, own.output
        assert "Usage: " in own.output and name in own.output
        assert f"Left out, failed to load: {BROKEN}." in own.output
        assert "refuses to run" not in own.output and "Traceback" not in own.output
    for command in (["serve"], ["export", "citizen-satisfaction"]):
        refused = cli(tmp_path, *command)
        assert refused.exit_code == 1, refused.output
        assert f"Error: {BROKEN} could not be imported" in refused.output
        assert f"collector {command[0]} refuses to run" in refused.output
        assert "Traceback" not in refused.output


def test_a_server_app_refuses_to_start_with_the_same_paragraph(
    plugin_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plugin(plugin_folder, monkeypatch, "broken_plugin", IMPORT_ERROR)
    with pytest.raises(PluginConfigurationError) as refused:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "t"})
    assert str(refused.value).startswith(f"{BROKEN} could not be imported: ModuleNotFoundError")
    assert "\n" not in str(refused.value)


def test_a_misspelled_hook_suggests_the_nearest_hook(
    plugin_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = (
        "from collector import hookimpl\n\n"
        "@hookimpl\ndef register_exporter():\n    return []\n\n"
        "@hookimpl\ndef register_questionnaires():\n    return []\n"
    )
    plugin(plugin_folder, monkeypatch, "typo_plugin", source, name="typo")
    listed = cli(tmp_path, "plugins")
    assert listed.exit_code == 1
    assert (
        "FAILED: plugin 'typo' (entry point 'typo = typo_plugin' in the 'collector' group) "
        "implements 'register_exporter' (did you mean 'register_exporters'? not a collector "
        "hook)." in listed.output
    )


def test_a_duplicate_registration_skips_the_later_plugin(
    plugin_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = (
        "from collector import hookimpl\n"
        "from collector.answers.question_types import QuestionType\n\n"
        "class Likert(QuestionType):\n    name = 'likert5'\n    description = 'mine'\n\n"
        "@hookimpl\ndef register_question_types():\n    return [Likert]\n"
    )
    plugin(plugin_folder, monkeypatch, "clash_plugin", source, name="clash")
    listed = cli(tmp_path, "plugins")
    assert listed.exit_code == 1
    assert (
        "FAILED: plugin 'clash' (entry point 'clash = clash_plugin' in the 'collector' group): "
        "question type 'likert5' is registered by both plugin 'clash' and plugin "
        "'collector.answers.hooks'" in listed.output
    )
    assert "question types: date, likert5," in listed.output  # the core's, still there
    with pytest.raises(PluginConfigurationError, match=r"^plugin 'clash' \(entry point"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "t"})


def test_a_plugin_that_registers_nothing_gets_a_warning(
    plugin_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = "def register_exporters():\n    return []\n"  # @hookimpl forgotten
    plugin(plugin_folder, monkeypatch, "empty_plugin", source, name="empty")
    listed = cli(tmp_path, "plugins")
    assert listed.exit_code == 0, listed.output
    assert (
        "Warning: plugin 'empty' (entry point 'empty = empty_plugin' in the 'collector' group) "
        "registers nothing: none of its functions is marked with @collector.hookimpl. "
        "register_exporters looks like a hook: mark it with @collector.hookimpl."
    ) in listed.output
    assert "empty (entry point: empty_plugin)" in listed.output


def test_help_says_nothing_of_failures_when_every_plugin_loads(tmp_path: Path) -> None:
    helped = cli(tmp_path, "--help")
    assert helped.exit_code == 0, helped.output
    assert "failed to load" not in helped.output


def test_a_register_hook_that_raises_is_a_failed_plugin_not_a_traceback(
    plugin_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = (
        "from collector import hookimpl\n\n"
        "@hookimpl\ndef register_commands():\n    raise KeyError('SETTING_MISSING')\n"
    )
    plugin(plugin_folder, monkeypatch, "raising_plugin", source, name="raising")
    where = "plugin 'raising' (entry point 'raising = raising_plugin' in the 'collector' group)"
    helped = cli(tmp_path, "--help")
    assert helped.exit_code == 0, helped.output
    assert f"Left out, failed to load: {where}." in helped.output
    assert "Traceback" not in helped.output
    listed = cli(tmp_path, "plugins")
    assert (
        f"FAILED: {where}: its register_commands hook raised KeyError: 'SETTING_MISSING'"
        in listed.output
    )
    refused = cli(tmp_path, "export", "citizen-satisfaction")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    with pytest.raises(PluginConfigurationError, match=r"^plugin 'raising' \(entry point"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "t"})
