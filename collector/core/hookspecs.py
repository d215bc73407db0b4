"""Every hook a plugin can implement. The full contract is in docs/plugin_hooks.md.

Registration hooks (``register_*``) return lists; the core merges them and
refuses to start when two plugins register the same name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy

from collector.core.hooktypes import Actor
from collector.core.hooktypes import Agency
from collector.core.hooktypes import AnswerError
from collector.core.hooktypes import Blueprint
from collector.core.hooktypes import Command
from collector.core.hooktypes import Complaint
from collector.core.hooktypes import ComplaintCategory
from collector.core.hooktypes import JobKind
from collector.core.hooktypes import Language
from collector.core.hooktypes import Questionnaire
from collector.core.hooktypes import Request
from collector.core.hooktypes import Route
from collector.core.hooktypes import SavedResponse
from collector.core.hooktypes import Unit
from collector.core.hooktypes import WorkCalendar

hookspec = pluggy.HookspecMarker("collector")
hookimpl = pluggy.HookimplMarker("collector")


@hookspec
def register_question_types() -> list[type]:
    """Return ``collector.answers.question_types.QuestionType`` subclasses this plugin provides."""


@hookspec
def register_questionnaires() -> list[Questionnaire | str | Path]:
    """Return questionnaires: ``surveys.Questionnaire`` objects or paths to YAML files."""


@hookspec
def register_languages() -> list[Language]:
    """Return ``collector.core.i18n.Language`` descriptors of interface languages this
    plugin adds (for citizens' pages), each with its catalogue, its fallback and its
    translations of registered questionnaires.

    Called once at start-up, after ``register_questionnaires``; the languages are
    added to the ``LANGUAGES`` setting, and the questionnaires the descriptors
    translate gain the language (a new published version). Two plugins giving one code
    refuse to start.
    """


@hookspec(firstresult=True)
def questionnaire_offered(questionnaire: Questionnaire, agency: Agency) -> bool | None:
    """Say whether ``questionnaire`` is offered at ``agency`` by default.

    Return True or False for a questionnaire of your own, None for any other. The first
    answer wins; a questionnaire nobody answers for is offered at every agency. An
    agency administrator's choice in the console (``/staff/questionnaires``) overrides
    the answer. Asked often (survey pages, the API, paper entry): decide from the
    arguments, quickly, without a request context.
    """


@hookspec
def register_exporters() -> list[type]:
    """Return ``collector.results.exporters.Exporter`` subclasses that turn responses into files."""


@hookspec
def register_analyses() -> list[type]:
    """Return ``collector.results.analyses.Analysis`` subclasses that summarise responses."""


@hookspec
def register_results_sections() -> list[type]:
    """Return ``collector.results.sections.ResultsSection`` subclasses shown on the results pages.

    Each has a unique ``name``, a ``title``, a ``template`` and an ``order``; the page builds
    every section whose ``applies_to(questionnaire)`` is true, in ``order``, from one
    ``WaveContext`` (the chosen wave, the previous one, every wave of the kind). The core's
    own sections (headline, dimensions, trend, breakdowns, design) come through this hook.
    """


@hookspec
def register_blueprints() -> list[Blueprint]:
    """Return Flask blueprints to mount on the app."""


@hookspec
def register_console_panels() -> list[type]:
    """Return ``collector.console.panels.ConsolePanel`` subclasses for the console's home page."""


@hookspec
def register_commands() -> list[Command]:
    """Return click commands to add under the ``collector`` command."""


@hookspec
def register_job_kinds() -> list[JobKind]:
    """Return ``collector.core.hooktypes.JobKind`` objects: work that runs on the task queue."""


@hookspec
def register_evidence_sections() -> list[type]:
    """Return ``collector.evidence.model.EvidenceSection`` subclasses: sections of the award
    evidence pack (``collector evidence``).

    Each has a unique ``name``, a ``part`` (``citizens``, ``complaints``, ``staff`` or a
    plugin's own), an ``order`` within the pack and ``build(context) -> list[PackSection]``
    (none: nothing to show). The core's own sections come through this hook. Runs in a
    worker or on the command line, with an application context but no request.
    """


@hookspec
def register_evidence_exporters() -> list[type]:
    """Return ``collector.evidence.model.EvidenceExporter`` subclasses: each adds files to
    the evidence pack (``files(pack) -> dict[str, bytes]``, paths inside the pack); the
    manifest lists and hashes them like the core's."""


@hookspec
def validate_submission(
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    agency: Agency,
    unit: Unit | None,
    channel: str,
) -> dict[str, str | AnswerError] | None:
    """Check a submission with agency rules; return ``{question_key: message}`` for problems.

    Called after every answer passed its question type's checks, before anything is
    stored. A non-empty result rejects the submission and nothing is saved. Runs in
    an application context, but a submission through ``POST /api/v1/responses`` has
    no request context (``collector.answers.fast_path``): use the arguments, not
    ``flask.request``.
    """


@hookspec
def response_saved(response: SavedResponse) -> None:
    """React after a response was committed (``collector.answers.submission.SavedResponse``).

    Runs on the task queue (``collector.jobs``), in a worker, after the answer is
    durable: never in the citizen's request. An exception is retried with back-off
    and, when every attempt failed, listed for administrators on ``/staff/jobs``; it
    never loses or rejects the response. Not called for an idempotent replay. There
    is no request context.
    """


@hookspec(firstresult=True)
def submission_device(channel: str, agency_id: int, cookies: dict[str, str]) -> int | None:
    """Say which registered device of ``agency_id`` sent a ``POST /api/v1/responses``
    that claims ``channel`` (``kiosk``), from the request's ``cookies``: its id, or None.

    The API refuses the channel (422, field ``channel``) unless a plugin names a device;
    the response then records it (``kiosk_id``). The kiosk feature answers for its
    paired, unrevoked tablets (the ``collector_kiosk`` credential). Called with an
    application context but no request context.
    """


@hookspec(firstresult=True)
def actor_from_request(request: Request) -> Actor | None:
    """Say who is making ``request``: a ``collector.access.permissions.Actor``, or None.

    The first non-None answer wins; the core's own answer (the staff session) comes
    last. Lets an agency plug in its single sign-on. Called at most once a request.
    """


@hookspec(firstresult=True)
def permission_allowed(actor: Actor, action: str, agency_id: int | None) -> bool | None:
    """Decide whether ``actor`` may perform ``action`` on ``agency_id`` (None: system level).

    Return True or False to decide, None for no opinion; the first decision wins and
    the core's matrix (docs/access.md) decides last. Never asked about an agency
    outside ``actor.visible_agency_ids``: those are refused before any plugin.
    """


@hookspec(firstresult=True)
def route_complaint(case: Complaint, category: ComplaintCategory) -> Route | None:
    """Choose the unit and/or handler for a new complaint case (``cases.Route``).

    Called inside the intake transaction, after the case row exists. The first
    non-None answer wins; the core's rule (the category's unit and handler) comes
    last. A unit or handler of another agency, or a disabled handler, is ignored.
    """


@hookspec(firstresult=True)
def complaint_calendar(agency_id: int) -> WorkCalendar | None:
    """The working-day calendar for ``agency_id``'s complaint deadlines.

    The first non-None answer wins; the core's answer (Taiwan's national calendar
    from ``collector/core/data/taiwan.yaml``) comes last. Days edited in the
    console (``calendar_day``) are laid over whichever calendar is returned.
    """
