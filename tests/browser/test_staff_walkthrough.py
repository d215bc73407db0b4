"""Issue #4's "done means", walked in a real browser as a new installation's people would.

An empty installation (no agency, no unit) with one system administrator made on
the command line. The system administrator creates a ministry, an agency below it
and the agency's first administrator; the agency administrator creates a service
unit and an analyst, creates and opens a campaign on the citizen questionnaire
and opens the unit's QR poster; a citizen follows the unit's link on a phone and
answers; the analyst sees the response in the results and downloads CSV and XLSX
that open with Chinese text intact and a formula defused. Every step goes through
the pages (links, labels and buttons), never the database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Campaign
from collector.core.models import Response
from collector.core.models import StaffInvitation
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import answer
from tests.helpers.browser import log_in
from tests.helpers.browser import open_console_page
from tests.helpers.browser import receipt_code
from tests.helpers.browser import submit
from tests.helpers.staff import FAST_HASH

pytestmark = pytest.mark.browser

ROOT = "root@example.test"
ADMIN = "yenkao@tax.example.test"
ANALYST = "analyst@tax.example.test"
ROOT_PASSWORD = "the installer's long passphrase"
ADMIN_PASSWORD = "agency admin first passphrase"
ANALYST_PASSWORD = "analyst first passphrase"
COMMENT = "=1+1 北區櫃台很親切 𠊎"


@pytest.fixture
def app(make_app: Any, tmp_path: Path) -> Flask:
    """A new installation: no agencies, one system administrator from the command line."""
    app = make_app(PASSWORD_HASH=FAST_HASH, MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", ROOT, "--role", "system_admin", "--password-stdin"],
        input=ROOT_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    return app


def log_out(page: Page) -> None:
    page.get_by_role("button", name="登出").click()
    expect(page.locator("h1")).to_have_text("員工登入")


def go(page: Page, link: str) -> None:
    """Open a page from the console's navigation, as a person finds it."""
    open_console_page(page, link)


def create_account(page: Page, email: str, name: str, role: str, agency: str, pw: str) -> None:
    go(page, "帳號管理")
    page.get_by_label("電子郵件").fill(email)
    page.get_by_label("姓名").fill(name)
    page.get_by_label("角色").select_option(label=role)
    page.get_by_label("機關", exact=True).select_option(label=agency)
    page.get_by_label("初始密碼").fill(pw)
    page.get_by_role("button", name="新增帳號").click()
    expect(page.get_by_role("status")).to_have_text("已新增帳號。")
    expect(page.get_by_role("cell", name=email, exact=True)).to_be_visible()


def test_a_new_installation_from_agency_to_export(
    app: Flask,
    live_server: LiveServer,
    new_context: Callable[..., Any],
    tmp_path: Path,
) -> None:
    url = live_server.url

    # -- the system administrator: a ministry, an agency, its first administrator ----------
    root = new_context(DESKTOP, accept_downloads=False).new_page()
    log_in(root, url, ROOT, ROOT_PASSWORD)
    go(root, "機關管理")
    expect(root.get_by_role("cell", name="尚無機關。")).to_be_visible()
    root.get_by_label("代碼", exact=True).fill("MOF")  # a capital letter: refused, explained
    root.get_by_label("中文名稱").fill("財政部")
    root.get_by_label("英文名稱").fill("Ministry of Finance")
    root.get_by_label("層級").select_option("ministry")
    root.get_by_role("button", name="新增機關").click()
    code = root.get_by_label("代碼", exact=True)
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(root.locator("#code-error")).to_contain_text("英文小寫字母")
    expect(root.get_by_label("中文名稱")).to_have_value("財政部")  # what was typed is kept
    code.fill("mof")
    root.get_by_role("button", name="新增機關").click()
    expect(root.get_by_role("status")).to_contain_text("已新增機關「mof」")
    root.get_by_label("代碼", exact=True).fill("tax")
    root.get_by_label("中文名稱").fill("北區國稅局")
    root.get_by_label("英文名稱").fill("National Taxation Bureau of the Northern Area")
    root.get_by_label("層級").select_option("agency")
    root.get_by_label("上級部會").select_option(label="財政部 (mof)")
    root.get_by_role("button", name="新增機關").click()
    expect(root.get_by_role("status")).to_contain_text("已新增機關「tax」")
    expect(root.get_by_role("cell", name="北區國稅局")).to_be_visible()
    create_account(root, ADMIN, "研考 王小姐", "機關管理者", "北區國稅局 (tax)", ADMIN_PASSWORD)
    log_out(root)

    # -- the agency administrator: a unit, an analyst, a campaign, its poster ---------------
    admin = new_context(DESKTOP).new_page()
    log_in(admin, url, ADMIN, ADMIN_PASSWORD)
    expect(admin.locator("dl.facts")).to_contain_text("北區國稅局")
    go(admin, "服務單位管理")
    admin.get_by_label("代碼", exact=True).fill("sanchong")
    admin.get_by_label("中文名稱").fill("三重稽徵所")
    admin.get_by_label("英文名稱").fill("Sanchong Branch")
    admin.get_by_role("button", name="新增服務單位").click()
    expect(admin.get_by_role("status")).to_have_text("已新增服務單位。")
    expect(admin.get_by_role("cell", name="三重稽徵所")).to_be_visible()
    create_account(admin, ANALYST, "分析 李先生", "分析人員", "北區國稅局 (tax)", ANALYST_PASSWORD)

    go(admin, "調查活動")
    admin.get_by_role("link", name="新增調查活動").click()
    admin.get_by_label("活動名稱").fill("115 年臨櫃服務滿意度調查")
    questionnaire = admin.get_by_label("問卷", exact=True)
    expect(questionnaire).to_have_value("citizen-satisfaction")  # offered first
    questionnaire.select_option(label="民眾服務滿意度調查 (v1)")
    admin.get_by_role("checkbox", name="三重稽徵所 (sanchong)").check()
    start = admin.get_by_label("開始日期").input_value()  # today, filled in
    ends = (date.fromisoformat(start) + timedelta(days=30)).isoformat()
    admin.get_by_label("結束日期").fill(ends)
    admin.get_by_label("抽樣誤差（正負百分點，例如 3）").fill("5")
    admin.get_by_label("母體數（選填，已知時進行有限母體校正）").fill("2000")
    admin.get_by_label("單位目標樣本數 三重稽徵所 (sanchong)").fill("323")
    admin.get_by_role("button", name="建立調查活動").click()
    expect(admin.locator("h1")).to_have_text("115 年臨櫃服務滿意度調查")
    expect(admin.locator("dl.facts")).to_contain_text("草稿")
    admin.get_by_role("button", name="開始調查").click()
    expect(admin.locator("dl.facts")).to_contain_text("進行中")
    link = admin.locator("code.detail").inner_text().strip()
    assert re.fullmatch(re.escape(url) + r"/c/[A-Za-z0-9._-]+", link), link
    admin.get_by_role("link", name="檢視 sanchong").click()
    expect(admin.locator("svg")).to_be_visible()
    poster = admin.content()
    assert "三重稽徵所" in poster and link in poster  # the QR's address, printed under it
    admin.screenshot(path=tmp_path / "poster.png")
    admin.go_back()
    admin.get_by_role("link", name="列印所有海報").click()
    sheet = admin.get_by_role("img", name="QR code 海報: 三重稽徵所 / Sanchong Branch")
    expect(sheet).to_be_visible()
    admin.wait_for_function(  # the poster image loaded (an SVG the CSP lets through)
        "() => document.querySelector('figure img').complete"
        " && document.querySelector('figure img').naturalWidth > 0"
    )
    log_out(admin)

    # -- a citizen at the counter, on a phone -------------------------------------------------
    phone = new_context(PHONE).new_page()
    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/s/tax/sanchong/citizen-satisfaction\?"))
    expect(phone.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
    answers = {**CITIZEN_ANSWERS, "comment": COMMENT}
    answer(phone, answers)
    submit(phone)
    receipt = receipt_code(phone)
    live_server.wait_idle()
    with session_scope(app) as session:
        (stored,) = session.execute(select(Response)).scalars()
        (campaign,) = session.execute(select(Campaign)).scalars()
        assert (stored.channel, stored.campaign_id, stored.receipt) == ("qr", campaign.id, receipt)

    # -- the analyst: the response in the results, then CSV and XLSX ----------------------------
    analyst_context = new_context(DESKTOP, accept_downloads=True)
    analyst = analyst_context.new_page()
    log_in(analyst, url, ANALYST, ANALYST_PASSWORD)
    go(analyst, "調查結果")
    expect(analyst.locator("main")).to_contain_text("已回收 1 份")
    analyst.get_by_label("期別單位").select_option("campaign")  # waves by campaign
    analyst.get_by_role("button", name="顯示").click()
    analyst.get_by_label("調查期別").select_option(f"c{campaign.id}")
    analyst.get_by_role("button", name="顯示").click()
    expect(analyst.locator("main")).to_contain_text("已回收 1 份")
    expect(analyst.locator("main")).to_contain_text("323")  # the unit's own target

    with analyst.expect_download() as csv_download:
        # The first CSV link exports the wave on the page; the second, every wave.
        analyst.get_by_role("link", name="CSV", exact=True).first.click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    raw = Path(csv_download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel opens it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1
    (row,) = rows
    assert row["receipt"] == receipt and row["unit"] == "sanchong" and row["channel"] == "qr"
    assert row["comment"] == "'" + COMMENT  # the formula defused, the Chinese intact

    with analyst.expect_download() as xlsx_download:
        analyst.get_by_role("link", name="XLSX", exact=True).first.click()
    download = xlsx_download.value
    assert re.fullmatch(
        r"citizen-satisfaction-tax-c[0-9]+-[0-9-]+\.xlsx", download.suggested_filename
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    sheet = book["responses"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("comment") + 1)
    assert cell.value == "'" + COMMENT and cell.data_type == "s"
    assert sheet.cell(row=2, column=header.index("agency") + 1).value == "tax"
    assert "dictionary" in book.sheetnames

    # -- the staff survey: invitations to a response rate, unlinkable ---------------------------
    log_in(admin, url, ADMIN, ADMIN_PASSWORD)
    go(admin, "內部員工滿意度調查")
    admin.get_by_label("調查名稱").fill("115 年員工滿意度調查")
    admin.get_by_role("button", name="建立調查").click()
    staff_list = "email,unit\n" + "".join(
        f"staff{i}@tax.example.test,sanchong\n" for i in range(1, 6)
    )
    admin.get_by_label("員工名單 CSV").set_input_files(
        files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": staff_list.encode()}]
    )
    admin.get_by_role("button", name="匯入員工名單").click()
    expect(admin.get_by_role("status")).to_contain_text("已匯入 5 位同仁")
    admin.get_by_role("button", name="寄送邀請信").click()
    expect(admin.get_by_role("status")).to_contain_text("已寄出 5 封邀請信")
    admin.get_by_role("link", name="寄件匣（開發用）").first.click()
    admin.get_by_role("row", name=re.compile("staff1@tax.example.test")).get_by_role("link").click()
    body = admin.locator("pre.mail-body").inner_text()
    (invitation,) = set(re.findall(re.escape(url) + r"/t/[A-Za-z0-9_-]+", body))  # zh, en
    staff_phone = new_context(PHONE).new_page()
    staff_phone.goto(invitation)
    likert = staff_phone.locator('fieldset:has(input[type="radio"][value="5"])')
    for index in range(likert.count()):
        likert.nth(index).locator('label.option:has(input[value="4"])').tap()
    submit(staff_phone)
    expect(staff_phone.locator("main")).to_contain_text("不記錄是誰填了哪一份答案")
    expect(staff_phone.locator(".receipt-code")).to_have_count(0)  # no receipt to match
    staff_phone.goto(invitation)  # spent
    expect(staff_phone.locator("h1")).to_have_text("此連結無法使用")
    admin.go_back()
    admin.go_back()
    admin.get_by_role("button", name="結束調查").click()
    expect(admin.get_by_role("status")).to_contain_text("電子郵件已全部刪除")
    admin.get_by_role("link", name="調查結果").last.click()
    expect(admin.locator("main")).to_contain_text("<5")  # 1 of 5: a rate would single them out
    live_server.wait_idle()
    with session_scope(app) as session:
        invitations = list(session.execute(select(StaffInvitation)).scalars())
        answered = session.execute(
            select(Response).where(Response.campaign_id == invitations[0].campaign_id)
        ).scalar_one()
    assert len(invitations) == 5 and all(i.email is None for i in invitations)
    assert sum(i.used for i in invitations) == 1
    assert answered.idempotency_key is None and answered.started_at is None
    assert answered.submitted_at.time().isoformat() == "00:00:00"
