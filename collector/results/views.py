"""Results in the staff console (``/staff/results``) and raw-response exports.

- ``/staff/results`` (``aggregates.read``): per questionnaire, wave (a campaign,
  quarter, half-year or year: ``collector.results.picker``) and optionally one unit,
  every registered results section (``collector.results.page``): design, headline,
  dimensions, trend, breakdowns, registered analyses, comments. Actors who may
  ``results.read`` see their agency in detail (per unit, with comments); the others
  (a ministry administrator) see the agencies of their tree, aggregates only.
- ``/staff/results/staff``: the same page for the internal staff survey.
- ``/staff/results/export`` (``responses.export``): the raw responses as CSV or
  XLSX (with its data dictionary sheet), the actor's agency only, audited.

Every statement goes through ``collector.access.scoped``, with the action the actor
reads under.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from sqlmodel import col

from collector.access import audit
from collector.access.guard import register_via
from collector.access.permissions import may_somewhere
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core import clock
from collector.core.db import get_session
from collector.core.disclosure import MIN_CELL
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.numbers import whole_number
from collector.core.plugins import get_plugins
from collector.core.questionnaires import definition_of
from collector.jobs import service as jobs
from collector.results import background
from collector.results.background import conditions
from collector.results.background import count_rows
from collector.results.page import build_sections
from collector.results.page import context_for
from collector.results.page import default_kind
from collector.results.page import reader_for
from collector.results.picker import KIND_LABELS
from collector.results.picker import KINDS
from collector.results.picker import Picked
from collector.results.picker import pick
from collector.results.reading import ResponseTable
from collector.results.reading import load_table
from collector.results.waves import Wave
from surveys import Questionnaire

bp = Blueprint("results", __name__, url_prefix="/staff/results", template_folder="templates")
logger = logging.getLogger(__name__)
staff_area(bp)

# A campaign's units are scoped through their campaign (idempotent: campaigns may register it too).
register_via(CampaignUnit, "campaign_id", Campaign)

CORE_EXPORT_FORMATS = ("csv", "xlsx")
"""The core's exporters, first in the export menu; every registered exporter follows."""
DEFAULT_SLUG = "citizen-satisfaction"  # the core's citizen survey, shown first


def read_action(actor: Actor) -> str:
    """``results.read`` when the actor may read detailed results, else ``aggregates.read``."""
    return "results.read" if may_somewhere(actor, "results.read") else "aggregates.read"


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""))


class Filters:
    """The questionnaire, campaign and unit asked for, each checked against what the
    actor may read under ``action`` (an unknown or foreign id is ignored)."""

    def __init__(
        self,
        actor: Actor,
        action: str,
        *,
        allow_unit: bool,
        kinds: tuple[str, ...] | None = None,
    ) -> None:
        plugins = get_plugins()
        db = get_session()
        self.questionnaires = [
            q for q in plugins.questionnaires.values() if kinds is None or q.kind in kinds
        ] + [q for q in owned_questionnaires(actor) if kinds is None or q.kind in kinds]
        slug = request.args.get("questionnaire", "")
        self.slug_given = slug in {q.slug for q in self.questionnaires}
        if not self.slug_given:
            slug = (
                DEFAULT_SLUG
                if DEFAULT_SLUG in {q.slug for q in self.questionnaires}
                else next(
                    (q.slug for q in self.questionnaires if q.kind == "citizen"),
                    self.questionnaires[0].slug if self.questionnaires else "",
                )
            )
        self.slug = slug
        campaigns = db.execute(
            scoped(
                select(Campaign)
                .join(
                    QuestionnaireVersion,
                    col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id,
                )
                .where(col(QuestionnaireVersion.slug) == slug)
                .order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc()),
                action,
                actor,
            )
        ).scalars()
        self.campaigns: list[Campaign] = list(campaigns)
        wanted = _int_arg("campaign")
        self.campaign = next((c for c in self.campaigns if c.id == wanted), None)
        self.units: list[Unit] = []
        self.unit: Unit | None = None
        if allow_unit:
            self.units = list(
                db.execute(
                    scoped(
                        select(Unit).order_by(col(Unit.agency_id), col(Unit.code)), action, actor
                    )
                ).scalars()
            )
            wanted = _int_arg("unit")
            self.unit = next((u for u in self.units if u.id == wanted), None)

    wave: Wave | None = None  # a wave chosen with the results pages' picker (exports)

    def questionnaire(self) -> Questionnaire | None:
        """The chosen questionnaire's current definition (a registered one, or an agency's own)."""
        return next((q for q in self.questionnaires if q.slug == self.slug), None)

    def where(self) -> list[Any]:
        """Conditions on ``Response``: the campaign, the unit, the wave."""
        return conditions(self.parameters())

    def parameters(self) -> dict[str, Any]:
        """The filters as a background export's parameters (``background.conditions``)."""
        out: dict[str, Any] = {
            "campaign_id": self.campaign.id if self.campaign else None,
            "unit_id": self.unit.id if self.unit else None,
        }
        wave = self.wave
        if wave is not None and wave.campaign_id is not None:
            out["campaign_id"] = wave.campaign_id
        elif wave is not None:
            since, until = wave.bounds(clock.zone())
            out.update(since=since.isoformat(), until=until.isoformat(), wave=wave.key)
        return out

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"questionnaire": self.slug}
        if self.campaign is not None:
            args["campaign"] = self.campaign.id
        if self.unit is not None:
            args["unit"] = self.unit.id
        return args


def owned_questionnaires(actor: Actor) -> list[Questionnaire]:
    """The latest definition of each questionnaire owned by an agency the actor sees
    (collector.authoring publishes them): their results are read like a plugin's."""
    if not actor.visible_agency_ids:
        return []
    rows = get_session().execute(
        select(QuestionnaireVersion)
        .where(col(QuestionnaireVersion.owner_agency_id).in_(sorted(actor.visible_agency_ids)))
        .order_by(col(QuestionnaireVersion.slug), col(QuestionnaireVersion.version).desc())
    )
    latest: dict[str, Questionnaire] = {}
    for version in rows.scalars():
        if version.slug not in latest:
            latest[version.slug] = definition_of(version)
    return list(latest.values())


def _load(actor: Actor, action: str, filters: Filters) -> ResponseTable | None:
    scope: Callable[[Any], Any] = lambda statement: scoped(statement, action, actor)  # noqa: E731
    try:
        return load_table(
            get_session(), get_plugins(), filters.slug, where=filters.where(), scope=scope
        )
    except LookupError:  # never published
        return None


# -- pages ----------------------------------------------------------------------------

CITIZEN_KINDS = ("citizen", "complaint", "other")
STAFF_KINDS = ("staff",)


def _page(kinds: tuple[str, ...], endpoint: str, title: LazyText) -> Any:
    actor = require("aggregates.read", any_agency=True)
    action = read_action(actor)
    detailed = action == "results.read"
    language = current_language()
    filters = Filters(actor, action, allow_unit=detailed, kinds=kinds)
    plugins = get_plugins()
    questionnaire = filters.questionnaire() if filters.slug else None
    context: dict[str, Any] = {
        "actor": actor,
        "detailed": detailed,
        "filters": filters,
        "questionnaire": questionnaire,
        "language": language,
        "min_cell": MIN_CELL,
        "may_export": may_somewhere(actor, "responses.export"),
        "exporters": export_menu(actor) if may_somewhere(actor, "responses.export") else [],
        "endpoint": endpoint,
        "title": title,
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "picked": None,
        "sections": [],
        "notices": [],
    }
    if questionnaire is not None:
        unit_id = filters.unit.id if filters.unit is not None else None
        reader = reader_for(plugins, filters.slug, action, actor, unit_id)
        if reader.version_ids():
            picked = pick(reader, request.args, default_kind(questionnaire))
            text = translator(language)
            context["notices"] = [text.render(m, **params) for m, params in picked.notices]
            context["picked"] = picked
            wave_context = context_for(
                questionnaire,
                reader,
                picked,
                language=language,
                detailed=detailed,
                query=dict(request.args),
            )
            if wave_context is not None:
                context["sections"] = build_sections(plugins, wave_context)
                context["export_args"] = _export_args(filters, picked)
                context["export_all_args"] = _all_waves_args(filters)
    return render_template("results/page.html", **context)


def _export_args(filters: Filters, picked: Picked) -> dict[str, Any]:
    """The raw-response export of what the page shows: the chosen wave (and unit)."""
    args: dict[str, Any] = {"questionnaire": filters.slug}
    if picked.wave is not None:
        args["kind"] = picked.kind
        args["wave"] = picked.wave.key
    if filters.unit is not None:
        args["unit"] = filters.unit.id
    return args


def _all_waves_args(filters: Filters) -> dict[str, Any]:
    args: dict[str, Any] = {"questionnaire": filters.slug}
    if filters.unit is not None:
        args["unit"] = filters.unit.id
    return args


@bp.get("")
def results() -> Any:
    return _page(CITIZEN_KINDS, "results.results", lazy_gettext("Results"))


@bp.get("/staff")
def staff_results() -> Any:
    return _page(
        STAFF_KINDS, "results.staff_results", lazy_gettext("Internal staff survey results")
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(*parts: str, extension: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only: safe in any header and file system."""
    stem = "-".join(_UNSAFE.sub("_", p).strip("._-") for p in parts if p)
    return f"{stem[:100] or 'export'}.{_UNSAFE.sub('', extension)}"


def export_menu(actor: Actor) -> list[tuple[str, str, str]]:
    """(format, link text, description) of every registered exporter the actor may use:
    the core's CSV and XLSX first, then the plugins' in name order."""
    plugins = get_plugins()
    names = sorted(plugins.exporters, key=lambda n: (n not in CORE_EXPORT_FORMATS, n))
    menu = []
    for name in names:
        cls = plugins.exporters[name]
        if may_somewhere(actor, cls.action):
            menu.append((name, cls.menu_label(), str(getattr(cls, "description", ""))))
    return menu


@bp.get("/export")
def export() -> Any:
    actor = require("responses.export", any_agency=True)
    plugins = get_plugins()
    fmt = request.args.get("format", "")
    if fmt not in plugins.exporters:
        abort(400)
    if plugins.exporters[fmt].action != "responses.export":
        # A plugin's exporter may ask for more than the right to export responses.
        require(plugins.exporters[fmt].action, actor.agency_id)
    action = "responses.export"
    filters = Filters(actor, action, allow_unit=True)
    if not filters.slug_given:
        abort(400)
    language = current_language()
    if request.args.get("wave") or request.args.get("kind"):
        refused = _choose_wave(actor, action, filters, language)
        if refused is not None:
            return refused
    exporter = plugins.exporters[fmt]()
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
    wave_key = filters.wave.key if filters.wave is not None else ""
    filename = safe_filename(
        filters.slug, _agency_code(actor), wave_key, stamp, extension=exporter.extension
    )
    rows = count_rows(get_session(), actor, filters.slug, filters.where())
    if rows > current_app.config["EXPORT_BACKGROUND_ROWS"]:
        return _export_in_background(actor, filters, fmt, language, filename, rows)
    table = _load(actor, action, filters)
    if table is None:
        abort(404)
    try:
        body = exporter.export(table, language)
    except Exception:  # a plugin's exporter failing is its fault: a clear page, not a 500
        logger.exception("exporter %r (%s) failed", fmt, type(exporter).__module__)
        problem = translator(language).gettext(
            "The export format %(name)s failed; nothing was exported. The failure is in "
            "the server's log for the administrators.",
            name=exporter.menu_label(),
        )
        return render_template("results/export_refused.html", problem=problem), 502
    _audit_export(actor, filters, fmt, len(table.frame))
    return Response(
        body,
        content_type=exporter.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _choose_wave(actor: Actor, action: str, filters: Filters, language: str) -> Any:
    """Sets ``filters.wave`` from ``?kind=`` and ``?wave=`` through the results pages'
    picker; a wave the actor cannot read, or none at all, is refused with a page that
    says so (nothing is exported)."""
    plugins = get_plugins()
    questionnaire = plugins.questionnaires.items[filters.slug]
    unit_id = filters.unit.id if filters.unit is not None else None
    reader = reader_for(plugins, filters.slug, action, actor, unit_id)
    picked = (
        pick(reader, request.args, default_kind(questionnaire)) if reader.version_ids() else None
    )
    text = translator(language)
    if picked is not None and picked.notices:
        problem = text.gettext(
            "There is no wave %(key)s among the waves you can read; nothing was exported.",
            key=(request.args.get("wave") or request.args.get("kind") or "")[:40],
        )
    elif picked is None or picked.wave is None:
        problem = text.gettext("There are no responses to export for this questionnaire.")
    else:
        filters.wave = picked.wave
        return None
    return render_template("results/export_refused.html", problem=problem), 400


def _export_in_background(
    actor: Actor, filters: Filters, fmt: str, language: str, filename: str, rows: int
) -> Any:
    """A large export becomes a job (``collector.results.background``): its page shows
    the progress and then offers the file. Audited when asked for, and each download."""
    parameters = {
        "slug": filters.slug,
        "format": fmt,
        "language": language,
        "filename": filename,
        "user_id": actor.user_id,
        **filters.parameters(),
    }
    job = jobs.create(
        current_app._get_current_object(),  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        background.KIND,
        agency_id=actor.agency_id,
        requested_by=actor.user_id,
        parameters=parameters,
    )
    _audit_export(actor, filters, fmt, rows, job=job.id)
    return redirect(url_for("jobs.job_page", job_id=job.id), code=303)


def _audit_export(
    actor: Actor, filters: Filters, fmt: str, rows: int, job: int | None = None
) -> None:
    """Every export is audited when it is asked for (a job's download again, by jobs)."""
    detail: dict[str, Any] = {"format": fmt, "rows": rows, **filters.parameters()}
    if job is not None:
        detail["job"] = job
    audit.log(
        "responses.export",
        actor=actor,
        agency_id=actor.agency_id,
        target=f"questionnaire:{filters.slug}",
        detail=detail,
    )


def _agency_code(actor: Actor) -> str:
    """The actor's agency's code, for the file name."""
    agency_code = ""
    if actor.agency_id is not None:
        agency = (
            get_session()
            .execute(
                scoped(
                    select(Agency).where(col(Agency.id) == actor.agency_id), "console.use", actor
                )
            )
            .scalar_one_or_none()
        )
        agency_code = agency.code if agency is not None else ""
    return agency_code


def export_url(filters: Filters, fmt: str) -> str:
    return url_for("results.export", format=fmt, **filters.args())
