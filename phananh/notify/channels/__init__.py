"""Delivery channels: each takes a Notification and returns only once the
message is accepted. It raises PermanentError (channels.base) when the
message can never be delivered, RetryLater when the receiver asked for a
pause, and anything else for a failure worth another try."""

from . import email, sms, webhook, webpush
from .base import PermanentError, RetryLater

__all__ = ["PermanentError", "RetryLater", "SENDERS", "send"]

SENDERS = {
    "email": email.send,
    "sms": sms.send,
    "webpush": webpush.send,
    "webhook": webhook.send,
}


def send(notification):
    sender = SENDERS.get(notification.channel)
    if sender is None:
        raise PermanentError(f"no sender for channel {notification.channel!r}")
    sender(notification)
