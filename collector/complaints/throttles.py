"""What a stranger can make the complaint channels do, and how much.

- Filing: at most ``COMPLAINT_FILINGS_PER_CLIENT`` complaints per client (address or
  kiosk) on every channel together (the public form, ``POST /api/v1/complaints``,
  Open311), or ``COMPLAINT_FILINGS_PER_API_KEY`` per Open311 API key. A filing is
  counted before it is stored, so concurrent requests cannot slip past the limit.
- Acknowledgements: each filing e-mails the address it gives, so at most
  ``COMPLAINT_ACKNOWLEDGEMENTS_PER_ADDRESS`` acknowledgements go to one address,
  however many clients file with it (the agency's mail server is no spam channel).
  Past that the case is still filed; only the acknowledgement is not sent (the
  complainant sees the number and password on the confirmation or in the reply).
- Following by case number and password: see :func:`follow_keys`.

Counters are the app's rate limits (``collector.access.ratelimit``, shared by every
worker); the password guesses back off in the database (``collector.access.backoff``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from flask import Flask

from collector.access.backoff import Backoff
from collector.access.backoff import Key
from collector.access.ratelimit import get_limiter
from collector.core.mail import Mail


def api_key_client(key: str) -> str:
    """The client an Open311 API key files as (its digest: keys are secrets)."""
    return f"api-key:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _filing_limit(app: Flask, client: str) -> str:
    key_client = client.startswith("api-key:")
    return app.config[
        "COMPLAINT_FILINGS_PER_API_KEY" if key_client else "COMPLAINT_FILINGS_PER_CLIENT"
    ]


def may_file(app: Flask, client: str) -> bool:
    """Count one filing by ``client``; False when it is one too many."""
    return get_limiter(app).hit(_filing_limit(app, client), "complaint-filing", client)


def may_file_soon(app: Flask, client: str) -> bool:
    """Whether ``client`` has a filing left (counts nothing): a cheap refusal before the
    work of checking a complaint; :func:`may_file` decides."""
    return get_limiter(app).test(_filing_limit(app, client), "complaint-filing", client)


def filing_wait(app: Flask, client: str) -> int:
    """Seconds until ``client`` may file again (after :func:`may_file` said no)."""
    return get_limiter(app).retry_after(_filing_limit(app, client), "complaint-filing", client)


def acknowledgements(app: Flask, mails: Iterable[Mail]) -> list[Mail]:
    """The acknowledgements of a new case that may be sent: each counts against its
    recipient's limit; those over it are dropped (and logged)."""
    limiter = get_limiter(app)
    rule = app.config["COMPLAINT_ACKNOWLEDGEMENTS_PER_ADDRESS"]
    kept = []
    for mail in mails:
        if limiter.hit(rule, "complaint-acknowledgement", mail.to.lower()):
            kept.append(mail)
        else:
            app.logger.warning("acknowledgement not sent: its address had %s", rule)
    return kept


def follow_keys(app: Flask, case_number: str, address: str) -> tuple[Key, ...]:
    """What one try of a case's password counts against: this address on this case
    number, this address on every case number (a success takes only itself back), and
    the case number from anywhere. The last is what bounds guessing from many
    addresses; it holds back the password only, never the e-mailed follow link, so a
    stranger cannot lock a complainant out of their case."""
    config = app.config
    return (
        Key(
            "follow",
            f"{case_number}|{address}",
            Backoff.from_setting(config["COMPLAINT_FOLLOW_BACKOFF"]),
        ),
        Key(
            "follow-address",
            address,
            Backoff.from_setting(config["COMPLAINT_FOLLOW_ADDRESS_BACKOFF"]),
            resets=False,
        ),
        Key(
            "follow-case",
            case_number,
            Backoff.from_setting(config["COMPLAINT_FOLLOW_CASE_BACKOFF"]),
        ),
    )
