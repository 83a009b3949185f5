"""Webhooks per unit: written with the event, signed, the same body on every
retry, permanent 4xx failures, and the receiver's verification code from
docs/notifications.md."""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from phananh.lib import clock
from phananh.notify import delivery, webhooks
from phananh.notify.models import Channel, Delivery, Notification, WebhookEndpoint
from phananh.reports import workflow
from phananh.reports.models import Event

from .test_notify_sms import Receiver

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2025, 3, 10, 9, tzinfo=TZ)
DOC = Path(__file__).resolve().parent.parent / "docs" / "notifications.md"


def docs_verifier():
    """The verification function exactly as docs/notifications.md shows it."""
    text = DOC.read_text(encoding="utf-8")
    snippet = re.search(r"<!-- webhook-verify-snippet.*?-->\s*```python\n(.*?)```", text, re.S).group(1)
    namespace = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)
    return namespace["verify_phananh_webhook"]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(city, receiver):
    return WebhookEndpoint.objects.create(unit=city.ward_a, url=receiver.url + "/hook")


def webhook_rows(**filters):
    return Notification.objects.filter(channel=Channel.WEBHOOK, **filters).order_by("id")


def routed_report(submit_report, **kwargs):
    with clock.at(T0):
        return submit_report(**kwargs)


# --- written with the event ----------------------------------------------------------------

def test_an_endpoint_has_its_own_generated_secret(city):
    one = WebhookEndpoint.objects.create(unit=city.ward_a, url="https://dms.example.vn/a")
    two = WebhookEndpoint.objects.create(unit=city.ward_b, url="https://dms.example.vn/b")
    assert len(one.secret) >= 40 and one.secret != two.secret


def test_routing_to_a_unit_queues_its_webhook_with_the_report(endpoint, submit_report, city):
    report = routed_report(submit_report, reporter_name="Nguyễn Văn An", reporter_phone="0903123456",
                           reporter_email="an@example.vn", address="12 Lê Lợi")
    routed = Event.objects.get(report=report, type="routed")
    (row,) = webhook_rows()
    assert row.event == routed and row.webhook == endpoint and row.recipient == endpoint.url
    assert row.subject == "routed" and row.status == Delivery.PENDING
    body = json.loads(row.body)
    assert body["event_id"] == routed.seq and body["type"] == "routed" and body["unit"] == city.ward_a.code
    assert body["occurred_at"] == "2025-03-10T02:00:00+00:00"
    assert body["report"] == {
        "code": report.code, "status": "assigned", "category": "rac-thai", "unit": city.ward_a.code,
        "lat": report.lat, "lng": report.lng, "address": "12 Lê Lợi",
        "received_at": "2025-03-10T02:00:00+00:00",
        "ack_due": report.ack_due.astimezone(ZoneInfo("UTC")).isoformat(),
        "resolve_due": report.resolve_due.astimezone(ZoneInfo("UTC")).isoformat(),
        "url": f"http://127.0.0.1:8000/phan-anh/{report.code}/",
    }
    # The reporter's identity never leaves by webhook.
    for secret in ("Nguyễn Văn An", "0903123456", "an@example.vn"):
        assert secret not in row.body


def test_every_later_event_of_the_unit_goes_out_including_internal_ones(endpoint, submit_report, city):
    report = routed_report(submit_report)
    workflow.apply(report, "assign_officer", city.head_a, officer=city.officer_a)
    workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "note", city.officer_a, text="Đã liên hệ đội vệ sinh.")
    workflow.apply(report, "return", city.officer_a, reason="Thuộc khu vực phường Sài Gòn.")
    types = [row.subject for row in webhook_rows()]
    assert types == ["routed", "officer_assigned", "acknowledged", "note", "returned"]
    returned = json.loads(webhook_rows().last().body)
    # The returning unit hears about it; the report itself no longer has a unit.
    assert returned["unit"] == city.ward_a.code and returned["report"]["unit"] is None
    assert returned["data"]["reason"] == "Thuộc khu vực phường Sài Gòn."
    seqs = [json.loads(row.body)["event_id"] for row in webhook_rows()]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5


def test_event_types_inactive_endpoints_and_other_units_filter(city, submit_report):
    only_resolved = WebhookEndpoint.objects.create(unit=city.ward_a, url="https://a.example.vn/h",
                                                   event_types=["resolved"])
    WebhookEndpoint.objects.create(unit=city.ward_a, url="https://off.example.vn/h", active=False)
    WebhookEndpoint.objects.create(unit=city.ward_b, url="https://b.example.vn/h")
    report = routed_report(submit_report)
    workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Cần kinh phí.")
    (row,) = webhook_rows()
    assert row.webhook == only_resolved and row.subject == "resolved"


def test_a_rolled_back_change_sends_no_webhook(endpoint, submit_report, city):
    report = routed_report(submit_report)
    before = webhook_rows().count()

    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), transaction.atomic():
        workflow.apply(report, "accept", city.officer_a)
        assert webhook_rows().count() == before + 1
        raise Interrupted
    assert webhook_rows().count() == before


# --- delivery --------------------------------------------------------------------------

def test_delivery_is_signed_and_verifies_with_the_documented_code(endpoint, submit_report, receiver):
    routed_report(submit_report)
    row = webhook_rows().get()
    assert delivery.deliver_due(T0) == (1, 0)
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["method"] == "POST" and request["path"] == "/hook"
    assert body == row.body.encode()
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-PhanAnh-Event-Id"] == str(json.loads(body)["event_id"])
    assert headers["X-PhanAnh-Timestamp"] == str(int(T0.timestamp()))
    assert headers["X-PhanAnh-Signature"].startswith("sha256=")
    verify = docs_verifier()
    at = T0.timestamp() + 10
    assert verify(endpoint.secret, headers, body, now=at)
    assert webhooks.verify(endpoint.secret, headers["X-PhanAnh-Timestamp"], body.decode(),
                           headers["X-PhanAnh-Signature"], now=at)
    # Wrong secret, altered body, replayed later: refused.
    assert not verify("another-secret", headers, body, now=at)
    assert not verify(endpoint.secret, headers, body.replace(b'"routed"', b'"closed"'), now=at)
    assert not verify(endpoint.secret, headers, body, now=at + 3600)
    assert not verify(endpoint.secret, {**headers, "X-PhanAnh-Timestamp": "soon"}, body, now=at)


def test_a_retry_sends_the_very_same_body(endpoint, submit_report, receiver):
    routed_report(submit_report)
    receiver.answer(500, b"database busy")
    receiver.answer(408, b"timeout")
    assert delivery.deliver_due(T0) == (0, 1)
    assert delivery.deliver_due(T0 + timedelta(minutes=1)) == (0, 1)
    assert delivery.deliver_due(T0 + timedelta(minutes=3)) == (1, 0)
    first, second, third = receiver.requests
    assert first["body"] == second["body"] == third["body"]
    assert first["headers"]["X-PhanAnh-Event-Id"] == third["headers"]["X-PhanAnh-Event-Id"]
    # Each try is signed at its own moment, and each signature is valid.
    assert first["headers"]["X-PhanAnh-Timestamp"] != third["headers"]["X-PhanAnh-Timestamp"]
    verify = docs_verifier()
    for request in (first, second, third):
        moment = int(request["headers"]["X-PhanAnh-Timestamp"])
        assert verify(endpoint.secret, request["headers"], request["body"], now=moment)
    row = webhook_rows().get()
    assert row.status == Delivery.SENT and [a.ok for a in row.attempt_log.all()] == [False, False, True]


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_4xx_answer_fails_for_good_without_retrying(endpoint, submit_report, receiver, status):
    routed_report(submit_report)
    receiver.answer(status, b"no such hook")
    assert delivery.deliver_due(T0) == (0, 1)
    row = webhook_rows().get()
    assert row.status == Delivery.FAILED and row.attempts == 1
    assert row.last_error.startswith(f"PermanentError: HTTP {status}")
    assert delivery.deliver_due(T0 + timedelta(days=1)) == (0, 0)
    assert len(receiver.requests) == 1


def test_429_waits_as_long_as_the_receiver_asks(endpoint, submit_report, receiver):
    routed_report(submit_report)
    receiver.answer(429, b"slow down", **{"Retry-After": "600"})
    assert delivery.deliver_due(T0) == (0, 1)
    row = webhook_rows().get()
    assert row.status == Delivery.PENDING and row.next_attempt_at == T0 + timedelta(minutes=10)


def test_a_refused_connection_is_retried(endpoint, submit_report, receiver):
    routed_report(submit_report)
    receiver.close()   # nobody listens any more
    assert delivery.deliver_due(T0) == (0, 1)
    row = webhook_rows().get()
    assert row.status == Delivery.PENDING and row.next_attempt_at == T0 + timedelta(minutes=1)


def test_a_redirect_is_not_followed(endpoint, submit_report, receiver):
    routed_report(submit_report)
    receiver.answer(302, b"", Location="http://127.0.0.1:9/elsewhere")
    assert delivery.deliver_due(T0) == (0, 1)
    row = webhook_rows().get()
    assert row.status == Delivery.PENDING and "HTTP 302" in row.last_error
    assert len(receiver.requests) == 1


def test_a_deleted_or_switched_off_endpoint_fails_its_pending_webhooks(endpoint, submit_report, receiver, city):
    report = routed_report(submit_report)
    with clock.at(T0):
        workflow.apply(report, "accept", city.officer_a)
    endpoint.active = False
    endpoint.save()
    first, second = webhook_rows()
    assert delivery.deliver(first.pk, now=T0) is False
    first.refresh_from_db()
    assert first.status == Delivery.FAILED and "switched off" in first.last_error
    endpoint.delete()
    assert delivery.deliver(second.pk, now=T0) is False
    second.refresh_from_db()
    assert second.status == Delivery.FAILED and "deleted" in second.last_error
    assert receiver.requests == []


# --- admin ------------------------------------------------------------------------------

def test_administrators_manage_endpoints_in_the_admin(client, city):
    admin = get_user_model().objects.create_superuser("quantri", "quantri@example.vn", "test-pass-123")
    client.force_login(admin)
    add = reverse("admin:notify_webhookendpoint_add")
    assert client.get(add).status_code == 200
    response = client.post(add, {"unit": city.ward_a.pk, "url": "https://dms.example.vn/phananh",
                                 "description": "Hệ thống quản lý văn bản", "active": "on",
                                 "event_types": ["routed", "reopened"]})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["routed", "reopened"] and endpoint.secret
    page = client.get(reverse("admin:notify_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page
    old = endpoint.secret
    client.post(reverse("admin:notify_webhookendpoint_changelist"),
                {"action": "new_secret", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.secret != old
