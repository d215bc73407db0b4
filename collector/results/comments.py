"""The comments section: the wave's free-text comments, newest first, searchable and paged.

Comments are what an analyst reads to learn why a score moved, so every comment of the
wave is here, not the latest ten: a search (``?q=``, words matched anywhere in the
text, case and width ignored) and pages of ``PER_PAGE`` (``?comments_page=``). Both
come from the request's own arguments (``context.query``); the links and the search
form keep the page's other arguments (wave, unit, questionnaire).

Comments are shown only to a reader of detailed results (``context.detailed``), and a
selection of fewer than ``MIN_CELL`` respondents (a small unit, a short period) shows
none: with so few people a comment could be matched to the person who wrote it.

On a page reading from the database the comments are read as that one text column
(``WaveReader.texts``): without a search, only the page shown (the count and the page
in SQL); a search reads the comments' texts alone and matches them here. The wave's
answers are not read.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from markupsafe import Markup
from markupsafe import escape

from collector.core import clock
from collector.core.disclosure import MIN_CELL
from collector.core.disclosure import too_small
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.numbers import whole_number
from collector.results.core_sections.common import summed
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from surveys import Questionnaire

TEXT_TYPES = ("text", "long_text")
"""Question types whose answer is the stored text (``answers[key][0][1]``), read in SQL."""
PER_PAGE = 20
MAX_QUERY = 100
"""The longest search accepted (characters); a longer one is refused with a message."""
SEARCH = "q"
PAGE = "comments_page"


def _fold(text: str) -> str:
    """What a search compares: NFKC (full-width Ａ and half-width A alike), case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def comments_of(questionnaire: Questionnaire, frame: pd.DataFrame) -> pd.DataFrame:
    """The non-blank comments with their submission time, newest first (columns
    ``text``, ``submitted_at``)."""
    key = questionnaire.analysis.comment
    if not key or key not in frame.columns or not len(frame):
        return pd.DataFrame({"text": [], "submitted_at": []})
    texts = frame[[key, "submitted_at"]].dropna(subset=[key])
    texts = texts.rename(columns={key: "text"})
    texts["text"] = texts["text"].astype(str).str.strip()
    texts = texts[texts["text"] != ""]
    stamps = pd.to_datetime(texts["submitted_at"], utc=True)
    # newest first; at the same time the last stored first (the frame is in the order
    # stored: reversed, then a stable sort), as ``WaveReader.texts`` reads them
    return (
        texts.assign(submitted_at=stamps)
        .iloc[::-1]
        .sort_values("submitted_at", ascending=False, kind="stable")
    )


def matching(comments: pd.DataFrame, query: str) -> pd.DataFrame:
    """The comments containing every word of ``query`` (words split at spaces)."""
    words = [_fold(w) for w in query.split() if w]
    if not words:
        return comments
    folded = comments["text"].map(_fold)
    keep = pd.Series(True, index=comments.index)
    for word in words:
        keep &= folded.str.contains(word, regex=False)
    return comments[keep]


def highlight(text: str, query: str) -> Markup:
    """``text`` escaped, with the words of ``query`` marked (``<mark>``) where they occur."""
    words = [re.escape(w) for w in query.split() if w]
    if not words or unicodedata.normalize("NFKC", text) != text:
        # Marking positions in a text the fold changes could cut a character: unmarked.
        return Markup(escape(text))
    pattern = re.compile("|".join(words), re.IGNORECASE)
    out = []
    last = 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(Markup("<mark>{}</mark>").format(found.group(0)))
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _link(query: dict[str, str], **changes: Any) -> str:
    """A link to the same page with the section's arguments changed (others kept)."""
    args = {k: v for k, v in query.items() if k not in (SEARCH, PAGE)}
    args.update({k: v for k, v in changes.items() if v not in (None, "")})
    return "?" + urlencode(args) + "#comments"


class CommentsSection(ResultsSection):
    name = "comments"
    title = lazy_gettext("Comments")
    template = "results/sections/comment_search.html"
    order = 90

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(questionnaire.analysis.comment)

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        if not context.detailed:
            return None
        text = translator(context.language)
        hidden = {k: v for k, v in context.query.items() if k not in (SEARCH, PAGE)}
        raw = unicodedata.normalize("NFC", context.query.get(SEARCH, "")).strip()
        error = None
        query = raw
        if len(raw) > MAX_QUERY:
            error = text.gettext(
                "Search words must be at most %(max)s characters; this search has %(n)s.",
                max=MAX_QUERY,
                n=len(raw),
            )
            query = ""
        base: dict[str, Any] = {
            "hidden": hidden,
            "query": raw,
            "error": error,
            "min_cell": MIN_CELL,
            "max_query": MAX_QUERY,
        }
        source = context.source
        key = context.questionnaire.analysis.comment
        kinds = {q.key: q.type for q in context.questionnaire.questions()}
        if source is not None and key is not None and kinds.get(key) in TEXT_TYPES:
            sums = summed(context, context.wave)
            responses = sum(sums.rows.values()) if sums is not None else source.count(context.wave)
            if too_small(responses) and responses > 0:
                return {**base, "withheld": True}
            page = whole_number(context.query.get(PAGE, "1")) or 1
            if query:
                every = source.texts(context.wave, key)
                everything = pd.DataFrame(
                    {
                        "text": [t for t, _ in every],
                        "submitted_at": pd.to_datetime([s for _, s in every], utc=True),
                    }
                )
                found = matching(everything, query)
                total, matched = len(everything), len(found)
                pages = max(1, math.ceil(matched / PER_PAGE))
                page = min(max(page, 1), pages)
                shown = found.iloc[(page - 1) * PER_PAGE : page * PER_PAGE]
            else:
                total = matched = source.text_count(context.wave, key)
                pages = max(1, math.ceil(matched / PER_PAGE))
                page = min(max(page, 1), pages)
                read = source.texts(context.wave, key, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
                shown = pd.DataFrame(
                    {
                        "text": [t for t, _ in read],
                        "submitted_at": pd.to_datetime([s for _, s in read], utc=True),
                    }
                )
        else:
            frame = context.frame()
            if too_small(len(frame)) and len(frame) > 0:
                return {**base, "withheld": True}
            memo = context.memo(context.wave)  # read-only: kept, not copied
            if "comments" not in memo:
                memo["comments"] = comments_of(context.questionnaire, frame)
            everything = memo["comments"]
            found = matching(everything, query)
            total, matched = len(everything), len(found)
            pages = max(1, math.ceil(matched / PER_PAGE))
            page = whole_number(context.query.get(PAGE, "1")) or 1
            page = min(max(page, 1), pages)
            shown = found.iloc[(page - 1) * PER_PAGE : page * PER_PAGE]
        zone = clock.zone()
        comments = [
            {
                "text": highlight(str(t), query),
                "day": stamp.tz_convert(zone).date(),
            }
            for t, stamp in zip(shown["text"], shown["submitted_at"], strict=True)
        ]
        keep = {"q": query} if query else {}
        return {
            **base,
            "withheld": False,
            "total": total,
            "found": matched,
            "searched": bool(query),
            "comments": comments,
            "page": page,
            "pages": pages,
            "first": (page - 1) * PER_PAGE + 1,
            "last": (page - 1) * PER_PAGE + len(comments),
            "previous": _link(context.query, **keep, comments_page=page - 1) if page > 1 else None,
            "next": _link(context.query, **keep, comments_page=page + 1) if page < pages else None,
            "show_all": _link(context.query) if query or raw else None,
        }
