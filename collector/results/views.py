"""Results in the staff console (``/staff/results``) and raw-response exports.

- ``/staff/results`` (``aggregates.read``): per questionnaire, optionally one
  campaign and one unit: responses against the campaign's target, responses per
  day, the headline top-two-box share and 0-100 score, item and dimension means,
  breakdowns in which every group of fewer than ``MIN_CELL`` respondents is
  suppressed. Actors who may ``results.read`` see their agency in detail (per
  unit, with the latest comments); the others (a ministry administrator) see the
  agencies of their tree side by side, aggregates only.
- ``/staff/results/export`` (``responses.export``): the raw responses as CSV or
  XLSX (with its data dictionary sheet), the actor's agency only, audited.

Every statement goes through ``collector.access.scoped``, with the action the actor
reads under.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Hashable
from datetime import date
from datetime import timedelta
from typing import Any

import pandas as pd
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
from collector.core.disclosure import hidden_cells
from collector.core.disclosure import too_small
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response as StoredResponse
from collector.core.models import Unit
from collector.core.numbers import whole_number
from collector.core.plugins import get_plugins
from collector.jobs import service as jobs
from collector.results import background
from collector.results.background import count_rows
from collector.results.reading import ResponseTable
from collector.results.reading import load_table
from collector.results.summaries import likert_summary
from surveys import Questionnaire

bp = Blueprint("results", __name__, url_prefix="/staff/results", template_folder="templates")
staff_area(bp)

# A campaign's units are scoped through their campaign (idempotent: campaigns may register it too).
register_via(CampaignUnit, "campaign_id", Campaign)

DAYS = 30
COMMENTS = 10
SUPPRESSED = "<5"
EXPORT_FORMATS = ("csv", "xlsx")
MISSING = "__missing__"
DEFAULT_SLUG = "citizen-satisfaction"  # the core's citizen survey, shown first

CHANNEL_LABELS: dict[str, LazyText] = {
    "online": lazy_gettext("Online"),
    "qr": lazy_gettext("QR code"),
    "kiosk": lazy_gettext("Kiosk"),
    "paper": lazy_gettext("Paper"),
    "phone": lazy_gettext("Phone"),
}
"""Each response channel (``collector.core.models.CHANNELS``) as the results page names it."""

DEMOGRAPHIC_TITLES: dict[str, LazyText] = {
    "sex": lazy_gettext("By sex"),
    "age_group": lazy_gettext("By age group"),
}


def _name(obj: Any) -> str:
    return obj.name_en if current_language() == "en" else obj.name_zh


def read_action(actor: Actor) -> str:
    """``results.read`` when the actor may read detailed results, else ``aggregates.read``."""
    return "results.read" if may_somewhere(actor, "results.read") else "aggregates.read"


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""))


class Filters:
    """The questionnaire, campaign and unit asked for, each checked against what the
    actor may read under ``action`` (an unknown or foreign id is ignored)."""

    def __init__(self, actor: Actor, action: str, *, allow_unit: bool) -> None:
        plugins = get_plugins()
        db = get_session()
        self.questionnaires = list(plugins.questionnaires.values())
        slug = request.args.get("questionnaire", "")
        self.slug_given = slug in plugins.questionnaires
        if not self.slug_given:
            slug = (
                DEFAULT_SLUG
                if DEFAULT_SLUG in plugins.questionnaires
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

    def where(self) -> list[Any]:
        conditions: list[Any] = []
        if self.campaign is not None:
            conditions.append(StoredResponse.campaign_id == self.campaign.id)
        if self.unit is not None:
            conditions.append(StoredResponse.unit_id == self.unit.id)
        return conditions

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"questionnaire": self.slug}
        if self.campaign is not None:
            args["campaign"] = self.campaign.id
        if self.unit is not None:
            args["unit"] = self.unit.id
        return args


def _load(actor: Actor, action: str, filters: Filters) -> ResponseTable | None:
    scope: Callable[[Any], Any] = lambda statement: scoped(statement, action, actor)  # noqa: E731
    try:
        return load_table(
            get_session(), get_plugins(), filters.slug, where=filters.where(), scope=scope
        )
    except LookupError:  # never published
        return None


# -- figures ---------------------------------------------------------------------------


def per_day(frame: pd.DataFrame, today: date, days: int = DAYS) -> list[tuple[date, int]]:
    """Responses per local day for the ``days`` days ending ``today`` (oldest first)."""
    counts: dict[Hashable, int] = {}  # the days, as value_counts().to_dict() types them
    if len(frame):
        tz = clock.zone()
        stamps = pd.to_datetime(frame["submitted_at"], utc=True).dt.tz_convert(tz).dt.date
        counts = stamps.value_counts().to_dict()
    first = today - timedelta(days=days - 1)
    return [
        (first + timedelta(days=i), int(counts.get(first + timedelta(days=i), 0)))
        for i in range(days)
    ]


def bar_chart(series: list[tuple[date, int]]) -> dict[str, Any]:
    """Geometry of a small SVG bar chart (attributes only: the CSP forbids inline styles)."""
    width, height, gap = 10, 80, 2
    top = max((n for _d, n in series), default=0) or 1
    bars = []
    for index, (day, n) in enumerate(series):
        h = round(height * n / top, 1)
        bars.append(
            {
                "x": index * (width + gap),
                "y": round(height - h, 1),
                "w": width,
                "h": h,
                "day": day,
                "n": n,
            }
        )
    return {"bars": bars, "width": len(series) * (width + gap), "height": height, "top": top}


def _summary(values: pd.Series) -> dict[str, Any]:
    summary = likert_summary(values)
    summary["n_shown"] = SUPPRESSED if summary["suppressed"] else summary["n"]
    return summary


def dimensions(
    questionnaire: Questionnaire, frame: pd.DataFrame, language: str
) -> list[dict[str, Any]]:
    """Per dimension: its mean over items (per respondent) and every item, suppressed below MIN_CELL."""
    spec = questionnaire.analysis
    likert = [q for q in questionnaire.questions() if q.type == "likert5"]
    grouped = {key for keys in spec.dimensions.values() for key in keys}
    blocks: list[tuple[str, str, list[str]]] = [
        (
            name,
            questionnaire.text(spec.dimension_labels[name], language)
            if name in spec.dimension_labels
            else name,
            list(keys),
        )
        for name, keys in spec.dimensions.items()
    ]
    rest = [q.key for q in likert if q.key not in grouped]
    if rest:
        blocks.append(("", translator(language).gettext("Other items"), rest))
    out = []
    for name, label, keys in blocks:
        keys = [k for k in keys if k in frame.columns]
        if not keys:
            continue
        numeric = frame[keys].apply(pd.to_numeric, errors="coerce")
        items = [
            {
                "key": key,
                "label": questionnaire.text(questionnaire.question(key).label, language),
                **_summary(numeric[key]),
            }
            for key in keys
        ]
        overall = _summary(numeric.mean(axis=1, skipna=True)) if name else None
        out.append({"name": name, "label": label, "summary": overall, "items": items})
    return out


def breakdown(
    frame: pd.DataFrame, column: str, overall: str | None, labels: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per group of ``column``: n and the headline item, groups of fewer than
    MIN_CELL respondents suppressed entirely (their n shown as "<5")."""
    if column not in frame.columns or not len(frame):
        return []
    keys = frame[column].astype(object).where(frame[column].notna(), MISSING)
    rows = []
    order = list(labels) + sorted({str(k) for k in keys.unique()} - set(labels))
    for key in order:
        mask = keys.astype(str) == key
        n = int(mask.sum())
        if n == 0:
            continue
        label = labels.get(key, key)
        if too_small(n):
            rows.append({"label": label, "n_shown": SUPPRESSED, "suppressed": True, "n": n})
            continue
        row: dict[str, Any] = {"label": label, "n_shown": n, "suppressed": False, "n": n}
        if overall and overall in frame.columns:
            row["headline"] = _summary(frame.loc[mask, overall])
        rows.append(row)
    return protect_complement(rows, frame[overall] if overall in frame.columns else None)


def protect_complement(
    rows: list[dict[str, Any]], overall: pd.Series | None
) -> list[dict[str, Any]]:
    """Secondary suppression: the headline over all respondents minus the groups shown
    would reveal the suppressed groups together, so while they hold fewer than
    MIN_CELL respondents the smallest shown group's figures are hidden too."""
    if overall is None or likert_summary(overall)["suppressed"]:
        return rows
    for i in hidden_cells({i: row["n"] for i, row in enumerate(rows)}):
        if not rows[i]["suppressed"]:
            rows[i]["headline"] = None
            rows[i]["secondary"] = True
    return rows


def _choice_labels(questionnaire: Questionnaire, key: str | None, language: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    if key and key in {q.key for q in questionnaire.questions()}:
        question = questionnaire.question(key)
        for choice in questionnaire.choices_for(question) or []:
            labels[choice.value] = questionnaire.text(choice.label, language)
    labels[MISSING] = translator(language).gettext("Not answered")
    return labels


def latest_comments(questionnaire: Questionnaire, frame: pd.DataFrame) -> list[dict[str, Any]]:
    key = questionnaire.analysis.comment
    if not key or key not in frame.columns or not len(frame):
        return []
    texts = frame[[key, "submitted_at"]].dropna(subset=[key])
    texts = texts[texts[key].astype(str).str.strip() != ""]
    texts = texts.sort_values("submitted_at", ascending=False).head(COMMENTS)
    tz = clock.zone()
    return [
        {
            "text": str(row[key]),
            "day": pd.Timestamp(row["submitted_at"]).tz_convert(tz).date()
            if pd.Timestamp(row["submitted_at"]).tzinfo
            else pd.Timestamp(row["submitted_at"]).tz_localize("UTC").tz_convert(tz).date(),
        }
        for _i, row in texts.iterrows()
    ]


# -- pages ----------------------------------------------------------------------------


@bp.get("")
def results() -> Any:
    actor = require("aggregates.read", any_agency=True)
    action = read_action(actor)
    detailed = action == "results.read"
    language = current_language()
    filters = Filters(actor, action, allow_unit=detailed)
    plugins = get_plugins()
    questionnaire = plugins.questionnaires.items.get(filters.slug) if filters.slug else None
    table = _load(actor, action, filters) if questionnaire is not None else None
    context: dict[str, Any] = {
        "actor": actor,
        "detailed": detailed,
        "filters": filters,
        "questionnaire": questionnaire,
        "language": language,
        "min_cell": MIN_CELL,
        "may_export": may_somewhere(actor, "responses.export"),
        "has_data": table is not None and len(table.frame) > 0,
    }
    if table is not None and questionnaire is not None:
        questionnaire = table.questionnaire
        frame = table.frame
        today = clock.today()
        days = per_day(frame, today)
        context.update(
            questionnaire=questionnaire,
            total=len(frame),
            days=days,
            days_total=sum(n for _d, n in days),
            chart=bar_chart(days),
            target=_target(filters, action, actor),
            unit_progress=_unit_progress(filters, action, actor, frame) if detailed else [],
            headline=_summary(frame[questionnaire.analysis.overall])
            if questionnaire.analysis.overall in frame.columns
            else None,
            dimensions=dimensions(questionnaire, frame, language),
            breakdowns=_breakdowns(actor, action, detailed, questionnaire, frame, language),
            # Comments of fewer than MIN_CELL respondents (a small unit, a short
            # period) could be matched to the person who wrote them: withheld.
            comments_withheld=detailed and 0 < len(frame) < MIN_CELL,
            comments=latest_comments(questionnaire, frame)
            if detailed and len(frame) >= MIN_CELL
            else [],
        )
    return render_template("results/results.html", **context)


def _target(filters: Filters, action: str, actor: Actor) -> int | None:
    campaign = filters.campaign
    if campaign is None:
        return None
    if filters.unit is not None:
        row = (
            get_session()
            .execute(
                scoped(
                    select(CampaignUnit).where(
                        col(CampaignUnit.campaign_id) == campaign.id,
                        col(CampaignUnit.unit_id) == filters.unit.id,
                    ),
                    action,
                    actor,
                )
            )
            .scalar_one_or_none()
        )
        if row is not None and row.target_n:
            return row.target_n
    return campaign.target_n


def _unit_progress(
    filters: Filters, action: str, actor: Actor, frame: pd.DataFrame
) -> list[dict[str, Any]]:
    """For a campaign: each of its units' responses against the unit's own target."""
    if filters.campaign is None:
        return []
    rows = (
        get_session()
        .execute(
            scoped(
                select(CampaignUnit, Unit)
                .join(Unit, col(Unit.id) == CampaignUnit.unit_id)
                .where(col(CampaignUnit.campaign_id) == filters.campaign.id)
                .order_by(col(Unit.code)),
                action,
                actor,
            )
        )
        .all()
    )
    counts = frame["unit"].value_counts().to_dict() if len(frame) else {}
    return [
        {
            "label": f"{_name(unit)} ({unit.code})",
            "n": int(counts.get(unit.code, 0)),
            "target": link.target_n,
        }
        for link, unit in rows
        if filters.unit is None or unit.id == filters.unit.id
    ]


def _breakdowns(
    actor: Actor,
    action: str,
    detailed: bool,
    questionnaire: Questionnaire,
    frame: pd.DataFrame,
    language: str,
) -> list[dict[str, Any]]:
    overall = questionnaire.analysis.overall
    text = translator(language)
    db = get_session()
    out = []
    agencies = list(
        db.execute(scoped(select(Agency).order_by(col(Agency.code)), action, actor)).scalars()
    )
    if len(agencies) > 1 or not detailed:
        labels = {a.code: _name(a) for a in agencies}
        out.append((text.gettext("By agency"), breakdown(frame, "agency", overall, labels)))
    if detailed:
        units = db.execute(scoped(select(Unit).order_by(col(Unit.code)), action, actor)).scalars()
        labels = {u.code: f"{_name(u)} ({u.code})" for u in units}
        labels[MISSING] = translator(language).pgettext("results", "No unit")
        out.append((text.gettext("By service unit"), breakdown(frame, "unit", overall, labels)))
    channels = {c: text.render(label) for c, label in CHANNEL_LABELS.items()}
    out.append((text.gettext("By channel"), breakdown(frame, "channel", overall, channels)))
    demographics = questionnaire.analysis.demographics
    for name, title in DEMOGRAPHIC_TITLES.items():
        key = demographics.get(name)
        if key and key in frame.columns:
            labels = _choice_labels(questionnaire, key, language)
            out.append((text.render(title), breakdown(frame, key, overall, labels)))
    return [{"title": title, "rows": rows} for title, rows in out if rows]


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(*parts: str, extension: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only: safe in any header and file system."""
    stem = "-".join(_UNSAFE.sub("_", p).strip("._-") for p in parts if p)
    return f"{stem[:100] or 'export'}.{_UNSAFE.sub('', extension)}"


@bp.get("/export")
def export() -> Any:
    actor = require("responses.export", any_agency=True)
    plugins = get_plugins()
    fmt = request.args.get("format", "")
    if fmt not in EXPORT_FORMATS or fmt not in plugins.exporters:
        abort(400)
    if request.args.get("questionnaire", "") not in plugins.questionnaires:
        abort(400)
    action = "responses.export"
    filters = Filters(actor, action, allow_unit=True)
    exporter = plugins.exporters[fmt]()
    language = current_language()
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
    filename = safe_filename(filters.slug, _agency_code(actor), stamp, extension=exporter.extension)
    rows = count_rows(get_session(), actor, filters.slug, filters.where())
    if rows > current_app.config["EXPORT_BACKGROUND_ROWS"]:
        return _export_in_background(actor, filters, fmt, language, filename, rows)
    table = _load(actor, action, filters)
    if table is None:
        abort(404)
    body = exporter.export(table, language)
    _audit_export(actor, filters, fmt, len(table.frame))
    return Response(
        body,
        content_type=exporter.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


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
        "campaign_id": filters.campaign.id if filters.campaign else None,
        "unit_id": filters.unit.id if filters.unit else None,
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
    detail: dict[str, Any] = {
        "format": fmt,
        "rows": rows,
        "campaign_id": filters.campaign.id if filters.campaign else None,
        "unit_id": filters.unit.id if filters.unit else None,
    }
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
