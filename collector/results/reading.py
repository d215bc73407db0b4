"""Reading stored responses back as a table: one row per response, one column per question."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
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
    """Stored answers back to values, with one question type per version and question."""

    def __init__(self, plugins: PluginSet, definitions: dict[int | None, Questionnaire]) -> None:
        self.plugins = plugins
        self.definitions = definitions
        self.types: dict[tuple[int, str], Any] = {}

    def value(self, version_id: int, key: str, pairs: Any) -> tuple[bool, Any]:
        """(known, value): False for a question the version's definition lacks."""
        if (version_id, key) not in self.types:
            try:
                qtype = self.plugins.question_type(self.definitions[version_id], key)
            except KeyError:
                qtype = None
            self.types[(version_id, key)] = qtype
        qtype = self.types[(version_id, key)]
        return (False, None) if qtype is None else (True, qtype.from_rows(pairs))


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
    versions = versions_of(session, slug)
    if not versions:
        raise LookupError(f"no published questionnaire {slug!r}")
    definitions = {v.id: parse(json.loads(v.definition), f"{slug} v{v.version}") for v in versions}
    number = {v.id: v.version for v in versions}
    query = _response_query(list(definitions), agency_ids, since, until, where)
    rows = session.execute(scope(query)).all()
    units = _unit_codes(session, {row[4] for row in rows if row[4] is not None}, scope)
    decoder = _Decoder(plugins, definitions)
    records = []
    for _, receipt, vid, agency, unit, channel, language, started, submitted, *rest in rows:
        batch, entered_by, stored = rest
        meta: tuple[Any, ...] = (receipt, number[vid], agency, units.get(unit), channel, language)
        meta += (started, submitted, batch, entered_by)
        record: dict[str, Any] = dict(zip(META_COLUMNS, meta, strict=True))
        for key, pairs in stored.items():
            known, value = decoder.value(vid, key, pairs)
            if known:
                record[key] = value
        records.append(record)
    keys = [q.key for q in definitions[versions[-1].id].questions()]
    for version in reversed(versions[:-1]):
        keys += [q.key for q in definitions[version.id].questions() if q.key not in keys]
    frame = pd.DataFrame.from_records(records, columns=META_COLUMNS + keys)
    return ResponseTable(definitions[versions[-1].id], frame)
