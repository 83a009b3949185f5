"""SQLite whose writers wait their turn in a queue instead of polling.

SQLite lets one writer in at a time. A second writer's BEGIN IMMEDIATE is
refused with "busy", and the sqlite3 module retries with sleeps growing to
100 ms: under eight concurrent submissions most of the time is spent
asleep after the lock was already free, and latency explodes. Here every
write transaction first takes an exclusive `flock` on a file beside the
database. The kernel queues the waiters and wakes the next one the moment
the lock is released, so transactions follow each other back to back.
Readers are untouched (WAL lets them run beside the writer), and a writer
outside this queue (the sqlite3 shell, a backup) still only meets SQLite's
own busy handling.

Used automatically for SQLite databases (phananh/settings.py); in-memory
databases (the test suite) have no file to lock and skip the queue.
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock_fd = None
    _holds_write_lock = False

    def _lock_path(self):
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return f"{name}-writers.lock"

    def _take_write_lock(self):
        path = self._lock_path()
        if path is None or self._holds_write_lock:
            return
        if self._write_lock_fd is None:
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX)
        self._holds_write_lock = True

    def _release_write_lock(self):
        if self._holds_write_lock:
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
            self._holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
