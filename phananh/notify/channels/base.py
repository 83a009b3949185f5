"""What a channel may tell the delivery loop besides "sent" (return) or
"try again later" (any other exception)."""

class PermanentError(Exception):
    """Sending this message can never succeed (an invalid number, a push
    subscription that is gone, a webhook answering 400): fail it for good at
    once instead of retrying for hours."""


class RetryLater(Exception):
    """The receiver asked us to slow down (HTTP 429 with Retry-After): wait at
    least `seconds` before the next try."""

    def __init__(self, message, seconds=None):
        super().__init__(message)
        self.seconds = seconds


def timeout(configured):
    """A network timeout that always ends well inside the delivery lease
    (phananh.notify.delivery): a send still running when the lease ran out
    could be duplicated by a second worker."""
    from phananh.notify.delivery import setting  # delivery imports the channels

    lease = setting("NOTIFY_LEASE_SECONDS")
    return max(1.0, min(float(configured), lease / 3))


def retry_after_seconds(value):
    """Seconds from a Retry-After header (delay form only; an HTTP date or
    junk gives None and the normal backoff applies)."""
    try:
        seconds = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def http_error(status, text, *, retry_after=None, transient=(408,)):
    """The exception for an unsuccessful HTTP answer: 4xx means the request
    itself is wrong and repeating it cannot help, except 408 (timeout), 429
    (too many requests) and the statuses in `transient`; 3xx and 5xx are
    retried."""
    message = f"HTTP {status}: {text[:300]}".strip()
    if status == 429:
        return RetryLater(message, retry_after_seconds(retry_after))
    if 400 <= status < 500 and status not in transient:
        return PermanentError(message)
    return ConnectionError(message)
