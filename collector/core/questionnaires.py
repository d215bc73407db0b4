"""Publishing registered questionnaires as immutable, numbered versions.

A registered definition whose fingerprint differs from the latest stored one is
published as the next version; answers always point at the version they were
given under, and old versions stay readable forever.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col

from collector.core.db import session_scope
from collector.core.lookups import detached_copy
from collector.core.models import QuestionnaireVersion
from collector.core.plugins import get_plugins
from surveys import Questionnaire
from surveys import parse

PUBLIC_KINDS = ("citizen", "other")
"""Kinds anyone may answer on the public pages and API. Staff surveys are answered only
through one-time tokens (collector.staff_survey.service); complaint-handling surveys only after a
case closes."""


def publish(
    session: Session,
    questionnaire: Questionnaire,
    source: str,
    owner_agency_id: int | None = None,
) -> QuestionnaireVersion:
    """The stored version for this exact definition, publishing it if it is new
    (``owner_agency_id``: an agency's own questionnaire, see collector.authoring)."""
    fingerprint = questionnaire.fingerprint()
    existing = session.execute(
        select(QuestionnaireVersion).where(
            col(QuestionnaireVersion.slug) == questionnaire.slug,
            col(QuestionnaireVersion.fingerprint) == fingerprint,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    latest = session.execute(
        select(func.max(QuestionnaireVersion.version)).where(
            col(QuestionnaireVersion.slug) == questionnaire.slug
        )
    ).scalar()
    row = QuestionnaireVersion(
        slug=questionnaire.slug,
        version=(latest or 0) + 1,
        fingerprint=fingerprint,
        definition=questionnaire.canonical_json(),
        source=source,
        owner_agency_id=owner_agency_id,
    )
    session.add(row)
    session.flush()
    return row


def publish_registered(app: Flask) -> dict[str, int]:
    """Publish every registered questionnaire; returns slug to current version."""
    plugins = get_plugins(app)
    current: dict[str, int] = {}
    for slug, questionnaire in plugins.questionnaires.items.items():
        owner = plugins.questionnaires.owners[slug]
        for attempt in range(3):
            try:
                with session_scope(app) as session:
                    current[slug] = publish(session, questionnaire, owner).version
                break
            except IntegrityError:
                # Another process published the same version at the same moment.
                if attempt == 2:
                    raise
    app.extensions["collector.current_versions"] = current
    return current


def current_version(
    app: Flask, session: Session, slug: str, agency_id: int | None = None
) -> QuestionnaireVersion | None:
    """The version that new answers to ``slug`` are given under: the registered
    definition's, or at ``agency_id`` the latest of the agency's own questionnaire."""
    plugins = get_plugins(app)
    if slug not in plugins.questionnaires:
        return owned_version(session, slug, agency_id) if agency_id is not None else None
    fingerprint = plugins.questionnaires[slug].fingerprint()
    return session.execute(
        select(QuestionnaireVersion).where(
            col(QuestionnaireVersion.slug) == slug,
            col(QuestionnaireVersion.fingerprint) == fingerprint,
        )
    ).scalar_one_or_none()


def owned_version(session: Session, slug: str, agency_id: int) -> QuestionnaireVersion | None:
    """The latest version of ``agency_id``'s own questionnaire ``slug``, if it has one."""
    return session.execute(
        select(QuestionnaireVersion)
        .where(
            col(QuestionnaireVersion.slug) == slug,
            col(QuestionnaireVersion.owner_agency_id) == agency_id,
        )
        .order_by(col(QuestionnaireVersion.version).desc())
        .limit(1)
    ).scalar_one_or_none()


def owned_versions(session: Session, agency_id: int) -> list[QuestionnaireVersion]:
    """The latest version of each of the agency's own questionnaires, by slug."""
    rows = session.execute(
        select(QuestionnaireVersion)
        .where(col(QuestionnaireVersion.owner_agency_id) == agency_id)
        .order_by(col(QuestionnaireVersion.slug), col(QuestionnaireVersion.version).desc())
    ).scalars()
    latest: dict[str, QuestionnaireVersion] = {}
    for row in rows:
        latest.setdefault(row.slug, row)
    return list(latest.values())


def version_by_number(session: Session, slug: str, number: int) -> QuestionnaireVersion | None:
    return session.execute(
        select(QuestionnaireVersion).where(
            col(QuestionnaireVersion.slug) == slug, col(QuestionnaireVersion.version) == number
        )
    ).scalar_one_or_none()


# Published versions never change, so once found they are cached per app for good
# (as detached copies that belong to no session); a version not found is not cached.


def _version_cache(app: Flask) -> dict[tuple, Any]:
    return app.extensions.setdefault("collector.version_cache", {})


def cached_current_version(
    app: Flask, session: Callable[[], Session], slug: str
) -> QuestionnaireVersion | None:
    """:func:`current_version` without a query once found; ``session`` is called on a miss."""
    plugins = get_plugins(app)
    if slug not in plugins.questionnaires:
        return None
    questionnaire = plugins.questionnaires[slug]
    cache = _version_cache(app)
    # The registered definition is immutable: its fingerprint is computed once.
    known = cache.get(("fingerprint", id(questionnaire)))
    if known is None or known[0] is not questionnaire:
        known = cache[("fingerprint", id(questionnaire))] = (
            questionnaire,
            questionnaire.fingerprint(),
        )
    key = ("current", slug, known[1])
    version = cache.get(key)
    if version is None:
        found = current_version(app, session(), slug)
        if found is None:
            return None
        version = cache[key] = detached_copy(found)
    return version


def cached_version_by_number(
    app: Flask, session: Callable[[], Session], slug: str, number: int
) -> QuestionnaireVersion | None:
    """:func:`version_by_number` without a query once found; ``session`` is called on a miss."""
    cache = _version_cache(app)
    key = ("number", slug, number)
    version = cache.get(key)
    if version is None:
        found = version_by_number(session(), slug, number)
        if found is None:
            return None
        version = cache[key] = detached_copy(found)
    return version


# Parsed definitions by their text (a version's text never changes). Keyed by the
# text alone, whose hash Python keeps, so that a hit (several per submission) costs
# one dictionary lookup; the label only names the version in a parse error.
_parsed: dict[str, Questionnaire] = {}
_MAX_PARSED = 256


def definition_of(version: QuestionnaireVersion) -> Questionnaire:
    """The questionnaire as it was published in this version (cached: versions never change)."""
    parsed = _parsed.get(version.definition)
    if parsed is None:
        parsed = parse(json.loads(version.definition), f"{version.slug} v{version.version}")
        if len(_parsed) >= _MAX_PARSED:
            _parsed.clear()
        _parsed[version.definition] = parsed
    return parsed
