"""The demo's open comments agree with the ratings beside them.

The checks read the stored responses and look for words, not at the demo's own
comment list: praise of speed never sits beside a speed item or an overall rating
of 1-2, no complaint beside a 5, no praise beside a 1-2, English comments come
with English answers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from collector.demo.comments import load_comments
from tests.helpers.demo import Answer
from tests.helpers.demo import DemoData

SPEED_PRAISE = ("很快", "不用等", "一下子就", "迅速", "速度快", "Quick", "quick")
PRAISE = (*SPEED_PRAISE, "親切", "很方便", "貼心", "非常感謝", "很仔細", "放心", "helpful")
COMPLAINT = (
    "等了",
    "太久",
    "排了很久",
    "不耐煩",
    "口氣",
    "白跑",
    "辛苦",
    "看不懂",
    "額滿",
    "不足",
    "當機",
    "沒有下文",
    "多跑了",
    "waited",
    "nobody",
)
SPEED_ITEMS = ("prof_efficiency", "measures_wait", "overall_satisfaction")
CJK = re.compile(r"[\u3400-\u9fff]")


def _comments(data: DemoData) -> list[tuple[Answer, str]]:
    return [(a, text) for a in data.answers if (text := a.texts.get("comment"))]


def test_there_are_comments_of_every_kind(demo_data: DemoData) -> None:
    comments = _comments(demo_data)
    assert len(comments) > 300
    texts = [t for _, t in comments]
    assert any(w in t for t in texts for w in SPEED_PRAISE)
    assert any(w in t for t in texts for w in COMPLAINT)
    assert len(set(texts)) > 40
    assert {a.slug for a, _ in comments} == {
        "citizen-satisfaction",
        "land-office-service",
        "staff-satisfaction",
    }


def test_no_praise_of_speed_beside_a_low_speed_rating(demo_data: DemoData) -> None:
    wrong = [
        (text, {k: a.rating(k) for k in SPEED_ITEMS})
        for a, text in _comments(demo_data)
        if any(w in text for w in SPEED_PRAISE)
        and any((a.rating(k) or 3) <= 2 for k in SPEED_ITEMS)
    ]
    assert wrong == []


def test_praise_and_complaints_follow_the_overall_rating(demo_data: DemoData) -> None:
    praised_low = [
        (text, a.rating("overall_satisfaction"))
        for a, text in _comments(demo_data)
        if any(w in text for w in PRAISE) and (a.rating("overall_satisfaction") or 0) <= 3
    ]
    complained_high = [
        (text, a.rating("overall_satisfaction"))
        for a, text in _comments(demo_data)
        if any(w in text for w in COMPLAINT) and (a.rating("overall_satisfaction") or 0) >= 4
    ]
    assert praised_low == []
    assert complained_high == []


def test_comments_are_in_the_language_of_the_answers(demo_data: DemoData) -> None:
    comments = _comments(demo_data)
    assert [t for a, t in comments if a.language == "en" and CJK.search(t)] == []
    assert [t for a, t in comments if a.language != "en" and not CJK.search(t)] == []
    assert any(a.language == "en" for a, _ in comments)


def test_comments_speak_of_their_own_office(demo_data: DemoData) -> None:
    """Land matters at the land office, household ones at the household office."""
    land_words = ("地籍", "鑑界", "測量", "權狀", "買賣移轉", "謄本機")
    household_words = ("戶籍", "身分證", "結婚登記", "戶口")
    comments = _comments(demo_data)
    assert [
        t for a, t in comments if a.agency == "demo-household" and any(w in t for w in land_words)
    ] == []
    assert [
        t for a, t in comments if a.agency == "demo-land" and any(w in t for w in household_words)
    ] == []


def test_the_comment_file_is_checked_when_read(tmp_path: Path) -> None:
    """A misspelt tone would fit no response and vanish from the demo without a word."""
    path = tmp_path / "comments.yaml"
    path.write_text(
        '- {text: "很好", tone: praised, about: [courtesy_attitude]}\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="tone or era"):
        load_comments(path)


def test_every_bundled_comment_is_read() -> None:
    comments = load_comments()
    assert len(comments) == len({c.text for c in comments}) > 50
    assert {c.tone for c in comments} == {"praise", "complaint", "suggestion"}
