"""The staff survey through its pages: import, invitations in the outbox, one-time links,
reminders, response rates with small cells suppressed, escaping, header injection,
and the unlinkability of answers to invitations."""

from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import text

from collector.core import mail
from collector.core.db import session_scope
from collector.core.models import Campaign
from collector.core.models import Response
from collector.core.models import StaffInvitation
from collector.core.models import Unit
from collector.jobs.worker import drain
from collector.mailqueue.outbox import MailMessage
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import form_data
from tests.helpers.web import hidden
from tests.helpers.web import logged_in

ADMIN = "admin@alpha.example.test"
LIKERT = [
    "env_space", "env_equipment", "env_systems", "env_safety",
    "lead_direction", "lead_listening", "lead_fairness", "lead_information",
    "load_amount", "load_division", "load_staffing", "load_balance",
    "train_relevance", "train_access", "train_career", "train_growth",
    "proc_simple", "proc_support", "proc_coordination", "proc_sharing",
    "innov_encouraged", "innov_channel", "innov_feedback", "innov_recognition",
]  # fmt: skip
LINK = re.compile(r"https?://[^\s/]+(/t/[A-Za-z0-9_-]+)")


def staff_answers(overall: int = 4, comment: str = "") -> dict[str, Any]:
    answers: dict[str, Any] = {key: 4 for key in LIKERT}
    answers["overall_satisfaction"] = overall
    if comment:
        answers["comment"] = comment
    return answers


@pytest.fixture
def ss_app(staff_app: Flask, tmp_path: Path) -> Flask:
    staff_app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    staff_app.config["RATELIMIT_ENABLED"] = False
    return staff_app


@pytest.fixture
def admin(ss_app: Flask) -> Any:
    client = ss_app.test_client()
    assert logged_in(Auth(client).login(ADMIN))
    return client


def csrf(client: Any) -> str:
    return csrf_token(client.get("/staff/staff-survey").text)


def create_survey(client: Any, title: str = "2026 員工滿意度") -> int:
    page = client.get("/staff/staff-survey")
    response = client.post(
        "/staff/staff-survey",
        data={"title": title, "ends_on": "2099-12-31", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 303, response.text
    return int(re.search(r"campaign=(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]


def upload(client: Any, campaign: int, content: bytes) -> Any:
    import io

    return client.post(
        f"/staff/staff-survey/import?campaign={campaign}",
        data={"csrf_token": csrf(client), "staff_list": (io.BytesIO(content), "staff.csv")},
        content_type="multipart/form-data",
    )


def post(client: Any, action: str, campaign: int, **data: Any) -> Any:
    return client.post(
        f"/staff/staff-survey/{action}?campaign={campaign}",
        data={"csrf_token": csrf(client), **data},
    )


def outbox(app: Flask) -> list[Any]:
    """Every filed message, oldest first, parsed, once the queued jobs (the mail
    outbox's deliveries) have run."""
    drain(app)
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob("*/*.eml"))
    return [BytesParser(policy=policy.default).parsebytes(f.read_bytes()) for f in files]


def links_by_address(messages: list[Any]) -> dict[str, str]:
    out = {}
    for message in messages:
        body = message.get_body(preferencelist=("plain",)).get_content()
        out[str(message["To"])] = LINK.search(body).group(1)  # type: ignore[union-attr]
    return out


def answer(app: Flask, path: str, **answers: Any) -> Any:
    """Answer through the link as a fresh browser (no staff session)."""
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200, page.text
    data = form_data(answers or staff_answers())
    data["csrf_token"] = csrf_token(page.text)
    data["submission_token"] = hidden(page.text, "submission_token")
    return client.post(path, data=data)


def staff_csv(c1: int, c2: int) -> bytes:
    rows = ["email,unit"]
    rows += [f"p{i}@alpha.example.test,c1" for i in range(c1)]
    rows += [f"q{i}@alpha.example.test,c2" for i in range(c2)]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


def responses(app: Flask) -> list[Response]:
    with session_scope(app) as session:
        return list(session.execute(select(Response)).scalars())


@pytest.fixture
def invited(ss_app: Flask, admin: Any) -> tuple[int, dict[str, str]]:
    """A survey of 6 staff in c1 and 2 in c2, invitations sent; (campaign, links)."""
    campaign = create_survey(admin)
    assert upload(admin, campaign, staff_csv(6, 2)).status_code == 303
    sent = post(admin, "invite", campaign)
    assert sent.status_code == 303
    assert "n=8" in sent.headers["Location"]
    return campaign, links_by_address(outbox(ss_app))


def test_invitations_land_in_the_outbox_with_a_working_one_time_link(
    ss_app: Flask, invited: tuple[int, dict[str, str]]
) -> None:
    _, links = invited
    assert len(links) == 8
    assert len(set(links.values())) == 8
    message = outbox(ss_app)[0]
    assert message.get_content_type() == "text/plain"
    assert (
        "內部員工滿意度調查" in message.get_content() and "Dear colleague" in message.get_content()
    )
    assert message["X-Collector-Agency"].split()[0].isdigit()

    path = links["p0@alpha.example.test"]
    done = answer(ss_app, path)
    assert done.status_code == 200
    assert "感謝" in done.text or "Thank" in done.text
    assert len(responses(ss_app)) == 1

    # The same link again: a friendly page, nothing stored.
    again = ss_app.test_client().get(path)
    assert again.status_code == 410
    assert "無法使用" in again.text
    client = ss_app.test_client()
    page = client.get(links["p1@alpha.example.test"])
    data = form_data(staff_answers())
    data["csrf_token"] = csrf_token(page.text)
    assert client.post(path, data=data).status_code == 410
    assert len(responses(ss_app)) == 1
    # Unknown and malformed tokens: the same page, never an error.
    assert ss_app.test_client().get("/t/nonsense").status_code == 410
    assert ss_app.test_client().get("/t/" + "x" * 500).status_code == 410


def test_the_response_records_campaign_and_coarse_date(
    ss_app: Flask, invited: tuple[int, dict[str, str]]
) -> None:
    campaign, links = invited
    answer(ss_app, links["p0@alpha.example.test"])
    answer(ss_app, links["q0@alpha.example.test"])
    stored = responses(ss_app)
    assert {r.campaign_id for r in stored} == {campaign}
    assert {r.channel for r in stored} == {"online"}
    for r in stored:
        at = r.submitted_at
        assert (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0)
        assert r.started_at is None and r.idempotency_key is None
    with session_scope(ss_app) as session:
        c1 = session.execute(select(Unit.id).where(Unit.code == "c1")).scalars().first()
    units = sorted((r.unit_id or 0) for r in stored)
    # c1 has 6 invitees: its unit is kept; c2 has 2: the unit is not recorded.
    assert 0 in units and any(u != 0 for u in units)
    assert c1 is not None


def test_reminders_go_only_to_those_who_have_not_answered(
    ss_app: Flask, admin: Any, invited: tuple[int, dict[str, str]]
) -> None:
    campaign, links = invited
    answer(ss_app, links["p0@alpha.example.test"])
    answer(ss_app, links["q1@alpha.example.test"])
    before = len(outbox(ss_app))
    reminded = post(admin, "remind", campaign)
    assert reminded.status_code == 303 and "n=6" in reminded.headers["Location"]
    new = outbox(ss_app)[before:]
    addresses = {str(m["To"]) for m in new}
    assert addresses == set(links) - {"p0@alpha.example.test", "q1@alpha.example.test"}
    assert all("提醒" in str(m["Subject"]) for m in new)
    fresh = links_by_address(new)
    # The reminder's link replaces the old one.
    assert ss_app.test_client().get(links["p1@alpha.example.test"]).status_code == 410
    assert answer(ss_app, fresh["p1@alpha.example.test"]).status_code == 200
    page = admin.get(f"/staff/staff-survey/manage?campaign={campaign}")
    assert page.status_code == 200
    # Per unit: invited, with e-mail, sent, reminded, not answered yet.
    assert _status_row(page.text, "c1") == ["6", "6", "6", "5", "4"]
    assert _status_row(page.text, "c2") == ["2", "2", "2", "1", "1"]


def _status_row(page: str, code: str) -> list[str]:
    """The invitation counts of unit ``code`` on the manage page."""
    match = re.search(rf"\({code}\)</td>(.*?)</tr>", page, re.S)
    assert match, code
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td>(.*?)</td>", match.group(1))
    ]


def _result_rows(app: Flask, campaign: int) -> tuple[dict[str, str], str]:
    analyst = app.test_client()
    assert logged_in(Auth(analyst).login("analyst@alpha.example.test"))
    page = analyst.get(f"/staff/staff-survey/results?campaign={campaign}")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="(unit|other|overall)-row">(.*?)</tr>', page.text, re.S)
    return {kind if kind != "unit" else _code(row): row for kind, row in rows}, page.text


def test_response_rates_by_unit_with_cells_under_5_suppressed(
    ss_app: Flask, invited: tuple[int, dict[str, str]]
) -> None:
    campaign, links = invited
    for i in range(5):
        answer(ss_app, links[f"p{i}@alpha.example.test"], **staff_answers(overall=5 - i % 2))
    cells, text = _result_rows(ss_app, campaign)
    assert "83.3%" in cells["c1"] and "<td>5</td>" in cells["c1"]  # 5 of 6
    assert "&lt;5" in cells["c2"] and "0.0%" not in cells["c2"]  # 0 of 2: suppressed
    assert "&lt;5" in cells["other"]
    assert "<td>5</td>" in cells["overall"] and "62.5%" in cells["overall"]  # 5 of 8
    assert "整體工作滿意度" in text or "Overall job satisfaction" in text
    assert "100.0% · 4.60" in cells["c1"]  # satisfaction: 5, 4, 5, 4, 5
    # Counter staff may not read results; beta's analyst gets 404 for alpha's survey.
    counter = ss_app.test_client()
    assert logged_in(Auth(counter).login("counter@alpha.example.test"))
    assert counter.get(f"/staff/staff-survey/results?campaign={campaign}").status_code == 403
    beta = ss_app.test_client()
    assert logged_in(Auth(beta).login("analyst@beta.example.test"))
    assert beta.get(f"/staff/staff-survey/results?campaign={campaign}").status_code == 404


def test_a_small_unit_cannot_be_recovered_from_the_total(
    ss_app: Flask, invited: tuple[int, dict[str, str]]
) -> None:
    """c2's 2 respondents would be total minus c1: c1 is merged too (secondary suppression)."""
    campaign, links = invited
    for i in range(5):
        answer(ss_app, links[f"p{i}@alpha.example.test"])
    for i in range(2):
        answer(ss_app, links[f"q{i}@alpha.example.test"])
    cells, _ = _result_rows(ss_app, campaign)
    assert "&lt;5" in cells["c1"] and "&lt;5" in cells["c2"]
    assert "<td>7</td>" in cells["other"]  # merged: 7 of 8
    assert "<td>7</td>" in cells["overall"] and "87.5%" in cells["overall"]


def _code(row: str) -> str:
    match = re.search(r"\((c\d)\)", row)
    assert match
    return match.group(1)


def test_import_lists_errors_per_line_and_imports_nothing(ss_app: Flask, admin: Any) -> None:
    campaign = create_survey(admin)
    bad = (
        "\ufeffemail,unit\r\n"
        "ok@alpha.example.test,c1\r\n"
        '"evil@alpha.example.test\r\nBcc: all@example.test",c1\r\n'
        "nobody@alpha.example.test,zz\r\n"
        "ok@alpha.example.test,c2\r\n"
        "a@b@c,c1\r\n"
        "only-one-column\r\n"
    ).encode()
    response = upload(admin, campaign, bad)
    assert response.status_code == 422
    for line in (4, 5, 6, 7, 8):
        assert f"第 {line} 列" in response.text, line
    assert "<li>第 2 列" not in response.text
    with session_scope(ss_app) as session:
        assert session.execute(select(StaffInvitation)).first() is None
    assert upload(admin, campaign, b"\xff\xfe\x00bad").status_code == 422
    # Without a BOM and without a header row: fine.
    ok = upload(admin, campaign, b"a@alpha.example.test,c1\nb@alpha.example.test,c2\n")
    assert ok.status_code == 303
    assert upload(admin, campaign, b"a@alpha.example.test,c1\n").status_code == 422  # already


def test_counts_per_unit_make_printable_one_time_links(ss_app: Flask, admin: Any) -> None:
    campaign = create_survey(admin)
    page = post(admin, "counts", campaign, count_c1="5", count_c2="")
    assert page.status_code == 200
    paths = LINK.findall(page.text)
    assert len(paths) == 5 and len(set(paths)) == 5
    assert answer(ss_app, paths[0]).status_code == 200
    assert ss_app.test_client().get(paths[0]).status_code == 410
    # A unit with links by head-count takes no staff list, and no second set of links.
    assert upload(admin, campaign, b"x@alpha.example.test,c1\n").status_code == 409
    assert post(admin, "counts", campaign, count_c1="3").status_code == 409
    assert post(admin, "counts", campaign, count_c2="abc").status_code == 422
    with session_scope(ss_app) as session:
        stored = session.execute(select(StaffInvitation)).scalars().all()
        assert len(stored) == 5 and all(i.email is None for i in stored)


def test_close_erases_addresses_and_stops_every_link(
    ss_app: Flask, admin: Any, invited: tuple[int, dict[str, str]]
) -> None:
    campaign, links = invited
    assert post(admin, "close", campaign).status_code == 303
    with session_scope(ss_app) as session:
        assert session.get(Campaign, campaign).status == "closed"  # type: ignore[union-attr]
        emails = session.execute(select(StaffInvitation.email)).scalars().all()
    assert emails and all(e is None for e in emails)
    assert ss_app.test_client().get(links["p2@alpha.example.test"]).status_code == 410
    assert post(admin, "invite", campaign).status_code == 409
    assert upload(admin, campaign, b"z@alpha.example.test,c1\n").status_code == 409


def _rename_unit(app: Flask, code: str, name: str) -> None:
    with session_scope(app) as session:
        for unit in session.execute(select(Unit).where(Unit.code == code)).scalars():
            unit.name_zh = name
            unit.name_en = name


def test_unit_names_are_escaped_in_pages_and_plain_in_mail(ss_app: Flask, admin: Any) -> None:
    xss = '<script>alert("x")</script>'
    _rename_unit(ss_app, "c1", xss)
    campaign = create_survey(admin, title="<b>title</b>")
    assert upload(admin, campaign, staff_csv(5, 0)).status_code == 303
    manage = admin.get(f"/staff/staff-survey/manage?campaign={campaign}")
    assert xss not in manage.text and "&lt;script&gt;" in manage.text
    assert "<b>title</b>" not in manage.text
    assert post(admin, "invite", campaign).status_code == 303
    message = outbox(ss_app)[0]
    assert message.get_content_type() == "text/plain"  # no HTML part to run anything in
    assert xss in message.get_content()
    listing = admin.get("/staff/outbox")
    assert listing.status_code == 200 and "&lt;script&gt;" not in listing.text  # subject only
    name = re.search(r"name=([0-9A-Za-z_-]+\.eml)", listing.text).group(1)  # type: ignore[union-attr]
    agency = re.search(r"agency=(\d+)", listing.text).group(1)  # type: ignore[union-attr]
    shown = admin.get(f"/staff/outbox/message?agency={agency}&name={name}")
    assert shown.status_code == 200
    assert xss not in shown.text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in shown.text
    results = admin.get(f"/staff/staff-survey/results?campaign={campaign}")
    assert xss not in results.text


def test_header_injection_through_unit_names_cannot_add_headers(ss_app: Flask, admin: Any) -> None:
    _rename_unit(ss_app, "c1", "Unit\r\nBcc: evil@example.test\r\n\r\nbody")
    with session_scope(ss_app) as session:
        session.execute(
            text("UPDATE agency SET name_zh = :n WHERE code = 'alpha'"),
            {"n": "甲機關\r\nBcc: evil@example.test"},
        )
    campaign = create_survey(admin)
    assert upload(admin, campaign, staff_csv(1, 0)).status_code == 303
    assert post(admin, "invite", campaign).status_code == 303
    drain(ss_app)
    raw = next(Path(ss_app.config["MAIL_OUTBOX_DIR"]).glob("*/*.eml")).read_bytes()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    headers = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    assert b"Bcc:" not in headers
    assert list(message.keys()).count("To") == 1


def test_another_agency_cannot_see_or_run_the_survey_or_its_outbox(
    ss_app: Flask, invited: tuple[int, dict[str, str]]
) -> None:
    campaign, _ = invited
    beta = ss_app.test_client()
    assert logged_in(Auth(beta).login("admin@beta.example.test"))
    assert beta.get(f"/staff/staff-survey/manage?campaign={campaign}").status_code == 404
    token = csrf_token(beta.get("/staff/staff-survey").text)
    for action in ("invite", "remind", "close", "import", "counts"):
        response = beta.post(
            f"/staff/staff-survey/{action}?campaign={campaign}", data={"csrf_token": token}
        )
        assert response.status_code == 404, action
    listing = beta.get("/staff/outbox")
    assert "alpha.example.test" not in listing.text
    alpha_dir = next(Path(ss_app.config["MAIL_OUTBOX_DIR"]).iterdir())
    name = next(alpha_dir.iterdir()).name
    shown = beta.get(f"/staff/outbox/message?agency={alpha_dir.name}&name={name}")
    assert shown.status_code == 404
    assert beta.get("/staff/outbox/message?agency=1&name=../../secret_key").status_code in (
        400,
        404,
    )


def _dump(app: Flask) -> dict[str, list[dict[str, Any]]]:
    tables = ("response", "staff_invitation", "audit_event")
    with session_scope(app) as session:
        return {
            t: [dict(row._mapping) for row in session.execute(text(f"SELECT * FROM {t}"))]
            for t in tables
        }


def test_nothing_links_an_invitation_to_a_response(
    ss_app: Flask, invited: tuple[int, dict[str, str]]
) -> None:
    """After two staff answer, every column of every table that could: nothing ties a
    response (or its answers, or an audit event) to the invitation that was spent."""
    campaign, links = invited
    before = _dump(ss_app)
    tokens = [
        links["p3@alpha.example.test"].rsplit("/", 1)[1],
        links["q0@alpha.example.test"].rsplit("/", 1)[1],
    ]
    answer(ss_app, links["p3@alpha.example.test"], **staff_answers(overall=5))
    answer(ss_app, links["q0@alpha.example.test"], **staff_answers(overall=2))
    after = _dump(ss_app)

    # The tables have exactly these columns: nothing like invitation_id, used_at, token.
    assert set(after["staff_invitation"][0]) == {
        "id", "campaign_id", "unit_id", "email", "token_hash", "sent_at", "reminded_at", "used",
    }  # fmt: skip
    assert set(after["response"][0]) == {
        "id", "receipt", "questionnaire_version_id", "agency_id", "unit_id", "channel",
        "language", "started_at", "submitted_at", "idempotency_key", "body_hash",
        "campaign_id", "batch", "entered_by", "answers", "revision", "voided_at",
        "kiosk_id", "client_submitted_at",  # set only by a counter kiosk, never by a token
    }  # fmt: skip

    # Answering changed only `used` on two invitations: no timestamp, no new value.
    old = {r["id"]: r for r in before["staff_invitation"]}
    changed = []
    for row in after["staff_invitation"]:
        diff = {k for k in row if row[k] != old[row["id"]][k]}
        if diff:
            assert diff == {"used"}, diff
            changed.append(row["id"])
    assert len(changed) == 2
    # And answering wrote no audit event at all.
    assert after["audit_event"] == before["audit_event"]

    # Nothing of the invitations appears in the responses or answers: no token, no
    # token hash, no e-mail, no invitation timestamp, and no shared identifier.
    invitation_values = set()
    for row in after["staff_invitation"]:
        for key in ("token_hash", "email", "sent_at", "reminded_at"):
            if row[key] is not None:
                invitation_values.add(str(row[key]))
    secret = invitation_values | set(tokens)
    for table in ("response", "audit_event"):
        for row in after[table]:
            for value in row.values():
                text_value = str(value)
                assert not any(s and s in text_value for s in secret), (table, value)
    for row in after["response"]:
        at = row["submitted_at"]
        if isinstance(at, str):  # SQLite
            at = datetime.fromisoformat(at)
        assert (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0)
        assert row["started_at"] is None and row["idempotency_key"] is None
        assert row["batch"] is None and row["entered_by"] is None
    # Both responses carry the same coarse timestamp; the two spent invitations carry
    # no ordering either (their rows are as they were, apart from `used`).
    assert len({str(r["submitted_at"]) for r in after["response"]}) == 1
    # The unit is the only shared attribute, and only for units with >= 5 invitees.
    with session_scope(ss_app) as session:
        c2 = session.execute(
            select(Unit.id)
            .join(Campaign, Campaign.agency_id == Unit.agency_id)
            .where(Unit.code == "c2", Campaign.id == campaign)
        ).scalar_one()
    assert c2 not in {r["unit_id"] for r in after["response"]}


def test_invitations_are_queued_with_their_tokens_and_erased_once_sent(
    ss_app: Flask, admin: Any
) -> None:
    """The tokens and their messages commit together; nothing is sent before the job
    runs; a sent invitation's row keeps neither address nor link (docs/staff-survey.md)."""
    campaign = create_survey(admin)
    assert upload(admin, campaign, staff_csv(2, 0)).status_code == 303
    assert post(admin, "invite", campaign).status_code == 303
    assert not list(Path(ss_app.config["MAIL_OUTBOX_DIR"]).glob("*/*.eml"))
    with session_scope(ss_app) as session:
        rows = list(session.execute(select(MailMessage)).scalars())
        session.expunge_all()
    assert [(r.kind, r.transient, r.state) for r in rows] == [
        ("staff_survey.invitation", True, "queued")
    ] * 2
    assert all(r.body and "/t/" in r.body for r in rows)
    # Nothing ties a message to its invitation but the address, which the row loses.
    assert not {"invitation_id", "campaign_id", "token", "token_hash"} & set(
        MailMessage.model_fields
    )
    assert len(outbox(ss_app)) == 2  # the jobs run
    with session_scope(ss_app) as session:
        after = list(session.execute(select(MailMessage)).scalars())
        assert all(r.state == "sent" and r.erased_at for r in after)
        assert all(r.recipient is None and r.body is None and r.subject is None for r in after)


def test_a_mail_server_down_does_not_stop_the_invitations(
    ss_app: Flask, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_: Any, **__: Any) -> Any:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(mail.smtplib, "SMTP", refused)
    ss_app.config["MAIL_BACKEND"] = "smtp"
    campaign = create_survey(admin)
    assert upload(admin, campaign, staff_csv(1, 0)).status_code == 303
    sent = post(admin, "invite", campaign)
    assert sent.status_code == 303 and "n=1" in sent.headers["Location"]
    drain(ss_app, scheduled=True)  # every attempt fails
    with session_scope(ss_app) as session:
        [row] = session.execute(select(MailMessage)).scalars()
        assert row.state == "failed" and row.body is None and row.recipient is None
        [invitation] = session.execute(select(StaffInvitation)).scalars()
        assert invitation.sent_at is not None  # a reminder sends it a new link
