"""The current time, which bulk loaders may pin to the past.

Demo and benchmark data replay two years of history through the real
workflow; `at(moment)` makes every timestamp the workflow and the event log
write inside the block read `moment`, without touching anything else.
"""

import threading
from contextlib import contextmanager

from django.utils import timezone

_local = threading.local()


def now():
    pinned = getattr(_local, "moment", None)
    return pinned if pinned is not None else timezone.now()


@contextmanager
def at(moment):
    previous = getattr(_local, "moment", None)
    _local.moment = moment
    try:
        yield
    finally:
        _local.moment = previous
