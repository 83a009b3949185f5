"""The queue SQLite writers wait in: an exclusive `flock` on a file beside
the database (`<database>-writers.lock`).

SQLite lets one writer in at a time and answers the others "busy"; the
sqlite3 module then retries with sleeps that grow to 100 ms, so under a
burst most of the time is spent asleep after the lock was already free.
The kernel instead queues `flock` waiters and wakes the next one the moment
the lock is released, so write transactions follow each other back to back.
Used by PhanAnh's database connections (phananh.db.sqlite.base) and by the
job queue's (phananh.db.sqlite.jobs).
"""

import fcntl
import os


class WriterQueue:
    """One process's place in the queue of one database file. Not shared
    between threads: each connection (or thread-safe owner) has its own."""

    def __init__(self, database_path):
        self.path = f"{database_path}-writers.lock"
        self._fd = None
        self.held = False

    def take(self):
        if self.held:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self.held = True

    def release(self):
        if self.held:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self.held = False

    def close(self):
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self):
        # A thread's place (phananh.db.sqlite.jobs) goes when the thread does.
        self.close()
