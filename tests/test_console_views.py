"""The sign-in page and the staff report page."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from phananh.reports import workflow
from phananh.reports.models import Status

from .conftest import OUTSIDE_POINT


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    # Assertions read English msgids; the site defaults to Vietnamese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page(report):
    return reverse("console:report", args=[report.code])


def action_urls(body, report):
    """Names of the actions whose forms are on the page."""
    prefix = re.escape(f"/can-bo/phan-anh/{report.code}/")
    return set(re.findall(rf'action="{prefix}([a-z_]+)/"', body))


# --- sign-in ---------------------------------------------------------------------------------

def test_login_page_renders_with_labels(client, db):
    body = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in body and '<label for="id_password">' in body
    assert 'autocomplete="current-password"' in body


def test_wrong_password_shows_a_clear_error(client, city):
    response = client.post(reverse("login"), {"username": "canbo_a", "password": "wrong"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sign-in failed" in body and "Please enter a correct username and password" in body
    assert 'value="canbo_a"' in body  # what was typed stays


def test_empty_fields_are_named_in_the_error(client, city):
    body = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert 'href="#id_username">Username: This field is required.' in body
    assert 'aria-invalid="true"' in body


def test_signing_in_opens_the_console(client, city):
    response = client.post(reverse("login"), {"username": "canbo_a", "password": "test-pass-123"})
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200


def test_sign_in_returns_to_the_page_asked_for(client, city, submit_report):
    report = submit_report()
    response = client.post(reverse("login"), {"username": "canbo_a", "password": "test-pass-123",
                                              "next": page(report)})
    assert response["Location"] == page(report)


def test_logout_is_a_post(client, city):
    client.force_login(city.officer_a)
    body = client.get(reverse("console:home")).content.decode()
    assert f'action="{reverse("logout")}" method="post"' in body
    client.post(reverse("logout"))
    assert client.get(reverse("console:home")).status_code == 302


# --- the report page ---------------------------------------------------------------------------

def test_report_page_shows_the_public_and_the_staff_side(client, city, submit_report, parked_photo,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit_report(photos=[parked_photo()], reporter_phone="0903123456", address="42 Lê Thánh Tôn")
    workflow.apply(report, "accept", city.head_a)
    workflow.apply(report, "assign_officer", city.head_a, officer=city.officer_a)
    workflow.apply(report, "note", city.officer_a, text="Sẽ xử lý sáng mai.")
    client.force_login(city.officer_a)
    response = client.get(page(report))
    assert response.status_code == 200
    body = response.content.decode()
    report.refresh_from_db()
    for text in (report.code, report.description, "42 Lê Thánh Tôn", "Phường Bến Thành",
                 "Garbage and illegal dumping", "Website / app", "0903123456"):
        assert text in body
    # Routing in words, from the 'routed' event.
    assert ("Category “Garbage and illegal dumping” is handled by: Ward / commune; "
            "Phường Bến Thành covers Phường Bến Thành." in html.unescape(body))
    # Every event, internal ones too, with who did it.
    assert "Officer assigned" in body and "Internal note" in body and "Sẽ xử lý sáng mai." in body
    assert "truong_a (Unit head)" in body and "canbo_a (Officer)" in body and "PhanAnh (automatic)" in body
    assert body.count("tag-internal") == 2  # officer_assigned and note
    # Deadlines as dd/mm/yyyy HH:MM in local time.
    assert timezone.localtime(report.resolve_due).strftime("%d/%m/%Y %H:%M") in body
    # The processed photo is shown as a thumbnail.
    photo = report.media.get()
    assert photo.ready and photo.thumbnail.url in body


def test_a_report_waiting_for_triage_explains_why(client, city, submit_report):
    report = submit_report(point=OUTSIDE_POINT)
    client.force_login(city.coordinator)
    body = client.get(page(report)).content.decode()
    assert "The location is not inside any known area." in body
    assert "Waiting for a coordinator" in body


def test_overdue_is_said_in_words(client, city, submit_report):
    report = submit_report()
    type(report).objects.filter(pk=report.pk).update(resolve_due=timezone.now() - timezone.timedelta(hours=2))
    client.force_login(city.officer_a)
    assert "Overdue" in client.get(page(report)).content.decode()


def test_tracking_code_in_the_url_is_forgiving(client, city, submit_report):
    report = submit_report()
    client.force_login(city.officer_a)
    assert client.get(reverse("console:report", args=[report.code.lower()])).status_code == 200
    assert client.get(reverse("console:report", args=["not-a-code"])).status_code == 404


@pytest.mark.parametrize("who,state,expected", [
    ("coordinator", "triage", {"route", "reclassify", "reject", "merge", "reset_deadlines", "note"}),
    ("officer_a", "assigned", {"accept", "assign_officer", "return", "note"}),
    ("coordinator", "assigned", {"reclassify", "merge", "reset_deadlines", "note"}),
    ("officer_a", "acknowledged", {"assign_officer", "start", "return", "request_extension", "resolve", "note"}),
    ("coordinator", "extension", {"merge", "approve_extension", "decline_extension", "reset_deadlines", "note"}),
    ("coordinator", "resolved", {"close", "note"}),
    ("officer_a", "resolved", {"note"}),
])
def test_the_page_offers_exactly_the_allowed_actions(client, city, submit_report, who, state, expected):
    report = submit_report(point=OUTSIDE_POINT) if state == "triage" else submit_report()
    if state in ("acknowledged", "extension", "resolved"):
        workflow.apply(report, "accept", city.officer_a)
    if state == "extension":
        workflow.apply(report, "request_extension", city.officer_a, days=2, reason="Chờ vật tư")
    if state == "resolved":
        workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Cần kinh phí.")
    client.force_login(getattr(city, who))
    body = client.get(page(report)).content.decode()
    assert action_urls(body, report) == expected


def test_destructive_actions_are_labelled(client, city, submit_report):
    report = submit_report(point=OUTSIDE_POINT)
    client.force_login(city.coordinator)
    body = client.get(page(report)).content.decode()
    assert "Reject this report (public)" in body and "Mark as duplicate of another report" in body
    assert body.count('class="button button-danger"') == 2
    assert "This closes the report for good" in body


def test_forms_link_hints_and_errors_to_their_inputs(client, city, submit_report):
    report = submit_report()
    client.force_login(city.officer_a)
    response = client.post(reverse("console:act", args=[report.code, "return"]), {"return-reason": ""})
    body = response.content.decode()
    assert 'aria-describedby="id_return-reason_helptext id_return-reason_error"' in body
    assert 'id="id_return-reason_error"' in body and 'id="id_return-reason_helptext"' in body
    assert 'class="error-summary" role="alert"' in body and 'href="#id_return-reason"' in body
    assert Status.ASSIGNED == type(report).objects.get(pk=report.pk).status


def test_a_superuser_without_membership_may_look_but_has_no_actions(client, city, submit_report):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("quantri", "qt@example.com", "x-pass-123")
    report = submit_report()
    client.force_login(admin)
    assert report.code in client.get(reverse("console:home"), {"status": "open"}).content.decode()
    body = client.get(page(report)).content.decode()
    assert action_urls(body, report) == set()
    assert "There is nothing for you to do on this report now." in body


def test_pages_render_in_vietnamese_by_default(client, city, submit_report, settings):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    report = submit_report()
    client.force_login(city.officer_a)
    for url in (reverse("console:home"), page(report)):
        response = client.get(url)
        assert response.status_code == 200
        assert '<html lang="vi">' in response.content.decode()


def test_report_page_queries_do_not_grow_with_its_history(client, city, submit_report,
                                                          django_assert_max_num_queries):
    report = submit_report()
    client.force_login(city.officer_a)
    with django_assert_max_num_queries(15) as captured:
        client.get(page(report))
    baseline = len(captured.captured_queries)
    for i in range(10):
        workflow.apply(report, "note", city.officer_a if i % 2 else city.head_a, text=f"Ghi chú {i}")
    with django_assert_max_num_queries(baseline):
        client.get(page(report))
