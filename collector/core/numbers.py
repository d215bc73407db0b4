"""Reading whole numbers typed by people, put in addresses or sent as JSON.

``str.isdigit`` accepts characters that ``int`` refuses (superscripts such as
"²") and any number of digits, which a database integer column then refuses: both
were 500s. Only ASCII digits, and few enough to fit a 32-bit integer, count here;
a JSON integer counts when it fits the same column.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

MAX_DIGITS = 9
"""Nine digits always fit PostgreSQL's ``integer``."""
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
"""PostgreSQL's ``integer``, the type of every integer column (SQLite's are wider)."""


def whole_number(text: str | None, max_digits: int = MAX_DIGITS) -> int | None:
    """The number ``text`` spells in ASCII digits, or None."""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def stored_int(value: Any, low: int = INT_MIN, high: int = INT_MAX) -> int | None:
    """``value`` when it is a JSON integer (not a boolean, not 1.0) from ``low`` to ``high``
    (by default: what an integer column holds), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return None


def id_in_query(text: str | None) -> int | None:
    """A positive row id given in a query string (``?before=``), or None: a value no
    row can have is read as no value at all."""
    number = whole_number(text, max_digits=10)
    return number if number is not None and 0 < number <= INT_MAX else None


class RowIdConverter(IntegerConverter):
    """Flask's ``<int:...>``, for ids no larger than an integer column holds: a longer
    one (``/staff/cases/99999999999999999999999``) matches no route, so it is a 404
    instead of an overflow in the database driver."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install :class:`RowIdConverter` as ``int``: before any route is added."""
    app.url_map.converters["int"] = RowIdConverter
