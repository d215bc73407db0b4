"""The one JSON parsing step (collector.core.jsonbody)."""

from __future__ import annotations

import json

import pytest

from collector.core.jsonbody import MAX_DEPTH
from collector.core.jsonbody import BadJson
from collector.core.jsonbody import parse_json


def parse(data: bytes) -> object:
    return parse_json(data, json.loads)


@pytest.mark.parametrize(
    "data",
    [
        b'"\\ud800"',
        b'{"\\udfff": 1}',
        b'{"a": ["ok", {"b": "x\\uDC00y"}]}',
        b'"\\ud83d"',  # the first half of a pair, alone
        b'"\\ude00\\ud83d"',  # a pair in the wrong order
    ],
)
def test_lone_surrogates_are_refused(data: bytes) -> None:
    with pytest.raises(BadJson, match="surrogate"):
        parse(data)


def test_surrogate_pairs_and_escaped_backslashes_are_text() -> None:
    assert parse(b'"\\ud83d\\ude00"') == "\U0001f600"
    assert parse(b'"\\\\ud800"') == "\\ud800"  # a backslash, then "ud800"


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, True),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), False),
        (b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), False),
        (b"[" * 100_000, False),
        (b"[" * 100_000 + b"]" * 100_000, False),
        (b"[" + b"[1]," * 1000 + b"[]]", True),  # many brackets, two levels
    ],
)
def test_nesting_is_bounded(data: bytes, ok: bool) -> None:
    if ok:
        parse(data)
    else:
        with pytest.raises(BadJson, match="nested"):
            parse(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b'{"a": "\xff"}', '{"a": 1}'.encode("utf-16"), b"NaN1"],
)
def test_only_utf8_json_is_read(data: bytes) -> None:
    with pytest.raises(BadJson, match="UTF-8 JSON"):
        parse(data)


def test_a_byte_order_mark_is_skipped() -> None:
    assert parse(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
