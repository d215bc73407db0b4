"""Replies to complainants: the category's reply template filled with the case's
details (only five named placeholders, by literal substitution), the check that a
reply holds no placeholder any more, and the heading lines of the printed reply
letter in the case's language.

Any other text in braces in a template (``{請承辦人填寫處理情形}``) is for the handler to
replace: it stays in the draft, and a reply that still holds it is refused."""

from __future__ import annotations

import re
from typing import Any

from collector.complaints import complainant
from collector.core import clock
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory

PLACEHOLDERS = ("case_number", "name", "subject", "received_on", "agency")


_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_UNFILLED = re.compile(r"\{[^{}\n]{1,200}\}")


def placeholder_list() -> str:
    """The placeholders as staff type them: ``{case_number} {name} ...``."""
    return " ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def fill_template(template: str, values: dict[str, str]) -> str:
    """The template with its placeholders (``{case_number}``, ``{name}``, ``{subject}``,
    ``{received_on}``, ``{agency}``) replaced by plain text.

    Only those five names are replaced, by a literal substitution: no attribute or
    index access, no format specification (``{name.__class__}`` or ``{name:>999999}``
    stay as typed), and an unknown ``{...}`` is left alone.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


def unfilled(text: str) -> str | None:
    """The first placeholder (text in braces) still in a reply, or None: a reply that
    holds one was sent without the handler's answer in its place."""
    match = _UNFILLED.search(text)
    return match.group(0) if match else None


def template_values(
    case: Complaint, agency: Agency | None, who: complainant.Identity | None
) -> dict[str, str]:
    english = case.language.startswith("en")
    name = who.name if who is not None and not who.withheld and who.name else None
    return {
        "case_number": case.case_number,
        "name": name
        or translator("en" if english else "zh-Hant-TW").pgettext("salutation", "complainant"),
        "subject": case.subject,
        "received_on": case.received_on.isoformat(),
        "agency": (agency.name_en if english else agency.name_zh) if agency else "",
    }


def letter_lines(case: Complaint, reply: Any, english: bool) -> list[str]:
    """The reply letter's heading lines, in the case's language: the date as official
    letters write it (the ROC year in Chinese), the case number and the subject."""
    if reply is None:
        return []
    text = translator("en" if english else "zh-Hant-TW")
    return [
        text.gettext("Date: %(date)s", date=text.format_roc_date(clock.local_date(reply.at))),
        text.gettext("Case number: %(number)s", number=case.case_number),
        text.pgettext("letter", "Subject: %(subject)s", subject=case.subject),
    ]


def reply_draft(
    category: ComplaintCategory | None,
    case: Complaint,
    agency: Agency | None,
    who: complainant.Identity | None,
) -> str:
    if category is None:
        return ""
    english = case.language.startswith("en")
    template = category.reply_template_en if english else category.reply_template_zh
    return fill_template(template or "", template_values(case, agency, who))
