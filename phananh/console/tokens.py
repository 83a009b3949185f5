"""Staff API tokens: creating, checking and revoking them, and the bearer
authentication of the staff endpoints (`Authorization: Bearer <token>`).

A token acts as its user with that user's memberships, exactly as the
person would in the console: the workflow and `units.access` decide what it
may see and do. Tokens are made by an admin (Django admin, or
`manage.py create_staff_token USERNAME`), shown once, stored hashed.
"""

import secrets
from datetime import timedelta

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from phananh import api_errors
from phananh.lib import clock
from phananh.lib.codes import hash_token
from phananh.units.access import is_staff_member

from .models import StaffToken

# Recognisable in logs and secret scanners; the rest is 256 random bits.
PREFIX = "pas_"
SHOWN_PREFIX_LENGTH = 12
MAX_TOKEN_LENGTH = 200
# Writing last_used_at on every request would turn each read into a write.
RECORD_USE_EVERY = timedelta(hours=1)
# Per token, every staff endpoint together: far above what a person in the
# console or a phone app does, low enough to stop a runaway script.
REQUESTS_PER_MINUTE = 120


def create(user, name=""):
    """(StaffToken, the token itself). The token is not stored and cannot be shown again."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = StaffToken.objects.create(
        user=user, name=name.strip()[:100], key_hash=hash_token(raw), prefix=raw[:SHOWN_PREFIX_LENGTH],
        created_at=clock.now(),
    )
    return token, raw


def find(raw):
    """The active StaffToken for `raw`, with its active user, or None."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    try:
        key_hash = hash_token(raw)
    except UnicodeEncodeError:
        return None
    token = StaffToken.objects.select_related("user").filter(key_hash=key_hash, revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    return token


def revoke(token):
    """Revoke `token` (a StaffToken) for good; revoking twice keeps the first date."""
    StaffToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())


def record_use(token):
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= RECORD_USE_EVERY:
        StaffToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class StaffTokenAuth(HttpBearer):
    """Bearer auth of the staff router: a valid, unrevoked token of an active
    user who is a member of a unit (or a superuser). Counts each request
    against the token's rate limit."""

    def authenticate(self, request, token):
        found = find(token.strip())
        if found is None:
            raise api_errors.ApiError(
                401, _("This API token is not valid or has been revoked."), "Authorization",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        api_errors.rate_limit("api-staff", found.pk, REQUESTS_PER_MINUTE, 60)
        user = found.user
        if not (user.is_superuser or is_staff_member(user)):
            raise api_errors.ApiError(
                403, _("Your account is not a member of any unit. Ask an administrator to add you to your unit."),
            )
        record_use(found)
        # Code that reads request.user (access checks, forms) sees the token's person.
        request.user = user
        request.staff_token = found
        return user
