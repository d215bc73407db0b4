"""An agency's own questionnaire from upload to results: an XLSForm workbook made in a
spreadsheet program (here: openpyxl) is uploaded, published, chosen for a campaign
(never offered to another agency), answered through the campaign's link, and read back
on the results pages."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Campaign
from collector.core.models import Response
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import hidden
from tests.helpers.web import login

ADMIN = "admin@alpha.example.test"
BETA_ADMIN = "admin@beta.example.test"
ANALYST = "analyst@alpha.example.test"
LABELS = ("label::中文 (zh-Hant-TW)", "label::English (en)")
PRIVACY = ("controller", "purpose", "categories", "use", "rights", "optional_data")


def desk_workbook() -> bytes:
    """A short front-desk questionnaire, typed as an administrator would type it."""
    book = openpyxl.Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", *LABELS, "required", "appearance"])
    survey.append(["begin_group", "privacy_notice", "個資告知", "Personal data notice", "", ""])
    for part in PRIVACY:
        survey.append(["note", part, f"{part}：說明。", f"{part}: text.", "", ""])
    survey.append(["end_group", "", "", "", "", ""])
    survey.append(["begin_group", "desk", "櫃台服務", "Front desk", "", "table-list"])
    survey.append(["select_one sat", "desk_speed", "辦理速度", "Speed", "yes", ""])
    survey.append(["select_one sat", "desk_manner", "服務態度", "Manner", "yes", ""])
    survey.append(["end_group", "", "", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *LABELS])
    for value, zh, en in [("5", "很好", "Very good"), ("3", "普通", "Fair"), ("1", "很差", "Poor")]:
        choices.append(["sat", value, zh, en])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append(["櫃台服務調查", "desk-check", "中文 (zh-Hant-TW)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Any, auth: Auth, data: bytes) -> Any:
    return client.post(
        "/staff/questionnaires/upload",
        data={"csrf_token": auth.csrf(), "file": (io.BytesIO(data), "desk.xlsx")},
        content_type="multipart/form-data",
    )


def units(app: Flask) -> dict[str, int]:
    from collector.core.models import Unit
    from tests.helpers.organisation import agency_id

    with session_scope(app) as session:
        rows = session.execute(
            select(Unit.code, Unit.id).where(Unit.agency_id == agency_id(app, "alpha"))
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_upload_publish_campaign_answer_and_read_the_results(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    uploaded = upload(client, auth, desk_workbook())
    assert uploaded.status_code == 303, uploaded.text[:3000]
    published = client.post(
        uploaded.headers["Location"] + "/publish", data={"csrf_token": auth.csrf()}
    )
    assert published.status_code == 303

    # The campaign form offers it beside the registered questionnaires; beta's does not.
    form = client.get("/staff/campaigns/new?lang=en")
    assert re.search(r'<option value="desk-check">[^<]*v1, your agency', form.text)
    assert 'value="citizen-satisfaction"' in form.text
    beta, _ = login(staff_app, BETA_ADMIN)
    assert "desk-check" not in beta.get("/staff/campaigns/new").text
    created = client.post(
        "/staff/campaigns/new",
        data={
            "title": "櫃台服務調查 2026",
            "questionnaire": "desk-check",
            "units": [str(units(staff_app)["c1"])],
            "starts_on": "2026-11-23",
            "ends_on": "2026-12-31",
            "target_mode": "typed",
            "target_n": "100",
            "confidence": "0.95",
            "design_effect": "1",
            "csrf_token": auth.csrf(),
        },
    )
    assert created.status_code == 303, created.text[:3000]
    campaign_id = int(created.headers["Location"].rsplit("/", 1)[1])
    opened = client.post(f"/staff/campaigns/{campaign_id}/open", data={"csrf_token": auth.csrf()})
    assert opened.status_code == 303
    detail = client.get(f"/staff/campaigns/{campaign_id}").text
    token = re.search(r"/c/([A-Za-z0-9._:-]+)", detail)
    assert token is not None

    # Citizens answer through the link: the grid's rows, one radio per option.
    citizen = staff_app.test_client()
    location = citizen.get(f"/c/{token.group(1)}").headers["Location"]
    assert location.startswith("/s/alpha/c1/desk-check?")
    for n in range(6):
        page = citizen.get(location + "&lang=en").text
        assert (
            '<th scope="row">' in page
            and 'aria-labelledby="item-desk_speed choice-q-desk_speed-0"' in page
        )
        sent = citizen.post(
            location + "&lang=en",
            data={
                "csrf_token": csrf_token(page),
                "submission_token": hidden(page, "submission_token"),
                "started": hidden(page, "started"),
                "lang": "en",
                "questionnaire_version": hidden(page, "questionnaire_version"),
                "q_desk_speed": "5" if n % 2 else "3",
                "q_desk_manner": "5",
            },
        )
        assert sent.status_code == 303, sent.text[:3000]
    with session_scope(staff_app) as session:
        stored = list(
            session.execute(select(Response).where(Response.campaign_id == campaign_id)).scalars()
        )
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
    assert len(stored) == 6 and {r.channel for r in stored} == {"qr"}

    # The results pages list it and read its answers; beta's analyst never sees it.
    analyst, _ = login(staff_app, ANALYST)
    results = analyst.get(f"/staff/results?questionnaire=desk-check&wave=c{campaign_id}&lang=en")
    assert results.status_code == 200
    assert '<option value="desk-check" selected>' in results.text
    assert "No data yet." not in results.text
    assert re.search(r"\b6\b", results.text.split('id="section-design"')[1])
    export = analyst.get(
        "/staff/results/export", query_string={"format": "csv", "questionnaire": "desk-check"}
    )
    assert export.status_code == 200 and export.data.decode("utf-8-sig").count("\r\n") == 7
    other, _ = login(staff_app, "analyst@beta.example.test")
    assert 'value="desk-check"' not in other.get("/staff/results?lang=en").text
