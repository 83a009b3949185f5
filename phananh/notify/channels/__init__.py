"""Delivery channels: each takes a Notification and returns only once the
message is accepted, raising on any failure (the caller retries)."""

from . import email

SENDERS = {"email": email.send}


def send(notification):
    sender = SENDERS.get(notification.channel)
    if sender is None:
        raise LookupError(f"no sender for channel {notification.channel!r}")
    sender(notification)
