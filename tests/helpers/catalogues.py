"""Reading the gettext catalogues back, for the tests that keep them complete."""

from __future__ import annotations

from typing import Any

from babel.messages.mofile import read_mo

from collector.core.i18n import TRANSLATIONS_DIR


def compiled(locale: str) -> dict[tuple[str | None, Any], Any]:
    """(context, msgid) to msgstr of the core's compiled ``.mo`` for ``locale``."""
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.mo").open("rb") as fp:
        return {
            (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m.string
            if isinstance(m.string, str)
            else tuple(m.string)
            for m in read_mo(fp)
            if m.id
        }
