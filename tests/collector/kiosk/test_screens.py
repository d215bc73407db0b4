"""The kiosk's screens: a section drawn as a grid on the survey page (``layout: grid``)
is one screen marked ``grid``, its items sharing the scale the tablet draws as a table;
a section a type renders itself, or with questions the kiosk leaves out, is not."""

from __future__ import annotations

from flask import Flask

from collector.core.plugins import get_plugins
from collector.kiosk.screens import page_data
from surveys import Questionnaire
from tests.helpers.answers import SLUG


def screens(app: Flask, questionnaire: Questionnaire) -> dict[str, dict]:
    with app.test_request_context():
        data = page_data(get_plugins(app), questionnaire, ["zh-Hant-TW", "en"])
    return {s["key"]: s for s in data["screens"]}


def test_grid_sections_are_grid_screens_sharing_one_scale(app: Flask) -> None:
    questionnaire = get_plugins(app).questionnaires[SLUG]
    by_key = screens(app, questionnaire)
    grids = sorted(k for k, s in by_key.items() if s["grid"])
    assert grids == ["courtesy", "environment"]
    assert not by_key["professionalism"]["grid"]
    environment = by_key["environment"]
    assert [q["key"] for q in environment["questions"]] == [
        "env_signage",
        "env_comfort",
        "env_facilities",
    ]
    scales = {tuple(o["value"] for o in q["options"]) for q in environment["questions"]}
    assert scales == {("5", "4", "3", "2", "1", "na")}  # one scale: the table's columns
    assert all(q["face"] and q["kind"] == "radio" for q in environment["questions"])


def test_a_list_section_stays_a_list(app: Flask) -> None:
    definition = get_plugins(app).questionnaires[SLUG].model_dump(mode="json")
    for section in definition["sections"]:
        section.pop("layout", None)
    questionnaire = Questionnaire.model_validate(definition)
    assert not any(s["grid"] for s in screens(app, questionnaire).values())
