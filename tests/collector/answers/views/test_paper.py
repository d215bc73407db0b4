"""Keying in paper questionnaires (/staff/paper): conventions, storage, errors, access."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.answers.views.paper import keyed_answers
from collector.answers.views.paper import question_rows
from collector.core.db import session_scope
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from tests.helpers.answers import PAPER_KEYED
from tests.helpers.answers import SLUG
from tests.helpers.organisation import choose_offer
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import logged_in
from tests.helpers.web import who_may_open

COUNTER = "counter@alpha.example.test"


def unit_id(app: Flask, agency: str, code: str) -> int:
    from tests.helpers.organisation import agency_id

    with session_scope(app) as session:
        return session.execute(
            select(Unit.id).where(Unit.agency_id == agency_id(app, agency), Unit.code == code)
        ).scalar_one()


def start(
    client: Any,
    app: Flask,
    batch: str = "B-001",
    unit: int | None = None,
    campaign: int | str = "",
    questionnaire: str = SLUG,
) -> Any:
    page = client.get("/staff/paper")
    assert page.status_code == 200
    return client.post(
        "/staff/paper",
        data={
            "csrf_token": csrf_token(page.text),
            "unit": str(unit or unit_id(app, "alpha", "c1")),
            "questionnaire": questionnaire,
            "campaign": str(campaign),
            "language": "zh-Hant-TW",
            "batch": batch,
        },
    )


def entry_form(page: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(page),
        "submission_token": re.search(r'name="submission_token" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
    }


def key_in(client: Any, answers: dict[str, str]) -> tuple[Any, dict[str, str]]:
    page = client.get("/staff/paper/entry")
    assert page.status_code == 200
    form = entry_form(page.text)
    data = {**form, **{f"q_{k}": v for k, v in answers.items()}}
    return client.post("/staff/paper/entry", data=data), data


def stored(app: Flask) -> list[Response]:
    with session_scope(app) as session:
        rows = list(session.execute(select(Response).order_by(Response.id)).scalars())
        session.expunge_all()
        return rows


def answers_of(app: Flask, response_id: int) -> dict[str, tuple[float | None, str | None]]:
    with session_scope(app) as session:
        stored = session.execute(
            select(Response.answers).where(Response.id == response_id)
        ).scalar_one()
    return {key: (pairs[0][0], pairs[0][1]) for key, pairs in stored.items()}


@pytest.fixture
def keying(staff_app: Flask, staff_client: Any, auth: Auth) -> Any:
    """The counter clerk's client, logged in, with the default batch (B-001) started."""
    assert logged_in(auth.login(COUNTER))
    start(staff_client, staff_app)
    return staff_client


def test_counter_staff_key_in_a_questionnaire(
    staff_app: Flask, staff_client: Any, auth: Auth, people: dict[str, int]
) -> None:
    assert logged_in(auth.login(COUNTER))
    setup = start(staff_client, staff_app, batch="1130-A")
    assert setup.status_code == 303 and setup.headers["Location"].endswith("/staff/paper/entry")

    page = staff_client.get("/staff/paper/entry").text
    assert 'id="q-service_type"' in page
    first = re.search(r"<input[^>]*class=\"paper-input[^>]*>", page).group(0)  # type: ignore[union-attr]
    assert "autofocus" in first
    assert 'inputmode="numeric"' in page
    assert "n 或 0" in page  # the convention is written on the page
    assert "paper.js" in page and "<script>" not in page

    response, _data = key_in(staff_client, PAPER_KEYED)
    assert response.status_code == 303
    again = staff_client.get("/staff/paper/entry").text
    assert "第 1 份已儲存（收執編號 " in again
    assert 'value=""' in again and "字很小" not in again  # the same empty form

    (saved,) = stored(staff_app)
    assert saved.channel == "paper"
    assert saved.batch == "1130-A"
    assert saved.entered_by == people[COUNTER]
    assert saved.unit_id == unit_id(staff_app, "alpha", "c1")
    assert saved.receipt in again
    values = answers_of(staff_app, saved.id)  # type: ignore[arg-type]
    assert values["env_facilities"] == (None, "na")
    assert values["measures_online"] == (None, "na")
    assert values["service_type"][1] == "certificate"
    assert values["sex"][1] == "female"
    assert values["age_group"][1] == "65plus"
    assert values["overall_satisfaction"] == (4.0, None)
    assert values["recommend"] == (8.0, None)

    key_in(staff_client, PAPER_KEYED)
    assert "第 2 份已儲存" in staff_client.get("/staff/paper/entry").text
    assert len(stored(staff_app)) == 2


def test_the_save_notice_speaks_the_interface_language_only(staff_app: Flask, keying: Any) -> None:
    key_in(keying, PAPER_KEYED)
    key_in(keying, PAPER_KEYED)
    first, second = (r.receipt for r in stored(staff_app))
    chinese = re.search(r'id="paper-saved">([^<]+)<', keying.get("/staff/paper/entry").text)
    assert chinese is not None and second in chinese.group(1)
    assert not re.search(r"[A-Za-z]", chinese.group(1).replace(second, "")), chinese.group(1)
    key_in(keying, PAPER_KEYED)
    third = stored(staff_app)[-1].receipt
    page = keying.get("/staff/paper/entry?lang=en").text
    english = re.search(r'id="paper-saved">([^<]+)<', page)
    assert english is not None and third in english.group(1) and first not in english.group(1)
    assert not re.search(r"[\u3000-\u9fff\uff00-\uffef]", english.group(1)), english.group(1)


def test_the_batch_is_remembered_and_counted_per_batch(
    staff_app: Flask, staff_client: Any, auth: Auth
) -> None:
    assert logged_in(auth.login(COUNTER))
    start(staff_client, staff_app, batch="A")
    key_in(staff_client, PAPER_KEYED)
    page = staff_client.get("/staff/paper").text
    assert 'value="A"' in page  # remembered for the next visit
    start(staff_client, staff_app, batch="B")
    key_in(staff_client, PAPER_KEYED)
    assert "第 1 份已儲存" in staff_client.get("/staff/paper/entry").text


def test_a_double_submit_stores_one_response(staff_app: Flask, keying: Any) -> None:
    first, data = key_in(keying, PAPER_KEYED)
    second = keying.post("/staff/paper/entry", data=data)
    assert first.status_code == second.status_code == 303
    assert len(stored(staff_app)) == 1


def test_invalid_entries_show_the_error_summary_and_keep_what_was_typed(
    staff_app: Flask, keying: Any
) -> None:
    answers = {
        **PAPER_KEYED,
        "courtesy_attitude": "7",
        "service_type": "9",
        "comment": "<b>留著</b>",
    }
    del answers["overall_satisfaction"]
    response, _ = key_in(keying, answers)
    assert response.status_code == 422
    page = response.text
    assert 'class="error-summary" role="alert"' in page
    assert 'href="#q-courtesy_attitude"' in page
    assert 'href="#q-overall_satisfaction"' in page
    assert 'href="#q-service_type"' in page
    field = re.search(r'<input[^>]*id="q-courtesy_attitude"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert 'value="7"' in field and 'aria-invalid="true"' in field
    assert "autofocus" in re.search(r'<input[^>]*id="q-service_type"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert 'value="9"' in page
    assert "&lt;b&gt;留著&lt;/b&gt;" in page and "<b>留著</b>" not in page
    assert stored(staff_app) == []


def test_setup_is_checked(staff_app: Flask, staff_client: Any, auth: Auth) -> None:
    assert logged_in(auth.login(COUNTER))
    too_long = start(staff_client, staff_app, batch="x" * 33)
    assert too_long.status_code == 422 and "error-summary" in too_long.text
    other_agency = start(staff_client, staff_app, unit=unit_id(staff_app, "beta", "c1"))
    assert other_agency.status_code == 422
    beta_unit = re.search(r'<option value="(\d+)"', other_agency.text)
    assert beta_unit is None or int(beta_unit.group(1)) != unit_id(staff_app, "beta", "c1")
    assert staff_client.get("/staff/paper/entry").headers["Location"].endswith("/staff/paper")


def test_only_questionnaires_the_agency_uses_are_offered(
    staff_app: Flask, staff_client: Any, auth: Auth
) -> None:
    assert logged_in(auth.login(COUNTER))
    page = staff_client.get("/staff/paper").text
    assert f'value="{SLUG}"' in page
    assert 'value="land-office-service"' not in page  # alpha is not a land office
    refused = start(staff_client, staff_app, questionnaire="land-office-service")
    assert refused.status_code == 422 and 'href="#paper-questionnaire"' in refused.text

    assert start(staff_client, staff_app).status_code == 303
    choose_offer(staff_app, "alpha", SLUG, offered=False)  # switched off meanwhile
    entry = staff_client.get("/staff/paper/entry")
    assert entry.status_code == 303 and entry.headers["Location"].endswith("/staff/paper")
    assert f'value="{SLUG}"' not in staff_client.get("/staff/paper").text


def test_who_may_key_in(staff_app: Flask) -> None:
    who_may_open(
        staff_app,
        "/staff/paper",
        {
            COUNTER: 200,
            "analyst@alpha.example.test": 403,
            "admin@alpha.example.test": 403,
            "ministry@moi.example.test": 403,
        },
    )


def test_keyboard_conventions(staff_app: Flask) -> None:
    with staff_app.app_context():
        plugins = get_plugins(staff_app)
        questionnaire = plugins.questionnaires[SLUG]
        raw = keyed_answers(
            plugins,
            questionnaire,
            {
                "env_signage": "N",
                "env_comfort": "0",
                "courtesy_attitude": " 5 ",
                "first_visit": "1",
                "service_type": "5",
                "sex": "9",
                "recommend": "0",
                "comment": "  ",
            },
            "zh-Hant-TW",
        )
    assert raw == {
        "env_signage": "na",
        "env_comfort": "na",
        "courtesy_attitude": "5",
        "first_visit": "yes",
        "service_type": "other",
        "sex": "9",  # no such option: left for the checker to refuse
        "recommend": "0",  # 0 is a value on a 0-10 scale, not "not applicable"
    }


# -- campaigns ----------------------------------------------------------------------------


def test_a_paper_response_can_record_an_open_campaign(
    staff_app: Flask, staff_client: Any, auth: Auth
) -> None:
    from tests.helpers.campaigns import make_campaign

    running = make_campaign(staff_app, units=("c1",), title="2026 臨櫃調查")
    closed = make_campaign(staff_app, status="closed", title="已結束的調查")
    draft = make_campaign(staff_app, status="draft", title="草稿調查")
    other = make_campaign(staff_app, "beta", title="乙機關的調查")
    staff = make_campaign(staff_app, slug="staff-satisfaction", title="員工調查")
    assert logged_in(auth.login(COUNTER))
    page = staff_client.get("/staff/paper").text
    assert "2026 臨櫃調查" in page and 'id="paper-campaign"' in page
    for hidden in ("已結束的調查", "草稿調查", "乙機關的調查", "員工調查"):
        assert hidden not in page, hidden
    # Only a campaign offered, for one of its units, with its questionnaire.
    choose_offer(staff_app, "alpha", "land-office-service")  # alpha uses it too
    for campaign, unit, slug, status in (
        (closed["campaign_id"], None, SLUG, 422),
        (draft["campaign_id"], None, SLUG, 422),
        (other["campaign_id"], None, SLUG, 422),
        (staff["campaign_id"], None, SLUG, 422),
        ("nonsense", None, SLUG, 422),
        (running["campaign_id"], unit_id(staff_app, "alpha", "c2"), SLUG, 422),
        (running["campaign_id"], None, "land-office-service", 422),
    ):
        response = start(staff_client, staff_app, unit=unit, campaign=campaign, questionnaire=slug)
        assert response.status_code == status, (campaign, unit, slug)
        assert 'id="paper-campaign-error"' in response.text, (campaign, unit, slug)
    response = start(staff_client, staff_app, campaign=running["campaign_id"])
    assert response.status_code == 303
    entry = staff_client.get("/staff/paper/entry").text
    assert "2026 臨櫃調查" in entry
    assert key_in(staff_client, PAPER_KEYED)[0].status_code == 303
    (saved,) = stored(staff_app)
    assert saved.campaign_id == running["campaign_id"] and saved.channel == "paper"
    # Without a campaign, none is recorded.
    assert start(staff_client, staff_app, batch="B-002").status_code == 303
    key_in(staff_client, PAPER_KEYED)
    assert stored(staff_app)[1].campaign_id is None


def test_a_campaign_closed_during_entry_is_not_recorded(
    staff_app: Flask, staff_client: Any, auth: Auth
) -> None:
    from collector.core.models import Campaign
    from tests.helpers.campaigns import make_campaign

    running = make_campaign(staff_app, units=("c1",))
    assert logged_in(auth.login(COUNTER))
    assert start(staff_client, staff_app, campaign=running["campaign_id"]).status_code == 303
    page = staff_client.get("/staff/paper/entry")
    with session_scope(staff_app) as session:
        session.get(Campaign, running["campaign_id"]).status = "closed"  # type: ignore[union-attr]
    data = {**entry_form(page.text), **{f"q_{k}": v for k, v in PAPER_KEYED.items()}}
    response = staff_client.post("/staff/paper/entry", data=data)
    assert response.status_code == 409
    assert "已結束或已關閉" in response.text and "字很小" in response.text  # kept, unsaved
    assert stored(staff_app) == []
    again = staff_client.get("/staff/paper/entry")
    assert again.status_code == 303 and "ended=1" in again.headers["Location"]
    setup = staff_client.get(again.headers["Location"]).text
    assert "已結束或已關閉" in setup


def test_a_grid_section_is_keyed_as_the_paper_prints_it(staff_app: Flask, keying: Any) -> None:
    """``layout: grid``: one table under the scale, the codes over their columns in the
    paper's order, one row (its header the item, labelling its input) per item; the
    other questions stay a numbered list that carries the paper's numbering on."""
    with staff_app.app_context():
        plugins = get_plugins(staff_app)
        questionnaire = plugins.questionnaires[SLUG]
        rows = question_rows(plugins, questionnaire, "zh-Hant-TW")
    grid_rows = {r["key"]: r["grid"] for r in rows if r["grid"]}
    assert grid_rows == {
        "env_signage": "environment",
        "env_comfort": "environment",
        "env_facilities": "environment",
        "courtesy_attitude": "courtesy",
        "courtesy_proactive": "courtesy",
    }
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1))
    blocks = [r["block"] for r in rows]
    assert blocks == sorted(blocks)
    # Two grids in a row are two blocks; the list before and after each is its own.
    by_key = {r["key"]: r["block"] for r in rows}
    assert by_key["env_signage"] == by_key["env_facilities"] != by_key["courtesy_attitude"]
    assert by_key["courtesy_attitude"] == by_key["courtesy_proactive"] != by_key["prof_knowledge"]
    assert by_key["first_visit"] != by_key["env_signage"]

    page = keying.get("/staff/paper/entry").text
    table = re.search(
        r'<table class="paper-grid" id="paper-grid-environment">.*?</table>', page, re.S
    )
    assert table is not None
    html = table.group(0)
    heads = re.findall(r'<th scope="col" class="paper-scale"><kbd>([^<]+)</kbd> ([^<]+)</th>', html)
    assert heads == [
        ("5", "非常滿意"),
        ("4", "滿意"),
        ("3", "普通"),
        ("2", "不滿意"),
        ("1", "非常不滿意"),
        ("n / 0", "不適用"),
    ]
    assert html.count('<th scope="row">') == 3
    assert re.search(
        r'<th scope="row">\s*<span class="paper-no" aria-hidden="true">\d+\.</span> <label for="q-env_signage">',
        html,
    )
    field = re.search(r'<input[^>]*id="q-env_signage"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert 'aria-describedby="keys-env_signage"' in field and 'name="q_env_signage"' in field
    assert html.count('class="paper-scale" data-code=') == 3 * 6
    # The list after the grid goes on with the paper's numbers.
    courtesy_end = page.index("paper-grid-courtesy")
    after = re.search(r'<ol class="paper-questions" start="(\d+)">', page[courtesy_end:])
    assert after is not None
    assert int(after.group(1)) == next(r["number"] for r in rows if r["key"] == "prof_knowledge")
    # Keyed through the grid, stored as any other.
    response, _ = key_in(keying, PAPER_KEYED)
    assert response.status_code == 303
    (saved,) = stored(staff_app)
    assert answers_of(staff_app, saved.id)["env_facilities"] == (None, "na")  # type: ignore[arg-type]


def test_a_grid_rows_error_is_shown_in_its_row(staff_app: Flask, keying: Any) -> None:
    response, _ = key_in(keying, {**PAPER_KEYED, "env_comfort": "8"})
    assert response.status_code == 422
    row = re.search(
        r'<tr class="paper-question has-error" data-key="env_comfort">.*?</tr>', response.text, re.S
    )
    assert row is not None
    assert 'id="error-env_comfort"' in row.group(0)
    field = re.search(r'<input[^>]*id="q-env_comfort"[^>]*>', row.group(0)).group(0)  # type: ignore[union-attr]
    assert 'aria-describedby="keys-env_comfort error-env_comfort"' in field
    assert 'aria-invalid="true"' in field and 'value="8"' in field and "autofocus" in field
