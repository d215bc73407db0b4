"""Making test apps: ``make_app(seed=..., **config)`` on the test's own database.

The fixtures in ``tests/conftest.py`` wrap :class:`AppMaker`; a test asks for the state
its database starts in (see :mod:`collector.testing.database`) and any configuration.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
import pytest
from flask import Flask
from jinja2 import BytecodeCache
from jinja2 import Environment
from jinja2.bccache import Bucket
from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.util import LRUCache
from werkzeug.routing import BaseConverter
from werkzeug.routing import Rule
from werkzeug.routing.rules import RulePart

import collector.core.db
import collector.core.plugins
from collector.app import create_app
from collector.core.questionnaires import publish_registered
from collector.jobs.queue import close as close_queue
from collector.testing.database import BASE_SETTINGS
from collector.testing.database import PUBLISHED
from collector.testing.database import STAFF
from collector.testing.database import TestDatabase
from collector.testing.database import dispose
from collector.testing.database import scratch_folder
from collector.testing.staff import FAST_HASH
from surveys import Questionnaire


class AppMaker:
    """``make_app``: apps on one test's database, all disposed of after the test."""

    def __init__(self, database: TestDatabase) -> None:
        self.database = database
        self.made: list[Flask] = []
        self.scratch: Path | None = None

    def __call__(self, seed: str = PUBLISHED, **config: Any) -> Flask:
        """An app with ``config`` on top of the test settings; its database brought to
        ``seed`` (``"agencies"``, ``"staff"``: then ``app.config["PEOPLE"]`` maps each
        e-mail address of ``collector.testing.staff.PEOPLE`` to its user id)."""
        settings = {**BASE_SETTINGS, "DATABASE_URL": self.database.url}
        if self.scratch is None:
            self.scratch = scratch_folder()
        # What an app keeps in its instance folder goes to this test's own folder: drawn
        # charts (kept by their content: a test draws what it checks instead of finding
        # another run's file), mail written to files and complaint attachments.
        settings["RESULTS_CHARTS_DIR"] = str(self.scratch / "charts")
        settings["MAIL_OUTBOX_DIR"] = str(self.scratch / "outbox")
        settings["COMPLAINT_ATTACHMENT_DIR"] = str(self.scratch / "attachments")
        if self.database.path is None:
            # PostgreSQL: the queue and job files of this test, not the shared instance folder's
            # (on SQLite they lie beside the test's own database file).
            settings["QUEUE_URL"] = f"sqlite:///{self.scratch / 'queue.sqlite3'}"
            settings["JOBS_RESULTS_DIR"] = str(self.scratch / "jobs")
        if seed == STAFF:
            settings["PASSWORD_HASH"] = FAST_HASH
        settings.update(config)
        todo: list[str] = []
        copied = False  # the first app on a database just copied from a template
        if settings["DATABASE_URL"] == self.database.url:
            first = self.database.state is None
            todo = self.database.prepare(seed, settings)
            copied = first and self.database.from_template
            if seed == STAFF:
                assert settings["PASSWORD_HASH"] == FAST_HASH, "the staff are hashed with FAST_HASH"
        publish = copied and settings.get("AUTO_MIGRATE", True)
        if publish:
            # The template is at the head revision: what AUTO_MIGRATE does, less the
            # upgrade that would find nothing to do (it reads every revision file).
            settings["AUTO_MIGRATE"] = False
        app = create_app(settings)
        self.made.append(app)
        if publish:
            publish_registered(app)
        self.database.seed(app, todo)
        if seed == STAFF:
            app.config["PEOPLE"] = dict(self.database.people)
        return app

    def dispose(self) -> None:
        for app in self.made:
            close_queue(app)
            dispose(app)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


@functools.cache
def _load_once(path: Path, mtime_ns: int, size: int) -> Questionnaire:
    return _LOAD(path)


_LOAD = collector.core.plugins.load


def _load(path: str | Path) -> Questionnaire:
    """``surveys.load`` for the plugin manager, once per file version and session: the
    definitions are frozen models, and every test app registers the same few files."""
    resolved = Path(path)
    try:
        stat = resolved.stat()
    except OSError:
        return _LOAD(path)  # the loader says what is wrong
    return _load_once(resolved.resolve(), stat.st_mtime_ns, stat.st_size)


_TRANSLATE = collector.core.plugins.translate_file
_translated: dict[tuple[int, Path, int, int, str | None], tuple[Questionnaire, Questionnaire]] = {}


def _translate_file(
    questionnaire: Questionnaire, path: str | Path, fill_from: str | None = None
) -> Questionnaire:
    """``translate_file`` for the plugin manager, once per questionnaire object, file version
    and session: with :func:`_load` every app holds the same questionnaire objects, so the
    same translations apply to the same objects in every app."""
    resolved = Path(path)
    try:
        stat = resolved.stat()
    except OSError:
        return _TRANSLATE(questionnaire, path, fill_from)  # the reader says what is wrong
    key = (id(questionnaire), resolved.resolve(), stat.st_mtime_ns, stat.st_size, fill_from)
    found = _translated.get(key)
    if found is None or found[0] is not questionnaire:
        found = (questionnaire, _TRANSLATE(questionnaire, path, fill_from))
        _translated[key] = found
    return found[1]


_COMPILE_BUILDER = Rule._compile_builder
_builders: dict[Any, Any] = {}


def _compile_builder(self: Rule, append_unknown: bool = True) -> Any:
    """Werkzeug's URL builder for a rule, generated (``ast`` and ``compile``) once per
    session for each distinct rule: the code depends only on the rule's text, its parsed
    parts and the names of its defaults, and is bound to each rule by the caller. A rule
    with a default for one of its variables (resolved by its converter) is not cached."""
    defaults = self.defaults or {}
    if any(dynamic and name in defaults for dynamic, name in self._trace):
        return _COMPILE_BUILDER(self, append_unknown)
    key = (self.rule, append_unknown, tuple(self._trace), tuple(defaults))
    if key not in _builders:
        _builders[key] = _COMPILE_BUILDER(self, append_unknown)
    return _builders[key]


_COMPILE_RULE = Rule.compile
_parsed: dict[Any, tuple[list[RulePart], list[tuple[bool, str]], dict[str, BaseConverter]]] = {}


def _compile_rule(self: Rule) -> None:
    """Werkzeug's parsing of a rule into its parts, once per session for each distinct rule
    and map configuration: every app adds the same hundred-odd rules. The converters are
    shared between apps; werkzeug's and collector's keep nothing of an app."""
    url_map = self.map
    assert url_map is not None, "rule not bound"
    key = (
        self.rule,
        self.subdomain,
        self.host,
        self.merge_slashes,
        url_map.host_matching,
        tuple(url_map.converters.items()),
    )
    found = _parsed.get(key)
    if found is None:
        _COMPILE_RULE(self)
        _parsed[key] = (list(self._parts), list(self._trace), dict(self._converters))
        return
    parts, trace, converters = found
    self._parts = list(parts)
    self._trace = list(trace)
    self._converters = dict(converters)
    self.arguments.update(converters)
    self._build = self._compile_builder(False).__get__(self, None)
    self._build_unknown = self._compile_builder(True).__get__(self, None)


class _SessionBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app of a test session. Each app has its own Jinja
    environment, so without it every test compiled again each template it rendered (most of
    a short test's time); the bucket checks the source's checksum, so an edited template is
    compiled anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SessionBytecodeCache()
_CREATE_JINJA_ENVIRONMENT = Flask.create_jinja_environment


def _create_jinja_environment(self: Flask) -> Environment:
    environment = _CREATE_JINJA_ENVIRONMENT(self)
    environment.bytecode_cache = _TEMPLATES
    return environment


def _dialect_kind(dialect: Dialect) -> tuple[Any, ...]:
    """What a statement compiled for ``dialect`` depends on: its class, its driver's
    paramstyle and the server it initialised against (every test engine of a backend is
    made with the same arguments, so its dialect compiles the same SQL)."""
    return (
        type(dialect),
        dialect.paramstyle,
        dialect.positional,
        dialect.server_version_info,
        dialect.label_length,
        dialect.max_identifier_length,
    )


class _SharedStatements(LRUCache[Any, Any]):
    """SQLAlchemy's compiled-statement cache, shared by every engine of a test session.
    Each test app has an engine of its own, whose cache starts empty: without this every
    test compiled again each statement it ran (a third of a short test's SQL time). The
    cache key names the engine's dialect object; here it names what that dialect is."""

    @staticmethod
    def _key(key: Any) -> Any:
        if isinstance(key, tuple) and key and isinstance(key[0], Dialect):
            return (_dialect_kind(key[0]), *key[1:])
        return key

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._key(key), default)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._key(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(self._key(key), value)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(self._key(key))


_STATEMENTS = _SharedStatements(5000)
_MAKE_ENGINE = collector.core.db.make_engine


def _make_engine(*args: Any, **kwargs: Any) -> Engine:
    engine = _MAKE_ENGINE(*args, **kwargs)
    if engine._compiled_cache is not None:
        engine._compiled_cache = _STATEMENTS
    return engine


_FINGERPRINT = Questionnaire.fingerprint
_fingerprints: dict[int, tuple[Questionnaire, str]] = {}


def _fingerprint(self: Questionnaire) -> str:
    """A questionnaire's fingerprint, once per session for each (frozen) definition object:
    with :func:`_load` every app publishes the same objects, and each app's start hashes
    the canonical JSON of every registered one again."""
    found = _fingerprints.get(id(self))
    if found is None or found[0] is not self:
        found = (self, _FINGERPRINT(self))
        _fingerprints[id(self)] = found
    return found[1]


_PARSE_HOOKIMPL_OPTS = pluggy.PluginManager.parse_hookimpl_opts
_hookimpl_opts: dict[tuple[int, str], tuple[ModuleType, Any, Any]] = {}


def _parse_hookimpl_opts(self: pluggy.PluginManager, plugin: Any, name: str) -> Any:
    """pluggy's look at one name of a plugin, once per session for each module plugin of
    collector and each name it holds: every app registers the same modules, and pluggy
    inspects every name of each (a tenth of an app's making). Kept with the module and
    the value it looked at, so a name bound to something else is looked at anew."""
    if self.project_name != "collector" or not isinstance(plugin, ModuleType):
        return _PARSE_HOOKIMPL_OPTS(self, plugin, name)
    value = plugin.__dict__.get(name)
    key = (id(plugin), name)
    found = _hookimpl_opts.get(key)
    if found is None or found[0] is not plugin or found[1] is not value:
        found = (plugin, value, _PARSE_HOOKIMPL_OPTS(self, plugin, name))
        _hookimpl_opts[key] = found
    return found[2]


@contextmanager
def apps_made_cheaply() -> Iterator[None]:
    """Within: every app reuses the questionnaires read from a file before (the bundled
    ones are read and validated once per session instead of once per app), and the URL
    builders werkzeug generated and the rules it parsed before (most of an app's making), and
    the templates compiled by an app before, the SQL statements compiled on any test
    engine of the same backend, pluggy's reading of the plugin modules and the
    questionnaires' fingerprints."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "create_jinja_environment", _create_jinja_environment)
        patch.setattr(collector.core.plugins, "load", _load)
        patch.setattr(collector.core.plugins, "translate_file", _translate_file)
        patch.setattr(Rule, "_compile_builder", _compile_builder)
        patch.setattr(Rule, "compile", _compile_rule)
        patch.setattr(collector.core.db, "make_engine", _make_engine)
        patch.setattr(pluggy.PluginManager, "parse_hookimpl_opts", _parse_hookimpl_opts)
        patch.setattr(Questionnaire, "fingerprint", _fingerprint)
        yield
