"""Sections of a results page: the core's own and plugins' register the same way.

A results page is a list of sections (headline, dimensions, trend, breakdowns,
reliability, importance-performance, comments, and any plugin's) built for one
questionnaire, one wave and optionally one unit. Each section is a subclass of
:class:`ResultsSection` registered through the ``register_results_sections`` hook;
the page builds those that apply, in ``order``, and renders each with its template.

A section may also put links beside another section's findings (a low item, a weak
unit, a falling headline, an importance-performance "concentrate here" item): the
sections that show findings describe each as a :class:`Finding` and ask
``context.links(finding)``; every registered section may answer through
:meth:`ResultsSection.finding_links`. That is how a feature above results in the
package order (improvement actions) links from the page without results importing it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import ClassVar
from typing import TypeVar

import pandas as pd

from collector.core.i18n import LazyText
from collector.results.estimation import Weigher
from collector.results.wavedata import WaveReader
from collector.results.waves import Wave
from collector.results.weights import WaveWeighting
from surveys import Questionnaire

T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    """A result an improvement can address, in the terms of docs/improvement.md.

    ``kind``: ``low_item``, ``weak_unit``, ``ipa_item`` or ``falling_trend``; ``item``:
    the item's key, None for the headline; ``unit_id``: the unit of a weak unit;
    ``measure``: ``top2`` (top-two-box share) or ``score`` (0-100).
    """

    kind: str
    item: str | None = None
    unit_id: int | None = None
    measure: str = "top2"


@dataclass(frozen=True)
class FindingLink:
    """A link shown beside a finding: where it leads and its text (``state`` is a class
    for its marker: ``record`` to record something, ``open`` for an existing record)."""

    href: str
    label: str
    state: str = ""


@dataclass
class WaveContext:
    """What a section is built from.

    ``load(wave)`` returns the responses of a wave that the viewer may read (one row
    per response, one column per question, as ``collector.results.reading`` lays them
    out), restricted to the chosen unit when there is one; the page caches it, so
    sections may call it freely. ``waves`` lists every wave of the chosen kind, oldest
    first, for sections that show a trend.
    """

    questionnaire: Questionnaire
    language: str
    wave: Wave
    previous: Wave | None
    waves: list[Wave]
    detailed: bool  # True for an actor who may read per-unit results and comments
    unit_id: int | None
    load: Callable[[Wave], pd.DataFrame]
    query: dict[str, str] = field(default_factory=dict)  # the request's own arguments
    # Where the page reads from, for sections that need more than the responses: the
    # campaign's populations and targets, contacts, or a wave's sums per stratum,
    # counted in the database (``WaveReader.sums``) for a trend.
    source: WaveReader | None = None
    # Every registered section (built or not), asked for links beside findings.
    linkers: list[ResultsSection] = field(default_factory=list)
    _memos: dict[str, dict[Any, Any]] = field(default_factory=dict)
    _request: dict[str, dict[Any, Any]] = field(default_factory=dict)
    # The population weighting of each wave (``collector.results.weights``); None:
    # every wave unweighted.
    weighting: WaveWeighting | None = None

    def weigher(self, wave: Wave) -> Weigher | None:
        """What calibrates ``wave``'s design to the population margins, or None."""
        return self.weighting.weigher(wave) if self.weighting is not None else None

    def frame(self) -> pd.DataFrame:
        """The chosen wave's responses."""
        return self.load(self.wave)

    def memo(self, wave: Wave) -> dict[Any, Any]:
        """A place for what is derived from ``wave``'s rows alone (a design, an estimate),
        kept as long as the rows are: across requests while the wave's responses stay
        the same (``WaveReader.memo``), else (and for a weighted wave) for this request."""
        if self.source is not None and self.weigher(wave) is None:
            return self.source.memo(wave)
        # A weighted wave's figures depend on the margins too, which may change between
        # requests: kept for this request only.
        return self._memos.setdefault(wave.key, {})

    def request_memo(self, wave: Wave) -> dict[Any, Any]:
        """A place for what is derived from ``wave`` for this request only (figures
        computed from sums, which keep themselves: ``WaveReader.sums``)."""
        return self._request.setdefault(wave.key, {})

    def remembered(self, wave: Wave, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``wave``'s rows and ``key``; a copy each time, so a
        section may change what it gets. ``key`` must name every input besides the rows
        (the questionnaire is one per reader; include the language for any text)."""
        memo = self.memo(wave)
        if key not in memo:
            memo[key] = compute()
        return copy.deepcopy(memo[key])

    def links(self, finding: Finding) -> list[FindingLink]:
        """What the registered sections put beside ``finding`` (none for most)."""
        return [link for section in self.linkers for link in section.finding_links(self, finding)]


class ResultsSection:
    """Base class: set ``name``, ``title``, ``template`` and ``order``; implement build().

    ``build`` returns the template's context (rendered as ``section``) or None when the
    section has nothing to show for this wave. It must never show a cell of fewer than
    ``collector.core.disclosure.MIN_CELL`` respondents, nor comments or per-unit figures
    when ``context.detailed`` is False.
    """

    name: ClassVar[str]
    title: ClassVar[LazyText]
    template: ClassVar[str]
    order: ClassVar[int] = 100

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return True

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        raise NotImplementedError

    def finding_links(self, context: WaveContext, finding: Finding) -> list[FindingLink]:
        """Links to put beside another section's ``finding``; none by default. Called
        while other sections build, possibly before this one's own ``build``."""
        return []
