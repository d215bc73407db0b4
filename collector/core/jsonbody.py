"""Reading a JSON request body: the one parsing step every JSON endpoint uses.

``json.loads`` accepts what the rest of the application cannot handle: a lone
surrogate escape (``"\\ud800"``) is a valid JSON string but no valid Unicode text,
so it fails later when the text is encoded (for the database, a hash, an e-mail);
and nesting a thousand levels deep raises ``RecursionError`` in the parser, or in
whatever walks the value afterwards. Both are refused here, with a message for
the client, before anything looks at the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 32
"""Arrays and objects inside one another; a survey response needs three."""

_SURROGATE = re.compile("[\ud800-\udfff]")
# Surrogates can only come from \u escapes (as raw UTF-8 they are undecodable).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BadJson(ValueError):
    """The body is not JSON this application reads; the message says why (English)."""


def parse_json(data: bytes, loads: Callable[[str], Any]) -> Any:
    """``data`` (UTF-8, as RFC 8259 requires) parsed by ``loads`` (the app's JSON
    provider); raises :class:`BadJson`.

    Cheap for the usual body: the value is walked only when the text has a
    surrogate escape, or more brackets than :data:`MAX_DEPTH`.
    """
    try:
        # Not json.loads(bytes): it would also read UTF-16 and UTF-32, surrogates and all.
        text = data.decode("utf-8-sig")
        value = loads(text)
    except RecursionError:
        raise BadJson(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:  # not UTF-8, or not JSON
        raise BadJson("the body is not valid UTF-8 JSON") from None
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    deep = text.count("[") + text.count("{") > MAX_DEPTH
    if surrogates or deep:
        _walk(value)
    return value


def _walk(value: Any) -> None:
    """Check every string (keys too) and the depth, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise BadJson(
                    "a string in the JSON holds a lone surrogate escape (such as \\ud800), "
                    "which is not a character"
                )
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise BadJson(f"the JSON is nested more than {MAX_DEPTH} levels deep")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
