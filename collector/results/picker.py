"""The wave picker of every results page: which kind of wave, which wave, and the one before.

``?kind=`` is campaign, quarter, half or year; ``?wave=`` a key of that kind (``c12``,
``2025H1``, ``114H1``, ``2025Q3``, ``2025``); the old ``?campaign=12`` still works.
Without a wave, the latest wave with responses is shown. A key that names no wave the
viewer can read (unknown, malformed, another agency's campaign) falls back to that
default with a notice saying so; nothing about the other agency's campaign is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.numbers import whole_number
from collector.results.wavedata import WaveReader
from collector.results.wavedata import waves_of
from collector.results.waves import Wave
from collector.results.waves import campaign_id
from collector.results.waves import parse_period
from collector.results.waves import previous_period

KINDS = ("campaign", "quarter", "half", "year")

KIND_LABELS: dict[str, LazyText] = {
    "campaign": lazy_gettext("Campaign"),
    "quarter": lazy_gettext("Quarter"),
    "half": lazy_gettext("Half-year"),
    "year": lazy_gettext("Year"),
}

UNKNOWN_WAVE = lazy_gettext(
    "There is no wave %(key)s among the waves you can read; the latest wave is shown instead."
)
UNKNOWN_KIND = lazy_gettext("There is no kind of wave called %(kind)s; %(default)s is shown.")


@dataclass
class Picked:
    """The kind, every wave of it (oldest first), the chosen wave and the one before it."""

    kind: str
    waves: list[Wave]
    wave: Wave | None
    previous: Wave | None
    notices: list[tuple[LazyText, dict[str, str]]]


def _key_kind(key: str) -> tuple[str, str] | None:
    """(normalised key, kind) of a wave key, or None when it is no key at all."""
    if campaign_id(key) is not None:
        return key.strip(), "campaign"
    period = parse_period(key)
    return (period.key, period.kind) if period is not None else None


def _latest(reader: WaveReader, kind: str, waves: list[Wave]) -> Wave | None:
    if not waves:
        return None
    if kind != "campaign":
        return waves[-1]  # the periods run up to the last response
    counts = reader.campaign_counts()
    with_responses = [w for w in waves if counts.get(w.campaign_id or 0)]
    return (with_responses or waves)[-1]


def _previous(kind: str, waves: list[Wave], wave: Wave) -> Wave | None:
    if kind != "campaign":
        return previous_period(wave)
    index = waves.index(wave)
    return waves[index - 1] if index > 0 else None


def pick(reader: WaveReader, args: Mapping[str, str], default_kind: str) -> Picked:
    """The waves the request asks for, or the defaults, with notices for what was refused."""
    notices: list[tuple[LazyText, dict[str, str]]] = []
    key = (args.get("wave") or "").strip()[:40]
    legacy = whole_number(args.get("campaign") or "")
    if not key and legacy is not None:
        key = f"c{legacy}"
    named = _key_kind(key) if key else None
    kind = (args.get("kind") or "").strip()
    if kind and kind not in KINDS:
        notices.append(
            (UNKNOWN_KIND, {"kind": kind[:40], "default": str(KIND_LABELS[default_kind])})
        )
        kind = ""
    if not kind:
        kind = named[1] if named else default_kind
    waves = waves_of(reader, kind)
    wave = None
    if named is not None and named[1] == kind:
        wave = next((w for w in waves if w.key == named[0]), None)
    if key and wave is None and (named is None or named[1] == kind):
        notices.append((UNKNOWN_WAVE, {"key": key}))
    if wave is None:
        wave = _latest(reader, kind, waves)
    previous = _previous(kind, waves, wave) if wave is not None else None
    return Picked(kind, waves, wave, previous, notices)
