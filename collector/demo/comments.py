"""What demo respondents write in the open comment, and when each would write it.

A comment is praise, a complaint or a suggestion about some items (``about``), and
fits only a response whose ratings agree with it: praise needs an overall rating
of 4 or 5 and every item it praises rated 4 or 5; a complaint needs an overall
rating of 3 or less and every item it complains of rated 1 or 2 (with no item
named, an overall 1 or 2); a suggestion needs an overall 3 or more and its items
answered 2 to 4. Some comments belong to one agency or unit, or to the time before
or after the story's improvement (``story``); English ones go with answers given
in English.
"""

from __future__ import annotations

import functools
import random
from collections import deque
from collections.abc import Collection
from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from collector.demo import datafiles

CITIZEN = "citizen-satisfaction"


@dataclass(frozen=True)
class Comment:
    text: str
    tone: str  # "praise" | "complaint" | "suggestion"
    about: tuple[str, ...] = ()
    questionnaire: str = CITIZEN
    agency: str | None = None
    units: tuple[str, ...] = ()  # empty: any unit
    era: str | None = None  # "before" or "after" the story's improvement; None: any time
    language: str = "zh-Hant-TW"

    def fits(self, answers: Mapping[str, Any], overall: int, where: Where) -> bool:
        if (
            where.questionnaire != self.questionnaire
            or where.language != self.language
            or (self.agency is not None and where.agency != self.agency)
            or (self.units and where.unit not in self.units)
            or (self.era is not None and (self.era == "after") != where.after)
        ):
            return False
        given = [answers.get(key) for key in self.about]
        scores = [score for score in given if isinstance(score, int)]
        if len(scores) < len(given):
            return False  # an item it speaks of was not rated (not applicable, skipped)
        if self.tone == "praise":
            return overall >= 4 and all(score >= 4 for score in scores)
        if self.tone == "complaint":
            if not scores:
                return overall <= 2
            return overall <= 3 and all(score <= 2 for score in scores)
        return overall >= 3 and all(2 <= score <= 4 for score in scores)


@dataclass(frozen=True)
class Where:
    """The response a comment is chosen for."""

    questionnaire: str
    agency: str
    unit: str | None
    language: str
    after: bool  # answered after the story's improvement took effect there


DATA = datafiles.FOLDER / "comments.yaml"
"""The comments themselves: data, not code, so that anyone can add one."""

TONES = ("praise", "complaint", "suggestion")
ERAS = (None, "before", "after")


def load_comments(path: Path = DATA) -> list[Comment]:
    """The comments of ``path``, checked: a wrong tone or era would silently fit nothing."""
    comments = []
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        fields = dict(entry)
        comment = Comment(
            text=fields.pop("text"),
            tone=fields.pop("tone"),
            about=tuple(fields.pop("about", ())),
            units=tuple(fields.pop("units", ())),
            **fields,
        )
        if comment.tone not in TONES or comment.era not in ERAS:
            raise ValueError(
                f"{path}: tone or era of {comment.text!r} is not one of {TONES}, {ERAS}"
            )
        comments.append(comment)
    return comments


@functools.cache
def all_comments() -> tuple[Comment, ...]:
    """Every comment a demo respondent may write, read when the demo first needs them
    (not when the app starts: the demo's hooks load with every app)."""
    return tuple(load_comments())


RECENT = 10
"""A comment is not written again while it is among the last few its office or its
unit received, unless no other fits."""


class Recent:
    """The latest comments of each office and unit (any hashable key), so that the
    newest comments a results page lists do not repeat one another."""

    def __init__(self, size: int = RECENT) -> None:
        self.size = size
        self._latest: dict[Hashable, deque[str]] = {}

    def of(self, *keys: Hashable) -> set[str]:
        return {text for key in keys for text in self._latest.get(key, ())}

    def add(self, text: str | None, *keys: Hashable) -> None:
        if text is not None:
            for key in keys:
                self._latest.setdefault(key, deque(maxlen=self.size)).append(text)


WRITES: dict[int, float] = {1: 0.6, 2: 0.5, 3: 0.3, 4: 0.15, 5: 0.15}
"""How likely a respondent is to write a comment, by overall rating: the unhappy write more."""


def pick_comment(
    rng: random.Random,
    answers: Mapping[str, Any],
    overall: int,
    where: Where,
    recent: Collection[str] = (),
) -> str | None:
    """A comment that fits the response, not among the ``recent`` ones if another fits,
    or None (most respondents write none)."""
    if rng.random() >= WRITES.get(overall, 0.15):
        return None
    fitting = [c for c in all_comments() if c.fits(answers, overall, where)]
    fitting = [c for c in fitting if c.text not in recent] or fitting
    if not fitting:
        return None
    # Comments about a rated item are likelier than general ones: people write about
    # what struck them.
    weights = [2.0 if c.about else 1.0 for c in fitting]
    return rng.choices(fitting, weights=weights)[0].text
