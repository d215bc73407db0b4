"""The OpenAPI 3 description of ``/api/v1``, built from the live registries.

Tests check that what the server answers validates against this document, so
the contract integrators rely on cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from collector.models import CHANNELS
from collector.plugins import get_plugins

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
            }
        },
    }


def _error() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
