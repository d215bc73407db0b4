"""Survey campaigns in the staff console (``/staff/campaigns``) and the public signed
links (``/c/<token>``).

Staff pages run behind ``collector.access.sessions.staff_area``: listing and viewing need
``results.read``, creating, opening, closing and posters ``campaigns.manage``;
every row is read through ``collector.access.scoped`` and one campaign is fetched with
``get_scoped`` (404 for another agency's). The agency of a new campaign is the
actor's; its status changes only through the open and close actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col
from wtforms import DateField
from wtforms import DecimalField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from collector.access.identity import current_actor
from collector.access.permissions import allowed
from collector.access.permissions import require
from collector.access.ratelimit import limit
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.campaigns import service as logic
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.i18n import localised
from collector.core.i18n import translator
from collector.core.links import external_url
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.offering import offered_by_agency
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.core.questionnaires import owned_versions

bp = Blueprint("campaigns", __name__, url_prefix="/staff/campaigns", template_folder="templates")
staff_area(bp)

links = Blueprint("campaign_links", __name__, template_folder="templates")

MANAGE = "campaigns.manage"
READ = "results.read"
CITIZEN_SLUG = "citizen-satisfaction"


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"status_labels": logic.STATUS_LABELS, "state_labels": logic.STATE_LABELS}


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _name(row: Agency | Unit) -> str:
    return row.name_en if current_language() == "en" else row.name_zh


def _questionnaire_title(version: QuestionnaireVersion | None) -> str:
    if version is None:
        return "—"
    title = localised(definition_of(version).title, current_language())
    return f"{title} (v{version.version})"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(LocalisedForm):
    title = StringField(validators=[InputRequired(), Length(max=200)])
    questionnaire = SelectField(validators=[InputRequired()])
    units = CheckboxesField(coerce=int)  # none chosen: refused with a message by the logic
    starts_on = DateField(validators=[InputRequired()])
    ends_on = DateField(validators=[InputRequired()])
    target_mode = RadioField(default="computed", validators=[InputRequired()])
    target_n = IntegerField(validators=[Optional(), NumberRange(min=1, max=10_000_000)])
    margin = DecimalField(places=None, validators=[Optional(), NumberRange(min=0.1, max=50)])
    confidence = SelectField(default="0.95")
    population = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000_000)])
    design_effect = DecimalField(
        places=None, default=Decimal(1), validators=[Optional(), NumberRange(min=0.1, max=20)]
    )
    sampling_instructions = TextAreaField(validators=[Optional(), Length(max=5000)])


def _form(agency_id: int, units: list[Unit]) -> CampaignForm:
    language = current_language()
    form = CampaignForm()
    plugins = get_plugins()
    db = get_session()
    agency = db.execute(
        scoped(select(Agency).where(col(Agency.id) == agency_id), MANAGE)
    ).scalar_one()
    offered = offered_by_agency(db, plugins, [agency], lambda s: scoped(s, MANAGE))[agency_id]
    choices = []
    for slug, questionnaire in plugins.questionnaires.items.items():
        if questionnaire.kind not in PUBLIC_KINDS or slug not in offered:
            continue
        version = current_version(current_app, db, slug)
        if version is not None:
            choices.append(
                (slug, f"{localised(questionnaire.title, language)} (v{version.version})")
            )
    # The core's citizen survey first (the one most campaigns run), then the plugins'.
    choices.sort(key=lambda choice: choice[0] != CITIZEN_SLUG)
    # Then the agency's own published questionnaires (collector.authoring): only its own,
    # never another agency's (owned_versions reads one owner).
    text = translator(language)
    for version in owned_versions(db, agency_id):
        own = definition_of(version)
        if own.kind in PUBLIC_KINDS and version.slug in offered:
            title = localised(own.title, language)
            label = text.gettext(
                "%(title)s (v%(version)s, your agency's own)", title=title, version=version.version
            )
            choices.append((version.slug, label))
    form.questionnaire.choices = choices
    form.units.choices = [(u.id, f"{_name(u)} ({u.code})") for u in units]
    form.target_mode.choices = [
        (
            "computed",
            translator(language).gettext("Compute from margin of error and confidence level"),
        ),
        ("typed", translator(language).gettext("Type it in")),
    ]
    form.confidence.choices = [(f"{c:.2f}", f"{c:.0%}") for c in logic.CONFIDENCE_LEVELS]
    return form


def _computation(form: CampaignForm) -> logic.TargetComputation | None:
    """The target computed from the form, or None (with an error on the form)."""
    if form.margin.data is None:
        form.margin.errors = [
            *form.margin.errors,
            gettext("Enter a margin of error between 0.1 and 50."),
        ]
        return None
    try:
        return logic.compute_target(
            float(form.margin.data) / 100,
            float(form.confidence.data or "0.95"),
            form.population.data,
            float(form.design_effect.data or 1),
        )
    except ValueError:
        form.margin.errors = [
            *form.margin.errors,
            gettext("Enter a margin of error between 0.1 and 50."),
        ]
        return None


def _agency_units(agency_id: int) -> list[Unit]:
    statement = scoped(
        select(Unit).where(col(Unit.agency_id) == agency_id).order_by(col(Unit.code)),
        MANAGE,
    )
    return list(get_session().execute(statement).scalars())


@bp.get("")
def index() -> Any:
    actor = require(READ, any_agency=True)
    db = get_session()
    rows = list(
        db.execute(
            scoped(
                select(Campaign).order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc()),
                READ,
            )
        ).scalars()
    )
    counts = dict(
        db.execute(
            scoped(
                select(col(Response.campaign_id), func.count())
                .where(col(Response.campaign_id).is_not(None))
                .group_by(col(Response.campaign_id)),
                READ,
            )
        ).all()
    )
    kinds = _kinds(db, rows)
    return render_template(
        "campaigns/campaigns.html",
        actor=actor,
        campaigns=rows,
        kinds=kinds,
        public_kinds=PUBLIC_KINDS,
        may_manage_staff=allowed(actor, MANAGE, actor.agency_id),
        counts=counts,
        may_manage=allowed(actor, MANAGE, actor.agency_id),
        today=clock.today(),
        state_on=logic.state_on,
    )


def _kinds(db: Session, rows: list[Campaign]) -> dict[int, str]:
    """Campaign id -> the kind of its questionnaire (``citizen``, ``staff``...)."""
    ids = sorted({c.questionnaire_version_id for c in rows})
    if not ids:
        return {}
    versions = {
        v.id: definition_of(v).kind
        for v in db.execute(
            select(QuestionnaireVersion).where(col(QuestionnaireVersion.id).in_(ids))
        ).scalars()
    }
    return {c.id: versions.get(c.questionnaire_version_id, "") for c in rows}  # type: ignore[misc]  # stored rows: their ids are set


def _kind(campaign: Campaign) -> str:
    assert campaign.id is not None  # a stored campaign
    return _kinds(get_session(), [campaign]).get(campaign.id, "")


def _not_a_campaign(campaign: Campaign) -> None:
    """Stop here for a staff survey (or another internal questionnaire): it has no
    public links or posters, and it is run on its own pages (closing a staff survey
    there also erases its invitation addresses)."""
    if _kind(campaign) in PUBLIC_KINDS:
        return
    language = current_language()
    abort(
        make_response(
            render_template(
                "error.html",
                title=translator(language).gettext("This is not an ordinary campaign"),
                body=translator(language).gettext(
                    "A staff survey uses one-time links and answers that cannot be linked to anyone: manage it on the Staff survey pages. It has no QR posters or public links."
                ),
            ),
            409,
        )
    )


UNIT_FIELDS = (("target", "unit_target_"), ("population", "unit_population_"))
UNIT_VALUE_ERRORS = {
    "target": logic.CAMPAIGN_ERRORS["err_campaign_unit_target"],
    "population": logic.CAMPAIGN_ERRORS["err_campaign_unit_population"],
}


def _unit_values(units: list[Unit], campaign: Campaign | None) -> dict[int, dict[str, str]]:
    """The per-unit target and population as typed (POST) or stored (GET)."""
    values: dict[int, dict[str, str]] = {u.id: {"target": "", "population": ""} for u in units}  # type: ignore[misc]  # stored rows: their ids are set
    if request.method == "POST":
        for unit_id in values:
            for name, prefix in UNIT_FIELDS:
                values[unit_id][name] = (request.form.get(f"{prefix}{unit_id}") or "").strip()[:20]
    elif campaign is not None:
        rows = get_session().execute(
            scoped(select(CampaignUnit).where(col(CampaignUnit.campaign_id) == campaign.id), MANAGE)
        )
        for row in rows.scalars():
            if row.unit_id in values:
                values[row.unit_id] = {
                    "target": "" if row.target_n is None else str(row.target_n),
                    "population": "" if row.population is None else str(row.population),
                }
    return values


def _parse_unit_values(
    values: dict[int, dict[str, str]], chosen: list[int]
) -> tuple[dict[int, int | None], dict[int, int | None], dict[int, dict[str, str]]]:
    """Targets and populations of the chosen units, and the errors per unit and field."""
    language = current_language()
    limits = {"target": logic.UNIT_TARGET_MAX, "population": logic.UNIT_POPULATION_MAX}
    parsed: dict[str, dict[int, int | None]] = {"target": {}, "population": {}}
    errors: dict[int, dict[str, str]] = {}
    for unit_id in chosen:
        for name, _prefix in UNIT_FIELDS:
            text = values.get(unit_id, {}).get(name, "")
            if not text:
                parsed[name][unit_id] = None
            elif text.isascii() and text.isdigit() and 1 <= int(text) <= limits[name]:
                parsed[name][unit_id] = int(text)
            else:
                message = UNIT_VALUE_ERRORS[name]
                errors.setdefault(unit_id, {})[name] = translator(language).render(
                    message, max=translator(language).format_decimal(limits[name])
                )
    return parsed["target"], parsed["population"], errors


def _fixed_version(db: Session, form: Any, campaign: Campaign) -> QuestionnaireVersion:
    """An existing campaign's questionnaire version; once the campaign has opened (or its
    questionnaire is no longer offered) the form offers only that one."""
    version = db.execute(
        select(QuestionnaireVersion).where(
            col(QuestionnaireVersion.id) == campaign.questionnaire_version_id
        )
    ).scalar_one()
    offered = form.questionnaire.choices
    assert isinstance(offered, list)  # _form() set it: (slug, title) pairs
    if version.slug not in [choice[0] for choice in offered] or campaign.status != "draft":
        form.questionnaire.choices = [(version.slug, _questionnaire_title(version))]
    return version


def _fill(form: Any, campaign: Campaign, version: QuestionnaireVersion) -> Any:
    """The edit form as the campaign stands; returns its target computation, if any."""
    form.title.data = campaign.title
    form.questionnaire.data = version.slug
    form.units.data = [u.id for u in _units_of(campaign, MANAGE)]
    form.starts_on.data = campaign.starts_on
    form.ends_on.data = campaign.ends_on
    form.sampling_instructions.data = campaign.sampling_instructions
    form.target_n.data = campaign.target_n
    if campaign.margin is None or campaign.confidence is None:
        form.target_mode.data = "typed"
        return None
    form.target_mode.data = "computed"
    form.margin.data = Decimal(f"{campaign.margin * 100:.6g}")
    form.confidence.data = f"{campaign.confidence:.2f}"
    form.population.data = campaign.population
    form.design_effect.data = Decimal(f"{campaign.design_effect or 1:.6g}")
    return logic.computation_of(campaign)


@dataclass
class _Checked:
    """A posted campaign form, checked: the target computation and the per-unit values."""

    valid: bool
    computation: Any
    unit_targets: dict[int, int | None]
    unit_populations: dict[int, int | None]
    unit_errors: dict[int, dict[str, str]]


def _check(form: Any, unit_values: dict[int, dict[str, str]]) -> _Checked:
    valid = form.validate()
    chosen = [u for u in (form.units.data or []) if u in unit_values]
    targets, populations, unit_errors = _parse_unit_values(unit_values, chosen)
    valid = valid and not unit_errors
    computation = None
    if form.target_mode.data == "computed":
        computation = _computation(form)
        valid = valid and computation is not None
    elif form.target_n.data is None:
        message = translator(current_language()).gettext("Enter a target of at least 1.")
        form.target_n.errors = [*form.target_n.errors, message]
        valid = False
    return _Checked(valid, computation, targets, populations, unit_errors)


def _new_campaign(form: Any, version_id: int, checked: _Checked) -> logic.NewCampaign:
    # Both InputRequired, and the form is valid.
    assert form.starts_on.data is not None and form.ends_on.data is not None
    computation = checked.computation
    return logic.NewCampaign(
        title=form.title.data or "",
        questionnaire_version_id=version_id,
        unit_ids=list(form.units.data or []),
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        target_n=computation.target if computation else int(form.target_n.data or 0),
        sampling_instructions=form.sampling_instructions.data or "",
        margin=computation.margin if computation else None,
        confidence=computation.confidence if computation else None,
        population=computation.population if computation else None,
        design_effect=computation.design_effect if computation else None,
        unit_targets=checked.unit_targets,
        unit_populations=checked.unit_populations,
    )


def _save(
    actor: Actor,
    agency_id: int,
    campaign: Campaign | None,
    new: logic.NewCampaign,
    units: list[Unit],
) -> int:
    """Create the campaign, or update ``campaign``; its id. Raises ``CampaignError``."""
    by_id: dict[int, Unit] = {u.id: u for u in units}  # type: ignore[misc]  # stored rows: their ids are set
    with _write_session() as wdb:
        if campaign is None:
            saved = logic.create_campaign(wdb, new, agency_id=agency_id, units=by_id, actor=actor)
        else:
            statement = select(Campaign).where(col(Campaign.id) == campaign.id)
            saved = wdb.execute(scoped(statement, MANAGE, actor)).scalar_one()
            logic.update_campaign(wdb, saved, new, units=by_id, actor=actor)
        wdb.commit()
        assert saved.id is not None  # committed
        return saved.id


def _form_page(actor: Actor, campaign: Campaign | None) -> Any:
    """The create (``campaign`` None) and edit pages: one form, checked the same way."""
    agency_id = campaign.agency_id if campaign is not None else actor.agency_id
    assert agency_id is not None  # create() refuses an actor without an agency
    units = _agency_units(agency_id)
    form = _form(agency_id, units)
    unit_values = _unit_values(units, campaign)
    db = get_session()
    fixed = _fixed_version(db, form, campaign) if campaign is not None else None
    checked = _Checked(True, None, {}, {}, {})
    status = 200
    if request.method == "GET" and campaign is not None and fixed is not None:
        checked.computation = _fill(form, campaign, fixed)
    elif request.method == "GET":
        form.starts_on.data = form.starts_on.data or clock.today()
    else:
        checked = _check(form, unit_values)
        status = 200 if checked.valid else 422
    if request.method == "POST" and checked.valid and "compute" not in request.form:
        slug = form.questionnaire.data or ""
        version = fixed if fixed is not None and slug == fixed.slug else None
        version = version or current_version(current_app, db, slug, agency_id)
        if version is None or version.id is None:
            abort(400)
        try:
            saved_id = _save(
                actor, agency_id, campaign, _new_campaign(form, version.id, checked), units
            )
        except logic.CampaignError as exc:
            field = getattr(form, exc.field, None) if exc.field else None
            message = translator(current_language()).render(logic.CAMPAIGN_ERRORS[exc.key])
            if field is not None:
                field.errors = [*field.errors, message]
            status = 422
        else:
            return redirect(url_for("campaigns.detail", campaign_id=saved_id), code=303)
    page = render_template(
        "campaigns/campaign_form.html",
        actor=actor,
        form=form,
        computation=checked.computation,
        campaign=campaign,
        unit_values=unit_values,
        unit_errors=checked.unit_errors,
    )
    return page, status


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    actor = require(MANAGE, any_agency=True)
    if actor.agency_id is None or not allowed(actor, MANAGE, actor.agency_id):
        abort(403)
    return _form_page(actor, None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id: int) -> Any:
    campaign = get_scoped(get_session(), Campaign, campaign_id, MANAGE)
    _not_a_campaign(campaign)
    actor = current_actor()
    assert actor is not None
    return _form_page(actor, campaign)


def _units_of(campaign: Campaign, action: str) -> list[Unit]:
    statement = (
        select(Unit)
        .join(CampaignUnit, col(CampaignUnit.unit_id) == Unit.id)
        .where(col(CampaignUnit.campaign_id) == campaign.id)
        .order_by(col(Unit.code))
    )
    return list(get_session().execute(scoped(statement, action)).scalars())


@bp.get("/<int:campaign_id>")
def detail(campaign_id: int) -> Any:
    db = get_session()
    campaign = get_scoped(db, Campaign, campaign_id, READ)
    actor = current_actor()
    assert actor is not None
    kind = _kind(campaign)
    if kind == "staff":  # its own pages: no public links or posters
        if allowed(actor, MANAGE, campaign.agency_id):
            return redirect(url_for("staff_survey.manage", campaign=campaign.id), code=303)
        return redirect(url_for("staff_survey.results", campaign=campaign.id), code=303)
    _not_a_campaign(campaign)
    units = _units_of(campaign, READ)
    version = db.execute(
        select(QuestionnaireVersion).where(
            col(QuestionnaireVersion.id) == campaign.questionnaire_version_id
        )
    ).scalar_one_or_none()
    counts = dict(
        db.execute(
            scoped(
                select(col(Response.unit_id), func.count())
                .where(col(Response.campaign_id) == campaign.id)
                .group_by(col(Response.unit_id)),
                READ,
            )
        ).all()
    )
    unit_links = [
        (
            unit,
            external_url(
                current_app._get_current_object(),  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
                "campaign_links.follow",
                token=logic.link_token(campaign.id, unit.id),  # type: ignore[arg-type]  # stored rows: their ids are set
            ),
            counts.get(unit.id, 0),
        )
        for unit in units
    ]
    return render_template(
        "campaigns/campaign.html",
        actor=actor,
        campaign=campaign,
        questionnaire_title=_questionnaire_title(version),
        unit_links=unit_links,
        total=sum(counts.values()),
        computation=logic.computation_of(campaign),
        state=logic.state_on(campaign, clock.today()),
        may_manage=allowed(actor, MANAGE, campaign.agency_id),
    )


def _change_status(campaign_id: int, status: str) -> Any:
    actor = current_actor()
    # 404 for another agency's campaign, 403 without the permission (both audited),
    # decided before the write transaction.
    _not_a_campaign(get_scoped(get_session(), Campaign, campaign_id, MANAGE))
    assert actor is not None  # get_scoped() answered 401 otherwise
    with _write_session() as db:
        campaign = db.execute(
            scoped(select(Campaign).where(col(Campaign.id) == campaign_id), MANAGE, actor)
        ).scalar_one()
        try:
            logic.set_status(db, campaign, status, actor=actor)
        except logic.CampaignError:
            abort(409)
        db.commit()
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id), code=303)


@bp.post("/<int:campaign_id>/open")
def open_campaign(campaign_id: int) -> Any:
    return _change_status(campaign_id, "open")


@bp.post("/<int:campaign_id>/close")
def close_campaign(campaign_id: int) -> Any:
    return _change_status(campaign_id, "closed")


@bp.get("/<int:campaign_id>/units/<int:unit_id>/poster.svg")
def poster(campaign_id: int, unit_id: int) -> Any:
    db = get_session()
    campaign = get_scoped(db, Campaign, campaign_id, MANAGE)
    _not_a_campaign(campaign)
    unit = next((u for u in _units_of(campaign, MANAGE) if u.id == unit_id), None)
    if unit is None:
        abort(404)
    assert unit.id is not None  # it equals unit_id
    agency = db.execute(
        scoped(select(Agency).where(col(Agency.id) == campaign.agency_id), MANAGE)
    ).scalar_one()
    url = external_url(
        current_app._get_current_object(),  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        "campaign_links.follow",
        token=logic.link_token(campaign.id, unit.id),
    )
    svg = logic.poster_svg(url=url, agency=agency, unit=unit, title=campaign.title)
    response = make_response(svg)
    response.mimetype = "image/svg+xml"
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="poster-{campaign.id}-{unit.id}.svg"'
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/<int:campaign_id>/posters")
def posters(campaign_id: int) -> Any:
    """Every unit's poster on one page, one per printed sheet."""
    campaign = get_scoped(get_session(), Campaign, campaign_id, MANAGE)
    _not_a_campaign(campaign)
    return render_template(
        "campaigns/posters.html",
        actor=current_actor(),
        campaign=campaign,
        units=_units_of(campaign, MANAGE),
    )


# -- the public signed link -----------------------------------------------------


@links.get("/c/<path:token>")
@limit("RATELIMIT_PUBLIC", methods=("GET",))
def follow(token: str) -> Any:
    link = logic.resolve(get_session(), token)
    assert link is not None  # an ended campaign shows its page instead
    query: dict[str, Any] = {"ch": "qr", "c": link.token}
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        query["lang"] = request.args["lang"]
    return redirect(
        url_for(
            "survey.answer",
            agency_code=link.agency.code,
            unit_code=link.unit.code,
            slug=link.version.slug,
            **query,
        ),
        code=302,
    )
