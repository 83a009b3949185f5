"""The resident's private link: rate the result, reopen, wrong token, rating window, same-device session."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phananh.lib import clock
from phananh.public.citizen import MESSAGE_ANCHOR
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


def panel_of(html):
    """The resident's panel, from its opening tag to the end of its section."""
    start = html.index('id="citizen-actions"')
    return html[start:html.index("</section>", start)]


def banner_of(html):
    """The messages banner at the top of the page (base.html), empty when there is none."""
    found = re.search(r'<div class="wrap messages".*?</div>', html, re.S)
    return found.group(0) if found else ""


def test_wrong_or_other_reports_token_is_404(client, resolved, submit_report):
    assert client.get(private_url(resolved, "wrong-token")).status_code == 404
    other = submit_report()
    assert client.get(private_url(resolved, other.token)).status_code == 404
    response = client.post(private_url(resolved, "wrong-token"), {"action": "rate", "rate-rating": "satisfied"})
    assert response.status_code == 404
    assert status_of(resolved) == Status.RESOLVED


def test_resolved_report_offers_only_the_rating_form(client, resolved):
    # "Not satisfied" already reopens the report: a second, separate reopen form would only confuse.
    response = client.get(private_url(resolved))
    assert response.status_code == 200
    html = response.content.decode()
    assert resolved.code in html and "Đã dọn sạch." in html
    panel = panel_of(html)
    assert 'value="rate"' in panel and 'name="rate-rating"' in panel
    assert 'value="reopen"' not in html and 'name="reopen-comment"' not in html
    assert "“Not satisfied” reopens it" in panel and "reopens the report" in panel
    assert 'aria-describedby="rating-hint"' in panel
    assert "When the unit reports the problem as resolved" not in panel
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_rating_satisfied_closes_and_thanks_after_a_redirect(client, resolved):
    url = private_url(resolved)
    response = client.post(url, {"action": "rate", "rate-rating": "satisfied", "rate-comment": "Cảm ơn phường."})
    # The redirect lands on the thanks inside the panel, not at the top of a long page.
    assert response.status_code == 302 and response["Location"] == f"{url}#{MESSAGE_ANCHOR}"
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED and resolved.rating == "satisfied"
    html = client.get(url).content.decode()
    panel = panel_of(html)
    assert f'id="{MESSAGE_ANCHOR}" tabindex="-1"' in panel and "Thank you for your rating" in panel
    assert "Thank you for your rating" not in banner_of(html) and html.count("Thank you for your rating") == 1
    assert re.search(r"You rated the result as satisfactory on \d\d/\d\d/\d{4}\.", panel)
    assert 'value="rate"' not in html  # already rated
    assert 'value="reopen"' in panel   # still within the window: "still not fixed" stays possible
    assert "When the unit reports the problem as resolved" not in panel
    # The thanks are shown once: a reload shows the state sentence only.
    assert "Thank you for your rating" not in client.get(url).content.decode()


def test_rating_unsatisfied_reopens(client, resolved):
    response = client.post(private_url(resolved), {"action": "rate", "rate-rating": "unsatisfied",
                                                   "rate-comment": "Vẫn còn rác."})
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == Status.REOPENED and resolved.reopen_count == 1
    assert response["Location"].endswith(f"#{MESSAGE_ANCHOR}")
    panel = panel_of(client.get(response["Location"]).content.decode())
    assert "The report has been reopened and sent back to the unit" in panel
    day = resolved.events.get(type="reopened").created_at.astimezone(timezone.get_default_timezone())
    assert f"You reopened this report on {day:%d/%m/%Y}; the unit has to look at it again." in panel
    # Right after reopening, nothing suggests rating again.
    assert "When the unit reports the problem as resolved" not in panel
    assert 'value="rate"' not in panel and 'value="reopen"' not in panel


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
    assert 'aria-describedby="rating-hint id_rate-rating_error"' in html
    assert status_of(resolved) == Status.RESOLVED
    workflow.apply(resolved, "rate", workflow.Citizen(resolved.token), rating="satisfied")
    response = client.post(private_url(resolved), {"action": "reopen", "reopen-comment": "  "})
    html = response.content.decode()
    assert "Tell the unit what is still wrong." in html
    assert 'aria-describedby="id_reopen-comment_error"' in html
    assert status_of(resolved) == Status.CLOSED


def test_a_reopen_sent_from_an_older_page_is_still_honoured(client, resolved):
    # The page showed the reopen form of a closed report; meanwhile the report was reopened and resolved
    # again. The workflow allows reopening a resolved report, so the resident's words are not thrown away.
    response = client.post(private_url(resolved), {"action": "reopen", "reopen-comment": ""})
    assert "Tell the unit what is still wrong." in response.content.decode()
    assert 'name="reopen-comment"' in panel_of(response.content.decode())
    response = client.post(private_url(resolved), {"action": "reopen", "reopen-comment": "Vẫn còn rác."})
    assert response.status_code == 302
    assert status_of(resolved) == Status.REOPENED


def test_closed_by_the_coordinator_is_not_called_the_residents_rating(client, resolved, city):
    # Satisfied in a first round, reopened later, resolved again and closed by the coordinator: the
    # panel reads the last closing event, not the stale rating kept on the report.
    citizen = workflow.Citizen(resolved.token)
    workflow.apply(resolved, "rate", citizen, rating="satisfied")
    workflow.apply(resolved, "reopen", citizen, comment="Rác lại bị đổ.")
    workflow.apply(resolved, "accept", city.officer_a)
    workflow.apply(resolved, "resolve", city.officer_a, outcome="cannot_fix", result="Chờ kinh phí.")
    workflow.apply(resolved, "close", city.coordinator)
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED and resolved.rating == "satisfied"
    panel = panel_of(client.get(private_url(resolved)).content.decode())
    assert re.search(r"This report was closed on \d\d/\d\d/\d{4} without a rating from you\.", panel)
    assert "You rated" not in panel
    assert 'value="reopen"' in panel and 'value="rate"' not in panel


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
    assert response.status_code == 302 and response["Location"] == f"{public_url}#{MESSAGE_ANCHOR}"
    assert status_of(resolved) == Status.CLOSED
    # Another device sees the public page only.
    assert 'value="reopen"' not in Client().get(public_url).content.decode()


def test_a_post_without_the_residents_token_is_explained_at_the_top(client, resolved):
    # No panel on this page for a stranger, so the refusal goes to the banner, where it is seen.
    public_url = reverse("public:report", args=[resolved.code])
    response = client.post(public_url, {"action": "rate", "rate-rating": "satisfied"})
    assert response.status_code == 302 and response["Location"] == public_url
    html = client.get(public_url).content.decode()
    assert "Only the person who sent this report can rate or reopen it" in banner_of(html)
    assert 'id="citizen-actions"' not in html
    assert status_of(resolved) == Status.RESOLVED
