"""Make the CJK font subsets bundled for charts (collector/results/fonts/).

Run from the repository root after ``apt-get install fonts-noto-cjk fonts-hanazono``
(and ``pip install fonttools``)::

    python tools/font_subset.py

The character set: every character in the catalogues, questionnaires, plugins,
templates and demo data; Big5's frequently used characters (level 1, 5,401 Han
characters, the usual "常用字" set of Taiwan's software) and its symbols; ASCII,
Latin-1, general punctuation, CJK punctuation and full-width forms; and 𠊎 (U+2028E,
the Hakka first person; the issue named U+2028A, which is kept too). Noto Sans CJK TC draws them all except the characters
beyond the Basic Multilingual Plane that it lacks (𠊎 among them): those come from
HanaMinB (GlyphWiki's Hanazono, under the OFL too) into a small second font.
Both are renamed, as the OFL asks of modified fonts, and OFL.txt carries both
notices and the licence. Run it again when the catalogues gain characters; the
test in tests/collector/results/test_chartfonts.py says when that is needed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "collector" / "results" / "fonts"
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
HANAZONO = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")

NOTO_FAMILY = "Noto Sans CJK TC Subset"
SUPPLEMENT_FAMILY = "Collector Han Supplement"

SOURCES = [
    "collector/core/translations/*/LC_MESSAGES/*.po",
    "surveys/*.yaml",
    "plugins/**/*.yaml",
    "plugins/**/*.py",
    "collector/demo/**/*.yaml",
    "collector/demo/**/*.py",
    "collector/**/templates/**/*.html",
    "collector/templates/**/*.html",
]
EXTRA = "\U0002028e\U0002028a"  # 𠊎 (Hakka "I"), and U+2028A, the code point the issue named for it


def project_characters() -> set[str]:
    """Every character of the project's interface text and demo data."""
    chars: set[str] = set(EXTRA)
    for pattern in SOURCES:
        for path in ROOT.glob(pattern):
            chars |= set(path.read_text(encoding="utf-8"))
    return {ch for ch in chars if ord(ch) >= 0x20}


def big5_frequent() -> set[str]:
    """Big5 symbols (A140-A3BF) and level-1 Han characters (A440-C67E)."""
    chars: set[str] = set()
    for lead in range(0xA1, 0xC7):
        for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            code = lead << 8 | trail
            if 0xA3BF < code < 0xA440 or code > 0xC67E:
                continue
            try:
                chars.add(bytes([lead, trail]).decode("big5"))
            except UnicodeDecodeError:
                continue
    return chars


def ranges() -> set[str]:
    spans = [
        (0x20, 0x7E),
        (0xA0, 0xFF),
        (0x2010, 0x205E),
        (0x2212, 0x2212),
        (0x3000, 0x303F),
        (0x3100, 0x312F),
        (0xFF01, 0xFF5E),
    ]
    return {chr(c) for low, high in spans for c in range(low, high + 1)}


def rename(font: TTFont, family: str) -> None:
    """Give the subset its own name (OFL: a modified font may not keep a reserved name)."""
    postscript = family.replace(" ", "") + "-Regular"
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(family, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (2, 17):
            names.setName(
                "Regular", record.nameID, record.platformID, record.platEncID, record.langID
            )
        elif record.nameID == 4:
            names.setName(
                f"{family} Regular", 4, record.platformID, record.platEncID, record.langID
            )
        elif record.nameID in (3, 6):
            names.setName(
                postscript, record.nameID, record.platformID, record.platEncID, record.langID
            )
    font["OS/2"].usWeightClass = 400  # HanaMinB says 500: one weight, read as regular
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FamilyName = family
        top.FullName = f"{family} Regular"


def make(font: TTFont, chars: set[str], family: str, path: Path) -> set[str]:
    """Subset ``font`` to ``chars`` it has, rename it and save it; the characters kept."""
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["kern"]  # matplotlib lays text out itself: no substitutions
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE", "FFTM"]  # no vertical text either
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in chars])
    subsetter.subset(font)
    rename(font, family)
    font.save(str(path))
    cmap = TTFont(str(path)).getBestCmap()  # what the saved subset really draws
    return {ch for ch in chars if ord(ch) in cmap}


def licence_text() -> str:
    text = NOTO_COPYRIGHT.read_text(encoding="utf-8")
    body = text.split("License: SIL-1.1\n", 2)[-1]
    lines = [line[1:] if line.startswith(" ") else line for line in body.splitlines()]
    return "\n".join("" if line == "." else line for line in lines).strip() + "\n"


def main() -> int:
    wanted = project_characters() | big5_frequent() | ranges()
    collection = TTCollection(str(NOTO))
    noto = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK TC")
    noto_copyright = noto["name"].getDebugName(0)
    in_noto = make(noto, wanted, NOTO_FAMILY, OUT / "NotoSansCJKtc-Subset.otf")
    missing = {ch for ch in wanted - in_noto if is_han(ch)}
    print("not in Noto:", " ".join(f"U+{ord(c):04X}" for c in sorted(missing)))
    hana = TTFont(str(HANAZONO))
    hana_copyright = hana["name"].getDebugName(0)
    in_hana = make(hana, missing, SUPPLEMENT_FAMILY, OUT / "HanSupplement-Subset.ttf")
    (OUT / "OFL.txt").write_text(
        f"{NOTO_FAMILY} (NotoSansCJKtc-Subset.otf) is a subset of Noto Sans CJK TC.\n"
        f"{noto_copyright}\n\n"
        f"{SUPPLEMENT_FAMILY} (HanSupplement-Subset.ttf) is a subset of HanaMinB "
        "(Hanazono font, GlyphWiki Project), used under the SIL Open Font License.\n"
        f'{hana_copyright}\nwith Reserved Font Name "Hanazono Font", "HanaMinA", "HanaMinB".\n\n'
        "Both are licensed under the SIL Open Font License, Version 1.1:\n\n" + licence_text(),
        encoding="utf-8",
    )
    print(f"Noto subset: {len(in_noto)} characters; supplement: {''.join(sorted(in_hana))}")
    lost = sorted(missing - in_hana)
    if lost:
        print(
            "no glyph anywhere for: " + " ".join(f"U+{ord(c):04X}" for c in lost), file=sys.stderr
        )
    return 0


def is_han(ch: str) -> bool:
    """Characters outside the Noto subset worth a fallback: Han ideographs of any block."""
    return bool(re.match(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]", ch))


if __name__ == "__main__":
    raise SystemExit(main())
