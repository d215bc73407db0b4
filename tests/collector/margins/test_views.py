"""The margins' console pages (collector.margins.views): entering, uploading, refusing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from collector.core.db import session_scope
from collector.margins import store
from tests.helpers.database import audit_events
from tests.helpers.organisation import agency_id
from tests.helpers.organisation import unit_id
from tests.helpers.web import Auth
from tests.helpers.web import error_summary
from tests.helpers.web import login as login_as

ADMIN = "admin@alpha.example.test"
ANALYST = "analyst@alpha.example.test"
BETA_ADMIN = "admin@beta.example.test"
SOURCE = "戶籍登記統計，2025 年 12 月"
GOOD = (
    "year,variable,category,count,unit\n"
    "2025,sex,male,48210,\n"
    "2025,sex,female,51790,\n"
    "2025,age_group,20-29,30000,\n"
    "2025,age_group,65plus,70000,\n"
    "114,sex,女,600,c1\n"
    "114,sex,男,400,c1\n"
)


def login(app: Flask, email: str) -> tuple[FlaskClient, Auth]:
    """Logged in, the console in English (the messages below are the msgids)."""
    client, auth = login_as(app, email)
    client.get("/staff/?lang=en")
    return client, auth


def saved(app: Flask, code: str = "alpha") -> list[store.StoredSet]:
    with session_scope(app) as session:
        return store.stored_sets(session, agency_id(app, code), "")


def upload(client: FlaskClient, auth: Auth, data: bytes, source: str = SOURCE) -> Any:
    return client.post(
        "/staff/margins/upload",
        data={
            "csrf_token": auth.csrf(),
            "source": source,
            "file": (io.BytesIO(data), "margins.csv"),
        },
        content_type="multipart/form-data",
    )


def test_a_csv_is_saved_whole_and_audited(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    response = upload(client, auth, GOOD.encode("utf-8"))
    assert response.status_code == 303, response.text
    sets = {(s.year, s.unit_id, s.variable): s for s in saved(staff_app)}
    c1 = unit_id(staff_app, "alpha", "c1")
    assert sets[(2025, None, "sex")].cells == (("male", 48210), ("female", 51790))
    assert sets[(2025, c1, "sex")].counts() == {"female": 600, "male": 400}  # ROC 114, labels
    assert sets[(2025, None, "sex")].source == SOURCE
    event = audit_events(staff_app, "margins.changed")[-1]
    assert event.agency_id == agency_id(staff_app, "alpha")
    assert '"how":"csv"' in (event.detail or "")
    page = client.get("/staff/margins?year=2025").text
    assert "48,210" in page and SOURCE in page


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "holds no margins"),
        (b"year,variable,category,count\n", "holds no margins"),
        (b"year,variable,count\n2025,sex,5\n", "missing: category"),
        (b"year,variable,category,count,colour\n", "Unknown column colour"),
        (b"year,variable,category,count\n2025,sex,male\n", "has 3 cells"),
        (b"year,variable,category,count\n2025,sex,male,-5\n2025,sex,female,5\n", "above zero"),
        (b"year,variable,category,count\n2025,sex,male,0\n2025,sex,female,5\n", "above zero"),
        (b"year,variable,category,count\n2025,sex,male,1.5\n2025,sex,female,5\n", "above zero"),
        (b"year,variable,category,count\n2025,sex,male,abc\n2025,sex,female,5\n", "above zero"),
        (
            b"year,variable,category,count\n2025,sex,male,=SUM(A1:A3)\n2025,sex,female,5\n",
            "formula",
        ),
        (
            b'year,variable,category,count\n2025,sex,=HYPERLINK("x"),5\n2025,sex,female,5\n',
            "formula",
        ),
        (
            b"year,variable,category,count\n2025,sex,unicorn,5\n2025,sex,female,5\n",
            "not a category",
        ),
        (
            b"year,variable,category,count\n2025,income,high,5\n2025,sex,female,5\n",
            "Unknown variable",
        ),
        (b"year,variable,category,count\n1850,sex,male,5\n2025,sex,female,5\n", "Enter a year"),
        (
            b"year,variable,category,count,unit\n2025,sex,male,5,zz\n2025,sex,female,5,zz\n",
            "Unknown service unit",
        ),
        (
            b"year,variable,category,count\n2025,sex,male,5\n2025,sex,male,6\n",
            "same category as row 2",
        ),
        (b"year,variable,category,count\n2025,sex,male,5\n", "at least two"),
        (
            b"year,variable,category,count\n2025,sex,male,200000000\n2025,sex,female,5\n",
            "larger than",
        ),
        (b'year,variable,category,count\n2025,sex,"male,5\n', "not valid CSV"),
        (b"PK\x03\x04xlsx-bytes", "not a CSV file"),
        (b"year,variable,category,count\n2025,sex,\xff\xfe\xfa,5\n", "neither UTF-8 nor Big5"),
        (b"x" * 200_001, "larger than 200 KB"),
        (b"year,variable,category,count\n" + b"2025,sex,male,5\n" * 2_100, "more than 2000 rows"),
    ],
)
def test_a_bad_csv_changes_nothing_and_says_why(
    staff_app: Flask, data: bytes, expected: str
) -> None:
    client, auth = login(staff_app, ADMIN)
    assert upload(client, auth, GOOD.encode()).status_code == 303
    before = saved(staff_app)
    events = len(audit_events(staff_app))
    response = upload(client, auth, data)
    assert response.status_code == 422
    summary = " ".join(text for _, text in error_summary(response.text).entries)
    assert expected in summary, summary
    assert "nothing was changed" in response.text
    assert saved(staff_app) == before
    assert len(audit_events(staff_app)) == events


def test_utf8_bom_big5_and_utf16_files_are_read(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    text = "年度,變項,類別,人數\n2024,性別,男,1000\n2024,性別,女,1100\n2024,年齡,65 歲以上,900\n2024,年齡,20–29 歲,1200\n"
    for encoding in ("utf-8-sig", "cp950", "utf-16"):
        data = (
            text.replace("–", "-").encode(encoding)
            if encoding == "cp950"
            else text.encode(encoding)
        )
        response = upload(client, auth, data)
        if encoding == "cp950":  # Big5 has no en dash: the label with a hyphen is refused
            assert response.status_code == 422
            assert "not a category" in response.text
            data = text.replace("20–29 歲", "20-29").encode("cp950")
            response = upload(client, auth, data)
        assert response.status_code == 303, (encoding, response.text)
        sets = {s.variable: s.counts() for s in saved(staff_app) if s.year == 2024}
        assert sets == {
            "sex": {"male": 1000, "female": 1100},
            "age_group": {"65plus": 900, "20-29": 1200},
        }


def test_a_file_without_a_source_is_refused(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    response = upload(client, auth, GOOD.encode(), source="")
    assert response.status_code == 422
    assert "Say where the counts come from" in response.text
    assert saved(staff_app) == []


def test_the_form_saves_one_variable_with_its_total(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    page = client.get("/staff/margins/2025/age_group")
    assert page.status_code == 200
    assert "65 歲以上" in page.text or "65 or older" in page.text
    data = {"csrf_token": auth.csrf(), "source": SOURCE, "unit": ""}
    data |= {f"count_{i}": str(1000 * (i + 1)) for i in range(7)}
    response = client.post("/staff/margins/2025/age_group", data=data)
    assert response.status_code == 303
    (stored,) = saved(staff_app)
    assert stored.total == 28_000 and stored.cells[0] == ("under20", 1000)
    assert '"how":"form"' in (audit_events(staff_app, "margins.changed")[-1].detail or "")
    again = client.get("/staff/margins/2025/age_group").text
    assert "28,000" in again  # the saved total is shown


@pytest.mark.parametrize(
    ("counts", "source", "expected"),
    [
        ({"count_0": "-3", "count_1": "5"}, SOURCE, "above zero"),
        ({"count_0": "=1+1", "count_1": "5"}, SOURCE, "formula"),
        ({"count_0": "1e5", "count_1": "5"}, SOURCE, "above zero"),
        ({"count_0": "5"}, SOURCE, "at least two"),
        ({"count_0": "5", "count_1": "6"}, "", "Say where the counts come from"),
        ({"count_0": "5", "count_1": "6"}, "=cmd|' /C calc'!A0", "Say where the counts come from"),
    ],
)
def test_bad_form_input_is_refused_with_every_error(
    staff_app: Flask, counts: dict[str, str], source: str, expected: str
) -> None:
    client, auth = login(staff_app, ADMIN)
    data = {"csrf_token": auth.csrf(), "source": source, "unit": "", **counts}
    response = client.post("/staff/margins/2025/sex", data=data)
    assert response.status_code == 422
    summary = error_summary(response.text)
    assert any(expected in text for _, text in summary.entries), summary.entries
    assert saved(staff_app) == []
    assert audit_events(staff_app, "margins.changed") == []


def test_totals_that_disagree_are_warned(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    data = "year,variable,category,count\n2025,sex,male,500\n2025,sex,female,500\n2025,age_group,20-29,600\n2025,age_group,30-39,500\n"
    assert upload(client, auth, data.encode()).status_code == 303
    page = client.get("/staff/margins?year=2025").text
    assert "The totals of the variables differ by" in page


def test_remove(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    assert upload(client, auth, GOOD.encode()).status_code == 303
    response = client.post(
        "/staff/margins/2025/sex/remove", data={"csrf_token": auth.csrf(), "unit": ""}
    )
    assert response.status_code == 303
    assert {(s.unit_id, s.variable) for s in saved(staff_app) if s.year == 2025} == {
        (None, "age_group"),
        (unit_id(staff_app, "alpha", "c1"), "sex"),
    }
    assert audit_events(staff_app, "margins.removed")


def test_other_agencies_never_see_or_touch_the_margins(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    assert upload(client, auth, GOOD.encode()).status_code == 303
    beta, beta_auth = login(staff_app, BETA_ADMIN)
    page = beta.get("/staff/margins?year=2025").text
    assert "48,210" not in page and SOURCE not in page
    # alpha's unit is not a unit of beta: 404, and nothing of alpha's changes
    alpha_unit = unit_id(staff_app, "alpha", "c1")
    response = beta.get(f"/staff/margins/2025/sex?unit={alpha_unit}")
    assert response.status_code == 404
    assert (
        upload(
            beta, beta_auth, b"year,variable,category,count\n2025,sex,male,1\n2025,sex,female,2\n"
        ).status_code
        == 303
    )
    assert {
        s.total for s in saved(staff_app, "alpha") if s.unit_id is None and s.variable == "sex"
    } == {100_000}
    assert {s.total for s in saved(staff_app, "beta")} == {3}


def test_analysts_read_and_may_not_change(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    assert upload(client, auth, GOOD.encode()).status_code == 303
    analyst, analyst_auth = login(staff_app, ANALYST)
    page = analyst.get("/staff/margins?year=2025")
    assert page.status_code == 200 and "48,210" in page.text
    assert "/staff/margins/upload" not in page.text
    assert analyst.get("/staff/margins/upload").status_code == 403
    assert upload(analyst, analyst_auth, GOOD.encode()).status_code == 403
    for email in ("cases@alpha.example.test", "ministry@moi.example.test"):
        other, _ = login(staff_app, email)
        assert other.get("/staff/margins").status_code == 403
