"""Who hears about a report: the reporter subscribed in the report's own
transaction on the channel they chose, citizen notices to every
subscription on its channel, and the staff notices."""

import importlib
import json
import re
import uuid

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from phananh.notify import subscriptions
from phananh.notify.models import Channel, Notification, Subscription
from phananh.notify.sms import segments
from phananh.reports import workflow
from phananh.reports.models import Category, Report
from phananh.reports.workflow import Citizen

from .conftest import OUTSIDE_POINT, WARD_A_POINT


def subs(report):
    return sorted(Subscription.objects.filter(report=report).values_list("channel", "address", "is_reporter"))


# --- the reporter, at submit ----------------------------------------------------------------

def test_the_email_given_at_submit_becomes_a_reporter_subscription(submit_report):
    report = submit_report(reporter_email="dan@example.vn", reporter_phone="0903123456")
    # A phone on the web form is for the unit to call back, not for SMS.
    assert subs(report) == [("email", "dan@example.vn", True)]


def test_the_subscription_is_part_of_the_reports_transaction(city):
    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), transaction.atomic():
        workflow.submit(category=Category.objects.get(code="rac-thai"), description="Rác.", channel="web",
                        lat=WARD_A_POINT[0], lng=WARD_A_POINT[1], reporter_email="dan@example.vn")
        assert Subscription.objects.count() == 1
        raise Interrupted
    assert not Report.objects.exists() and not Subscription.objects.exists()


def test_reports_by_phone_call_answer_by_sms_to_a_mobile(city):
    report, _token = workflow.submit(category=Category.objects.get(code="rac-thai"), description="Đèn hư.",
                                     channel="phone", lat=WARD_A_POINT[0], lng=WARD_A_POINT[1],
                                     reporter_phone="0903 123 456")
    assert subs(report) == [("sms", "+84903123456", True)]
    landline, _token = workflow.submit(category=Category.objects.get(code="rac-thai"), description="Đèn hư.",
                                       channel="phone", lat=WARD_A_POINT[0], lng=WARD_A_POINT[1],
                                       reporter_phone="028 3829 1234")
    assert subs(landline) == []


@pytest.mark.parametrize("choice, expected", [
    ("email", [("email", "dan@example.vn", True)]),
    ("sms", [("sms", "+84903123456", True)]),
    ("push", [("email", "dan@example.vn", True)]),
    ("none", []),
])
def test_a_stated_choice_decides(submit_report, choice, expected):
    report = submit_report(reporter_email="dan@example.vn", reporter_phone="0903123456", notify_by=choice)
    assert subs(report) == expected
    # Without a choice the default applies.
    assert subs(submit_report(reporter_email="dan@example.vn")) == [("email", "dan@example.vn", True)]


# --- the web form's choice ------------------------------------------------------------------

SUBMIT = reverse("intake:submit")


def post_form(client, **fields):
    lat, lng = WARD_A_POINT
    data = {"idempotency_key": str(uuid.uuid4()), "category": "rac-thai", "description": "Rác đầy hẻm 12.",
            "lat": str(lat), "lng": str(lng), **fields}
    return client.post(SUBMIT, data)


def test_the_form_asks_how_to_tell_the_citizen(city, english):
    page = english.get(SUBMIT).content.decode()
    assert "How should we tell you about progress?" in page
    for value in ("email", "sms", "push", "none"):
        assert f'name="notify_by" value="{value}"' in page
    assert 'id="notify-by"' in page and "<legend>How should we tell you about progress?</legend>" in page


def test_choosing_sms_subscribes_the_phone(city, english):
    response = post_form(english, notify_by="sms", reporter_phone="0903 123 456", reporter_email="dan@example.vn")
    assert response.status_code == 302
    assert subs(Report.objects.get()) == [("sms", "+84903123456", True)]


def test_choosing_no_messages_subscribes_nobody(city, english):
    post_form(english, notify_by="none", reporter_email="dan@example.vn")
    assert subs(Report.objects.get()) == []


def test_no_choice_keeps_the_email_rule(city, english):
    post_form(english, reporter_email="dan@example.vn")
    assert subs(Report.objects.get()) == [("email", "dan@example.vn", True)]


@pytest.mark.parametrize("fields, field, message", [
    ({"notify_by": "email"}, "reporter_email", "Enter your email address to get updates by email"),
    ({"notify_by": "sms"}, "reporter_phone", "Enter your mobile number to get updates by SMS"),
    ({"notify_by": "sms", "reporter_phone": "028 3829 1234"}, "reporter_phone",
     "SMS can only go to a Vietnamese mobile number"),
    ({"notify_by": "pigeon"}, "notify_by", "Choose how we should tell you from the list."),
])
def test_a_choice_without_its_address_is_explained_at_the_field(city, english, fields, field, message):
    response = post_form(english, **fields)
    assert response.status_code == 200 and not Report.objects.exists()
    page = response.content.decode()
    assert message in page
    anchor = "notify-by" if field == "notify_by" else f"id_{field}"
    assert f'href="#{anchor}"' in page   # linked from the error summary
    if field != "notify_by":
        assert f'id="id_{field}_error"' in page
        assert re.search(rf'name="{field}"[^>]*aria-describedby="[^"]*id_{field}_error"', page)


# --- citizen notices on every channel ----------------------------------------------------------

def test_citizen_notices_go_to_every_subscription_on_its_channel(submit_report, city):
    report = submit_report(reporter_email="dan@example.vn")
    with transaction.atomic():
        subscriptions.subscribe(report, Channel.SMS, "+84903123456", language="vi")
        subscriptions.subscribe(report, Channel.WEBPUSH, "https://fcm.googleapis.com/fcm/send/abc",
                                push_keys={"p256dh": "x", "auth": "y"}, language="en")
        subscriptions.subscribe(report, Channel.EMAIL, "follower@example.vn")
    workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Cần bố trí kinh phí.")
    notes = {(n.channel, n.recipient): n for n in Notification.objects.filter(event__type="resolved")}
    assert set(notes) == {("email", "dan@example.vn"), ("email", "follower@example.vn"),
                          ("sms", "+84903123456"), ("webpush", "https://fcm.googleapis.com/fcm/send/abc")}
    link = f"http://127.0.0.1:8000/phan-anh/{report.code}/"
    text = notes[("sms", "+84903123456")].body
    assert report.code in text and link in text and "\n" not in text
    assert segments(text)[1] <= 3
    push_data = json.loads(notes[("webpush", "https://fcm.googleapis.com/fcm/send/abc")].body)
    assert set(push_data) == {"title", "body", "url"} and push_data["url"] == f"/phan-anh/{report.code}/"
    assert "Cần bố trí kinh phí." in notes[("email", "follower@example.vn")].body


def test_rejection_and_reopening_reach_sms_subscribers(submit_report, city):
    rejected = submit_report(point=OUTSIDE_POINT, reporter_phone="0903123456", notify_by="sms")
    workflow.apply(rejected, "reject", city.coordinator, reason="Không thuộc địa bàn.")
    (note,) = Notification.objects.filter(event__type="rejected")
    assert note.channel == "sms" and note.recipient == "+84903123456" and rejected.code in note.body
    report = submit_report(reporter_phone="0903123456", notify_by="sms")
    workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Cần kinh phí.")
    workflow.apply(report, "reopen", Citizen(report.token), comment="Vẫn còn rác.")
    assert Notification.objects.filter(event__type="reopened", channel="sms", recipient="+84903123456").exists()


def test_a_merged_report_points_its_citizen_to_the_original(submit_report, city):
    original = submit_report()
    duplicate = submit_report(reporter_email="dan@example.vn")
    workflow.apply(duplicate, "merge", city.coordinator, original=original)
    (note,) = Notification.objects.filter(event__type="merged")
    assert note.recipient == "dan@example.vn" and duplicate.code in note.subject
    assert f"/phan-anh/{original.code}/" in note.body and original.code in note.body


# --- staff --------------------------------------------------------------------------------------

def test_an_officer_hears_when_the_head_gives_them_a_report(submit_report, city):
    city.officer_a2.email = "canbo_a2@phuong.example.vn"
    city.officer_a2.save()
    city.head_a.email = "truong_a@phuong.example.vn"
    city.head_a.save()
    report = submit_report()
    workflow.apply(report, "assign_officer", city.head_a, officer=city.officer_a2)
    (note,) = Notification.objects.filter(event__type="officer_assigned")
    assert note.recipient == "canbo_a2@phuong.example.vn" and report.code in note.subject
    assert "/can-bo/" in note.body
    # Taking a report yourself sends nothing.
    workflow.apply(report, "assign_officer", city.officer_a2, officer=city.officer_a2)
    assert Notification.objects.filter(event__type="officer_assigned").count() == 1


# --- reports made before subscriptions -----------------------------------------------------------

def test_the_migration_subscribes_earlier_reporters(submit_report):
    report = submit_report(reporter_email="dan@example.vn")
    anonymous = submit_report()
    Subscription.objects.all().delete()
    migration = importlib.import_module("phananh.notify.migrations.0004_subscribe_existing_reporters")
    migration.subscribe_reporters(apps, None)
    migration.subscribe_reporters(apps, None)   # safe to run twice
    assert subs(report) == [("email", "dan@example.vn", True)] and subs(anonymous) == []
