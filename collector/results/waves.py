"""Waves: the periods a result belongs to.

A wave is either a campaign (its own dates) or a calendar period: a year, a half-year
or a quarter. Period waves have stable keys that survive in a URL (``2025``,
``2025H1``, ``2025Q3``); a campaign's key is ``c`` and its id (``c12``), resolved
against the database by the results pages. Staff read years in the ROC calendar
(民國 = Gregorian - 1911), so every label shows both.

This module is pure (no database, no Flask): the results pages, improvement actions
and the evidence pack all cut responses by the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo

from collector.core.i18n import translator

KINDS = ("year", "half", "quarter")
"""The calendar period kinds, longest first."""

ROC_OFFSET = 1911

_PERIOD_KEY = re.compile(r"^(?P<year>\d{4})(?:(?P<half>H[12])|(?P<quarter>Q[1-4]))?$")
_CAMPAIGN_KEY = re.compile(r"^c(?P<id>[1-9]\d{0,9})$")


def roc_year(year: int) -> int:
    """The ROC (民國) year of a Gregorian year: 2025 is 114."""
    return year - ROC_OFFSET


@dataclass(frozen=True)
class Wave:
    """One wave: its key, kind, first and last local day (inclusive), and for a
    campaign its id and title."""

    key: str
    kind: str  # year | half | quarter | campaign
    start: date
    end: date
    campaign_id: int | None = None
    title: str = ""

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The UTC instants [from, to) of the wave's local days, to compare with stored times."""
        first = datetime.combine(self.start, time(), tzinfo=zone)
        after = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone)
        return first.astimezone(UTC), after.astimezone(UTC)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def label(self, language: str) -> str:
        """The wave as staff read it: "2025 H1 (ROC 114)", "民國 114 年上半年（2025 H1）"."""
        text = translator(language)
        if self.kind == "campaign":
            return self.title or self.key
        year = self.start.year
        roc = roc_year(year)
        if self.kind == "year":
            return text.gettext("%(year)s (ROC %(roc)s)", year=year, roc=roc)
        if self.kind == "half":
            if self.start.month == 1:
                return text.gettext("%(year)s H1 (ROC %(roc)s)", year=year, roc=roc)
            return text.gettext("%(year)s H2 (ROC %(roc)s)", year=year, roc=roc)
        quarter = (self.start.month - 1) // 3 + 1
        return text.gettext(
            "%(year)s Q%(quarter)s (ROC %(roc)s)", year=year, quarter=quarter, roc=roc
        )

    def tick(self, language: str) -> str:
        """The wave in two short lines for a chart's axis ("2025 H1" over "ROC 114"), where
        :meth:`label`'s one line would run into its neighbours; a campaign's title."""
        if self.kind == "campaign":
            return self.title or self.key
        year = self.start.year
        first = {
            "year": str(year),
            "half": f"{year} H{1 if self.start.month == 1 else 2}",
        }.get(self.kind, f"{year} Q{(self.start.month - 1) // 3 + 1}")
        roc = translator(language).gettext("ROC %(roc)s", roc=roc_year(year))
        return f"{first}\n{roc}"


def period(kind: str, day: date) -> Wave:
    """The calendar period of ``kind`` that contains ``day``."""
    year = day.year
    if kind == "year":
        return Wave(str(year), "year", date(year, 1, 1), date(year, 12, 31))
    if kind == "half":
        if day.month <= 6:
            return Wave(f"{year}H1", "half", date(year, 1, 1), date(year, 6, 30))
        return Wave(f"{year}H2", "half", date(year, 7, 1), date(year, 12, 31))
    if kind == "quarter":
        quarter = (day.month - 1) // 3 + 1
        first = date(year, 3 * quarter - 2, 1)
        last = (
            date(year, 12, 31)
            if quarter == 4
            else date(year, 3 * quarter + 1, 1) - timedelta(days=1)
        )
        return Wave(f"{year}Q{quarter}", "quarter", first, last)
    raise ValueError(f"unknown period kind {kind!r}; expected one of {', '.join(KINDS)}")


def parse_period(key: str) -> Wave | None:
    """The period wave a key names (``2025``, ``2025H2``, ``2025Q1``), or None.

    ROC years are accepted as three digits before the Gregorian rule applies
    elsewhere: ``114H1`` is 2025 H1.
    """
    key = key.strip().upper()
    roc = re.match(r"^(\d{2,3})(H[12]|Q[1-4])?$", key)
    if roc:
        key = f"{int(roc.group(1)) + ROC_OFFSET}{roc.group(2) or ''}"
    match = _PERIOD_KEY.match(key)
    if not match:
        return None
    year = int(match.group("year"))
    if not 1912 <= year <= 9998:
        return None
    if match.group("half"):
        return period("half", date(year, 1 if match.group("half") == "H1" else 7, 1))
    if match.group("quarter"):
        return period("quarter", date(year, 3 * int(match.group("quarter")[1]) - 2, 1))
    return period("year", date(year, 1, 1))


def campaign_id(key: str) -> int | None:
    """The campaign id in a campaign wave's key (``c12`` is 12), or None."""
    match = _CAMPAIGN_KEY.match(key.strip())
    return int(match.group("id")) if match else None


def campaign_wave(campaign_id: int, title: str, starts_on: date, ends_on: date) -> Wave:
    """A campaign as a wave."""
    return Wave(f"c{campaign_id}", "campaign", starts_on, ends_on, campaign_id, title)


def previous_period(wave: Wave) -> Wave:
    """The period of the same kind just before ``wave`` (a period wave)."""
    if wave.kind == "campaign":
        raise ValueError("a campaign's previous wave is the campaign before it, not a period")
    return period(wave.kind, wave.start - timedelta(days=1))


def periods_between(kind: str, first: date, last: date) -> list[Wave]:
    """Every period of ``kind`` from the one containing ``first`` to the one containing
    ``last``, oldest first (empty when ``last`` is before ``first``)."""
    waves: list[Wave] = []
    if last < first:
        return waves
    wave = period(kind, first)
    while wave.start <= last:
        waves.append(wave)
        wave = period(kind, wave.end + timedelta(days=1))
    return waves
