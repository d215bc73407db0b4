"""Reading stored responses back as a table: one row per response, one column per question."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlmodel import Session
from sqlmodel import col

from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.plugins import PluginSet
from surveys import Questionnaire
from surveys import parse

META_COLUMNS = [
    "receipt",
    "version",
    "agency",
    "unit",
    "channel",
    "language",
    "started_at",
    "submitted_at",
    "batch",
    "entered_by",
]
"""Columns before the answers. ``batch`` and ``entered_by`` (the staff user id, never a
name) say which paper batch a keyed-in questionnaire came in and who keyed it."""


@dataclass
class ResponseTable:
    """Responses to one questionnaire, with the definition needed to read them."""

    questionnaire: Questionnaire
    frame: pd.DataFrame

    @property
    def question_keys(self) -> list[str]:
        return [q.key for q in self.questionnaire.questions()]


def versions_of(session: Session, slug: str) -> list[QuestionnaireVersion]:
    return list(
        session.execute(
            select(QuestionnaireVersion)
            .where(col(QuestionnaireVersion.slug) == slug)
            .order_by(col(QuestionnaireVersion.version))
        ).scalars()
    )


def _response_query(
    version_ids: Sequence[int | None],  # the versions' ids, as the model types them
    agency_ids: Sequence[int] | None,
    since: datetime | None,
    until: datetime | None,
    where: Sequence[Any],
) -> Any:
    """The responses' meta columns and stored answers, oldest first."""
    query = (
        select(
            col(Response.id),
            col(Response.receipt),
            col(Response.questionnaire_version_id),
            col(Agency.code),
            col(Response.unit_id),
            col(Response.channel),
            col(Response.language),
            col(Response.started_at),
            col(Response.submitted_at),
            col(Response.batch),
            col(Response.entered_by),
            col(Response.answers),
        )
        .join(Agency, col(Agency.id) == Response.agency_id)
        .where(col(Response.questionnaire_version_id).in_(list(version_ids)))
        .where(*where)
    )
    if agency_ids is not None:
        query = query.where(col(Response.agency_id).in_(list(agency_ids)))
    if since is not None:
        query = query.where(col(Response.submitted_at) >= since)
    if until is not None:
        query = query.where(col(Response.submitted_at) < until)
    return query.order_by(col(Response.submitted_at), col(Response.id))


def _unit_codes(
    session: Session, unit_ids: set[int], scope: Callable[[Any], Any]
) -> dict[int, str]:
    """Unit codes looked up apart (not an outer join), so that a scoped query keeps the
    responses that name no unit."""
    if not unit_ids:
        return {}
    statement = select(col(Unit.id), col(Unit.code)).where(col(Unit.id).in_(sorted(unit_ids)))
    return dict(session.execute(scope(statement)).all())


class _Decoder:
    """Stored answers back to values, with one question type per version and question.

    A question type's ``from_rows`` depends on the stored pairs alone, and most answers
    are one pair of few distinct values (a 1-5 item, a choice), so a single pair's value
    is decoded once per version, question and pair: a page or an export reading a wave
    of 100,000 responses then makes dictionary look-ups, not a million calls.
    """

    def __init__(self, plugins: PluginSet, definitions: dict[int | None, Questionnaire]) -> None:
        self.plugins = plugins
        self.definitions = definitions
        self.types: dict[tuple[int, str], Any] = {}
        self.single: dict[tuple[int, str, Any, Any], tuple[bool, Any]] = {}

    def _type(self, version_id: int, key: str) -> Any:
        if (version_id, key) not in self.types:
            try:
                qtype = self.plugins.question_type(self.definitions[version_id], key)
            except KeyError:
                qtype = None
            self.types[(version_id, key)] = qtype
        return self.types[(version_id, key)]

    def value(self, version_id: int, key: str, pairs: Any) -> tuple[bool, Any]:
        """(known, value): False for a question the version's definition lacks."""
        if len(pairs) == 1:
            number, text = pairs[0]
            memo = (version_id, key, number, text)
            try:
                found = self.single.get(memo)
            except TypeError:  # a pair of a plugin's type that does not hash
                return self._decoded(version_id, key, pairs)
            if found is None:
                found = self.single[memo] = self._decoded(version_id, key, pairs)
            return found
        return self._decoded(version_id, key, pairs)

    def _decoded(self, version_id: int, key: str, pairs: Any) -> tuple[bool, Any]:
        qtype = self._type(version_id, key)
        return (False, None) if qtype is None else (True, qtype.from_rows(pairs))


def _prepared(
    session: Session, slug: str
) -> tuple[list[QuestionnaireVersion], dict[int | None, Questionnaire], list[str]]:
    """The versions of ``slug``, their definitions and the table's answer columns.

    Columns follow the newest version, then any question that only older versions
    asked (so an export never silently drops an answer)."""
    versions = versions_of(session, slug)
    if not versions:
        raise LookupError(f"no published questionnaire {slug!r}")
    definitions = {v.id: parse(json.loads(v.definition), f"{slug} v{v.version}") for v in versions}
    keys = [q.key for q in definitions[versions[-1].id].questions()]
    for version in reversed(versions[:-1]):
        keys += [q.key for q in definitions[version.id].questions() if q.key not in keys]
    return versions, definitions, keys


def _frame(
    rows: Sequence[Any],
    number: dict[int | None, int],
    units: dict[int, str],
    decoder: _Decoder,
    keys: list[str],
) -> pd.DataFrame:
    """The responses' rows as a frame, column by column (not a dict per response)."""
    size = len(rows)
    meta_values: list[list[Any]] = [[None] * size for _ in META_COLUMNS]
    answer_values: dict[str, list[Any]] = {key: [math.nan] * size for key in keys}
    single = decoder.single  # the decoder's memo of single pairs, read here directly:
    # this loop runs once per answer of every response read (millions for a page)
    for i, (_, receipt, vid, agency, unit, channel, language, started, *rest) in enumerate(rows):
        submitted, batch, entered_by, stored = rest
        meta = (receipt, number[vid], agency, units.get(unit), channel, language, started)
        for column, value in zip(meta_values, (*meta, submitted, batch, entered_by), strict=True):
            column[i] = value
        for key, pairs in stored.items():
            found = None
            if len(pairs) == 1:
                pair = pairs[0]
                try:
                    found = single.get((vid, key, pair[0], pair[1]))
                except TypeError:  # a pair of a plugin's type that does not hash
                    found = None
            known, value = found if found is not None else decoder.value(vid, key, pairs)
            if known and key in answer_values:
                answer_values[key][i] = value
    return pd.DataFrame(
        {**dict(zip(META_COLUMNS, meta_values, strict=True)), **answer_values},
        columns=META_COLUMNS + keys,
    )


def load_table(
    session: Session,
    plugins: PluginSet,
    slug: str,
    *,
    agency_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    where: Sequence[Any] = (),
    scope: Callable[[Any], Any] | None = None,
) -> ResponseTable:
    """Every response to ``slug`` (all versions), answers decoded by their question types.

    Columns follow the newest version, then any question that only older versions
    asked (so an export never silently drops an answer); a question a version lacked
    is empty for its responses.

    ``where`` adds conditions on ``Response``; ``scope`` is applied to every statement
    that reads agency data (staff pages pass ``lambda s: scoped(s, action)``).
    """
    scope = scope or (lambda statement: statement)
    versions, definitions, keys = _prepared(session, slug)
    number = {v.id: v.version for v in versions}
    query = _response_query(list(definitions), agency_ids, since, until, where)
    rows = session.execute(scope(query)).all()
    units = _unit_codes(session, {row[4] for row in rows if row[4] is not None}, scope)
    frame = _frame(rows, number, units, _Decoder(plugins, definitions), keys)
    return ResponseTable(definitions[versions[-1].id], frame)


CHUNK = 5_000
"""Responses per piece when a table is read in pieces (:func:`iter_tables`)."""


def iter_tables(
    session: Session,
    plugins: PluginSet,
    slug: str,
    *,
    where: Sequence[Any] = (),
    scope: Callable[[Any], Any] | None = None,
    chunk: int = CHUNK,
) -> Iterator[ResponseTable]:
    """The table of :func:`load_table` in pieces of at most ``chunk`` responses, in the
    same order and with the same columns, each read when asked for (keyset pages on
    submission time and id): an export of a million responses holds one piece at a time.
    Yields at least one (maybe empty) table."""
    scope = scope or (lambda statement: statement)
    versions, definitions, keys = _prepared(session, slug)
    number = {v.id: v.version for v in versions}
    decoder = _Decoder(plugins, definitions)
    after: tuple[datetime, int] | None = None
    first = True
    while True:
        query = _response_query(list(definitions), None, None, None, where)
        if after is not None:
            query = query.where(
                tuple_(col(Response.submitted_at), col(Response.id)) > tuple_(*after)
            )
        rows = session.execute(scope(query.limit(chunk))).all()
        if not rows and not first:
            return
        units = _unit_codes(session, {row[4] for row in rows if row[4] is not None}, scope)
        frame = _frame(rows, number, units, decoder, keys)
        yield ResponseTable(definitions[versions[-1].id], frame)
        first = False
        if len(rows) < chunk:
            return
        after = (rows[-1][8], rows[-1][0])
