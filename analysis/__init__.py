"""Design-based survey statistics that match R's ``survey`` package, and trend analysis.

A pure library on pandas/numpy/scipy/statsmodels (no web framework, no database, no I/O):
analysts use it from a notebook and the web layer calls it. Start with
:class:`analysis.design.SurveyDesign`; see ``docs/analysis.md``.
"""

from analysis.design import SurveyDesign
from analysis.estimate import Estimate
from analysis.estimate import Estimates

__all__ = ["Estimate", "Estimates", "SurveyDesign"]
