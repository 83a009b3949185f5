"""GET /healthz: database and job worker, as a monitor sees them."""

import time

import pytest
from django.core.cache import cache

from phananh import health
from phananh.reports.tasks import HEARTBEAT_KEY


@pytest.fixture
def worker_mode(settings):
    """Pretend a separate worker process runs the jobs (tests run them inline)."""
    settings.HUEY = {**settings.HUEY, "immediate": False}
    cache.delete(HEARTBEAT_KEY)
    yield settings
    cache.delete(HEARTBEAT_KEY)


def get(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


def test_healthy_in_immediate_mode(client, db):
    status, body = get(client)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "worker": "ok (immediate mode)"}}


def test_fresh_heartbeat_is_healthy(client, db, worker_mode):
    cache.set(HEARTBEAT_KEY, time.time() - 30, timeout=None)
    status, body = get(client)
    assert status == 200 and body["checks"]["worker"] == "ok"


def test_stale_heartbeat_is_503(client, db, worker_mode):
    cache.set(HEARTBEAT_KEY, time.time() - worker_mode.WORKER_HEARTBEAT_MAX_AGE - 60, timeout=None)
    status, body = get(client)
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["worker"].startswith("last heartbeat ")


def test_no_heartbeat_is_503(client, db, worker_mode):
    status, body = get(client)
    assert status == 503 and body["checks"]["worker"] == "no heartbeat"


def test_max_age_follows_the_setting(client, db, worker_mode):
    cache.set(HEARTBEAT_KEY, time.time() - 100, timeout=None)
    worker_mode.WORKER_HEARTBEAT_MAX_AGE = 60
    assert get(client)[0] == 503
    worker_mode.WORKER_HEARTBEAT_MAX_AGE = 180
    assert get(client)[0] == 200


def test_the_worker_heartbeat_task_writes_a_fresh_beat(client, db, worker_mode):
    from phananh.reports.tasks import heartbeat

    heartbeat.call_local()
    assert time.time() - cache.get(HEARTBEAT_KEY) < 5
    assert get(client)[0] == 200


class Broken:
    def __getattr__(self, name):
        raise ConnectionError("down")

    def cursor(self):
        raise ConnectionError("server closed the connection")


def test_database_down_is_503_not_500(client, db, monkeypatch):
    monkeypatch.setattr(health, "connection", Broken())
    status, body = get(client)
    assert status == 503
    assert body["checks"]["database"] == "error: ConnectionError"


def test_cache_down_is_503_not_500(client, db, worker_mode, monkeypatch):
    monkeypatch.setattr(health, "cache", Broken())
    status, body = get(client)
    assert status == 503
    assert body["checks"]["worker"] == "error: cache ConnectionError"


def test_needs_no_login_and_answers_head_requests(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200
