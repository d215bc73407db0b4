"""The staff console's complaint cases (/staff/cases): queue, intake, the case page and
every action through the web, concurrency, confidentiality, isolation, retention."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from collector.complaints import attachments
from collector.complaints import complainant
from collector.complaints import records
from collector.complaints.replies import fill_template
from collector.core import mail
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintEvent
from collector.core.models import Unit
from collector.jobs.worker import drain
from collector.mailqueue.outbox import MailMessage
from tests.helpers.complaints import file_with_contact
from tests.helpers.complaints import make_category
from tests.helpers.complaints import only_case
from tests.helpers.complaints import outbox
from tests.helpers.complaints import release_files
from tests.helpers.web import csrf_token
from tests.helpers.web import element_ids
from tests.helpers.web import error_summary
from tests.helpers.web import login

XSS = '<script>alert("x")</script>'
HANDLER = "cases@alpha.example.test"
ADMIN = "admin@alpha.example.test"


@pytest.fixture
def app(staff_app: Flask, tmp_path: Path) -> Flask:
    staff_app.config["COMPLAINT_ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    staff_app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    return staff_app


@pytest.fixture
def category(app: Flask) -> int:
    return make_category(app)


def load(app: Flask, case_id: int) -> Complaint:
    with session_scope(app) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        session.expunge(case)
        return case


def events(app: Flask, case_id: int) -> list[str]:
    with session_scope(app) as session:
        statement = (
            select(ComplaintEvent.kind)
            .where(ComplaintEvent.complaint_id == case_id)
            .order_by(ComplaintEvent.id)
        )
        return list(session.execute(statement).scalars())


def audit_actions(app: Flask, action: str) -> list[AuditEvent]:
    with session_scope(app) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        return [r for r in rows]


def version_on(page: str, action: str) -> str:
    match = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', page)
    assert match, f"no {action} form on the page"
    return match.group(1)


def act(client: FlaskClient, case_id: int, action: str, version: Any = None, **fields: Any) -> Any:
    """Post one action's form as the case page renders it."""
    page = client.get(f"/staff/cases/{case_id}").text
    token = csrf_token(page)
    data = {
        "action": action,
        "csrf_token": token,
        f"{action}-csrf_token": token,
        f"{action}-version": str(version) if version is not None else version_on(page, action),
    }
    data.update({f"{action}-{key}": str(value) for key, value in fields.items()})
    return client.post(f"/staff/cases/{case_id}/act", data=data)


def unit_id(app: Flask, code: str = "c1", agency: str = "alpha") -> int:
    from tests.helpers.organisation import agency_id

    owner = agency_id(app, agency)
    with session_scope(app) as session:
        return session.execute(
            select(Unit.id).where(Unit.agency_id == owner, Unit.code == code)
        ).scalar_one()


# -- the whole life of a case, through the web --------------------------------------------


def test_every_action_through_the_web(app: Flask, category: int, people: dict[str, int]) -> None:
    case_id, _ = file_with_contact(app, category)
    other_id, _ = file_with_contact(app, category, subject="同一路燈")
    client, _ = login(app, HANDLER)
    me = people[HANDLER]

    assert act(client, case_id, "assign", unit=unit_id(app), handler=me).status_code == 303
    case = load(app, case_id)
    assert (case.status, case.unit_id, case.handler_id) == ("assigned", unit_id(app), me)
    assert act(client, case_id, "start").status_code == 303
    assert load(app, case_id).status == "in_progress"

    assert act(client, case_id, "request_supplement", reason="請提供照片").status_code == 303
    assert load(app, case_id).status == "awaiting_supplement"
    page = client.get(f"/staff/cases/{case_id}").text
    assert "mark-paused" in page
    assert act(client, case_id, "supplement_received", text="電話補充：燈號 A12").status_code == 303
    assert load(app, case_id).status == "in_progress"

    before = load(app, case_id).due_on
    assert act(client, case_id, "extend", days=10, reason="需會勘").status_code == 303
    after = load(app, case_id)
    assert after.extension_days == 10 and after.due_on > before

    page = client.get(f"/staff/cases/{case_id}").text
    number = load(app, case_id).case_number
    # The reply is prefilled from the category's template, placeholders filled in.
    assert f"王小明 您好：\n關於 路燈不亮（案號 {number}" in page.replace("&#34;", '"')
    assert act(client, case_id, "reply", body="已修復路燈。").status_code == 303
    assert load(app, case_id).status == "replied"
    assert act(client, case_id, "close", outcome="upheld", reason="").status_code == 303
    closed = load(app, case_id)
    assert closed.status == "closed" and closed.outcome == "upheld" and closed.retain_until
    assert act(client, case_id, "reopen", reason="陳情人表示仍不亮").status_code == 303
    assert load(app, case_id).status == "reopened"
    assert act(client, case_id, "note", text="已再派員").status_code == 303
    assert (
        act(client, case_id, "transfer_unit", unit=unit_id(app, "c2"), reason="轄區").status_code
        == 303
    )
    assert load(app, case_id).unit_id == unit_id(app, "c2")

    assert act(client, other_id, "merge", into=number.lower(), reason="同一事由").status_code == 303
    merged = load(app, other_id)
    assert merged.status == "merged" and merged.merged_into_id == case_id
    third, _ = file_with_contact(app, category)
    assert (
        act(client, third, "decline", ground="no_concrete_content", reason="無具體內容").status_code
        == 303
    )
    assert load(app, third).status == "declined"

    kinds = events(app, case_id)
    for kind in (
        "received",
        "assign",
        "start",
        "request_supplement",
        "supplement_received",
        "extend",
        "reply",
        "close",
        "reopen",
        "note",
        "transfer_unit",
        "merged_in",
    ):
        assert kind in kinds
    history = client.get(f"/staff/cases/{case_id}").text
    assert "請提供照片" in history and "需會勘" in history and "已再派員" in history
    assert "cs_event_" not in history and "cs_status_" not in history  # every key translated


def test_the_state_machine_refuses_what_the_status_does_not_allow(
    app: Flask, category: int
) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    page = client.get(f"/staff/cases/{case_id}").text
    assert 'id="form-reply"' in page and 'id="form-close"' not in page  # only what it allows
    version = version_on(page, "reply")
    response = act(client, case_id, "close", version=version, outcome="upheld")
    assert response.status_code == 422
    assert "案件目前的狀態不能執行這個動作" in response.text
    case = load(app, case_id)
    assert case.status == "received" and str(case.version) == version
    assert events(app, case_id) == ["received"]


def test_bad_input_is_a_form_error_and_changes_nothing(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    for action, fields in (
        ("extend", {"days": "abc", "reason": "x"}),
        ("extend", {"days": 5000, "reason": "x"}),
        ("extend", {"days": 5, "reason": "   "}),
        ("decline", {"ground": "made_up", "reason": "x"}),
        ("assign", {"unit": "999999", "handler": ""}),
        ("assign", {"unit": "", "handler": ""}),
        ("merge", {"into": "20260101-XXXXXX", "reason": "x"}),
        ("transfer_agency", {"category": "999999", "reason": "x"}),
    ):
        response = act(client, case_id, action, **fields)
        assert response.status_code == 422, (action, fields)
        assert "This field" not in response.text and "Not a valid" not in response.text
    chinese = act(client, case_id, "extend", days=5000, reason="x")
    assert "請輸入 1 到 365 之間的數字。" in chinese.text  # WTForms' messages, in our Chinese
    assert f'href="/staff/cases/{case_id}?lang=en"' in chinese.text  # not the POST-only URL
    client.get("/staff/?lang=en")
    english = act(client, case_id, "extend", days=5000, reason="x")
    assert "Number must be between 1 and 365" in english.text
    assert events(app, case_id) == ["received"]
    assert load(app, case_id).version == 1
    page = client.get(f"/staff/cases/{case_id}")
    response = client.post(
        f"/staff/cases/{case_id}/act", data={"csrf_token": csrf_token(page.text), "action": "zap"}
    )
    assert response.status_code == 400


def test_a_refused_action_opens_on_an_error_summary_and_keeps_what_was_typed(
    app: Flask, category: int
) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    response = act(client, case_id, "merge", into="", reason="與另案為同一路燈")
    assert response.status_code == 422
    page = response.text
    summary = error_summary(page)
    assert 0 <= summary.start < page.index("<h1")  # at the top, before the page's heading
    assert summary.attrs["role"] == "alert" and summary.attrs["tabindex"] == "-1"
    assert summary.entries == [("merge-into", "併入的案號：此欄位為必填。")]
    assert "merge-into" in element_ids(page)  # the link leads to the field itself
    assert re.search(r"<title>有 1 處需要修正 – ", page)
    assert "與另案為同一路燈</textarea>" in page  # what was typed is kept
    assert events(app, case_id) == ["received"]

    client.get("/staff/?lang=en")
    english = error_summary(act(client, case_id, "merge", into="", reason="x").text)
    assert english.entries == [("merge-into", "Case number to merge into: This field is required.")]


def test_a_refusal_no_field_explains_is_in_the_summary_too(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    page = client.get(f"/staff/cases/{case_id}").text
    response = act(client, case_id, "close", version=version_on(page, "reply"), outcome="upheld")
    assert response.status_code == 422
    (entry,) = error_summary(response.text).entries
    assert entry == (None, "案件目前的狀態不能執行這個動作。")  # no close form to link to


def test_a_stale_form_changes_nothing_and_says_so(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    other, _ = login(app, ADMIN)
    stale = version_on(client.get(f"/staff/cases/{case_id}").text, "note")
    assert act(other, case_id, "note", text="先處理").status_code == 303
    response = act(client, case_id, "extend", version=stale, days=5, reason="晚一點")
    assert response.status_code == 409
    ((target, text),) = error_summary(response.text).entries
    assert target == "form-extend" and "有人在您開啟頁面後變更了這個案件" in text
    assert "晚一點</textarea>" in response.text  # kept, on a form for the case as it is now
    assert version_on(response.text, "extend") == "2"
    case = load(app, case_id)
    assert case.extension_days == 0 and case.version == 2
    assert events(app, case_id) == ["received", "note"]


def test_csrf_is_required(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    version = version_on(client.get(f"/staff/cases/{case_id}").text, "note")
    response = client.post(
        f"/staff/cases/{case_id}/act",
        data={"action": "note", "note-version": version, "note-text": "x"},
    )
    assert response.status_code == 400
    assert events(app, case_id) == ["received"]


# -- intake ----------------------------------------------------------------------------------------


def form_token(page: str) -> str:
    match = re.search(r'name="intake_token" type="hidden" value="([0-9a-f]+)"', page)
    assert match, "no intake token"
    return match.group(1)


def intake_fields(**extra: str) -> dict[str, str]:
    fields = {
        "channel": "phone",
        "language": "zh-Hant-TW",
        "subject": "公園路燈",
        "description": "晚上公園很暗。",
        "name": "李大同",
        "phone": "02-1234-5678",
        "reply_channel": "phone",
    }
    fields.update(extra)
    return fields


def test_an_oral_complaint_is_read_back_and_confirmed_before_it_is_saved(
    app: Flask, category: int
) -> None:
    client, _ = login(app, "counter@alpha.example.test")  # counter staff may record complaints
    page = client.get("/staff/cases/new")
    assert page.status_code == 200
    token = csrf_token(page.text)
    fields = intake_fields(
        category=str(category), csrf_token=token, intake_token=form_token(page.text)
    )
    review = client.post("/staff/cases/new", data=fields)
    assert review.status_code == 200
    assert "請向陳情人唸出以下內容" in review.text and "晚上公園很暗。" in review.text
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Complaint)).scalar_one() == 0
    fingerprint = re.search(r'name="read_back_of" type="hidden" value="([0-9a-f]+)"', review.text)
    assert fingerprint
    # Confirmed without ticking the box: refused, still nothing saved.
    unticked = client.post(
        "/staff/cases/new", data={**fields, "read_back_of": fingerprint.group(1)}
    )
    assert unticked.status_code == 422
    # The content changed after the read-back: a new read-back, nothing saved.
    changed = client.post(
        "/staff/cases/new",
        data={
            **fields,
            "description": "改了",
            "read_back_of": fingerprint.group(1),
            "read_back_confirmed": "y",
        },
    )
    assert changed.status_code == 200 and "請向陳情人唸出以下內容" in changed.text
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Complaint)).scalar_one() == 0
    saved = client.post(
        "/staff/cases/new",
        data={**fields, "read_back_of": fingerprint.group(1), "read_back_confirmed": "y"},
    )
    assert saved.status_code == 200
    number = re.search(r"<code>(\d{8}-[0-9A-Z]{6})</code>", saved.text)
    password = re.search(r"<code>([0-9A-Z]{12})</code>", saved.text)
    assert number and password
    assert saved.headers["Cache-Control"] == "no-store"
    with app.app_context(), session_scope(app) as session:
        case = session.execute(select(Complaint)).scalar_one()
        assert case.case_number == number.group(1)
        assert case.read_back_confirmed is True and case.channel == "phone"
        assert complainant.find_for_complainant(session, number.group(1), password.group(1))
    assert "/staff/cases/" + str(case.id) not in saved.text  # counter staff cannot read cases


def letter_intake(app: Flask, category: int) -> tuple[FlaskClient, dict[str, str]]:
    """A case handler on the intake page; the fields of a letter (tokens included)."""
    client, _ = login(app, HANDLER)
    page = client.get("/staff/cases/new").text
    return client, intake_fields(
        channel="letter",
        category=str(category),
        csrf_token=csrf_token(page),
        intake_token=form_token(page),
    )


def test_a_letter_is_recorded_at_once_and_input_is_checked(app: Flask, category: int) -> None:
    client, base = letter_intake(app, category)
    bad = client.post("/staff/cases/new", data={**base, "reply_channel": "letter"})
    assert bad.status_code == 422  # a reply by letter needs an address
    bad = client.post("/staff/cases/new", data={**base, "category": "99999"})
    assert bad.status_code == 422
    bad = client.post("/staff/cases/new", data={**base, "subject": ""})
    assert bad.status_code == 422
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Complaint)).scalar_one() == 0
    saved = client.post("/staff/cases/new", data=base)
    assert saved.status_code == 200 and "查詢密碼" in saved.text
    case = only_case(app)
    assert case.channel == "letter" and case.read_back_confirmed is None
    # The same form sent again (a reload): no second case, and no password shown again.
    again = client.post("/staff/cases/new", data=base)
    assert again.status_code == 200 and "這份表單已經儲存過" in again.text
    assert case.case_number in again.text and "查詢密碼" not in again.text
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Complaint)).scalar_one() == 1
    missing = client.post("/staff/cases/new", data={**base, "intake_token": ""})
    assert missing.status_code == 422


# -- confidentiality, isolation, escaping --------------------------------------------------------


def test_a_confidential_identity_is_withheld_from_a_handler_not_assigned(
    app: Flask, category: int, people: dict[str, int]
) -> None:
    case_id, _ = file_with_contact(app, category, confidential=True)
    client, _ = login(app, HANDLER)
    page = client.get(f"/staff/cases/{case_id}").text
    assert "陳情人身分保密（不提供）" in page and "王小明" not in page
    assert "0912-345-678" not in page
    assert audit_actions(app, "complaint.identity_viewed") == []
    admin, _ = login(app, ADMIN)
    page = admin.get(f"/staff/cases/{case_id}").text
    assert "王小明" in page and "0912-345-678" in page
    viewed = audit_actions(app, "complaint.identity_viewed")
    assert len(viewed) == 1 and viewed[0].actor_label == ADMIN
    # Once assigned, the handler needs it and sees it (audited).
    assert act(admin, case_id, "assign", handler=people[HANDLER]).status_code == 303
    assert "王小明" in client.get(f"/staff/cases/{case_id}").text
    assert len(audit_actions(app, "complaint.identity_viewed")) == 3


def test_another_agency_gets_404_for_every_case_url(app: Flask, category: int) -> None:
    case_id, (att_id,) = file_with_contact(app, category, files=(b"hello\n",))
    client, auth = login(app, "admin@beta.example.test")
    token = auth.csrf()
    for url in (
        f"/staff/cases/{case_id}",
        f"/staff/cases/{case_id}/attachments/{att_id}",
        f"/staff/cases/{case_id}/letter",
        f"/staff/cases/{case_id}/destroy",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/staff/cases/{case_id}/act", f"/staff/cases/{case_id}/restrict"):
        response = client.post(url, data={"csrf_token": token, "action": "note", "note-text": "x"})
        assert response.status_code == 404, url
    assert "路燈不亮" not in client.get("/staff/cases?who=all&status=any").text
    assert events(app, case_id) == ["received"]


def test_a_held_attachment_is_released_by_a_handler_then_downloaded_audited(
    app: Flask, category: int
) -> None:
    case_id, (att_id,) = file_with_contact(app, category, files=("照片說明\n".encode(),))
    other_case, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    url = f"/staff/cases/{case_id}/attachments/{att_id}"
    page = client.get(f"/staff/cases/{case_id}").text
    # No scanner in the tests' configuration: the page says so, the file is held.
    assert "尚未設定防毒掃描" in page and "暫存待審：未經病毒掃描" in page
    assert f'href="{url}"' not in page
    held = client.get(url)
    assert held.status_code == 409 and "這個檔案暫存待審" in held.text
    assert not audit_actions(app, "complaint.attachment_viewed")
    # The form names the file: a bare POST releases nothing.
    token = csrf_token(page)
    assert client.post(f"{url}/release", data={"csrf_token": token}).status_code == 400
    match = re.search(r'name="sha256" value="([0-9a-f]{64})"', page)
    assert match
    released = client.post(f"{url}/release", data={"csrf_token": token, "sha256": match[1]})
    assert released.status_code == 303
    (event,) = audit_actions(app, "complaint.attachment_released")
    assert event.actor_label == HANDLER and str(att_id) in event.detail
    page = client.get(released.headers["Location"]).text
    assert "完成：檔案已放行" in page and f'href="{url}"' in page and "不經掃描放行" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data == "照片說明\n".encode()
    assert audit_actions(app, "complaint.attachment_viewed")
    # Releasing again changes nothing and logs nothing.
    again = client.post(f"{url}/release", data={"csrf_token": token, "sha256": match[1]})
    assert (
        again.status_code == 303 and len(audit_actions(app, "complaint.attachment_released")) == 1
    )
    # The attachment of one case is not reachable through another case's URL.
    assert client.get(f"/staff/cases/{other_case}/attachments/{att_id}").status_code == 404
    other_url = f"/staff/cases/{other_case}/attachments/{att_id}/release"
    assert client.post(other_url, data={"csrf_token": token, "sha256": match[1]}).status_code == 404


def test_staff_entered_text_is_escaped_everywhere(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(
        app,
        category,
        subject=XSS,
        description=XSS,
        name=XSS,
        location=XSS,
        address=XSS,
        phone="<b>1</b>",
        reply_channel="letter",
    )
    other_id, _ = file_with_contact(app, category)
    client, _ = login(app, ADMIN)
    for action, fields in (
        ("assign", {"unit": unit_id(app), "handler": "", "reason": XSS}),
        ("request_supplement", {"reason": XSS}),
        ("supplement_received", {"text": XSS}),
        ("note", {"text": XSS}),
        ("extend", {"days": 3, "reason": XSS}),
        ("transfer_unit", {"unit": unit_id(app, "c2"), "reason": XSS}),
        ("reply", {"body": XSS}),
        ("close", {"outcome": "upheld", "reason": XSS}),
        ("reopen", {"reason": XSS}),
        ("decline", {"ground": "other", "reason": XSS}),
    ):
        assert act(client, case_id, action, **fields).status_code == 303, action
    number = load(app, case_id).case_number
    assert act(client, other_id, "merge", into=number, reason=XSS).status_code == 422  # declined
    assert act(client, other_id, "note", text=XSS).status_code == 303
    for url in (
        f"/staff/cases/{case_id}",
        f"/staff/cases/{other_id}",
        "/staff/cases?who=all&status=any",
        f"/staff/cases/{case_id}/letter",
    ):
        page = client.get(url).text
        assert "<script>alert" not in page and "<b>1</b>" not in page, url
    page = client.get(f"/staff/cases/{case_id}").text
    assert page.count("&lt;script&gt;") >= 12


# -- transfers ----------------------------------------------------------------------------------


def test_a_transfer_leaves_a_read_only_trail_at_the_sender(app: Flask, category: int) -> None:
    beta_category = make_category(app, "beta", "parks", name_zh="公園", name_en="Parks")
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    page = client.get(f"/staff/cases/{case_id}").text
    assert "乙機關 (beta)" in page and "公園 (parks)" in page  # a destination to choose
    response = act(
        client, case_id, "transfer_agency", category=beta_category, reason="非本機關權責"
    )
    assert response.status_code == 303
    sent = load(app, case_id)
    assert sent.status == "transferred" and sent.transferred_to_id
    trail = client.get(f"/staff/cases/{case_id}").text
    assert 'action="/staff/cases/' not in trail  # no action forms at all
    assert f"/staff/cases/{sent.transferred_to_id}" not in trail  # no link into beta
    assert "本案已移送其他機關" in trail and "乙機關" in trail
    assert client.get(f"/staff/cases/{sent.transferred_to_id}").status_code == 404
    beta, _ = login(app, "admin@beta.example.test")
    received = beta.get(f"/staff/cases/{sent.transferred_to_id}")
    assert received.status_code == 200
    assert f"由 甲機關 移送（原案號 {sent.case_number}）" in received.text
    assert HANDLER not in received.text  # the sender's staff are not named to the receiver
    assert "另一機關的人員" in received.text
    assert beta.get(f"/staff/cases/{case_id}").status_code == 404


# -- the queue ----------------------------------------------------------------------------------


def test_the_queue_sorts_by_due_date_and_marks_and_filters(
    app: Flask, category: int, people: dict[str, int]
) -> None:
    today = records.today_for(app)
    app.config["COMPLAINT_TODAY"] = (today - timedelta(days=60)).isoformat()
    file_with_contact(app, category, subject="很久以前的案件")
    app.config["COMPLAINT_TODAY"] = None
    fresh_id, _ = file_with_contact(app, category, subject="新案件")
    taken_id, _ = file_with_contact(app, category, subject="別人承辦的案件")
    admin, _ = login(app, ADMIN)
    assert act(admin, fresh_id, "assign", handler=people[HANDLER]).status_code == 303
    assert act(admin, taken_id, "assign", handler=people[ADMIN]).status_code == 303
    client, _ = login(app, HANDLER)
    # A handler starts with their own cases and those nobody has taken yet.
    mine = client.get("/staff/cases").text
    assert "新案件" in mine and "很久以前的案件" in mine and "別人承辦的案件" not in mine
    everything = client.get("/staff/cases?who=all").text
    queue = everything[everything.index("<table") :]  # the navigation names "新案件" too
    assert queue.index("很久以前的案件") < queue.index("新案件")  # due first
    assert "mark-overdue" in everything
    overdue = client.get("/staff/cases?who=all&overdue=1").text
    overdue = overdue[overdue.index("<table") :]
    assert "很久以前的案件" in overdue and "新案件" not in overdue
    closed = client.get("/staff/cases?who=all&status=closed").text
    assert "新案件" not in closed[closed.index("<main") :]
    assert client.get("/staff/cases?who=bogus&status=<x>&category=abc&page=-3").status_code == 200
    assert client.get("/staff/cases?category=²&page=٣&unit=¹").status_code == 200
    # A category due in one working day is due soon (the policy warns 3 working days ahead).
    quick = make_category(app, "alpha", "quick", deadline_days=1, day_kind="working")
    soon_id, _ = file_with_contact(app, quick, subject="很快到期")
    soon_page = client.get(f"/staff/cases/{soon_id}").text
    assert "mark-due_soon" in soon_page
    assert "個工作天" in soon_page  # counted in the deadline's kind of days
    by_category = client.get(f"/staff/cases?who=all&category={quick}").text
    by_category = by_category[by_category.index("<main") :]  # the navigation names "新案件"
    assert "很快到期" in by_category and "新案件" not in by_category
    # "My unit": the units of my open cases (c1 here), whoever handles the case.
    c1 = unit_id(app)
    assert act(admin, fresh_id, "assign", unit=c1, handler=people[HANDLER]).status_code == 303
    assert act(admin, soon_id, "assign", unit=c1, handler="").status_code == 303
    unit_page = client.get("/staff/cases?who=unit").text
    unit_page = unit_page[unit_page.index("<main") :]
    assert "很快到期" in unit_page and "新案件" in unit_page and "很久以前的案件" not in unit_page
    other_unit = client.get(f"/staff/cases?who=unit&unit={unit_id(app, 'c2')}").text
    assert "很快到期" not in other_unit


def test_the_queue_pages(app: Flask, category: int) -> None:
    from collector.complaints.views import cases as views

    for n in range(views.PAGE_SIZE + 2):
        file_with_contact(app, category, subject=f"案件{n:03d}")
    client, _ = login(app, ADMIN)
    first = client.get("/staff/cases?who=all").text
    assert "第 1 頁，共 2 頁" in first
    second = client.get("/staff/cases?who=all&page=2").text
    assert len(re.findall(r'href="/staff/cases/\d+"', second)) == 2


# -- retention ----------------------------------------------------------------------------------


def test_restriction_hides_a_case_from_the_queue(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(app, category, subject="要求刪除的案件")
    admin, _ = login(app, ADMIN)
    page = admin.get(f"/staff/cases/{case_id}").text
    token = csrf_token(page)
    data = {
        "csrf_token": token,
        "restrict-csrf_token": token,
        "restrict-version": version_on(page, "restrict"),
        "restrict-reason": "",
    }
    assert admin.post(f"/staff/cases/{case_id}/restrict", data=data).status_code == 422
    data["restrict-reason"] = "陳情人 11/20 請求刪除"
    assert admin.post(f"/staff/cases/{case_id}/restrict", data=data).status_code == 303
    assert load(app, case_id).restricted_at is not None
    assert audit_actions(app, "complaint.restricted")
    assert "要求刪除的案件" not in admin.get("/staff/cases?who=all").text
    assert "要求刪除的案件" in admin.get("/staff/cases?who=all&restricted=1").text
    handler, _ = login(app, HANDLER)
    assert "要求刪除的案件" not in handler.get("/staff/cases?who=all&restricted=1").text
    hidden = handler.get(f"/staff/cases/{case_id}").text
    assert "要求刪除的案件" not in hidden and "本案已限制使用" in hidden
    assert 'id="form-' not in hidden


def test_destruction_only_after_the_retention_period(app: Flask, category: int) -> None:
    case_id, (att_id,) = file_with_contact(app, category, files=(b"evidence\n",))
    admin, _ = login(app, ADMIN)
    assert act(admin, case_id, "reply", body="已處理").status_code == 303
    assert act(admin, case_id, "close", outcome="explained").status_code == 303
    closed = load(app, case_id)
    assert closed.retain_until is not None
    with session_scope(app) as session:
        att = session.get(ComplaintAttachment, att_id)
        stored = attachments.path_of(att, app)  # type: ignore[arg-type]
    assert stored.is_file()

    def destroy(number: str) -> Any:
        page = admin.get(f"/staff/cases/{case_id}/destroy")
        token = csrf_token(page.text)
        return admin.post(
            f"/staff/cases/{case_id}/destroy",
            data={
                "csrf_token": token,
                "destroy-csrf_token": token,
                "destroy-version": str(load(app, case_id).version),
                "destroy-confirm_number": number,
                "destroy-reason": "檔案銷毀核准 115-01",
            },
        )

    assert "保存年限尚未屆滿" in admin.get(f"/staff/cases/{case_id}/destroy").text
    assert destroy(closed.case_number).status_code == 422
    assert load(app, case_id).destroyed_at is None
    app.config["COMPLAINT_TODAY"] = (closed.retain_until + timedelta(days=1)).isoformat()
    handler, _ = login(app, HANDLER)
    assert handler.get(f"/staff/cases/{case_id}/destroy").status_code == 403
    assert destroy("20000101-AAAAAA").status_code == 422  # the wrong number: not confirmed
    assert load(app, case_id).destroyed_at is None
    assert destroy(closed.case_number).status_code == 303
    gone = load(app, case_id)
    assert gone.destroyed_at is not None and gone.name is None and gone.description == ""
    assert not stored.exists()
    assert events(app, case_id) == []
    assert audit_actions(app, "complaint.destroyed")
    page = admin.get(f"/staff/cases/{case_id}").text
    assert "銷毀，只保留案號" in page and "已處理" not in page
    assert admin.get(f"/staff/cases/{case_id}/attachments/{att_id}").status_code == 404


# -- letters and templates ---------------------------------------------------------------------


def test_a_reply_letter_prints_without_script(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(app, category, reply_channel="letter", email=None)
    client, _ = login(app, ADMIN)
    assert "本案尚未回復" in client.get(f"/staff/cases/{case_id}/letter").text
    assert act(client, case_id, "reply", body="路燈已於本週修復。").status_code == 303
    page = client.get(f"/staff/cases/{case_id}")
    assert f"/staff/cases/{case_id}/letter" in page.text
    letter = client.get(f"/staff/cases/{case_id}/letter").text
    assert "路燈已於本週修復。" in letter and "臺北市中山路 12 號" in letter
    assert "<script" not in letter and "@media print" not in letter  # print CSS is in cases.css


def test_reply_templates_substitute_only_the_named_placeholders() -> None:
    values = {
        "case_number": "20261124-ABCDEF",
        "name": "王",
        "subject": "s",
        "received_on": "d",
        "agency": "a",
    }
    text = "{name}/{case_number}/{name.__class__}/{name[0]}/{name:>99999}/{unknown}/{{x}}"
    assert fill_template(text, values) == (
        "王/20261124-ABCDEF/{name.__class__}/{name[0]}/{name:>99999}/{unknown}/{{x}}"
    )
    assert fill_template("{subject}", {**values, "subject": "{name}"}) == "{name}"


def test_a_reply_still_holding_a_placeholder_is_refused(app: Flask) -> None:
    fill_in = "{請承辦人填寫處理情形}"
    category = make_category(
        app,
        code="lights",
        reply_template_zh=f"{{name}} 您好：\n{fill_in}\n{{agency}} 敬上",
        reply_template_en="Dear {name},\n{the answer}\n{agency}",
    )
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    page = client.get(f"/staff/cases/{case_id}").text
    draft = re.search(r'<textarea[^>]*name="reply-body"[^>]*>\n?([^<]*)</textarea>', page)
    assert draft is not None and fill_in in html.unescape(draft.group(1))
    mails = len(outbox(app))
    refused = act(client, case_id, "reply", body=html.unescape(draft.group(1)))
    assert refused.status_code == 422
    assert "回復內容仍有待填寫的預留文字" in refused.text
    client.get("/staff/?lang=en")
    typed = act(client, case_id, "reply", body="Dear Wang, {name}, the lamp is fixed.")
    assert typed.status_code == 422
    assert "The reply still holds a placeholder" in typed.text
    assert events(app, case_id) == ["received"]
    assert load(app, case_id).version == 1 and load(app, case_id).replied_at is None
    assert len(outbox(app)) == mails
    assert act(client, case_id, "reply", body="路燈已於本週修復。").status_code == 303


def test_staff_pages_link_the_queue(app: Flask) -> None:
    client, _ = login(app, HANDLER)
    assert 'href="/staff/cases"' in client.get("/staff/").text
    counter, _ = login(app, "counter@alpha.example.test")
    assert 'href="/staff/cases/new"' in counter.get("/staff/").text
    assert counter.get("/staff/cases").status_code == 403


def test_a_letter_comes_with_attachments(app: Flask, category: int) -> None:
    import io

    client, base = letter_intake(app, category)
    big = ("信件內容 letter text\n" * 20000).encode()  # above the app's survey body limit
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]

    def send(fields: dict[str, str], *files: tuple[bytes, str]) -> Any:
        data: dict[str, Any] = dict(fields)
        data["attachments"] = [(io.BytesIO(body), name) for body, name in files]
        return client.post("/staff/cases/new", data=data, content_type="multipart/form-data")

    refused = send(base, (b"ok\n", "a.txt"), (b"<html><script>x</script></html>", "page.txt"))
    assert refused.status_code == 422 and "page.txt" in refused.text
    no_token = send({**base, "csrf_token": ""}, (b"ok\n", "a.txt"))
    assert no_token.status_code == 400
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Complaint)).scalar_one() == 0
        assert (
            session.execute(select(func.count()).select_from(ComplaintAttachment)).scalar_one() == 0
        )
    assert not list(Path(app.config["COMPLAINT_ATTACHMENT_DIR"]).glob("*"))
    saved = send(base, (big, "掃描.txt"), (b"second\n", "b.txt"))
    assert saved.status_code == 200, saved.text[:300]
    with session_scope(app) as session:
        case = session.execute(select(Complaint)).scalar_one()
        rows = session.execute(select(ComplaintAttachment)).scalars().all()
        assert {r.filename for r in rows} == {"掃描.txt", "b.txt"}
        assert all(r.complaint_id == case.id for r in rows)
        first = next(r for r in rows if r.filename == "掃描.txt")
        assert {r.scan for r in rows} == {attachments.HELD}  # no scanner configured
    release_files(app, case.id)  # type: ignore[arg-type]  # a stored case
    download = client.get(f"/staff/cases/{case.id}/attachments/{first.id}")
    assert download.status_code == 200 and download.data == big


@pytest.mark.parametrize("junk", ["\x00", "a\x00b\x1b", "9" * 5000, "-1", "<x>"])
def test_junk_in_any_field_never_gives_a_500(app: Flask, category: int, junk: str) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, ADMIN)
    page = client.get(f"/staff/cases/{case_id}").text
    token = csrf_token(page)
    fields = {
        "assign": ("unit", "handler", "reason"),
        "decline": ("ground", "reason"),
        "request_supplement": ("reason",),
        "extend": ("days", "reason"),
        "transfer_unit": ("unit", "reason"),
        "transfer_agency": ("category", "reason"),
        "reply": ("body",),
        "merge": ("into", "reason"),
        "note": ("text",),
    }
    for action, names in fields.items():
        data = {
            "action": action,
            "csrf_token": token,
            f"{action}-csrf_token": token,
            f"{action}-version": junk,
        }
        data.update({f"{action}-{name}": junk for name in names})
        response = client.post(f"/staff/cases/{case_id}/act", data=data)
        assert response.status_code < 500, (action, junk)
    for url in (f"/staff/cases/{case_id}/restrict", f"/staff/cases/{case_id}/destroy"):
        data = {
            "csrf_token": token,
            "restrict-version": junk,
            "restrict-reason": junk,
            "destroy-version": junk,
            "destroy-confirm_number": junk,
            "destroy-reason": junk,
        }
        assert client.post(url, data=data).status_code < 500, url
    intake = client.get("/staff/cases/new").text
    data = {
        **intake_fields(category=str(category)),
        "csrf_token": csrf_token(intake),
        "intake_token": form_token(intake),
        "subject": junk,
        "description": junk,
        "name": junk,
        "channel": "letter",
        "reply_channel": "phone",
    }
    assert client.post("/staff/cases/new", data=data).status_code < 500
    assert client.get(f"/staff/cases?who={junk}&status={junk}&category={junk}").status_code < 500
    assert events(app, case_id) == ["received"]


def test_control_characters_are_dropped_from_staff_text(app: Flask, category: int) -> None:
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    assert act(client, case_id, "note", text="甲\x00乙\x1b丙\n丁").status_code == 303
    with session_scope(app) as session:
        body = session.execute(
            select(ComplaintEvent.body).where(ComplaintEvent.kind == "note")
        ).scalar_one()
    assert body == "甲乙丙\n丁"


def test_a_notice_is_queued_with_the_action_and_a_failed_one_is_shown_on_the_case(
    app: Flask, category: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mail server is down: the action is done and confirmed as usual, its notice
    waits in the mail outbox; once every attempt failed, the case page says so."""

    def refused(*_: Any, **__: Any) -> Any:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(mail.smtplib, "SMTP", refused)
    app.config["MAIL_BACKEND"] = "smtp"
    case_id, _ = file_with_contact(app, category)
    client, _ = login(app, HANDLER)
    done = act(client, case_id, "request_supplement", reason="請提供照片")
    assert done.status_code == 303 and load(app, case_id).status == "awaiting_supplement"
    with session_scope(app) as session:
        [queued] = session.execute(select(MailMessage)).scalars()
        assert (queued.reference, queued.state, queued.kind) == (
            f"complaint:{case_id}",
            "queued",
            "complaints.notice",
        )
    notice = "通知信未能寄出"
    assert notice not in client.get(f"/staff/cases/{case_id}").text
    drain(app, scheduled=True)
    assert notice in client.get(f"/staff/cases/{case_id}").text
