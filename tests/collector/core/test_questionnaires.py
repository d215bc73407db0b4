"""Publishing: a changed questionnaire is a new version; answers keep theirs."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

import surveys
from collector.core.db import session_scope
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.core.questionnaires import publish_registered
from tests.helpers.answers import CITIZEN_ANSWERS


def versions(app: Flask, slug: str) -> list[int]:
    with session_scope(app) as session:
        return list(
            session.execute(
                select(QuestionnaireVersion.version).where(QuestionnaireVersion.slug == slug)
            ).scalars()
        )


def edited_citizen(app: Flask, title: str) -> surveys.Questionnaire:
    """The registered definition (with the languages merged at start-up), retitled."""
    original = get_plugins(app).questionnaires["citizen-satisfaction"]
    data = original.model_dump(mode="json")
    data["title"]["zh-Hant-TW"] = title
    return surveys.parse(data)


def test_publishing_twice_creates_nothing_new(app: Flask) -> None:
    assert publish_registered(app)["citizen-satisfaction"] == 1
    assert versions(app, "citizen-satisfaction") == [1]


def test_a_changed_definition_becomes_version_two(app: Flask, client: Any) -> None:
    assert (
        client.post(
            "/api/v1/responses",
            json={
                "questionnaire": "citizen-satisfaction",
                "agency": "alpha",
                "answers": CITIZEN_ANSWERS,
            },
        ).status_code
        == 201
    )
    plugins = get_plugins(app)
    plugins.questionnaires.items["citizen-satisfaction"] = edited_citizen(
        app, "民眾滿意度調查（修訂）"
    )
    assert publish_registered(app)["citizen-satisfaction"] == 2
    assert versions(app, "citizen-satisfaction") == [1, 2]
    with session_scope(app) as session:
        current = current_version(app, session, "citizen-satisfaction")
        assert current is not None and current.version == 2
        assert definition_of(current).title["zh-Hant-TW"] == "民眾滿意度調查（修訂）"
        old = session.execute(select(Response)).scalar_one()
        first = session.get(QuestionnaireVersion, old.questionnaire_version_id)
        assert first is not None and first.version == 1
        assert definition_of(first).title["zh-Hant-TW"] == "民眾服務滿意度調查"
    new = client.post(
        "/api/v1/responses",
        json={
            "questionnaire": "citizen-satisfaction",
            "agency": "alpha",
            "answers": CITIZEN_ANSWERS,
        },
    )
    assert new.get_json()["version"] == 2
    # Going back to the first text reuses version 1 rather than minting a third.
    plugins.questionnaires.items["citizen-satisfaction"] = edited_citizen(app, "民眾服務滿意度調查")
    assert publish_registered(app)["citizen-satisfaction"] == 1


def test_answers_to_a_removed_question_stay_in_the_table(app: Flask, client: Any) -> None:
    from collector.results.reading import load_table

    body = {"questionnaire": "citizen-satisfaction", "agency": "alpha", "answers": CITIZEN_ANSWERS}
    assert client.post("/api/v1/responses", json=body).status_code == 201
    original = surveys.load(surveys.bundled()[0].parent / "citizen_satisfaction.yaml")
    data = original.model_dump(mode="json")
    data["sections"][-2]["questions"] = [
        q for q in data["sections"][-2]["questions"] if q["key"] != "recommend"
    ]
    get_plugins(app).questionnaires.items["citizen-satisfaction"] = surveys.parse(data)
    assert publish_registered(app)["citizen-satisfaction"] == 2
    with session_scope(app) as session:
        table = load_table(session, get_plugins(app), "citizen-satisfaction")
    assert table.frame.columns[-1] == "recommend"
    assert table.frame["recommend"].tolist() == [8]
