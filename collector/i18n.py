"""Interface text in zh-Hant-TW (first) and English, and choosing a language.

Questionnaire text lives with the questionnaire; this module holds only the
words of the interface itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Flask, current_app, g, request

MESSAGES: dict[str, dict[str, str]] = {
    "zh-Hant-TW": {
        "app_name": "公共服務意見平台",
        "language": "語言",
        "switch_to": "切換為{name}",
        "submit": "送出問卷",
        "required": "必填",
        "optional": "選填",
        "not_applicable": "不適用",
        "errors_title": "有 {count} 題需要修正",
        "errors_intro": "請修正以下問題後再送出，您已填寫的答案都已保留：",
        "privacy_title": "個人資料蒐集告知事項",
        "privacy_summary_hint": "（本問卷匿名填答，點此閱讀全文）",
        "privacy_agree_note": "送出問卷即表示您已閱讀上述告知事項。",
        "thanks_title": "已收到您的問卷",
        "receipt": "收執編號",
        "receipt_note": "如需查詢，請提供此編號。本編號無法追溯填答者身分。",
        "back_home": "回首頁",
        "unit": "服務單位",
        "agency": "機關",
        "questionnaires": "問卷",
        "choose_survey": "請選擇要填寫的問卷",
        "no_surveys": "目前沒有開放填寫的問卷。",
        "page_not_found": "找不到這個頁面",
        "page_not_found_body": "網址可能有誤，或此問卷已不再開放。",
        "too_large": "送出的資料太大",
        "too_large_body": "請縮短文字後再試一次。",
        "bad_request": "無法處理這個請求",
        "bad_request_body": "請回到上一頁重新整理後再試一次。",
        "session_expired": "頁面已逾時，請再按一次「送出問卷」；您填寫的答案都還在。",
        "server_error": "系統暫時發生問題",
        "server_error_body": "您的答案沒有遺失風險：未看到收執編號前，問卷不會被記錄。請稍後再試。",
        "skip_to_content": "跳到主要內容",
        "show_if": "（依前一題的回答填寫）",
        "yes": "是",
        "no": "否",
        "very_satisfied": "非常滿意",
        "satisfied": "滿意",
        "neutral": "普通",
        "dissatisfied": "不滿意",
        "very_dissatisfied": "非常不滿意",
        "strongly_agree": "非常同意",
        "agree": "同意",
        "neither": "普通",
        "disagree": "不同意",
        "strongly_disagree": "非常不同意",
        "scale_low": "0 完全不可能",
        "scale_high": "10 非常可能",
        "err_required": "這一題必須回答。",
        "err_choice": "請從選項中選擇。",
        "err_number": "請輸入數字。",
        "err_integer": "請輸入整數。",
        "err_min": "數值不能小於 {min}。",
        "err_max": "數值不能大於 {max}。",
        "err_date": "請輸入有效日期（年-月-日）。",
        "err_too_long": "文字太長，最多 {max} 個字。",
        "err_bad_characters": "文字含有無法辨識的字元，請重新輸入。",
        "err_constraint": "這個答案不符合本題的要求。",
        "err_type": "答案格式不正確。",
        "err_unknown_question": "問卷沒有這一題。",
        "err_not_relevant": "依您先前的回答，這一題不需填寫。",
        # staff console (collector.views.auth, collector.views.staff)
        "staff_console": "員工後台",
        "login_title": "員工登入",
        "login": "登入",
        "logout": "登出",
        "email": "電子郵件",
        "password": "密碼",
        "login_failed": "電子郵件或密碼不正確，或帳號暫時鎖定。",
        "login_throttled": "此位址登入失敗次數過多，請稍後再試。",
        "session_ended_idle": "您已閒置過久，系統已自動登出，請重新登入。",
        "session_ended_absolute": "登入時間已達上限，請重新登入。",
        "session_ended_revoked": "您的登入已失效，請重新登入。",
        "session_ended_logout": "您已登出。",
        "staff_home": "後台首頁",
        "signed_in_as": "目前登入",
        "display_name": "姓名",
        "role": "角色",
        "no_agency": "（全系統）",
        "staff_pages": "功能",
        "your_permissions": "您的權限",
        "more_pages_later": "其他工作的頁面將陸續開放。",
        "no_permissions": "此帳號目前沒有任何權限。",
        "staff_users": "帳號管理",
        "staff_audit": "稽核紀錄",
        "role_system_admin": "系統管理者",
        "role_ministry_admin": "部會管理者",
        "role_agency_admin": "機關管理者",
        "role_analyst": "分析人員",
        "role_case_handler": "陳情承辦人",
        "role_counter_staff": "櫃台人員",
        "action_aggregates_read": "檢視彙總結果",
        "action_results_read": "檢視本機關詳細結果",
        "action_responses_read": "檢視原始問卷資料",
        "action_responses_export": "匯出原始問卷資料",
        "action_campaigns_manage": "管理調查活動",
        "action_paper_enter": "登打紙本問卷",
        "action_kiosks_manage": "管理問卷平板",
        "action_cases_handle": "處理陳情案件",
        "action_users_manage": "管理帳號",
        "action_audit_read": "檢視稽核紀錄",
        "status": "狀態",
        "last_login": "最近登入",
        "actions": "操作",
        "user_active": "啟用中",
        "user_disabled": "已停用",
        "user_locked": "暫時鎖定",
        "disable": "停用",
        "enable": "啟用",
        "create_user": "新增帳號",
        "initial_password": "初始密碼",
        "password_rule": "密碼至少 {min} 個字元。",
        "user_created": "已新增帳號。",
        "err_email": "請輸入有效的電子郵件。",
        "err_email_taken": "這個電子郵件已有帳號。",
        "err_display_name": "請輸入姓名（最多 100 字）。",
        "err_role": "沒有這個角色。",
        "err_role_for_agency": "您不能在這個機關建立這個角色的帳號。",
        "err_password_short": "密碼至少需要 {min} 個字元。",
        "err_password_long": "密碼太長。",
        "err_password_is_email": "密碼不可與電子郵件相同。",
        "err_disable_self": "不能停用自己的帳號。",
        "audit_chain_ok": "稽核紀錄雜湊鏈完整（已驗證 {count} 筆）。",
        "audit_chain_broken": "警告：稽核紀錄自第 {id} 筆起遭竄改或有缺漏，請通知系統管理者。",
        "audit_at": "時間",
        "audit_actor": "操作者",
        "audit_action": "動作",
        "audit_target": "對象",
        "audit_detail": "細節",
        "audit_address": "來源位址",
        "audit_empty": "尚無紀錄。",
        "audit_older": "較早的紀錄",
        "too_many_requests": "請求太頻繁",
        "too_many_requests_body": "請稍候片刻再試一次。",
        # paper entry and results (collector.views.paper, collector.views.results)
        "staff_paper": "紙本問卷登打",
        "staff_results": "調查結果",
        "session_expired_staff": "頁面已逾時，請再送出一次；您輸入的內容都還在。",
        "paper_title": "紙本問卷登打",
        "paper_setup_intro": "請選擇服務單位、問卷與批號；批號會保留到您更改為止。",
        "paper_language": "問卷語言",
        "paper_batch": "批號",
        "paper_batch_hint": "紙本問卷的批號，最多 {max} 個字元。",
        "paper_start": "開始登打",
        "paper_batch_count": "本批已登打",
        "paper_change": "更改單位、問卷或批號",
        "paper_saved": "第 {n} 份已儲存 (receipt {receipt})",
        "paper_errors_intro": "請修正以下欄位後再送出，您輸入的內容都已保留：",
        "paper_keys_title": "鍵入方式",
        "paper_keys_scale": "五點量表：輸入 1 到 5（5 為最滿意）；不適用輸入 n 或 0。",
        "paper_keys_options": "選擇題：輸入選項的編號（1 為第一個選項）；複選題以空白或逗號分隔多個編號。",
        "paper_keys_blank": "未作答的題目請留空。",
        "paper_keys_move": "按 Tab 或 Enter 到下一題；在最後一題按 Enter（或任何一題按 Ctrl+Enter）即儲存。",
        "paper_save": "儲存本份問卷",
        "paper_resubmitted": "這份問卷已用不同內容送出過，請確認後再送出一次。",
        "err_paper_unit": "請選擇服務單位。",
        "err_paper_questionnaire": "請選擇問卷。",
        "err_paper_batch": "請輸入批號（最多 {max} 個字元）。",
        "results_title": "調查結果",
        "results_filters": "篩選條件",
        "results_campaign": "調查活動",
        "results_all": "全部",
        "results_show": "顯示",
        "results_aggregates_only": "您可檢視所轄機關的彙總結果；少於 {min} 人的分組不予顯示，亦不顯示意見內容及原始資料。",
        "results_export": "匯出原始資料",
        "results_export_note": "（每次匯出皆記錄於稽核紀錄）",
        "results_responses": "回收情形",
        "results_total": "已回收 {n} 份",
        "results_target": "目標 {n} 份",
        "results_progress": "達成率",
        "results_per_day": "近 {days} 天每日回收份數",
        "results_per_day_table": "每日份數表",
        "results_chart_desc": "長條圖：近 30 天共 {total} 份，單日最多 {max} 份；數字見下方表格。",
        "results_date": "日期",
        "results_count": "份數",
        "results_headline": "整體滿意度",
        "results_top2": "滿意比率（前兩等級）",
        "results_ci": "（95% 信賴區間 {low}–{high}）",
        "results_score": "滿意度分數（0–100）",
        "results_mean": "平均數",
        "results_n": "人數",
        "results_items": "各構面及題目",
        "results_item": "題目",
        "results_other_items": "其他題目",
        "results_group": "分組",
        "results_by_agency": "依機關",
        "results_by_unit": "依服務單位",
        "results_by_channel": "依填答管道",
        "results_by_sex": "依性別",
        "results_by_age_group": "依年齡",
        "results_suppressed": "填答人數少於 {min} 人，不予顯示。",
        "results_suppressed_note": "（少於 {min} 人的分組以「<5」及「—」表示）",
        "results_not_answered": "未填答",
        "results_no_unit": "未指定單位",
        "results_comments": "最新意見（{n} 則）",
        "results_no_comments": "尚無意見。",
        "results_no_data": "目前沒有資料。",
        "channel_online": "網路",
        "channel_qr": "QR code",
        "channel_kiosk": "平板",
        "channel_paper": "紙本",
        "channel_phone": "電話",
    },
    "en": {
        "app_name": "Public Service Feedback",
        "language": "Language",
        "switch_to": "Switch to {name}",
        "submit": "Submit",
        "required": "required",
        "optional": "optional",
        "not_applicable": "Not applicable",
        "errors_title": "{count} answer(s) need attention",
        "errors_intro": "Please correct the following and submit again. Everything you entered has been kept:",
        "privacy_title": "Personal data notice",
        "privacy_summary_hint": " (this survey is anonymous; select to read it in full)",
        "privacy_agree_note": "By submitting you confirm that you have read this notice.",
        "thanks_title": "Your answers have been received",
        "receipt": "Receipt number",
        "receipt_note": "Quote this number if you contact us. It cannot be traced back to you.",
        "back_home": "Home",
        "unit": "Service unit",
        "agency": "Agency",
        "questionnaires": "Surveys",
        "choose_survey": "Choose a survey to answer",
        "no_surveys": "No survey is open at the moment.",
        "page_not_found": "Page not found",
        "page_not_found_body": "The address may be wrong, or this survey is no longer open.",
        "too_large": "Too much data was sent",
        "too_large_body": "Please shorten your text and try again.",
        "bad_request": "This request could not be handled",
        "bad_request_body": "Please go back, reload the page and try again.",
        "session_expired": "The page timed out. Please press Submit again; your answers are still here.",
        "server_error": "Something went wrong on our side",
        "server_error_body": "Nothing was recorded unless you saw a receipt number. Please try again later.",
        "skip_to_content": "Skip to main content",
        "show_if": "(answer depending on your previous answer)",
        "yes": "Yes",
        "no": "No",
        "very_satisfied": "Very satisfied",
        "satisfied": "Satisfied",
        "neutral": "Neutral",
        "dissatisfied": "Dissatisfied",
        "very_dissatisfied": "Very dissatisfied",
        "strongly_agree": "Strongly agree",
        "agree": "Agree",
        "neither": "Neither agree nor disagree",
        "disagree": "Disagree",
        "strongly_disagree": "Strongly disagree",
        "scale_low": "0 not at all likely",
        "scale_high": "10 extremely likely",
        "err_required": "This question needs an answer.",
        "err_choice": "Please choose one of the options.",
        "err_number": "Please enter a number.",
        "err_integer": "Please enter a whole number.",
        "err_min": "The value must be at least {min}.",
        "err_max": "The value must be at most {max}.",
        "err_date": "Please enter a valid date (year-month-day).",
        "err_too_long": "The text is too long: at most {max} characters.",
        "err_bad_characters": "The text contains characters that could not be read. Please type it again.",
        "err_constraint": "This answer does not meet the question's requirement.",
        "err_type": "This answer has the wrong format.",
        "err_unknown_question": "The questionnaire has no such question.",
        "err_not_relevant": "Given your earlier answers, this question does not apply.",
        # staff console (collector.views.auth, collector.views.staff)
        "staff_console": "Staff console",
        "login_title": "Staff log-in",
        "login": "Log in",
        "logout": "Log out",
        "email": "Email",
        "password": "Password",
        "login_failed": "The email or password is incorrect, or the account is temporarily locked.",
        "login_throttled": "Too many failed log-ins from this address. Please try again later.",
        "session_ended_idle": "You were logged out after a period of inactivity. Please log in again.",
        "session_ended_absolute": "Your session reached its maximum length. Please log in again.",
        "session_ended_revoked": "Your session was ended. Please log in again.",
        "session_ended_logout": "You have logged out.",
        "staff_home": "Console home",
        "signed_in_as": "Signed in as",
        "display_name": "Name",
        "role": "Role",
        "no_agency": "(whole system)",
        "staff_pages": "Pages",
        "your_permissions": "What you may do",
        "more_pages_later": "Pages for the other tasks are on their way.",
        "no_permissions": "This account has no permissions yet.",
        "staff_users": "Staff accounts",
        "staff_audit": "Audit log",
        "role_system_admin": "System administrator",
        "role_ministry_admin": "Ministry administrator",
        "role_agency_admin": "Agency administrator",
        "role_analyst": "Analyst",
        "role_case_handler": "Case handler",
        "role_counter_staff": "Counter staff",
        "action_aggregates_read": "Read aggregate results",
        "action_results_read": "Read the agency's detailed results",
        "action_responses_read": "Read raw responses",
        "action_responses_export": "Export raw responses",
        "action_campaigns_manage": "Manage survey campaigns",
        "action_paper_enter": "Enter paper questionnaires",
        "action_kiosks_manage": "Manage kiosks",
        "action_cases_handle": "Handle complaint cases",
        "action_users_manage": "Manage staff accounts",
        "action_audit_read": "Read the audit log",
        "status": "Status",
        "last_login": "Last log-in",
        "actions": "Actions",
        "user_active": "Active",
        "user_disabled": "Disabled",
        "user_locked": "Locked",
        "disable": "Disable",
        "enable": "Enable",
        "create_user": "Create an account",
        "initial_password": "Initial password",
        "password_rule": "Passwords have at least {min} characters.",
        "user_created": "The account was created.",
        "err_email": "Enter a valid email address.",
        "err_email_taken": "An account with this email already exists.",
        "err_display_name": "Enter a name (at most 100 characters).",
        "err_role": "No such role.",
        "err_role_for_agency": "You cannot create an account with this role in this agency.",
        "err_password_short": "The password needs at least {min} characters.",
        "err_password_long": "The password is too long.",
        "err_password_is_email": "The password must not be the email address.",
        "err_disable_self": "You cannot disable your own account.",
        "audit_chain_ok": "The audit log's hash chain is intact ({count} events verified).",
        "audit_chain_broken": "Warning: the audit log was altered or has a gap at event {id}. Tell the system administrator.",
        "audit_at": "Time",
        "audit_actor": "Actor",
        "audit_action": "Action",
        "audit_target": "Target",
        "audit_detail": "Detail",
        "audit_address": "Address",
        "audit_empty": "No events yet.",
        "audit_older": "Older events",
        "too_many_requests": "Too many requests",
        "too_many_requests_body": "Please wait a moment and try again.",
        # paper entry and results (collector.views.paper, collector.views.results)
        "staff_paper": "Paper questionnaire entry",
        "staff_results": "Results",
        "session_expired_staff": "The page timed out. Please submit again; what you typed is still here.",
        "paper_title": "Paper questionnaire entry",
        "paper_setup_intro": "Choose the service unit, questionnaire and batch number; the batch is kept until you change it.",
        "paper_language": "Questionnaire language",
        "paper_batch": "Batch number",
        "paper_batch_hint": "The batch the paper questionnaires came in, at most {max} characters.",
        "paper_start": "Start entering",
        "paper_batch_count": "Entered in this batch",
        "paper_change": "Change unit, questionnaire or batch",
        "paper_saved": "Questionnaire {n} saved (receipt {receipt})",
        "paper_errors_intro": "Please correct the following and save again. Everything you typed has been kept:",
        "paper_keys_title": "How to key in",
        "paper_keys_scale": "5-point scales: type 1 to 5 (5 = most satisfied); n or 0 for not applicable.",
        "paper_keys_options": "Choice questions: type the option's number (1 = first option); for several answers separate the numbers with spaces or commas.",
        "paper_keys_blank": "Leave unanswered questions empty.",
        "paper_keys_move": "Tab or Enter moves to the next question; Enter on the last one (or Ctrl+Enter anywhere) saves.",
        "paper_save": "Save this questionnaire",
        "paper_resubmitted": "This questionnaire was already sent with other answers. Please check and save again.",
        "err_paper_unit": "Choose a service unit.",
        "err_paper_questionnaire": "Choose a questionnaire.",
        "err_paper_batch": "Enter a batch number (at most {max} characters).",
        "results_title": "Results",
        "results_filters": "Filters",
        "results_campaign": "Campaign",
        "results_all": "All",
        "results_show": "Show",
        "results_aggregates_only": "You see aggregate results of the agencies below you; groups of fewer than {min} respondents, comments and raw responses are not shown.",
        "results_export": "Export raw responses",
        "results_export_note": "(every export is recorded in the audit log)",
        "results_responses": "Responses",
        "results_total": "{n} responses",
        "results_target": "target {n}",
        "results_progress": "Progress towards the target",
        "results_per_day": "Responses per day, last {days} days",
        "results_per_day_table": "Table of responses per day",
        "results_chart_desc": "Bar chart: {total} responses in the last 30 days, at most {max} on one day; the table below has the figures.",
        "results_date": "Date",
        "results_count": "Responses",
        "results_headline": "Overall satisfaction",
        "results_top2": "Satisfied (top two boxes)",
        "results_ci": "(95% confidence interval {low}–{high})",
        "results_score": "Score (0–100)",
        "results_mean": "Mean",
        "results_n": "Respondents",
        "results_items": "Dimensions and items",
        "results_item": "Item",
        "results_other_items": "Other items",
        "results_group": "Group",
        "results_by_agency": "By agency",
        "results_by_unit": "By service unit",
        "results_by_channel": "By channel",
        "results_by_sex": "By sex",
        "results_by_age_group": "By age group",
        "results_suppressed": "Fewer than {min} respondents: not shown.",
        "results_suppressed_note": "(groups of fewer than {min} respondents are shown as \"<5\" and \"—\")",
        "results_not_answered": "Not answered",
        "results_no_unit": "No unit",
        "results_comments": "Latest comments ({n})",
        "results_no_comments": "No comments yet.",
        "results_no_data": "No data yet.",
        "channel_online": "Online",
        "channel_qr": "QR code",
        "channel_kiosk": "Kiosk",
        "channel_paper": "Paper",
        "channel_phone": "Phone",
    },
}

LANGUAGE_NAMES = {"zh-Hant-TW": "繁體中文", "en": "English"}
HTML_LANG = {"zh-Hant-TW": "zh-Hant-TW", "en": "en"}


def translate(key: str, language: str, **params: object) -> str:
    """The interface text ``key`` in ``language`` (falls back to zh-Hant-TW, then the key)."""
    table = MESSAGES.get(language) or MESSAGES["zh-Hant-TW"]
    text = table.get(key) or MESSAGES["zh-Hant-TW"].get(key) or key
    return text.format(**params) if params else text


def pick_language(
    offered: Iterable[str], explicit: str | None = None, header: str | None = None
) -> str:
    """The language to use: an explicit choice, else the browser's best match, else the first."""
    offered = list(offered)
    if explicit in offered:
        return explicit  # type: ignore[return-value]
    if header is None and request:
        header = request.headers.get("Accept-Language")
    if header:
        ranked = sorted(_parse_accept(header), key=lambda x: -x[1])
        for tag, _q in ranked:
            for lang in offered:
                if _matches(tag, lang):
                    return lang
    return offered[0] if offered else current_app.config["LANGUAGES"][0]


def _parse_accept(header: str) -> list[tuple[str, float]]:
    out = []
    for part in header.split(",")[:20]:
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag and q > 0:  # q=0 (or an unreadable q) means "not acceptable"
            out.append((tag, q))
    return out


def _matches(tag: str, lang: str) -> bool:
    lang_l = lang.lower()
    if tag == lang_l or tag.split("-")[0] == lang_l:
        return True
    if lang_l.startswith("zh-hant"):
        return tag in ("zh-tw", "zh-hant", "zh-hk", "zh-mo", "zh")
    return tag.split("-")[0] == lang_l.split("-")[0]


def localised(text: Mapping[str, str] | None, language: str, fallback: str = "zh-Hant-TW") -> str:
    """A translation mapping's text in ``language``."""
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


def use_language(language: str) -> str:
    """Render this request's pages in ``language``."""
    g.language = language
    return language


def current_language() -> str:
    """The language of the page being rendered (set by the view on ``g``)."""
    return g.get("language") or current_app.config["LANGUAGES"][0]


def staff_language() -> str:
    """The staff console's language: ``?lang=`` (remembered in the session), else the
    remembered choice, else the browser's."""
    from flask import session

    offered = current_app.config["LANGUAGES"]
    explicit = request.args.get("lang")
    if explicit in offered:
        session["lang"] = explicit
    return use_language(pick_language(offered, explicit or session.get("lang")))


def init_app(app: Flask) -> None:
    @app.context_processor
    def _inject() -> dict[str, object]:
        def t(key: str, **params: object) -> str:
            return translate(key, current_language(), **params)

        return {"t": t, "html_lang": HTML_LANG.get(current_language(), current_language())}
