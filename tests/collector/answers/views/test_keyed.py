"""The keyed paper questionnaires (/staff/paper/keyed): listed, corrected, voided and
restored, each change with who, when and why in the history and the audit log."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.access.audit import verify_chain
from collector.answers.views import keyed
from collector.core.db import session_scope
from collector.core.models import Response
from collector.core.models import ResponseRevision
from collector.core.voiding import including_voided
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.database import audit_events
from tests.helpers.staff import make_user
from tests.helpers.web import client_as
from tests.helpers.web import csrf_token

COUNTER = "counter@alpha.example.test"


@pytest.fixture
def counter(staff_app: Flask) -> Any:
    return client_as(staff_app, COUNTER)


def keyed_in(app: Flask, people: dict[str, int], count: int = 1, **kw: Any) -> list[int]:
    """``count`` paper questionnaires keyed in at alpha's c1 by the counter clerk; ids."""
    receipts = add_responses(
        app, "alpha", "c1", count, channel="paper", batch="B-7", entered_by=people[COUNTER], **kw
    )
    return [response(app, r).id for r in receipts]  # type: ignore[misc]


def response(app: Flask, receipt: str | None = None, id: int | None = None) -> Response:
    with session_scope(app) as session:
        statement = select(Response).where(
            Response.receipt == receipt if receipt else Response.id == id  # type: ignore[arg-type]
        )
        row = session.execute(including_voided(statement)).scalar_one()
        session.expunge(row)
        return row


def revisions(app: Flask, response_id: int) -> list[ResponseRevision]:
    with session_scope(app) as session:
        rows = list(
            session.execute(
                select(ResponseRevision)
                .where(ResponseRevision.response_id == response_id)  # type: ignore[arg-type]
                .order_by(ResponseRevision.revision)  # type: ignore[arg-type]
            ).scalars()
        )
        session.expunge_all()
        return rows


def form_of(page: str) -> dict[str, str]:
    """The correction form's fields as the page filled them."""
    fields = dict(re.findall(r'name="(q_\w+)" value="([^"]*)"', page))
    fields["csrf_token"] = csrf_token(page)
    fields["revision"] = re.search(r'name="revision" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    return fields


def post_change(client: Any, response_id: int, action: str, reason: str, revision: int) -> Any:
    token = csrf_token(client.get("/staff/").text)
    return client.post(
        f"/staff/paper/keyed/{response_id}/{action}",
        data={"csrf_token": token, "reason": reason, "revision": str(revision)},
    )


def start_entry(client: Any, app: Flask, batch: str) -> None:
    """Set up paper entry at alpha's c1 for the citizen questionnaire, as on the page."""
    from tests.helpers.organisation import unit_id

    page = client.get("/staff/paper")
    client.post(
        "/staff/paper",
        data={
            "csrf_token": csrf_token(page.text),
            "unit": str(unit_id(app, "alpha", "c1")),
            "questionnaire": SLUG,
            "campaign": "",
            "language": "zh-Hant-TW",
            "batch": batch,
        },
    )


# -- the list -----------------------------------------------------------------------------


def test_the_list_shows_keyed_forms_newest_first_with_who_and_when(
    staff_app: Flask, counter: Any, people: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = keyed_in(staff_app, people, 3)
    online = add_responses(staff_app, "alpha", "c1")[0]
    beta = add_responses(staff_app, "beta", "c1", channel="paper")[0]
    receipts = [response(staff_app, id=i).receipt for i in ids]
    page = counter.get("/staff/paper/keyed")
    assert page.status_code == 200
    listed = re.findall(r"<code>([0-9A-Z]{5}-[0-9A-Z]{5})</code>", page.text)
    assert listed == receipts[::-1]  # newest first; neither the online nor beta's
    assert online not in page.text and beta not in page.text
    assert page.text.count("<td>counter</td>") == 3 and "B-7" in page.text
    assert "3 份已登打的問卷" in page.text
    assert re.search(r'<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d</time>', page.text)

    monkeypatch.setattr(keyed, "PAGE_SIZE", 2)
    first = counter.get("/staff/paper/keyed?status=counted").text
    second = counter.get("/staff/paper/keyed?page=2&status=counted").text
    assert re.findall(r"<code>([^<]+)</code>", first) == receipts[:0:-1]
    assert re.findall(r"<code>([^<]+)</code>", second) == receipts[:1]
    assert 'rel="next"' in first and "status=counted" in first and 'rel="prev"' in second
    assert counter.get("/staff/paper/keyed?page=x&unit=nonsense").status_code == 200


def test_the_list_filters_by_unit_questionnaire_and_status(
    staff_app: Flask, counter: Any, people: dict[str, int]
) -> None:
    from tests.helpers.organisation import unit_id

    (c1,) = keyed_in(staff_app, people)
    c2 = add_responses(staff_app, "alpha", "c2", channel="paper", entered_by=people[COUNTER])
    assert post_change(counter, c1, "void", "重複登打", 1).status_code == 303
    by_unit = counter.get(f"/staff/paper/keyed?unit={unit_id(staff_app, 'alpha', 'c2')}").text
    assert c2[0] in by_unit and response(staff_app, id=c1).receipt not in by_unit
    voided = counter.get("/staff/paper/keyed?status=voided").text
    assert response(staff_app, id=c1).receipt in voided and c2[0] not in voided
    assert "已作廢" in voided
    other = counter.get("/staff/paper/keyed?questionnaire=land-office-service").text
    assert "<code>" not in other
    assert counter.get(f"/staff/paper/keyed?questionnaire={SLUG}").text.count("<code>") == 2


def test_the_entry_page_links_to_the_list_of_its_unit_and_questionnaire(
    staff_app: Flask, counter: Any
) -> None:
    from tests.helpers.organisation import unit_id

    start_entry(counter, staff_app, "B-1")
    entry = counter.get("/staff/paper/entry").text
    link = f'href="/staff/paper/keyed?unit={unit_id(staff_app, "alpha", "c1")}&amp;questionnaire={SLUG}"'
    assert link in entry
    assert 'href="/staff/paper/keyed"' in counter.get("/staff/").text


# -- correcting ------------------------------------------------------------------------------


def test_a_correction_saves_a_new_version_and_keeps_the_old_one(
    staff_app: Flask, counter: Any, people: dict[str, int]
) -> None:
    (rid,) = keyed_in(staff_app, people)
    before = response(staff_app, id=rid)
    page = counter.get(f"/staff/paper/keyed/{rid}/correct")
    assert page.status_code == 200
    fields = form_of(page.text)
    # The form re-opens as it was typed: codes, not stored values.
    assert fields["q_overall_satisfaction"] == "4" and fields["q_env_facilities"] == "n"
    assert fields["q_service_type"] == "2" and fields["q_sex"] == "2"
    assert fields["q_comment"] == "櫃台很親切 𠊎"
    fields["q_overall_satisfaction"] = "5"
    fields["q_sex"] = "1"

    refused = counter.post(f"/staff/paper/keyed/{rid}/correct", data=fields)
    assert refused.status_code == 422  # no reason
    assert 'id="correct-reason-error"' in refused.text and 'value="5"' in refused.text
    assert response(staff_app, id=rid).answers == before.answers

    fields["reason"] = "原紙本勾選「非常滿意」，登打錯誤"
    saved = counter.post(f"/staff/paper/keyed/{rid}/correct", data=fields)
    assert saved.status_code == 303
    after = response(staff_app, id=rid)
    assert after.revision == 2 and after.voided_at is None
    assert after.answers["overall_satisfaction"] == [[5.0, None]]
    assert after.answers["sex"] == [[None, "male"]]
    assert after.answers["comment"] == before.answers["comment"]
    (change,) = revisions(staff_app, rid)
    assert change.kind == "corrected" and change.revision == 2
    assert change.replaced == before.answers  # the earlier version, exactly as stored
    assert change.actor_user_id == people[COUNTER] and "登打錯誤" in change.reason

    detail = counter.get(saved.headers["Location"]).text
    assert "已儲存更正，成為第 2 版。" in detail
    history = detail[detail.index('id="history-title"') :]
    assert "<del>4 滿意</del> → <ins>5 非常滿意</ins>" in history
    assert "<del>2 女</del> → <ins>1 男</ins>" in history
    assert "原紙本勾選「非常滿意」，登打錯誤" in history and "counter" in history
    assert "第 1 版的答案" in history  # the earlier version, in full

    (event,) = audit_events(staff_app, "response.corrected")
    assert event.target == f"response:{after.receipt}" and event.actor_user_id == people[COUNTER]
    assert '"questions":["overall_satisfaction","sex"]' in event.detail
    assert "登打錯誤" in event.detail
    with session_scope(staff_app) as session:
        assert verify_chain(session).ok


def test_a_correction_is_checked_like_a_new_questionnaire(
    staff_app: Flask, counter: Any, people: dict[str, int]
) -> None:
    (rid,) = keyed_in(staff_app, people)
    fields = form_of(counter.get(f"/staff/paper/keyed/{rid}/correct").text)
    fields.update(q_courtesy_attitude="7", q_overall_satisfaction="", reason="")
    refused = counter.post(f"/staff/paper/keyed/{rid}/correct", data=fields)
    assert refused.status_code == 422
    assert 'href="#q-courtesy_attitude"' in refused.text
    assert 'href="#q-overall_satisfaction"' in refused.text
    assert 'href="#correct-reason"' in refused.text  # every problem at once
    unchanged = form_of(counter.get(f"/staff/paper/keyed/{rid}/correct").text)
    unchanged["reason"] = "看錯了"
    same = counter.post(f"/staff/paper/keyed/{rid}/correct", data=unchanged)
    assert same.status_code == 422 and "沒有更改任何答案" in same.text
    assert response(staff_app, id=rid).revision == 1 and revisions(staff_app, rid) == []
    assert audit_events(staff_app, "response.corrected") == []


def test_a_form_opened_before_another_change_is_refused(
    staff_app: Flask, counter: Any, people: dict[str, int]
) -> None:
    (rid,) = keyed_in(staff_app, people)
    stale = form_of(counter.get(f"/staff/paper/keyed/{rid}/correct").text)
    fresh = dict(stale, q_overall_satisfaction="5", reason="第一次更正")
    assert counter.post(f"/staff/paper/keyed/{rid}/correct", data=fresh).status_code == 303
    late = dict(stale, q_overall_satisfaction="1", reason="第二次更正")
    refused = counter.post(f"/staff/paper/keyed/{rid}/correct", data=late)
    assert refused.status_code == 409 and "在您開啟後已被他人更改" in refused.text
    assert response(staff_app, id=rid).answers["overall_satisfaction"] == [[5.0, None]]
    assert post_change(counter, rid, "void", "作廢", 1).status_code == 409
    assert response(staff_app, id=rid).voided_at is None


# -- voiding and restoring -----------------------------------------------------------------------


def test_a_voided_questionnaire_leaves_every_result_and_comes_back_when_restored(
    staff_app: Flask, counter: Any, people: dict[str, int]
) -> None:
    (rid,) = keyed_in(staff_app, people)
    kept = keyed_in(staff_app, people, 5)
    receipt = response(staff_app, id=rid).receipt

    refused = post_change(counter, rid, "void", "  ", 1)
    assert refused.status_code == 422 and 'id="void-reason-error"' in refused.text
    assert response(staff_app, id=rid).voided_at is None

    assert post_change(counter, rid, "void", "同一份問卷登打兩次", 1).status_code == 303
    assert response(staff_app, id=rid).voided_at is not None
    detail = counter.get(f"/staff/paper/keyed/{rid}").text
    assert "已作廢" in detail and "同一份問卷登打兩次" in detail
    assert f"/staff/paper/keyed/{rid}/correct" not in detail  # restore first
    assert counter.get(f"/staff/paper/keyed/{rid}/correct").status_code == 409

    analyst = client_as(staff_app, "analyst@alpha.example.test")
    csv_body = analyst.get(
        "/staff/results/export", query_string={"format": "csv", "questionnaire": SLUG}
    ).data.decode("utf-8-sig")
    exported = {r["receipt"] for r in csv.DictReader(io.StringIO(csv_body))}
    assert receipt not in exported and len(exported) == len(kept)
    command = staff_app.test_cli_runner().invoke(args=["export", SLUG])
    assert command.exit_code == 0 and receipt not in command.output
    assert response(staff_app, id=kept[0]).receipt in command.output

    assert post_change(counter, rid, "restore", "誤作廢，原問卷有效", 2).status_code == 303
    back = response(staff_app, id=rid)
    assert back.voided_at is None and back.revision == 3
    csv_body = analyst.get(
        "/staff/results/export", query_string={"format": "csv", "questionnaire": SLUG}
    ).data.decode("utf-8-sig")
    assert receipt in csv_body
    assert [r.kind for r in revisions(staff_app, rid)] == ["voided", "restored"]
    assert [e.action for e in audit_events(staff_app) if e.action.startswith("response.")] == [
        "response.voided",
        "response.restored",
    ]
    history = counter.get(f"/staff/paper/keyed/{rid}").text
    assert "誤作廢，原問卷有效" in history and "已復原" in history


def test_counts_on_the_entry_page_leave_out_voided_questionnaires(
    staff_app: Flask, counter: Any, people: dict[str, int]
) -> None:

    ids = keyed_in(staff_app, people, 2)
    assert post_change(counter, ids[0], "void", "空白問卷", 1).status_code == 303
    start_entry(counter, staff_app, "B-7")
    entry = counter.get("/staff/paper/entry").text
    assert '<dd id="paper-count">1</dd>' in entry


# -- who may ----------------------------------------------------------------------------------


def test_only_this_agencys_keyed_questionnaires_and_only_for_keying_staff(
    staff_app: Flask, counter: Any, people: dict[str, int]
) -> None:
    (rid,) = keyed_in(staff_app, people)
    online = response(staff_app, add_responses(staff_app, "alpha", "c1")[0]).id
    assert counter.get(f"/staff/paper/keyed/{online}").status_code == 404  # not keyed in
    assert counter.get("/staff/paper/keyed/999999").status_code == 404
    make_user(staff_app, "counter@beta.example.test", "counter_staff", "beta")
    beta = client_as(staff_app, "counter@beta.example.test")
    assert beta.get(f"/staff/paper/keyed/{rid}").status_code == 404
    assert response(staff_app, id=rid).receipt not in beta.get("/staff/paper/keyed").text
    analyst = client_as(staff_app, "analyst@alpha.example.test")
    assert analyst.get(f"/staff/paper/keyed/{rid}").status_code == 403
    assert analyst.get("/staff/paper/keyed").status_code == 403
    assert post_change(beta, rid, "void", "x", 1).status_code == 404
    assert response(staff_app, id=rid).voided_at is None


def test_a_resent_form_of_a_voided_questionnaire_is_answered_as_before(
    staff_app: Flask, counter: Any
) -> None:
    """The double-submit guard still finds the first response when it has been voided."""
    from tests.helpers.answers import PAPER_KEYED

    start_entry(counter, staff_app, "B-2")
    entry = counter.get("/staff/paper/entry").text
    token = re.search(r'name="submission_token" value="([^"]+)"', entry).group(1)  # type: ignore[union-attr]
    data = {
        "csrf_token": csrf_token(entry),
        "submission_token": token,
        **{f"q_{k}": v for k, v in PAPER_KEYED.items()},
    }
    assert counter.post("/staff/paper/entry", data=data).status_code == 303
    with session_scope(staff_app) as session:
        (rid,) = session.execute(select(Response.id)).scalars()
    assert post_change(counter, rid, "void", "重複登打", 1).status_code == 303
    assert counter.post("/staff/paper/entry", data=data).status_code == 303
    with session_scope(staff_app) as session:
        assert len(session.execute(including_voided(select(Response.id))).all()) == 1
