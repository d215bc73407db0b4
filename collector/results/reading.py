"""Reading stored responses back as a table: one row per response, one column per question."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session, col

from collector.core.models import Agency, QuestionnaireVersion, Response, Unit
from collector.core.plugins import PluginSet
from surveys import Questionnaire, parse

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
    asked; a question a version lacked is empty for its responses.

    ``where`` adds conditions on ``Response``; ``scope`` is applied to every statement
    that reads agency data (staff pages pass ``lambda s: scoped(s, action)``).
    """
    scope = scope or (lambda statement: statement)
    versions = versions_of(session, slug)
    if not versions:
        raise LookupError(f"no published questionnaire {slug!r}")
    definitions = {v.id: parse(json.loads(v.definition), f"{slug} v{v.version}") for v in versions}
    latest = definitions[versions[-1].id]
    number = {v.id: v.version for v in versions}

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
        .where(col(Response.questionnaire_version_id).in_(list(definitions)))
        .where(*where)
    )
    if agency_ids is not None:
        query = query.where(col(Response.agency_id).in_(list(agency_ids)))
    if since is not None:
        query = query.where(col(Response.submitted_at) >= since)
    if until is not None:
        query = query.where(col(Response.submitted_at) < until)
    meta = session.execute(
        scope(query.order_by(col(Response.submitted_at), col(Response.id)))
    ).all()
    # Unit codes looked up apart (not an outer join), so that a scoped query keeps
    # the responses that name no unit.
    unit_ids = sorted({row[4] for row in meta if row[4] is not None})
    units: dict[int, str] = {}
    if unit_ids:
        units = dict(
            session.execute(
                scope(select(col(Unit.id), col(Unit.code)).where(col(Unit.id).in_(unit_ids)))
            ).all()
        )

    types: dict[tuple[int, str], Any] = {}
    records = []
    for row in meta:
        _, receipt, vid, agency, unit, channel, language, started, submitted = row[:9]
        batch, entered_by, stored = row[9], row[10], row[11]
        definition = definitions[vid]
        record: dict[str, Any] = {
            "receipt": receipt,
            "version": number[vid],
            "agency": agency,
            "unit": units.get(unit) if unit is not None else None,
            "channel": channel,
            "language": language,
            "started_at": started,
            "submitted_at": submitted,
            "batch": batch,
            "entered_by": entered_by,
        }
        for key, pairs in stored.items():
            if (vid, key) not in types:
                try:
                    types[(vid, key)] = plugins.question_type(definition, key)
                except KeyError:
                    types[(vid, key)] = None
            qtype = types[(vid, key)]
            if qtype is not None:
                record[key] = qtype.from_rows(pairs)
        records.append(record)
    # Columns follow the newest version; questions only older versions asked come after,
    # so an export never silently drops an answer.
    keys = [q.key for q in latest.questions()]
    for version in reversed(versions[:-1]):
        keys += [q.key for q in definitions[version.id].questions() if q.key not in keys]
    frame = pd.DataFrame.from_records(records, columns=META_COLUMNS + keys)
    return ResponseTable(latest, frame)
