"""The public complaint pages: filing with attachments, the confirmation, following a
case by number and password or by link, supplements, downloads, and every attack
input failing safely (nothing stored, no 500)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from PIL import Image
from sqlalchemy import select

from collector.complaints import complainant
from collector.complaints.service import CaseService
from collector.complaints.views import public as complaints_public
from collector.core.db import session_scope
from collector.core.links import DEVELOPMENT_BASE_URL
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintReceipt
from collector.jobs.worker import drain
from collector.mailqueue.outbox import MailMessage
from tests.helpers import complaints
from tests.helpers.clamd import EICAR
from tests.helpers.clamd import FOUND
from tests.helpers.concurrency import at_once
from tests.helpers.concurrency import count_calls
from tests.helpers.database import count_rows
from tests.helpers.files import HTML
from tests.helpers.files import POLYGLOT_PNG
from tests.helpers.files import count_decodes
from tests.helpers.files import jpeg_with_gps
from tests.helpers.files import pdf
from tests.helpers.files import png
from tests.helpers.fuzzing import FUZZ
from tests.helpers.fuzzing import form_values
from tests.helpers.staff import Clock
from tests.helpers.web import csrf_token
from tests.helpers.web import hidden

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
RAW = ("<script>alert(1)</script>", "<img src=x onerror")


@pytest.fixture
def capp(make_app: Any, tmp_path: Path) -> Flask:
    """Agencies alpha and beta; alpha takes complaints in two categories."""
    app = complaints.complaints_app(make_app, tmp_path)
    app.config["CATEGORY"] = complaints.add_category(
        app, "alpha", "roads", name_zh="道路", name_en="Roads"
    )
    complaints.add_category(app, "alpha", "noise", name_zh="噪音", name_en="Noise")
    return app


@pytest.fixture
def client(capp: Flask) -> FlaskClient:
    return capp.test_client()


def open_form(client: FlaskClient, agency: str = "alpha") -> str:
    response = client.get(f"/complaints/{agency}/new")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def complaint(app: Flask, page: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf_token(page),
        "submission_token": hidden(page, "submission_token"),
        "lang": "zh-Hant-TW",
        "category": str(app.config["CATEGORY"]),
        "subject": "路燈不亮",
        "description": "中山路 12 號前的路燈已經一週不亮。",
        "name": "王小明",
        "email": "ming@example.tw",
        "reply_channel": "email",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client: FlaskClient, data: dict[str, Any], agency: str = "alpha") -> Any:
    return client.post(f"/complaints/{agency}/new", data=data, content_type="multipart/form-data")


def file_one(client: FlaskClient, app: Flask, **overrides: Any) -> dict[str, str]:
    """File a complaint; the confirmation's case number, password and follow path."""
    response = post(client, complaint(app, open_form(client), **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].split("?")[0].endswith("/complaints/filed")
    page = client.get("/complaints/filed").get_data(as_text=True)
    number, password = re.findall(r'class="receipt-code">([^<]+)<', page)
    link = re.search(rf'href="{re.escape(DEVELOPMENT_BASE_URL)}(/complaints/follow/[^"]+)"', page)
    assert link
    return {"number": number, "password": password, "link": link.group(1), "page": page}


def stored_files(app: Flask) -> list[Path]:
    folder = Path(app.config["COMPLAINT_ATTACHMENT_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def attachment_rows(app: Flask) -> list[ComplaintAttachment]:
    with session_scope(app) as session:
        return list(session.execute(select(ComplaintAttachment)).scalars())


def nothing_stored(app: Flask) -> bool:
    return count_rows(app, Complaint) == 0 and not stored_files(app) and not attachment_rows(app)


def refused(client: FlaskClient, app: Flask, status: int, **overrides: Any) -> str:
    """Send the form with ``overrides``: it must be refused with ``status`` and leave
    nothing stored (no case, no file); returns the page shown."""
    response = post(client, complaint(app, open_form(client), **overrides))
    assert response.status_code == status
    assert nothing_stored(app)
    return str(response.get_data(as_text=True))


def without_tokens(html: str) -> str:
    """The page less its CSRF token and the case number typed (echoed in its field)."""
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html)
    return re.sub(r'(id="case_number"[^>]*) value="[^"]*"', r"\1", html)


# -- the form -------------------------------------------------------------------


def test_the_form_lists_categories_and_shows_the_pdpa_notice(client: FlaskClient) -> None:
    response = client.get("/complaints/alpha/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert ">道路<" in page and ">噪音<" in page
    assert "個人資料蒐集告知事項" in page and "甲機關（以下稱本機關）" in page
    assert "<script>" not in page.split("</main>")[0]  # no inline script (CSP)
    assert 'for="subject"' in page and 'aria-describedby="hint-subject"' in page
    assert response.headers["Cache-Control"] == "no-store"
    english = client.get("/complaints/alpha/new?lang=en").get_data(as_text=True)
    assert "Agency Alpha (the agency)" in english and ">Roads<" in english


def test_an_unknown_agency_is_404_and_one_without_categories_is_a_friendly_page(
    client: FlaskClient,
) -> None:
    assert client.get("/complaints/nosuch/new").status_code == 404
    assert client.get("/complaints/moi/new").status_code == 404  # a ministry takes none
    response = client.get("/complaints/beta/new")
    assert response.status_code == 200
    assert "乙機關尚未開放線上陳情" in response.get_data(as_text=True)
    assert client.post("/complaints/beta/new", data={}).status_code == 200


def test_switching_language_keeps_the_text_and_files_nothing(
    client: FlaskClient, capp: Flask
) -> None:
    data = complaint(capp, open_form(client), subject="路燈 𠊎", _lang="en", csrf_token=None)
    response = post(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="路燈 𠊎"' in page and "中山路 12 號前的路燈已經一週不亮。" in page
    assert "File a complaint online" in page and 'lang="en"' in page
    assert count_rows(capp, Complaint) == 0


# -- filing -----------------------------------------------------------------------


def test_filing_with_a_photo_a_png_and_a_pdf(client: FlaskClient, capp: Flask) -> None:
    data = complaint(
        capp,
        open_form(client),
        attachments=[
            (io.BytesIO(jpeg_with_gps()), "IMG_0001.JPG"),
            (io.BytesIO(png()), "地圖.png"),
            (io.BytesIO(pdf()), "公文.pdf"),
        ],
    )
    response = post(client, data)
    assert response.status_code == 303
    confirmation = client.get("/complaints/filed")
    page = confirmation.get_data(as_text=True)
    assert confirmation.headers["Cache-Control"] == "no-store"
    with session_scope(capp) as session:
        case = session.execute(select(Complaint)).scalar_one()
        rows = list(session.execute(select(ComplaintAttachment)).scalars())
    assert case.case_number in page and case.due_on.isoformat() in page
    assert case.channel == "online" and case.email == "ming@example.tw"
    assert re.search(r'class="receipt-code">[2-9A-Z]{12}<', page)  # the password, once
    assert "IMG_0001.jpg" in page and "地圖.png" in page and "公文.pdf" in page
    by_type = {row.content_type: row for row in rows}
    assert set(by_type) == {"image/jpeg", "image/png", "application/pdf"}
    assert all(row.complaint_id == case.id and row.agency_id == case.agency_id for row in rows)
    folder = Path(capp.config["COMPLAINT_ATTACHMENT_DIR"])
    photo = Image.open(folder / by_type["image/jpeg"].stored_name)
    assert not photo.getexif() and "exif" not in photo.info  # GPS gone
    assert (folder / by_type["application/pdf"].stored_name).read_bytes() == pdf()
    assert len(stored_files(capp)) == 3


def test_the_password_and_link_are_shown_once(client: FlaskClient, capp: Flask) -> None:
    filed = file_one(client, capp)
    again = client.get("/complaints/filed").get_data(as_text=True)
    assert filed["number"] in again
    assert filed["password"] not in again and filed["link"] not in again
    assert "不再顯示" in again


def test_the_password_and_link_never_sit_in_the_session_cookie(
    client: FlaskClient, capp: Flask
) -> None:
    """Flask's cookie is signed, not encrypted: anyone with the browser reads it."""
    assert post(client, complaint(capp, open_form(client))).status_code == 303
    cookie = client.get_cookie("session")
    assert cookie is not None
    readable = json.dumps(
        capp.session_interface.get_signing_serializer(capp).loads(cookie.value)  # type: ignore[attr-defined]
    )
    page = client.get("/complaints/filed").get_data(as_text=True)
    _number, password = re.findall(r'class="receipt-code">([^<]+)<', page)
    link = re.search(r'/complaints/follow/([A-Za-z0-9_\-]+)"', page)
    assert link and password
    assert password not in readable and link.group(1) not in readable
    assert count_rows(capp, ComplaintReceipt) == 0  # deleted once shown


def test_ending_the_visit_deletes_an_unshown_receipt(client: FlaskClient, capp: Flask) -> None:
    assert post(client, complaint(capp, open_form(client))).status_code == 303
    assert count_rows(capp, ComplaintReceipt) == 1
    token = csrf_token(client.get("/complaints/follow").get_data(as_text=True))
    assert client.post("/complaints/end", data={"csrf_token": token}).status_code == 303
    assert count_rows(capp, ComplaintReceipt) == 0


def test_the_complainant_gets_an_email_with_the_follow_link(
    client: FlaskClient, capp: Flask, tmp_path: Path
) -> None:
    filed = file_one(client, capp)
    # Stored with the case, sent by its job: nothing in the outbox until the job runs.
    assert count_rows(capp, MailMessage) == 1
    assert not list((tmp_path / "outbox").rglob("*.eml"))
    drain(capp)
    (message,) = (tmp_path / "outbox").rglob("*.eml")
    text = message.read_bytes().decode()
    assert filed["number"] in text and filed["link"] in text
    assert filed["password"] not in text


def test_an_anonymous_complaint(client: FlaskClient, capp: Flask) -> None:
    file_one(
        client, capp, anonymous="y", name=None, email=None, reply_channel="none", confidential="y"
    )
    case = complaints.only_case(capp)
    assert case.anonymous and case.confidential and case.reply_channel == "none"
    assert case.name is case.email is None


def test_a_double_submit_files_one_case(client: FlaskClient, capp: Flask) -> None:
    data = complaint(capp, open_form(client))
    assert post(client, dict(data)).status_code == 303
    again = post(client, dict(data))
    assert again.status_code == 303 and again.headers["Location"].split("?")[0].endswith(
        "/complaints/filed"
    )
    assert count_rows(capp, Complaint) == 1


def test_filings_per_address_are_limited(client: FlaskClient, capp: Flask) -> None:
    capp.config["COMPLAINT_FILINGS_PER_CLIENT"] = "1 per hour"
    file_one(client, capp)
    response = post(client, complaint(capp, open_form(client)))
    assert response.status_code == 429
    assert count_rows(capp, Complaint) == 1


def test_an_infected_attachment_refuses_the_complaint_in_either_language(
    client: FlaskClient, capp: Flask, clamd_socket: Path
) -> None:
    capp.config["ATTACHMENT_SCANNER"] = f"clamd://{clamd_socket}"
    files = [(io.BytesIO(png()), "ok.png"), (io.BytesIO(EICAR), "說明.txt")]
    page = refused(client, capp, 422, attachments=files)
    assert f"「說明.txt」：防毒掃描在檔案中發現惡意程式（{FOUND}），已拒收，未儲存。" in page
    assert 'href="#attachments"' in page and 'value="路燈不亮"' in page
    files = [(io.BytesIO(EICAR), "notes.txt")]
    english = complaint(capp, open_form(client), attachments=files, lang="en")
    page = post(client, english).get_data(as_text=True)
    assert "The virus scanner found malicious software in the file" in page
    assert nothing_stored(capp)
    # A clean file is stored as scanned, and served without a handler's release.
    filed = file_one(client, capp, attachments=[(io.BytesIO(pdf()), "a.pdf")])
    assert [row.scan for row in attachment_rows(capp)] == ["clean"]
    page = client.get(filed["link"], follow_redirects=True).get_data(as_text=True)
    download = re.search(r'href="(/complaints/follow/file/[^"]+)"', page)
    assert download and client.get(download.group(1)).data == pdf()


def test_without_a_scanner_files_are_held_until_a_handler_releases_them(
    client: FlaskClient, capp: Flask
) -> None:
    filed = file_one(client, capp, attachments=[(io.BytesIO(pdf()), "公文.pdf")])
    (row,) = attachment_rows(capp)
    assert row.scan == "held" and len(stored_files(capp)) == 1  # kept, not served
    page = client.get(filed["link"], follow_redirects=True).get_data(as_text=True)
    assert "公文.pdf" in page and "機關檢查中，檢查完成後才能下載" in page
    assert "/complaints/follow/file/" not in page
    # Even a URL signed for this very file and case is refused while the file is held.
    with capp.test_request_context():
        token = complaints_public._file_signer(capp).dumps({"a": row.id, "c": row.complaint_id})
    assert client.get(f"/complaints/follow/file/{token}").status_code == 404
    release_all(capp)
    page = client.get("/complaints/follow/case").get_data(as_text=True)
    download = re.search(r'href="(/complaints/follow/file/[^"]+)"', page)
    assert download and client.get(download.group(1)).data == pdf()


def test_a_throttled_filing_decodes_no_image(
    client: FlaskClient, capp: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    capp.config["COMPLAINT_FILINGS_PER_CLIENT"] = "1 per hour"
    file_one(client, capp)
    decoded = count_decodes(monkeypatch)
    photo = (io.BytesIO(png((2000, 1500), mode="RGB")), "map.png")
    response = post(client, complaint(capp, open_form(client), attachments=[photo]))
    assert response.status_code == 429
    assert decoded == []  # the answer is 429 before any pixel is decoded
    assert count_rows(capp, Complaint) == 1


# -- attack inputs: nothing stored, never a 500 ----------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (HTML, "photo.jpg", "檔案含有網頁或程式碼"),
        (POLYGLOT_PNG, "map.png", "檔案含有網頁或程式碼"),
        (b"MZ\x90\x00" + b"\x00" * 100, "setup.pdf", "不接受這種檔案格式"),
        (jpeg_with_gps((200, 200))[:300], "cut.jpg", "圖片不完整或已損毀"),
    ],
    ids=["html-as-jpg", "polyglot", "program-as-pdf", "truncated-jpeg"],
)
def test_a_bad_attachment_refuses_the_whole_complaint(
    client: FlaskClient, capp: Flask, data: bytes, name: str, message: str
) -> None:
    good = (io.BytesIO(png()), "ok.png")
    page = refused(client, capp, 422, attachments=[good, (io.BytesIO(data), name)])
    assert message in page and f"「{name}」" in page
    assert 'href="#attachments"' in page  # the summary links to the field
    assert 'value="路燈不亮"' in page  # the text is kept


def test_an_oversized_attachment_is_refused_clearly_and_nothing_is_stored(
    client: FlaskClient, capp: Flask
) -> None:
    capp.config["COMPLAINT_ATTACHMENT_MAX_BYTES"] = 20_000
    big = (io.BytesIO(b"x" * 20_001), "notes.txt")
    assert "「notes.txt」：檔案超過 19 KB。" in refused(client, capp, 422, attachments=[big])


def test_a_request_over_the_total_limit_is_413_with_a_clear_page(
    client: FlaskClient, capp: Flask
) -> None:
    capp.config["COMPLAINT_ATTACHMENT_MAX_BYTES"] = 10_000
    capp.config["COMPLAINT_ATTACHMENTS_MAX"] = 1
    huge = (io.BytesIO(b"x" * 400_000), "huge.txt")
    assert "陳情沒有送出" in refused(client, capp, 413, attachments=[huge])


def test_too_many_attachments(client: FlaskClient, capp: Flask) -> None:
    capp.config["COMPLAINT_ATTACHMENTS_MAX"] = 2
    files = [(io.BytesIO(png()), f"{i}.png") for i in range(3)]
    assert "附件最多 2 個" in refused(client, capp, 422, attachments=files)


def test_a_path_traversal_name_is_only_a_display_name(client: FlaskClient, capp: Flask) -> None:
    files = [(io.BytesIO("第一行\n".encode()), "../../../instance/secret_key")]
    file_one(client, capp, attachments=files)
    (row,) = attachment_rows(capp)
    assert row.filename == "secret_key.txt"
    (path,) = stored_files(capp)
    assert path.name == row.stored_name and re.fullmatch(r"[0-9a-f]{32}", path.name)


def test_header_injection_in_the_email_is_refused(
    client: FlaskClient, capp: Flask, tmp_path: Path
) -> None:
    for email in ("a@example.tw\r\nBcc: victim@example.tw", "a@example.tw\nBcc:x@example.tw"):
        response = post(client, complaint(capp, open_form(client), email=email))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "請輸入一個有效的電子郵件地址" in page and 'href="#email"' in page
    for field in ("subject", "name", "phone", "address", "location"):
        data = complaint(capp, open_form(client), **{field: "x\r\nBcc: victim@example.tw"})
        assert post(client, data).status_code == 422, field
    assert count_rows(capp, Complaint) == 0
    assert count_rows(capp, MailMessage) == 0
    drain(capp)
    assert not list((tmp_path / "outbox").rglob("*.eml"))


def test_xss_in_every_field_is_escaped_on_the_error_page(client: FlaskClient, capp: Flask) -> None:
    fields = ("subject", "description", "location", "latitude", "longitude", "name", "email")
    fields += ("phone", "address", "category", "reply_channel", "submission_token")
    data = complaint(capp, open_form(client), **{f: XSS for f in fields})
    response = post(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert not any(raw in page for raw in RAW)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert count_rows(capp, Complaint) == 0


def test_xss_is_escaped_on_the_confirmation_and_follow_pages(
    client: FlaskClient, capp: Flask
) -> None:
    xss_file = (io.BytesIO(png()), f"{XSS}.png")
    filed = file_one(
        client,
        capp,
        subject=XSS,
        description=XSS,
        location=XSS,
        name=XSS,
        address=XSS,
        attachments=[xss_file],
    )
    assert not any(raw in filed["page"] for raw in RAW)
    assert filed["page"].count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    followed = client.get(filed["link"], follow_redirects=True).get_data(as_text=True)
    assert not any(raw in followed for raw in RAW)
    assert followed.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3


def test_csrf_is_required(client: FlaskClient, capp: Flask) -> None:
    response = post(client, complaint(capp, open_form(client), csrf_token=None))
    assert response.status_code == 400
    assert "頁面已逾時" in response.get_data(as_text=True)
    response = post(client, complaint(capp, open_form(client), csrf_token="forged"))
    assert response.status_code == 400
    assert count_rows(capp, Complaint) == 0
    filed = file_one(client, capp)
    other = capp.test_client()
    other.get("/complaints/follow")
    data = {"case_number": filed["number"], "password": filed["password"]}
    assert other.post("/complaints/follow", data=data).status_code == 400
    assert client.post("/complaints/end").status_code == 400


def test_undecodable_bytes_are_refused_not_a_500(client: FlaskClient, capp: Flask) -> None:
    page = open_form(client)
    body = (
        b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + csrf_token(page).encode()
        + b'\r\n--B\r\nContent-Disposition: form-data; name="subject"\r\n\r\n\xff\xfe\xfa'
        + b"\r\n--B--\r\n"
    )
    response = client.post(
        "/complaints/alpha/new", data=body, content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 422
    assert count_rows(capp, Complaint) == 0


# -- following ---------------------------------------------------------------------


def follow(client: FlaskClient, number: str, password: str, address: str = "127.0.0.1") -> Any:
    where = {"REMOTE_ADDR": address}
    page = client.get("/complaints/follow", environ_base=where).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "case_number": number, "password": password}
    return client.post("/complaints/follow", data=data, environ_base=where)


def release_all(app: Flask) -> None:
    """Release every held file (the tests configure no virus scanner), as a handler does."""
    handler = complaints.add_handler(app, "alpha", "releaser@alpha.example.test")
    for case_id in {row.complaint_id for row in attachment_rows(app)}:
        complaints.release_files(app, case_id, handler)


def test_following_with_number_and_password(client: FlaskClient, capp: Flask) -> None:
    filed = file_one(client, capp, attachments=[(io.BytesIO(pdf()), "a.pdf")])
    release_all(capp)
    other = capp.test_client()
    response = follow(other, filed["number"].lower(), filed["password"].lower())
    assert response.status_code == 303
    page = other.get(response.headers["Location"]).get_data(as_text=True)
    assert filed["number"] in page and "已收件" in page and "路燈不亮" in page
    assert "王小明" not in page and "ming@example.tw" not in page  # no contact details
    download = re.search(r'href="(/complaints/follow/file/[^"]+)"', page)
    assert download
    response = other.get(download.group(1))
    assert response.status_code == 200 and response.data == pdf()
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("no-store")
    # The same URL in a browser that has not proved the case: no file.
    stranger = capp.test_client()
    assert stranger.get(download.group(1)).status_code == 410
    # After "done", this browser cannot either.
    end_page = other.get("/complaints/follow/case").get_data(as_text=True)
    assert other.post("/complaints/end", data={"csrf_token": csrf_token(end_page)}).status_code
    assert other.get(download.group(1)).status_code == 410
    assert other.get("/complaints/follow/case").status_code == 303


def test_wrong_number_and_wrong_password_get_the_same_answer(
    client: FlaskClient, capp: Flask
) -> None:
    filed = file_one(client, capp)
    one, two = capp.test_client(), capp.test_client()
    wrong_password = follow(one, filed["number"], "AAAAAAAAAAAA")
    wrong_number = follow(two, "20200101-AAAAAA", filed["password"])
    assert wrong_password.status_code == wrong_number.status_code == 422
    assert without_tokens(wrong_password.get_data(as_text=True)) == without_tokens(
        wrong_number.get_data(as_text=True)
    )
    assert "案號或密碼不正確" in wrong_number.get_data(as_text=True)


def backoff_setting(free: int) -> dict[str, int]:
    return {"free": free, "first_seconds": 60, "longest_minutes": 15, "forget_hours": 24}


def follow_from(app: Flask, address: str, number: str, password: str) -> Any:
    """Follow a case from a new browser at ``address``."""
    return follow(app.test_client(), number, password, address)


def test_a_stranger_cannot_lock_the_complainant_out(client: FlaskClient, capp: Flask) -> None:
    filed = file_one(client, capp)
    for _ in range(12):
        assert follow_from(capp, "203.0.113.5", filed["number"], "WRONGWRONG22").status_code in (
            422,
            429,
        )
    assert follow_from(capp, "198.51.100.20", filed["number"], filed["password"]).status_code == 303


def test_guessing_backs_off_per_address_and_case_number(
    client: FlaskClient, capp: Flask, clock: Clock
) -> None:
    capp.config["CLOCK"] = clock
    filed = file_one(client, capp)
    here = "203.0.113.5"
    for _ in range(5):
        assert follow_from(capp, here, filed["number"], "WRONGWRONG22").status_code == 422
    blocked = follow_from(capp, here, filed["number"], filed["password"])  # even the right one
    page = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and "錯誤次數太多，請於 1 分鐘後再試" in page
    clock.advance(seconds=30)
    assert follow_from(capp, here, filed["number"], filed["password"]).status_code == 303
    # A number nobody filed backs off the same way: the back-off reveals nothing.
    for _ in range(5):
        follow_from(capp, here, "20200101-AAAAAA", "WRONGWRONG22")
    assert follow_from(capp, here, "20200101-AAAAAA", "WRONGWRONG22").status_code == 429


def test_guessing_backs_off_per_address(client: FlaskClient, capp: Flask) -> None:
    capp.config["COMPLAINT_FOLLOW_ADDRESS_BACKOFF"] = backoff_setting(free=4)
    filed = file_one(client, capp)
    here = "203.0.113.5"
    for i in range(4):
        assert follow_from(capp, here, f"20200101-AAAAA{i + 2}", "WRONGWRONG22").status_code == 422
    assert follow_from(capp, here, filed["number"], filed["password"]).status_code == 429
    assert follow_from(capp, "10.1.2.3", filed["number"], filed["password"]).status_code == 303


def test_the_case_wide_back_off_holds_back_the_password_but_never_the_link(
    client: FlaskClient, capp: Flask
) -> None:
    capp.config["COMPLAINT_FOLLOW_CASE_BACKOFF"] = backoff_setting(free=6)
    filed = file_one(client, capp)
    for network in range(3):  # two wrong tries from each of three addresses
        for _ in range(2):
            follow_from(capp, f"203.0.113.{network + 1}", filed["number"], "WRONGWRONG22")
    held = follow_from(capp, "198.51.100.20", filed["number"], filed["password"])
    assert held.status_code == 429 and "使用電子郵件中的查詢連結" in held.get_data(as_text=True)
    owner = capp.test_client()
    response = owner.get(filed["link"], environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 303
    assert filed["number"] in owner.get(response.headers["Location"]).get_data(as_text=True)


def test_concurrent_wrong_tries_get_no_more_checks_than_the_back_off_allows(
    client: FlaskClient, capp: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    filed = file_one(client, capp)
    checked = count_calls(monkeypatch, complainant, "find_for_complainant")

    def guesser() -> Callable[[], int]:
        browser = capp.test_client()
        token = csrf_token(browser.get("/complaints/follow").get_data(as_text=True))
        data = {"csrf_token": token, "case_number": filed["number"], "password": "WRONGWRONG22"}
        return lambda: browser.post("/complaints/follow", data=data).status_code

    statuses = at_once([guesser() for _ in range(20)])
    assert (len(checked), sorted(statuses)) == (5, [422] * 5 + [429] * 15)


def test_a_bad_link_shows_a_page_and_proves_nothing(client: FlaskClient, capp: Flask) -> None:
    file_one(client, capp)
    stranger = capp.test_client()
    response = stranger.get("/complaints/follow/" + "A" * 43)
    assert response.status_code == 200 and "查詢連結無效" in response.get_data(as_text=True)
    assert stranger.get("/complaints/follow/case").status_code == 303


def test_the_follow_proof_expires(
    client: FlaskClient, capp: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    filed = file_one(client, capp)
    reader = capp.test_client()
    assert reader.get(filed["link"]).status_code == 303
    assert reader.get("/complaints/follow/case").status_code == 200
    start = complaints_public._now()
    monkeypatch.setattr(complaints_public, "_now", lambda: start + 25 * 60)
    assert reader.get("/complaints/follow/case").status_code == 200  # renews the limit
    monkeypatch.setattr(complaints_public, "_now", lambda: start + 50 * 60)
    assert reader.get("/complaints/follow/case").status_code == 200
    monkeypatch.setattr(complaints_public, "_now", lambda: start + 81 * 60)
    response = reader.get("/complaints/follow/case")
    assert response.status_code == 303 and "expired=1" in response.headers["Location"]


def test_a_signed_file_url_of_another_case_is_refused(client: FlaskClient, capp: Flask) -> None:
    mine = file_one(client, capp)
    theirs_client = capp.test_client()
    theirs = file_one(theirs_client, capp, attachments=[(io.BytesIO(pdf()), "theirs.pdf")])
    release_all(capp)
    page = theirs_client.get(theirs["link"], follow_redirects=True).get_data(as_text=True)
    url = re.search(r'href="(/complaints/follow/file/[^"]+)"', page)
    assert url
    me = capp.test_client()
    assert me.get(mine["link"]).status_code == 303  # I follow my own case
    assert me.get(url.group(1)).status_code == 410  # their URL names their case
    forged = "/complaints/follow/file/" + url.group(1).rsplit("/", 1)[1][:-4] + "AAAA"
    assert theirs_client.get(forged).status_code == 410


def test_staff_files_are_not_served_to_the_complainant(client: FlaskClient, capp: Flask) -> None:
    from collector.complaints import attachments

    filed = file_one(client, capp)
    handler = complaints.add_handler(capp, "alpha", "handler@alpha.example.test")
    with session_scope(capp) as session:
        case = session.execute(select(Complaint)).scalar_one()
        kept = attachments.check(pdf(), shown="internal.pdf")
        (row,) = attachments.store(session, case, [kept], uploaded_by=handler, app=capp)
        case_id = case.id
    reader = capp.test_client()
    page = reader.get(filed["link"], follow_redirects=True).get_data(as_text=True)
    assert "internal.pdf" not in page
    with capp.test_request_context():
        url = complaints_public._file_url(Complaint(id=case_id), row)  # type: ignore[call-arg]
    assert reader.get(url).status_code == 404


# -- supplements ---------------------------------------------------------------------


def ask_for_supplement(app: Flask, reason: str = "請提供照片") -> None:
    handler = complaints.add_handler(app, "alpha", "handler@alpha.example.test")
    with session_scope(app) as session:
        case_id = session.execute(select(Complaint.id)).scalar_one()

    complaints.act(
        app,
        case_id,
        handler,
        lambda s, c, a: CaseService(app, s, a).request_supplement(c, reason=reason),
        send=False,
    )


def test_a_supplement_with_a_file_resumes_the_case(client: FlaskClient, capp: Flask) -> None:
    filed = file_one(client, capp)
    ask_for_supplement(capp, reason=f"請提供照片 {XSS}")
    reader = capp.test_client()
    page = reader.get(filed["link"], follow_redirects=True).get_data(as_text=True)
    assert "待您補充資料" in page and 'id="supplement-form"' in page
    assert not any(raw in page for raw in RAW)  # the handler's reason is escaped too
    data = {
        "csrf_token": csrf_token(page),
        "text": f"照片如附件 {XSS}",
        "attachments": [(io.BytesIO(jpeg_with_gps()), "現場.jpg")],
    }
    response = reader.post("/complaints/follow/case", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    page = reader.get(response.headers["Location"]).get_data(as_text=True)
    assert "已收到您的補充資料" in page and "現場.jpg" in page
    assert not any(raw in page for raw in RAW)
    with session_scope(capp) as session:
        case = session.execute(select(Complaint)).scalar_one()
        kinds = [e.kind for e in session.execute(select(ComplaintEvent)).scalars()]
    assert case.status == "in_progress" and "supplement_received" in kinds
    (row,) = attachment_rows(capp)
    assert row.uploaded_by is None and row.filename == "現場.jpg"
    # Not awaiting any more: a second supplement is refused.
    data["csrf_token"] = csrf_token(page)
    data["attachments"] = [(io.BytesIO(png()), "more.png")]
    again = reader.post("/complaints/follow/case", data=data, content_type="multipart/form-data")
    assert again.status_code == 409 and len(attachment_rows(capp)) == 1


def test_a_bad_supplement_file_changes_nothing(client: FlaskClient, capp: Flask) -> None:
    filed = file_one(client, capp)
    ask_for_supplement(capp)
    reader = capp.test_client()
    page = reader.get(filed["link"], follow_redirects=True).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "text": "補充",
        "attachments": [(io.BytesIO(HTML), "x.png")],
    }
    response = reader.post("/complaints/follow/case", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "檔案含有網頁或程式碼" in response.get_data(as_text=True)
    with session_scope(capp) as session:
        assert session.execute(select(Complaint)).scalar_one().status == "awaiting_supplement"
    assert attachment_rows(capp) == [] and stored_files(capp) == []


COMPLAINT_FIELDS = [
    "lang",
    "category",
    "subject",
    "description",
    "location",
    "latitude",
    "longitude",
    "anonymous",
    "confidential",
    "name",
    "email",
    "phone",
    "address",
    "reply_channel",
    "submission_token",
]


@given(values=form_values(COMPLAINT_FIELDS))
@FUZZ
def test_any_complaint_form_gets_a_page_or_is_filed(
    client: FlaskClient, capp: Flask, values: dict[str, Any]
) -> None:
    capp.config["RATELIMIT_ENABLED"] = False
    response = post(client, complaint(capp, open_form(client)) | values)
    assert response.status_code in (200, 303, 400, 422), response.status_code
    if response.status_code != 303:
        assert response.mimetype == "text/html"  # the form again, saying what to fix
