"""The OpenAPI 3 description of ``/api/v1``, built from the live registries.

Tests check that what the server answers validates against this document, so
the contract integrators rely on cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from collector.core.models import CHANNELS
from collector.core.plugins import get_plugins

TEXT = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "language code to text",
}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _answers_schemas(app: Flask) -> dict[str, Any]:
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
    answers = _answers_schemas(app)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "collector API",
            "version": "1",
            "description": "Public-service feedback: list agencies and questionnaires, submit responses.",
        },
        "paths": {
            "/api/v1/agencies": {
                "get": {
                    "summary": "Agencies that take responses, with their service units",
                    "operationId": "listAgencies",
                    "responses": {
                        "200": {
                            "description": "Public information only",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/AgencyList"}
                                }
                            },
                        }
                    },
                }
            },
            "/api/v1/questionnaires": {
                "get": {
                    "summary": "Published questionnaires (current versions)",
                    "operationId": "listQuestionnaires",
                    "parameters": [
                        {
                            "name": "lang",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "Return texts in this language only",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Questionnaires",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/QuestionnaireList"}
                                }
                            },
                        }
                    },
                }
            },
            "/api/v1/responses": {
                "post": {
                    "summary": "Submit one response",
                    "operationId": "createResponse",
                    "description": "Nothing is stored unless every answer is valid. A retry "
                    "with the same Idempotency-Key and body returns the same receipt and "
                    "stores nothing new; the same key with another body is refused (422).",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 128},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NewResponse"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Stored (or replayed: header Idempotent-Replayed: true)",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Receipt"}
                                }
                            },
                        },
                        "400": {"description": "Not a JSON object", "content": _error()},
                        "413": {"description": "Body too large", "content": _error()},
                        "415": {"description": "Not application/json", "content": _error()},
                        "422": {
                            "description": "Invalid answers or fields, keyed by name",
                            "content": _error(),
                        },
                        "429": {"description": "Too many requests", "content": _error()},
                    },
                }
            },
            **_complaint_paths(),
        },
        "components": {
            "schemas": {
                "Error": ERROR,
                "Text": TEXT,
                "AgencyList": {
                    "type": "object",
                    "required": ["agencies"],
                    "properties": {
                        "agencies": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["code", "name", "units"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "name": {"$ref": "#/components/schemas/Text"},
                                    "units": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["code", "name"],
                                            "properties": {
                                                "code": {"type": "string"},
                                                "name": {"$ref": "#/components/schemas/Text"},
                                            },
                                        },
                                    },
                                },
                            },
                        }
                    },
                },
                "QuestionnaireList": {
                    "type": "object",
                    "required": ["questionnaires"],
                    "properties": {
                        "questionnaires": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Questionnaire"},
                        }
                    },
                },
                "Questionnaire": {
                    "type": "object",
                    "required": ["slug", "version", "title", "questions"],
                    "properties": {
                        "slug": {"type": "string"},
                        "version": {"type": "integer"},
                        "kind": {"type": "string"},
                        "title": {"$ref": "#/components/schemas/Text"},
                        "languages": {"type": "array", "items": {"type": "string"}},
                        "questions": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Question"},
                        },
                    },
                },
                "Question": {
                    "type": "object",
                    "required": ["key", "type", "required", "choices", "min", "max"],
                    "properties": {
                        "key": {"type": "string"},
                        "type": {"type": "string"},
                        "section": {"type": "string"},
                        "label": {"$ref": "#/components/schemas/Text"},
                        "hint": {**TEXT, "nullable": True},
                        "required": {"type": "boolean"},
                        "choices": {
                            "type": "array",
                            "nullable": True,
                            "items": {
                                "type": "object",
                                "required": ["value", "label"],
                                "properties": {
                                    "value": {"type": "string"},
                                    "label": {"$ref": "#/components/schemas/Text"},
                                },
                            },
                        },
                        "min": {"type": "number", "nullable": True},
                        "max": {"type": "number", "nullable": True},
                        "max_length": {"type": "integer", "nullable": True},
                        "relevant": {
                            "type": "string",
                            "nullable": True,
                            "description": "XLSForm expression",
                        },
                        "constraint": {
                            "type": "string",
                            "nullable": True,
                            "description": "XLSForm expression",
                        },
                        "schema": {"type": "object", "description": "JSON schema of an answer"},
                    },
                },
                "NewResponse": {
                    "type": "object",
                    "required": ["questionnaire", "agency", "answers"],
                    "additionalProperties": False,
                    "properties": {
                        "questionnaire": {
                            "type": "string",
                            "description": "slug",
                            "enum": sorted(k.split(".", 1)[1] for k in answers),
                        },
                        "version": {
                            "type": "integer",
                            "description": "default: the current version",
                        },
                        "agency": {"type": "string"},
                        "unit": {"type": "string"},
                        "channel": {"type": "string", "enum": list(CHANNELS), "default": "online"},
                        "language": {"type": "string", "default": "zh-Hant-TW"},
                        "started_at": {"type": "string", "format": "date-time"},
                        "answers": {
                            "anyOf": [
                                {"$ref": f"#/components/schemas/{name}"} for name in sorted(answers)
                            ]
                        },
                    },
                },
                "Receipt": {
                    "type": "object",
                    "required": ["receipt", "questionnaire", "version", "submitted_at"],
                    "properties": {
                        "receipt": {"type": "string", "pattern": "^[0-9A-Z]{5}-[0-9A-Z]{5}$"},
                        "questionnaire": {"type": "string"},
                        "version": {"type": "integer"},
                        "submitted_at": {"type": "string", "format": "date-time"},
                    },
                },
                **answers,
                **COMPLAINT_SCHEMAS,
            }
        },
    }


def _error() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


# -- complaints (collector.complaints.views.api) ---------------------------------------

COMPLAINT_STATUSES_PUBLIC = [
    "received",
    "declined",
    "assigned",
    "in_progress",
    "awaiting_supplement",
    "replied",
    "closed",
    "reopened",
    "merged",
    "transferred",
]

COMPLAINT_SCHEMAS: dict[str, Any] = {
    "NewComplaint": {
        "type": "object",
        "required": ["agency", "category", "description"],
        "additionalProperties": False,
        "properties": {
            "agency": {"type": "string", "description": "agency code"},
            "category": {"type": "string", "description": "complaint category code"},
            "subject": {"type": "string", "maxLength": 200},
            "description": {"type": "string", "maxLength": 5000},
            "language": {"type": "string", "enum": ["zh-Hant-TW", "en"], "default": "zh-Hant-TW"},
            "name": {"type": "string", "maxLength": 100},
            "email": {"type": "string", "maxLength": 254},
            "phone": {"type": "string", "maxLength": 40},
            "address": {"type": "string", "maxLength": 300},
            "location": {"type": "string", "maxLength": 300},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "anonymous": {"type": "boolean", "default": False},
            "confidential": {"type": "boolean", "default": False},
            "reply_channel": {"type": "string", "enum": ["email", "letter", "phone", "none"]},
        },
    },
    "FiledComplaint": {
        "type": "object",
        "required": ["case_number", "password", "follow_url", "due_on", "status"],
        "properties": {
            "case_number": {"type": "string", "pattern": "^[0-9]{8}-[0-9A-Z]{6}$"},
            "password": {
                "type": "string",
                "description": "shown once: with the case number it opens the case",
            },
            "follow_url": {"type": "string", "description": "a private link to follow the case"},
            "due_on": {"type": "string", "format": "date"},
            "status": {"type": "string", "enum": COMPLAINT_STATUSES_PUBLIC},
        },
    },
    "ComplaintStatus": {
        "type": "object",
        "required": ["case_number", "status", "received_on", "due_on", "history"],
        "properties": {
            "case_number": {"type": "string"},
            "current_case_number": {
                "type": "string",
                "description": "the case now handling it (another after a transfer)",
            },
            "agency": {"type": "string", "nullable": True},
            "status": {"type": "string", "enum": COMPLAINT_STATUSES_PUBLIC},
            "received_on": {"type": "string", "format": "date"},
            "due_on": {
                "type": "string",
                "format": "date",
                "nullable": True,
                "description": "while the case is open",
            },
            "history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["at", "event"],
                    "properties": {
                        "at": {"type": "string", "format": "date-time"},
                        "event": {"type": "string"},
                        "reason": {"type": "string", "nullable": True},
                        "text": {"type": "string", "nullable": True},
                    },
                },
            },
        },
    },
}


def _complaint_paths() -> dict[str, Any]:
    return {
        "/api/v1/complaints": {
            "post": {
                "summary": "File a complaint (陳情) for an agency",
                "operationId": "createComplaint",
                "description": "Returns the case number, the password (shown once), a private "
                "follow link and the statutory due date. Nothing is stored unless every field "
                "is valid. Without any contact detail the complaint is anonymous.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/NewComplaint"}
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Filed",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/FiledComplaint"}
                            }
                        },
                    },
                    "400": {"description": "Not a JSON object", "content": _error()},
                    "413": {"description": "Body too large", "content": _error()},
                    "415": {"description": "Not application/json", "content": _error()},
                    "422": {"description": "Invalid fields, keyed by name", "content": _error()},
                    "429": {"description": "Too many requests", "content": _error()},
                },
            }
        },
        "/api/v1/complaints/{case_number}": {
            "get": {
                "summary": "Where a case stands, for its complainant",
                "operationId": "getComplaint",
                "description": "The same 404 answers an unknown number and a wrong password; "
                "attempts are throttled per address.",
                "parameters": [
                    {
                        "name": "case_number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "X-Case-Password",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Status, due date and the public history",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ComplaintStatus"}
                            }
                        },
                    },
                    "400": {"description": "No password header", "content": _error()},
                    "404": {"description": "No such number and password", "content": _error()},
                    "429": {"description": "Too many requests", "content": _error()},
                },
            }
        },
    }
