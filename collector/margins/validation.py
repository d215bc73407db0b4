"""The rules every margin obeys, whichever way it comes in (the console's form or a CSV).

A count is a whole number above zero (thousands separators allowed: government
spreadsheets print them), a year is Gregorian or, below 1000, a ROC year (民國 114 is
2025), a category is one the variable has (``collector.margins.categories``), a set
has at least two categories and none twice. Totals of the variables of one year and
unit should agree; when they differ by more than :data:`TOLERANCE` the page warns
(weighting then uses each variable's shares, scaled to one total) but saves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.margins.categories import VARIABLE_LABELS
from collector.margins.categories import looks_like_formula

ROC_OFFSET = 1911
FIRST_YEAR = 1990
MAX_COUNT = 100_000_000
"""More people than Taiwan has, several times over: a larger count is a typing error."""
TOLERANCE = 0.02
"""How far (relative to the largest) the variables' totals of a year may differ unwarned."""

COUNT_RE = re.compile(r"\d{1,3}(,\d{3})+|\d+")

MESSAGES: dict[str, LazyText] = {
    "mg_err_count": lazy_gettext("Enter the count as a whole number above zero, such as 12345."),
    "mg_err_count_large": lazy_gettext("This count is larger than %(max)s; check it."),
    "mg_err_formula": lazy_gettext(
        "This cell holds a formula (%(cell)s). Save the spreadsheet with values, not formulas."
    ),
    "mg_err_year": lazy_gettext(
        "Enter a year from %(first)s to %(last)s (Gregorian, or a ROC year such as 114)."
    ),
    "mg_err_variable": lazy_gettext("Unknown variable %(value)s: use sex, age_group or district."),
    "mg_err_category": lazy_gettext(
        "%(value)s is not a category of %(variable)s. Use one of: %(allowed)s."
    ),
    "mg_err_not_asked": lazy_gettext(
        "No questionnaire your agency offers asks for %(variable)s, so it has no categories."
    ),
    "mg_err_category_text": lazy_gettext(
        "Name the district in 1 to 64 characters, without control characters."
    ),
    "mg_err_repeat": lazy_gettext("The same category as row %(other)s."),
    "mg_err_too_few": lazy_gettext(
        "%(variable)s for %(year)s%(unit)s has only one category: a margin needs at least two."
    ),
    "mg_err_unit": lazy_gettext("Unknown service unit %(value)s."),
    "mg_err_columns": lazy_gettext(
        "This row has %(found)s cells; the file's columns are year, variable, category, count and optionally unit."
    ),
    "mg_err_header": lazy_gettext(
        "The first row must name the columns: year, variable, category, count and optionally unit (missing: %(missing)s)."
    ),
    "mg_err_header_unknown": lazy_gettext("Unknown column %(value)s in the first row."),
    "mg_err_encoding": lazy_gettext(
        "The file is neither UTF-8 nor Big5 text. Save it as CSV (UTF-8) and upload it again."
    ),
    "mg_err_binary": lazy_gettext(
        "This is not a CSV file (it looks like a spreadsheet or another binary file). Save it as CSV and upload it again."
    ),
    "mg_err_too_big": lazy_gettext("The file is larger than %(max)s KB."),
    "mg_err_too_many": lazy_gettext("The file has more than %(max)s rows."),
    "mg_err_empty": lazy_gettext("The file holds no margins."),
    "mg_err_no_file": lazy_gettext("Choose a CSV file to upload."),
    "mg_err_csv": lazy_gettext("This row is not valid CSV (check the quotation marks)."),
    "mg_err_concurrent": lazy_gettext(
        "Someone else saved these margins at the same moment; check them and save again."
    ),
    "mg_err_source": lazy_gettext(
        "Say where the counts come from, in at most %(max)s characters (for example, household registration statistics, December 2025)."
    ),
}
"""What each problem key says (every one reaches a person, so all are in the catalogues)."""

SOURCE_MAX = 500


@dataclass(frozen=True)
class Problem:
    """One refusal: the file's row (0: the file or form as a whole), what, and its values."""

    line: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        text = translator(language)
        params = dict(self.params)
        if params.get("variable") in VARIABLE_LABELS:
            params["variable"] = text.render(VARIABLE_LABELS[params["variable"]])
        return text.render(MESSAGES[self.key], **params)


def parse_count(text: str) -> int | str:
    """The count in ``text``, or the key of what is wrong with it."""
    text = text.strip().replace("\u3000", "")
    if looks_like_formula(text) and not re.fullmatch(r"[+-]\d[\d,]*", text):
        return "mg_err_formula"
    if not COUNT_RE.fullmatch(text):
        return "mg_err_count"
    value = int(text.replace(",", ""))
    if value <= 0:
        return "mg_err_count"
    if value > MAX_COUNT:
        return "mg_err_count_large"
    return value


def parse_year(text: str, this_year: int) -> int | None:
    """The Gregorian year ``text`` names (a ROC year below 1000), None if not a year we take."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        return None
    year = int(text)
    if year < 1000:
        year += ROC_OFFSET
    return year if FIRST_YEAR <= year <= this_year + 1 else None


def source_ok(text: str) -> bool:
    return 0 < len(text.strip()) <= SOURCE_MAX and not looks_like_formula(text.strip())


@dataclass(frozen=True)
class TotalsWarning:
    """The variables of one year and unit whose totals differ more than the tolerance."""

    year: int
    unit: str | None
    totals: dict[str, int]

    @property
    def spread(self) -> float:
        values = list(self.totals.values())
        return (max(values) - min(values)) / max(values)


def totals_warnings(
    totals: Iterable[tuple[int, str | None, str, int]], tolerance: float = TOLERANCE
) -> list[TotalsWarning]:
    """Warnings for (year, unit, variable, total) rows whose variables disagree."""
    grouped: dict[tuple[int, str | None], dict[str, int]] = {}
    for year, unit, variable, total in totals:
        grouped.setdefault((year, unit), {})[variable] = total
    out = []
    for (year, unit), by_variable in sorted(
        grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        if len(by_variable) < 2:
            continue
        warning = TotalsWarning(year, unit, by_variable)
        if warning.spread > tolerance:
            out.append(warning)
    return out
