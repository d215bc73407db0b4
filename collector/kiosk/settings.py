"""The kiosk's settings and their defaults (``instance/config.py``, the environment or a
test's config override them; they are filled in only where unset)."""

from __future__ import annotations

from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    # How long a pairing code shown in the console works.
    "KIOSK_PAIRING_MINUTES": 15,
    # Pairing attempts per client address (a code is 40 random bits and short-lived).
    "KIOSK_PAIRING_LIMIT": "20 per hour",
    # Ballot stuffing: the least time from the first screen to "submit" that a kiosk answer
    # may claim, and the most answers one kiosk may send (counted per device, not address).
    "KIOSK_MIN_SECONDS": 5,
    "KIOSK_RESPONSES_LIMIT": "240 per hour",
    # PIN attempts per kiosk (leaving kiosk mode).
    "KIOSK_PIN_LIMIT": "10 per 10 minutes",
    # The device's screens: seconds without a touch before the warning, seconds the
    # warning stays before the answers are cleared, seconds the thank-you screen stays.
    "KIOSK_IDLE_SECONDS": 60,
    "KIOSK_WARNING_SECONDS": 20,
    "KIOSK_THANKS_SECONDS": 8,
    # The console's "kiosks that stopped reporting" panel: minutes without contact.
    "KIOSK_QUIET_MINUTES": 60,
}

APP_VERSION = "1.0"
"""The kiosk page's version: the device reports it with every contact (the console shows
it), and the service worker's cache is named after it."""


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
