from .base import BaseSmsBackend


class LocmemBackend(BaseSmsBackend):
    """Keeps (number, text) in phananh.notify.sms.outbox, for tests."""

    def send(self, number, text):
        from phananh.notify import sms

        sms.outbox.append((number, text))
