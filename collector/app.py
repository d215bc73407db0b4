"""``create_app``: configuration, database, plugins (each feature among them), in order."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from flask import Flask

from collector.access import guard
from collector.access import hooks as access_hooks
from collector.access import ratelimit
from collector.access import security
from collector.access import sessions
from collector.answers import assets as question_assets
from collector.answers import fast_path
from collector.answers import hooks as answers_hooks
from collector.answers import writer
from collector.answers.question_types import QuestionType
from collector.authoring import hooks as authoring_hooks
from collector.campaigns import hooks as campaigns_hooks
from collector.comparison import hooks as comparison_hooks
from collector.complaints import hooks as complaints_hooks
from collector.console import hooks as console_hooks
from collector.core import config
from collector.core import db
from collector.core import error_summary
from collector.core import errors
from collector.core import hooks as core_hooks
from collector.core import i18n
from collector.core import migrations
from collector.core import numbers
from collector.core import plugins
from collector.core import voiding
from collector.core.questionnaires import publish_registered
from collector.core.registry import PluginConfigurationError
from collector.demo import hooks as demo_hooks
from collector.evidence import hooks as evidence_hooks
from collector.improvement import hooks as improvement_hooks
from collector.jobs import hooks as jobs_hooks
from collector.jobs import init_app as init_jobs
from collector.kiosk import hooks as kiosk_hooks
from collector.mailqueue import hooks as mailqueue_hooks
from collector.margins import hooks as margins_hooks
from collector.organisation import hooks as organisation_hooks
from collector.results import hooks as results_hooks
from collector.results.analyses import Analysis
from collector.results.exporters import Exporter
from collector.results.sections import ResultsSection
from collector.staff_survey import hooks as staff_survey_hooks

CORE_PLUGINS: tuple[ModuleType, ...] = (
    core_hooks,
    access_hooks,
    jobs_hooks,
    mailqueue_hooks,
    console_hooks,
    organisation_hooks,
    margins_hooks,
    answers_hooks,
    kiosk_hooks,
    results_hooks,
    authoring_hooks,
    campaigns_hooks,
    staff_survey_hooks,
    complaints_hooks,
    comparison_hooks,
    improvement_hooks,
    evidence_hooks,
    demo_hooks,
)
"""Each feature's hook implementations, registered as essential plugins: the core's
pages, commands and default answers come through the same hooks as a plugin's."""

BASES = plugins.BaseClasses(
    question_type=QuestionType,
    exporter=Exporter,
    analysis=Analysis,
    results_section=ResultsSection,
)


def create_app(test_config: dict[str, Any] | None = None, *, production: bool = False) -> Flask:
    """Build the application: configuration, database, plugins, views. ``production``
    (the production servers' entry points) refuses to start without the settings
    production needs (``config.check_production``)."""
    app = Flask("collector", instance_relative_config=True)
    config.load(app, test_config)
    if production:
        config.check_production(app)
    numbers.init_app(app)
    db.init_app(app)
    writer.init_app(app, db.get_engine(app))
    plugin_set = plugins.init_app(app, CORE_PLUGINS, BASES)
    # Responses carry an outbox row only while some plugin handles response_saved.
    writer.get_writer(app).events = bool(plugin_set.hook.response_saved.get_hookimpls())
    question_assets.init_app(app, plugin_set)
    init_jobs(app, plugin_set)
    security.init_app(app)
    i18n.init_app(app)
    error_summary.init_app(app)
    errors.init_app(app)
    ratelimit.init_app(app)
    guard.init_app(app)
    voiding.init_app(app)
    sessions.init_app(app)
    for name, command in plugin_set.commands.items.items():
        if name in app.cli.commands:
            raise PluginConfigurationError(
                f"command {name!r} of plugin {plugin_set.commands.owners[name]!r} clashes with "
                "a command of Flask's"
            )
        app.cli.add_command(command)
    fast_path.init_app(app)
    security.trust_proxies(app)  # outermost: every layer sees the client's address
    if app.config["AUTO_MIGRATE"]:
        migrations.upgrade(app)
        publish_registered(app)
    return app
