"""XLSForm in and out: a questionnaire as an ODK/KoboToolbox workbook and back.

The mapping is specified in docs/questionnaire-format.md ("XLSForm"): sections
are groups, texts are ``label::Language (code)`` columns, each question type
declares its XLSForm form (``surveys.xlsform_mapping``), and what XLSForm cannot
say goes on an extra ``collector`` sheet that XLSForm tools ignore, so that
``from_sheets(to_sheets(q))`` gives back ``q``. Importing refuses whatever has no
collector equivalent, naming the sheet, row and column, and reports every problem
it finds rather than the first. Pure: no Flask, no database; the caller passes
the question types' mappings and a ``translate`` function for generated labels.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from surveys.expressions import ExpressionError
from surveys.expressions import compile_expression
from surveys.loader import QuestionnaireError
from surveys.loader import parse
from surveys.schema import Choice
from surveys.schema import PrivacyNotice
from surveys.schema import Question
from surveys.schema import Questionnaire
from surveys.workbook import Problem
from surveys.workbook import Sheet
from surveys.workbook import WorkbookError
from surveys.workbook import read_workbook
from surveys.xlsform_mapping import GeneratedList
from surveys.xlsform_mapping import XLSFormMapping

Translate = Callable[[str, str], str]
"""(language, English text) -> the text in that language, for generated labels."""

LANGUAGE_NAMES = {
    "zh-Hant-TW": "中文",
    "en": "English",
    "vi": "Tiếng Việt",
    "id": "Bahasa Indonesia",
    "th": "ไทย",
    "nan": "臺語",
    "hak": "客語",
}
"""The name written before each language code in a column heading."""

LANGUAGE_CODES = {
    "zh-hant-tw": "zh-Hant-TW",
    "zh-tw": "zh-Hant-TW",
    "zh-hant": "zh-Hant-TW",
    "zh": "zh-Hant-TW",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "vi": "vi",
    "vi-vn": "vi",
    "id": "id",
    "id-id": "id",
    "in": "id",
    "th": "th",
    "th-th": "th",
    "nan": "nan",
    "nan-tw": "nan",
    "hak": "hak",
    "hak-tw": "hak",
}
"""Language codes found in workbooks, to collector's codes."""

PRIVACY_GROUP = "privacy_notice"
PRIVACY_PARTS = tuple(PrivacyNotice.model_fields)
SHEETS = ("survey", "choices", "settings", "collector")
TEXT_COLUMNS = ("label", "hint", "constraint_message")
SURVEY_COLUMNS = ("type", "name", "required", "relevant", "constraint", "appearance", "parameters")
VISUAL_APPEARANCES = re.compile(
    r"^(minimal|horizontal|horizontal-compact|compact|quick|columns|columns-pack|"
    r"columns-\d+|no-buttons|w\d+|field-list)$"
)
"""Appearances that only change the look in ODK tools: dropped on import."""
GROUP_APPEARANCES = {"list": "field-list", "grid": "table-list"}
"""A section's layout as its group's appearance: ``table-list`` is a grid of items
sharing one scale, ``field-list`` the questions one after another on one page."""
UNSUPPORTED_TYPES = {
    "calculate": "a calculated value",
    "begin_repeat": "a repeated group",
    "end_repeat": "a repeated group",
    "select_one_from_file": "choices from a file",
    "select_multiple_from_file": "choices from a file",
    "geopoint": "a location",
    "geotrace": "a location",
    "geoshape": "a location",
    "image": "a photo",
    "audio": "a recording",
    "video": "a video",
    "file": "a file",
    "barcode": "a barcode",
    "acknowledge": "an acknowledgement",
    "time": "a time of day",
    "datetime": "a date and time",
    "hidden": "a hidden value",
    "rank": "a ranking",
    "trigger": "a trigger",
}
_MARKUP = re.compile(r"<\s*[A-Za-z!/?]")
_HEADING = re.compile(r"^([A-Za-z_]+)::(.*?)\s*\(([A-Za-z-]+)\)\s*$")


class XLSFormError(WorkbookError):
    """A workbook or questionnaire that does not convert; ``problems`` has every reason."""


@dataclass(frozen=True)
class Imported:
    """An imported questionnaire with the survey-sheet row of each question and section."""

    questionnaire: Questionnaire
    rows: dict[str, int]


def _english(language: str, text: str) -> str:
    return text


def heading(column: str, language: str) -> str:
    """``label::中文 (zh-Hant-TW)``: XLSForm's recommended translated-column heading."""
    return f"{column}::{LANGUAGE_NAMES.get(language, language)} ({language})"


def markup_problems(questionnaire: Questionnaire) -> list[str]:
    """Texts that contain HTML (``<script>``, ``<b>``): refused in uploads, which are
    shown as plain text; the message names the field."""
    return [
        f"{path}: HTML is not allowed in texts ({snippet}): write plain text"
        for path, snippet in markup_found(questionnaire)
    ]


def markup_found(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """(field path, the text where its markup starts) of each text that contains HTML."""
    found: list[tuple[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, str):
            if _MARKUP.search(node):
                found.append((path, _snippet(node)))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(questionnaire.model_dump(mode="json"), "")
    return found


def _snippet(text: str) -> str:
    match = _MARKUP.search(text)
    start = match.start() if match else 0
    return repr(text[start : start + 12])


# -- export ------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bounds(question: Question, mapping: XLSFormMapping) -> list[str]:
    """The constraint terms that stand for the question's limits."""
    terms: list[str] = []
    q = question
    if mapping.bounds == "value":
        if q.min is not None:
            terms.append(f". >= {_fmt(q.min)}")
        if q.max is not None:
            terms.append(f". <= {_fmt(q.max)}")
    elif mapping.bounds == "count":
        if q.min is not None:
            terms.append(f"count-selected(.) >= {_fmt(q.min)}")
        if q.max is not None:
            terms.append(f"count-selected(.) <= {_fmt(q.max)}")
    elif mapping.bounds == "date":
        if q.params.get("min"):
            terms.append(f". >= date('{q.params['min']}')")
        if q.params.get("max"):
            terms.append(f". <= date('{q.params['max']}')")
    if mapping.bounds == "length" and q.max_length is not None:
        terms.append(f"string-length(.) <= {q.max_length}")
    return terms


def _parameter_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _fmt(value)
    if isinstance(value, str) and value and not re.search(r"[\s=]", value):
        return value
    return None


def to_sheets(
    questionnaire: Questionnaire,
    mappings: Mapping[str, XLSFormMapping | None],
    translate: Translate = _english,
) -> dict[str, list[list[Any]]]:
    """The questionnaire as XLSForm sheets: each a list of rows, the heading row first."""
    q = questionnaire
    languages = q.languages
    problems: list[str] = []

    def texts(value: dict[str, str] | None) -> list[str]:
        return [(value or {}).get(lang, "") for lang in languages]

    def generated_text(english: str) -> list[str]:
        return [translate(lang, english) for lang in languages]

    survey_head = ["type", "name"]
    for column in TEXT_COLUMNS[:2]:
        survey_head += [heading(column, lang) for lang in languages]
    survey_head += ["required", "relevant", "constraint"]
    survey_head += [heading("constraint_message", lang) for lang in languages]
    survey_head += ["appearance", "parameters"]
    blank = [""] * len(languages)

    def survey_row(
        kind: str,
        name: str,
        label: list[str],
        hint: list[str] | None = None,
        required: str = "",
        relevant: str = "",
        constraint: str = "",
        message: list[str] | None = None,
        appearance: str = "",
        parameters: str = "",
    ) -> list[Any]:
        return [
            kind,
            name,
            *label,
            *(hint or blank),
            required,
            relevant,
            constraint,
            *(message or blank),
            appearance,
            parameters,
        ]

    survey: list[list[Any]] = [survey_head]
    own_params: list[list[Any]] = []
    lists: dict[str, list[tuple[str, list[str]]]] = {}
    reserved = {g.name for m in mappings.values() if m for g in m.lists}
    for name in q.choice_lists:
        if name in reserved:
            problems.append(f"choice list {name!r}: the name is reserved for a generated list")

    def add_list(name: str, choices: list[tuple[str, list[str]]], owner: str) -> None:
        if name in lists and lists[name] != choices:
            problems.append(f"question {owner!r}: its choice list name {name!r} is taken")
        lists.setdefault(name, choices)

    if q.description:
        survey.append(survey_row("note", "description", texts(q.description)))
    survey.append(
        survey_row(
            "begin_group",
            PRIVACY_GROUP,
            generated_text("Personal data notice"),
            appearance="field-list",
        )
    )
    for part in PRIVACY_PARTS:
        survey.append(survey_row("note", part, texts(getattr(q.privacy_notice, part))))
    survey.append(survey_row("end_group", "", blank))
    for section in q.sections:
        survey.append(
            survey_row(
                "begin_group",
                section.key,
                texts(section.title),
                relevant=section.relevant or "",
                appearance=GROUP_APPEARANCES[section.layout],
            )
        )
        if section.description:
            survey.append(survey_row("note", f"{section.key}_note", texts(section.description)))
        for question in section.questions:
            mapping = mappings.get(question.type)
            if mapping is None:
                problems.append(
                    f"question {question.key!r}: type {question.type!r} declares no XLSForm mapping"
                )
                continue
            form = mapping.variant(question)
            kind = form.xls_type
            generated = mapping.generated_list(question)
            if generated is not None:
                kind += f" {generated.name}"
                add_list(
                    generated.name,
                    [(v, generated_text(label)) for v, label in generated.choices],
                    question.key,
                )
            elif mapping.own_list and q.choices_for(question) is not None:
                name = question.choice_list or question.key
                choices = [(c.value, texts(c.label)) for c in q.choices_for(question) or []]
                if question.not_applicable and mapping.not_applicable:
                    if question.choice_list:
                        problems.append(
                            f"question {question.key!r}: not_applicable with a shared "
                            "choice_list cannot be written; give the question its own choices"
                        )
                    value, label = mapping.not_applicable
                    choices.append((value, generated_text(label)))
                add_list(name, choices, question.key)
                kind += f" {name}"
            elif mapping.lists or mapping.own_list:
                problems.append(
                    f"question {question.key!r}: its settings match none of the type's XLSForm lists"
                )
                continue
            if mapping.bounds not in ("value", "count") and (
                question.min is not None or question.max is not None
            ):
                problems.append(
                    f"question {question.key!r}: min/max cannot be written for its type"
                )
            if mapping.bounds != "length" and question.max_length is not None:
                problems.append(
                    f"question {question.key!r}: max_length cannot be written for its type"
                )
            terms = _bounds(question, form)
            own = question.constraint or ""
            constraint = " and ".join(
                t for t in [f"({own})" if terms and own else own, *terms] if t
            )
            parameters = [f"{k}={v}" for k, v in form.parameters]
            for name, value in question.params.items():
                if name in mapping.consumed_params():
                    continue
                text = _parameter_text(value)
                if text is None:
                    problems.append(
                        f"question {question.key!r}: params.{name} ({value!r}) cannot be "
                        "written in a workbook"
                    )
                # XLSForm tools check ``parameters`` per type: a type's own settings go
                # on the collector sheet.
                own_params.append([f"params.{question.key}.{name}", text, *blank])
            survey.append(
                survey_row(
                    kind,
                    question.key,
                    texts(question.label),
                    texts(question.hint) if question.hint else None,
                    "yes" if question.required else "",
                    question.relevant or "",
                    constraint,
                    texts(question.constraint_message) if question.constraint_message else None,
                    form.appearance or "",
                    " ".join(parameters),
                )
            )
        survey.append(survey_row("end_group", "", blank))
    if q.thanks:
        survey.append(survey_row("note", "thanks", texts(q.thanks)))
    for list_name, shared in q.choice_lists.items():
        add_list(list_name, [(c.value, texts(c.label)) for c in shared], list_name)
    if problems:
        raise XLSFormError([Problem(p) for p in problems])

    choices_sheet: list[list[Any]] = [
        ["list_name", "name", *[heading("label", lang) for lang in languages]]
    ]
    for name, choices in lists.items():
        for value, labels in choices:
            choices_sheet.append([name, value, *labels])
    settings = [
        ["form_title", "form_id", "version", "default_language", "style"],
        [
            q.text(q.title, languages[0]),
            q.slug,
            q.fingerprint()[:12],
            f"{LANGUAGE_NAMES.get(languages[0], languages[0])} ({languages[0]})",
            "pages",
        ],
    ]
    extra: list[list[Any]] = [["name", "value", *[heading("value", lang) for lang in languages]]]
    extra.append(["kind", q.kind, *blank])
    extra.append(["title", "", *texts(q.title)])
    extra.append(["choice_lists", " ".join(q.choice_lists), *blank])
    roles = q.analysis
    for role in ("overall", "comment"):
        if getattr(roles, role):
            extra.append([f"analysis.{role}", getattr(roles, role), *blank])
    for name, keys in roles.dimensions.items():
        extra.append([f"analysis.dimensions.{name}", " ".join(keys), *blank])
    for name, dimension in roles.dimension_labels.items():
        extra.append([f"analysis.dimension_labels.{name}", "", *texts(dimension)])
    for name, keys in roles.groups.items():
        extra.append([f"analysis.groups.{name}", " ".join(keys), *blank])
    for role, key in roles.demographics.items():
        extra.append([f"analysis.demographics.{role}", key, *blank])
    extra += own_params
    return {"survey": survey, "choices": choices_sheet, "settings": settings, "collector": extra}


def write_xlsx(sheets: Mapping[str, list[list[Any]]]) -> bytes:
    """The sheets as an .xlsx workbook: every cell written as text, the heading row frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # a new workbook always has its first sheet
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append([cell if cell != "" else None for cell in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_xlsform(
    questionnaire: Questionnaire,
    mappings: Mapping[str, XLSFormMapping | None],
    translate: Translate = _english,
) -> bytes:
    """The questionnaire as an XLSForm .xlsx workbook."""
    return write_xlsx(to_sheets(questionnaire, mappings, translate))


# -- import ------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class _Columns:
    """A sheet's headings: plain columns and translated ones (column -> language -> heading)."""

    plain: set[str]
    translated: dict[str, dict[str, str]]


class _Reader:
    """One import: the problems found so far and the languages in use."""

    def __init__(self, sheets: Mapping[str, Sheet], mappings: Mapping[str, XLSFormMapping | None]):
        self.sheets = {name.strip().lower(): sheet for name, sheet in sheets.items()}
        self.mappings = {k: m for k, m in mappings.items() if m is not None}
        self.problems: list[Problem] = []
        self.languages: list[str] = []
        self.rows: dict[str, int] = {}

    def problem(
        self,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        code: str = "",
        **params: Any,
    ) -> None:
        """One problem: the English ``message``, and its ``code`` and ``params`` by which
        the console says it in the reader's language (collector.authoring.messages)."""
        self.problems.append(Problem(message, sheet, row, column, code, tuple(params.items())))

    # headings

    def columns(self, sheet: Sheet, texts: tuple[str, ...]) -> _Columns:
        cols = _Columns(set(), {})
        for name in sheet.header:
            if not name:
                continue
            match = _HEADING.match(name)
            if "::" in name and match is None:
                self.problem(
                    "name the language's code in parentheses, as in "
                    f"'{name.split('::')[0]}::English (en)'",
                    sheet.name,
                    1,
                    name,
                    "xf_language_code_missing",
                    example=f"{name.split('::')[0]}::English (en)",
                )
                continue
            if match is None:
                cols.plain.add(name)
                continue
            column, _label, code = match.groups()
            language = LANGUAGE_CODES.get(code.lower())
            if language is None:
                self.problem(
                    f"unknown language code {code!r}; collector knows "
                    f"{', '.join(sorted(set(LANGUAGE_CODES.values())))}",
                    sheet.name,
                    1,
                    name,
                    "xf_language_unknown",
                    language_code=code,
                    known=", ".join(sorted(set(LANGUAGE_CODES.values()))),
                )
                continue
            if column not in texts:
                cols.plain.add(name)
                continue
            if language not in self.languages:
                self.languages.append(language)
            cols.translated.setdefault(column, {})[language] = name
        return cols

    def text(
        self,
        sheet: Sheet,
        number: int,
        row: dict[str, Any],
        cols: _Columns,
        column: str,
        needed: bool,
    ) -> dict[str, str] | None:
        """A translated cell group as a text; a problem for each missing language or HTML."""
        if column in row:
            self.problem(
                f"the column names no language: use '{heading(column, 'zh-Hant-TW')}' and "
                f"'{heading(column, 'en')}'",
                sheet.name,
                number,
                column,
                "xf_column_no_language",
                zh=heading(column, "zh-Hant-TW"),
                en=heading(column, "en"),
            )
        headings = cols.translated.get(column, {})
        value = {lang: _cell_text(row[h]) for lang, h in headings.items() if h in row}
        if not value and not needed:
            return None
        for lang in self.languages:
            if not value.get(lang):
                self.problem(
                    f"the {column} is missing in {lang}",
                    sheet.name,
                    number,
                    headings.get(lang, heading(column, lang)),
                    "xf_text_missing",
                    text_column=column,
                    language=lang,
                )
        for lang, text in value.items():
            if _MARKUP.search(text):
                self.problem(
                    f"HTML is not allowed in texts ({_snippet(text)}): write plain text",
                    sheet.name,
                    number,
                    headings[lang],
                    "xf_html",
                    snippet=_snippet(text),
                )
        return value

    def refuse_others(
        self, sheet: Sheet, number: int, row: dict[str, Any], known: set[str]
    ) -> None:
        for name, value in row.items():
            if name in known or name.startswith(("$", "_")) or value in ("", None):
                continue
            base = name.split("::")[0]
            reason = {
                "choice_filter": "choices cannot be filtered by an earlier answer in collector",
                "default": "collector has no default answers",
                "read_only": "collector has no read-only questions",
                "calculation": "collector has no calculations",
                "trigger": "collector has no triggers",
                "repeat_count": "collector has no repeated groups",
                "required_message": "collector says why an answer is required itself",
                "media": "collector shows no media in questions",
                "image": "collector shows no media in questions",
                "guidance_hint": "collector has no guidance hints",
            }.get(base, "the column has no collector equivalent")
            self.problem(
                f"{reason}: remove the column's values",
                sheet.name,
                number,
                name,
                "xf_column_unsupported",
                column_name=base,
            )

    # sheets

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)

    def check_sheets(self) -> bool:
        found = list(self.sheets)
        for name in found:
            if name not in SHEETS:
                self.problem(
                    f"unknown sheet {self.sheets[name].name!r}: an XLSForm questionnaire has the "
                    "sheets survey, choices and settings (and collector)",
                    self.sheets[name].name,
                    code="xf_sheet_unknown",
                    sheet_name=self.sheets[name].name,
                )
        for name in ("survey", "settings"):
            if name not in self.sheets:
                present = ", ".join(s.name for s in self.sheets.values())
                self.problem(
                    f"the workbook has no sheet named {name!r} (found: {present or 'none'})",
                    code="xf_sheet_missing",
                    sheet_name=name,
                    found=present or "—",
                )
        return "survey" in self.sheets and "settings" in self.sheets


def _split_constraint(constraint: str, mapping: XLSFormMapping) -> tuple[str, dict[str, Any]]:
    """The question's own constraint and the limits that the generated terms stand for."""
    number = r"(-?\d+(?:\.\d+)?)"
    patterns: dict[str, tuple[str, str]] = {
        "value": (rf"\.\s*>=\s*{number}", rf"\.\s*<=\s*{number}"),
        "count": (
            rf"count-selected\(\s*\.\s*\)\s*>=\s*{number}",
            rf"count-selected\(\s*\.\s*\)\s*<=\s*{number}",
        ),
        "date": (
            r"\.\s*>=\s*date\('(\d{4}-\d\d-\d\d)'\)",
            r"\.\s*<=\s*date\('(\d{4}-\d\d-\d\d)'\)",
        ),
        "length": ("(?!)", r"string-length\(\s*\.\s*\)\s*<=\s*(\d+)"),
    }
    found: dict[str, Any] = {}
    if mapping.bounds is None:
        return constraint, found
    low, high = patterns[mapping.bounds]
    rest = constraint.strip()
    while rest:
        for name, pattern in (("min", low), ("max", high)):
            match = re.search(rf"(?:^|\s+and\s+){pattern}\s*$", rest)
            if match and name not in found:
                found[name] = match.group(1)
                rest = rest[: match.start()].strip()
                break
        else:
            break
    if found and rest.startswith("(") and rest.endswith(")") and _one_group(rest):
        rest = rest[1:-1].strip()
    limits: dict[str, Any] = {}
    for name, text in found.items():
        if mapping.bounds == "date":
            limits[f"params.{name}"] = text
        elif mapping.bounds == "length":
            limits["max_length"] = int(text)
        else:
            limits[name] = float(text)
    return rest, limits


def _one_group(text: str) -> bool:
    """Whether the outer parentheses of ``text`` enclose all of it."""
    depth = 0
    for i, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return depth == 0


def _parameter_value(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


def _choose(
    reader: _Reader,
    xls_type: str,
    list_name: str | None,
    appearance: str | None,
    parameters: dict[str, str],
) -> tuple[str, XLSFormMapping, XLSFormMapping, GeneratedList | None] | str:
    """(type name, its mapping, the matching form, a generated list) or why none fits."""
    best: tuple[int, str, XLSFormMapping, XLSFormMapping, GeneratedList | None] | None = None
    for name, mapping in reader.mappings.items():
        for form in mapping.forms():
            if form.xls_type != xls_type:
                continue
            if any(parameters.get(k) != v for k, v in form.parameters):
                continue
            generated = next((g for g in mapping.lists if g.name == list_name), None)
            if generated is not None:
                score = 4
            elif not mapping.own_list and mapping.lists:
                continue
            elif form.appearance:
                if appearance != form.appearance:
                    continue
                score = 3
            elif appearance:
                continue
            else:
                score = 2 if form.parameters else 1
            if best is None or score > best[0]:
                best = (score, name, mapping, form, generated)
    if best is None:
        described = f"type {xls_type!r}" + (
            f" with appearance {appearance!r}" if appearance else ""
        )
        return f"{described} matches no question type"
    return best[1], best[2], best[3], best[4]


def from_sheets(
    sheets: Mapping[str, Sheet], mappings: Mapping[str, XLSFormMapping | None]
) -> Imported:
    """A questionnaire from XLSForm sheets, or :class:`XLSFormError` with every problem."""
    r = _Reader(sheets, mappings)
    if not r.check_sheets():
        raise XLSFormError(r.problems)
    survey = r.sheet("survey")
    settings_sheet = r.sheet("settings")
    choices_sheet = r.sheet("choices")
    extra_sheet = r.sheet("collector")
    assert survey is not None and settings_sheet is not None
    survey_cols = r.columns(survey, TEXT_COLUMNS)
    choice_cols = r.columns(choices_sheet, ("label",)) if choices_sheet else _Columns(set(), {})
    extra_cols = r.columns(extra_sheet, ("value",)) if extra_sheet else _Columns(set(), {})

    # settings: the slug, the title and the first language
    settings = settings_sheet.rows[0][1] if settings_sheet.rows else {}
    settings_row = settings_sheet.rows[0][0] if settings_sheet.rows else 2
    r.refuse_others(
        settings_sheet,
        settings_row,
        settings,
        {"form_title", "form_id", "version", "default_language", "style"},
    )
    slug = _cell_text(settings.get("form_id", ""))
    if not slug:
        r.problem(
            "form_id is needed: the questionnaire's slug",
            settings_sheet.name,
            settings_row,
            "form_id",
            "xf_form_id_missing",
        )
    default = _cell_text(settings.get("default_language", ""))
    if default:
        match = re.search(r"\(([A-Za-z-]+)\)\s*$", default) or re.fullmatch(
            r"([A-Za-z-]+)", default
        )
        code = LANGUAGE_CODES.get(match.group(1).lower()) if match else None
        if code is None:
            r.problem(
                f"unknown default language {default!r}",
                settings_sheet.name,
                settings_row,
                "default_language",
                "xf_default_language_unknown",
                language_code=default,
            )
        elif code in r.languages:
            r.languages.remove(code)
            r.languages.insert(0, code)
    if not r.languages:
        r.problem(
            f"no label columns: name each language, as in '{heading('label', 'zh-Hant-TW')}'",
            survey.name,
            1,
            code="xf_no_labels",
            example=heading("label", "zh-Hant-TW"),
        )
        raise XLSFormError(r.problems)

    data: dict[str, Any] = {"slug": slug, "languages": list(r.languages), "sections": []}
    form_title = _cell_text(settings.get("form_title", ""))

    # survey
    privacy: dict[str, Any] = {}
    section: dict[str, Any] | None = None
    in_privacy = False
    own_lists: list[tuple[int, dict[str, Any], str, XLSFormMapping]] = []
    known = {*SURVEY_COLUMNS, *(h for hs in survey_cols.translated.values() for h in hs.values())}
    for number, row in survey.rows:
        r.refuse_others(survey, number, row, known)
        kind = re.sub(r"\s+", " ", _cell_text(row.get("type", "")))
        name = _cell_text(row.get("name", ""))
        parts = kind.split(" ")
        xls_type = {"begin group": "begin_group", "end group": "end_group"}.get(kind, parts[0])
        if xls_type in ("begin", "end") and len(parts) > 1:
            xls_type = f"{parts[0]}_{parts[1]}"
            parts = [xls_type, *parts[2:]]
        if not kind:
            r.problem("the row has no type", survey.name, number, "type", "xf_no_type")
            continue
        if xls_type in UNSUPPORTED_TYPES:
            r.problem(
                f"type {xls_type!r} ({UNSUPPORTED_TYPES[xls_type]}) has no collector equivalent",
                survey.name,
                number,
                "type",
                "xf_type_unsupported",
                type=xls_type,
            )
            continue
        if xls_type == "begin_group":
            if section is not None or in_privacy:
                r.problem(
                    "groups inside groups are not supported",
                    survey.name,
                    number,
                    "type",
                    "xf_nested_group",
                )
                continue
            if name == PRIVACY_GROUP:
                in_privacy = True
                continue
            section = {"key": name, "questions": []}
            title = r.text(survey, number, row, survey_cols, "label", True)
            section["title"] = title
            if row.get("relevant"):
                section["relevant"] = _cell_text(row["relevant"])
                _check_expression(r, survey.name, number, "relevant", section["relevant"])
            words = _cell_text(row.get("appearance", "")).split()
            if "table-list" in words:
                section["layout"] = "grid"  # field-list (or none): the default list
            r.rows[f"section:{name}"] = number
            data["sections"].append(section)
            continue
        if xls_type == "end_group":
            if section is None and not in_privacy:
                r.problem(
                    "end_group without begin_group", survey.name, number, "type", "xf_end_group"
                )
            section, in_privacy = None, False
            continue
        if xls_type == "note":
            text = r.text(survey, number, row, survey_cols, "label", True)
            if in_privacy and name in PRIVACY_PARTS:
                privacy[name] = text
            elif section is not None and not section["questions"] and "description" not in section:
                section["description"] = text
            elif section is None and name in ("description", "thanks") and name not in data:
                data[name] = text
            else:
                r.problem(
                    "a note may only be the first row of a group (its description), "
                    "the questionnaire's description or thanks, or part of the privacy notice",
                    survey.name,
                    number,
                    "type",
                    "xf_note_place",
                )
            continue
        if section is None:
            r.problem(
                "every question must be inside a group (begin_group … end_group): a group is a "
                "section of the questionnaire",
                survey.name,
                number,
                "type",
                "xf_outside_group",
            )
            continue
        appearance_words = [
            w
            for w in _cell_text(row.get("appearance", "")).split()
            if not VISUAL_APPEARANCES.match(w)
        ]
        appearance = " ".join(appearance_words) or None
        parameters: dict[str, str] = {}
        for item in _cell_text(row.get("parameters", "")).split():
            key, sep, value = item.partition("=")
            if not sep:
                r.problem(
                    f"parameter {item!r} is not name=value",
                    survey.name,
                    number,
                    "parameters",
                    "xf_parameter",
                    item=item,
                )
                continue
            parameters[key.strip()] = value.strip()
        list_name = parts[1] if len(parts) > 1 else None
        chosen = _choose(r, xls_type, list_name, appearance, parameters)
        if isinstance(chosen, str):
            r.problem(
                chosen,
                survey.name,
                number,
                "type" if not appearance else "appearance",
                "xf_no_matching_type",
                type=kind,
                appearance=appearance or "—",
            )
            continue
        type_name, mapping, form, generated = chosen
        question: dict[str, Any] = {"key": name, "type": type_name}
        question["label"] = r.text(survey, number, row, survey_cols, "label", True)
        hint = r.text(survey, number, row, survey_cols, "hint", False)
        if hint:
            question["hint"] = hint
        required = _cell_text(row.get("required", "")).lower()
        if required in ("yes", "true", "true()", "1"):
            question["required"] = True
        elif required in ("", "no", "false", "false()", "0"):
            question["required"] = False
        else:
            r.problem(
                f"required must be yes or empty, not {required!r}",
                survey.name,
                number,
                "required",
                "xf_required",
                value=required,
            )
        if row.get("relevant"):
            question["relevant"] = _cell_text(row["relevant"])
            _check_expression(r, survey.name, number, "relevant", question["relevant"])
        params: dict[str, Any] = dict(form.params)
        if generated is not None:
            for field_name, value in generated.fields.items():
                if field_name == "params":
                    params.update(value)
                elif value:
                    question[field_name] = value
        if row.get("constraint"):
            own, limits = _split_constraint(_cell_text(row["constraint"]), form)
            for field_name, value in limits.items():
                if field_name.startswith("params."):
                    params[field_name.removeprefix("params.")] = value
                else:
                    question[field_name] = value
            if own:
                question["constraint"] = own
                _check_expression(r, survey.name, number, "constraint", own)
        message = r.text(survey, number, row, survey_cols, "constraint_message", False)
        if message:
            question["constraint_message"] = message
        fixed = dict(form.parameters)
        for key, value in parameters.items():
            if key not in fixed:
                params[key] = _parameter_value(value)
        if params:
            question["params"] = params
        if list_name and generated is None:
            own_lists.append((number, question, list_name, mapping))
        elif xls_type.startswith("select") and not list_name:
            r.problem(
                f"{xls_type} needs a list name, as in '{xls_type} my_list'",
                survey.name,
                number,
                "type",
                "xf_list_name",
                type=xls_type,
            )
        r.rows[name] = number
        section["questions"].append(question)

    if section is not None or in_privacy:
        r.problem(
            "a group is not closed with end_group", survey.name, None, "type", "xf_group_open"
        )
    if set(privacy) != set(PRIVACY_PARTS):
        missing = [p for p in PRIVACY_PARTS if p not in privacy]
        r.problem(
            f"the privacy notice is missing ({', '.join(missing)}): add a group named "
            f"{PRIVACY_GROUP!r} with the note rows {', '.join(PRIVACY_PARTS)}",
            survey.name,
            code="xf_privacy_missing",
            missing=", ".join(missing),
            group=PRIVACY_GROUP,
            parts=", ".join(PRIVACY_PARTS),
        )
    data["privacy_notice"] = privacy

    # choices
    lists: dict[str, list[dict[str, Any]]] = {}
    list_rows: dict[str, int] = {}
    generated_names = {g.name for m in r.mappings.values() for g in m.lists}
    if choices_sheet is not None:
        known_choice = {"list_name", "name", *choice_cols.translated.get("label", {}).values()}
        for number, row in choices_sheet.rows:
            r.refuse_others(choices_sheet, number, row, known_choice)
            name = _cell_text(row.get("list_name", ""))
            value = _cell_text(row.get("name", ""))
            if not name or not value:
                r.problem(
                    "a choice needs list_name and name",
                    choices_sheet.name,
                    number,
                    "list_name" if not name else "name",
                    "xf_choice_incomplete",
                )
                continue
            label = r.text(choices_sheet, number, row, choice_cols, "label", True)
            if name in generated_names:
                continue
            list_rows.setdefault(name, number)
            lists.setdefault(name, []).append({"value": value, "label": label})

    # the collector sheet
    extra: dict[str, tuple[int, str, dict[str, str] | None]] = {}
    if extra_sheet is not None:
        known_extra = {"name", "value", *extra_cols.translated.get("value", {}).values()}
        for number, row in extra_sheet.rows:
            r.refuse_others(extra_sheet, number, row, known_extra)
            name = _cell_text(row.get("name", ""))
            text = (
                r.text(extra_sheet, number, row, extra_cols, "value", False)
                if any(h in row for h in extra_cols.translated.get("value", {}).values())
                else None
            )
            extra[name] = (number, _cell_text(row.get("value", "")), text)
    shared = set(extra["choice_lists"][1].split()) if "choice_lists" in extra else None
    users: dict[str, int] = {}
    for _number, _question, name, _mapping in own_lists:
        users[name] = users.get(name, 0) + 1
    choice_lists: dict[str, list[dict[str, Any]]] = {}
    for number, question, name, mapping in own_lists:
        if name not in lists:
            r.problem(
                f"the choice list {name!r} is not on the choices sheet",
                survey.name,
                number,
                "type",
                "xf_list_missing",
                list=name,
            )
            continue
        choices = lists[name]
        if mapping.not_applicable and any(c["value"] == mapping.not_applicable[0] for c in choices):
            question["not_applicable"] = True
            choices = [c for c in choices if c["value"] != mapping.not_applicable[0]]
        is_shared = (
            name in shared if shared is not None else (users[name] > 1 or name != question["key"])
        )
        if is_shared:
            question["choice_list"] = name
            choice_lists[name] = choices
        else:
            question["choices"] = choices
    for name, choices in lists.items():
        if name not in users and (shared is None or name in shared):
            choice_lists[name] = choices
    ordered = [n for n in lists if n in choice_lists]
    if choice_lists:
        data["choice_lists"] = {n: choice_lists[n] for n in ordered}

    if "kind" in extra:
        data["kind"] = extra["kind"][1]
    if "title" in extra and extra["title"][2]:
        data["title"] = extra["title"][2]
    elif form_title:
        data["title"] = {lang: form_title for lang in r.languages}
    else:
        r.problem(
            "form_title is needed: the questionnaire's title",
            settings_sheet.name,
            settings_row,
            "form_title",
            "xf_form_title_missing",
        )
    analysis: dict[str, Any] = {}
    questions = {q["key"]: q for sec in data["sections"] for q in sec["questions"]}
    for name, (number, value, text) in extra.items():
        if name in ("kind", "title", "choice_lists"):
            continue
        parts = name.split(".")
        if parts[0] == "params" and len(parts) == 3:
            if parts[1] not in questions:
                r.problem(
                    f"no question named {parts[1]!r}",
                    extra_sheet.name if extra_sheet else None,
                    number,
                    "name",
                    "xf_no_question",
                    name=parts[1],
                )
            else:
                questions[parts[1]].setdefault("params", {})[parts[2]] = _parameter_value(value)
            continue
        if parts[0] != "analysis" or len(parts) not in (2, 3):
            r.problem(
                f"unknown setting {name!r}",
                extra_sheet.name if extra_sheet else None,
                number,
                "name",
                "xf_setting_unknown",
                name=name,
            )
            continue
        if len(parts) == 2:
            analysis[parts[1]] = value
        elif parts[1] == "dimension_labels":
            analysis.setdefault(parts[1], {})[parts[2]] = text
        elif parts[1] == "demographics":
            analysis.setdefault(parts[1], {})[parts[2]] = value
        else:
            analysis.setdefault(parts[1], {})[parts[2]] = value.split()
    if analysis:
        data["analysis"] = analysis

    if r.problems:
        raise XLSFormError(r.problems)
    for section_data in data["sections"]:
        for question in section_data["questions"]:
            try:
                Question.model_validate(question)
            except ValidationError as exc:
                for err in exc.errors():
                    field_name = str(err["loc"][0]) if err["loc"] else ""
                    column = {"key": "name", "choices": None}.get(field_name, field_name or None)
                    r.problem(
                        err["msg"],
                        survey.name,
                        r.rows.get(question["key"]),
                        column,
                        "xf_invalid",
                        detail=err["msg"],
                    )
    if r.problems:
        raise XLSFormError(_unique(r.problems))
    try:
        questionnaire = parse(data, "workbook")
    except QuestionnaireError as exc:
        for line in str(exc).splitlines():
            said = line.removeprefix("workbook: ")
            named = re.search(r"question (?:key )?'([a-z0-9_]+)'", said)
            r.problem(
                said,
                survey.name,
                r.rows.get(named.group(1)) if named else None,
                code="xf_invalid",
                detail=said,
            )
        raise XLSFormError(_unique(r.problems)) from None
    if r.problems:
        raise XLSFormError(_unique(r.problems))
    return Imported(questionnaire, r.rows)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _check_expression(r: _Reader, sheet: str, number: int, column: str, source: str) -> None:
    try:
        compile_expression(source)
    except ExpressionError as exc:
        r.problem(
            f"{source!r}: {exc}",
            sheet,
            number,
            column,
            "xf_expression",
            source=source,
            detail=str(exc),
        )


def import_xlsform(
    data: bytes, mappings: Mapping[str, XLSFormMapping | None], filename: str = ""
) -> Imported:
    """A questionnaire from an uploaded .xlsx workbook (read safely: surveys.workbook)."""
    return from_sheets(read_workbook(data, filename), mappings)


def sheets_from_rows(rows: Mapping[str, list[list[Any]]]) -> dict[str, Sheet]:
    """Sheets as :func:`to_sheets` gives them, as if read from a workbook (for tests and checks)."""
    out: dict[str, Sheet] = {}
    for name, table in rows.items():
        header = [str(h) for h in table[0]]
        sheet = Sheet(name, header)
        for number, values in enumerate(table[1:], start=2):
            row = {header[i]: v for i, v in enumerate(values) if v not in (None, "")}
            if row:
                sheet.rows.append((number, row))
        out[name] = sheet
    return out


__all__ = [
    "LANGUAGE_NAMES",
    "Choice",
    "Imported",
    "XLSFormError",
    "export_xlsform",
    "from_sheets",
    "heading",
    "import_xlsform",
    "markup_found",
    "markup_problems",
    "sheets_from_rows",
    "to_sheets",
    "write_xlsx",
]
