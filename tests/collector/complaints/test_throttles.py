"""What strangers can make the complaint channels do: the limits' rules, one by one (the
channels' behaviour is tested with their views)."""

from __future__ import annotations

from flask import Flask

from collector.access.backoff import Backoff
from collector.complaints import throttles
from collector.core.mail import Mail


def test_filings_count_per_client_or_per_api_key(app: Flask) -> None:
    app.config["COMPLAINT_FILINGS_PER_CLIENT"] = "1 per hour"
    app.config["COMPLAINT_FILINGS_PER_API_KEY"] = "2 per hour"
    key = throttles.api_key_client("s3cret")
    assert "s3cret" not in key
    assert [throttles.may_file(app, "addr:192.0.2.1") for _ in range(2)] == [True, False]
    assert [throttles.may_file(app, key) for _ in range(3)] == [True, True, False]
    assert 0 < throttles.filing_wait(app, key) <= 3600


def test_acknowledgements_over_the_limit_are_dropped(app: Flask) -> None:
    app.config["COMPLAINT_ACKNOWLEDGEMENTS_PER_ADDRESS"] = "1 per day"
    first = Mail(to="a@example.test", subject="s", body="b")
    again = Mail(to="A@example.test", subject="s", body="b")
    other = Mail(to="b@example.test", subject="s", body="b")
    assert throttles.acknowledgements(app, [first]) == [first]
    assert throttles.acknowledgements(app, [again, other]) == [other]


def test_a_password_try_counts_per_address_and_case_per_address_and_per_case(app: Flask) -> None:
    per_case = throttles.follow_keys(app, "20261102-ABCDEF", "192.0.2.1")
    assert [(k.kind, k.party, k.resets) for k in per_case] == [
        ("follow", "20261102-ABCDEF|192.0.2.1", True),
        ("follow-address", "192.0.2.1", False),
        ("follow-case", "20261102-ABCDEF", True),
    ]
    assert per_case[2].policy == Backoff.from_setting(app.config["COMPLAINT_FOLLOW_CASE_BACKOFF"])
    # The case-wide key needs many more failures than one address may make on the case.
    assert per_case[2].policy.free > 2 * per_case[0].policy.free
