class BaseSmsBackend:
    """Sends one SMS. `number` is E.164 (+84903123456); `text` is final
    (folded already when SMS_ASCII is on). Return when the message was
    accepted; raise PermanentError when it never can be, anything else to
    have it retried."""

    def send(self, number, text):
        raise NotImplementedError
