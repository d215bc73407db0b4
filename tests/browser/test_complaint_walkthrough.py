"""Issue #5's "done means", walked in a real browser as the people involved would.

A citizen files a complaint on a phone with a photo attached and follows it with
the case number and password; the case is routed to the category's unit; the
case handler extends the deadline with a reason and transfers the case to
another agency; the receiving agency's handler replies and closes it; the
citizen gets the handling-satisfaction link by e-mail and answers it; the unit
dashboard counts the case and its answer. Every step goes through the pages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from email import message_from_bytes
from email import policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintFollowup
from collector.core.models import Response
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import choose
from tests.helpers.complaints import add_category
from tests.helpers.complaints import complaints_app
from tests.helpers.organisation import unit
from tests.helpers.staff import PASSWORD
from tests.helpers.staff import make_user

pytestmark = pytest.mark.browser

HANDLER = "handler@alpha.example.test"
RECEIVER = "handler@beta.example.test"
CITIZEN_EMAIL = "lin.citizen@example.test"


@pytest.fixture
def app(make_app: Any, tmp_path: Path) -> Flask:
    app = complaints_app(make_app, tmp_path)
    with session_scope(app) as session:
        c1 = unit(session, "alpha", "c1").id
    add_category(app, "alpha", "lights", name_zh="路燈", name_en="Street lights", unit_id=c1)
    add_category(app, "beta", "water", name_zh="自來水", name_en="Water supply")
    make_user(app, HANDLER, "case_handler", "alpha", display_name="Handler Alpha")
    make_user(app, RECEIVER, "case_handler", "beta", display_name="Handler Beta")
    return app


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "路燈.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def outbox(app: Flask) -> list[Any]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.rglob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]


def log_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/staff/login?lang=en")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("button.primary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def act(page: Page, action: str, fields: dict[str, str]) -> None:
    """Fill one action form of the case page and send it."""
    form = page.locator(f"#form-{action}")
    for name, value in fields.items():
        field = form.locator(f'[name="{action}-{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()


def test_a_complaint_from_filing_to_the_satisfaction_answer(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any], tmp_path: Path
) -> None:
    url = live_server.url

    # -- the citizen files on a phone, with a photo ----------------------------------------
    phone = new_context(PHONE).new_page()
    phone.goto(url + "/complaints/alpha/new?lang=en")
    expect(phone.locator("h1")).to_have_text("File a complaint online")
    expect(phone.locator("details.privacy")).to_contain_text("Agency Alpha")  # PDPA notice
    phone.get_by_label("Category").select_option(label="Street lights")
    phone.get_by_label("Subject").fill("Street light out <script>alert(1)</script>")
    phone.get_by_label("Description").fill("The light in front of No. 12 has been out a week.")
    phone.get_by_label("Where").fill("中山路 12 號")
    phone.get_by_label("Attachments").set_input_files(str(photo(tmp_path)))
    phone.get_by_label("Name").fill("林小姐")
    phone.get_by_role("textbox", name="Email").fill(CITIZEN_EMAIL)
    phone.locator('input[name="reply_channel"][value="email"]').check()
    phone.get_by_role("button", name="Send the complaint").click()
    expect(phone.locator("h1")).to_have_text("Your complaint has been received")
    codes = phone.locator(".receipt .receipt-code")
    case_number, secret = codes.nth(0).inner_text().strip(), codes.nth(1).inner_text().strip()
    assert re.fullmatch(r"\d{8}-[A-Z0-9]{6}", case_number), case_number
    assert re.fullmatch(r"[A-Z0-9]{12}", secret), secret
    expect(phone.locator("dl.case-summary")).to_contain_text("<script>alert(1)</script>")
    assert "<script>alert(1)" not in phone.content()  # shown as text, never as markup
    live_server.wait_idle()
    with session_scope(app) as session:
        case = session.execute(select(Complaint)).scalar_one()
        assert case.case_number == case_number and case.status == "assigned"  # routed
        attachment = session.execute(select(ComplaintAttachment)).scalar_one()
        assert attachment.content_type == "image/jpeg" and attachment.complaint_id == case.id

    # -- ... and follows it with the number and password ---------------------------------
    follower = new_context(PHONE).new_page()
    follower.goto(url + "/complaints/follow?lang=en")
    follower.get_by_label("Case number").fill(case_number)
    follower.get_by_label("Password").fill("WRONGPASSWRD")
    follower.get_by_role("button", name="Show the case").click()
    expect(follower.locator("main")).to_contain_text(
        "The case number or the password is incorrect."
    )
    follower.get_by_label("Case number").fill(case_number)
    follower.get_by_label("Password").fill(secret.lower())
    follower.get_by_role("button", name="Show the case").click()
    expect(follower.locator("main")).to_contain_text("Assigned to a unit")

    # -- the handler extends the deadline with a reason, then transfers the case ----------
    handler = new_context(DESKTOP).new_page()
    log_in(handler, url, HANDLER)
    handler.goto(url + "/staff/cases?lang=en")
    handler.get_by_role("link", name=case_number).click()
    expect(handler.locator("h1")).to_contain_text(case_number)
    expect(handler.locator("main")).to_contain_text("路燈.jpg")
    act(
        handler,
        "extend",
        {"days": "10", "reason": "A site visit with the power company is needed."},
    )
    expect(handler.locator("main")).to_contain_text("Done: extend the deadline.")
    form = handler.locator("#form-transfer_agency")
    water = form.locator("option", has_text="Water supply").get_attribute("value")
    form.locator('[name="transfer_agency-category"]').select_option(water)
    form.locator('[name="transfer_agency-reason"]').fill(
        "The leak under the light is the water company's."
    )
    form.locator("button[type=submit]").click()
    expect(handler.locator("main")).to_contain_text("Done: transfer to another agency.")
    expect(handler.locator("#form-reply")).to_have_count(0)  # the sender keeps a read-only trail

    # -- the citizen sees the extension and the transfer -------------------------------------
    follower.reload()
    history = follower.locator("main")
    expect(history).to_contain_text("Handling time extended")
    expect(history).to_contain_text("A site visit with the power company is needed.")
    expect(history).to_contain_text("Transferred to another agency")

    # -- the receiving agency replies and closes -------------------------------------------------
    receiver = new_context(DESKTOP).new_page()
    log_in(receiver, url, RECEIVER)
    receiver.goto(url + "/staff/cases?lang=en")
    with session_scope(app) as session:
        received = session.execute(
            select(Complaint).where(Complaint.transferred_from_id.is_not(None))  # type: ignore[union-attr]
        ).scalar_one()
        received_number = received.case_number
    receiver.get_by_role("link", name=received_number).click()
    expect(receiver.locator("main")).to_contain_text(case_number)  # transferred in from
    act(receiver, "start", {})
    expect(receiver.locator("main")).to_contain_text("Done: start handling.")
    act(receiver, "reply", {"body": "The pipe was repaired on 3 March. Thank you."})
    expect(receiver.locator("main")).to_contain_text("Done: reply sent.")
    act(receiver, "close", {"outcome": "upheld"})
    expect(receiver.locator("main")).to_contain_text("Done: close.")

    # -- the citizen gets the satisfaction link and answers --------------------------------------
    live_server.wait_idle()
    mails = outbox(app)
    assert all(m["To"] == CITIZEN_EMAIL for m in mails)
    bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in mails]
    assert any("The pipe was repaired on 3 March." in b for b in bodies)
    links = [
        found.group(0)
        for b in bodies
        if (found := re.search(r"https?://\S+/complaints/feedback/[A-Za-z0-9_-]+", b))
    ]
    assert len(links) == 1, bodies
    survey = new_context(PHONE).new_page()
    survey.goto(links[0] + "?lang=en")
    choose(survey, "filing_channel", "online")
    for key in ("proc_ease", "proc_courtesy", "proc_timeliness", "proc_progress", "proc_clarity"):
        choose(survey, key, 5)
    choose(survey, "outcome_solved", "yes")
    choose(survey, "outcome_result", 4)
    choose(survey, "outcome_reasonable", 4)
    choose(survey, "overall_satisfaction", 5)
    choose(survey, "use_again", "yes")
    survey.locator("button.primary").click()
    expect(survey.locator("main")).to_contain_text("Your answers have been recorded.")
    survey.goto(links[0] + "?lang=en")  # one use only
    expect(survey.locator("h1")).to_have_text("This survey link can no longer be used")
    live_server.wait_idle()
    with session_scope(app) as session:
        followup = session.execute(select(ComplaintFollowup)).scalar_one()
        response = session.get(Response, followup.response_id)
        assert response is not None and response.agency_id == received.agency_id

    # -- the dashboard counts the case ---------------------------------------------------------
    receiver.goto(url + "/staff/cases/dashboard?lang=en")
    handling = receiver.locator("table").first
    month = received.received_on.strftime("%Y-%m")
    row = handling.locator("tbody tr", has_text=month)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("100.0%")  # received 1, answered on time
    satisfaction = receiver.locator("table").nth(1).locator("tbody tr", has_text=month)
    expect(satisfaction).to_contain_text("<5")  # one answer: counted, never shown
