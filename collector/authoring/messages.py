"""What the converter and the checks found, in the reader's language.

``surveys`` stays pure (no Flask, no catalogues): each problem it reports carries a
``code`` and its ``params`` beside the English ``message``. Here each code has its
msgid in our catalogues (zh-Hant-TW and en), so the console says a problem in the
administrator's language; a problem without a known code keeps its English words.
"""

from __future__ import annotations

import re

from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext as _l
from collector.core.i18n import translator
from surveys.workbook import Problem

MESSAGES: dict[str, LazyText] = {
    # the workbook itself (surveys.workbook)
    "wb_not_xlsx_kind": _l(
        "Only .xlsx workbooks are accepted: macro-enabled (.xlsm), binary (.xlsb) and old "
        "(.xls) workbooks are refused."
    ),
    "wb_too_large": _l("The file is larger than %(mb)s MB."),
    "wb_not_zip": _l("This is not an .xlsx workbook (it is not a zip file)."),
    "wb_too_many_parts": _l("The workbook has more than %(count)s parts."),
    "wb_macros": _l("The workbook contains macros: macros are refused."),
    "wb_inflates": _l("The workbook inflates to more than %(mb)s MB: refused as a zip bomb."),
    "wb_ratio": _l("Part %(part)s is compressed more than %(ratio)s to 1: refused as a zip bomb."),
    "wb_no_content_types": _l("This is not an .xlsx workbook ([Content_Types].xml is missing)."),
    "wb_part_unreadable": _l("Part %(part)s of the workbook cannot be read."),
    "wb_dtd": _l("Part %(part)s declares a DTD or entities: refused as an XML bomb."),
    "wb_formulas": _l(
        "Part %(part)s contains formulas: type the values themselves (formulas are refused)."
    ),
    "wb_cannot_open": _l("The workbook cannot be opened: it may be damaged."),
    "wb_too_many_rows": _l(
        "More than %(count)s rows: split the questionnaire or remove blank formatted rows."
    ),
    "wb_too_many_columns": _l("More than %(count)s columns."),
    "wb_too_many_cells": _l("The workbook has more than %(count)s cells."),
    "wb_no_heading": _l("A value stands in a column without a heading."),
    # the XLSForm conversion (surveys.xlsform)
    "xf_language_code_missing": _l("Name the language's code in parentheses, as in “%(example)s”."),
    "xf_language_unknown": _l("Unknown language code “%(language_code)s”; known: %(known)s."),
    "xf_column_no_language": _l("The column names no language: use “%(zh)s” and “%(en)s”."),
    "xf_text_missing": _l("The %(text_column)s is missing in %(language)s."),
    "xf_html": _l("HTML is not allowed in texts (%(snippet)s): write plain text."),
    "xf_column_unsupported": _l(
        "The column %(column_name)s has no equivalent in collector: remove its values."
    ),
    "xf_sheet_unknown": _l(
        "Unknown sheet “%(sheet_name)s”: an XLSForm questionnaire has the sheets survey, "
        "choices and settings (and collector)."
    ),
    "xf_sheet_missing": _l("The workbook has no sheet named “%(sheet_name)s” (found: %(found)s)."),
    "xf_form_id_missing": _l(
        "form_id is needed: it is the questionnaire's short name in addresses."
    ),
    "xf_default_language_unknown": _l("Unknown default language “%(language_code)s”."),
    "xf_no_labels": _l("No label columns: name each language, as in “%(example)s”."),
    "xf_no_type": _l("The row has no type."),
    "xf_type_unsupported": _l("The type “%(type)s” has no equivalent in collector."),
    "xf_nested_group": _l("Groups inside groups are not supported."),
    "xf_end_group": _l("end_group without begin_group."),
    "xf_note_place": _l(
        "A note may only be the first row of a group (its description), the questionnaire's "
        "description or thanks, or part of the privacy notice."
    ),
    "xf_outside_group": _l(
        "Every question must be inside a group (begin_group … end_group): a group is a section "
        "of the questionnaire."
    ),
    "xf_parameter": _l("The parameter “%(item)s” is not name=value."),
    "xf_no_matching_type": _l(
        "The type “%(type)s” (appearance: %(appearance)s) matches no question type."
    ),
    "xf_required": _l("required must be yes or empty, not “%(value)s”."),
    "xf_list_name": _l("%(type)s needs a choice list name, as in “%(type)s my_list”."),
    "xf_group_open": _l("A group is not closed with end_group."),
    "xf_privacy_missing": _l(
        "The personal data notice is missing (%(missing)s): add a group named %(group)s with "
        "the note rows %(parts)s."
    ),
    "xf_choice_incomplete": _l("A choice needs list_name and name."),
    "xf_list_missing": _l("The choice list “%(list)s” is not on the choices sheet."),
    "xf_form_title_missing": _l("form_title is needed: the questionnaire's title."),
    "xf_no_question": _l("No question is named “%(name)s”."),
    "xf_setting_unknown": _l("Unknown setting “%(name)s”."),
    "xf_expression": _l("The expression “%(source)s” cannot be read (%(detail)s)."),
    "xf_invalid": _l("This definition is not valid: %(detail)s"),
    # the checks beyond the format (collector.authoring.checking)
    "up_too_large_kb": _l("The file is larger than %(kb)s KB."),
    "up_not_utf8": _l("The file is not UTF-8 text."),
    "up_yaml": _l("The file is not valid YAML (%(detail)s)."),
    "up_kind": _l("Upload an XLSForm workbook (.xlsx) or a YAML file (.yaml)."),
    "up_question": _l("Question “%(key)s”: %(detail)s"),
    "up_markup": _l("%(path)s: HTML is not allowed in texts (%(snippet)s): write plain text."),
    "up_slug_plugin": _l(
        "The short name “%(slug)s” (form_id) belongs to a questionnaire of plugin %(plugin)s: "
        "choose another form_id."
    ),
    "up_slug_taken": _l(
        "The short name “%(slug)s” (form_id) is already in use: choose another form_id."
    ),
}
"""Each problem code's message; ``%(name)s`` takes the problem's parameter of that name."""
_NAMES = re.compile(r"%\((\w+)\)s")


def say(problem: Problem, language: str) -> str:
    """The problem in ``language``: its code's message, else its own English words."""
    message = MESSAGES.get(problem.code)
    if message is None or not set(_NAMES.findall(message.message)) <= set(problem.parameters):
        return problem.message  # unknown, or its values missing: the English words
    try:
        return translator(language).render(message, **problem.parameters)
    except (KeyError, TypeError, ValueError):  # a parameter missing: never a 500
        return problem.message


def where(problem: Problem, language: str) -> str:
    """Where a problem is, in ``language``: "Sheet survey, row 12, column type"."""
    text = translator(language)
    parts = []
    if problem.sheet:
        parts.append(text.gettext("Sheet %(sheet)s", sheet=problem.sheet))
    if problem.row:
        parts.append(text.gettext("row %(row)s", row=problem.row))
    if problem.column:
        parts.append(text.gettext("column %(column)s", column=problem.column))
    return ", ".join(parts)


def line(problem: Problem, language: str) -> str:
    """The problem on one line, where it is first (``collector check``, ``collector
    questionnaire import``)."""
    place = where(problem, language)
    colon = "：" if language.startswith("zh") else ": "
    return f"{place}{colon}{say(problem, language)}" if place else say(problem, language)
