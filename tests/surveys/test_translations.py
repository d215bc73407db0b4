"""Translation files: a questionnaire gains a language from a flat keyed file, every
text or a clear error; the bundled citizen questionnaires speak all five languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveys import QuestionnaireError
from surveys import load
from surveys.loader import BUNDLED_DIR
from surveys.translations import text_keys
from surveys.translations import translate
from surveys.translations import translate_file

ZH, EN = "zh-Hant-TW", "en"
CITIZEN = ["citizen-satisfaction", "complaint-handling"]
"""The bundled questionnaires citizens answer (the staff survey is answered by staff)."""
SCRIPT: dict[str, re.Pattern[str] | None] = {
    "vi": re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I),
    "id": None,  # Latin script like English: the ENGLISH check below is what tells
    "th": re.compile(r"[\u0e00-\u0e7f]"),
}
"""What each language's text must show: Vietnamese diacritics, Thai script (an English
placeholder shows neither)."""
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b(?:the|and|you|your|of|is|are|please)\b", re.I)


def bundled(slug: str) -> Path:
    return BUNDLED_DIR / f"{slug.replace('-', '_')}.yaml"


def complete(slug: str) -> object:
    q = load(bundled(slug))
    for language in SCRIPT:
        q = translate_file(q, BUNDLED_DIR / "translations" / language / f"{slug}.yaml")
    return q


@pytest.mark.parametrize("slug", CITIZEN)
def test_bundled_citizen_questionnaires_speak_five_languages(slug: str) -> None:
    q = complete(slug)
    assert q.languages == [ZH, EN, "vi", "id", "th"]  # type: ignore[attr-defined]
    found = list(text_keys(q.model_dump(mode="json")))  # type: ignore[attr-defined]
    assert len(found) > 30
    for key, text in found:
        for language, script in SCRIPT.items():
            assert text[language] != text[EN], f"{key}: {language} copies the English"
            assert not CJK.search(text[language]), f"{key}: {language} has Chinese"
            assert not ENGLISH.search(text[language]), f"{key}: {language} has English"
            if script and len(text[EN]) > 25 and not text[EN].startswith("Data controller"):
                assert script.search(text[language]), f"{key}: {text[language]!r}"
        assert text["vi"].count("{agency}") == text[EN].count("{agency}")


def test_unknown_and_missing_keys_are_errors() -> None:
    q = load(bundled("citizen-satisfaction"))
    with pytest.raises(QuestionnaireError, match="lacks"):
        translate(q, "vi", {"title": "Khảo sát"})
    texts = {key: "x" for key, _ in text_keys(q.model_dump(mode="json"))}
    with pytest.raises(QuestionnaireError, match=r"no such text.*questions\.nosuch\.label"):
        translate(q, "vi", {**texts, "questions.nosuch.label": "?"})
    with pytest.raises(QuestionnaireError, match="already has"):
        translate(q, ZH, texts)


def test_a_fallback_fills_what_the_file_leaves_out() -> None:
    q = load(bundled("citizen-satisfaction"))
    hakka = translate(q, "hak", {"title": "民眾服務滿意度調查"}, fill_from=ZH)
    assert hakka.languages == [ZH, EN, "hak"]
    notice = hakka.privacy_notice.purpose
    assert notice["hak"] == notice[ZH]
    assert hakka.fingerprint() != q.fingerprint()  # published as a new version


def test_a_file_for_another_questionnaire_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("slug: other\nlanguage: vi\ntexts: {title: X}\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="is for 'other'"):
        translate_file(load(bundled("citizen-satisfaction")), path)
    path.write_text("slug: other\nlanguage: vi\ntexts: {title: ''}\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="empty"):
        translate_file(load(bundled("citizen-satisfaction")), path)
