"""Survey campaigns: a questionnaire version published to chosen units for a period.

A campaign belongs to one agency (the actor's), has a target sample size (typed in,
or computed with ``analysis.sample_size`` from a margin of error, a confidence level,
the population for the finite-population correction and a design effect) and
sampling instructions for the counter staff. Its status changes only through
:func:`set_status` (draft -> open -> closed, and closed -> open to reopen).

Each unit of a campaign gets a signed link, ``/c/<token>``: the token is
``itsdangerous``-signed with the app's ``SECRET_KEY`` (salt ``campaign-link``) and
carries the campaign and unit ids. Following it leads to the survey page with the
token in ``?c=``; the survey page verifies it again on every request (GET and POST),
so a response records the campaign (``Response.campaign_id``), the unit and the
``qr`` channel only when the signed token says so, and only while the campaign is
open and within its period. Nothing else on the survey page can set the campaign.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any
from typing import NoReturn
from xml.sax.saxutils import escape

import segno
from flask import Flask
from flask import abort
from flask import current_app
from flask import make_response
from flask import render_template
from flask import request
from itsdangerous import BadData
from itsdangerous import URLSafeSerializer
from scipy import stats
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from analysis.sample_size import sample_size
from collector.access import audit
from collector.access.guard import register_via
from collector.access.scoped import scoped
from collector.core import clock
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.questionnaires import PUBLIC_KINDS
from collector.core.questionnaires import definition_of

SALT = "campaign-link"
CONFIDENCE_LEVELS = (0.90, 0.95, 0.99)

register_via(CampaignUnit, "campaign_id", Campaign)


CAMPAIGN_ERRORS: dict[str, LazyText] = {
    "err_campaign_kind": lazy_gettext(
        "A staff survey is created on the Staff survey pages, not as a campaign."
    ),
    "err_campaign_period": lazy_gettext("The last day cannot be before the first day."),
    "err_campaign_questionnaire_fixed": lazy_gettext(
        "The questionnaire cannot change once the campaign has opened."
    ),
    "err_campaign_status": lazy_gettext("The campaign cannot change to this status now."),
    "err_campaign_target": lazy_gettext("Enter a target of at least 1."),
    "err_campaign_title": lazy_gettext("Enter a title (at most 200 characters)."),
    "err_campaign_unit_population": lazy_gettext(
        "Enter a whole number from 1 to %(max)s, or leave it empty."
    ),
    "err_campaign_unit_target": lazy_gettext(
        "Enter a whole number from 1 to %(max)s, or leave it empty."
    ),
    "err_campaign_units": lazy_gettext("Choose at least one unit of your agency."),
}
"""What each :class:`CampaignError` key says."""

STATUS_LABELS: dict[str, LazyText] = {
    "draft": lazy_gettext("Draft"),
    "open": lazy_pgettext("campaign status", "Open"),
    "closed": lazy_pgettext("campaign status", "Closed"),
}
STATE_LABELS: dict[str, LazyText] = {
    "open": lazy_gettext("taking responses"),
    "not_started": lazy_gettext("not started yet"),
    "ended": lazy_gettext("period over"),
}
"""Where an open campaign's period stands (:func:`state_on`)."""

LINK_PAGES: dict[str, tuple[LazyText, LazyText]] = {
    "invalid": (
        lazy_gettext("This QR code or link is not valid"),
        lazy_gettext(
            "The link may be incomplete or altered. Please scan the code on the poster again, "
            "or ask the staff."
        ),
    ),
    "ended": (
        lazy_gettext("This survey has ended"),
        lazy_gettext(
            "Thank you for your interest. The survey is closed; you can still reach the agency "
            "through its other channels."
        ),
    ),
    "not_started": (
        lazy_gettext("This survey has not started yet"),
        lazy_gettext("Please scan the code again during the survey period. Thank you."),
    ),
}
"""The page (title, text) a visitor sees for a link that does not lead to a survey."""


class CampaignError(ValueError):
    """A refused change; ``key`` is one of :data:`CAMPAIGN_ERRORS`, ``field`` the form field."""

    def __init__(self, key: str, field: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.field = field


# -- target sample size -------------------------------------------------------


@dataclass(frozen=True)
class TargetComputation:
    """A computed target, with every step for the page to show."""

    margin: float  # proportion: 0.03 = ±3 points
    confidence: float
    population: int | None
    design_effect: float
    z: float
    n0: float  # z² p(1-p) / e², p = 0.5
    n_fpc: float | None  # n0 / (1 + (n0 - 1)/N), when N is known
    target: int

    def steps(self) -> list[str]:
        """The computation, line by line (formulas are language-neutral)."""
        lines = [
            f"z = {self.z:.4f} ({self.confidence:.0%}); p = 0.5; e = {self.margin:.4g}",
            f"n0 = z² × p(1 − p) / e² = {self.z:.4f}² × 0.25 / {self.margin:.4g}² = {self.n0:,.2f}",
        ]
        if self.n_fpc is not None and self.population is not None:
            lines.append(
                f"n = n0 / (1 + (n0 − 1) / N) = {self.n0:,.2f} / (1 + {self.n0 - 1:,.2f} / "
                f"{self.population:,}) = {self.n_fpc:,.2f}"
            )
        base = self.n_fpc if self.n_fpc is not None else self.n0
        if self.design_effect != 1:
            lines.append(
                f"n × deff = {base:,.2f} × {self.design_effect:g} = {base * self.design_effect:,.2f}"
            )
        lines.append(f"⌈n⌉ = {self.target:,}")
        return lines


def compute_target(
    margin: float,
    confidence: float = 0.95,
    population: int | None = None,
    design_effect: float = 1.0,
) -> TargetComputation:
    """The completes needed for ``margin`` (a proportion) at ``confidence``.

    ``analysis.sample_size.sample_size`` does the arithmetic (p = 0.5, the most
    conservative): ±3 points at 95 % is 1,068; with N = 300, 235.
    """
    target = sample_size(margin, confidence, population=population, deff=design_effect)
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    n0 = z**2 * 0.25 / margin**2
    n_fpc = n0 / (1 + (n0 - 1) / population) if population else None
    return TargetComputation(
        margin=margin,
        confidence=confidence,
        population=population,
        design_effect=design_effect,
        z=z,
        n0=n0,
        n_fpc=n_fpc,
        target=target,
    )


def computation_of(campaign: Campaign) -> TargetComputation | None:
    """How a stored campaign's target was computed (None: it was typed in)."""
    if campaign.margin is None or campaign.confidence is None:
        return None
    try:
        return compute_target(
            campaign.margin,
            campaign.confidence,
            campaign.population,
            campaign.design_effect or 1.0,
        )
    except ValueError:
        return None


# -- creating and changing campaigns ------------------------------------------


@dataclass(frozen=True)
class NewCampaign:
    """What the form asked for; the agency and the status never come from the request."""

    title: str
    questionnaire_version_id: int
    unit_ids: list[int]
    starts_on: date
    ends_on: date
    target_n: int
    sampling_instructions: str = ""
    margin: float | None = None
    confidence: float | None = None
    population: int | None = None
    design_effect: float | None = None
    unit_targets: dict[int, int | None] = field(default_factory=dict)
    """Per unit: its own target (None: none set)."""
    unit_populations: dict[int, int | None] = field(default_factory=dict)
    """Per unit: its population, e.g. visitors in the period (None: unknown)."""


UNIT_TARGET_MAX = 10_000_000
UNIT_POPULATION_MAX = 100_000_000


def check_public_kind(
    session: Session, version_id: int, agency_id: int | None = None
) -> QuestionnaireVersion:
    """The version, if it is a questionnaire campaigns may publish (``PUBLIC_KINDS``).

    A staff-survey questionnaire runs with one-time links and unlinkable answers at
    ``/staff/staff-survey`` (``collector.staff_survey.service``), never as a campaign with
    public QR links; other internal kinds have their own features. An agency's own
    questionnaire (``owner_agency_id``, collector.authoring) serves that agency's
    campaigns only: another ``agency_id`` is refused.
    """
    version = session.execute(
        select(QuestionnaireVersion).where(col(QuestionnaireVersion.id) == version_id)
    ).scalar_one_or_none()
    if version is None or definition_of(version).kind not in PUBLIC_KINDS:
        raise CampaignError("err_campaign_kind", "questionnaire")
    if (
        agency_id is not None
        and version.owner_agency_id is not None
        and version.owner_agency_id != agency_id
    ):
        raise CampaignError("err_campaign_kind", "questionnaire")
    return version


def _unit_settings(new: NewCampaign) -> dict[int, tuple[int | None, int | None]]:
    """(target, population) of every chosen unit, checked."""
    settings = {}
    for unit_id in sorted(set(new.unit_ids)):
        target = new.unit_targets.get(unit_id)
        population = new.unit_populations.get(unit_id)
        if target is not None and not 1 <= target <= UNIT_TARGET_MAX:
            raise CampaignError("err_campaign_unit_target", "units")
        if population is not None and not 1 <= population <= UNIT_POPULATION_MAX:
            raise CampaignError("err_campaign_unit_population", "units")
        settings[unit_id] = (target, population)
    return settings


def _check(new: NewCampaign, agency_id: int, units: dict[int, Unit]) -> str:
    title = new.title.strip()
    if not title or len(title) > 200:
        raise CampaignError("err_campaign_title", "title")
    if new.ends_on < new.starts_on:
        raise CampaignError("err_campaign_period", "ends_on")
    if not new.unit_ids:
        raise CampaignError("err_campaign_units", "units")
    if any(u not in units or units[u].agency_id != agency_id for u in new.unit_ids):
        raise CampaignError("err_campaign_units", "units")
    if not 1 <= new.target_n <= 10_000_000:
        raise CampaignError("err_campaign_target", "target_n")
    return title


def _settings(campaign: Campaign) -> dict[str, Any]:
    return {
        "title": campaign.title,
        "questionnaire_version_id": campaign.questionnaire_version_id,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "target_n": campaign.target_n,
        "margin": campaign.margin,
        "confidence": campaign.confidence,
        "population": campaign.population,
        "design_effect": campaign.design_effect,
        "sampling_instructions": campaign.sampling_instructions,
    }


def _apply(campaign: Campaign, new: NewCampaign, title: str) -> None:
    campaign.title = title
    campaign.questionnaire_version_id = new.questionnaire_version_id
    campaign.starts_on = new.starts_on
    campaign.ends_on = new.ends_on
    campaign.target_n = new.target_n
    campaign.margin = new.margin
    campaign.confidence = new.confidence
    campaign.population = new.population
    campaign.design_effect = new.design_effect
    campaign.sampling_instructions = new.sampling_instructions.strip()[:5000]


def _add_units(
    session: Session,
    campaign_id: int,
    unit_ids: Iterable[int],
    settings: dict[int, tuple[int | None, int | None]],
) -> None:
    """The campaign's rows for ``unit_ids``, each with its target and population."""
    for unit_id in unit_ids:
        target, population = settings[unit_id]
        session.add(
            CampaignUnit(
                campaign_id=campaign_id, unit_id=unit_id, target_n=target, population=population
            )
        )


def create_campaign(
    session: Session, new: NewCampaign, *, agency_id: int, units: dict[int, Unit], actor: Actor
) -> Campaign:
    """Store a draft campaign of ``agency_id`` and audit it, in the caller's write
    transaction. ``units`` are the agency's units (checked by the caller's scoped query)."""
    title = _check(new, agency_id, units)
    check_public_kind(session, new.questionnaire_version_id, agency_id)
    settings = _unit_settings(new)
    campaign = Campaign(
        agency_id=agency_id,
        questionnaire_version_id=new.questionnaire_version_id,
        title=title,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        status="draft",
        target_n=new.target_n,
        created_by=actor.user_id,
    )
    _apply(campaign, new, title)
    session.add(campaign)
    session.flush()
    assert campaign.id is not None  # flushed: the database gave it one
    unit_ids = sorted(settings)
    _add_units(session, campaign.id, settings, settings)
    session.flush()
    audit.record(
        session,
        "campaign.created",
        actor=actor,
        agency_id=agency_id,
        target=f"campaign:{campaign.id}",
        detail={
            **_settings(campaign),
            "units": unit_ids,
            "unit_settings": _settings_detail(settings),
        },
        address=audit.request_address(),
    )
    return campaign


def update_campaign(
    session: Session, campaign: Campaign, new: NewCampaign, *, units: dict[int, Unit], actor: Actor
) -> dict[str, Any]:
    """Change a campaign's settings and units (in the caller's write transaction), audited
    as ``campaign.changed`` with what changed. The questionnaire is fixed once the
    campaign has opened; the agency and the status never change here."""
    title = _check(new, campaign.agency_id, units)
    check_public_kind(session, campaign.questionnaire_version_id)
    check_public_kind(session, new.questionnaire_version_id, campaign.agency_id)
    settings = _unit_settings(new)
    if (
        campaign.status != "draft"
        and new.questionnaire_version_id != campaign.questionnaire_version_id
    ):
        raise CampaignError("err_campaign_questionnaire_fixed", "questionnaire")
    before = _settings(campaign)
    _apply(campaign, new, title)
    after = _settings(campaign)
    changes: dict[str, Any] = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    rows = session.execute(
        scoped(
            select(CampaignUnit).where(col(CampaignUnit.campaign_id) == campaign.id),
            "campaigns.manage",
            actor,
        )
    ).scalars()
    current = {row.unit_id: row for row in rows}
    before_settings = {u: (row.target_n, row.population) for u, row in current.items()}
    wanted = set(settings)
    for unit_id, row in current.items():
        if unit_id not in wanted:
            session.delete(row)
        elif (row.target_n, row.population) != settings[unit_id]:
            row.target_n, row.population = settings[unit_id]
            session.add(row)
    assert campaign.id is not None  # a stored campaign
    _add_units(session, campaign.id, sorted(wanted - set(current)), settings)
    if wanted != set(current):
        changes["units"] = [sorted(current), sorted(wanted)]
    kept = {u: before_settings[u] for u in wanted & set(current)}
    if any(kept[u] != settings[u] for u in kept):
        changes["unit_settings"] = [
            _settings_detail(kept),
            _settings_detail({u: settings[u] for u in kept}),
        ]
    session.add(campaign)
    session.flush()
    if changes:
        audit.record(
            session,
            "campaign.changed",
            actor=actor,
            agency_id=campaign.agency_id,
            target=f"campaign:{campaign.id}",
            detail=changes,
            address=audit.request_address(),
        )
    return changes


def _settings_detail(settings: dict[int, tuple[int | None, int | None]]) -> dict[str, Any]:
    """Per-unit settings for the audit log (JSON keys are strings)."""
    return {
        str(unit_id): {"target_n": target, "population": population}
        for unit_id, (target, population) in sorted(settings.items())
    }


TRANSITIONS = {"open": ("draft", "closed"), "closed": ("open",)}


def set_status(session: Session, campaign: Campaign, status: str, *, actor: Actor) -> None:
    """Open or close ``campaign`` (in the caller's write transaction), audited."""
    if status not in TRANSITIONS:
        raise CampaignError("err_campaign_status")
    check_public_kind(session, campaign.questionnaire_version_id)
    if campaign.status not in TRANSITIONS[status]:
        raise CampaignError("err_campaign_status")
    before = campaign.status
    campaign.status = status
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        f"campaign.{'opened' if status == 'open' else 'closed'}",
        actor=actor,
        agency_id=campaign.agency_id,
        target=f"campaign:{campaign.id}",
        detail={"from": before, "to": status},
        address=audit.request_address(),
    )


# -- signed links ---------------------------------------------------------------


def _serializer(app: Flask | None = None) -> URLSafeSerializer:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    return URLSafeSerializer(app.config["SECRET_KEY"], salt=SALT)


def link_token(campaign_id: int, unit_id: int, app: Flask | None = None) -> str:
    """The signed token of one unit's link."""
    return str(_serializer(app).dumps({"c": campaign_id, "u": unit_id}))


def read_token(token: str, app: Flask | None = None) -> tuple[int, int] | None:
    """(campaign id, unit id) from a token, or None when it is not one of ours."""
    if not token or len(token) > 200:
        return None
    try:
        data = _serializer(app).loads(token)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    campaign_id, unit_id = data.get("c"), data.get("u")
    if type(campaign_id) is not int or type(unit_id) is not int:
        return None
    return campaign_id, unit_id


def state_on(campaign: Campaign, day: date) -> str:
    """'open' (taking responses), 'not_started', or 'ended' (closed or past its period);
    a draft is 'not_started'."""
    if campaign.status == "closed" or day > campaign.ends_on:
        return "ended"
    if campaign.status == "draft" or day < campaign.starts_on:
        return "not_started"
    return "open"


@dataclass(frozen=True)
class CampaignLink:
    """A verified link: what a response that arrives through it records."""

    token: str
    campaign_id: int
    agency: Agency
    unit: Unit
    version: QuestionnaireVersion


def friendly_page(kind: str) -> NoReturn:
    """Stop the request with the visitor-facing page for a bad link: ``invalid`` (404),
    ``ended`` (410) or ``not_started`` (404), in the visitor's language."""
    language = use_language(
        pick_language(current_app.config["LANGUAGES"], request.values.get("lang"))
    )
    status = {"invalid": 404, "ended": 410, "not_started": 404}[kind]
    title, body = LINK_PAGES[kind]
    text = translator(language)
    response = make_response(
        render_template("error.html", title=text.render(title), body=text.render(body)),
        status,
    )
    abort(response)


def resolve(session: Session, token: str, ended_ok: bool = False) -> CampaignLink | None:
    """The link behind ``token``, or a friendly page (invalid, ended, not yet started).

    With ``ended_ok`` an ended campaign gives None instead of its page: answers that
    were being filled in when the campaign closed are still stored, outside it.
    """
    ids = read_token(token)
    if ids is None:
        friendly_page("invalid")
    campaign_id, unit_id = ids
    row = session.execute(
        select(Campaign, Agency, Unit, QuestionnaireVersion)
        .join(CampaignUnit, col(CampaignUnit.campaign_id) == Campaign.id)
        .join(Unit, col(Unit.id) == CampaignUnit.unit_id)
        .join(Agency, col(Agency.id) == Campaign.agency_id)
        .join(
            QuestionnaireVersion, col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id
        )
        .where(col(Campaign.id) == campaign_id, col(CampaignUnit.unit_id) == unit_id)
    ).first()
    if row is None:
        friendly_page("invalid")
    campaign, agency, unit, version = row

    if definition_of(version).kind not in PUBLIC_KINDS:
        friendly_page("invalid")  # a staff survey has one-time links, never campaign links
    state = state_on(campaign, clock.today())
    if state == "ended" and ended_ok:
        return None
    if state != "open":
        friendly_page(state)
    return CampaignLink(
        token=token, campaign_id=campaign.id, agency=agency, unit=unit, version=version
    )


def link_on_survey_page(
    session: Session,
    token: str,
    agency: Agency,
    unit: Unit | None,
    slug: str,
    ended_ok: bool = False,
) -> CampaignLink | None:
    """The campaign a survey page's ``?c=`` token names, checked against the page's
    agency, unit and questionnaire; a friendly page otherwise (None: ended, see resolve)."""
    link = resolve(session, token, ended_ok)
    if link is None:
        return None
    if (
        link.agency.id != agency.id
        or unit is None
        or link.unit.id != unit.id
        or link.version.slug != slug
    ):
        friendly_page("invalid")
    return link


# -- posters --------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    """``value`` safe as XML character data or a quoted attribute value."""
    return escape(_NOT_XML.sub("", value), {'"': "&quot;", "'": "&apos;"})


def qr_path(data: str) -> tuple[str, int]:
    """The QR code of ``data`` as one SVG path (one unit per module, quiet zone
    included) and its size in modules."""
    qr = segno.make(data, error="m", micro=False)
    # segno types the rows as iterables; they are indexed below (tuple() of a tuple is itself)
    rows = [tuple(row) for row in qr.matrix_iter(scale=1, border=4)]
    parts = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return "".join(parts), len(rows)


FONT = "'Noto Sans TC','Noto Sans CJK TC','PingFang TC','Microsoft JhengHei',sans-serif"


def poster_svg(*, url: str, agency: Agency, unit: Unit, title: str) -> str:
    """An A4 (210 × 297 mm) poster: agency and unit in both languages, the QR code,
    a bilingual call to action and the URL in text. No script, no external reference."""
    path, modules = qr_path(url)
    qr_size = 130.0
    qr_x = (210 - qr_size) / 2
    qr_y = 92.0
    url_size = min(5.0, 190 / max(1, len(url) * 0.6))

    def text(y: float, size: float, value: str, weight: str = "normal", lang: str = "") -> str:
        lang_attr = f' xml:lang="{lang}"' if lang else ""
        return (
            f'<text x="105" y="{y:g}" font-size="{size:g}" font-weight="{weight}"'
            f' text-anchor="middle"{lang_attr}>{xml_text(value)}</text>'
        )

    # Translators: the call to action under the QR code on the printed poster.
    scan = lazy_gettext("Scan to tell us how we did")
    scan_zh, scan_en = translator("zh-Hant-TW").render(scan), translator("en").render(scan)
    body = [
        text(30, 11, agency.name_zh, "bold", "zh-Hant-TW"),
        text(40, 6.5, agency.name_en, "normal", "en"),
        text(58, 9, unit.name_zh, "bold", "zh-Hant-TW"),
        text(67, 5.5, unit.name_en, "normal", "en"),
        text(80, 5, title),
        f'<g transform="translate({qr_x:g} {qr_y:g}) scale({qr_size / modules:.6f})">'
        f'<rect width="{modules}" height="{modules}" fill="#fff"/>'
        f'<path id="qr" fill="#000" d="{path}"/></g>',
        text(240, 8.5, scan_zh, "bold", "zh-Hant-TW"),
        text(251, 6.5, scan_en, "normal", "en"),
        f'<text x="105" y="270" font-size="{url_size:.2f}" text-anchor="middle"'
        f' font-family="monospace" id="url">{xml_text(url)}</text>',
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297" role="img">'
        f"<title>{xml_text(agency.name_zh)} {xml_text(unit.name_zh)} / "
        f"{xml_text(agency.name_en)} {xml_text(unit.name_en)}</title>"
        f'<rect width="210" height="297" fill="#fff"/>'
        f'<g font-family="{FONT}" fill="#111">' + "".join(body) + "</g></svg>\n"
    )


def progress(target: int, count: int) -> int:
    """Percent of the target reached (0 to 100)."""
    return min(100, math.floor(100 * count / target)) if target else 0
