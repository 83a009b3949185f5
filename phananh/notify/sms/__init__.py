"""Outbound SMS: `send_sms(phone, text)` through the backend named by the
SMS_BACKEND setting, the way Django sends mail through EMAIL_BACKEND.

    file     one text file per message in SMS_FILE_PATH (var/sms/): the default,
             so development and demos never send a real message
    console  printed on standard output
    locmem   kept in `phananh.notify.sms.outbox` (tests)
    http     a generic HTTP gateway configured by the SMS_GATEWAY_* settings
             (phananh.notify.sms.backends.http explains them)

Vietnamese text goes out as it is: the gateway sends it as UCS-2, 70
characters per SMS. With SMS_ASCII=True accents are folded first ("Phản
ánh" → "Phan anh") and a message fits 160 characters per SMS, a third of
the price for the same text, but harder to read (docs/notifications.md).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .phones import InvalidNumber, to_e164
from .text import for_sending, segments

__all__ = ["InvalidNumber", "get_backend", "outbox", "segments", "send_sms"]

SHORT_NAMES = {
    "file": "phananh.notify.sms.backends.file.FileBackend",
    "console": "phananh.notify.sms.backends.console.ConsoleBackend",
    "locmem": "phananh.notify.sms.backends.locmem.LocmemBackend",
    "http": "phananh.notify.sms.backends.http.HttpGatewayBackend",
}

# Messages sent through the locmem backend, like django.core.mail.outbox.
outbox = []


def get_backend():
    name = settings.SMS_BACKEND
    return import_string(SHORT_NAMES.get(name, name))()


def send_sms(phone, text):
    """Send `text` to `phone` (any way a Vietnamese number is written, or
    +country...). Returns once the backend accepted it; raises InvalidNumber
    for a number that can never receive it, anything else for a failure
    worth retrying."""
    number = to_e164(phone)
    get_backend().send(number, for_sending(text))
