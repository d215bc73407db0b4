"""Questionnaire definitions and their schema (pure data: no Flask, no database)."""

from surveys.expressions import Expression
from surveys.expressions import ExpressionError
from surveys.expressions import compile_expression
from surveys.loader import QuestionnaireError
from surveys.loader import bundled
from surveys.loader import load
from surveys.loader import parse
from surveys.schema import Choice
from surveys.schema import PrivacyNotice
from surveys.schema import Question
from surveys.schema import Questionnaire
from surveys.schema import Section

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
