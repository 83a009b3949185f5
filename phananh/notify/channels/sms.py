"""SMS through the configured backend (phananh.notify.sms): the body is the text."""

from phananh.notify.sms import InvalidNumber, send_sms

from .base import PermanentError


def send(notification):
    try:
        send_sms(notification.recipient, notification.body)
    except InvalidNumber as error:
        raise PermanentError(str(error)) from error
