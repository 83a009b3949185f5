"""Delivering pending notifications, with retries and exponential backoff.

A worker first claims a row (one UPDATE that bumps `attempts` and pushes
`next_attempt_at` past the delivery lease, so no other worker takes it),
then sends, then records the outcome. Killed between the claim and the
outcome, it leaves the row pending: it is tried again once the lease runs
out. A message is therefore sent at least once, and marked sent only after
the channel accepted it.

A failure is retried after 1, 2, 4... minutes (longer when the receiver
asks for it with Retry-After), up to NOTIFY_MAX_ATTEMPTS tries. A
PermanentError from the channel (an invalid number, a push subscription
that is gone, a webhook answering 400) fails the row at once: repeating
that request can never succeed.
"""

import logging
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from phananh.lib import clock

from . import channels
from .channels import PermanentError, RetryLater
from .models import Attempt, Delivery, Notification

log = logging.getLogger(__name__)

DEFAULTS = {
    "NOTIFY_MAX_ATTEMPTS": 8,          # then the row is marked failed for good
    "NOTIFY_RETRY_SECONDS": 60,        # wait after the first failure; doubles each time
    "NOTIFY_RETRY_MAX_SECONDS": 6 * 3600,
    "NOTIFY_LEASE_SECONDS": 300,       # longer than any single send may take
    "NOTIFY_BATCH_SIZE": 100,
}


def setting(name):
    return getattr(settings, name, DEFAULTS[name])


def backoff(attempts):
    """Wait before the next try after `attempts` failed ones: 1, 2, 4, 8... minutes, capped."""
    seconds = setting("NOTIFY_RETRY_SECONDS") * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, setting("NOTIFY_RETRY_MAX_SECONDS")))


def _pinned(now):
    """Pin the clock for a run given an explicit moment (tests, replays)."""
    return clock.at(now) if now is not None else nullcontext()


def deliver_due(now=None):
    """Try every pending notification whose time has come; returns (sent, failed)."""
    with _pinned(now):
        return _deliver_due(clock.now())


def _deliver_due(now):
    sent = failed = 0
    last_id = 0
    while True:
        ids = list(
            Notification.objects.filter(status=Delivery.PENDING, next_attempt_at__lte=now, id__gt=last_id)
            .order_by("id").values_list("id", flat=True)[: setting("NOTIFY_BATCH_SIZE")]
        )
        if not ids:
            return sent, failed
        for pk in ids:
            outcome = _deliver(pk)
            sent += outcome is True
            failed += outcome is False
        last_id = ids[-1]


def deliver(pk, now=None):
    """Try one notification: True sent, False failed (retry scheduled or given
    up), None when it was not ours to try (sent already, not due, claimed)."""
    with _pinned(now):
        return _deliver(pk)


def _deliver(pk):
    now = clock.now()
    lease = timedelta(seconds=setting("NOTIFY_LEASE_SECONDS"))
    # Each step's writes in one transaction: on SQLite every write
    # transaction waits its turn behind the reports coming in.
    with transaction.atomic():
        claimed = Notification.objects.filter(
            pk=pk, status=Delivery.PENDING, next_attempt_at__lte=now,
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + lease)
        if not claimed:
            return None
        attempt = Attempt.objects.create(notification_id=pk, started_at=now)
    notification = Notification.objects.select_related("report", "webhook").get(pk=pk)
    try:
        channels.send(notification)
    except Exception as error:
        _failed(notification, attempt, error)
        return False
    finished = clock.now()
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(finished_at=finished, ok=True)
        Notification.objects.filter(pk=pk).update(
            status=Delivery.SENT, sent_at=finished, next_attempt_at=None, last_error="",
        )
    return True


def _failed(notification, attempt, error):
    finished = clock.now()
    text = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, PermanentError):
        log.warning("notification %s cannot be delivered: %s", notification.pk, text)
        changes = {"status": Delivery.FAILED, "next_attempt_at": None}
    elif notification.attempts >= setting("NOTIFY_MAX_ATTEMPTS"):
        log.error("giving up on notification %s after %s attempts: %s", notification.pk, notification.attempts, text)
        changes = {"status": Delivery.FAILED, "next_attempt_at": None}
    else:
        log.warning("notification %s attempt %s failed: %s", notification.pk, notification.attempts, text)
        changes = {"next_attempt_at": finished + _wait(notification.attempts, error)}
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(finished_at=finished, ok=False, error=text)
        Notification.objects.filter(pk=notification.pk).update(last_error=text, **changes)


def _wait(attempts, error):
    """The backoff, or the pause the receiver asked for when that is longer
    (within the same cap)."""
    wait = backoff(attempts)
    asked = getattr(error, "seconds", None) if isinstance(error, RetryLater) else None
    if asked:
        wait = max(wait, timedelta(seconds=min(asked, setting("NOTIFY_RETRY_MAX_SECONDS"))))
    return wait
