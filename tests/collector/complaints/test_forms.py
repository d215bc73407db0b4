"""The public complaint forms: required fields, lengths, one-line fields, e-mail,
phone, coordinates, and which reply channels are possible."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from collector.complaints.forms import DESCRIPTION_MAX
from collector.complaints.forms import SUBJECT_MAX
from collector.complaints.forms import ComplaintForm
from collector.complaints.forms import FollowForm
from collector.complaints.forms import SupplementForm
from collector.complaints.forms import privacy_notice
from collector.core.models import Agency
from collector.core.models import ComplaintCategory

CATEGORIES = [
    ComplaintCategory(id=7, agency_id=1, code="roads", name_zh="道路", name_en="Roads"),
    ComplaintCategory(id=9, agency_id=1, code="noise", name_zh="噪音", name_en="Noise"),
]

VALID: dict[str, str] = {
    "category": "7",
    "subject": "路燈不亮",
    "description": "中山路 12 號前的路燈\r\n已經一週不亮。",
    "name": "王小明",
    "email": "Ming@Example.TW",
    "reply_channel": "email",
}


@pytest.fixture
def flask_app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    return app


def submit(app: Flask, form_class: Any = ComplaintForm, language: str = "en", **data: Any) -> Any:
    """The form bound to ``data`` as posted, validated; returns the form."""
    values = MultiDict({k: v for k, v in data.items() if v is not None})
    with app.test_request_context(method="POST", data=values):
        extra = {"categories": CATEGORIES} if form_class is ComplaintForm else {}
        form = form_class(language=language, **extra)
        form.valid = form.validate()
        return form


def errors(form: Any) -> dict[str, list[str]]:
    return {name: list(f.errors) for name, f in form._fields.items() if f.errors}


def test_a_valid_complaint_gives_what_new_case_takes(flask_app: Flask) -> None:
    form = submit(flask_app, **VALID, latitude=" 25.04 ", longitude="121.512")
    assert form.valid, errors(form)
    assert form.chosen_category is CATEGORIES[0]
    assert form.case_fields() == {
        "subject": "路燈不亮",
        "description": "中山路 12 號前的路燈\n已經一週不亮。",
        "location": None,
        "latitude": 25.04,
        "longitude": 121.512,
        "anonymous": False,
        "confidential": False,
        "name": "王小明",
        "email": "ming@example.tw",
        "phone": None,
        "address": None,
        "reply_channel": "email",
    }


def test_required_fields_are_named_in_the_page_language(flask_app: Flask) -> None:
    form = submit(flask_app, language="zh-Hant-TW")
    assert not form.valid
    got = errors(form)
    assert set(got) == {"category", "subject", "description", "name", "email"}
    assert got["subject"] == ["請填寫主旨。"]
    assert got["email"] == ["選擇以電子郵件回覆時，請填寫電子郵件。"]
    ids = [field_id for field_id, _ in form.error_list()]
    assert ids == ["category", "subject", "description", "name", "email"]  # page order


def test_an_unknown_or_inactive_category_is_refused(flask_app: Flask) -> None:
    for value in ("8", "", "7 ", "<script>"):
        form = submit(flask_app, **{**VALID, "category": value})
        assert "category" in errors(form), value


def test_lengths_are_the_models(flask_app: Flask) -> None:
    assert submit(flask_app, **{**VALID, "subject": "字" * SUBJECT_MAX}).valid
    form = submit(flask_app, **{**VALID, "subject": "字" * (SUBJECT_MAX + 1)})
    assert errors(form)["subject"] == [f"The text is too long: at most {SUBJECT_MAX} characters."]
    assert submit(flask_app, **{**VALID, "description": "字" * DESCRIPTION_MAX}).valid
    assert not submit(flask_app, **{**VALID, "description": "字" * (DESCRIPTION_MAX + 1)}).valid
    for field, limit in (("name", 100), ("location", 300), ("address", 300), ("phone", 40)):
        form = submit(flask_app, **{**VALID, field: "1" * (limit + 1)})
        assert field in errors(form), field


@pytest.mark.parametrize("field", ["subject", "name", "location", "address", "phone", "email"])
@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r", "\x00", "\u2028", "\t", "\x1b"])
def test_no_line_break_or_control_character_in_a_one_line_field(
    flask_app: Flask, field: str, breaker: str
) -> None:
    value = {"email": "a@example.tw", "phone": "02-1234-5678"}.get(field, "text")
    form = submit(flask_app, **{**VALID, field: f"{value}{breaker}Bcc: victim@example.tw"})
    assert field in errors(form)


def test_header_injection_in_the_email_is_refused(flask_app: Flask) -> None:
    for value in (
        "a@example.tw\r\nBcc: victim@example.tw",
        "a@example.tw%0ABcc:victim@example.tw",
        "a@example.tw, b@example.tw",
        '"Ming" <a@example.tw>',
        "a@example.tw\nSubject: spam",
        "not an address",
        "a@localhost",
    ):
        form = submit(flask_app, **{**VALID, "email": value})
        assert "email" in errors(form), value


def test_a_description_keeps_line_breaks_but_not_other_controls(flask_app: Flask) -> None:
    assert submit(flask_app, **{**VALID, "description": "一\n二\t三"}).valid
    form = submit(flask_app, **{**VALID, "description": "一\x00二"})
    assert "description" in errors(form)
    form = submit(flask_app, **{**VALID, "description": "bad \ufffd bytes"})
    assert "description" in errors(form)


def test_text_is_stored_as_nfc(flask_app: Flask) -> None:
    form = submit(flask_app, **{**VALID, "subject": "Cafe\u0301 噪音"})
    assert form.valid and form.subject.data == "Caf\u00e9 噪音"


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("02-2345-6789", True),
        ("(02) 2345 6789#123", True),
        ("+886 912 345 678", True),
        ("0912345678", True),
        ("12345", False),
        ("call me", False),
        ("0912-345-678; rm -rf", False),
        ("1" * 21, False),
    ],
)
def test_phone_numbers(flask_app: Flask, phone: str, ok: bool) -> None:
    form = submit(flask_app, **{**VALID, "phone": phone})
    assert ("phone" not in errors(form)) is ok


@pytest.mark.parametrize(
    ("latitude", "longitude", "ok"),
    [
        ("25.04", "121.51", True),
        ("-90", "180", True),
        ("90.0001", "121", False),
        ("25", "-180.5", False),
        ("nan", "121", False),
        ("inf", "121", False),
        ("1e400", "121", False),
        ("north", "121", False),
        ("25.04", "", False),  # both or neither
        ("", "121.5", False),
        ("", "", True),
    ],
)
def test_coordinates(flask_app: Flask, latitude: str, longitude: str, ok: bool) -> None:
    form = submit(flask_app, **{**VALID, "latitude": latitude, "longitude": longitude})
    assert form.valid is ok, errors(form)


def test_the_reply_channel_needs_its_contact_detail(flask_app: Flask) -> None:
    base = {k: v for k, v in VALID.items() if k != "email"}
    form = submit(flask_app, **{**base, "reply_channel": "letter"})
    assert errors(form) == {"address": ["For a reply by letter, enter your postal address."]}
    form = submit(flask_app, **{**base, "reply_channel": "phone"})
    assert errors(form) == {"phone": ["For a reply by phone, enter your phone number."]}
    assert submit(flask_app, **{**base, "reply_channel": "letter", "address": "臺北市"}).valid
    assert submit(flask_app, **{**base, "reply_channel": "phone", "phone": "02-2345-6789"}).valid
    assert submit(flask_app, **{**base, "reply_channel": "none"}).valid
    form = submit(flask_app, **{**base, "reply_channel": "pigeon"})
    assert "reply_channel" in errors(form)


def test_anonymous_means_no_contact_details_and_no_reply(flask_app: Flask) -> None:
    anonymous = {"category": "9", "subject": "噪音", "description": "夜間施工", "anonymous": "y"}
    form = submit(flask_app, **anonymous, reply_channel="none")
    assert form.valid, errors(form)
    fields = form.case_fields()
    assert fields["anonymous"] is True and fields["reply_channel"] == "none"
    assert fields["name"] is fields["email"] is fields["phone"] is fields["address"] is None
    form = submit(flask_app, **anonymous, reply_channel="email")
    assert "reply_channel" in errors(form)
    form = submit(flask_app, **anonymous, reply_channel="none", email="a@example.tw")
    assert "anonymous" in errors(form)


def test_a_named_complaint_needs_a_name(flask_app: Flask) -> None:
    form = submit(flask_app, **{**VALID, "name": ""})
    assert "name" in errors(form)


def test_csrf_is_checked_when_enabled(flask_app: Flask) -> None:
    flask_app.config["WTF_CSRF_ENABLED"] = True
    form = submit(flask_app, **VALID)
    assert not form.valid and form.csrf_failed
    assert "csrf_token" not in [field_id for field_id, _ in form.error_list()]


def test_follow_and_supplement_forms(flask_app: Flask) -> None:
    form = submit(flask_app, FollowForm)
    assert set(errors(form)) == {"case_number", "password"}
    form = submit(flask_app, FollowForm, case_number="20261124-ABC234", password="X" * 12)
    assert form.valid
    form = submit(flask_app, FollowForm, case_number="1\r\n2", password="x")
    assert "case_number" in errors(form)
    assert not submit(flask_app, SupplementForm, text="   ").valid
    assert submit(flask_app, SupplementForm, text="補充：照片如附件").valid


def test_labels_follow_the_language(flask_app: Flask) -> None:
    zh = submit(flask_app, language="zh-Hant-TW")
    en = submit(flask_app, language="en")
    assert (zh.subject.label.text, en.subject.label.text) == ("主旨", "Subject")
    pairs = [(c.value, c.label) for c in zh.category.choices]
    assert pairs == [("", "請選擇"), ("7", "道路"), ("9", "噪音")]
    assert (en.category.choices[1].value, en.category.choices[1].label) == ("7", "Roads")
    assert (en.reply_channel.choices[0].value, en.reply_channel.choices[0].label) == (
        "email",
        "Email",
    )


def test_the_pdpa_notice_names_the_agency_and_every_article_8_item() -> None:
    agency = Agency(code="alpha", name_zh="甲機關", name_en="Agency Alpha")
    zh = privacy_notice(agency, "zh-Hant-TW")
    en = privacy_notice(agency, "en")
    assert len(zh) == len(en) == 6
    text_zh = " ".join(text for _, text in zh)
    text_en = " ".join(text for _, text in en)
    assert "甲機關" in zh[0][1] and "Agency Alpha" in en[0][1]
    for needle in ("陳情", "C001", "檔案法", "第 3 條", "查詢或閱覽", "刪除", "第 173 條"):
        assert needle in text_zh, needle
    for needle in ("complaints", "C001", "Archives Act", "Article 3", "copy", "delete"):
        assert needle in text_en, needle
