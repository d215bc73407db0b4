"""Loading questionnaire files: errors name the file and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from surveys.loader import QuestionnaireError
from surveys.loader import load
from surveys.loader import parse
from tests.helpers.questionnaires import minimal
from tests.helpers.questionnaires import question


def write(tmp_path: Path, data: Any, name: str = "agency_survey.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(QuestionnaireError) as info:
        load(path)
    return str(info.value)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    q = load(write(tmp_path, minimal()))
    assert q.slug == "test-survey"
    assert load(str(write(tmp_path, minimal()))).fingerprint() == q.fingerprint()


def test_a_json_file_loads_too(tmp_path: Path) -> None:
    path = tmp_path / "survey.json"
    path.write_text(json.dumps(minimal(), ensure_ascii=False), encoding="utf-8")
    assert load(path).slug == "test-survey"


def _bad_type(data: dict[str, Any]) -> None:
    question(data, 1, 0)["type"] = "Likert5"


def _no_purpose(data: dict[str, Any]) -> None:
    del data["privacy_notice"]["purpose"]


def _bad_choice(data: dict[str, Any]) -> None:
    data["choice_lists"]["colour"][1]["value"] = "not valid"


def _min_above_max(data: dict[str, Any]) -> None:
    question(data, 1, 1).update(type="number", min=5, max=1)


def _key_twice(data: dict[str, Any]) -> None:
    question(data, 1, 0)["key"] = "visited"


@pytest.mark.parametrize(
    ("bend", "start", "detail"),
    [
        pytest.param(
            _bad_type,
            "agency_survey.yaml: sections[1](environment).questions[0](env_signage).type: ",
            "String should match pattern",
            id="the file and the field path with keys",
        ),
        pytest.param(
            _no_purpose,
            "agency_survey.yaml: privacy_notice.purpose: Field required",
            None,  # the whole message
            id="a missing field",
        ),
        pytest.param(
            _bad_choice,
            "agency_survey.yaml: choice_lists.colour[1].value: ",
            "",
            id="a bad choice in a named list",
        ),
        pytest.param(
            _min_above_max,
            "agency_survey.yaml: sections[1](environment).questions[1](overall): ",
            "'min' (5.0) is larger than 'max' (1.0)",
            id="a question-level rule names the question",
        ),
        pytest.param(
            _key_twice,
            "agency_survey.yaml: (top level): ",
            "question key 'visited' is used twice",
            id="a whole-questionnaire rule at the top level",
        ),
    ],
)
def test_an_error_names_the_file_and_where(
    tmp_path: Path, bend: Any, start: str, detail: str | None
) -> None:
    data = minimal()
    bend(data)
    message = load_error(write(tmp_path, data))
    if detail is None:
        assert message == start
    else:
        assert message.startswith(start)
        assert detail in message


def test_every_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    data = minimal()
    data["slug"] = "Bad Slug"
    question(data, 0, 0)["required"] = "sometimes"
    lines = load_error(write(tmp_path, data)).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("agency_survey.yaml: slug: ")
    assert lines[1].startswith(
        "agency_survey.yaml: sections[0](first).questions[0](visited).required: "
    )


def test_unquoted_yes_in_yaml_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "yes.yaml"
    text = yaml.safe_dump(minimal(), allow_unicode=True, sort_keys=False)
    path.write_text(text.replace("value: red", "value: yes"), encoding="utf-8")
    message = load_error(path)
    assert "choice_lists.colour[0].value: Input should be a valid string" in message


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("slug: test\ntitle: {zh-Hant-TW: 測試, en: [unclosed\n", encoding="utf-8")
    message = load_error(path)
    assert message.startswith(f"{path}: not valid YAML: ")
    assert "line" in message  # PyYAML says where


def test_a_tab_indented_file_is_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "tabs.yaml"
    path.write_text("slug: test\nsections:\n\t- key: a\n", encoding="utf-8")
    assert "not valid YAML" in load_error(path)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- slug: test\n", "list"), ("just a sentence\n", "text"), ("", "empty"), ("42\n", "number")],
)
def test_the_top_level_must_be_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_error(path) == f"{kind}.yaml: a questionnaire must be a mapping at the top level"


def test_parse_checks_the_top_level_too() -> None:
    with pytest.raises(QuestionnaireError, match=r"^<data>: a questionnaire must be a mapping"):
        parse(["not", "a", "mapping"])
    with pytest.raises(QuestionnaireError, match=r"^plugin x: "):
        parse("text", source="plugin x")


def test_parse_names_its_source() -> None:
    data = minimal()
    data["kind"] = "citizens"
    with pytest.raises(QuestionnaireError, match=r"^land_office plugin: kind: "):
        parse(data, source="land_office plugin")


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    message = load_error(path)
    assert message.startswith(f"{path}: cannot read: ")


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    assert load_error(tmp_path).startswith(f"{tmp_path}: cannot read: ")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "big5.yaml"
    path.write_bytes("title: 民眾服務滿意度調查\n".encode("big5"))
    message = load_error(path)
    assert message.startswith(f"{path}: cannot read: ")
    assert "utf-8" in message


def test_an_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, minimal())
    path.chmod(0)
    try:
        try:
            path.read_bytes()
        except PermissionError:
            pass
        else:
            pytest.skip("running with privileges that ignore file permissions")
        assert load_error(path).startswith(f"{path}: cannot read: ")
    finally:
        path.chmod(0o644)


def test_a_questionnaire_error_is_a_value_error() -> None:
    assert issubclass(QuestionnaireError, ValueError)


def test_a_read_error_is_reported_whatever_the_privileges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, minimal())

    def refuse(self: Path, *args: Any, **kwargs: Any) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    message = load_error(path)
    assert message.startswith(f"{path}: cannot read: ")
    assert "Permission denied" in message
