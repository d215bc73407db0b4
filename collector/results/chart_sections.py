"""The results sections that come with charts' branch of issue 13, in one list.

The coordinator registers them in one line through ``register_results_sections``.
"""

from __future__ import annotations

from collector.results.importance import ImportancePerformanceSection
from collector.results.reliability import ReliabilitySection
from collector.results.sections import ResultsSection

CHART_SECTIONS: list[type[ResultsSection]] = [ReliabilitySection, ImportancePerformanceSection]
