"""The comments section, built directly from a WaveContext."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pandas as pd
import pytest
from flask import Flask
from flask import render_template

from collector.core.i18n import use_language
from collector.results.chart_sections import CHART_SECTIONS
from collector.results.comments import MAX_QUERY
from collector.results.comments import PER_PAGE
from collector.results.comments import CommentsSection
from collector.results.comments import highlight
from collector.results.sections import WaveContext
from collector.results.waves import Wave
from surveys import Questionnaire
from surveys import bundled
from surveys import load

WAVE = Wave("2025H1", "half", date(2025, 1, 1), date(2025, 6, 30))
START = datetime(2025, 1, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))


def frame_of(texts: list[str | None]) -> pd.DataFrame:
    """One response per text, a day apart, the last the newest."""
    return pd.DataFrame(
        {
            "submitted_at": [START + timedelta(days=i) for i in range(len(texts))],
            "comment": texts,
            "overall_satisfaction": [4] * len(texts),
        }
    )


def build(
    q: Questionnaire,
    frame: pd.DataFrame,
    query: dict[str, str] | None = None,
    detailed: bool = True,
    language: str = "en",
) -> dict | None:
    context = WaveContext(
        q, language, WAVE, None, [WAVE], detailed, None, lambda wave: frame, query or {}
    )
    return CommentsSection().build(context)


def test_every_comment_newest_first_in_pages(questionnaire: Questionnaire) -> None:
    texts: list[str | None] = [f"comment {i}" for i in range(PER_PAGE + 5)] + [None, "  "]
    section = build(questionnaire, frame_of(texts), {"wave": "2025H1"})
    assert section is not None and not section["withheld"]
    assert section["total"] == PER_PAGE + 5 and section["pages"] == 2
    shown = [str(c["text"]) for c in section["comments"]]
    assert shown[0] == f"comment {PER_PAGE + 4}" and len(shown) == PER_PAGE
    assert section["next"] == "?wave=2025H1&comments_page=2#comments"
    assert section["previous"] is None
    second = build(questionnaire, frame_of(texts), {"wave": "2025H1", "comments_page": "2"})
    assert second is not None
    assert [str(c["text"]) for c in second["comments"]] == [
        f"comment {i}" for i in range(4, -1, -1)
    ]
    assert second["first"] == PER_PAGE + 1 and second["previous"].startswith("?wave=2025H1&")


def test_search_matches_every_word_ignoring_case_and_width(questionnaire: Questionnaire) -> None:
    texts = ["等候時間太長", "櫃台人員親切", "Wait was LONG", "ｗａｉｔ 很久", "等候區座位不足"]
    section = build(questionnaire, frame_of(texts), {"q": "等候", "wave": "2025H1"})
    assert section is not None
    assert [str(c["text"]) for c in section["comments"]] == [
        "<mark>等候</mark>區座位不足",
        "<mark>等候</mark>時間太長",
    ]
    assert section["found"] == 2 and section["total"] == 5 and section["searched"]
    assert section["hidden"] == {"wave": "2025H1"}
    assert section["show_all"] == "?wave=2025H1#comments"
    wait = build(questionnaire, frame_of(texts), {"q": "wait"})
    assert wait is not None and wait["found"] == 2  # "LONG" and the full-width "ｗａｉｔ"
    both = build(questionnaire, frame_of(texts), {"q": "wait long"})
    assert both is not None and both["found"] == 1


def test_highlight_escapes_the_text() -> None:
    assert str(highlight("<b>wait</b> & see", "wait")) == (
        "&lt;b&gt;<mark>wait</mark>&lt;/b&gt; &amp; see"
    )
    assert str(highlight("a.b", ".")) == "a<mark>.</mark>b"


def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    questionnaire: Questionnaire,
) -> None:
    texts = [f"comment {i}" for i in range(8)]
    long = build(questionnaire, frame_of(texts), {"q": "x" * (MAX_QUERY + 1)})
    assert long is not None and long["error"] and str(MAX_QUERY) in long["error"]
    assert long["found"] == 8 and not long["searched"]
    for page in ["abc", "-1", "0", "999", "１"]:
        section = build(questionnaire, frame_of(texts), {"comments_page": page})
        assert section is not None and section["page"] == 1 and len(section["comments"]) == 8


def test_withheld_under_min_cell_respondents(questionnaire: Questionnaire) -> None:
    section = build(questionnaire, frame_of(["a", "b", None, "c"]))
    assert section is not None and section["withheld"] and "comments" not in section
    empty = build(questionnaire, frame_of([]))
    assert empty is not None and empty["total"] == 0 and empty["comments"] == []


def test_not_shown_to_aggregate_readers(questionnaire: Questionnaire) -> None:
    assert build(questionnaire, frame_of([f"c{i}" for i in range(9)]), detailed=False) is None


def test_the_section_is_in_the_list_the_coordinator_registers() -> None:
    assert CommentsSection in CHART_SECTIONS


def test_the_template_renders_in_both_languages(questionnaire: Questionnaire, app: Flask) -> None:
    texts = [f"等候 comment {i}" for i in range(PER_PAGE + 1)]
    for language, word in [("zh-Hant-TW", "搜尋意見"), ("en", "Search the comments")]:
        section = build(
            questionnaire, frame_of(texts), {"q": "等候", "wave": "2025H1"}, True, language
        )
        with app.test_request_context():
            use_language(language)
            html = render_template(CommentsSection.template, section=section)
        assert word in html and 'role="search"' in html and "<label" in html
        assert '<input type="hidden" name="wave" value="2025H1">' in html
        assert "<mark>等候</mark>" in html and 'rel="next"' in html
    bad = build(questionnaire, frame_of(texts), {"q": "x" * (MAX_QUERY + 1)})
    with app.test_request_context():
        use_language("en")
        html = render_template(CommentsSection.template, section=bad)
    assert 'aria-invalid="true"' in html and "at most" in html
    plain = build(questionnaire, frame_of(texts), {"wave": "2025H1"})
    with app.test_request_context():
        use_language("en")
        html = render_template(CommentsSection.template, section=plain)
    assert "Show all comments" not in html  # nothing to clear
    withheld = build(questionnaire, frame_of(["a", "b"]))
    with app.test_request_context():
        use_language("en")
        html = render_template(CommentsSection.template, section=withheld)
    assert "comments are not shown" in html and "<form" not in html
