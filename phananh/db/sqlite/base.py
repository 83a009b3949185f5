"""SQLite whose writers wait their turn in a queue instead of polling.

Every write transaction first takes its turn in the database's writer
queue (phananh.db.sqlite.writers), and gives it up at commit or rollback.
So does a single write outside a transaction (autocommit, as the job
worker's updates are): one that bypassed the queue would take SQLite's lock
under the feet of the queue's holder, whose BEGIN would then meet SQLite's
sleeping retries while everyone behind it waits. Readers are untouched
(WAL lets them run beside the writer), and a writer outside this queue
(the sqlite3 shell, a backup) still only meets SQLite's own busy handling.

Used automatically for SQLite databases (phananh/settings.py); in-memory
databases (the test suite) have no file to lock and skip the queue.
"""

from contextlib import contextmanager

from django.db.backends.sqlite3 import base

from .writers import WriterQueue

READS = ("SELECT", "PRAGMA")


class QueuedCursor(base.SQLiteCursorWrapper):
    wrapper = None  # the DatabaseWrapper, set on a subclass per connection

    def execute(self, query, params=None):
        with self.wrapper.turn_for(query):
            return super().execute(query, params)

    def executemany(self, query, param_list):
        with self.wrapper.turn_for(query):
            return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    _writers = None
    _cursor_class = None

    def create_cursor(self, name=None):
        if self._cursor_class is None:
            self._cursor_class = type("QueuedCursor", (QueuedCursor,), {"wrapper": self})
        return self.connection.cursor(factory=self._cursor_class)

    @contextmanager
    def turn_for(self, query):
        """A place in the writer queue for one statement run outside a
        transaction, unless it only reads."""
        if self.holds_write_lock or self.connection.in_transaction or query.lstrip()[:6].upper() in READS:
            yield
            return
        self._take_write_lock()
        try:
            yield
        finally:
            if not self.connection.in_transaction:
                self._release_write_lock()

    @property
    def holds_write_lock(self):
        return self._writers is not None and self._writers.held

    def _take_write_lock(self):
        if self._writers is None:
            name = str(self.settings_dict["NAME"])
            if self.is_in_memory_db() or not name:
                return
            self._writers = WriterQueue(name)
        self._writers.take()

    def _release_write_lock(self):
        if self._writers is not None:
            self._writers.release()

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
            if self._writers is not None:
                self._writers.close()
                self._writers = None
