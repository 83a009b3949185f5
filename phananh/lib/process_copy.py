"""A copy of something built from the database, kept in each process.

For what every request reads and nearly nothing writes (the area index, the
unit tree): built on first use, and built again when its version (a cheap
aggregate, e.g. row count and newest `updated_at`) has changed, which is
checked at most every `seconds`. A process that made the change itself
calls `forget()` to see it at once; the others follow within `seconds`.
"""

import threading
import time


class ProcessCopy:
    def __init__(self, build, version, seconds):
        self._build, self._version, self.seconds = build, version, seconds
        self._lock = threading.Lock()
        self._value = self._seen = None
        self._checked = 0.0

    def get(self):
        now = time.monotonic()
        value = self._value
        if value is not None and now - self._checked < self.seconds:
            return value
        with self._lock:
            version = self._version()
            if self._value is None or version != self._seen:
                self._value, self._seen = self._build(), version
            self._checked = now
            return self._value

    def forget(self, **_signal):
        self._value = None
