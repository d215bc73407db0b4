"""Survey forms: invalid UTF-8 is found per field."""

from __future__ import annotations

from collector.forms import undecodable_fields


def test_undecodable_fields() -> None:
    body = b"q_a=%E4%B8%AD&q_b=%C3%28&q_c=plain+text&q_d=%FF"
    assert undecodable_fields(body) == {"q_b", "q_d"}
    assert undecodable_fields(b"") == set()
