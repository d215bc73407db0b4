"""collector: a public-service feedback platform (Flask core).

External plugins import only from here: ``collector.hookimpl`` and the base
classes in ``collector.questiontypes``, ``collector.exporters`` and
``collector.analyses``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from collector.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, database, plugins, views."""
    from collector import (
        api_responses,
        auth,
        cli,
        config,
        db,
        i18n,
        migrations,
        ratelimit,
        scoped,
        security,
        writer,
    )
    from collector import plugins as plugin_system
    from collector.questionnaires import publish_registered
    from collector.views import account as account_views
    from collector.views import api, campaigns, errors, meta, paper, results, staff, survey
    from collector.views import auth as auth_views
    from collector.views import case_settings as case_settings_views
    from collector.views import cases as case_views
    from collector.views import complaint_dashboard as complaint_dashboard_views
    from collector.views import complaint_feedback as complaint_feedback_views
    from collector.views import complaints_public as complaint_views
    from collector.views import open311 as open311_views
    from collector.views import organisation as organisation_views
    from collector.views import staff_survey as staff_survey_views

    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    db.init_app(app)
    writer.init_app(app, db.get_engine(app))
    plugin_set = plugin_system.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    ratelimit.init_app(app)
    scoped.init_app(app)
    auth.init_app(app)
    security.csrf.exempt(survey.bp)  # the survey form checks its own token, keeping answers
    security.csrf.exempt(staff_survey_views.answer_bp)  # the same survey form
    security.csrf.exempt(complaint_feedback_views.public_bp)  # the same survey form
    # Complaint forms raise the body limit for attachments first, then check their own token.
    security.csrf.exempt(complaint_views.bp)
    app.register_blueprint(survey.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(meta.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(staff_survey_views.bp)
    app.register_blueprint(staff_survey_views.answer_bp)
    app.register_blueprint(campaigns.bp)
    app.register_blueprint(campaigns.links)
    app.register_blueprint(paper.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(organisation_views.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(complaint_feedback_views.public_bp)
    app.register_blueprint(complaint_feedback_views.bp)
    app.register_blueprint(complaint_dashboard_views.bp)
    app.register_blueprint(open311_views.bp)
    app.register_blueprint(complaint_views.bp)
    app.register_blueprint(case_views.bp)
    app.register_blueprint(case_settings_views.bp)
    cli.init_app(app, plugin_set)
    api_responses.init_app(app)
    if app.config["AUTO_MIGRATE"]:
        migrations.upgrade(app)
        publish_registered(app)
    return app
