"""The OpenAPI 3 description of ``/api/v1``: the contract in ``openapi.yaml``, completed
from the live registries (each questionnaire's answers, the channels and statuses).

Tests check that what the server answers validates against this document, so the
contract integrators rely on cannot drift from the code.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from flask import Flask

from collector.core.models import CHANNELS
from collector.core.models import COMPLAINT_STATUSES
from collector.core.models import REPLY_CHANNELS
from collector.core.numbers import INT_MAX
from collector.core.plugins import get_plugins


@cache
def _contract() -> dict[str, Any]:
    """``openapi.yaml``, read once."""
    text = files(__package__).joinpath("openapi.yaml").read_text(encoding="utf-8")
    contract: dict[str, Any] = yaml.safe_load(text)
    return contract


def _answers_schemas(app: Flask) -> dict[str, Any]:
    """``Answers.<slug>``: each registered questionnaire's answers, by its question types."""
    plugins = get_plugins(app)
    schemas = {}
    for slug, q in plugins.questionnaires.items.items():
        props = {}
        for question in q.questions():
            schema = plugins.question_type(q, question.key).json_schema()
            schema["description"] = q.text(question.label, "en")
            props[question.key] = schema
        schemas[f"Answers.{slug}"] = {
            "type": "object",
            "properties": props,
            "additionalProperties": False,
            "description": f"Answers to the current version of {slug}. Required questions "
            "must be answered unless their condition ('relevant') hides them.",
        }
    return schemas


def openapi_document(app: Flask) -> dict[str, Any]:
    """The whole document for ``app``: the contract with its registered parts filled in."""
    document = copy.deepcopy(_contract())
    schemas = document["components"]["schemas"]
    answers = _answers_schemas(app)
    new_response = schemas["NewResponse"]["properties"]
    new_response["questionnaire"]["enum"] = sorted(k.split(".", 1)[1] for k in answers)
    new_response["channel"]["enum"] = list(CHANNELS)
    new_response["version"]["maximum"] = INT_MAX  # what the column holds
    new_response["answers"]["anyOf"] = [
        {"$ref": f"#/components/schemas/{name}"} for name in sorted(answers)
    ]
    for name in ("ComplaintStatus", "FiledComplaint"):
        schemas[name]["properties"]["status"]["enum"] = list(COMPLAINT_STATUSES)
    schemas["NewComplaint"]["properties"]["reply_channel"]["enum"] = list(REPLY_CHANNELS)
    schemas.update(answers)
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["responses"]["503"] = UNAVAILABLE
    return document


UNAVAILABLE = {
    "description": "The database is unavailable for a moment (a restart, a full disk, a "
    "lock held too long): nothing was stored. Retry after the seconds in Retry-After, "
    "with the same Idempotency-Key.",
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
"""Every operation's 503 (collector.core.errors)."""
