"""The complainant's one-time follow-up page and the phone sample pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import update

from collector.complaints.service import CaseService
from collector.core.clock import utcnow
from collector.core.db import session_scope
from collector.core.models import Complaint
from collector.core.models import ComplaintFollowup
from collector.core.models import ComplaintPolicy
from collector.core.models import Response
from tests.helpers import complaints as fd
from tests.helpers.database import audit_events
from tests.helpers.web import client_as
from tests.helpers.web import csrf_token


@pytest.fixture
def fapp(outbox_app: Flask) -> Flask:
    app = outbox_app
    app.config["ROADS"] = fd.add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    return app


def _closed_with_link(app: Flask, **contact: Any) -> tuple[int, str]:
    case_id = fd.closed_case(
        app, app.config["ROADS"], email="citizen@example.test", name="王小明", **contact
    )
    links = fd.feedback_links(app)
    assert links, "closing mailed no follow-up link"
    return case_id, links[-1]


def _responses(app: Flask) -> list[Response]:
    with session_scope(app) as session:
        return list(session.execute(select(Response)).scalars())


def _followup(app: Flask, case_id: int) -> ComplaintFollowup:
    with session_scope(app) as session:
        return session.execute(
            select(ComplaintFollowup).where(ComplaintFollowup.complaint_id == case_id)
        ).scalar_one()


def _restrict(app: Flask, case_id: int) -> None:
    with session_scope(app) as session:
        session.execute(
            update(Complaint).where(Complaint.id == case_id).values(restricted_at=utcnow())
        )


def test_the_link_from_the_mail_opens_the_questionnaire_once(fapp: Flask) -> None:
    case_id, link = _closed_with_link(fapp)
    client = fapp.test_client()
    page = client.get(link)
    assert page.status_code == 200
    assert "陳情案件處理滿意度調查" in page.text
    assert "與您的陳情案件連結" in page.text  # the notice says the answer is linked
    assert "本問卷匿名填答" not in page.text
    done = client.post(link, data=fd.answer_form(page.text))
    assert done.status_code == 200
    assert "感謝您的寶貴意見" in done.text
    [response] = _responses(fapp)
    case = fd.load(fapp, case_id)
    followup = _followup(fapp, case_id)
    assert (response.channel, response.agency_id, response.unit_id) == (
        "online",
        case.agency_id,
        case.unit_id,
    )
    assert followup.used_at is not None and followup.response_id == response.id
    again = client.get(link)
    assert again.status_code == 410
    assert "這個問卷連結已無法使用" in again.text
    assert client.post(link, data=fd.answer_form(page.text)).status_code == 410
    assert len(_responses(fapp)) == 1


def test_a_double_submit_stores_one_response(fapp: Flask) -> None:
    _case_id, link = _closed_with_link(fapp)
    client = fapp.test_client()
    page = client.get(link)
    body = fd.answer_form(page.text)
    first = client.post(link, data=body)
    second = client.post(link, data=body)
    assert (first.status_code, second.status_code) == (200, 410)
    assert len(_responses(fapp)) == 1


def test_the_response_is_in_the_case_agency_and_unit(fapp: Flask) -> None:
    from collector.core.models import Unit

    with session_scope(fapp) as session:
        unit = session.execute(select(Unit).where(Unit.code == "c2")).scalars().first()
        assert unit is not None
        unit_id = unit.id
    case_id, link = _closed_with_link(fapp)
    with session_scope(fapp) as session:
        session.execute(update(Complaint).where(Complaint.id == case_id).values(unit_id=unit_id))
    client = fapp.test_client()
    page = client.get(link)
    client.post(link, data=fd.answer_form(page.text))
    [response] = _responses(fapp)
    assert response.unit_id == unit_id


@pytest.mark.parametrize(
    "token", ["not-a-token", "x" * 300, "%00", "'; DROP TABLE complaint;--", "<script>"]
)
def test_unknown_tokens_get_the_kind_page(fapp: Flask, token: str) -> None:
    response = fapp.test_client().get(f"/complaints/feedback/{token}")
    assert response.status_code == 410
    assert "<script>" not in response.text


def test_an_expired_link_is_refused_kindly(fapp: Flask) -> None:
    case_id, link = _closed_with_link(fapp)
    followup = _followup(fapp, case_id)
    followup.sent_at = followup.sent_at - timedelta(days=61)  # type: ignore[operator]
    with session_scope(fapp) as session:
        session.add(followup)
    assert fapp.test_client().get(link).status_code == 410


def test_invalid_answers_keep_the_link_unused(fapp: Flask) -> None:
    case_id, link = _closed_with_link(fapp)
    client = fapp.test_client()
    page = client.get(link)
    answers = dict(fd.ANSWERS, overall_satisfaction="9", proc_ease="")
    bad = client.post(link, data=fd.answer_form(page.text, answers))
    assert bad.status_code == 422
    assert _responses(fapp) == []
    assert _followup(fapp, case_id).used_at is None
    good = client.post(link, data=fd.answer_form(bad.text))
    assert good.status_code == 200


def test_anonymous_and_opted_out_cases_get_no_link(fapp: Flask) -> None:
    fd.closed_case(fapp, fapp.config["ROADS"], anonymous=True)
    assert fd.feedback_links(fapp) == []
    with session_scope(fapp) as session:
        session.add(ComplaintPolicy(agency_id=fd.agency(session, "alpha").id, followup=False))
    fd.closed_case(fapp, fapp.config["ROADS"], email="x@example.test", name="A")
    assert fd.feedback_links(fapp) == []


def test_a_restricted_case_link_is_refused(fapp: Flask) -> None:
    case_id, link = _closed_with_link(fapp)
    _restrict(fapp, case_id)
    assert fapp.test_client().get(link).status_code == 410


# -- the phone sample in the console ------------------------------------------------


CALL = re.compile(r'href="(/staff/cases/followup/call/\d+)"')


def _draw(client: Any, size: str, **fields: str) -> str:
    """Draw a phone sample of October 2026's closed cases; the sample's page."""
    token = csrf_token(client.get("/staff/cases/followup").text)
    period = {"start": "2026-10-01", "end": "2026-10-31", "size": size}
    drawn = client.post("/staff/cases/followup", data={"csrf_token": token, **period, **fields})
    assert drawn.status_code == 303
    return drawn.headers["Location"]


def _calls(client: Any, sample_url: str) -> list[str]:
    """The call pages linked from a sample's page."""
    return CALL.findall(client.get(sample_url).text)


def _console(app: Flask) -> Any:
    """The administrator's console on 3 November 2026, when October's closed cases are
    drawn."""
    fd.pin(app, "2026-11-03")
    return client_as(app, fd.ADMIN)


def _phone_cases(app: Flask, n: int, outcome: str = "upheld", **contact: Any) -> list[int]:
    fd.pin(app, "2026-10-05")
    ids = []
    for i in range(n):
        filed = fd.file_case(
            app, "alpha", app.config["ROADS"], name=f"民眾{i}", phone=f"0912-000-{i:03d}", **contact
        )
        fd.close_case(app, filed.case.id, outcome, replied="2026-10-06", closed="2026-10-07")  # type: ignore[arg-type]
        ids.append(filed.case.id)
    return ids  # type: ignore[return-value]


def test_draw_call_and_key_in_a_phone_interview(fapp: Flask) -> None:
    ids = _phone_cases(fapp, 4)
    client = _console(fapp)
    assert client.get("/staff/cases/followup").status_code == 200
    sample_url = _draw(client, "3", size_kind="per_stratum", seed="42")
    listing = client.get(sample_url)
    assert listing.status_code == 200
    assert "3 / 4" in listing.text
    assert "0912" not in listing.text  # no phone number on the list
    call_links = CALL.findall(listing.text)
    assert len(call_links) == 3
    call = client.get(call_links[0])
    assert call.status_code == 200
    assert re.search(r"0912-000-\d{3}", call.text)
    assert len(audit_events(fapp, "complaint.identity_viewed")) == 1
    saved = client.post(call_links[0], data=fd.answer_form(call.text))
    assert saved.status_code == 303 and "saved=" in saved.headers["Location"]
    [response] = _responses(fapp)
    assert response.channel == "phone"
    assert response.entered_by == fd.user_id(fapp, fd.ADMIN)
    again = client.post(call_links[0], data=fd.answer_form(call.text))
    assert again.status_code == 303 and "already=" in again.headers["Location"]
    assert len(_responses(fapp)) == 1
    with session_scope(fapp) as session:
        rows = (
            session.execute(select(ComplaintFollowup).where(ComplaintFollowup.channel == "phone"))
            .scalars()
            .all()
        )
    assert len(rows) == 3 and {r.complaint_id for r in rows} <= set(ids)
    assert sum(1 for r in rows if r.response_id is not None) == 1


def test_draw_errors_are_explained_not_500(fapp: Flask) -> None:
    client = client_as(fapp, fd.ADMIN)
    token = csrf_token(client.get("/staff/cases/followup").text)
    for data in (
        {"start": "nonsense", "end": "2026-10-31", "size": "3"},
        {"start": "2026-10-01", "end": "2026-10-31", "size": "x"},
        {"start": "2026-10-01", "end": "2026-10-31", "size": "0"},
        {"start": "2026-10-01", "end": "2026-10-31", "size_kind": "fraction", "size": "1.5"},
        {"start": "2026-10-31", "end": "2026-10-01", "size": "3"},
        {"start": "2020-01-01", "end": "2026-10-01", "size": "3"},
        {"start": "2026-10-01", "end": "2026-10-31", "size": "3", "seed": "abc"},
        {"start": "2026-10-01", "end": "2026-10-31", "size": "3"},  # nothing to draw
    ):
        response = client.post("/staff/cases/followup", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        assert "error-summary" in response.text


def test_another_agency_cannot_see_or_key_in_a_sample(fapp: Flask) -> None:
    _phone_cases(fapp, 2)
    client = _console(fapp)
    sample_url = _draw(client, "2")
    call_url = _calls(client, sample_url)[0]
    beta = client_as(fapp, "admin@beta.example.test")
    assert beta.get(sample_url).status_code == 404
    assert beta.get(call_url).status_code == 404
    assert "S2026" not in beta.get("/staff/cases/followup").text
    handler = client_as(fapp, "cases@alpha.example.test")
    assert handler.get(sample_url).status_code == 403


def test_category_names_are_escaped_on_the_call_list(fapp: Flask) -> None:
    evil = fd.add_category(fapp, "alpha", "evil", name_zh="<script>alert(1)</script>")
    fd.pin(fapp, "2026-10-05")
    filed = fd.file_case(fapp, "alpha", evil, name="甲", phone="0912345678")
    fd.close_case(fapp, filed.case.id, "explained", replied="2026-10-06", closed="2026-10-07")  # type: ignore[arg-type]
    client = _console(fapp)
    page = client.get(_draw(client, "1"))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_a_reclosed_case_gets_one_new_link_and_one_answer_at_most(fapp: Flask) -> None:

    def reclose(reason: str, body: str) -> None:
        fd.act(
            fapp,
            case_id,
            fd.ADMIN,
            lambda s, c, a: CaseService(fapp, s, a).reopen(c, reason=reason),
        )
        fd.act(fapp, case_id, fd.ADMIN, lambda s, c, a: CaseService(fapp, s, a).reply(c, body=body))
        fd.act(
            fapp,
            case_id,
            fd.ADMIN,
            lambda s, c, a: CaseService(fapp, s, a).close(c, outcome="upheld"),
        )

    case_id, first = _closed_with_link(fapp)
    reclose("未修好", "已修好")
    links = fd.feedback_links(fapp)
    assert len(links) == 2 and links[0] == first
    client = fapp.test_client()
    assert client.get(first).status_code == 410  # the earlier link stopped working
    page = client.get(links[1])
    assert client.post(links[1], data=fd.answer_form(page.text)).status_code == 200
    reclose("又壞了", "再修")
    assert len(fd.feedback_links(fapp)) == 2  # answered already: no third link
    assert len(_responses(fapp)) == 1


def test_a_restricted_case_is_not_called(fapp: Flask) -> None:
    [case_id] = _phone_cases(fapp, 1)
    client = _console(fapp)
    call_url = _calls(client, _draw(client, "1"))[0]
    _restrict(fapp, case_id)
    refused = client.get(call_url)
    assert refused.status_code == 303 and "gone=" in refused.headers["Location"]
    assert "不再進行訪問" in client.get(refused.headers["Location"]).text
    assert "0912" not in client.get(refused.headers["Location"]).text


def test_calls_without_an_interview_are_noted_and_counted(fapp: Flask) -> None:
    from collector.core.models import ComplaintEvent

    _phone_cases(fapp, 3)
    client = _console(fapp)
    sample_url = _draw(client, "3")
    calls = _calls(client, sample_url)
    assert len(calls) == 3
    first = client.get(calls[0])
    for disposition in ("no_contact", "refused"):
        noted = client.post(
            calls[0], data={"csrf_token": csrf_token(first.text), "disposition": disposition}
        )
        assert noted.status_code == 303 and "noted=" in noted.headers["Location"]
    bad = client.post(calls[1], data={"csrf_token": csrf_token(first.text), "disposition": "x"})
    assert bad.status_code == 400
    second = client.get(calls[1])
    client.post(calls[1], data=fd.answer_form(second.text))
    page = client.get(sample_url).text
    assert "拒訪 ×2" in page
    assert "33.3%" in page  # RR1: 1 interview of 3 drawn (1 refused, 1 not called yet)
    with session_scope(fapp) as session:
        events = (
            session.execute(select(ComplaintEvent).where(ComplaintEvent.kind == "followup_attempt"))
            .scalars()
            .all()
        )
    assert len(events) == 2 and all(not e.public for e in events)


def test_an_english_complainant_gets_the_page_in_english(fapp: Flask) -> None:
    fd.closed_case(
        fapp, fapp.config["ROADS"], email="smith@example.test", name="Smith", language="en"
    )
    [message] = [m for m in fd.outbox(fapp) if "How did we handle" in m.subject]
    link = fd.LINK.findall(message.body)[0]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1] + "?lang=en"
    assert path.split("?")[0] in fd.feedback_links(fapp)
    assert "?lang=en" in message.body
    page = fapp.test_client().get(path)
    assert page.status_code == 200
    assert "Complaint Handling Satisfaction Survey" in page.text
    assert "linked to your complaint case" in page.text


def test_the_call_list_shows_phones_on_request_each_audited(fapp: Flask) -> None:
    _phone_cases(fapp, 3)
    client = _console(fapp)
    sample_url = _draw(client, "2")
    assert "0912" not in client.get(sample_url).text
    shown = client.get(sample_url + "?phones=1")
    assert len(re.findall(r"0912-000-\d{3}", shown.text)) == 2
    assert len(audit_events(fapp, "complaint.identity_viewed")) == 2


def test_analysts_export_the_answers_with_their_design(fapp: Flask) -> None:
    import csv
    import io

    _phone_cases(fapp, 4)
    client = _console(fapp)
    calls = _calls(client, _draw(client, "3"))
    for url in calls[:2]:
        page = client.get(url)
        answers = dict(fd.ANSWERS, comment='=HYPERLINK("http://x")')
        client.post(url, data=fd.answer_form(page.text, answers))
    analyst = client_as(fapp, "analyst@alpha.example.test")
    response = analyst.get("/staff/cases/followup/export.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 2
    for row in rows:
        assert (row["channel"], row["category"], row["outcome"]) == ("phone", "roads", "upheld")
        assert (row["N"], row["n"], row["r"]) == ("4", "3", "2")
        assert float(row["weight"]) == 2.0  # N / r
        assert row["overall_satisfaction"] == "5" and row["proc_courtesy"] == "na"
        assert row["comment"].startswith("'=")  # a formula defused
    assert "0912" not in response.text and "民眾" not in response.text
    assert "20261005-" not in response.text  # no case number
    assert len(audit_events(fapp, "responses.export")) == 1
    beta = client_as(fapp, "analyst@beta.example.test")
    assert len(beta.get("/staff/cases/followup/export.csv").text.strip().splitlines()) == 1
    handler = client_as(fapp, "cases@alpha.example.test")
    assert handler.get("/staff/cases/followup/export.csv").status_code == 403
    with session_scope(fapp) as session:
        alpha_id = fd.agency(session, "alpha").id
    assert beta.get(f"/staff/cases/followup/export.csv?agency={alpha_id}").status_code == 404
