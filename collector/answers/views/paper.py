"""Keying in paper questionnaires at the counter (``/staff/paper``, action ``paper.enter``).

Counter staff choose a unit of their agency, a questionnaire, optionally an open
campaign of the agency (the response then records it, as a QR response does) and
a batch number (remembered in the session between entries), then key each paper questionnaire
into a compact, keyboard-only form. The typed codes are turned into the answers
the questionnaire expects (:func:`keyed_answers`: a digit picks an option, ``n``
or ``0`` is "not applicable" on a 5-point scale) and the response goes through
the same checker as the citizen's page (``collector.answers.submission.submit``) with
channel ``paper``, the batch and who keyed it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import col

from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.answers.assets import grid_sections
from collector.answers.forms import build_form_class
from collector.answers.records import Submission
from collector.answers.standard_types import NOT_APPLICABLE
from collector.answers.submission import IdempotencyConflict
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import submit
from collector.campaigns import service as campaign_logic
from collector.core import clock
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import LANGUAGE_NAMES
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.numbers import whole_number
from collector.core.offering import offered_by_agency
from collector.core.plugins import PluginSet
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from surveys import Question
from surveys import Questionnaire

bp = Blueprint("paper", __name__, url_prefix="/staff/paper", template_folder="../templates")
staff_area(bp)

ACTION = "paper.enter"
CHANNEL = "paper"
BATCH_MAX = 32
PAPER_KINDS = ("citizen", "other")
SESSION_KEY = "paper_setup"
SAVED_KEY = "paper_saved"
NOT_APPLICABLE_KEYS = ("n", "0")
NOT_APPLICABLE_CODE = "n / 0"  # as the legend writes the keys
_SEPARATORS = re.compile(r"[\s,，、;；]+")


# -- keyboard conventions ----------------------------------------------------------


def entry_kind(plugins: PluginSet, questionnaire: Questionnaire, question: Question) -> str:
    """How a question is keyed: ``likert`` (1-5, n/0 = not applicable), ``options``
    (the option's number), ``multiple`` (several numbers), ``number`` or ``text``."""
    qtype = plugins.question_type(questionnaire, question.key)
    if question.type == "likert5":
        return "likert"
    if qtype.multiple:
        return "multiple"
    if qtype.widget == "radio":
        return "options"
    if qtype.widget == "scale" or getattr(qtype, "numeric", False):
        return "number"
    return "text"


def keyed_answers(
    plugins: PluginSet, questionnaire: Questionnaire, typed: dict[str, str], language: str
) -> dict[str, Any]:
    """The typed codes as the shared checker reads answers; it alone decides validity.

    A code that means nothing here (a ``9`` for a question with three options) is
    passed on as typed, so that the checker refuses it with its usual message.
    """
    raw: dict[str, Any] = {}
    for question in questionnaire.questions():
        text = (typed.get(question.key) or "").strip()
        if not text:
            continue
        kind = entry_kind(plugins, questionnaire, question)
        qtype = plugins.question_type(questionnaire, question.key)
        if kind == "likert":
            raw[question.key] = NOT_APPLICABLE if text.lower() in NOT_APPLICABLE_KEYS else text
        elif kind in ("options", "multiple"):
            values = [v for v, _label in (qtype.options(language) or [])]
            codes = _SEPARATORS.split(text) if kind == "multiple" else [text]
            picked = [_by_number(values, code) for code in codes if code]
            raw[question.key] = picked if kind == "multiple" else picked[0]
        else:
            raw[question.key] = text
    return raw


def typed_codes(
    plugins: PluginSet, questionnaire: Questionnaire, stored: dict[str, Any], language: str
) -> dict[str, str]:
    """Stored answers as a clerk types them (the inverse of :func:`keyed_answers`): what
    a correction form opens with, and what the history shows."""
    typed: dict[str, str] = {}
    for question in questionnaire.questions():
        pairs = stored.get(question.key)
        qtype = plugins.question_type(questionnaire, question.key)
        value = qtype.from_rows(pairs) if pairs else None
        if value is None or value == []:
            continue
        kind = entry_kind(plugins, questionnaire, question)
        if kind == "likert" and value == NOT_APPLICABLE:
            typed[question.key] = NOT_APPLICABLE_KEYS[0]
        elif kind in ("options", "multiple"):
            values = [v for v, _label in (qtype.options(language) or [])]
            picked = value if isinstance(value, list) else [value]
            typed[question.key] = " ".join(
                str(values.index(v) + 1) if v in values else str(v) for v in picked
            )
        else:
            typed[question.key] = _plain(value)
    return typed


def shown_answers(
    plugins: PluginSet, questionnaire: Questionnaire, stored: dict[str, Any], language: str
) -> dict[str, list[str]]:
    """Stored answers for reading: each typed code with its meaning (``4 滿意``)."""
    shown: dict[str, list[str]] = {}
    for key, code in typed_codes(plugins, questionnaire, stored, language).items():
        meanings = dict(legend(plugins, questionnaire, questionnaire.question(key), language))
        if not meanings:
            shown[key] = [code]
            continue
        parts = []
        for part in code.split():
            meaning = meanings.get(NOT_APPLICABLE_CODE if part == NOT_APPLICABLE_KEYS[0] else part)
            parts.append(f"{part} {meaning}" if meaning else part)
        shown[key] = parts
    return shown


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _by_number(values: list[str], code: str) -> str:
    number = whole_number(code)
    if number is not None and 1 <= number <= len(values):
        return values[number - 1]
    return code


def legend(
    plugins: PluginSet, questionnaire: Questionnaire, question: Question, language: str
) -> list[tuple[str, str]]:
    """The codes to type for a question, as (code, meaning) pairs."""
    kind = entry_kind(plugins, questionnaire, question)
    qtype = plugins.question_type(questionnaire, question.key)
    options = qtype.options(language) or []
    if kind == "likert":
        pairs = [(v, label) for v, label in options if v != "na"]
        if question.not_applicable:
            pairs.append((NOT_APPLICABLE_CODE, translator(language).gettext("Not applicable")))
        return pairs
    if kind in ("options", "multiple"):
        return [(str(i), label) for i, (_v, label) in enumerate(options, start=1)]
    return []


# -- the shared checker on a staff page ------------------------------------------------


@contextmanager
def _public_submission_path() -> Iterator[None]:
    """Run ``submit`` as the citizen's page does.

    The staff area refuses unscoped ORM queries; the checker's only read is its
    idempotency look-up, limited to ``Submission.agency``, which the caller has
    already established the actor may key in for.
    """
    previous = g.get("collector_strict_scope")
    g.collector_strict_scope = False
    try:
        yield
    finally:
        g.collector_strict_scope = previous


# -- pages -------------------------------------------------------------------------------


def paper_units(actor: Actor) -> list[Unit]:
    statement = scoped(select(Unit).order_by(col(Unit.agency_id), col(Unit.code)), ACTION, actor)
    return list(get_session().execute(statement).scalars())


def paper_questionnaires(plugins: PluginSet) -> list[Questionnaire]:
    return [q for q in plugins.questionnaires.values() if q.kind in PAPER_KINDS]


def _offered(actor: Actor, units: list[Unit]) -> dict[int, set[str]]:
    """Per agency of ``units``: the questionnaires it offers (``collector.core.offering``)."""
    db = get_session()
    ids = sorted({u.agency_id for u in units})
    agencies = db.execute(
        scoped(select(Agency).where(col(Agency.id).in_(ids)), ACTION, actor)
    ).scalars()
    return offered_by_agency(db, get_plugins(), agencies, lambda s: scoped(s, ACTION, actor))


def _name(obj: Any) -> str:
    return obj.name_en if current_language() == "en" else obj.name_zh


class PaperCampaign:
    """An open campaign paper questionnaires may be keyed into: its units and questionnaire."""

    def __init__(self, campaign: Campaign, version: QuestionnaireVersion, unit_ids: set[int]):
        self.campaign = campaign
        self.version = version
        self.unit_ids = unit_ids

    @property
    def id(self) -> int:
        assert self.campaign.id is not None  # a stored campaign
        return self.campaign.id


def _open_campaigns(actor: Actor, campaign_id: int | None = None) -> list[PaperCampaign]:
    """The actor's agency's campaigns taking responses today (public questionnaires only)."""
    db = get_session()
    statement = select(Campaign, QuestionnaireVersion).join(
        QuestionnaireVersion, col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id
    )
    if campaign_id is not None:
        statement = statement.where(col(Campaign.id) == campaign_id)
    statement = statement.order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc())
    today = clock.today()
    rows = [
        (campaign, version)
        for campaign, version in db.execute(scoped(statement, ACTION, actor)).all()
        if campaign_logic.state_on(campaign, today) == "open"
        and definition_of(version).kind in PUBLIC_KINDS
    ]
    if not rows:
        return []
    links = db.execute(
        scoped(
            select(col(CampaignUnit.campaign_id), col(CampaignUnit.unit_id)).where(
                col(CampaignUnit.campaign_id).in_([c.id for c, _v in rows])
            ),
            ACTION,
            actor,
        )
    ).all()
    units: dict[int, set[int]] = {}
    for cid, uid in links:
        units.setdefault(cid, set()).add(uid)
    return [PaperCampaign(c, v, units.get(c.id, set())) for c, v in rows]


def _check_setup(
    values: dict[str, str],
    units: list[Unit],
    questionnaires: list[Questionnaire],
    campaigns: list[PaperCampaign],
    offered: dict[int, set[str]],
) -> tuple[dict[str, str], dict[str, Any]]:
    """The problems with a posted set-up (by field), and what it chose when there are
    none: the unit, the questionnaire and the campaign (or None)."""
    text = translator(current_language())
    errors: dict[str, str] = {}
    unit = next((u for u in units if str(u.id) == values["unit"]), None)
    questionnaire = next((q for q in questionnaires if q.slug == values["questionnaire"]), None)
    if unit is None:
        errors["unit"] = text.gettext("Choose a service unit.")
    if questionnaire is None:
        errors["questionnaire"] = text.gettext("Choose a questionnaire.")
    elif unit is not None and questionnaire.slug not in offered.get(unit.agency_id, set()):
        errors["questionnaire"] = text.gettext(
            "The agency of this service unit does not use this questionnaire."
        )
    elif values["language"] not in questionnaire.languages:
        values["language"] = questionnaire.languages[0]
    if not values["batch"] or len(values["batch"]) > BATCH_MAX:
        errors["batch"] = text.gettext(
            "Enter a batch number (at most %(max)s characters).", max=BATCH_MAX
        )
    chosen = None
    if values["campaign"]:
        chosen = next((c for c in campaigns if str(c.id) == values["campaign"]), None)
        if chosen is None:
            errors["campaign"] = text.gettext(
                "Choose a running campaign of your agency, or “Not part of a campaign”."
            )
        elif unit is not None and unit.id not in chosen.unit_ids:
            errors["campaign"] = text.gettext(
                "This service unit does not take part in the chosen campaign."
            )
        elif questionnaire is not None and chosen.version.slug != questionnaire.slug:
            errors["campaign"] = text.gettext("The chosen campaign uses another questionnaire.")
    return errors, {"unit": unit, "questionnaire": questionnaire, "campaign": chosen}


@bp.route("", methods=["GET", "POST"])
def setup() -> Any:
    """Choose unit, questionnaire, language and batch for the entries that follow."""
    actor = require(ACTION, any_agency=True)
    units = paper_units(actor)
    offered = _offered(actor, units)
    anywhere = set().union(*offered.values())
    questionnaires = [q for q in paper_questionnaires(get_plugins()) if q.slug in anywhere]
    current = session.get(SESSION_KEY) or {}
    errors: dict[str, str] = {}
    campaigns = _open_campaigns(actor)
    values = {
        "unit": str(current.get("unit", "")),
        "questionnaire": current.get("slug", ""),
        "campaign": str(current.get("campaign") or ""),
        "language": current.get("language", "zh-Hant-TW"),
        "batch": current.get("batch", ""),
    }
    if request.method == "GET" and request.args.get("ended") == "1":
        errors["campaign"] = gettext(
            "The chosen campaign has ended or been closed; this questionnaire was not saved. Choose the campaign again."
        )
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        errors, chosen = _check_setup(values, units, questionnaires, campaigns, offered)
        if not FlaskForm().validate():
            errors["form"] = translator(current_language()).gettext(
                "The page timed out. Please submit again; what you typed is still here."
            )
        if not errors:
            session[SESSION_KEY] = {
                "unit": chosen["unit"].id,
                "slug": chosen["questionnaire"].slug,
                "language": values["language"],
                "batch": values["batch"],
                "campaign": chosen["campaign"].id if chosen["campaign"] is not None else None,
            }
            session.pop(SAVED_KEY, None)
            return redirect(url_for("paper.entry"), code=303)
    page = render_template(
        "answers/paper_setup.html",
        actor=actor,
        units=[(u.id, f"{_name(u)} ({u.code})") for u in units],
        questionnaires=[(q.slug, q.text(q.title, current_language())) for q in questionnaires],
        campaigns=[
            (
                str(c.id),
                f"{c.campaign.title} ({c.campaign.starts_on.isoformat()} – "
                f"{c.campaign.ends_on.isoformat()})",
            )
            for c in campaigns
        ],
        languages=list(LANGUAGE_NAMES.items()),
        values=values,
        errors=errors,
        batch_max=BATCH_MAX,
    )
    return page, 422 if request.method == "POST" else 200


def _batch_count(actor: Actor, batch: str) -> int:
    statement = (
        select(func.count())
        .select_from(Response)
        .where(col(Response.channel) == CHANNEL, col(Response.batch) == batch)
    )
    return int(get_session().execute(scoped(statement, ACTION, actor)).scalar_one())


@dataclass
class _Entry:
    """What the set-up chose, as it stands now: where keyed questionnaires are stored."""

    unit: Unit
    agency: Agency
    chosen: PaperCampaign | None
    campaign_gone: bool  # the chosen campaign ended or closed since
    version: QuestionnaireVersion
    questionnaire: Questionnaire
    language: str
    batch: str


def _entry_setup(actor: Actor, setup_data: dict[str, Any]) -> _Entry | Any:
    """The set-up in the session, checked again; a redirect to choose again when its
    unit is gone, or its campaign ended (on a GET)."""
    db = get_session()
    statement = select(Unit).where(col(Unit.id) == setup_data["unit"])
    unit = db.execute(scoped(statement, ACTION, actor)).scalar_one_or_none()
    if unit is None:  # gone, or the actor moved agency: choose again
        session.pop(SESSION_KEY, None)
        return redirect(url_for("paper.setup"), code=303)
    agency = db.execute(
        scoped(select(Agency).where(col(Agency.id) == unit.agency_id), ACTION, actor)
    ).scalar_one()
    slug = setup_data["slug"]
    chosen = None
    campaign_gone = False
    if setup_data.get("campaign"):
        found = _open_campaigns(actor, int(setup_data["campaign"]))
        chosen = found[0] if found else None
        if chosen is None or unit.id not in chosen.unit_ids or chosen.version.slug != slug:
            # Closed or ended since it was chosen: choose again. A form being saved is
            # shown back with what was typed, unsaved.
            chosen = None
            if request.method == "GET":
                return redirect(url_for("paper.setup", ended=1), code=303)
            campaign_gone = True
    if chosen is None and slug not in _offered(actor, [unit]).get(unit.agency_id, set()):
        # Switched off for the agency since it was chosen: choose again.
        session.pop(SESSION_KEY, None)
        return redirect(url_for("paper.setup"), code=303)
    version = chosen.version if chosen is not None else current_version(current_app, db, slug)
    if version is None:
        abort(404)
    questionnaire = definition_of(version)
    language = setup_data.get("language") or questionnaire.languages[0]
    if language not in questionnaire.languages:
        language = questionnaire.languages[0]
    return _Entry(
        unit, agency, chosen, campaign_gone, version, questionnaire, language, setup_data["batch"]
    )


def _save_entry(actor: Actor, entry: _Entry, typed: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """Store one keyed questionnaire: (a redirect, or the notice for the page, and the
    errors by question)."""
    text = translator(current_language())
    plugins = get_plugins()
    token = (request.form.get("submission_token") or "")[:100] or secrets.token_urlsafe(18)
    submission = Submission(
        questionnaire=entry.version,
        agency=entry.agency,
        unit=entry.unit,
        channel=CHANNEL,
        language=entry.language,
        answers=keyed_answers(plugins, entry.questionnaire, typed, entry.language),
        idempotency_key=f"paper:{token}",
        batch=entry.batch,
        entered_by=actor.user_id,
        campaign_id=entry.chosen.id if entry.chosen is not None else None,
    )
    try:
        with _public_submission_path():
            saved = submit(current_app, plugins, entry.questionnaire, submission)
    except InvalidSubmission as exc:
        return None, {key: err.text(current_language()) for key, err in exc.errors.items()}
    except IdempotencyConflict:
        return text.gettext(
            "This questionnaire was already sent with other answers. Please check and save again."
        ), {}
    session[SAVED_KEY] = {
        "receipt": saved.receipt,
        "count": _batch_count(actor, entry.batch),
        "replayed": saved.replayed,
    }
    return redirect(url_for("paper.entry"), code=303), {}


def _entry_page(
    actor: Actor,
    entry: _Entry,
    form: Any,
    typed: dict[str, str],
    errors: dict[str, str],
    notice: str | None,
) -> str:
    questionnaire, language = entry.questionnaire, entry.language
    questions = question_rows(get_plugins(), questionnaire, language)
    return render_template(
        "answers/paper_entry.html",
        actor=actor,
        questionnaire=questionnaire,
        title=questionnaire.text(questionnaire.title, language),
        unit_label=f"{_name(entry.unit)} ({entry.unit.code})",
        campaign_title=entry.chosen.campaign.title if entry.chosen is not None else None,
        batch=entry.batch,
        count=_batch_count(actor, entry.batch),
        saved=session.pop(SAVED_KEY, None) if request.method == "GET" else None,
        questions=questions,
        typed=typed,
        errors=errors,
        first_error=next((q["key"] for q in questions if q["key"] in errors), None),
        notice=notice,
        token=secrets.token_urlsafe(18),
        csrf_field=form.csrf_token,
        keyed_url=url_for(
            "paper_keyed.index", unit=entry.unit.id, questionnaire=questionnaire.slug
        ),
    )


def question_rows(
    plugins: PluginSet, questionnaire: Questionnaire, language: str
) -> list[dict[str, Any]]:
    """The questions as the keying form shows them (``answers/_paper_questions.html``), in
    blocks as on the paper: ``block`` numbers them in order; a section drawn as a grid
    (``layout: grid``, :func:`collector.answers.assets.grid_sections`) is one block with
    ``grid`` set, keyed as one table under its scale, as the paper form prints it; the
    other questions in a row make one list. ``number`` is the question's on the paper."""
    grids = set(grid_sections(plugins, questionnaire))
    rows: list[dict[str, Any]] = []
    block = 0
    current = ""
    for section in questionnaire.sections:
        grid = section.key in grids
        kind = f"grid:{section.key}" if grid else "list"
        for q in section.questions:
            if rows and kind != current:
                block += 1
            current = kind
            rows.append(
                {
                    "key": q.key,
                    "label": questionnaire.text(q.label, language),
                    "required": q.required,
                    "kind": entry_kind(plugins, questionnaire, q),
                    "legend": legend(plugins, questionnaire, q, language),
                    "conditional": bool(q.relevant),
                    "number": len(rows) + 1,
                    "block": block,
                    "grid": section.key if grid else None,
                    "section": questionnaire.text(section.title, language),
                }
            )
    return rows


@bp.route("/entry", methods=["GET", "POST"])
def entry() -> Any:
    """The compact keying form; after a save the same empty form comes back."""
    actor = require(ACTION, any_agency=True)
    setup_data = session.get(SESSION_KEY)
    plugins = get_plugins()
    if not setup_data or setup_data.get("slug") not in plugins.questionnaires:
        return redirect(url_for("paper.setup"), code=303)
    entry = _entry_setup(actor, setup_data)
    if not isinstance(entry, _Entry):
        return entry
    form = build_form_class(plugins, entry.questionnaire, entry.language)()
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    notice = None
    status = 200
    if request.method == "POST":
        typed = {
            q.key: (request.form.get(f"q_{q.key}") or "")[:4000]
            for q in entry.questionnaire.questions()
        }
        text = translator(current_language())
        if entry.campaign_gone:
            notice, status = (
                text.gettext(
                    "The chosen campaign has ended or been closed; this questionnaire was not saved. Choose the campaign again."
                ),
                409,
            )
        elif not form.validate():  # only the CSRF token can fail
            notice, status = (
                text.gettext(
                    "The page timed out. Please submit again; what you typed is still here."
                ),
                422,
            )
        else:
            outcome, errors = _save_entry(actor, entry, typed)
            if isinstance(outcome, str):
                notice, status = outcome, 409
            elif outcome is not None:
                return outcome
            else:
                status = 422
    return _entry_page(actor, entry, form, typed, errors, notice), status
