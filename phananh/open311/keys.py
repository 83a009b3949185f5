"""Open311 API keys: made, checked and revoked here.

A key is "o311_" and 43 random URL-safe characters (256 bits). Only its
SHA-256 is stored: a stolen database yields no usable key, and a plain hash
is enough because the key is random, not a password someone chose. The first
12 characters are kept as `prefix` so that people can tell keys apart.
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf
from .models import ApiKey
from .render import Open311Error

KEY_START = "o311_"
PREFIX_LENGTH = 12
# last_used_at is written at most this often per key: a busy client must not
# turn every request into a write.
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(key):
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def create_key(name, rate_limit=None):
    """(ApiKey, the key itself). The key is not stored and cannot be shown again."""
    api_key = ApiKey(name=name, rate_limit=rate_limit)
    key = assign_new_key(api_key)
    api_key.save()
    return api_key, key


def assign_new_key(api_key):
    """Give an unsaved ApiKey (from the admin form) its key; returns the key."""
    key = KEY_START + secrets.token_urlsafe(32)
    api_key.prefix, api_key.key_hash = key[:PREFIX_LENGTH], hash_key(key)
    return key


def revoke(queryset):
    """Revoke the active keys in `queryset`; returns how many."""
    return queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate(key):
    """The active ApiKey for `key`, or Open311Error 403."""
    key = (key or "").strip()
    if not key:
        raise Open311Error(403, _("An api_key is required to create a service request."))
    api_key = ApiKey.objects.filter(key_hash=hash_key(key)).first()
    if api_key is None:
        raise Open311Error(403, _("The api_key is not valid."))
    if not api_key.is_active:
        raise Open311Error(403, _("This api_key has been revoked."))
    _touch(api_key)
    return api_key


def rate_limit_of(api_key):
    return api_key.rate_limit or conf.post_rate_limit()


def _touch(api_key):
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= TOUCH_EVERY:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
