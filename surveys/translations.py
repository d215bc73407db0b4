"""A questionnaire's texts in one more language, from a translation file beside it.

A translation file holds one language's text for one questionnaire, each text named
by a stable key, so a translator works on a flat list and never touches the
questionnaire's structure (docs/questionnaire-format.md, "Translations")::

    slug: citizen-satisfaction
    language: vi
    texts:
      title: Khảo sát mức độ hài lòng ...
      sections.visit.title: Lần đến làm việc hôm nay
      questions.service_type.label: Hôm nay Anh/Chị chủ yếu đến làm việc gì?
      choice_lists.service_type.application: Nộp hồ sơ hoặc đăng ký
      questions.first_visit.choices.yes: ...        (a question's own choices)
      privacy_notice.purpose: ...
      analysis.dimension_labels.environment: ...

:func:`translate` returns the questionnaire with the language added: every text
gains it, from the file or, for a text the file lacks, from ``fill_from`` (a
language the questionnaire has); without ``fill_from`` a missing text is an error,
and so is a key that names no text (a typo would otherwise go unnoticed). The
result is a new definition, published as a new version like any other change.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from surveys.loader import QuestionnaireError
from surveys.loader import parse
from surveys.loader import read_yaml
from surveys.schema import TEXT_FIELDS
from surveys.schema import Questionnaire


def text_keys(data: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    """(key, text) of every translatable text of a questionnaire's dumped data, in order."""
    for name in ("title", "description", "thanks"):
        if data.get(name):
            yield name, data[name]
    for name, text in (data.get("privacy_notice") or {}).items():
        yield f"privacy_notice.{name}", text
    for list_name, choices in (data.get("choice_lists") or {}).items():
        for choice in choices:
            yield f"choice_lists.{list_name}.{choice['value']}", choice["label"]
    for section in data.get("sections") or []:
        for name in ("title", "description"):
            if section.get(name):
                yield f"sections.{section['key']}.{name}", section[name]
        for question in section.get("questions") or []:
            base = f"questions.{question['key']}"
            for name in sorted(TEXT_FIELDS & {"label", "hint", "constraint_message"}):
                if question.get(name):
                    yield f"{base}.{name}", question[name]
            for choice in question.get("choices") or []:
                yield f"{base}.choices.{choice['value']}", choice["label"]
    for name, text in ((data.get("analysis") or {}).get("dimension_labels") or {}).items():
        yield f"analysis.dimension_labels.{name}", text


def read(path: str | Path) -> tuple[str, str, dict[str, str]]:
    """A translation file's (slug, language, texts), or :class:`QuestionnaireError`."""
    path = Path(path)
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QuestionnaireError(f"{path.name}: cannot read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("texts"), dict):
        raise QuestionnaireError(f"{path.name}: needs 'slug', 'language' and a 'texts' mapping")
    texts = data["texts"]
    bad = sorted(str(k) for k, v in texts.items() if not isinstance(v, str) or not v.strip())
    if bad:
        raise QuestionnaireError(f"{path.name}: empty or non-text translations: {bad}")
    return str(data.get("slug")), str(data.get("language")), {str(k): v for k, v in texts.items()}


def translate(
    questionnaire: Questionnaire,
    language: str,
    texts: Mapping[str, str],
    fill_from: str | None = None,
    source: str = "<translation>",
) -> Questionnaire:
    """``questionnaire`` with ``language`` added (after its own languages)."""
    if language in questionnaire.languages:
        raise QuestionnaireError(f"{source}: {questionnaire.slug} already has {language!r}")
    if fill_from is not None and fill_from not in questionnaire.languages:
        fill_from = None
    data = questionnaire.model_dump(mode="json")
    known: set[str] = set()
    missing: list[str] = []
    for key, text in text_keys(data):
        known.add(key)
        if key in texts:
            text[language] = texts[key]
        elif fill_from is not None:
            text[language] = text[fill_from]
        else:
            missing.append(key)
    unknown = sorted(set(texts) - known)
    if unknown:
        raise QuestionnaireError(f"{source}: no such text in {questionnaire.slug}: {unknown}")
    if missing:
        raise QuestionnaireError(f"{source}: {language} lacks {len(missing)} text(s): {missing}")
    data["languages"] = [*questionnaire.languages, language]
    return parse(data, source)


def translate_file(
    questionnaire: Questionnaire, path: str | Path, fill_from: str | None = None
) -> Questionnaire:
    """:func:`translate` with a translation file, checked to be for this questionnaire."""
    slug, language, texts = read(path)
    name = Path(path).name
    if slug != questionnaire.slug:
        raise QuestionnaireError(f"{name}: is for {slug!r}, not {questionnaire.slug!r}")
    return translate(questionnaire, language, texts, fill_from, name)
