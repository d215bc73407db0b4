"""docs/questionnaire-format.md stays true: its examples load and it names every field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from surveys.expressions import ExpressionError
from surveys.expressions import compile_expression
from surveys.loader import QuestionnaireError
from surveys.loader import load
from surveys.loader import parse
from surveys.schema import AnalysisRoles
from surveys.schema import Choice
from surveys.schema import PrivacyNotice
from surveys.schema import Question
from surveys.schema import Questionnaire
from surveys.schema import Section
from tests.helpers.questionnaires import CORE_TYPES
from tests.helpers.questionnaires import minimal

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, flags=re.DOTALL)
YAML_BLOCKS = [body for lang, body in BLOCKS if lang == "yaml"]
EXPRESSION_LINE = re.compile(r'^(relevant|constraint): "(.*)"$')


def is_expression_block(body: str) -> bool:
    lines = [line for line in body.splitlines() if line.strip()]
    return all(line.startswith("#") or EXPRESSION_LINE.match(line) for line in lines)


def test_the_doc_has_examples() -> None:
    assert len(YAML_BLOCKS) >= 12


def test_the_first_example_is_a_complete_questionnaire() -> None:
    data = yaml.safe_load(YAML_BLOCKS[0])
    q = parse(data, "docs example")
    assert q.slug == "front-desk"
    assert q.analysis.overall == "overall_satisfaction"


def test_the_question_type_examples_load_together() -> None:
    """Every block that is a list of questions, in doc order, as one section."""
    questions: list[dict[str, Any]] = []
    for body in YAML_BLOCKS:
        if is_expression_block(body):
            continue
        data = yaml.safe_load(body)
        if isinstance(data, list) and all("type" in item for item in data):
            questions += data
    assert {q["type"] for q in questions} == set(CORE_TYPES)
    base = minimal()
    base["choice_lists"]["service_type"] = [
        {"value": "other", "label": {"zh-Hant-TW": "其他", "en": "Other"}}
    ]
    base["sections"] = [{"key": "examples", "title": base["title"], "questions": questions}]
    base["analysis"] = {}
    parse(base, "docs type examples")


def test_the_choices_example_loads() -> None:
    blocks = [b for b in YAML_BLOCKS if b.lstrip().startswith("choice_lists:")]
    assert blocks
    for body in blocks:
        data = minimal()
        data["analysis"] = {}
        data.update(yaml.safe_load(body))
        parse(data, "docs choices example")


def test_the_expression_examples_compile() -> None:
    blocks = [b for b in YAML_BLOCKS if is_expression_block(b)]
    assert blocks
    count = 0
    for body in blocks:
        for line in body.splitlines():
            if match := EXPRESSION_LINE.match(line):
                compile_expression(match.group(2))
                count += 1
    assert count >= 5


def test_the_expression_table_examples_compile() -> None:
    table = DOC.split("| element | syntax | example |", 1)[1].split("\n\n", 1)[0]
    examples = re.findall(r"\| `([^`]+)` \|\n", table)
    assert len(examples) >= 8
    for example in examples:
        compile_expression(example)


def test_quoted_expression_errors_are_the_real_ones() -> None:
    for source, message in [
        ("${visited} = = 'yes'", "unexpected '=' at 13"),
        ("${a} = 'x' & 1", "unexpected character '& 1' at 11"),
        ("selected(${a})", "selected() takes 2 argument(s), got 1"),
        ("${a} =", "the expression ends too early"),
    ]:
        assert message in DOC
        with pytest.raises(ExpressionError, match=re.escape(message)):
            compile_expression(source)
    with pytest.raises(ExpressionError):
        compile_expression("1 < ${x} < 5")  # the doc says comparisons do not chain


def test_the_quoted_load_errors_are_the_real_ones(tmp_path: Path) -> None:
    text_blocks = [body for lang, body in BLOCKS if lang == "text"]
    quoted = next(b for b in text_blocks if "my_survey.yaml" in b).strip().splitlines()
    data = minimal()
    data["sections"][0] = {
        "key": "visit",
        "title": data["sections"][0]["title"],
        "questions": [
            {"key": "wait_minutes", "type": "number", "min": 60, "max": 0, "label": data["title"]},
            {"key": "first_visit", "type": "Yes_no", "label": data["title"]},
        ],
    }
    data["analysis"] = {}
    path = tmp_path / "my_survey.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load(path)
    assert str(info.value).splitlines() == quoted


@pytest.mark.parametrize(
    "model", [Questionnaire, Section, Question, Choice, PrivacyNotice, AnalysisRoles]
)
def test_every_field_is_documented(model: type) -> None:
    for name in model.model_fields:
        assert f"`{name}`" in DOC, f"{model.__name__}.{name} is not in the doc"


@pytest.mark.parametrize("type_name", CORE_TYPES)
def test_every_core_type_has_a_section_and_an_xlsform_mapping(type_name: str) -> None:
    assert f"### `{type_name}`" in DOC
    assert re.search(rf"^\| `{type_name}`[^|]*\| ", DOC, flags=re.MULTILINE)


@pytest.mark.parametrize(
    "term",
    [
        "`type`",
        "`name`",
        "`label::中文 (zh-Hant-TW)`",
        "`label::English (en)`",
        "`hint::…`",
        "`required`",
        "`relevant`",
        "`constraint`",
        "`constraint_message::…`",
        "`appearance`",
        "`parameters`",
        "`list_name`",
        "`form_id`",
        "`version`",
        "`default_language`",
        "`begin_group`",
        "`end_group`",
        "`select_one likert5_satisfaction`",
        "`select_multiple <list>`",
        "`select_one yes_no`",
        "`range`",
        "`start=0 end=10 step=1`",
        "`multiline`",
        "`integer`",
        "`decimal`",
    ],
)
def test_the_xlsform_mapping_names_every_column_and_type(term: str) -> None:
    assert term in DOC.split("## Mapping to XLSForm", 1)[1]
