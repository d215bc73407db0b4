"""Reading the responses of one wave, and only what a page needs of the others.

A results page shows one wave in detail and compares it with the one before: where a
section needs the chosen wave's rows (a weighted wave, a plugin's analysis) they are
loaded in full (one scoped query), and kept across requests while its responses do not
change (:class:`FrameEntry`); an unweighted wave's sections read sums instead. The previous wave's figures (the change
since then) and the trend over every wave need only estimates, so they ask the
database for sums by service unit (``collector.results.sums``: a ``GROUP BY`` over the
answers extracted from the stored JSON, kept in the process and in the
``results_sums`` table); the answers of other waves never reach Python (a weighted
wave's do: its weights come from each response's characteristics).

Every statement goes through the ``scope`` the page passes (``collector.access.scoped``
with the action the viewer reads under), so no other agency's responses are read.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.core import clock
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import StaffInvitation
from collector.core.models import Unit
from collector.core.plugins import PluginSet
from collector.results.reading import load_table
from collector.results.reading import versions_of
from collector.results.sums import WHITESPACE
from collector.results.sums import Kept
from collector.results.sums import Sums
from collector.results.sums import cached_sums
from collector.results.sums import high_water_once
from collector.results.sums import nonblank
from collector.results.sums import statement_key
from collector.results.waves import Wave
from collector.results.waves import campaign_wave
from collector.results.waves import periods_between

NO_UNIT = "-"
"""The stratum of responses given at no service unit (the agency's website)."""


def stratum(agency: Any, unit: Any) -> str:
    """The stratum key of a response: its agency and service unit codes."""
    return f"{agency}/{unit if isinstance(unit, str) and unit else NO_UNIT}"


def strata(frame: pd.DataFrame) -> list[str]:
    """Each row's :func:`stratum`, worked out once per agency and unit (a wave of 100,000
    responses has a few dozen), from the columns as lists."""
    found: dict[tuple[Any, Any], str] = {}
    out = []
    for pair in zip(frame["agency"].tolist(), frame["unit"].tolist(), strict=True):
        key = found.get(pair)
        if key is None:
            key = found[pair] = stratum(*pair)
        out.append(key)
    return out


@dataclass
class FrameEntry:
    """A wave's rows as read, and what they were read at: complete up to the response id
    ``settled`` (see ``collector.results.sums.SETTLE``) with ``recent`` rows above it, at
    revision ``revision``. While no revision is added and the wave still has ``recent``
    rows above ``settled``, these are still the wave's rows."""

    frame: pd.DataFrame
    settled: int
    revision: int
    recent: int
    memo: dict[Any, Any]


FRAMES_KEPT = 4
"""Waves' rows kept per process: a page reads one (the chosen wave). At a
million responses a half-year's frame is roughly 150 MB, so only a few are kept."""


def frames_of(app: Any) -> Kept[FrameEntry]:
    """The application's waves kept across requests."""
    found = app.extensions.get("results_frames")
    if found is None:
        found = app.extensions.setdefault("results_frames", Kept[FrameEntry](FRAMES_KEPT))
    return found


Extent = tuple[int, int, tuple[datetime | None, datetime | None]]
"""(settled id, revision, (first, last) submission time up to that id)."""


def extents_of(app: Any) -> Kept[Extent]:
    """The first and last submission times kept per scoped questionnaire."""
    found = app.extensions.get("results_extents")
    if found is None:
        found = app.extensions.setdefault("results_extents", Kept[Extent](256))
    return found


@dataclass
class WaveReader:
    """The responses to one questionnaire that a viewer may read, wave by wave."""

    session: Session
    plugins: PluginSet
    slug: str
    scope: Callable[[Any], Any]
    unit_id: int | None = None
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _entries: dict[str, FrameEntry] = field(default_factory=dict)
    _version_ids: list[int] | None = None
    _code_maps: tuple[dict[int, str], dict[int, str]] | None = None

    # -- which waves exist ---------------------------------------------------------

    def version_ids(self) -> list[int]:
        if self._version_ids is None:
            self._version_ids = [
                v.id for v in versions_of(self.session, self.slug) if v.id is not None
            ]
        return self._version_ids

    def _where(self) -> list[Any]:
        conditions: list[Any] = [col(Response.questionnaire_version_id).in_(self.version_ids())]
        if self.unit_id is not None:
            conditions.append(col(Response.unit_id) == self.unit_id)
        return conditions

    def extent(self) -> tuple[date, date] | None:
        """The local days of the first and the last response, or None without any.

        The first and last times up to the settled id are kept across requests (as the
        sums are, ``collector.results.sums.SETTLE``): a page then reads the minimum and
        maximum of the newer responses only, not of the whole table; a new process reads
        the two ends of the submission-time index."""
        conditions = self._where()

        def bounds(low: int, high: int) -> tuple[datetime | None, datetime | None]:
            statement = select(
                func.min(Response.submitted_at), func.max(Response.submitted_at)
            ).where(*conditions, col(Response.id) > low, col(Response.id) <= high)
            first, last = self.session.execute(self.scope(statement)).one()
            return first, last

        def ends() -> tuple[datetime | None, datetime | None]:
            """The first and last time of every response: each the end of a submission
            time index (a minimum over an id range scanned the table: 5 s at a million
            responses on SQLite). It may cover responses above the settled id, which a
            minimum and maximum count again harmlessly."""
            statement = select(col(Response.submitted_at)).where(*conditions).limit(1)
            found = [
                self.session.execute(self.scope(statement.order_by(order))).scalar_one_or_none()
                for order in (col(Response.submitted_at), col(Response.submitted_at).desc())
            ]
            return found[0], found[1]

        def joined(
            a: tuple[datetime | None, datetime | None], b: tuple[datetime | None, datetime | None]
        ) -> tuple[datetime | None, datetime | None]:
            firsts = [t for t in (a[0], b[0]) if t is not None]
            lasts = [t for t in (a[1], b[1]) if t is not None]
            return (min(firsts) if firsts else None, max(lasts) if lasts else None)

        key = statement_key(self.session, self.scope(select(col(Response.id)).where(*conditions)))
        settled, last_id, revision = high_water_once(self.session)
        kept = extents_of(current_app)
        entry = kept.get(key)
        if entry is None or entry[1] != revision or entry[0] > settled:
            entry = (settled, revision, ends())
            kept.put(key, entry)
        elif entry[0] < settled:
            entry = (settled, revision, joined(entry[2], bounds(entry[0], settled)))
            kept.put(key, entry)
        first, last = entry[2]
        if last_id > settled:
            first, last = joined((first, last), bounds(settled, last_id))
        if first is None or last is None:
            return None
        return clock.local_date(first), clock.local_date(last)

    def period_waves(self, kind: str) -> list[Wave]:
        """Every period of ``kind`` from the first response to the last, oldest first."""
        extent = self.extent()
        return periods_between(kind, *extent) if extent else []

    def campaigns(self) -> list[Campaign]:
        """The questionnaire's campaigns the viewer may read, oldest first."""
        return list(
            self.session.execute(
                self.scope(
                    select(Campaign)
                    .join(
                        QuestionnaireVersion,
                        col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id,
                    )
                    .where(col(QuestionnaireVersion.slug) == self.slug)
                    .order_by(col(Campaign.starts_on), col(Campaign.id))
                )
            ).scalars()
        )

    def campaign_waves(self) -> list[Wave]:
        return [
            campaign_wave(c.id, c.title, c.starts_on, c.ends_on)
            for c in self.campaigns()
            if c.id is not None
        ]

    def campaign_counts(self) -> dict[int, int]:
        """Responses per campaign (one ``GROUP BY``)."""
        rows = self.session.execute(
            self.scope(
                select(col(Response.campaign_id), func.count())
                .where(*self._where(), col(Response.campaign_id).is_not(None))
                .group_by(col(Response.campaign_id))
            )
        ).all()
        return {int(cid): int(n) for cid, n in rows}

    # -- one wave in full ---------------------------------------------------------

    def wave_where(self, wave: Wave) -> tuple[list[Any], datetime | None, datetime | None]:
        if wave.campaign_id is not None:
            return [col(Response.campaign_id) == wave.campaign_id], None, None
        since, until = wave.bounds(clock.zone())
        return [], since, until

    def frame(self, wave: Wave) -> pd.DataFrame:
        """The wave's responses, one row each: kept for the request, and across requests
        while the wave's responses stay the same (:func:`frames_of`)."""
        if wave.key not in self._frames:
            self._frames[wave.key] = self._entry(wave).frame
        return self._frames[wave.key]

    def memo(self, wave: Wave) -> dict[Any, Any]:
        """What sections derived from the wave's frame (designs, estimates), kept as long
        as the frame is."""
        return self._entry(wave).memo

    def _conditions(self, wave: Wave) -> list[Any]:
        where, since, until = self.wave_where(wave)
        if self.unit_id is not None:
            where.append(col(Response.unit_id) == self.unit_id)
        if since is not None:
            where.append(col(Response.submitted_at) >= since)
        if until is not None:
            where.append(col(Response.submitted_at) < until)
        return [*self._where(), *where]

    def _entry(self, wave: Wave) -> FrameEntry:
        if wave.key in self._entries:
            return self._entries[wave.key]
        conditions = self._conditions(wave)
        key = statement_key(self.session, self.scope(select(col(Response.id)).where(*conditions)))
        settled, _last, revision = high_water_once(self.session)
        kept = frames_of(current_app)
        entry = kept.get(key)

        def newer(since: int) -> int:
            """Responses of the wave above id ``since`` (a primary-key range)."""
            statement = select(func.count()).where(*conditions, col(Response.id) > since)
            return int(self.session.execute(self.scope(statement)).scalar_one())

        if entry is None or entry.revision != revision or newer(entry.settled) != entry.recent:
            recent = newer(settled)  # counted before the rows are read: never too many
            where, since, until = self.wave_where(wave)
            if self.unit_id is not None:
                where.append(col(Response.unit_id) == self.unit_id)
            table = load_table(
                self.session,
                self.plugins,
                self.slug,
                since=since,
                until=until,
                where=where,
                scope=self.scope,
            )
            frame = table.frame
            frame["agency_unit"] = strata(frame)
            entry = FrameEntry(frame, settled, revision, recent, {})
            kept.put(key, entry)
        self._entries[wave.key] = entry
        return entry

    # -- one text answer of a wave -------------------------------------------------

    def _text(self, key: str) -> Any:
        """A text answer as its question type reads it back (``answers[key][0][1]``)."""
        return cast(col(Response.answers)[(key, 0, 1)].as_string(), String)

    def _not_blank(self, key: str) -> Any:
        text = self._text(key)
        return and_(text.is_not(None), func.trim(text, WHITESPACE) != "")

    def count(self, wave: Wave) -> int:
        """The wave's responses (one scoped count)."""
        statement = select(func.count()).where(*self._conditions(wave))
        return int(self.session.execute(self.scope(statement)).scalar_one())

    def text_count(self, wave: Wave, key: str) -> int:
        """The wave's responses whose text answer ``key`` is not blank: counted as sums are
        (:meth:`sums`, kept until the wave's responses change), not at every request."""
        sums = self.sums(wave, {f"nonblank:{key}": nonblank(key)})
        return sum(c.answered for c in sums.cells[f"nonblank:{key}"])

    def texts(
        self, wave: Wave, key: str, *, limit: int | None = None, offset: int = 0
    ) -> list[tuple[str, datetime]]:
        """The wave's non-blank text answers ``key`` (stripped) with their submission
        time, newest first (at the same time, the last stored first: the order of a
        submission-time index read backwards, so a page stops after its rows), ``limit``
        from ``offset``: only that column of those rows is read, not the answers."""
        statement = (
            select(self._text(key), col(Response.submitted_at))
            .where(*self._conditions(wave), self._not_blank(key))
            .order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
            .offset(offset)
        )
        if limit is not None:
            statement = statement.limit(limit)
        rows = self.session.execute(self.scope(statement)).all()
        return [(str(text).strip(), stamp) for text, stamp in rows]

    # -- one item of every wave ----------------------------------------------------

    def sums(self, wave: Wave, measures: Mapping[str, Any]) -> Sums:
        """Per-stratum sums of ``measures`` over the wave's responses, counted in the
        database and kept until the wave's responses change
        (:func:`collector.results.sums.cached_sums`)."""
        where, since, until = self.wave_where(wave)
        if since is not None:
            where.append(col(Response.submitted_at) >= since)
        if until is not None:
            where.append(col(Response.submitted_at) < until)
        return cached_sums(self.session, self.scope, measures, [*self._where(), *where])

    def codes(self) -> tuple[dict[int, str], dict[int, str]]:
        """Agency and unit codes by id (read once per page)."""
        if self._code_maps is None:
            self._code_maps = self._codes()
        return self._code_maps

    def agencies(self) -> list[Agency]:
        return list(
            self.session.execute(self.scope(select(Agency).order_by(col(Agency.code)))).scalars()
        )

    def units(self) -> list[Unit]:
        return list(
            self.session.execute(
                self.scope(select(Unit).order_by(col(Unit.agency_id), col(Unit.code)))
            ).scalars()
        )

    def _codes(self) -> tuple[dict[int, str], dict[int, str]]:
        agencies: dict[int, str] = dict(
            self.session.execute(self.scope(select(col(Agency.id), col(Agency.code)))).all()
        )
        units: dict[int, str] = dict(
            self.session.execute(self.scope(select(col(Unit.id), col(Unit.code)))).all()
        )
        return agencies, units

    # -- design information --------------------------------------------------------

    def _per_stratum(self, wave: Wave, column: Any, *, own_unit: bool) -> dict[str, int]:
        """A campaign wave's ``CampaignUnit`` figure per stratum, where recorded."""
        if wave.campaign_id is None:
            return {}
        unit = [col(Unit.id) == self.unit_id] if own_unit and self.unit_id is not None else []
        rows = self.session.execute(
            self.scope(
                select(col(Agency.code), col(Unit.code), column)
                .join(Unit, col(Unit.id) == CampaignUnit.unit_id)
                .join(Agency, col(Agency.id) == Unit.agency_id)
                .where(
                    col(CampaignUnit.campaign_id) == wave.campaign_id, column.is_not(None), *unit
                )
            )
        ).all()
        return {stratum(a, u): int(n) for a, u, n in rows}

    def populations(self, wave: Wave) -> dict[str, int]:
        """A campaign wave's population per stratum (every unit's: the design's strata)."""
        return self._per_stratum(wave, col(CampaignUnit.population), own_unit=False)

    def unit_targets(self, wave: Wave) -> dict[str, int]:
        """A campaign wave's target per stratum (the chosen unit's only, when one is)."""
        return self._per_stratum(wave, col(CampaignUnit.target_n), own_unit=True)

    def campaign(self, wave: Wave) -> Campaign | None:
        if wave.campaign_id is None:
            return None
        return next((c for c in self.campaigns() if c.id == wave.campaign_id), None)

    def contacts(self, wave: Wave) -> tuple[int, int] | None:
        """(invited, responded) of a campaign wave whose invitations are recorded (the
        internal staff survey), or None where contacts are unknown."""
        if wave.campaign_id is None:
            return None
        conditions = [col(StaffInvitation.campaign_id) == wave.campaign_id]
        if self.unit_id is not None:
            conditions.append(col(StaffInvitation.unit_id) == self.unit_id)
        invited, used = self.session.execute(
            self.scope(
                select(func.count(), func.sum(cast(col(StaffInvitation.used), Integer))).where(
                    *conditions
                )
            )
        ).one()
        return (int(invited), int(used or 0)) if invited else None


def waves_of(reader: WaveReader, kind: str) -> list[Wave]:
    """Every wave of ``kind`` the viewer can pick, oldest first."""
    return reader.campaign_waves() if kind == "campaign" else reader.period_waves(kind)


__all__: Sequence[str] = ["NO_UNIT", "WaveReader", "stratum", "waves_of"]
