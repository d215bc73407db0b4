"""Analyses summarise a table of responses; plugins add their own.

The statistics themselves live in the pure ``analysis`` package; an Analysis
here picks the questions, calls it, and returns JSON-able results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import ClassVar

from collector.results.reading import ResponseTable
from collector.results.sums import Sums
from surveys import Questionnaire


class Analysis:
    """Base class: set ``name`` and ``description``; implement applies_to() and run()."""

    name: ClassVar[str]
    description: ClassVar[str]

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return True

    def run(self, table: ResponseTable) -> dict[str, Any]:
        raise NotImplementedError

    def measures(self, questionnaire: Questionnaire) -> Mapping[str, Any] | None:
        """Per-stratum sums (``collector.results.sums`` measures) from which
        :meth:`run_sums` gives what :meth:`run` gives from the rows; None (the default):
        the analysis needs the rows. The results page then reads no row for it."""
        return None

    def run_sums(self, questionnaire: Questionnaire, sums: Sums) -> dict[str, Any]:
        """:meth:`run`'s result from the sums of :meth:`measures` over the same responses."""
        raise NotImplementedError
