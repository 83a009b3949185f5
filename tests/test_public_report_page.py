"""The public report page: facts, photos, outcome, public timeline, and no personal data."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Media
from phananh.reports.workflow import Citizen

CONTACT = {"reporter_name": "Nguyễn Văn An", "reporter_phone": "0903123456", "reporter_email": "an@example.com"}


@pytest.fixture(autouse=True)
def english(client, settings):
    # The site defaults to Vietnamese; these tests read the English msgids whatever the catalog holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page(client, report):
    response = client.get(reverse("public:report", args=[report.code]))
    assert response.status_code == 200
    return response.content.decode()


def outcome_box(html):
    match = re.search(r'<section class="outcome outcome-(\w+)"', html)
    return match.group(1) if match else None


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def fixed_report(city, submit_report, parked_photo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit_report(photos=[parked_photo()], address="Đầu hẻm 42 Lê Lợi", **CONTACT)
    token = report.token
    workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "start", city.officer_a)
    with django_capture_on_commit_callbacks(execute=True):
        report = workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="Đã thu gom rác, rắc vôi.",
                                photos=[parked_photo(color=(0, 200, 0))])
    report.token = token
    return report


def test_facts_status_and_description(client, submit_report, city):
    report = submit_report(address="Đầu hẻm 42 Lê Lợi", **CONTACT)
    html = page(client, report)
    assert report.code in html
    assert "Garbage and illegal dumping" in html
    assert "Rác đổ thành đống ở đầu hẻm, bốc mùi hôi." in html
    assert "Đầu hẻm 42 Lê Lợi" in html and "Phường Bến Thành" in html
    assert 'class="badge status-assigned"' in html
    assert timezone.localtime(report.resolve_due).strftime("%d/%m/%Y %H:%M") in html
    assert 'data-map="point"' in html


def test_reporter_contact_data_never_appears(client, fixed_report):
    workflow.apply(fixed_report, "rate", Citizen(fixed_report.token), rating="unsatisfied",
                   comment="Gọi tôi số 0903123456 nhé")
    html = page(client, fixed_report)
    for secret in (*CONTACT.values(), "Gọi tôi"):
        assert secret not in html


def test_timeline_is_public_events_in_plain_sentences_without_routing_reasons(client, fixed_report, city):
    workflow.apply(fixed_report, "note", city.officer_a, text="Ghi chú nội bộ: gọi lại đội vệ sinh.")
    html = text_of(page(client, fixed_report))
    assert "Report received" in html
    assert "Sent to Phường Bến Thành to handle." in html
    assert "Phường Bến Thành acknowledged the report." in html
    assert "Phường Bến Thành started work on it." in html
    assert "Phường Bến Thành reported the problem as fixed." in html
    assert "Ghi chú nội bộ" not in html
    assert "handler_kind" not in html and "is handled by" not in html


def test_fixed_outcome_with_before_and_after_photos(client, fixed_report):
    html = page(client, fixed_report)
    assert outcome_box(html) == "fixed"
    assert "Đã thu gom rác, rắc vôi." in html
    evidence, proof = Media.objects.filter(report=fixed_report).order_by("kind")
    for photo in (evidence, proof):
        assert f'href="{photo.image.url}"' in html and f'src="{photo.thumbnail.url}"' in html
    before, after = html.split("After: proof of the work")
    assert evidence.thumbnail.url in before and proof.thumbnail.url in after


def test_unprocessed_photos_say_so_instead_of_showing(client, submit_report, parked_photo):
    report = submit_report(photos=[parked_photo()])  # the worker has not run: no image yet
    html = page(client, report)
    assert "Photo being processed" in html
    assert Media.objects.get(report=report).incoming not in html


def test_cannot_fix_is_never_shown_as_fixed_even_when_closed(client, city, submit_report):
    report = submit_report()
    token = report.token
    workflow.apply(report, "accept", city.officer_a)
    planned = date.today() + timedelta(days=40)
    report = workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix",
                            result="Cần bố trí ngân sách sửa chữa.", planned_date=planned)
    workflow.apply(report, "rate", Citizen(token), rating="satisfied")
    html = page(client, report)
    assert 'class="badge status-closed"' in html
    assert outcome_box(html) == "cannot_fix"
    assert "Cannot be fixed now" in html and "Cần bố trí ngân sách sửa chữa." in html
    assert planned.strftime("%d/%m/%Y") in html
    assert "outcome-fixed" not in html


def test_referred_outcome_names_the_organisation(client, city, submit_report):
    report = workflow.apply(submit_report(), "accept", city.officer_a)
    workflow.apply(report, "resolve", city.officer_a, outcome="referred", result="Đã chuyển cho doanh nghiệp.",
                   referred_to="Công ty Viễn thông VNPT")
    html = page(client, report)
    assert outcome_box(html) == "referred"
    assert "Công ty Viễn thông VNPT" in html


def test_reopened_report_shows_no_outcome_and_counts_the_reopening(client, fixed_report):
    workflow.apply(fixed_report, "reopen", Citizen(fixed_report.token), comment="Vẫn còn rác.")
    html = text_of(page(client, fixed_report))
    assert outcome_box(html) is None
    assert "Reopened 1 time" in html
    assert "the report was reopened" in html


def test_rejected_report_shows_the_public_reason(client, city, submit_report):
    report = workflow.apply(submit_report(category="khac"), "reject", city.coordinator,
                            reason="Nội dung không phải phản ánh về đô thị.")
    html = page(client, report)
    assert 'class="badge status-rejected"' in html
    assert "Nội dung không phải phản ánh về đô thị." in html


def test_duplicate_links_to_the_original(client, city, submit_report):
    original = submit_report()
    duplicate = workflow.apply(submit_report(), "merge", city.coordinator, original=original)
    html = page(client, duplicate)
    original_url = reverse("public:report", args=[original.code])
    assert html.count(f'href="{original_url}"') == 2  # in the duplicate box and in the timeline


def test_overdue_deadline_is_said_in_words(client, submit_report):
    with clock.at(clock.now() - timedelta(days=30)):
        report = submit_report()
    assert "Overdue" in text_of(page(client, report))
    fresh = submit_report()
    assert "Overdue" not in text_of(page(client, fresh))


def test_lower_case_code_redirects_and_unknown_code_is_404(client, submit_report):
    report = submit_report()
    response = client.get(reverse("public:report", args=[report.code.lower().replace("-", "")]))
    assert response.status_code == 301 and response["Location"] == reverse("public:report", args=[report.code])
    assert client.get(reverse("public:report", args=["AAAA-BBBB"])).status_code == 404
    assert client.get(reverse("public:report", args=["not-a-code"])).status_code == 404


def test_page_without_token_has_no_rating_forms_and_refuses_posts(client, fixed_report):
    html = page(client, fixed_report)
    assert 'name="action"' not in html
    response = client.post(reverse("public:report", args=[fixed_report.code]),
                           {"action": "rate", "rate-rating": "satisfied"})
    assert response.status_code == 302
    fixed_report.refresh_from_db()
    assert fixed_report.status == "resolved"


def test_report_page_query_count_is_fixed(client, fixed_report, django_assert_max_num_queries):
    # report, photos, events, categories for the map labels, plus the session of this device
    with django_assert_max_num_queries(6):
        page(client, fixed_report)
