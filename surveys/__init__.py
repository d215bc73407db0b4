"""Questionnaire definitions and their schema (pure data: no Flask, no database)."""

from surveys.expressions import Expression, ExpressionError, compile_expression
from surveys.loader import QuestionnaireError, bundled, load, parse
from surveys.schema import Choice, PrivacyNotice, Question, Questionnaire, Section

__all__ = [
    "Choice",
    "Expression",
    "ExpressionError",
    "PrivacyNotice",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "bundled",
    "compile_expression",
    "load",
    "parse",
]
