"""Web push: VAPID keys kept once for every server, the subscribe endpoint
behind the private token, encrypted and signed delivery through pywebpush,
expired subscriptions removed, and the button on the confirmation page."""

import base64
import json
import os
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.test import Client
from django.urls import reverse
from py_vapid import Vapid02

from phananh.intake import citizen_session
from phananh.lib import clock
from phananh.notify import delivery, outbox, push, views
from phananh.notify.models import Channel, Delivery, Notification, Subscription, VapidKey
from phananh.notify.subscriptions import subscribe
from phananh.reports import workflow

from .conftest import WARD_A_POINT
from .test_notify_sms import Receiver

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2025, 3, 10, 9, tzinfo=TZ)
FCM = "https://fcm.googleapis.com/fcm/send/"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser holds for one push subscription: the receiving key pair and the auth secret."""

    def __init__(self, endpoint=None):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint or FCM + uuid.uuid4().hex

    @property
    def keys(self):
        public = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
        return {"p256dh": b64(public), "auth": b64(self.auth)}

    def subscription(self):
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": self.keys}

    def decrypt(self, body):
        return http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")


@pytest.fixture
def push_service():
    server = Receiver()
    yield server
    server.close()


# --- keys -------------------------------------------------------------------------------

def test_the_key_pair_is_made_once_and_kept_in_the_database(db):
    assert not VapidKey.objects.exists()
    public, private = push.keys()
    assert push.keys() == (public, private) and VapidKey.objects.count() == 1
    raw_public = push.b64url_decode(public)
    assert len(raw_public) == 65 and raw_public[0] == 4   # what PushManager.subscribe takes
    # pywebpush can sign with the private half.
    assert Vapid02.from_string(private).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint) == raw_public


def test_keys_from_the_environment_win(db, settings):
    public, private = push.generate_pair()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
    assert push.keys() == (public, private)
    assert not VapidKey.objects.exists()


def test_a_server_that_loses_the_race_uses_the_winners_keys(db, monkeypatch):
    winner = push.generate_pair()
    real_generate = push.generate_pair

    def another_server_saves_first():
        # Between this server's look-up and its insert, another one stored its pair.
        VapidKey.objects.create(pk=1, public_key=winner[0], private_key=winner[1])
        return real_generate()

    monkeypatch.setattr(push, "generate_pair", another_server_saves_first)
    assert push.keys() == winner
    assert VapidKey.objects.count() == 1


def test_the_subject_names_a_contact(settings):
    settings.VAPID_SUBJECT = ""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.DEFAULT_FROM_EMAIL = "PhanAnh <no-reply@phananh.example.vn>"
    assert push.subject() == "mailto:no-reply@phananh.example.vn"
    settings.SITE_URL = "https://phananh.example.vn"
    assert push.subject() == "https://phananh.example.vn"


# --- subscribing from the phone ----------------------------------------------------------------

@pytest.fixture
def reporter(client, submit_report):
    """A report sent from this browser: its session holds the private token."""
    report = submit_report()
    session = client.session
    session[citizen_session.SESSION_KEY] = {report.code: report.token}
    session.save()
    return report


def post_subscription(client, report, data):
    return client.post(reverse("notify:push_subscribe", args=[report.code]), json.dumps(data),
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_the_phone_that_sent_the_report_subscribes(client, reporter, english):
    browser = Browser()
    response = post_subscription(client, reporter, browser.subscription())
    assert response.status_code == 201
    assert response.json() == {"subscribed": True, "message": (
        f"Done. This phone will get a notification when report {reporter.code} is answered.")}
    sub = Subscription.objects.get(channel=Channel.WEBPUSH)
    assert sub.report == reporter and sub.address == browser.endpoint and sub.push_keys == browser.keys
    assert sub.language == "en" and not sub.is_reporter
    # Pressing again changes nothing; renewed keys are taken.
    assert post_subscription(client, reporter, browser.subscription()).status_code == 200
    browser.auth = os.urandom(16)
    assert post_subscription(client, reporter, browser.subscription()).status_code == 200
    assert Subscription.objects.get(channel=Channel.WEBPUSH).push_keys == browser.keys


def test_another_device_needs_the_private_token(english, submit_report):
    client = english
    report = submit_report()
    data = Browser().subscription()
    response = post_subscription(client, report, data)
    assert response.status_code == 403 and "private link" in response.json()["error"]
    assert post_subscription(client, report, {**data, "token": "guessed"}).status_code == 403
    assert post_subscription(client, report, {**data, "token": report.token}).status_code == 201


@pytest.mark.parametrize("change, message", [
    ({"endpoint": "http://fcm.googleapis.com/fcm/send/abc"}, "push service is not supported"),
    ({"endpoint": "https://attacker.example/collect"}, "push service is not supported"),
    ({"endpoint": "https://fcm.googleapis.com.evil.example/x"}, "push service is not supported"),
    ({"endpoint": FCM + "x" * 600}, "too long"),
    ({"keys": {"p256dh": "AAAA", "auth": "BBBB"}}, "unreadable push keys"),
    ({"keys": {"auth": "BBBB"}}, "unreadable push keys"),
    ({"keys": "none"}, "incomplete"),
])
def test_bad_subscriptions_are_refused_with_a_reason(client, reporter, english, change, message):
    response = post_subscription(client, reporter, {**Browser().subscription(), **change})
    assert response.status_code == 400 and message in response.json()["error"]
    assert not Subscription.objects.filter(channel=Channel.WEBPUSH).exists()


def test_unreadable_bodies_unknown_reports_and_get_requests(client, reporter, english):
    url = reverse("notify:push_subscribe", args=[reporter.code])
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    response = client.post(url, "[]", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "The browser sent no push subscription."
    assert client.get(url).status_code == 405
    response = client.post(reverse("notify:push_subscribe", args=["ZZZZ-ZZZZ"]), "{}",
                           content_type="application/json")
    assert response.status_code == 404 and response.json()["error"] == "There is no report with this code."


def test_the_endpoint_checks_csrf(reporter):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("notify:push_subscribe", args=[reporter.code]),
                            json.dumps(Browser().subscription()), content_type="application/json")
    assert response.status_code == 403


def test_subscribing_is_rate_limited_and_capped_per_report(client, reporter, english, monkeypatch):
    monkeypatch.setattr(views, "MAX_PUSH_SUBSCRIPTIONS", 2)
    assert post_subscription(client, reporter, Browser().subscription()).status_code == 201
    assert post_subscription(client, reporter, Browser().subscription()).status_code == 201
    response = post_subscription(client, reporter, Browser().subscription())
    assert response.status_code == 400 and "Too many phones" in response.json()["error"]
    monkeypatch.setattr(views, "RATE_LIMIT", (0, 600))
    response = post_subscription(client, reporter, Browser().subscription())
    assert response.status_code == 429 and "wait a few minutes" in response.json()["error"]


# --- the confirmation page ---------------------------------------------------------------

def test_the_confirmation_page_offers_push_to_the_phone_that_sent_it(city, english):
    lat, lng = WARD_A_POINT
    response = english.post(reverse("intake:submit"), {
        "idempotency_key": str(uuid.uuid4()), "category": "rac-thai", "description": "Rác đầy hẻm 12.",
        "lat": str(lat), "lng": str(lng)}, follow=True)
    page = response.content.decode()
    assert 'id="push-offer"' in page and " hidden" in page.split('id="push-offer"')[1].split(">")[0]
    assert f'data-vapid-key="{push.public_key()}"' in page
    code = response.context["report"].code
    assert f'data-subscribe-url="{reverse("notify:push_subscribe", args=[code])}"' in page
    assert "Notify me on this phone" in page and "js/push-subscribe.js" in page
    assert 'name="csrfmiddlewaretoken"' in page.split('id="push-offer"')[1]
    # Another device opening the same page holds no token: no offer.
    other = Client()
    other.cookies["django_language"] = "en"
    assert 'id="push-offer"' not in other.get(reverse("intake:sent", args=[code])).content.decode()


# --- delivery ------------------------------------------------------------------------------

def resolved_with_push(submit_report, city, browser):
    with clock.at(T0):
        report = submit_report()
        with transaction.atomic():
            subscribe(report, Channel.WEBPUSH, browser.endpoint, push_keys=browser.keys, language="en")
        workflow.apply(report, "accept", city.officer_a)
        workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Cần kinh phí.")
    return report, Notification.objects.get(channel=Channel.WEBPUSH)


def test_a_citizen_notice_is_the_json_the_service_worker_shows(submit_report, city):
    report, note = resolved_with_push(submit_report, city, Browser())
    data = json.loads(note.body)
    assert set(data) == {"title", "body", "url"}
    assert data["title"] == f"Report {report.code} has an answer" == note.subject
    assert city.ward_a.name in data["body"] and "Cannot be fixed now" in data["body"]
    assert data["url"] == f"/phan-anh/{report.code}/"   # resolved by sw.js against its own origin
    assert note.language == "en" and note.status == Delivery.PENDING


def test_delivery_is_encrypted_for_the_browser_and_signed_with_the_site_key(submit_report, city, push_service):
    browser = Browser(endpoint=push_service.url + "/push/abc")
    push_service.answer(201)
    _report, note = resolved_with_push(submit_report, city, browser)
    assert delivery.deliver_due(T0) == (1, 0)
    (request,) = push_service.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert request["path"] == "/push/abc" and headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) == 7 * 24 * 3600
    assert json.loads(browser.decrypt(request["body"])) == json.loads(note.body)
    authorization = headers["authorization"]
    assert authorization.startswith("vapid t=") and f"k={push.public_key()}" in authorization
    assert Vapid02.verify(authorization)
    note.refresh_from_db()
    assert note.status == Delivery.SENT and note.attempts == 1


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_deleted_not_retried(submit_report, city, push_service, status):
    browser = Browser(endpoint=push_service.url + "/push/gone")
    report, note = resolved_with_push(submit_report, city, browser)
    # The same phone follows another report too.
    other = submit_report()
    with transaction.atomic():
        subscribe(other, Channel.WEBPUSH, browser.endpoint, push_keys=browser.keys)
        queued_later = outbox.enqueue(other, browser.endpoint, "x", json.dumps({"title": "x", "body": "",
                                                                                 "url": "/"}),
                                      channel=Channel.WEBPUSH)
    push_service.answer(status, b"push subscription has unsubscribed or expired.")
    assert delivery.deliver_due(T0) == (0, 1)
    note.refresh_from_db()
    assert note.status == Delivery.FAILED and note.attempts == 1 and "expired" in note.last_error
    assert not Subscription.objects.filter(channel=Channel.WEBPUSH).exists()
    assert delivery.deliver(queued_later.pk) is False
    queued_later.refresh_from_db()
    assert queued_later.status == Delivery.FAILED and "removed" in queued_later.last_error
    assert len(push_service.requests) == 1


def test_a_push_service_outage_is_retried(submit_report, city, push_service):
    browser = Browser(endpoint=push_service.url + "/push/busy")
    _report, note = resolved_with_push(submit_report, city, browser)
    push_service.answer(503, b"unavailable")
    assert delivery.deliver_due(T0) == (0, 1)
    assert delivery.deliver_due(T0 + timedelta(minutes=1)) == (1, 0)
    note.refresh_from_db()
    assert note.status == Delivery.SENT and [a.ok for a in note.attempt_log.all()] == [False, True]
    assert Subscription.objects.filter(channel=Channel.WEBPUSH).exists()
    first, second = push_service.requests
    # Encrypted afresh each try, the same message inside.
    assert browser.decrypt(first["body"]) == browser.decrypt(second["body"])
