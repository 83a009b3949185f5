"""SQLite writers queue on a file lock (phananh/db/sqlite): a second write
transaction waits for the first instead of polling, and the lock is always
given back, after a commit, a rollback or a closed connection."""

import fcntl
import os
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.db.utils import ConnectionHandler


@contextmanager
def writing(connection):
    """A write transaction the way transaction.atomic opens one on SQLite."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield connection.cursor()
    except BaseException:
        connection.rollback()
        connection.set_autocommit(True)
        raise
    connection.commit()
    connection.set_autocommit(True)


@pytest.fixture
def connections(tmp_path, django_db_blocker):
    settings = {
        "ENGINE": "phananh.db.sqlite", "NAME": str(tmp_path / "queue.sqlite3"),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20},
    }
    handler = ConnectionHandler({"default": dict(settings), "two": dict(settings)})
    # Two connections of their own to a file database, beside the test database.
    with django_db_blocker.unblock():
        with handler["default"].cursor() as cursor:
            cursor.execute("CREATE TABLE t (n INTEGER)")
        yield handler
        handler.close_all()


def test_a_second_writer_waits_for_the_first_to_commit(connections):
    first = connections["default"]
    order, entered = [], threading.Event()

    def late_writer():
        second = connections["two"]  # connections belong to their thread
        entered.wait()
        with writing(second) as cursor:
            order.append("second begins")
            cursor.execute("INSERT INTO t VALUES (2)")
        second.close()

    thread = threading.Thread(target=late_writer)
    thread.start()
    with writing(first) as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
        entered.set()
        time.sleep(0.3)  # the other writer is waiting on the lock meanwhile
        order.append("first commits")
    thread.join(5)
    assert order == ["first commits", "second begins"]
    with first.cursor() as cursor:
        cursor.execute("SELECT n FROM t ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == [1, 2]


def queue_is_taken(path):
    """Whether some write transaction holds the queue's lock file now."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return False


def test_a_write_transaction_holds_the_queue_until_commit_or_rollback(connections):
    first = connections["default"]
    lock_file = first.settings_dict["NAME"] + "-writers.lock"
    with writing(first) as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
        assert queue_is_taken(lock_file)
    assert not queue_is_taken(lock_file)
    with pytest.raises(ZeroDivisionError), writing(first) as cursor:
        cursor.execute("INSERT INTO t VALUES (2)")
        assert queue_is_taken(lock_file)
        raise ZeroDivisionError
    assert not queue_is_taken(lock_file)
    # Reads need no turn in the queue.
    first.cursor().execute("SELECT count(*) FROM t")
    assert not queue_is_taken(lock_file)
    first.close()
    assert first._writers is None


def test_a_write_outside_a_transaction_waits_its_turn_too(connections):
    """An autocommit UPDATE (the job worker's) must not take SQLite's lock
    behind the back of the transaction whose turn it is."""
    first = connections["default"]
    lock_file = first.settings_dict["NAME"] + "-writers.lock"
    first.cursor().execute("SELECT count(*) FROM t")  # connected: the lock file exists
    other = os.open(lock_file, os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)  # another process's turn
    done = threading.Event()

    def autocommit_writer():
        second = connections["two"]
        second.cursor().execute("INSERT INTO t VALUES (7)")
        done.set()
        second.close()

    thread = threading.Thread(target=autocommit_writer)
    thread.start()
    try:
        assert not done.wait(0.3)
        first.cursor().execute("SELECT count(*) FROM t")  # reads do not wait
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    thread.join(5)
    assert done.is_set() and not queue_is_taken(lock_file)
    assert first.cursor().execute("SELECT n FROM t").fetchall() == [(7,)]


def test_in_memory_databases_have_nothing_to_lock(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL")
    with transaction.atomic():
        assert not connection.holds_write_lock


# --- the job queue (phananh.db.sqlite.jobs) ------------------------------------------------

@pytest.fixture
def job_storage(tmp_path):
    from phananh.db.sqlite.jobs import QueuedSqliteStorage

    storage = QueuedSqliteStorage("phananh", filename=str(tmp_path / "jobs.sqlite3"))
    yield storage, str(tmp_path / "jobs.sqlite3-writers.lock")
    storage.close()


def test_the_job_queue_commits_without_waiting_for_the_disk(job_storage):
    storage, _lock_file = job_storage
    assert storage.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert storage.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_the_job_queue_writes_in_turn_and_gives_the_turn_back(job_storage):
    storage, lock_file = job_storage
    with storage.db(commit=True) as cursor:
        cursor.execute("SELECT 1")
        assert queue_is_taken(lock_file)
    assert not queue_is_taken(lock_file)
    with pytest.raises(ZeroDivisionError), storage.db(commit=True):
        raise ZeroDivisionError
    assert not queue_is_taken(lock_file)
    storage.enqueue(b"first job")
    assert storage.dequeue() == b"first job"
    assert not queue_is_taken(lock_file)


def test_an_enqueue_waits_while_another_process_writes(job_storage):
    storage, lock_file = job_storage
    storage.enqueue(b"warm up")  # the tables and the connection exist
    other = os.open(lock_file, os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)  # as another process's write would
    done = threading.Event()
    thread = threading.Thread(target=lambda: (storage.enqueue(b"waiting job"), done.set()))
    thread.start()
    try:
        assert not done.wait(0.3)
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    thread.join(5)
    assert done.is_set() and storage.queue_size() == 2
