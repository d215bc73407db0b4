"""Reading whole numbers typed by people or put in addresses.

``str.isdigit`` accepts characters that ``int`` refuses (superscripts such as
"²") and any number of digits, which a database integer column then refuses: both
were 500s. Only ASCII digits, and few enough to fit a 32-bit integer, count here.
"""

from __future__ import annotations

MAX_DIGITS = 9
"""Nine digits always fit PostgreSQL's ``integer``."""


def whole_number(text: str | None, max_digits: int = MAX_DIGITS) -> int | None:
    """The number ``text`` spells in ASCII digits, or None."""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
