"""What the demo's numbers tell: a weak item, an improvement, a better next wave.

The story (README, "The demo's story"): in the early waves citizens at the Da'an
household registration office's main counter (大安戶政 綜合櫃台) rate the waiting
time (``measures_wait``, 等候時間合理) far below every other item, and say so in
their comments and in two complaints. The office reviews the wave and, from the
first day of the next one, opens extra counters at lunchtime and peak hours and
puts online queue booking and a live queue display on line (:data:`IMPROVEMENT`).
From that wave on the item's top-two-box share is about twice what it was, while
the other units, which changed nothing, drift up only slowly. The staff survey
tells the other side: the idea came from staff, and the household office's
workload and proposal items rise after it.

There is no model for improvement actions yet: the action lives here, in the
data it explains. A second, smaller weakness is left open for the next loop:
survey appointments at the land office's cadastral survey counter
(``survey_appointment``).

Every response's items come from a latent satisfaction (:func:`latent`) plus an
item's offset (:func:`item_offset`) and noise; the overall rating follows the
items. The same seed gives the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector.demo.waves import Wave


@dataclass(frozen=True)
class Improvement:
    """One improvement action of the story, where and when it took effect."""

    agency: str
    unit: str
    item: str
    title_zh: str
    title_en: str
    before: float  # the item's offset before the action
    after: float  # and from the first wave after it

    def wave_index(self, waves: list[Wave]) -> int:
        """The index of the first wave after the action: three waves before the current
        one (the second wave when there are fewer); ``len(waves)`` when it is yet to come."""
        return min(len(waves), max(1, len(waves) - 3))

    def effective(self, waves: list[Wave]) -> date | None:
        """The day the action took effect, or None when no wave of the demo follows it."""
        index = self.wave_index(waves)
        return waves[index].starts_on if index < len(waves) else None


IMPROVEMENT = Improvement(
    agency="demo-household",
    unit="main",
    item="measures_wait",
    title_zh="綜合櫃台於中午及尖峰時段彈性增開櫃台，並上線網路預約取號及叫號進度即時查詢",
    title_en=(
        "Main counter: extra counters at lunchtime and peak hours, online queue booking "
        "and a live queue display"
    ),
    before=-1.0,
    after=0.05,
)


BASE = 4.05
"""The latent satisfaction of a typical visitor in the first wave (1-5 scale)."""
TREND = 0.06
"""How much every unit improves from one wave to the next without any action."""
NOISE = 0.5
"""How much visitors differ from one another (standard deviation of the latent)."""
ITEM_NOISE = 0.55
"""How much one visitor's items differ from their latent (standard deviation)."""

UNIT_EFFECTS: dict[tuple[str, str], float] = {
    ("demo-land", "reg"): 0.05,
    ("demo-land", "survey"): -0.12,
    ("demo-land", "info"): 0.25,
    ("demo-household", "main"): 0.0,
    ("demo-household", "branch"): -0.08,
    ("demo-household", "id"): 0.18,
}

ITEM_EFFECTS: dict[str, float] = {
    # citizen-satisfaction: staff are rated higher than premises and online services
    "courtesy_attitude": 0.15,
    "courtesy_proactive": 0.1,
    "prof_knowledge": 0.1,
    "env_facilities": -0.15,
    "measures_online": -0.2,
    "measures_information": -0.1,
    "measures_wait": -0.1,
    # land-office-service
    "correction_once": -0.2,
    "progress_online": -0.1,
}

UNIT_ITEM_EFFECTS: dict[tuple[str, str, str], float] = {
    ("demo-land", "survey", "survey_appointment"): -0.6,  # open: weeks to wait for a survey date
    ("demo-land", "survey", "measures_wait"): -0.2,
    ("demo-household", "branch", "env_comfort"): -0.3,  # a small, older branch office
    ("demo-household", "main", "prof_efficiency"): -0.35,  # before the action only
}
"""Effects at one unit; the story's own item is :data:`IMPROVEMENT`'s."""


def improved(agency: str, unit: str, day: date, effective: date | None) -> bool:
    """Whether a visit on ``day`` to this unit came after the story's action."""
    return (
        agency == IMPROVEMENT.agency
        and unit == IMPROVEMENT.unit
        and effective is not None
        and day >= effective
    )


def latent_mean(agency: str, unit: str, wave_index: int) -> float:
    return BASE + UNIT_EFFECTS.get((agency, unit), 0.0) + TREND * wave_index


def item_offset(agency: str, unit: str, item: str, after: bool) -> float:
    """How far ``item`` sits from a visitor's latent satisfaction at this unit."""
    offset = ITEM_EFFECTS.get(item, 0.0)
    if agency == IMPROVEMENT.agency and unit == IMPROVEMENT.unit:
        if item == IMPROVEMENT.item:
            return IMPROVEMENT.after if after else IMPROVEMENT.before
        if item == "prof_efficiency" and after:
            return offset  # faster service came with the shorter queue
    return offset + UNIT_ITEM_EFFECTS.get((agency, unit, item), 0.0)


STAFF_BASE = 3.55
STAFF_TREND = 0.08  # per year
STAFF_EFFECTS: dict[str, float] = {
    "lead_direction": 0.2,
    "env_space": 0.1,
    "env_systems": -0.2,
    "load_staffing": -0.45,
    "load_amount": -0.25,
    "train_career": -0.3,
    "proc_simple": -0.25,
    "innov_feedback": -0.15,
    "innov_recognition": -0.2,
}
"""The staff survey's items: staffing and paperwork are where civil servants score lowest."""

STAFF_AFTER: dict[str, float] = {
    "load_amount": 0.35,
    "load_balance": 0.25,
    "innov_feedback": 0.6,
    "innov_recognition": 0.35,
}
"""The household office's staff after the action: quieter lunch hours, and a proposal
from the counter that was adopted and rewarded."""


def staff_offset(agency: str, item: str, after: bool) -> float:
    offset = STAFF_EFFECTS.get(item, 0.0)
    if after and agency == IMPROVEMENT.agency:
        offset += STAFF_AFTER.get(item, 0.0)
    return offset
