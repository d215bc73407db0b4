"""The OpenAPI document of /api/v1, fuzzed: whatever a client sends, the server answers
within the document (never a server error), hostile values included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import settings
from hypothesis import strategies as st

from tests.helpers.answers import api_body
from tests.helpers.complaints import add_category
from tests.helpers.fuzzing import CHECKS
from tests.helpers.fuzzing import FUZZ
from tests.helpers.fuzzing import api_schema
from tests.helpers.fuzzing import hostile

schema = api_schema()
VALID = {
    "/api/v1/responses": api_body(),
    "/api/v1/complaints": {
        "agency": "alpha",
        "category": "roads",
        "description": "路燈不亮",
        "name": "王小明",
        "email": "wang@example.test",
        "latitude": 25.03,
        "longitude": 121.56,
    },
}
"""A body of each POST that the server accepts."""


@pytest.fixture
def api_app(make_app: Any, tmp_path: Path) -> Flask:
    """Agencies alpha (with complaint category roads) and beta; 500s answered, not raised."""
    app: Flask = make_app(
        seed="agencies",
        PROPAGATE_EXCEPTIONS=False,
        RATELIMIT_ENABLED=False,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    return app


@schema.parametrize()
@FUZZ
def test_the_api_answers_within_its_document(case: Any, api_app: Flask) -> None:
    case.call_and_validate(app=api_app, checks=CHECKS)


@schema.include(method="POST").parametrize()
@schema.given(data=st.data())
@settings(FUZZ, max_examples=60)
def test_hostile_values_in_a_body_are_4xx(case: Any, data: Any, api_app: Flask) -> None:
    if isinstance(case.body, dict):
        # The generated body, or a valid one (so the value reaches the database).
        body = data.draw(st.sampled_from([case.body, VALID[case.path]]))
        # As bytes: the JSON text (lone surrogates as escapes), sent as it is.
        case.body = json.dumps(data.draw(hostile(body))).encode()
    case.call_and_validate(app=api_app, checks=CHECKS)
