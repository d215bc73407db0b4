"""Which plugins load, and start-up refusing anything unclear."""

from __future__ import annotations

import importlib.metadata
import sys
import types
from typing import Any

import pytest

from collector import hookimpl
from collector.answers.question_types import QuestionType
from collector.app import CORE_PLUGINS
from collector.core import plugins as plugin_system
from collector.core.plugins import PluginConfigurationError
from collector.core.plugins import build_plugin_manager

ESSENTIAL = [module.__name__ for module in CORE_PLUGINS]


def install_module(monkeypatch: pytest.MonkeyPatch, name: str, **attrs: Any) -> None:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)


def entry_points(monkeypatch: pytest.MonkeyPatch, **mapping: str) -> None:
    eps = [
        importlib.metadata.EntryPoint(name=n, value=v, group="collector")
        for n, v in mapping.items()
    ]
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: eps)


def names(config: dict[str, Any]) -> list[str]:
    _pm, loaded = build_plugin_manager(config, CORE_PLUGINS)
    return [p.name for p in loaded]


def test_essential_and_bundled_plugins_load_by_default() -> None:
    loaded = names({"PLUGINS_LOAD_ENTRY_POINTS": False})
    assert loaded[: len(ESSENTIAL)] == list(ESSENTIAL)
    assert "land_office" in loaded


def test_bundled_plugin_can_be_disabled(make_app: Any) -> None:
    app = make_app(PLUGINS_DISABLED=["land_office"])
    plugins = plugin_system.get_plugins(app)
    assert "land_office" not in [p.name for p in plugins.plugins]
    assert "land-office-service" not in plugins.questionnaires
    assert "roc_date" not in plugins.question_types


def test_disabled_list_from_environment(monkeypatch: pytest.MonkeyPatch, make_app: Any) -> None:
    monkeypatch.setenv("COLLECTOR_PLUGINS_DISABLED", "land_office")
    app = make_app()
    assert "land_office" not in [p.name for p in plugin_system.get_plugins(app).plugins]


def test_essential_plugins_cannot_be_disabled() -> None:
    with pytest.raises(PluginConfigurationError, match="cannot be disabled"):
        names({"PLUGINS_DISABLED": ["collector.answers.hooks"]})


def test_unknown_plugin_in_configuration_fails_naming_it() -> None:
    with pytest.raises(PluginConfigurationError, match=r"PLUGINS_DISABLED.*'no_such_plugin'"):
        names({"PLUGINS_DISABLED": ["no_such_plugin"], "PLUGINS_LOAD_ENTRY_POINTS": False})
    with pytest.raises(PluginConfigurationError, match=r"PLUGINS_ALLOWLIST.*'nope'"):
        names({"PLUGINS_ALLOWLIST": ["nope"], "PLUGINS_LOAD_ENTRY_POINTS": False})


def test_allowlist_restricts_bundled_and_external(monkeypatch: pytest.MonkeyPatch) -> None:
    install_module(monkeypatch, "ext_one")
    install_module(monkeypatch, "ext_two")
    entry_points(monkeypatch, one="ext_one", two="ext_two")
    loaded = names({"PLUGINS_ALLOWLIST": ["two"]})
    assert loaded == [*ESSENTIAL, "two"]
    assert names({}) == [*ESSENTIAL, "land_office", "hakka", "one", "two"]


def test_entry_point_plugins_are_discovered(monkeypatch: pytest.MonkeyPatch, make_app: Any) -> None:
    class Stars(QuestionType):
        name = "stars"
        description = "1 to 5 stars"

    install_module(
        monkeypatch,
        "ext_stars",
        register_question_types=hookimpl(lambda: [Stars]),
    )
    entry_points(monkeypatch, stars="ext_stars")
    app = make_app(PLUGINS_LOAD_ENTRY_POINTS=True)
    plugins = plugin_system.get_plugins(app)
    assert plugins.question_types.owners["stars"] == "stars"
    listed = {p["name"]: p for p in app.test_client().get("/-/plugins.json").get_json()["plugins"]}
    assert listed["stars"]["origin"] == "entry point"
    assert listed["stars"]["question_types"] == ["stars"]


def test_duplicate_question_type_names_both_plugins(
    monkeypatch: pytest.MonkeyPatch, make_app: Any
) -> None:
    class FakeLikert(QuestionType):
        name = "likert5"
        description = "clash"

    install_module(monkeypatch, "ext_clash", register_question_types=hookimpl(lambda: [FakeLikert]))
    entry_points(monkeypatch, clash="ext_clash")
    with pytest.raises(PluginConfigurationError) as info:
        make_app(PLUGINS_LOAD_ENTRY_POINTS=True)
    message = str(info.value)
    assert "question type 'likert5'" in message
    assert "collector.answers.hooks" in message and "'clash'" in message


def test_duplicate_questionnaire_slug_fails(monkeypatch: pytest.MonkeyPatch, make_app: Any) -> None:
    import surveys

    install_module(
        monkeypatch, "ext_dup", register_questionnaires=hookimpl(lambda: surveys.bundled()[:1])
    )
    entry_points(monkeypatch, dup="ext_dup")
    with pytest.raises(PluginConfigurationError, match=r"questionnaire .* registered by both"):
        make_app(PLUGINS_LOAD_ENTRY_POINTS=True)


def test_entry_point_may_not_take_a_bundled_name(monkeypatch: pytest.MonkeyPatch) -> None:
    install_module(monkeypatch, "ext_land")
    entry_points(monkeypatch, land_office="ext_land")
    with pytest.raises(PluginConfigurationError, match="already taken"):
        names({})


def test_misspelled_hook_fails_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    install_module(monkeypatch, "ext_typo", register_question_type=hookimpl(lambda: []))
    entry_points(monkeypatch, typo="ext_typo")
    with pytest.raises(PluginConfigurationError, match="register_question_type"):
        names({})


def test_questionnaire_with_unknown_type_fails_naming_question(
    monkeypatch: pytest.MonkeyPatch, make_app: Any
) -> None:
    from tests.helpers.example_plugin import QUESTIONNAIRE

    install_module(monkeypatch, "ext_q", register_questionnaires=hookimpl(lambda: [QUESTIONNAIRE]))
    entry_points(monkeypatch, q="ext_q")
    with pytest.raises(PluginConfigurationError, match=r"'postal' has unknown type 'postal_code'"):
        make_app(PLUGINS_LOAD_ENTRY_POINTS=True)


def test_registering_something_that_is_not_a_question_type_fails(
    monkeypatch: pytest.MonkeyPatch, make_app: Any
) -> None:
    install_module(monkeypatch, "ext_bad", register_question_types=hookimpl(lambda: [object]))
    entry_points(monkeypatch, bad="ext_bad")
    with pytest.raises(PluginConfigurationError, match="expected a subclass of"):
        make_app(PLUGINS_LOAD_ENTRY_POINTS=True)


def test_plugins_are_per_app(make_app: Any) -> None:
    first = make_app()
    second = make_app(PLUGINS_DISABLED=["land_office"])
    assert "roc_date" in plugin_system.get_plugins(first).question_types
    assert "roc_date" not in plugin_system.get_plugins(second).question_types


def test_plugins_json_lists_every_plugin(client: Any) -> None:
    data = client.get("/-/plugins.json").get_json()
    by_name = {p["name"]: p for p in data["plugins"]}
    assert by_name["collector.answers.hooks"]["origin"] == "essential"
    assert "likert5" in by_name["collector.answers.hooks"]["question_types"]
    assert by_name["land_office"]["questionnaires"] == ["land-office-service"]
    assert "validate_submission" in by_name["land_office"]["hooks"]


def test_plugins_command(runner: Any) -> None:
    result = runner.invoke(args=["plugins"])
    assert result.exit_code == 0, result.output
    assert "land_office (bundled: plugins.land_office)" in result.output
    assert "question types: roc_date" in result.output
