"""Staff passwords: Argon2id hashing (parameters in ``PASSWORD_HASH``, re-hashed at
log-in when they change), verification that takes as long for an unknown account as
for a wrong password, and the policy for new passwords."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from argon2.exceptions import VerifyMismatchError
from flask import Flask
from flask import current_app

MAX_PASSWORD = 256  # longer inputs are refused before hashing (hashing cost is the DoS)


def hasher(app: Flask | None = None) -> PasswordHasher:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    if "collector.hasher" not in app.extensions:
        app.extensions["collector.hasher"] = PasswordHasher(**app.config["PASSWORD_HASH"])
    return app.extensions["collector.hasher"]


def dummy_hash() -> str:
    """A hash of a random password with the app's parameters, made on first use."""
    extensions = current_app.extensions
    if "collector.dummy_hash" not in extensions:
        extensions["collector.dummy_hash"] = hasher().hash(secrets.token_urlsafe(16))
    return extensions["collector.dummy_hash"]


def hash_password(password: str, app: Flask | None = None) -> str:
    return hasher(app).hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, spend the same time on a dummy one."""
    ph = hasher()
    if len(password) > MAX_PASSWORD:
        password = password[:MAX_PASSWORD]  # still hash: the same time as any failure
        stored = None
    target = stored or dummy_hash()
    try:
        ph.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored is not None


def check_password_policy(password: str, email: str = "") -> str | None:
    """The i18n key of the first problem with a new password, or None."""
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        return "err_password_short"
    if len(password) > MAX_PASSWORD:
        return "err_password_long"
    if email and password.lower() == email.lower():
        return "err_password_is_email"
    return None
