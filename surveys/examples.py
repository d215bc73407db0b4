"""A complete, valid response to the bundled citizen questionnaire, as a client sends it:
for the API's documentation, the benchmarks and the tests. Every answer is one that
``citizen_satisfaction.yaml`` accepts (``tests/surveys/test_examples.py`` checks it)."""

from __future__ import annotations

from typing import Any

CITIZEN_ANSWERS: dict[str, Any] = {
    "service_type": "certificate",
    "first_visit": "no",
    "env_signage": 4,
    "env_comfort": 5,
    "env_facilities": "na",
    "courtesy_attitude": 5,
    "courtesy_proactive": 4,
    "prof_knowledge": 4,
    "prof_efficiency": 3,
    "prof_consistency": 4,
    "measures_online": "na",
    "measures_information": 4,
    "measures_wait": 2,
    "overall_satisfaction": 4,
    "recommend": 8,
    "comment": "櫃台很親切，辦理速度也很快，謝謝！",
    "sex": "female",
    "age_group": "65plus",
}
