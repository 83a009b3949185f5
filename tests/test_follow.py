""""Follow this one instead" (phananh.public.follow): a resident with the same
problem is counted once and may leave a contact to be told; bots cannot
inflate the count."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from phananh.notify.models import Channel, Subscription
from phananh.public import follow
from phananh.reports import workflow
from phananh.reports.models import Event, Report

from .conftest import OUTSIDE_POINT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def report(submit_report):
    return submit_report(category="rac-thai", description="Rác đổ thành đống ở đầu hẻm 84 Lê Lai, bốc mùi hôi.")


def browser(ip="203.0.113.7"):
    """A fresh browser (no cookies) on network address `ip`, reading English."""
    client = Client(REMOTE_ADDR=ip)
    client.cookies["django_language"] = "en"
    return client


def url(report):
    return reverse("public:follow", args=[report.code])


def supporters(report):
    return Report.objects.get(pk=report.pk).supporters


def test_page_shows_the_report_and_the_optional_contact_form(report):
    response = browser().get(url(report))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Same problem? Follow this report" in page and report.description in page
    assert 'for="id_email"' in page and 'for="id_phone"' in page
    assert "Nobody else has said “me too” yet." in page
    assert "Send a new report" not in page


def test_unknown_and_non_canonical_codes(report):
    assert browser().get(reverse("public:follow", args=["AAAA-AAAA"])).status_code == 404
    assert browser().get(reverse("public:follow", args=["nonsense"])).status_code == 404
    response = browser().get(reverse("public:follow", args=[report.code.lower().replace("-", "")]))
    assert response.status_code == 301 and response["Location"] == url(report)


def test_following_without_a_contact_counts_once_and_remembers_the_browser(report):
    client = browser()
    response = client.post(url(report), {"email": "", "phone": ""}, follow=True)
    assert response.status_code == 200
    assert supporters(report) == 1
    assert Event.objects.filter(report=report, type="supported").count() == 1
    page = response.content.decode()
    assert "Thank you: you are counted" in page and "You follow this report" in page
    assert report.code in follow.followed_codes(response.wsgi_request)
    assert not Subscription.objects.filter(report=report, is_reporter=False).exists()

    # The same browser again: not counted twice.
    response = client.post(url(report), {}, follow=True)
    assert supporters(report) == 1
    assert "You are already counted for this report: each person counts once." in response.content.decode()


def test_a_new_browser_on_the_same_address_can_subscribe_but_not_count_again(report):
    browser().post(url(report), {})
    response = browser().post(url(report), {"email": "hang.xom@example.com"}, follow=True)
    assert supporters(report) == 1
    assert "Someone on your connection is already counted" in response.content.decode()
    assert Subscription.objects.filter(report=report, channel=Channel.EMAIL, address="hang.xom@example.com").exists()
    # Another address is another person.
    browser("198.51.100.20").post(url(report), {})
    assert supporters(report) == 2


def test_contacts_are_subscribed_and_never_published(report):
    response = browser().post(url(report), {"email": " co.lan@example.com ", "phone": "0903 123 456"}, follow=True)
    assert supporters(report) == 1
    subscriptions = Subscription.objects.filter(report=report, is_reporter=False)
    assert {(s.channel, s.address) for s in subscriptions} == {
        (Channel.EMAIL, "co.lan@example.com"), (Channel.SMS, "+84903123456")}
    assert "co.lan@example.com, 0903 123 456" in response.content.decode()
    event = Event.objects.get(report=report, type="supported")
    assert event.payload == {"supporters": 1} and event.actor_id is None
    public_page = browser("198.51.100.9").get(reverse("public:report", args=[report.code])).content.decode()
    assert "co.lan@example.com" not in public_page and "0903" not in public_page


@pytest.mark.parametrize("phone, message", [
    ("028 3829 1234", "is a landline, which cannot receive SMS"),
    ("12345", "is a short or service number"),
])
def test_bad_contact_is_explained_and_nothing_is_counted(report, phone, message):
    response = browser().post(url(report), {"email": "not-an-email", "phone": phone})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page and "Enter a valid email address." in page and message in page
    assert 'aria-invalid="true"' in page
    assert supporters(report) == 0
    assert not Subscription.objects.filter(report=report, is_reporter=False).exists()


def test_a_closed_report_cannot_be_followed(city, submit_report):
    report = submit_report(point=OUTSIDE_POINT)
    workflow.apply(report, "reject", city.coordinator, reason="Không thuộc phạm vi.")
    client = browser()
    page = client.get(url(report)).content.decode()
    assert "This report is no longer open" in page and 'id="follow-form"' not in page
    response = client.post(url(report), {"email": "a@example.com"})
    assert response.status_code == 409
    assert supporters(report) == 0 and not Subscription.objects.filter(report=report, is_reporter=False).exists()


def test_a_bot_is_slowed_down_across_reports(submit_report, monkeypatch):
    monkeypatch.setattr(follow, "FOLLOWS_PER_HOUR", 3)
    reports = [submit_report(description=f"Rác đổ ở đầu hẻm {n} Lê Lai.") for n in range(4)]
    statuses = [browser().post(url(r), {}).status_code for r in reports]
    assert statuses == [302, 302, 302, 429]
    assert [supporters(r) for r in reports] == [1, 1, 1, 0]


def test_a_tampered_cookie_is_ignored(report):
    client = browser()
    client.cookies[follow.COOKIE] = report.code  # unsigned: not ours
    client.post(url(report), {})
    assert supporters(report) == 1
