"""Checking an uploaded questionnaire exactly as a plugin's is checked, and converting.

An upload (XLSForm ``.xlsx``, or YAML/JSON) is data and is never executed: the
workbook is read by ``surveys.workbook`` (zip and XML bombs, macros, formulas and
size refused first), YAML by PyYAML's safe loader with anchors and aliases refused
(a "billion laughs" document expands them exponentially). The result is validated by
the questionnaire schema, then by the installed question types
(``core.plugins.definition_problems``, the start-up check), and its texts must be
plain text. Every problem is reported with its sheet, row and column where known.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import yaml

from collector.core.i18n import translator
from collector.core.plugins import PluginSet
from collector.core.plugins import definition_problems
from surveys import Questionnaire
from surveys import QuestionnaireError
from surveys import parse
from surveys.workbook import MAX_FILE_BYTES
from surveys.workbook import Problem
from surveys.workbook import WorkbookError
from surveys.xlsform import export_xlsform
from surveys.xlsform import import_xlsform
from surveys.xlsform import markup_found
from surveys.xlsform_mapping import XLSFormMapping

MAX_YAML_BYTES = 1_000_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltm", ".xltx")
YAML_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Checked:
    """The questionnaire an upload holds (None when refused) and every problem found."""

    questionnaire: Questionnaire | None
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def mappings(plugins: PluginSet) -> dict[str, XLSFormMapping | None]:
    """Each registered question type's XLSForm mapping (None: it declares none)."""
    return {
        name: getattr(cls, "xlsform", None) for name, cls in plugins.question_types.items.items()
    }


def translate(language: str, text: str) -> str:
    """A generated label (a scale's wording) in ``language``, from our catalogues."""
    return translator(language).gettext(text)


def export(plugins: PluginSet, questionnaire: Questionnaire, fmt: str) -> bytes:
    """The questionnaire as an XLSForm workbook or as YAML."""
    if fmt == "xlsform":
        return export_xlsform(questionnaire, mappings(plugins), translate)
    return to_yaml(questionnaire).encode("utf-8")


def to_yaml(questionnaire: Questionnaire) -> str:
    """YAML that loads back to the same definition (defaults left out)."""
    data = questionnaire.model_dump(mode="json", exclude_defaults=True)
    data = {"slug": data.pop("slug"), **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


class _NoAliases(yaml.SafeLoader):
    """PyYAML's safe loader refusing anchors and aliases (exponential expansion)."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]  # PyYAML's own signature
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.YAMLError("anchors and aliases (& and *) are not allowed")
        return super().compose_node(parent, index)


def _read_yaml(data: bytes, filename: str) -> Checked:
    if len(data) > MAX_YAML_BYTES:
        return Checked(
            None,
            [
                Problem(
                    f"the file is larger than {MAX_YAML_BYTES // 1000} KB",
                    code="up_too_large_kb",
                    params=(("kb", MAX_YAML_BYTES // 1000),),
                )
            ],
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Checked(None, [Problem("the file is not UTF-8 text", code="up_not_utf8")])
    try:
        loaded = yaml.load(text, Loader=_NoAliases)  # a safe loader, aliases refused
    except yaml.YAMLError as exc:
        return Checked(
            None,
            [Problem(f"not valid YAML: {exc}", code="up_yaml", params=(("detail", str(exc)),))],
        )
    try:
        return Checked(parse(loaded, filename or "upload"))
    except QuestionnaireError as exc:
        return Checked(None, [Problem(line) for line in str(exc).splitlines()])


def check_upload(plugins: PluginSet, data: bytes, filename: str) -> Checked:
    """Read and check an upload; ``problems`` empty means it may be published."""
    name = filename.lower()
    if name.endswith(WORKBOOK_SUFFIXES):
        if len(data) > MAX_FILE_BYTES:
            return Checked(
                None,
                [
                    Problem(
                        f"the file is larger than {MAX_FILE_BYTES // 1048576} MB",
                        code="wb_too_large",
                        params=(("mb", MAX_FILE_BYTES // 1048576),),
                    )
                ],
            )
        try:
            imported = import_xlsform(data, mappings(plugins), filename)
        except WorkbookError as exc:
            return Checked(None, exc.problems)
        checked = Checked(imported.questionnaire, [], imported.rows)
    elif name.endswith(YAML_SUFFIXES):
        checked = _read_yaml(data, filename)
    else:
        return Checked(
            None,
            [Problem("upload an XLSForm workbook (.xlsx) or a YAML file (.yaml)", code="up_kind")],
        )
    return recheck(plugins, checked)


def recheck(plugins: PluginSet, checked: Checked) -> Checked:
    """The checks beyond the schema: the installed question types and plain texts."""
    q = checked.questionnaire
    if q is None:
        return checked
    sheet = "survey" if checked.rows else None
    for key, message in definition_problems(plugins, q):
        checked.problems.append(
            Problem(
                f"question {key!r}: {message}",
                sheet,
                checked.rows.get(key),
                code="up_question",
                params=(("key", key), ("detail", message)),
            )
        )
    checked.problems += [
        Problem(
            f"{path}: HTML is not allowed in texts ({snippet}): write plain text",
            code="up_markup",
            params=(("path", path), ("snippet", snippet)),
        )
        for path, snippet in markup_found(q)
    ]
    if checked.problems:
        checked.questionnaire = None
    return checked
