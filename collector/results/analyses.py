"""Analyses summarise a table of responses; plugins add their own.

The statistics themselves live in the pure ``analysis`` package; an Analysis
here picks the questions, calls it, and returns JSON-able results.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from collector.results.reading import ResponseTable
from surveys import Questionnaire


class Analysis:
    """Base class: set ``name`` and ``description``; implement applies_to() and run()."""

    name: ClassVar[str]
    description: ClassVar[str]

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return True

    def run(self, table: ResponseTable) -> dict[str, Any]:
        raise NotImplementedError
