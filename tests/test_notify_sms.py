"""Outbound SMS: numbers, the cost of Vietnamese text, the file and HTTP
gateway backends, and delivery through the outbox with retries, permanent
failures and a worker killed mid-send."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction

from phananh.lib import clock
from phananh.notify import delivery, outbox, sms
from phananh.notify.channels import PermanentError, RetryLater
from phananh.notify.channels.base import timeout
from phananh.notify.checks import notification_settings
from phananh.notify.models import Attempt, Channel, Delivery, Notification
from phananh.notify.sms.backends.http import HttpGatewayBackend
from phananh.notify.sms.text import segments, to_ascii
from phananh.notify.subscriptions import subscribe

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2025, 3, 10, 9, tzinfo=TZ)
VIETNAMESE = "Phản ánh K7MW-3QDP của bạn đã được xử lý: đèn đường trước nhà số 12 Lê Lợi đã sáng lại."


class Receiver:
    """A local HTTP server standing in for an SMS gateway or a webhook
    receiver: it records each request and answers from a script."""

    def __init__(self):
        self.requests = []
        self.answers = []  # (status, headers, body), used in order; then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append({
                    "method": self.command, "path": self.path, "headers": dict(self.headers),
                    "body": self.rfile.read(length),
                })
                status, headers, body = receiver.answers.pop(0) if receiver.answers else (200, {}, b"ok")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, status, body=b"", **headers):
        self.answers.append((status, headers, body))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def gateway(receiver, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = receiver.url + "/send"
    settings.SMS_GATEWAY_TOKEN = "Bearer s3cret"
    return receiver


# --- numbers and text ----------------------------------------------------------------

@pytest.mark.parametrize("written", ["0903 123 456", "0903.123.456", "+84 903 123 456", "84903123456", "903123456"])
def test_mobile_numbers_become_e164(written):
    assert sms.to_e164(written) == "+84903123456"


@pytest.mark.parametrize("written", ["028 3829 1234", "1900 1234", "12345", "hello", ""])
def test_landlines_and_junk_cannot_get_sms(written):
    with pytest.raises(sms.InvalidNumber):
        sms.to_e164(written)


def test_vietnamese_costs_70_characters_per_sms_and_folded_text_160():
    assert segments("a" * 160) == ("gsm", 1)
    assert segments("a" * 161) == ("gsm", 2)           # parts of 153
    assert segments("a" * 307) == ("gsm", 3)
    assert segments("ả" * 70) == ("ucs2", 1)
    assert segments("ả" * 71) == ("ucs2", 2)           # parts of 67
    assert segments(VIETNAMESE) == ("ucs2", 2)
    assert segments(to_ascii(VIETNAMESE)) == ("gsm", 1)
    assert segments("[]" * 40) == ("gsm", 1) and segments("[]" * 41) == ("gsm", 2)   # escaped: two places each


def test_folding_gives_plain_gsm_text():
    assert to_ascii("Đèn đường hư – “gấp” …") == 'Den duong hu - "gap" ...'
    assert to_ascii("Rác 🚮 ở hẻm") == "Rac ? o hem"


# --- backends ------------------------------------------------------------------------

def test_the_default_backend_writes_files_and_sends_nothing(settings, tmp_path):
    assert settings.SMS_BACKEND == "file"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    sms.send_sms("0903 123 456", VIETNAMESE)
    (written,) = list((tmp_path / "sms").iterdir())
    text = written.read_text(encoding="utf-8")
    assert text.startswith("To: +84903123456\n") and "Parts: 2 (ucs2)" in text and VIETNAMESE in text


def test_sms_ascii_folds_accents_before_sending(settings):
    settings.SMS_BACKEND = "locmem"
    settings.SMS_ASCII = True
    sms.outbox.clear()
    sms.send_sms("0903123456", "Đèn đường đã sáng")
    assert sms.outbox == [("+84903123456", "Den duong da sang")]


def test_the_gateway_gets_json_with_the_token_and_the_text_as_is(gateway):
    sms.send_sms("0903 123 456", 'Trả lời "ok"}, {"to": "+1"')
    (request,) = gateway.requests
    assert request["method"] == "POST" and request["path"] == "/send"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    # The text is a value inside the template, never part of its syntax.
    assert json.loads(request["body"]) == {"to": "+84903123456", "text": 'Trả lời "ok"}, {"to": "+1"'}


def test_the_gateway_body_template_and_form_encoding_are_configurable(gateway, settings):
    settings.SMS_GATEWAY_FORMAT = "form"
    settings.SMS_GATEWAY_BODY = "phone={to_digits}&msg={text}&brand=PHANANH"
    settings.SMS_GATEWAY_AUTH_HEADER = "X-Api-Key"
    settings.SMS_GATEWAY_TOKEN = "k-123"
    sms.send_sms("0903123456", "Xin chào & hẹn gặp")
    request = gateway.requests[-1]
    assert request["headers"]["X-Api-Key"] == "k-123"
    assert parse_qs(request["body"].decode()) == {
        "phone": ["84903123456"], "msg": ["Xin chào & hẹn gặp"], "brand": ["PHANANH"]}
    settings.SMS_GATEWAY_METHOD = "GET"
    settings.SMS_GATEWAY_BODY = "to={to_national}&text={text}"
    sms.send_sms("0903123456", "Chào")
    request = gateway.requests[-1]
    assert request["method"] == "GET" and parse_qs(urlsplit(request["path"]).query) == {
        "to": ["0903123456"], "text": ["Chào"]}


def test_gateway_answers_decide_between_retry_and_giving_up(gateway, settings):
    backend = HttpGatewayBackend()
    gateway.answer(400, b'{"error": "invalid destination"}')
    with pytest.raises(PermanentError, match="invalid destination"):
        backend.send("+84903123456", "x")
    gateway.answer(503, b"busy")
    with pytest.raises(ConnectionError):
        backend.send("+84903123456", "x")
    gateway.answer(401, b"bad token")   # our credential: fix the settings, the messages wait
    with pytest.raises(ConnectionError):
        backend.send("+84903123456", "x")
    gateway.answer(429, b"slow down", **{"Retry-After": "120"})
    with pytest.raises(RetryLater) as raised:
        backend.send("+84903123456", "x")
    assert raised.value.seconds == 120
    settings.SMS_GATEWAY_SUCCESS_STATUSES = [200]
    gateway.answer(202, b"queued")
    with pytest.raises(ConnectionError):
        backend.send("+84903123456", "x")


def test_network_timeouts_stay_inside_the_delivery_lease(settings):
    settings.NOTIFY_LEASE_SECONDS = 30
    assert timeout(15) == 10
    assert timeout(5) == 5


def test_a_misconfigured_gateway_is_reported_by_manage_py_check(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = ""
    assert [problem.id for problem in notification_settings(None)] == ["notify.E002"]
    settings.SMS_GATEWAY_URL = "https://sms.example.vn/send"
    settings.SMS_GATEWAY_BODY = "{not json"
    assert "not valid JSON" in notification_settings(None)[0].msg
    settings.SMS_BACKEND = "no.such.Backend"
    assert [problem.id for problem in notification_settings(None)] == ["notify.E001"]


# --- through the outbox -------------------------------------------------------------------

def queued_sms(submit_report, phone="0903123456"):
    with clock.at(T0):
        report = submit_report()
        with transaction.atomic():
            subscribe(report, Channel.SMS, phone)
            note = outbox.enqueue(report, phone, f"PhanAnh {report.code}", f"PhanAnh: {report.code} đã xử lý.",
                                  channel=Channel.SMS)
    return note


def test_a_failing_gateway_is_retried_with_backoff_and_each_try_recorded(gateway, submit_report):
    note = queued_sms(submit_report)
    gateway.answer(503, b"down")
    gateway.answer(500, b"still down")
    assert delivery.deliver_due(T0) == (0, 1)
    note.refresh_from_db()
    assert note.next_attempt_at == T0 + timedelta(minutes=1) and note.status == Delivery.PENDING
    assert delivery.deliver_due(T0 + timedelta(seconds=59)) == (0, 0)
    assert delivery.deliver_due(T0 + timedelta(minutes=1)) == (0, 1)
    note.refresh_from_db()
    assert note.next_attempt_at == T0 + timedelta(minutes=3)
    assert delivery.deliver_due(T0 + timedelta(minutes=3)) == (1, 0)
    note.refresh_from_db()
    assert note.status == Delivery.SENT and note.attempts == 3
    assert [a.ok for a in note.attempt_log.all()] == [False, False, True]
    assert "HTTP 503: down" in note.attempt_log.first().error
    assert len(gateway.requests) == 3
    assert {json.loads(r["body"])["text"] for r in gateway.requests} == {note.body}


def test_a_rejected_number_fails_for_good_at_once(gateway, submit_report):
    note = queued_sms(submit_report)
    gateway.answer(400, b"invalid number")
    assert delivery.deliver_due(T0) == (0, 1)
    note.refresh_from_db()
    assert note.status == Delivery.FAILED and note.attempts == 1 and note.next_attempt_at is None
    assert note.last_error.startswith("PermanentError: HTTP 400")
    assert delivery.deliver_due(T0 + timedelta(days=1)) == (0, 0)
    assert len(gateway.requests) == 1


def test_a_landline_is_never_sent_to(gateway, submit_report):
    note = queued_sms(submit_report, phone="028 3829 1234")
    assert delivery.deliver_due(T0) == (0, 1)
    note.refresh_from_db()
    assert note.status == Delivery.FAILED and note.attempts == 1 and "landline" in note.last_error
    assert gateway.requests == []


def test_a_worker_killed_between_claim_and_outcome_loses_nothing(gateway, submit_report, monkeypatch):
    note = queued_sms(submit_report)
    real_send = HttpGatewayBackend.send

    def send_then_die(self, number, text):
        real_send(self, number, text)   # the gateway took it...
        raise SystemExit("worker killed")  # ...and the worker died before recording it

    monkeypatch.setattr(HttpGatewayBackend, "send", send_then_die)
    with pytest.raises(SystemExit):
        delivery.deliver_due(T0)
    note.refresh_from_db()
    assert note.status == Delivery.PENDING and note.attempts == 1
    (attempt,) = Attempt.objects.filter(notification=note)
    assert attempt.ok is None and attempt.finished_at is None
    # A restarted worker leaves it alone while the lease lasts, then sends it
    # again: at least once, never lost.
    monkeypatch.setattr(HttpGatewayBackend, "send", real_send)
    assert delivery.deliver_due(T0 + timedelta(minutes=4)) == (0, 0)
    with clock.at(T0 + timedelta(minutes=4, seconds=59)):
        call_command("send_notifications", stdout=StringIO())   # a cron run, still inside the lease
    assert delivery.deliver_due(T0 + timedelta(minutes=5)) == (1, 0)
    note.refresh_from_db()
    assert note.status == Delivery.SENT and note.attempts == 2
    assert len(gateway.requests) == 2


def test_while_one_worker_sends_another_cannot_take_the_row(gateway, submit_report, monkeypatch):
    note = queued_sms(submit_report)
    real_send = HttpGatewayBackend.send
    second_worker = []

    def send_slowly(self, number, text):
        second_worker.append(delivery.deliver(note.pk))   # another worker, mid-send of the first
        real_send(self, number, text)

    monkeypatch.setattr(HttpGatewayBackend, "send", send_slowly)
    with clock.at(T0):
        assert delivery.deliver(note.pk) is True
        assert delivery.deliver(note.pk) is None   # sent: nothing left to do
    assert second_worker == [None]
    assert len(gateway.requests) == 1
    assert Notification.objects.get(pk=note.pk).attempts == 1
