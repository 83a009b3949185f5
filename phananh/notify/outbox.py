"""Writing notifications: `on_event` (called by the workflow) and `enqueue`.

Both run inside the transaction that records the event, so the message and
the change it announces commit together or not at all. Delivery happens
after the commit, in the worker (phananh.notify.delivery).

`on_event` queues the people's messages (phananh.notify.messages) and one
webhook per endpoint of the unit the event concerns (phananh.notify.webhooks).
"""

import logging
import threading
from contextlib import contextmanager
from functools import partial

from django.db import IntegrityError, transaction

from phananh.lib import clock

from . import messages, webhooks
from .models import Channel, Notification

log = logging.getLogger(__name__)
_local = threading.local()


@contextmanager
def suppressed():
    """Record events without notifying anyone, e.g. while replaying years of
    demo history: nobody should get mail about a report from 2024."""
    previous = getattr(_local, "suppressed", False)
    _local.suppressed = True
    try:
        yield
    finally:
        _local.suppressed = previous


def on_event(event, *, fresh=False):
    """Queue the messages `event` calls for (see phananh.notify.messages) and
    one webhook per endpoint of the unit the event concerns. `fresh`: the
    event was written a moment ago in this transaction, so it has no
    messages yet to leave out."""
    if getattr(_local, "suppressed", False):
        return []
    now = clock.now()
    # Read once otherwise, so that running the rule again adds nothing.
    seen = set() if fresh else set(Notification.objects.filter(event=event).values_list("channel", "recipient"))
    rows = []

    def add(channel, recipient, subject, body, language, webhook=None):
        if (channel, recipient) not in seen:
            seen.add((channel, recipient))
            rows.append(Notification(
                event=event, report=event.report, channel=channel, recipient=recipient, language=language,
                subject=subject[:200], body=body, created_at=now, next_attempt_at=now, webhook=webhook,
            ))

    for message in messages.for_event(event):
        add(message.channel, message.recipient, message.subject, message.body, message.language)
    endpoints = webhooks.endpoints_for(event)
    if endpoints:
        body = webhooks.body(event)  # the same bytes for every endpoint and every retry
        for endpoint in endpoints:
            add(Channel.WEBHOOK, endpoint.url, event.type, body, "", webhook=endpoint)
    if not rows:
        return []
    # Nobody else can see the event before this transaction commits, so no
    # other process can race us to a row: one INSERT, without the per-row
    # look-up and savepoint that enqueue() needs.
    created = Notification.objects.bulk_create(rows)
    for notification in created:
        transaction.on_commit(partial(_deliver_soon, notification.pk))
    return created


def enqueue(report, recipient, subject, body, *, event=None, channel=Channel.EMAIL, language="vi", webhook=None):
    """Add one message to the outbox, once: the same event, channel and
    recipient again returns the existing row. Must run inside the
    transaction of the change it announces. `webhook` is the endpoint of a
    webhook message (its secret signs the delivery)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must be called inside the transaction of its event")
    if event is not None:
        existing = Notification.objects.filter(event=event, channel=channel, recipient=recipient).first()
        if existing is not None:
            return existing
    now = clock.now()
    try:
        # A savepoint, so that losing a race on the unique constraint leaves
        # the caller's transaction usable.
        with transaction.atomic():
            notification = Notification.objects.create(
                event=event, report=report, channel=channel, recipient=recipient, language=language,
                subject=subject[:200], body=body, created_at=now, next_attempt_at=now, webhook=webhook,
            )
    except IntegrityError:
        return Notification.objects.get(event=event, channel=channel, recipient=recipient)
    transaction.on_commit(lambda: _deliver_soon(notification.pk))
    return notification


def _deliver_soon(pk):
    """Hand the new row to the worker at once. If the queue cannot be reached
    the change has still committed; the periodic delivery run finds the row."""
    from .tasks import deliver_notification

    try:
        deliver_notification(pk)
    except Exception:
        log.warning("could not queue delivery of notification %s; the periodic run will send it", pk, exc_info=True)
