"""The results sections of issue 13's charts work, in one list: reliability,
importance-performance and comments.

The coordinator registers them in one line through ``register_results_sections``.
"""

from __future__ import annotations

from collector.results.comments import CommentsSection
from collector.results.importance import ImportancePerformanceSection
from collector.results.reliability import ReliabilitySection
from collector.results.sections import ResultsSection

CHART_SECTIONS: list[type[ResultsSection]] = [
    ReliabilitySection,
    ImportancePerformanceSection,
    CommentsSection,
]
