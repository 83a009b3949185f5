"""Tracking codes and citizen tokens.

A tracking code is read aloud over the phone, so it avoids letters that sound
or look alike (0/O, 1/I/L) and is grouped 4-4: "K7MW-3QDP". Eight symbols from
31 give about 8.5e11 codes, far too many to guess one that exists. The code
is public; the right to rate or reopen needs the separate secret token.
"""

import hashlib
import hmac
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_tracking_code():
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{symbols[:4]}-{symbols[4:]}"


def normalize_tracking_code(text):
    """Accept what people type: lower case, spaces, missing or odd dashes,
    full-width characters from an East Asian input method (NFKC folds them)."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    cleaned = "".join(ch for ch in folded if ch.isalnum())
    if len(cleaned) != 8:
        return None
    if any(ch not in ALPHABET for ch in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"


def new_token():
    return secrets.token_urlsafe(18)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token, token_hash):
    return bool(token) and hmac.compare_digest(hash_token(token), token_hash or "")
