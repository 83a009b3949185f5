"""The job queue on SQLite (the single-box default): huey's SqliteHuey with
two changes made for bursts of reports.

- Writers (every enqueue, every dequeue by the worker) wait in the same
  kind of queue as PhanAnh's own database (phananh.db.sqlite.writers)
  instead of SQLite's busy retries, whose sleeps grow to 100 ms.
- `synchronous=NORMAL` instead of huey's FULL: in WAL mode a commit then
  needs no flush to disk, and a crash of any process still loses nothing;
  only a power cut can drop the last jobs queued. Nothing depends on those
  alone: every job re-derives its work from rows of the main database,
  and the periodic runs pick up what was missed (notifications still
  pending, photos still to process: docs/operations.md).
"""

import contextlib
import threading

from huey import Huey
from huey.storage import SqliteStorage

from .writers import WriterQueue


class QueuedSqliteStorage(SqliteStorage):
    def __init__(self, *args, **kwargs):
        # One place in the queue per thread: flock tells holders apart by
        # open file, and a gunicorn process runs several request threads.
        # (Set first: huey's constructor already writes, creating the tables.)
        self._places = threading.local()
        super().__init__(*args, **kwargs)

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn

    def _place(self):
        place = getattr(self._places, "queue", None)
        if place is None:
            place = self._places.queue = WriterQueue(self.filename)
        return place

    @contextlib.contextmanager
    def db(self, commit=False, close=False):
        if not commit:
            with super().db(commit, close) as cursor:
                yield cursor
            return
        place = self._place()
        place.take()
        try:
            with super().db(commit, close) as cursor:
                yield cursor
        finally:
            place.release()


class SqliteHuey(Huey):
    storage_class = QueuedSqliteStorage
