"""The resident's private link: rate the result, reopen, wrong token, rating window, same-device session."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Event, Status


@pytest.fixture(autouse=True)
def english(client, settings):
    # The site defaults to Vietnamese; these tests read the English msgids whatever the catalog holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def resolved(city, submit_report, parked_photo):
    report = submit_report()
    token = report.token
    workflow.apply(report, "accept", city.officer_a)
    report = workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="Đã dọn sạch.",
                            photos=[parked_photo()])
    report.token = token
    return report


def private_url(report, token=None):
    return reverse("public:private", args=[report.code, token or report.token])


def status_of(report):
    report.refresh_from_db()
    return report.status


def test_wrong_or_other_reports_token_is_404(client, resolved, submit_report):
    assert client.get(private_url(resolved, "wrong-token")).status_code == 404
    other = submit_report()
    assert client.get(private_url(resolved, other.token)).status_code == 404
    response = client.post(private_url(resolved, "wrong-token"), {"action": "rate", "rate-rating": "satisfied"})
    assert response.status_code == 404
    assert status_of(resolved) == Status.RESOLVED


def test_private_page_shows_the_report_and_both_forms(client, resolved):
    response = client.get(private_url(resolved))
    assert response.status_code == 200
    html = response.content.decode()
    assert resolved.code in html and "Đã dọn sạch." in html
    assert 'value="rate"' in html and 'value="reopen"' in html
    assert 'name="rate-rating"' in html and 'name="reopen-comment"' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_rating_satisfied_closes_and_thanks_after_a_redirect(client, resolved):
    url = private_url(resolved)
    response = client.post(url, {"action": "rate", "rate-rating": "satisfied", "rate-comment": "Cảm ơn phường."})
    assert response.status_code == 302 and response["Location"] == url
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED and resolved.rating == "satisfied"
    html = client.get(url).content.decode()
    assert "Thank you for your rating" in html
    assert 'value="rate"' not in html  # already rated
    assert 'value="reopen"' in html    # still within the window: "still not fixed" stays possible


def test_rating_unsatisfied_reopens(client, resolved):
    response = client.post(private_url(resolved), {"action": "rate", "rate-rating": "unsatisfied",
                                                   "rate-comment": "Vẫn còn rác."})
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == Status.REOPENED and resolved.reopen_count == 1
    assert "reopened" in client.get(response["Location"]).content.decode()


def test_reopen_from_closed_within_the_window(client, resolved):
    workflow.apply(resolved, "rate", workflow.Citizen(resolved.token), rating="satisfied")
    response = client.post(private_url(resolved), {"action": "reopen", "reopen-comment": "Rác lại bị đổ."})
    assert response.status_code == 302
    assert status_of(resolved) == Status.REOPENED
    assert Event.objects.filter(report=resolved, type="reopened").get().payload["comment"] == "Rác lại bị đổ."


def test_missing_choice_and_missing_comment_are_explained(client, resolved):
    response = client.post(private_url(resolved), {"action": "rate"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html and "Choose whether you are satisfied." in html
    assert 'href="#id_rate-rating"' in html and 'id="id_rate-rating"' in html
    response = client.post(private_url(resolved), {"action": "reopen", "reopen-comment": "  "})
    html = response.content.decode()
    assert "Tell the unit what is still wrong." in html
    assert 'aria-describedby="id_reopen-comment_error"' in html
    assert status_of(resolved) == Status.RESOLVED


def test_after_the_window_the_forms_are_gone_and_posts_are_refused(client, resolved):
    later = resolved.resolved_at + timedelta(days=settings.RATING_WINDOW_DAYS, hours=1)
    with clock.at(later):
        html = client.get(private_url(resolved)).content.decode()
        assert "have passed" in html
        assert 'value="rate"' not in html and 'value="reopen"' not in html
        response = client.post(private_url(resolved), {"action": "rate", "rate-rating": "unsatisfied"})
    assert response.status_code == 200
    assert "no longer possible" in response.content.decode()
    assert status_of(resolved) == Status.RESOLVED


def test_window_closing_between_page_and_post_shows_the_workflow_message(client, resolved, monkeypatch):
    # The form was built while the window was open; the workflow then refuses: its sentence is shown.
    def refuse(*args, **kwargs):
        raise workflow.WorkflowError("The 7 days for rating this result have passed.")

    monkeypatch.setattr(workflow, "apply", refuse)
    response = client.post(private_url(resolved), {"action": "rate", "rate-rating": "satisfied"})
    assert response.status_code == 200
    assert "The 7 days for rating this result have passed." in response.content.decode()


def test_open_report_explains_when_rating_becomes_possible(client, submit_report):
    report = submit_report()
    html = client.get(private_url(report)).content.decode()
    assert "When the unit reports the problem as resolved" in html
    assert 'value="rate"' not in html


def test_the_same_device_can_rate_from_the_plain_report_page(client, resolved):
    client.get(private_url(resolved))  # remembered in this device's session
    public_url = reverse("public:report", args=[resolved.code])
    assert 'value="rate"' in client.get(public_url).content.decode()
    response = client.post(public_url, {"action": "rate", "rate-rating": "satisfied"})
    assert response.status_code == 302 and response["Location"] == public_url
    assert status_of(resolved) == Status.CLOSED
    # Another device sees the public page only.
    assert 'value="reopen"' not in Client().get(public_url).content.decode()
