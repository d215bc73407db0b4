"""A plugin implementing every hook, loaded through a (simulated) entry point.

It records what it saw so that tests can prove each hook is called.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint
from flask import jsonify
from flask.cli import with_appcontext

import surveys
from collector import hookimpl
from collector.access.identity import actor_for_user
from collector.access.identity import find_user
from collector.answers.question_types import QuestionType
from collector.console.panels import ListPanel
from collector.console.panels import PanelRow
from collector.core.hooktypes import AnswerError
from collector.core.hooktypes import JobKind
from collector.core.i18n import lazy_gettext
from collector.results.analyses import Analysis
from collector.results.exporters import Exporter
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from tests.helpers import evidence_plugin
from tests.helpers.questionnaires import NOTICE_FIELDS
from tests.helpers.questionnaires import t

SEEN: dict[str, list[Any]] = {"saved": [], "validated": [], "routed": [], "counted": []}


class PostalCode(QuestionType):
    name = "postal_code"
    description = "Taiwan postal code"

    def parse(self, raw: Any) -> Any:
        text = super().parse(raw)
        if text is not None and not (text.isdigit() and len(text) in (3, 5, 6)):
            raise AnswerError(
                "postal_code",
                message={"zh-Hant-TW": "請輸入郵遞區號。", "en": "Enter a postal code."},
            )
        return text


class JsonLinesExporter(Exporter):
    name = "jsonl"
    description = "One JSON object per line"
    media_type = "application/x-ndjson"
    extension = "jsonl"

    def export(self, table: Any, language: str = "zh-Hant-TW") -> bytes:
        return table.frame.to_json(
            orient="records", lines=True, force_ascii=False, date_format="iso"
        ).encode()


class CountAnalysis(Analysis):
    name = "count"
    description = "How many responses"

    def run(self, table: Any) -> dict[str, Any]:
        return {"responses": len(table.frame)}


class ResponsesSection(ResultsSection):
    """A results-page section of the plugin's own (its template is in the blueprint's folder)."""

    name = "example_responses"
    title = lazy_gettext("Responses")
    template = "example/section.html"
    order = 95

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        return {"responses": len(context.frame())}


bp = Blueprint("example", __name__, url_prefix="/example", template_folder="templates")


@bp.get("/hello")
def hello() -> Any:
    return jsonify({"hello": "world"})


@click.command("example-hello")
@with_appcontext
def hello_command() -> None:
    """Say hello from the example plugin."""
    click.echo("hello from the example plugin")


QUESTIONNAIRE = surveys.parse(
    {
        "slug": "example-postal",
        "title": {"zh-Hant-TW": "郵遞區號測試", "en": "Postal code test"},
        "privacy_notice": {part: t(f"{part}說明", f"{part} text") for part in NOTICE_FIELDS},
        "sections": [
            {
                "key": "main",
                "title": {"zh-Hant-TW": "主要", "en": "Main"},
                "questions": [
                    {
                        "key": "postal",
                        "type": "postal_code",
                        "label": {"zh-Hant-TW": "郵遞區號", "en": "Postal code"},
                    },
                    {
                        "key": "score",
                        "type": "likert5",
                        "label": {"zh-Hant-TW": "滿意度", "en": "Satisfaction"},
                    },
                ],
            }
        ],
    },
    "example_plugin",
)


@hookimpl
def register_question_types() -> list[type[QuestionType]]:
    return [PostalCode]


@hookimpl
def register_questionnaires() -> list[Any]:
    return [QUESTIONNAIRE]


@hookimpl
def questionnaire_offered(questionnaire: Any, agency: Any) -> bool | None:
    """The example questionnaire is for agency alpha only."""
    if questionnaire.slug != QUESTIONNAIRE.slug:
        return None
    return bool(agency.code == "alpha")


@hookimpl
def register_exporters() -> list[type[Exporter]]:
    return [JsonLinesExporter]


@hookimpl
def register_analyses() -> list[type[Analysis]]:
    return [CountAnalysis]


class KioskPanel(ListPanel):
    """The seam a kiosk feature would fill: kiosks that stopped reporting."""

    name = "example_kiosks"
    title = "Kiosks that stopped reporting"  # type: ignore[assignment]  # a plugin may skip gettext
    area = "administer"
    action = "kiosks.manage"
    empty = "Every kiosk reported today."  # type: ignore[assignment]  # a plugin may skip gettext

    def rows(self, actor: Any) -> list[PanelRow]:
        return [PanelRow("Kiosk 3, main counter", None, "silent since 09:10", "quiet")]


@hookimpl
def register_console_panels() -> list[type]:
    return [KioskPanel]


@hookimpl
def register_results_sections() -> list[type[ResultsSection]]:
    return [ResponsesSection]


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [hello_command]


@hookimpl
def validate_submission(
    questionnaire: Any, answers: dict[str, Any], agency: Any, unit: Any, channel: str
) -> dict[str, str] | None:
    SEEN["validated"].append(questionnaire.slug)
    if questionnaire.slug == "example-postal" and answers.get("postal") == "000":
        return {"postal": "000 is not a real postal code"}
    return None


@hookimpl
def submission_device(channel: str, agency_id: int, cookies: dict[str, str]) -> int | None:
    """A plugin's own counter device: the cookie ``example_device=counter-7`` is device 7."""
    if channel == "kiosk" and cookies.get("example_device") == "counter-7":
        return 7
    return None


def _count_job(context: Any) -> None:
    """A background job: counts to its ``to`` parameter, reporting progress, and keeps the
    result as a file."""
    to = int(context.parameters["to"])
    for n in range(1, to + 1):
        context.progress(100 * n // to, f"{n} of {to}")
    SEEN["counted"].append(to)
    with context.result_file("count.txt", "text/plain") as out:
        out.write(str(to).encode())


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [JobKind(name="example.count", run=_count_job, action="results.read", title="Count")]


@hookimpl
def register_evidence_sections() -> list[type]:
    return [evidence_plugin.CounterHours]


@hookimpl
def register_evidence_exporters() -> list[type]:
    return [evidence_plugin.Readme]


@hookimpl
def response_saved(response: Any) -> None:
    SEEN["saved"].append(response.receipt)
    if response.answers.get("postal") == "999":
        raise RuntimeError("a plugin failing after the save must not lose the response")


@hookimpl
def actor_from_request(request: Any) -> Any:
    """A stand-in single sign-on: a trusted proxy names the user in a header."""
    email = request.headers.get("X-Example-SSO")
    user = find_user(email) if email else None
    return actor_for_user(user, source="example-sso") if user else None


@hookimpl
def permission_allowed(actor: Any, action: str, agency_id: int | None) -> bool | None:
    """Accounts signed in through the example SSO may not manage accounts."""
    if actor.source == "example-sso" and action == "users.manage":
        return False
    return None


@hookimpl
def route_complaint(case: Any, category: Any) -> Any:
    """Cases whose subject names a counter go to that counter."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    from collector.access.guard import unscoped
    from collector.core.hooktypes import Route
    from collector.core.models import Unit

    if "[c2]" not in case.subject:
        return None
    statement = select(Unit.id).where(Unit.agency_id == case.agency_id, Unit.code == "c2")
    session = object_session(case)
    assert session is not None
    unit_id = session.execute(unscoped(statement, "example routing")).scalar_one()
    SEEN["routed"].append(case.case_number)
    return Route(unit_id=unit_id)


@hookimpl
def complaint_calendar(agency_id: int) -> Any:
    """A typhoon day off (停班) on Monday 30 November 2026."""
    from datetime import date

    from collector.core.workdays import SpecialDay
    from collector.core.workdays import taiwan_calendar

    typhoon = SpecialDay(date(2026, 11, 30), "holiday", "颱風停班", "Typhoon day")
    return taiwan_calendar().merged([typhoon])
