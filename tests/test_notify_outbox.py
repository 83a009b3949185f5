"""The notification outbox: written with its event, delivered by the worker,
retried with backoff, never sent twice by a retry."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from phananh.lib import clock
from phananh.notify import delivery, outbox
from phananh.notify.messages import SEPARATOR
from phananh.notify.models import Attempt, Delivery, Notification
from phananh.reports import workflow
from phananh.reports.models import Event
from phananh.reports.workflow import Citizen
from phananh.sla import jobs
from phananh.units.models import Role

from .conftest import OUTSIDE_POINT, make_user

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2025, 3, 10, 9, tzinfo=TZ)   # a Monday morning


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


class FlakyBackend(BaseEmailBackend):
    """Fails the first time, then hands over to the test outbox."""
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls == 1:
            raise TimeoutError("mail server slow")
        mail.outbox.extend(messages)
        return len(messages)


class KilledBackend(BaseEmailBackend):
    """The worker process dies while talking to the mail server."""

    def send_messages(self, messages):
        raise SystemExit("worker killed")


@pytest.fixture
def staff(city):
    for user in (city.coordinator, city.head_a, city.officer_a, city.officer_a2, city.officer_b, city.head_b):
        user.email = f"{user.username}@phuong.example.vn"
        user.save(update_fields=["email"])
    return city


def addresses(**filters):
    return sorted(Notification.objects.filter(**filters).values_list("recipient", flat=True))


def test_routing_tells_the_members_of_the_unit(staff, submit_report):
    report = submit_report()
    routed = Event.objects.get(report=report, type="routed")
    assert addresses(event=routed) == [
        "canbo_a2@phuong.example.vn", "canbo_a@phuong.example.vn", "truong_a@phuong.example.vn"]
    note = Notification.objects.filter(event=routed).first()
    assert note.status == Delivery.PENDING and note.attempts == 0 and note.channel == "email"
    assert note.report == report and note.language == "vi"
    assert report.code in note.subject and f"/phan-anh/{report.code}/" in note.body


def test_staff_messages_never_name_the_reporter(staff, submit_report):
    report = submit_report(reporter_name="Nguyễn Văn An", reporter_phone="0903123456",
                           reporter_email="an@example.vn", confidential=True, address="12 Lê Lợi")
    for note in Notification.objects.filter(report=report):
        assert "Nguyễn Văn An" not in note.body and "0903123456" not in note.body
        assert "an@example.vn" not in note.body
    assert "12 Lê Lợi" in Notification.objects.filter(report=report).first().body


def test_a_unit_without_email_addresses_gets_nothing_and_the_report_still_goes_through(city, submit_report):
    report = submit_report()
    assert report.unit == city.ward_a
    assert not Notification.objects.exists()


def test_the_citizen_hears_about_the_answer_even_when_confidential(staff, submit_report):
    report = submit_report(reporter_email="dan@example.vn", confidential=True)
    workflow.apply(report, "accept", staff.officer_a)
    workflow.apply(report, "resolve", staff.officer_a, outcome="cannot_fix", result="Cần bố trí kinh phí.")
    resolved = Event.objects.get(report=report, type="resolved")
    (note,) = Notification.objects.filter(event=resolved)
    assert note.recipient == "dan@example.vn"
    assert "Cần bố trí kinh phí." in note.body and f"/phan-anh/{report.code}/" in note.body
    # Citizens get the site's language first, then English (we do not know which they read).
    assert len(note.body.split(SEPARATOR)) == 2


def test_rejection_tells_the_citizen_why(staff, submit_report):
    report = submit_report(point=OUTSIDE_POINT, reporter_email="dan@example.vn")
    workflow.apply(report, "reject", staff.coordinator, reason="Không thuộc địa bàn thành phố.")
    (note,) = Notification.objects.filter(event__type="rejected")
    assert note.recipient == "dan@example.vn" and "Không thuộc địa bàn thành phố." in note.body


def test_no_email_no_citizen_message(staff, submit_report):
    report = submit_report(point=OUTSIDE_POINT)
    workflow.apply(report, "reject", staff.coordinator, reason="Không thuộc địa bàn.")
    assert not Notification.objects.filter(event__type="rejected").exists()


def test_a_reopen_tells_the_officer_holding_it_and_the_citizen(staff, submit_report):
    report = submit_report(reporter_email="dan@example.vn")
    workflow.apply(report, "assign_officer", staff.head_a, officer=staff.officer_a2)
    workflow.apply(report, "accept", staff.officer_a2)
    workflow.apply(report, "resolve", staff.officer_a2, outcome="cannot_fix", result="Cần kinh phí.")
    workflow.apply(report, "reopen", Citizen(report.token), comment="Rác vẫn còn nguyên.")
    reopened = Event.objects.get(report=report, type="reopened")
    assert addresses(event=reopened) == ["canbo_a2@phuong.example.vn", "dan@example.vn"]
    staff_note = Notification.objects.get(event=reopened, recipient="canbo_a2@phuong.example.vn")
    assert "Rác vẫn còn nguyên." in staff_note.body and SEPARATOR not in staff_note.body


def test_reminders_and_escalations_reach_the_right_people(staff, submit_report):
    leader = make_user("lanhdao", staff.province, Role.HEAD, email="lanhdao@tp.example.vn")
    with clock.at(T0):
        report = submit_report()
    jobs.run(datetime(2025, 3, 10, 13, 30, tzinfo=TZ))
    reminder = Event.objects.get(report=report, type="reminder")
    # Nobody holds it yet: the unit's officers (the head is told at the deadline).
    assert addresses(event=reminder) == ["canbo_a2@phuong.example.vn", "canbo_a@phuong.example.vn"]
    jobs.run(datetime(2025, 3, 12, 14, 30, tzinfo=TZ))   # two working days after the missed acknowledgement
    steps = {e.payload["level"]: e for e in Event.objects.filter(report=report, type="escalated",
                                                                 payload__kind="ack")}
    assert addresses(event=steps[0]) == ["truong_a@phuong.example.vn"]
    assert addresses(event=steps[1]) == [leader.email]
    assert addresses(event=steps[2]) == ["dieuphoi@phuong.example.vn"]
    assert not Notification.objects.filter(event__type="overdue").exists()
    body = Notification.objects.get(event=steps[1]).body
    assert staff.province.name in body and staff.ward_a.name in body


def test_the_message_is_written_in_the_transaction_of_its_event(staff, submit_report):
    report = submit_report(reporter_email="dan@example.vn")
    workflow.apply(report, "accept", staff.officer_a)
    before = Notification.objects.count()

    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), transaction.atomic():
        workflow.apply(report, "resolve", staff.officer_a, outcome="cannot_fix", result="Cần kinh phí.")
        assert Notification.objects.count() == before + 1
        raise Interrupted
    assert Notification.objects.count() == before
    assert not Event.objects.filter(report=report, type="resolved").exists()


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused(staff, submit_report):
    report = submit_report()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.enqueue(report, "x@example.vn", "Chủ đề", "Nội dung")


def test_enqueue_twice_for_the_same_event_and_person_keeps_one_row(staff, submit_report):
    report = submit_report()
    routed = Event.objects.get(report=report, type="routed")
    first = Notification.objects.filter(event=routed).first()
    with transaction.atomic():
        again = outbox.enqueue(report, first.recipient, "khác", "khác", event=routed)
        assert outbox.on_event(routed) == []   # the whole rule again adds nothing
    assert again.pk == first.pk
    assert Notification.objects.filter(event=routed).count() == 3


def test_suppressed_records_events_without_messages(staff, submit_report):
    with outbox.suppressed():
        report = submit_report()
    assert Event.objects.filter(report=report, type="routed").exists()
    assert not Notification.objects.exists()


def test_the_worker_delivers_after_the_commit(staff, submit_report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit_report()
    assert len(mail.outbox) == 3
    message = mail.outbox[0]
    assert report.code in message.subject and message.extra_headers["Auto-Submitted"] == "auto-generated"
    for note in Notification.objects.all():
        assert note.status == Delivery.SENT and note.attempts == 1 and note.sent_at and note.next_attempt_at is None
        (attempt,) = note.attempt_log.all()
        assert attempt.ok is True and attempt.finished_at
    # Running delivery again sends nothing more.
    assert delivery.deliver_due() == (0, 0)
    assert all(delivery.deliver(note.pk) is None for note in Notification.objects.all())
    assert len(mail.outbox) == 3


def one_pending(staff, submit_report):
    with clock.at(T0):
        submit_report()
    Notification.objects.exclude(recipient="truong_a@phuong.example.vn").delete()
    return Notification.objects.get()


def test_a_failing_mail_server_is_retried_with_growing_waits_then_given_up(staff, submit_report, settings):
    settings.EMAIL_BACKEND = "tests.test_notify_outbox.BrokenBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 4
    note = one_pending(staff, submit_report)
    moment, waits = T0, []
    for _ in range(4):
        assert delivery.deliver_due(moment) == (0, 1)
        note.refresh_from_db()
        if note.next_attempt_at:
            waits.append(note.next_attempt_at - moment)
            # Nothing happens before the wait is over.
            assert delivery.deliver_due(note.next_attempt_at - timedelta(seconds=1)) == (0, 0)
            moment = note.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert note.status == Delivery.FAILED and note.attempts == 4
    assert "ConnectionRefusedError: mail server down" in note.last_error
    log = list(note.attempt_log.all())
    assert len(log) == 4 and all(a.ok is False and "mail server down" in a.error for a in log)
    assert delivery.deliver_due(moment + timedelta(days=1)) == (0, 0)   # failed for good


def test_a_retry_after_a_failure_sends_it_once(staff, submit_report, settings):
    settings.EMAIL_BACKEND = "tests.test_notify_outbox.FlakyBackend"
    FlakyBackend.calls = 0
    note = one_pending(staff, submit_report)
    assert delivery.deliver_due(T0) == (0, 1)
    assert delivery.deliver_due(T0 + timedelta(minutes=1)) == (1, 0)
    assert delivery.deliver_due(T0 + timedelta(minutes=5)) == (0, 0)
    note.refresh_from_db()
    assert note.status == Delivery.SENT and note.attempts == 2 and note.last_error == ""
    assert [a.ok for a in note.attempt_log.all()] == [False, True]
    assert len(mail.outbox) == 1


def test_a_worker_killed_mid_delivery_loses_nothing(staff, submit_report, settings):
    settings.EMAIL_BACKEND = "tests.test_notify_outbox.KilledBackend"
    note = one_pending(staff, submit_report)
    with pytest.raises(SystemExit):
        delivery.deliver_due(T0)
    note.refresh_from_db()
    assert note.status == Delivery.PENDING and note.sent_at is None
    (attempt,) = Attempt.objects.filter(notification=note)
    assert attempt.ok is None and attempt.finished_at is None   # the try is on record, unfinished
    # Another worker leaves it alone while the first one's lease lasts, then sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.deliver_due(T0 + timedelta(minutes=4)) == (0, 0)
    assert delivery.deliver_due(T0 + timedelta(minutes=5)) == (1, 0)
    note.refresh_from_db()
    assert note.status == Delivery.SENT and note.attempts == 2 and len(mail.outbox) == 1


def test_backoff_is_capped(settings):
    settings.NOTIFY_RETRY_SECONDS = 60
    settings.NOTIFY_RETRY_MAX_SECONDS = 600
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 9)] == [60, 120, 240, 480, 600, 600]


def test_the_worker_sweeps_for_due_retries_every_minute():
    from phananh.notify import tasks

    assert tasks.deliver_pending.s().validate_datetime(datetime(2025, 3, 10, 9, 17))


def test_command_delivers_and_can_requeue_what_failed(staff, submit_report, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.EMAIL_BACKEND = "tests.test_notify_outbox.BrokenBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    note = one_pending(staff, submit_report)
    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert out.getvalue().strip() == "sent 0, failed 1"
    note.refresh_from_db()
    assert note.status == Delivery.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert out.getvalue().strip() == "sent 0, failed 0"
    out = StringIO()
    call_command("send_notifications", retry_failed=True, stdout=out)
    assert out.getvalue().splitlines() == ["failed notifications queued again: 1", "sent 1, failed 0"]
    assert len(mail.outbox) == 1 and note.attempt_log.count() == 2
