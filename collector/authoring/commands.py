"""``collector questionnaire import|export`` and ``collector check``: scripts use them.

Import and check print every problem on its own line (with the sheet, row and column
of a workbook) and exit 1 when there is one; ``--publish`` publishes a new version
owned by the agency, as the console's publishing page does. The problems are said in
``--language`` (one of ``LANGUAGES``; the first, zh-Hant-TW, by default), from the
catalogues (collector.authoring.messages), as the console says them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlmodel import col

from collector.authoring import service
from collector.authoring.checking import Checked
from collector.authoring.checking import check_upload
from collector.authoring.checking import export as export_questionnaire
from collector.authoring.messages import line
from collector.core.commands import cli_language
from collector.core.commands import prepare_database
from collector.core.db import session_scope
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from surveys.workbook import Problem
from surveys.workbook import WorkbookError


def _check_file(path: str, language: str) -> Checked:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        cannot = translator(language).gettext(
            "cannot read the file (%(reason)s)", reason=exc.strerror or ""
        )
        raise click.ClickException(f"{path}: {cannot}") from None
    return check_upload(get_plugins(current_app), data, file.name)


def _report(path: str, problems: list[Problem], language: str) -> None:
    """Every problem on its own line in ``language``, then how many; exit 1 if any."""
    for problem in problems:
        click.echo(f"{path}: {line(problem, language)}", err=True)
    if problems:
        text = translator(language)
        count = text.ngettext(
            "%(num)s problem to correct", "%(num)s problems to correct", len(problems)
        )
        separator = "；" if language.startswith("zh") else "; "
        click.echo(f"{path}: {count}{separator}{text.gettext('Nothing was published')}", err=True)
        sys.exit(1)


LANGUAGE_HELP = "Language of the problems: one of LANGUAGES (default: the first, zh-Hant-TW)."


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--language", default=None, help=LANGUAGE_HELP)
@with_appcontext
def check(file: str, language: str | None) -> None:
    """Validate a questionnaire (XLSForm .xlsx or YAML) against the installed question types."""
    language = cli_language(current_app, language)
    checked = _check_file(file, language)
    _report(file, checked.problems, language)
    assert checked.questionnaire is not None
    q = checked.questionnaire
    valid = translator(language).ngettext(
        "%(slug)s: %(num)s question, fingerprint %(fingerprint)s: OK",
        "%(slug)s: %(num)s questions, fingerprint %(fingerprint)s: OK",
        len(q.questions()),
        slug=q.slug,
        fingerprint=q.fingerprint()[:12],
    )
    click.echo(f"{file}: {valid}")


@click.group("questionnaire")
def questionnaire() -> None:
    """Questionnaires as XLSForm workbooks or YAML files."""


@questionnaire.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--agency", "agency_code", required=True, help="The agency that will own it.")
@click.option("--publish", is_flag=True, help="Publish a new version for that agency.")
@click.option("--language", default=None, help=LANGUAGE_HELP)
@with_appcontext
def import_(file: str, agency_code: str, publish: bool, language: str | None) -> None:
    """Validate FILE for an agency and, with --publish, publish it as the agency's own."""
    language = cli_language(current_app, language)
    checked = _check_file(file, language)
    _report(file, checked.problems, language)
    q = checked.questionnaire
    assert q is not None
    prepare_database(current_app)
    with session_scope(current_app) as session:
        agency = session.execute(
            select(Agency).where(col(Agency.code) == agency_code)
        ).scalar_one_or_none()
        text = translator(language)
        if agency is None or agency.id is None:
            raise click.ClickException(
                text.gettext("No agency has the code %(code)s.") % {"code": agency_code}
            )
        refusal = service.slug_refusal(
            session, get_plugins(current_app), q.slug, agency.id, workbook=bool(checked.rows)
        )
        if refusal is not None:
            _report(file, [refusal], language)
        names = {"slug": q.slug, "agency": agency.code}
        if not publish:
            valid = text.gettext("%(slug)s is valid for %(agency)s; add --publish to publish it.")
            click.echo(f"{file}: {valid % names}")
            return
        version = service.publish_for_agency(session, get_plugins(current_app), agency, q, None)
        published = text.gettext("Published %(slug)s version %(version)s for %(agency)s.")
        click.echo(published % {**names, "version": version.version})


@questionnaire.command("export")
@click.argument("slug")
@click.option(
    "--format", "fmt", type=click.Choice(["xlsform", "yaml"]), default="xlsform", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None)
@click.option("--language", default=None, help="Language of the messages: one of LANGUAGES.")
@with_appcontext
def export(slug: str, fmt: str, output: str | None, language: str | None) -> None:
    """Write a questionnaire's current version as XLSForm or YAML (to -o FILE, or stdout)."""
    text = translator(cli_language(current_app, language))
    prepare_database(current_app)
    plugins = get_plugins(current_app)
    with session_scope(current_app) as session:
        version = current_version(current_app, session, slug)
        if version is None:
            version = session.execute(
                select(QuestionnaireVersion)
                .where(col(QuestionnaireVersion.slug) == slug)
                .order_by(col(QuestionnaireVersion.version).desc())
                .limit(1)
            ).scalar_one_or_none()
        if version is None:
            raise click.ClickException(
                text.gettext("No questionnaire is called %(slug)s.", slug=slug)
            )
        q = definition_of(version)
    try:
        data = export_questionnaire(plugins, q, fmt)
    except WorkbookError as exc:
        cannot = text.gettext("%(slug)s cannot be exported as %(format)s:", slug=slug, format=fmt)
        raise click.ClickException(f"{cannot}\n{exc}") from None
    if output:
        Path(output).write_bytes(data)
        click.echo(text.gettext("Wrote %(file)s.", file=output))
    elif fmt == "xlsform" and sys.stdout.isatty():
        raise click.ClickException(
            text.gettext("An XLSForm workbook is binary: name a file with -o FILE.")
        )
    else:
        sys.stdout.buffer.write(data)
