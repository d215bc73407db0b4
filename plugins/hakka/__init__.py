"""Hakka (客家話, ``hak``): a worked example of adding a language through a plugin.

Hakka is written here in Han characters with Hakka words (𠊎 "I", 𠊎兜 "we", 毋 "not",
揀 "choose", 今晡日 "today", 承蒙 "thank you"), Sixian (四縣) usage as the Ministry of
Education's Taiwan Hakka dictionary writes it. The plugin gives:

- the interface language ``hak`` (``register_languages``): its catalogue
  (``translations/hak/LC_MESSAGES/messages.po``) covers the citizen survey's pages:
  the survey chooser, the survey page, the answer scales, the thank-you page and
  the kiosk's first and thank-you screens; any
  other message falls back to Traditional Chinese, which every Hakka reader reads;
- Hakka texts for the core's citizen satisfaction survey
  (``citizen-satisfaction.hak.yaml``); the personal-data notice stays in its official
  Chinese wording (the file leaves it out, so the fallback fills it).

Characters outside the Basic Multilingual Plane (𠊎 is U+2028E) need a font with CJK
Extension B: docs/deployment.md, "Fonts".
"""

from __future__ import annotations

from pathlib import Path

from collector import hookimpl
from collector.core.i18n import Language

HERE = Path(__file__).parent

HAKKA = Language(
    code="hak",
    name="客家話",
    locale="zh_Hant_TW",  # Babel has no Hakka locale: dates and numbers as in Taiwan
    catalogue=HERE / "translations" / "hak",
    fallback="zh-Hant-TW",
    html_lang="hak",
    questionnaires={"citizen-satisfaction": HERE / "citizen-satisfaction.hak.yaml"},
)


@hookimpl
def register_languages() -> list[Language]:
    return [HAKKA]
