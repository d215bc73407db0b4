"""The example response is one the bundled citizen questionnaire accepts: every required question answered, every choice one it offers."""

from __future__ import annotations

from surveys import bundled
from surveys import load
from surveys.examples import CITIZEN_ANSWERS


def test_the_example_answers_the_citizen_questionnaire() -> None:
    path = next(p for p in bundled() if p.stem == "citizen_satisfaction")
    questionnaire = load(path)
    keys = {q.key for q in questionnaire.questions()}
    assert set(CITIZEN_ANSWERS) <= keys
    required = {q.key for q in questionnaire.questions() if q.required and not q.relevant}
    assert required <= set(CITIZEN_ANSWERS)
    for question in questionnaire.questions():
        choices = questionnaire.choices_for(question)
        if choices is not None and question.key in CITIZEN_ANSWERS:
            assert CITIZEN_ANSWERS[question.key] in [c.value for c in choices], question.key
