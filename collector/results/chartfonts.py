"""The fonts charts are drawn with: a bundled Traditional Chinese subset first.

Matplotlib's own DejaVu Sans has no CJK glyphs, so a chart labelled 服務禮儀 would
show boxes. We bundle a subset of Noto Sans CJK TC (SIL Open Font Licence, see
``fonts/OFL.txt``): every character of the catalogues, questionnaires and demo data,
Big5's frequently used characters and 𠊎, made by ``tools/font_subset.py``
(docs/charts.md), with a few Han characters beyond it from HanaMinB. They are registered with matplotlib's font manager once, at import;
full CJK fonts the system has (Debian's fonts-noto-cjk, for instance) come next, for
a character outside the subset, and DejaVu Sans last. Matplotlib falls back glyph by
glyph along that list.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib import font_manager

FONT_DIR = Path(__file__).parent / "fonts"
BUNDLED = {
    "Noto Sans CJK TC Subset": FONT_DIR / "NotoSansCJKtc-Subset.otf",
    "Collector Han Supplement": FONT_DIR / "HanSupplement-Subset.ttf",
}
"""The bundled fonts, by family: the Noto subset, then Han characters it lacks."""

SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK TC",
    "Noto Sans TC",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans TC",
    "AR PL UMing TW",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
"""Full CJK fonts worth falling back to when the system has them, best first."""


def register() -> list[str]:
    """Register the bundled font; the font families charts use, in fallback order."""
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    for family, path in BUNDLED.items():
        if family not in names and path.exists():
            font_manager.fontManager.addfont(str(path))
            names.add(family)
    families = [family for family in BUNDLED if family in names]
    families += [family for family in SYSTEM_CJK_FAMILIES if family in names]
    return [*families, "DejaVu Sans"]


FAMILIES = register()
