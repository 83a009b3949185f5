"""Open311 settings: a Django setting of the same name wins, then the
environment variable, then the default, so a deployment can tune them
without editing settings.py."""

import os

from django.conf import settings

DEFAULTS = {
    # New requests (POST) per API key and minute; ApiKey.rate_limit overrides it per key.
    "OPEN311_RATE_LIMIT": 60,
    # Reads (GET) per client IP address and minute.
    "OPEN311_READ_RATE_LIMIT": 300,
}


def _number(name):
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name, "").strip()
        value = int(raw) if raw.isdigit() else DEFAULTS[name]
    return max(int(value), 1)


def post_rate_limit():
    return _number("OPEN311_RATE_LIMIT")


def read_rate_limit():
    return _number("OPEN311_READ_RATE_LIMIT")


def _text(name):
    value = getattr(settings, name, None)
    return value if value is not None else os.environ.get(name, "")


def jurisdiction_id():
    """Empty: this endpoint serves one jurisdiction and ignores the parameter."""
    return _text("OPEN311_JURISDICTION_ID").strip()


def contact():
    """Who to ask about the API, for the discovery document; empty: a sentence naming the site."""
    return _text("OPEN311_CONTACT").strip()


def key_service():
    """How to get a key, for the discovery document; empty: a sentence naming the site."""
    return _text("OPEN311_KEY_SERVICE").strip()
