"""Which population weighting a results page applies to each wave.

The agency enters population margins per year (``collector.margins``); a wave is
weighted to the margins of the year it starts in. Margins describe the public an
agency serves, so only citizens' questionnaires are weighted: the internal staff
survey and the complaint follow-up (whose own sample design is its weighting) are
never weighted to them. Margins are an agency's, so a view that pools several
agencies (a ministry administrator's) stays unweighted and says why (docs/weighting.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import pandas as pd
from sqlmodel import Session

from analysis.design import SurveyDesign
from collector.margins import service as margins
from collector.margins.raking import Weighting
from collector.results.estimation import Weigher
from collector.results.waves import Wave
from surveys import Questionnaire

WEIGHTED_KINDS = ("citizen",)
"""Questionnaire kinds weighted to the population margins."""

NOT_CITIZEN = "not_citizen"
POOLED = "pooled"
NO_MARGINS = "no_margins"


@dataclass
class WaveWeighting:
    """The viewer's agencies (code -> id) and the questionnaire, with the margins' years
    looked up once per request."""

    session: Session
    questionnaire: Questionnaire
    agencies: dict[str, int]
    _years: dict[tuple[int, int], bool] = field(default_factory=dict)

    @staticmethod
    def year(wave: Wave) -> int:
        return wave.start.year

    def agency(self) -> int | None:
        """The one agency whose responses the page reads, or None when it pools several."""
        return next(iter(self.agencies.values())) if len(self.agencies) == 1 else None

    def _has_margins(self, agency_id: int, year: int) -> bool:
        if (agency_id, year) not in self._years:
            self._years[(agency_id, year)] = margins.has_margins(self.session, agency_id, year)
        return self._years[(agency_id, year)]

    def unweighted_because(self, wave: Wave) -> str | None:
        """Why ``wave`` is not weighted (``NOT_CITIZEN``, ``POOLED``, ``NO_MARGINS``), or
        None when the year has margins that may apply (they still may not fit)."""
        if self.questionnaire.kind not in WEIGHTED_KINDS:
            return NOT_CITIZEN
        year = self.year(wave)
        if len(self.agencies) > 1:
            if any(self._has_margins(a, year) for a in self.agencies.values()):
                return POOLED
            return NO_MARGINS
        agency_id = self.agency()
        if agency_id is None or not self._has_margins(agency_id, year):
            return NO_MARGINS
        return None

    def weigher(self, wave: Wave) -> Weigher | None:
        """What calibrates ``wave``'s design to the year's margins, or None (unweighted)."""
        if self.unweighted_because(wave) is not None:
            return None
        agency_id = self.agency()
        assert agency_id is not None  # unweighted_because
        year = self.year(wave)

        def weigh(frame: pd.DataFrame, base: SurveyDesign) -> Weighting | None:
            return margins.weighting_for(
                self.session, agency_id, year, frame, self.questionnaire, base
            )

        return weigh


__all__ = ["NOT_CITIZEN", "NO_MARGINS", "POOLED", "WEIGHTED_KINDS", "WaveWeighting"]
