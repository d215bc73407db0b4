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


def init_app(app: Flask) -> None:
    @app.context_processor
    def _inject() -> dict[str, object]:
        def t(key: str, **params: object) -> str:
            return translate(key, current_language(), **params)

        return {"t": t, "html_lang": HTML_LANG.get(current_language(), current_language())}
