"""Idempotency-Key for report submission through the API.

A phone on a bad connection sends a report, the answer never arrives, the
app sends it again. With the same Idempotency-Key the second request must
not create a second report, and must give the app what the first answer
said, including the citizen's private token: the retry exists precisely
because the first answer was lost, and without the token the citizen could
never rate or reopen their report.

The token is stored only hashed on the report, so it cannot be rebuilt.
The first answer (status and body) is therefore kept in the cache for
REPLAY_SECONDS under a hash of the key, and a retry gets it back byte for
byte. After that (or if the cache was cleared) a retry still finds the
report by its key and gets the same fields with the token left out and
`token_included: false`.

The key is stored on the report as "api:<key>" (Report.idempotency_key is
unique, 80 characters): keys of other channels can never collide with an
API client's. A key reused for a different report (other fields or photos)
is refused while the first answer is kept, as it is almost certainly a
client bug that would otherwise lose the second report silently.
"""

import hashlib
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from phananh.api_errors import ApiError

SCOPE = "api:"
MAX_STORED_LENGTH = 80  # Report.idempotency_key
MAX_KEY_LENGTH = MAX_STORED_LENGTH - len(SCOPE)
REPLAY_SECONDS = 24 * 3600
HEADER = "Idempotency-Key"
# How long a request that lost the race to a concurrent retry waits for the
# winner to store its answer (it commits first, then stores: microseconds).
WAIT_FOR_WINNER_SECONDS = 5.0


def scoped_key(value):
    """The stored form of the header's value, None when absent; ApiError 400 when unusable."""
    if value is None or value == "":
        return None
    if len(value) > MAX_KEY_LENGTH:
        raise ApiError(400, _("The Idempotency-Key is too long (at most %(n)d characters).") % {"n": MAX_KEY_LENGTH},
                       HEADER)
    if not value.isascii() or not value.isprintable() or not value.strip():
        raise ApiError(400, _("The Idempotency-Key must be printable ASCII, e.g. a UUID."), HEADER)
    return SCOPE + value


def fingerprint(data, uploads):
    """A digest of what was submitted: the fields and each photo's name, size and bytes' digest."""
    digest = hashlib.sha256()
    for name in sorted(data):
        for value in data.getlist(name):
            digest.update(f"{name}\x00{value}\x00".encode("utf-8", "surrogatepass"))
    for upload in uploads:
        upload.seek(0)
        content = hashlib.sha256()
        for chunk in upload.chunks():
            content.update(chunk)
        upload.seek(0)
        digest.update(f"{upload.name}\x00{upload.size}\x00{content.hexdigest()}\x00".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _cache_key(key):
    return "api:idempotency:" + hashlib.sha256(key.encode()).hexdigest()


def remember(key, print_, status, body):
    cache.set(_cache_key(key), {"fingerprint": print_, "status": status, "body": body}, timeout=REPLAY_SECONDS)


def recall(key, print_):
    """(status, body) of the first answer for `key`, or None. ApiError 422
    when the key was used for a different submission."""
    stored = cache.get(_cache_key(key))
    if stored is None:
        return None
    if stored["fingerprint"] != print_:
        raise ApiError(422, _("This Idempotency-Key was already used for a different report. "
                              "Use a new key for each new report."), HEADER)
    return stored["status"], stored["body"]


def wait_for(key, print_, seconds=WAIT_FOR_WINNER_SECONDS):
    """recall(), retried for a few seconds: a concurrent request with the same
    key created the report and is about to store its answer."""
    deadline = time.monotonic() + seconds
    while True:
        found = recall(key, print_)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)
