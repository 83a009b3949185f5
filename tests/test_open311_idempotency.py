"""Open311 POST with an Idempotency-Key: one report per key, the same answer for every retry."""

import json
import sqlite3
import threading
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from phananh.open311 import keys, submissions
from phananh.open311.models import Submission
from phananh.reports.models import Report

from .conftest import WARD_A_POINT

URL = "/open311/v2/requests.json"


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.OPEN311_READ_RATE_LIMIT = 100_000
    settings.OPEN311_RATE_LIMIT = 100_000


@pytest.fixture
def key(city):
    return keys.create_key("Ứng dụng thử")[1]


def fields(key, **extra):
    return {"api_key": key, "service_code": "rac-thai", "lat": str(WARD_A_POINT[0]), "long": str(WARD_A_POINT[1]),
            "description": "Rác đổ thành đống.", **extra}


def post(client, data, idempotency_key=None, url=URL):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if idempotency_key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    return client.post(url, data, **headers)


def test_a_retry_gets_the_same_answer_and_no_second_report(client, key):
    first = post(client, fields(key), "4f1c7d2e-retry")
    again = post(client, fields(key), "4f1c7d2e-retry")
    assert first.status_code == again.status_code == 200
    assert json.loads(first.content) == json.loads(again.content)
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    assert first["Open311-Token"] == again["Open311-Token"] == "4f1c7d2e-retry"
    report = Report.objects.get()
    api_key_id = Submission.objects.get().api_key_id
    assert report.idempotency_key == f"o311:{api_key_id}:4f1c7d2e-retry"
    # The XML answer to a retry is the same request too.
    xml = post(client, fields(key), "4f1c7d2e-retry", url="/open311/v2/requests.xml")
    assert report.code.encode() in xml.content and Report.objects.count() == 1


def test_the_token_is_the_idempotency_key(client, key):
    code = json.loads(post(client, fields(key), "client-token-77").content)[0]["service_request_id"]
    response = client.get("/open311/v2/tokens/client-token-77.json")
    assert json.loads(response.content) == [{"service_request_id": code, "token": "client-token-77"}]


def test_without_the_header_each_post_is_a_new_report(client, key):
    post(client, fields(key))
    post(client, fields(key))
    assert Report.objects.count() == 2


def test_keys_are_scoped_per_api_key(client, key):
    other = keys.create_key("Ứng dụng khác")[1]
    a = json.loads(post(client, fields(key), "same-value").content)[0]["service_request_id"]
    b = json.loads(post(client, fields(other), "same-value").content)[0]["service_request_id"]
    assert a != b and Report.objects.count() == 2


def test_the_same_key_for_a_different_request_is_400(client, key):
    post(client, fields(key), "k-1")
    response = post(client, fields(key, description="Một phản ánh khác."), "k-1")
    assert response.status_code == 400
    assert "different request" in json.loads(response.content)[0]["description"]
    assert Report.objects.count() == 1


def test_a_failed_request_can_be_retried_with_its_key(client, key):
    assert post(client, fields(key, service_code=""), "k-2").status_code == 400
    assert post(client, fields(key), "k-2").status_code == 200
    assert Report.objects.count() == 1


@pytest.mark.parametrize("value, words", [
    ("x" * 75, "too long"),
    ("has space", "printable ASCII"),
    ("khóa", "printable ASCII"),
])
def test_bad_idempotency_keys_are_400(client, key, value, words):
    response = post(client, fields(key), value)
    assert response.status_code == 400
    assert words in json.loads(response.content)[0]["description"]
    assert not Report.objects.exists()


def test_the_longest_key_that_fits_80_characters_works(client, key):
    api_key = keys.authenticate(key)
    room = submissions.MAX_IDEMPOTENCY_LENGTH - len(f"o311:{api_key.pk}:")
    assert post(client, fields(key), "k" * room).status_code == 200
    assert post(client, fields(key), "k" * (room + 1)).status_code == 400
    assert len(Report.objects.get().idempotency_key) == 80


def test_a_retry_that_raced_past_the_lookup_still_makes_one_report(client, key, monkeypatch, photo_upload):
    """Two retries both missed each other's report before creating theirs: the
    unique key on Report decides, and the loser answers with the winner's id."""
    first = json.loads(post(client, fields(key), "raced").content)
    monkeypatch.setattr(submissions, "previous", lambda scoped, print_: None)
    second = post(client, fields(key), "raced")
    assert second.status_code == 200 and second["Idempotent-Replayed"] == "true"
    assert json.loads(second.content) == first
    assert Report.objects.count() == Submission.objects.count() == 1


@contextmanager
def database_for_threads(tmp_path):
    """Let other threads' connections write to the test database.

    pytest-django's SQLite test database lives in memory, shared between
    connections in SQLite's shared-cache mode, where a writer waiting for
    another fails at once ("database table is locked") instead of queueing.
    So the test copies it to a file for the threads, which then behave as
    in production (WAL, BEGIN IMMEDIATE, busy timeout). PostgreSQL needs
    nothing: the threads connect to the test database itself."""
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        yield
        return
    path = str(tmp_path / "threads.sqlite3")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    original = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = path  # read by every new connection, e.g. a new thread's
    try:
        yield
    finally:
        connection.settings_dict["NAME"] = original


def in_a_thread(work):
    """Run `work` on a connection of its own (in the threads' database) and return its result."""
    result = []

    def run():
        try:
            result.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return result[0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_report(city, tmp_path):
    """Threads, each with its own database connection, send the same request
    at once. On SQLite the writers queue on the database lock (BEGIN
    IMMEDIATE) and the later ones find the first one's report; on PostgreSQL
    the unique index on Report.idempotency_key lets one insert win and the
    others answer with its report."""
    key = keys.create_key("Ứng dụng song song")[1]
    start = threading.Barrier(4)
    answers, failures = [], []

    def retry():
        try:
            start.wait(timeout=10)
            response = post(Client(), fields(key), "concurrent-1")
            answers.append((response.status_code, json.loads(response.content)))
        except Exception as error:  # reported by the assertion below
            failures.append(repr(error))
        finally:
            connection.close()

    with database_for_threads(tmp_path):
        threads = [threading.Thread(target=retry) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        counts = in_a_thread(lambda: (Report.objects.count(), Submission.objects.count()))
    assert not failures
    assert [status for status, _answer in answers] == [200] * 4
    assert len({answer[0]["service_request_id"] for _status, answer in answers}) == 1
    assert counts == (1, 1)
