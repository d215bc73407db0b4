"""Publishing an agency's own questionnaire in the console (collector.authoring.views):
upload, every problem listed and nothing kept, preview that stores nothing, publish for
one agency only, citizens answer it, and a page opened under an old version keeps it."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from collector.answers.standard_types import CORE_TYPES
from collector.authoring.models import QuestionnaireDraft
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.plugins import get_plugins
from surveys import bundled
from surveys import load
from surveys.examples import CITIZEN_ANSWERS
from surveys.xlsform import export_xlsform
from surveys.xlsform import to_sheets
from surveys.xlsform import write_xlsx
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import login as login_as

ADMIN = "admin@alpha.example.test"
BETA_ADMIN = "admin@beta.example.test"
MAPPINGS = {t.name: t.xlsform for t in CORE_TYPES}


def own_workbook(slug: str = "front-desk", label: str | None = None) -> bytes:
    q = load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))
    q = q.model_copy(update={"slug": slug})
    sheets = to_sheets(q, MAPPINGS)
    if label is not None:
        head = sheets["survey"][0]
        row = next(r for r in sheets["survey"] if r[1] == "courtesy_attitude")
        row[head.index("label::English (en)")] = label
    return write_xlsx(sheets)


def login(app: Flask, email: str) -> tuple[FlaskClient, Auth]:
    client, auth = login_as(app, email)
    client.get("/staff/?lang=en")
    return client, auth


def upload(client: FlaskClient, auth: Auth, data: bytes, name: str = "front.xlsx") -> Any:
    return client.post(
        "/staff/questionnaires/upload",
        data={"csrf_token": auth.csrf(), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(app: Flask, model: Any) -> int:
    with session_scope(app) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_bad_upload_lists_its_problems_and_changes_nothing(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    before = (count(staff_app, QuestionnaireDraft), count(staff_app, QuestionnaireVersion))
    response = upload(client, auth, own_workbook(label="<script>alert(1)</script>"))
    assert response.status_code == 422
    assert "Nothing was published" in response.text
    assert "Sheet survey, row " in response.text and "label::English (en)" in response.text
    assert "&lt;script&gt;" in response.text and "<script>alert" not in response.text
    response = upload(client, auth, b"PK\x03\x04 not really", "macro.xlsm")
    assert response.status_code == 422 and "macro-enabled (.xlsm)" in response.text
    assert (count(staff_app, QuestionnaireDraft), count(staff_app, QuestionnaireVersion)) == before


def test_a_plugin_slug_cannot_be_taken_over(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    response = upload(client, auth, own_workbook(slug="citizen-satisfaction"))
    assert response.status_code == 422
    assert "belongs to a questionnaire of plugin" in response.text


def test_upload_preview_publish_and_answer(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    response = upload(client, auth, own_workbook())
    assert response.status_code == 303
    draft_url = response.headers["Location"]
    page = client.get(draft_url)
    assert "A new questionnaire: publishing makes version 1." in page.text
    preview_url = draft_url + "/preview?lang=en"
    preview = client.get(preview_url)
    assert preview.status_code == 200 and "Nothing you send here is stored" in preview.text
    responses = count(staff_app, Response)
    sent = client.post(
        preview_url,
        data={
            "csrf_token": csrf_token(preview.text),
            "lang": "en",
            "q_service_type": "payment",
            "q_first_visit": "yes",
        },
    )
    assert "nothing was stored" in sent.text or sent.status_code == 422
    assert count(staff_app, Response) == responses

    # other agencies never see the draft
    beta, _ = login(staff_app, BETA_ADMIN)
    assert beta.get(draft_url).status_code == 404

    published = client.post(draft_url + "/publish", data={"csrf_token": auth.csrf()})
    assert published.status_code == 303
    listing = client.get("/staff/questionnaires/upload")
    assert "is published as version 1 for your agency" in listing.text
    with session_scope(staff_app) as session:
        version = session.execute(
            select(QuestionnaireVersion).where(QuestionnaireVersion.slug == "front-desk")
        ).scalar_one()
        assert version.owner_agency_id is not None
        actions = set(session.execute(select(AuditEvent.action)).scalars())
    assert {"questionnaire.uploaded", "questionnaire.published"} <= actions

    # citizens of alpha answer it; beta does not offer it
    citizen = staff_app.test_client()
    assert citizen.get("/s/beta/front-desk").status_code == 404
    form = citizen.get("/s/alpha/front-desk?lang=en")
    assert form.status_code == 200
    answers = _answers(form.text)
    done = citizen.post("/s/alpha/front-desk?lang=en", data=answers)
    assert done.status_code == 303, done.text[:2000]
    with session_scope(staff_app) as session:
        stored = session.execute(
            select(Response).order_by(Response.id.desc()).limit(1)
        ).scalar_one()
        assert stored.questionnaire_version_id == version.id


def test_a_page_opened_under_an_old_version_submits_under_it(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    for slug_label in (None, "Staff were friendly (new wording)"):
        response = upload(client, auth, own_workbook(label=slug_label))
        assert response.status_code == 303
        if slug_label is None:
            client.post(response.headers["Location"] + "/publish", data={"csrf_token": auth.csrf()})
            citizen = staff_app.test_client()
            old_page = citizen.get("/s/alpha/front-desk?lang=en")
        else:
            client.post(response.headers["Location"] + "/publish", data={"csrf_token": auth.csrf()})
    with session_scope(staff_app) as session:
        versions = {
            v.version: v.id
            for v in session.execute(
                select(QuestionnaireVersion).where(QuestionnaireVersion.slug == "front-desk")
            ).scalars()
        }
    assert set(versions) == {1, 2}
    assert f'name="questionnaire_version" type="hidden" value="{versions[1]}"' in old_page.text
    done = citizen.post("/s/alpha/front-desk?lang=en", data=_answers(old_page.text))
    assert done.status_code == 303
    with session_scope(staff_app) as session:
        stored = session.execute(
            select(Response).order_by(Response.id.desc()).limit(1)
        ).scalar_one()
        assert stored.questionnaire_version_id == versions[1]
        assert (
            stored.answers["courtesy_attitude"] == [[5.0, None]]
            or "courtesy_attitude" in stored.answers
        )


def test_export_gives_a_workbook_that_imports_back(staff_app: Flask) -> None:
    client, _ = login(staff_app, ADMIN)
    response = client.get("/staff/questionnaires/export/citizen-satisfaction?format=xlsform")
    assert response.status_code == 200
    with staff_app.app_context():  # as registered: the bundled file with its translations merged
        q = get_plugins().questionnaires["citizen-satisfaction"]
    assert response.data[:2] == b"PK"
    from surveys.xlsform import import_xlsform

    assert import_xlsform(response.data, MAPPINGS).questionnaire == q
    assert export_xlsform(q, MAPPINGS)[:2] == b"PK"
    assert client.get("/staff/questionnaires/export/no-such?format=yaml").status_code == 404


def _answers(html: str) -> dict[str, str]:
    """The example complete answer (surveys.examples) with the page's hidden fields."""
    data = dict(re.findall(r'<input name="([^"]+)" type="hidden" value="([^"]*)"', html))
    data.update(
        dict(re.findall(r'<input id="[^"]*" name="([^"]+)" type="hidden" value="([^"]*)"', html))
    )
    data["csrf_token"] = csrf_token(html)
    data["lang"] = "en"
    data.update({f"q_{key}": str(value) for key, value in CITIZEN_ANSWERS.items()})
    return data
