"""Survey campaigns: target sample sizes, signed links, states and posters (collector.campaigns.service)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from collector.campaigns.service import CampaignError
from collector.campaigns.service import NewCampaign
from collector.campaigns.service import compute_target
from collector.campaigns.service import create_campaign
from collector.campaigns.service import link_token
from collector.campaigns.service import poster_svg
from collector.campaigns.service import qr_path
from collector.campaigns.service import read_token
from collector.campaigns.service import state_on
from collector.campaigns.service import xml_text
from collector.core.db import session_scope
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.core.questionnaires import publish

SVG = "{http://www.w3.org/2000/svg}"
XSS = '<script>alert("x")</script>&<img src=x onerror=alert(1)>'


def test_target_for_three_points_at_95_percent_is_1068() -> None:
    computed = compute_target(0.03, 0.95)
    assert computed.target == 1068
    assert computed.n_fpc is None
    assert computed.steps()[-1] == "⌈n⌉ = 1,068"
    assert any(
        "n0 = z² × p(1 − p) / e²" in line and "1,067.07" in line for line in computed.steps()
    )


def test_target_with_the_finite_population_correction() -> None:
    computed = compute_target(0.03, 0.95, population=300)
    assert computed.target == 235
    assert computed.n_fpc is not None and 234 < computed.n_fpc <= 235
    assert any("N" in line and "300" in line for line in computed.steps())


def test_target_with_a_design_effect_and_other_levels() -> None:
    assert compute_target(0.03, 0.95, design_effect=1.5).target == 1601  # ceil(1067.07 * 1.5)
    assert compute_target(0.05, 0.95).target == 385
    assert compute_target(0.03, 0.99).target > compute_target(0.03, 0.90).target
    with pytest.raises(ValueError):
        compute_target(0, 0.95)
    with pytest.raises(ValueError):
        compute_target(0.03, 1.5)


def test_link_tokens_round_trip_and_refuse_tampering(make_app: object) -> None:
    app = make_app()  # type: ignore[operator]
    other = make_app(SECRET_KEY="another key")  # type: ignore[operator]
    with app.app_context():
        token = link_token(7, 3)
        assert read_token(token) == (7, 3)
        assert read_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
        assert read_token("") is None
        assert read_token("x" * 500) is None
        assert read_token("not.a.token") is None
        _, _, signature = token.rpartition(".")
        forged = link_token(8, 3).rpartition(".")[0] + "." + signature
        assert read_token(forged) is None
    with other.app_context():
        assert read_token(token) is None  # another secret key
        assert read_token(link_token(7, 3)) == (7, 3)


def test_states_of_a_campaign() -> None:
    campaign = Campaign(
        agency_id=1,
        questionnaire_version_id=1,
        title="t",
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
        status="open",
        target_n=10,
    )
    assert state_on(campaign, date(2026, 11, 1)) == "open"
    assert state_on(campaign, date(2026, 11, 30)) == "open"
    assert state_on(campaign, date(2026, 12, 1)) == "ended"
    assert state_on(campaign, date(2026, 10, 31)) == "not_started"
    campaign.status = "closed"
    assert state_on(campaign, date(2026, 11, 15)) == "ended"
    campaign.status = "draft"
    assert state_on(campaign, date(2026, 11, 15)) == "not_started"


def test_xml_text_escapes_and_drops_what_xml_cannot_hold() -> None:
    assert xml_text('<a href="x">&\'') == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
    assert xml_text("a\x00b\x1fc\ufffe") == "abc"


def test_qr_path_is_one_path_of_modules() -> None:
    path, modules = qr_path("http://localhost/c/abc")
    assert modules >= 21 + 8  # version 1 and the quiet zone
    assert path.startswith("M") and path.endswith("z") and "h" in path


def _poster(url: str = "https://survey.example.gov.tw/c/abc.def") -> str:
    agency = Agency(code="alpha", name_zh=XSS, name_en="Agency " + XSS)
    unit = Unit(agency_id=1, code="c1", name_zh="第一櫃台" + XSS, name_en="Counter 1")
    return poster_svg(url=url, agency=agency, unit=unit, title="2026 調查 " + XSS)


def test_poster_is_valid_svg_without_script_and_with_escaped_names() -> None:
    svg = _poster()
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") == "0 0 210 297"  # A4 in millimetres
    tags = {element.tag for element in root.iter()}
    assert SVG + "script" not in tags and SVG + "foreignObject" not in tags
    for element in root.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib)
        assert not any("javascript:" in value for value in element.attrib.values())
        assert "{http://www.w3.org/1999/xlink}href" not in element.attrib
    assert "<script" not in svg and "<img" not in svg
    texts = ["".join(element.itertext()) for element in root.iter(SVG + "text")]
    assert XSS in texts  # the agency name, as text
    assert "Agency " + XSS in texts and "第一櫃台" + XSS in texts and "Counter 1" in texts
    assert "請掃描 QR code 填寫滿意度問卷" in texts and "Scan to tell us how we did" in texts
    url = root.find(f".//{SVG}text[@id='url']")
    assert url is not None and url.text == "https://survey.example.gov.tw/c/abc.def"
    qr = root.find(f".//{SVG}path[@id='qr']")
    assert qr is not None and qr.get("d", "").startswith("M")


def test_poster_url_text_stays_on_the_page_when_long() -> None:
    svg = _poster("https://survey.example.gov.tw/c/" + "a" * 150)
    root = ET.fromstring(svg.encode("utf-8"))
    url = root.find(f".//{SVG}text[@id='url']")
    assert url is not None
    size = float(url.get("font-size", "0"))
    assert size * 0.6 * len(url.text or "") <= 191


def test_the_app_secret_signs_links(app: Flask) -> None:
    with app.app_context():
        assert read_token(link_token(1, 2, app), app) == (1, 2)


def test_campaigns_refuse_questionnaires_that_are_not_public(app: Flask) -> None:
    """A staff survey runs at /staff/staff-survey (one-time links), never as a campaign."""
    from sqlalchemy import select
    from sqlmodel import Session

    from collector.campaigns.service import CampaignError
    from collector.campaigns.service import NewCampaign
    from collector.campaigns.service import create_campaign
    from collector.campaigns.service import set_status
    from collector.core.db import get_engine
    from collector.core.db import writing
    from collector.core.hooktypes import Actor
    from collector.core.questionnaires import current_version

    with (
        app.test_request_context(),
        Session(writing(get_engine(app)), expire_on_commit=False) as session,
    ):
        alpha = session.execute(select(Agency).where(Agency.code == "alpha")).scalar_one()
        units = {
            u.id: u
            for u in session.execute(select(Unit).where(Unit.agency_id == alpha.id)).scalars()
        }
        actor = Actor(None, "agency_admin", alpha.id, frozenset({alpha.id}), "test")
        staff = current_version(app, session, "staff-satisfaction")
        citizen = current_version(app, session, "citizen-satisfaction")
        assert staff is not None and citizen is not None

        def new(version_id: int) -> NewCampaign:
            return NewCampaign(
                title="t",
                questionnaire_version_id=version_id,
                unit_ids=list(units),
                starts_on=date(2026, 11, 1),
                ends_on=date(2026, 11, 30),
                target_n=10,
            )

        with pytest.raises(CampaignError) as refused:
            create_campaign(session, new(staff.id), agency_id=alpha.id, units=units, actor=actor)  # type: ignore[arg-type]
        assert refused.value.key == "err_campaign_kind"
        made = create_campaign(
            session,
            new(citizen.id),  # type: ignore[arg-type]
            agency_id=alpha.id,  # type: ignore[arg-type]
            units=units,  # type: ignore[arg-type]
            actor=actor,
        )
        session.flush()
        # A staff survey stored some other way still cannot be opened or closed here.
        made.questionnaire_version_id = staff.id  # type: ignore[assignment]
        with pytest.raises(CampaignError):
            set_status(session, made, "open", actor=actor)
        session.rollback()


def test_another_agencys_own_questionnaire_cannot_run_in_a_campaign(app: Flask) -> None:
    """An agency's own questionnaire (collector.authoring) serves its campaigns only."""
    with app.app_context(), session_scope(app) as session:
        alpha, beta = (
            session.execute(select(Agency).where(Agency.code == code)).scalar_one()
            for code in ("alpha", "beta")
        )
        own = (
            get_plugins(app)
            .questionnaires["citizen-satisfaction"]
            .model_copy(update={"slug": "beta-desk"})
        )
        version = publish(session, own, "agency:beta", beta.id)
        unit = session.execute(
            select(Unit).where(Unit.agency_id == alpha.id, Unit.code == "c1")
        ).scalar_one()
        assert alpha.id is not None and version.id is not None and unit.id is not None
        admin = Actor(None, "agency_admin", alpha.id, frozenset({alpha.id}), "test")
        new = NewCampaign(
            title="借用他機關問卷",
            questionnaire_version_id=version.id,
            unit_ids=[unit.id],
            starts_on=date(2026, 11, 1),
            ends_on=date(2026, 12, 31),
            target_n=100,
        )
        with pytest.raises(CampaignError):
            create_campaign(session, new, agency_id=alpha.id, units={unit.id: unit}, actor=admin)
        beta_unit = session.execute(
            select(Unit).where(Unit.agency_id == beta.id, Unit.code == "c1")
        ).scalar_one()
        assert beta.id is not None and beta_unit.id is not None
        beta_admin = Actor(None, "agency_admin", beta.id, frozenset({beta.id}), "test")
        mine = NewCampaign(
            title="本機關問卷",
            questionnaire_version_id=version.id,
            unit_ids=[beta_unit.id],
            starts_on=date(2026, 11, 1),
            ends_on=date(2026, 12, 31),
            target_n=100,
        )
        assert create_campaign(
            session, mine, agency_id=beta.id, units={beta_unit.id: beta_unit}, actor=beta_admin
        ).id
