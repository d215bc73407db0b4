"""One plugin manager per app: which plugins load, and what they register.

Essential plugins (each feature's ``hooks`` module, listed by ``collector.app``)
always load. Bundled plugins
(``plugins/``) load unless configuration disables them. External plugins come
from the ``collector`` entry-point group. ``PLUGINS_ALLOWLIST`` restricts the
non-essential ones to the names it lists.

A plugin that cannot load (it fails to import, implements a hook that does not
exist, takes a name already taken, registers something wrong or a name another
plugin registered) is described in one paragraph naming the plugin and its entry
point, without a traceback: start-up refuses with it, or, with
``PLUGINS_SKIP_FAILED`` (the command line's diagnostic commands), the plugin is
left out and listed as failed. A plugin that registers nothing gets a warning.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import inspect
import logging
import traceback
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from flask import Flask
from flask import current_app

import plugins as bundled_package
from collector.core import hookspecs
from collector.core.i18n import LANGUAGE_REGISTRY
from collector.core.i18n import Language
from collector.core.i18n import register_language
from collector.core.registry import PluginConfigurationError
from collector.core.registry import Registry
from collector.core.registry import collect
from surveys import Questionnaire
from surveys import QuestionnaireError
from surveys import load
from surveys.translations import translate_file

ENTRY_POINT_GROUP = "collector"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BaseClasses:
    """The classes that registered question types, exporters, analyses and results sections
    must extend.

    They live in the features that use them (``collector.app`` passes them in), so
    the plugin manager depends on no feature.
    """

    question_type: type
    exporter: type
    analysis: type
    results_section: type


@dataclass
class LoadedPlugin:
    name: str
    origin: str  # essential | bundled | entry point
    module: str
    version: str | None = None
    distribution: str | None = None

    def where(self) -> str:
        """The plugin as a person finds it again: its entry point and distribution."""
        if self.origin != "entry point":
            return f"plugin {self.name!r} ({self.origin} module {self.module})"
        dist = (
            f" of the distribution {self.distribution} {self.version}" if self.distribution else ""
        )
        return (
            f"plugin {self.name!r} (entry point '{self.name} = {self.module}' in the "
            f"{ENTRY_POINT_GROUP!r} group{dist})"
        )


@dataclass(frozen=True)
class FailedPlugin:
    """A plugin left out because it could not load; ``message`` says why in one paragraph."""

    plugin: LoadedPlugin
    message: str


@dataclass
class LoadReport:
    """What went wrong while loading plugins, when failures are skipped rather than fatal."""

    skip_failed: bool = False
    failed: list[FailedPlugin] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fail(self, plugin: LoadedPlugin, message: str) -> None:
        if not self.skip_failed:
            raise PluginConfigurationError(message, plugin=plugin.name)
        self.failed.append(FailedPlugin(plugin, message))

    def warn(self, message: str) -> None:
        # The command line (which skips failures) prints warnings itself; a server logs them.
        if not self.skip_failed:
            log.warning("%s", message)
        self.warnings.append(message)


@dataclass
class PluginSet:
    """What the app's plugins registered, by name."""

    manager: pluggy.PluginManager
    plugins: list[LoadedPlugin]
    question_types: Registry[Any]
    questionnaires: Registry[Questionnaire]
    exporters: Registry[Any]
    analyses: Registry[Any]
    results_sections: Registry[Any] = field(default_factory=lambda: Registry("results section"))
    blueprints: Registry[Any] = field(default_factory=lambda: Registry("blueprint"))
    commands: Registry[Any] = field(default_factory=lambda: Registry("command"))
    languages: Registry[Language] = field(default_factory=lambda: Registry("language"))
    failed: list[FailedPlugin] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def hook(self) -> Any:
        return self.manager.hook

    def question_type(self, questionnaire: Questionnaire, key: str) -> Any:
        question = questionnaire.question(key)
        return self.question_types[question.type](question, questionnaire)

    def describe(self) -> list[dict[str, Any]]:
        """A JSON-able listing: each plugin and the names it registered."""
        out = []
        registries = {
            "question_types": self.question_types,
            "questionnaires": self.questionnaires,
            "exporters": self.exporters,
            "analyses": self.analyses,
            "results_sections": self.results_sections,
            "blueprints": self.blueprints,
            "commands": self.commands,
            "languages": self.languages,
        }
        for plugin in self.plugins:
            hooks = sorted(
                h.name
                for h in self.manager.get_hookcallers(self.manager.get_plugin(plugin.name)) or []
            )
            entry: dict[str, Any] = {
                "name": plugin.name,
                "origin": plugin.origin,
                "module": plugin.module,
                "version": plugin.version,
                "hooks": hooks,
            }
            if plugin.distribution:
                entry["distribution"] = plugin.distribution
            for kind, registry in registries.items():
                names = sorted(n for n, owner in registry.owners.items() if owner == plugin.name)
                if names:
                    entry[kind] = names
            out.append(entry)
        for failure in self.failed:
            plugin = failure.plugin
            out.append(
                {
                    "name": plugin.name,
                    "origin": plugin.origin,
                    "module": plugin.module,
                    "version": plugin.version,
                    "failed": failure.message,
                }
            )
        return out


def bundled_plugins() -> dict[str, str]:
    """Name to module of every plugin shipped in ``plugins/``."""
    return dict(bundled_package.BUNDLED)


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def hook_names() -> list[str]:
    """Every hook a plugin may implement (``collector.core.hookspecs``)."""
    return sorted(
        name
        for name, fn in vars(hookspecs).items()
        if inspect.isfunction(fn) and hasattr(fn, "collector_spec")
    )


def _import_failure(exc: BaseException) -> str:
    """An exception raised while importing a plugin, as one line: what and where."""
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({exc.filename}, line {exc.lineno})"
    else:
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if "importlib" not in f.filename and not f.filename.startswith("<frozen")
        ]
        if frames:
            where = f" ({frames[-1].filename}, line {frames[-1].lineno})"
    return f"{type(exc).__name__}: {exc}{where}"


def _unknown_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    return sorted(
        caller.name for caller in pm.get_hookcallers(plugin) or [] if not caller.has_spec()
    )


def _nearest(name: str) -> str:
    close = difflib.get_close_matches(name, hook_names(), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def _unmarked_hooks(plugin: object) -> list[str]:
    """Functions of a plugin named like a hook (or nearly) but not marked ``@hookimpl``."""
    found = []
    for attr, value in vars(plugin).items() if hasattr(plugin, "__dict__") else []:
        if attr.startswith("_") or not callable(value):
            continue
        if attr in hook_names() or difflib.get_close_matches(attr, hook_names(), n=1, cutoff=0.85):
            found.append(attr)
    return sorted(found)


def _plugin_name(plugin: object) -> str:
    """A given plugin's name: its module's name (``my_plugin``), or its class's."""
    return str(getattr(plugin, "__name__", None) or type(plugin).__name__)


def _register(
    pm: pluggy.PluginManager, plugin: object, info: LoadedPlugin, report: LoadReport
) -> bool:
    """Register one non-essential plugin; a failure is reported (fatal or skipped)."""
    try:
        pm.register(plugin, name=info.name)
    except pluggy.PluginValidationError as exc:
        if pm.get_plugin(info.name) is not None:
            pm.unregister(name=info.name)
        report.fail(info, f"{info.where()} does not fit the hook it implements: {exc}")
        return False
    unknown = _unknown_hooks(pm, plugin)
    if unknown:
        pm.unregister(name=info.name)
        names = ", ".join(f"{n!r} ({_nearest(n)}not a collector hook)" for n in unknown)
        report.fail(
            info,
            f"{info.where()} implements {names}. Rename the function to a hook of "
            "docs/plugin_hooks.md, or drop its @hookimpl mark.",
        )
        return False
    if not pm.get_hookcallers(plugin):
        unmarked = _unmarked_hooks(plugin)
        hint = ""
        if len(unmarked) == 1:
            hint = f" {unmarked[0]} looks like a hook: mark it with @collector.hookimpl."
        elif unmarked:
            hint = f" {', '.join(unmarked)} look like hooks: mark them with @collector.hookimpl."
        report.warn(
            f"{info.where()} registers nothing: none of its functions is marked with "
            f"@collector.hookimpl.{hint}"
        )
    return True


def build_plugin_manager(
    config: Mapping[str, Any],
    essential: Sequence[ModuleType] = (),
    report: LoadReport | None = None,
) -> tuple[pluggy.PluginManager, list[LoadedPlugin]]:
    """Load and register plugins as configuration says; refuse anything unclear (or, with
    ``report.skip_failed``, leave out a plugin that fails and list it in ``report``)."""
    report = report if report is not None else LoadReport()
    pm = pluggy.PluginManager("collector")
    pm.add_hookspecs(hookspecs)
    loaded: list[LoadedPlugin] = []

    for module in essential:
        pm.register(module, name=module.__name__)
        loaded.append(LoadedPlugin(module.__name__, "essential", module.__name__))
    essential_names = {module.__name__ for module in essential}

    bundled = bundled_plugins()
    entry_points = _entry_points() if config.get("PLUGINS_LOAD_ENTRY_POINTS", True) else []
    known = set(bundled) | {ep.name for ep in entry_points}
    disabled = list(config.get("PLUGINS_DISABLED") or [])
    allow = config.get("PLUGINS_ALLOWLIST")
    for setting, names in (("PLUGINS_DISABLED", disabled), ("PLUGINS_ALLOWLIST", allow or [])):
        unknown = sorted(set(names) - known - essential_names)
        if unknown:
            raise PluginConfigurationError(
                f"{setting} names unknown plugin(s) {unknown}; known plugins: {sorted(known)}"
            )
        named = sorted(set(names) & essential_names)
        if setting == "PLUGINS_DISABLED" and named:
            raise PluginConfigurationError(f"essential plugin(s) {named} cannot be disabled")

    def wanted(name: str) -> bool:
        return name not in disabled and (allow is None or name in allow)

    for name, module_name in bundled.items():
        if wanted(name):
            info = LoadedPlugin(name, "bundled", module_name)
            if _register(pm, importlib.import_module(module_name), info, report):
                loaded.append(info)

    for ep in entry_points:
        if not wanted(ep.name):
            continue
        dist = ep.dist
        info = LoadedPlugin(
            ep.name,
            "entry point",
            ep.value,
            dist.version if dist else None,
            dist.metadata["Name"] if dist else None,
        )
        if ep.name in bundled or pm.get_plugin(ep.name) is not None:
            report.fail(
                info,
                f"{info.where()}: the name {ep.name!r} is already taken by another plugin; "
                "give the entry point another name.",
            )
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            report.fail(
                info,
                f"{info.where()} could not be imported: {_import_failure(exc)}. Fix the "
                f"plugin, or leave it out with PLUGINS_DISABLED "
                f"(COLLECTOR_PLUGINS_DISABLED={ep.name}).",
            )
            continue
        if _register(pm, plugin, info, report):
            loaded.append(info)

    for given in config.get("PLUGINS_EXTRA") or []:
        name, plugin = given if isinstance(given, tuple) else (_plugin_name(given), given)
        info = LoadedPlugin(name, "given", getattr(plugin, "__name__", type(plugin).__name__))
        if pm.get_plugin(name) is not None or pm.is_registered(plugin):
            report.fail(info, f"{info.where()}: the name {name!r} is already taken")
        elif _register(pm, plugin, info, report):
            loaded.append(info)

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginConfigurationError(
            f"plugin {exc.plugin!r} implements a hook that does not exist: {exc}"
        ) from None
    return pm, loaded


def _to_questionnaire(raw: Any, owner: str) -> Questionnaire:
    if isinstance(raw, Questionnaire):
        return raw
    if isinstance(raw, str | Path):
        try:
            return load(raw)
        except QuestionnaireError as exc:
            raise PluginConfigurationError(f"plugin {owner!r}: {exc}", plugin=owner) from None
    raise PluginConfigurationError(
        f"plugin {owner!r} registered a questionnaire of type {type(raw).__name__}; "
        "expected surveys.Questionnaire or a path",
        plugin=owner,
    )


def _named_class(base: type, kind: str) -> Any:
    def check(raw: Any, owner: str) -> Any:
        if not (inspect.isclass(raw) and issubclass(raw, base)):
            raise PluginConfigurationError(
                f"plugin {owner!r} registered {raw!r} as a {kind}; expected a subclass of "
                f"{base.__module__}.{base.__name__}",
                plugin=owner,
            )
        if not getattr(raw, "name", None):
            raise PluginConfigurationError(
                f"plugin {owner!r}: {kind} {raw.__name__} has no name", plugin=owner
            )
        return raw

    return check


def definition_problems(
    plugin_set: PluginSet, questionnaire: Questionnaire
) -> list[tuple[str, str]]:
    """(question key, problem) for each question whose type is unknown or that does not
    suit its type: the check every questionnaire passes, registered or uploaded."""
    problems: list[tuple[str, str]] = []
    for question in questionnaire.questions():
        if question.type not in plugin_set.question_types:
            problems.append(
                (
                    question.key,
                    f"unknown type {question.type!r}; registered types: "
                    f"{sorted(plugin_set.question_types)}",
                )
            )
            continue
        found = plugin_set.question_type(questionnaire, question.key).check_definition()
        if found:
            problems.append((question.key, "; ".join(found)))
    return problems


def _check_questionnaires(plugin_set: PluginSet) -> None:
    """Every question must name a registered type and suit it: fail at start-up, not mid-survey."""
    for slug, questionnaire in plugin_set.questionnaires.items.items():
        owner = plugin_set.questionnaires.owners[slug]
        for key, problem in definition_problems(plugin_set, questionnaire)[:1]:
            raise PluginConfigurationError(
                f"questionnaire {slug!r} (plugin {owner!r}): question {key!r}"
                + (" has " if problem.startswith("unknown type") else ": ")
                + problem,
                plugin=owner,
            )


def _to_language(raw: Any, owner: str) -> Language:
    if not isinstance(raw, Language):
        raise PluginConfigurationError(
            f"plugin {owner!r} registered {raw!r} as a language; expected "
            "collector.core.i18n.Language",
            plugin=owner,
        )
    return raw


def _add_languages(app: Flask, plugin_set: PluginSet) -> None:
    """Make the plugins' languages known and offered, then give every registered
    questionnaire the offered languages it has a translation file for (the core's
    Vietnamese, Indonesian and Thai, a plugin's Hakka)."""
    offered = list(app.config["LANGUAGES"])
    for code, language in plugin_set.languages.items.items():
        try:
            register_language(language)
        except ValueError as exc:
            owner = plugin_set.languages.owners[code]
            raise PluginConfigurationError(f"plugin {owner!r}: {exc}", plugin=owner) from None
        if code not in offered:
            offered.append(code)
    unknown = sorted(set(offered) - set(LANGUAGE_REGISTRY))
    if unknown:
        raise PluginConfigurationError(
            f"LANGUAGES names unknown language(s) {unknown}; known: {sorted(LANGUAGE_REGISTRY)}"
        )
    app.config["LANGUAGES"] = offered
    questionnaires = plugin_set.questionnaires.items
    for code in offered:
        language = LANGUAGE_REGISTRY[code]
        for slug, path in language.questionnaires.items():
            questionnaire = questionnaires.get(slug)
            if questionnaire is None or code in questionnaire.languages:
                continue
            try:
                questionnaires[slug] = translate_file(questionnaire, path, language.fallback)
            except QuestionnaireError as exc:
                raise PluginConfigurationError(f"language {code!r}: {exc}") from None


def _name_of(registered: Any) -> str:
    """What a registered class, blueprint or command is known by: its ``name``."""
    return str(registered.name)


def _collect(pm: pluggy.PluginManager, loaded: list[LoadedPlugin], bases: BaseClasses) -> PluginSet:
    classes = {
        "question_types": ("question type", bases.question_type),
        "exporters": ("exporter", bases.exporter),
        "analyses": ("analysis", bases.analysis),
        "results_sections": ("results section", bases.results_section),
    }
    registries: dict[str, Registry[Any]] = {
        kind: collect(pm, f"register_{kind}", label, _name_of, _named_class(base, label))
        for kind, (label, base) in classes.items()
    }
    return PluginSet(
        manager=pm,
        plugins=loaded,
        question_types=registries["question_types"],
        questionnaires=collect(
            pm, "register_questionnaires", "questionnaire", lambda q: q.slug, _to_questionnaire
        ),
        exporters=registries["exporters"],
        analyses=registries["analyses"],
        results_sections=registries["results_sections"],
        blueprints=collect(pm, "register_blueprints", "blueprint", _name_of),
        commands=collect(pm, "register_commands", "command", _name_of),
        languages=collect(pm, "register_languages", "language", lambda x: x.code, _to_language),
    )


def init_app(app: Flask, essential: Sequence[ModuleType], bases: BaseClasses) -> PluginSet:
    """Build the app's plugin manager and registries; store them in ``app.extensions``.

    What a plugin registers wrongly (or under a name another plugin took) names that
    plugin; with ``PLUGINS_SKIP_FAILED`` it is left out and the rest loads again."""
    report = LoadReport(skip_failed=bool(app.config.get("PLUGINS_SKIP_FAILED")))
    pm, loaded = build_plugin_manager(app.config, essential, report)
    plugin_set: PluginSet | None = None
    while plugin_set is None:
        try:
            candidate = _collect(pm, loaded, bases)
            _add_languages(app, candidate)
            _check_questionnaires(candidate)
            plugin_set = candidate
        except PluginConfigurationError as exc:
            # Of the plugins named, the one loaded last (never an essential one).
            culprit = next(
                (p for p in reversed(loaded) if p.name in exc.plugins and p.origin != "essential"),
                None,
            )
            if culprit is None:
                raise
            message = f"{culprit.where()}: {exc}"
            if not report.skip_failed:
                raise PluginConfigurationError(message, plugin=culprit.name) from None
            pm.unregister(name=culprit.name)
            loaded.remove(culprit)
            report.fail(culprit, message)
    plugin_set.failed = report.failed
    plugin_set.warnings = report.warnings
    for blueprint in plugin_set.blueprints.values():
        app.register_blueprint(blueprint)
    app.extensions["collector.core.plugins"] = plugin_set
    return plugin_set


def get_plugins(app: Flask | None = None) -> PluginSet:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    return app.extensions["collector.core.plugins"]


__all__ = [
    "FailedPlugin",
    "LoadReport",
    "ModuleType",
    "PluginConfigurationError",
    "PluginSet",
    "get_plugins",
    "init_app",
]
