"""The sign-in page and the staff report page."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from phananh.nlp import category_routing
from phananh.reports import workflow
from phananh.reports.models import Category, Status

from .conftest import OUTSIDE_POINT, WARD_A_POINT


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


# --- suggested categories (triage) -------------------------------------------------------------

LIGHT_TEXT = "Đèn đường trước số 12 Lê Lợi tắt ba đêm liền, tối đi lại rất nguy hiểm."


def suggestion_items(body):
    """[(category name, likelihood words, the <li> html)] of the suggestions panel, in order."""
    panel = re.search(r'<details class="suggestions".*?</details>', body, re.S).group(0)
    items = re.findall(r'<li class="suggestion suggestion-[a-z-]+">(.*?)</li>', panel, re.S)
    return [(re.search(r'class="suggestion-name">([^<]+)<', item).group(1),
             re.search(r'class="likelihood likelihood-[a-z-]+">([^<]+)<', item).group(1).strip(), item)
            for item in items]


def test_triage_shows_the_suggested_categories_with_their_reasons(client, city, submit_report):
    # Filed as "Other" by someone who did not know the category: it waits for a coordinator.
    report = submit_report(category="khac", description=LIGHT_TEXT)
    client.force_login(city.coordinator)
    body = html.unescape(client.get(page(report)).content.decode())
    assert '<details class="suggestions" id="suggestions" open>' in body  # unfolded for triage
    items = suggestion_items(body)
    assert 1 <= len(items) <= 3
    name, words, item = items[0]
    assert (name, words) == ("Street lighting failure", "very likely")
    assert "(99%)" in item
    # The words behind it, as the citizen wrote them.
    assert "Words pointing to it: <q>đèn đường</q>, <q>tắt</q>" in item
    # One click fills in the route form: the category and the unit that handles it here.
    lighting = Category.objects.get(code="den-chieu-sang")
    assert 'data-suggest-target="route"' in item and f'data-category="{lighting.pk}"' in item
    assert f'data-unit="{city.lighting.pk}"' in item and "Handled here by Công ty Chiếu sáng." in item
    assert 'href="#action-route"' in item  # without the script it leads to the form
    assert 'aria-label="Use this category: Street lighting failure"' in item
    # The form it fills in is on the page, with those values among its choices.
    assert f'<option value="{lighting.pk}">Street lighting failure</option>' in body
    assert f'<option value="{city.lighting.pk}">Công ty Chiếu sáng</option>' in body
    assert 'id="id_route-category"' in body and 'id="id_route-unit"' in body


def test_scores_are_said_in_words(client, city, submit_report, monkeypatch):
    from phananh.nlp import classifier

    monkeypatch.setattr(classifier, "suggest", lambda text, k=3, among=None: [
        ("den-chieu-sang", 0.55), ("hu-hong-mat-duong", 0.3), ("ngap-nuoc", 0.15)])
    report = submit_report(category="khac", description=LIGHT_TEXT)
    client.force_login(city.coordinator)
    items = suggestion_items(client.get(page(report)).content.decode())
    assert [(name, words) for name, words, _item in items] == [
        ("Street lighting failure", "likely"), ("Road surface damage and potholes", "possible"),
        ("Flooding and drainage", "unlikely")]


def test_an_assigned_report_offers_reclassify_and_marks_the_current_category(client, city, submit_report):
    report = submit_report(category="rac-thai", description=LIGHT_TEXT)  # wrongly filed, sent to the ward
    client.force_login(city.coordinator)
    body = html.unescape(client.get(page(report)).content.decode())
    assert '<details class="suggestions" id="suggestions">' in body  # folded: not a triage decision now
    name, _words, item = suggestion_items(body)[0]
    assert name == "Street lighting failure"
    assert 'data-suggest-target="reclassify"' in item and 'href="#action-reclassify"' in item
    assert "data-unit" not in item  # a reclassification does not move the report
    assert 'id="id_reclassify-category"' in body


def test_the_current_category_has_no_button(client, city, submit_report):
    report = submit_report(category="den-chieu-sang", description=LIGHT_TEXT)
    client.force_login(city.coordinator)
    _name, _words, item = suggestion_items(client.get(page(report)).content.decode())[0]
    assert "Current category" in item and "Use this category" not in item


def test_unit_staff_see_the_suggestions_without_buttons(client, city, submit_report):
    report = submit_report(category="rac-thai", description=LIGHT_TEXT)
    client.force_login(city.officer_a)
    body = client.get(page(report)).content.decode()
    items = suggestion_items(body)
    assert items and items[0][0] == "Street lighting failure"
    assert "Use this category" not in body and "data-suggest-target" not in body


def test_a_broken_classifier_leaves_the_page_working(client, city, submit_report, monkeypatch):
    from phananh.nlp import classifier

    report = submit_report(category="khac", description=LIGHT_TEXT)

    def broken(*args, **kwargs):
        raise RuntimeError("model file damaged")

    monkeypatch.setattr(classifier, "suggest", broken)
    client.force_login(city.coordinator)
    response = client.get(page(report))
    assert response.status_code == 200
    assert "Suggestions are not available right now." in response.content.decode()


def test_a_description_without_known_words_says_so(client, city, submit_report):
    report = submit_report(category="khac", description="???")
    client.force_login(city.coordinator)
    body = client.get(page(report)).content.decode()
    assert "No suggestion: the description has no words the classifier knows." in body


def test_a_report_routed_on_the_suggestion_explains_it(client, city):
    lat, lng = WARD_A_POINT
    report, _token = workflow.submit(category=Category.objects.get(code="khac"), description=LIGHT_TEXT,
                                     channel="web", lat=lat, lng=lng, category_source=category_routing.CITIZEN)
    client.force_login(city.coordinator)
    body = html.unescape(client.get(page(report)).content.decode())
    assert "Category: Other issues → Street lighting failure" in body
    assert "Category “Street lighting failure” suggested by the classifier (99% sure)" in body


def test_without_a_unit_for_the_place_the_coordinator_is_told_to_choose(client, city, submit_report):
    report = submit_report(category="khac", point=None, description=LIGHT_TEXT)  # no place: no ward
    client.force_login(city.coordinator)
    _name, _words, item = suggestion_items(html.unescape(client.get(page(report)).content.decode()))[0]
    assert "data-unit" not in item and 'data-suggest-target="route"' in item
    assert "No unit handling it is known for this place: choose the unit yourself." in item
