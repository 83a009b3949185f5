"""Web push: the site's VAPID key pair and the checks on a browser's subscription.

The key pair is made on first use and kept in the database (one VapidKey
row), so every app server signs with the same key: a browser subscription
only works with the public key it was made with. VAPID_PUBLIC_KEY and
VAPID_PRIVATE_KEY in the environment, when both are set, win (keys kept in
a secret store, or carried over from another installation).
"""

import base64
from email.utils import parseaddr
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import VapidKey

MAX_ENDPOINT_LENGTH = 500  # Subscription.address


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    text = str(text)
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_pair():
    """(public, private): the uncompressed P-256 point browsers take as
    applicationServerKey, and the raw 32-byte scalar pywebpush signs with."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def keys():
    """(public, private) VAPID keys, base64url."""
    if settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY:
        return settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY
    row = VapidKey.objects.filter(pk=1).first()
    if row is None:
        public, private = generate_pair()
        try:
            with transaction.atomic():
                row = VapidKey.objects.create(pk=1, public_key=public, private_key=private)
        except IntegrityError:
            # Another server made the pair at the same moment: use theirs.
            row = VapidKey.objects.get(pk=1)
    return row.public_key, row.private_key


def public_key():
    return keys()[0]


def subject():
    """The contact push services may use about our traffic (RFC 8292 "sub")."""
    if settings.VAPID_SUBJECT:
        return settings.VAPID_SUBJECT
    if settings.SITE_URL.startswith("https://"):
        return settings.SITE_URL
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
    return f"mailto:{address}"


def host_allowed(host):
    host = (host or "").lower().rstrip(".")
    return any(host == allowed or host.endswith("." + allowed) for allowed in settings.WEBPUSH_ALLOWED_HOSTS)


class BadSubscription(ValueError):
    """`str(error)` says what is wrong, in the user's language."""


def parse_subscription(data):
    """(endpoint, {"p256dh", "auth"}) from a browser's PushSubscription JSON.

    The endpoint must be https on a known push service: the worker POSTs to
    it, so an arbitrary URL here would let anyone make our server call any
    address (WEBPUSH_ALLOWED_HOSTS lists the services of the big browsers).
    """
    if not isinstance(data, dict):
        raise BadSubscription(_("The browser sent no push subscription."))
    endpoint = data.get("endpoint")
    raw_keys = data.get("keys")
    if not isinstance(endpoint, str) or not endpoint or not isinstance(raw_keys, dict):
        raise BadSubscription(_("The browser sent an incomplete push subscription."))
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise BadSubscription(_("The browser's push address is too long."))
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not host_allowed(parts.hostname):
        raise BadSubscription(_("This browser's push service is not supported."))
    try:
        p256dh, auth = b64url_decode(raw_keys["p256dh"]), b64url_decode(raw_keys["auth"])
    except (KeyError, TypeError, ValueError):
        raise BadSubscription(_("The browser sent unreadable push keys."))
    if len(p256dh) != 65 or p256dh[0] != 4 or len(auth) != 16:
        raise BadSubscription(_("The browser sent unreadable push keys."))
    return endpoint, {"p256dh": b64url(p256dh), "auth": b64url(auth)}
