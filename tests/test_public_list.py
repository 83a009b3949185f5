"""The public report list: filters, keyset pagination, row content, query count."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phananh.lib import clock
from phananh.public import paging
from phananh.reports import workflow
from phananh.reports.models import Report

from .conftest import WARD_B_POINT

URL = reverse("public:reports")


@pytest.fixture(autouse=True)
def english(client, settings):
    # The site defaults to Vietnamese; these tests read the English msgids whatever the catalog holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def codes_on(response):
    return re.findall(r'class="code">([0-9A-Z]{4}-[0-9A-Z]{4})<', response.content.decode())


def link(response, rel):
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


def test_rows_show_code_category_description_place_status_and_date(client, submit_report):
    with clock.at(timezone.make_aware(timezone.datetime(2025, 3, 4, 9, 5))):
        report = submit_report(description="Đèn đường hư trước số 15 Nguyễn Huệ.", category="den-chieu-sang",
                               address="15 Nguyễn Huệ", reporter_name="Trần Thị Bích", reporter_phone="0912345678")
    html = client.get(URL).content.decode()
    assert report.code in html
    assert "Street lighting failure" in html
    assert "Đèn đường hư trước số 15 Nguyễn Huệ." in html
    assert "15 Nguyễn Huệ, Phường Bến Thành" in html
    assert 'class="badge status-assigned"' in html
    assert "04/03/2025 09:05" in html
    assert "Trần Thị Bích" not in html and "0912345678" not in html


def test_vietnamese_is_the_default_language_for_category_names(submit_report):
    submit_report(category="den-chieu-sang")
    html = Client().get(URL).content.decode()  # no language cookie
    assert "Đèn chiếu sáng công cộng hư" in html and "Street lighting failure" not in html


def test_long_descriptions_are_shortened(client, submit_report):
    submit_report(description="Rác " * 100)
    html = client.get(URL).content.decode()
    assert "Rác " * 100 not in html and "…" in html


def test_thumbnail_of_a_ready_photo(client, submit_report, parked_photo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit_report(photos=[parked_photo()])
    thumb = report.media.get().thumbnail.url
    html = client.get(URL).content.decode()
    assert f'src="{thumb}"' in html


def test_status_group_filter(client, submit_report, city):
    open_report = submit_report()
    rejected = workflow.apply(submit_report(category="khac"), "reject", city.coordinator, reason="Không rõ nội dung.")
    assert codes_on(client.get(URL, {"status": "open"})) == [open_report.code]
    assert codes_on(client.get(URL, {"status": "rejected"})) == [rejected.code]
    assert codes_on(client.get(URL, {"status": "closed"})) == []


def test_category_ward_and_unit_filters(client, submit_report, city):
    garbage_a = submit_report()
    light_b = submit_report(category="den-chieu-sang", point=WARD_B_POINT)
    assert codes_on(client.get(URL, {"category": "den-chieu-sang"})) == [light_b.code]
    assert codes_on(client.get(URL, {"ward": city.ward_a.code})) == [garbage_a.code]
    assert codes_on(client.get(URL, {"unit": city.lighting.code})) == [light_b.code]
    assert codes_on(client.get(URL, {"ward": city.ward_b.code, "category": "rac-thai"})) == []


def test_unknown_filter_values_are_explained_and_ignored(client, submit_report):
    report = submit_report()
    response = client.get(URL, {"status": "lost", "category": "khong-co", "ward": "999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'aria-invalid="true"' in html
    assert codes_on(response) == [report.code]


def test_no_count_of_the_whole_table_and_no_n_plus_one(client, submit_report, parked_photo,
                                                       django_capture_on_commit_callbacks,
                                                       django_assert_max_num_queries):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(paging.PAGE_SIZE + 5):
            submit_report(photos=[parked_photo()])
    # reports + photos + the filter choices (categories, wards, units): the same for 25 or 25,000 rows.
    with django_assert_max_num_queries(6) as captured:
        response = client.get(URL, {"status": "open"})
    assert len(codes_on(response)) == paging.PAGE_SIZE
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    assert "Showing 20 reports" in response.content.decode()


def make_history(submit_report, count, ties_every=3):
    """`count` reports, several sharing the same received_at to exercise the id tie-break."""
    start = timezone.now() - timedelta(days=10)
    made = []
    for i in range(count):
        with clock.at(start + timedelta(minutes=(i // ties_every) * 7)):
            made.append(submit_report(description=f"Phản ánh số {i}"))
    return made


def expected_order():
    return list(Report.objects.order_by("-received_at", "-id").values_list("code", flat=True))


def test_keyset_pages_cover_every_report_once_going_older_and_back_newer(client, submit_report):
    make_history(submit_report, 47)
    expected = expected_order()
    seen, pages, response = [], [], client.get(URL)
    while True:
        page_codes = codes_on(response)
        pages.append(page_codes)
        seen += page_codes
        older = link(response, "next")
        if older is None:
            break
        response = client.get(URL + older)
    assert seen == expected
    assert [len(p) for p in pages] == [20, 20, 7]
    # And back: "Newer" from the last page gives the middle page, then the first.
    newer = link(response, "prev")
    response = client.get(URL + newer)
    assert codes_on(response) == pages[1]
    response = client.get(URL + link(response, "prev"))
    assert codes_on(response) == pages[0]
    assert link(response, "prev") is None


def test_pages_keep_the_filters(client, submit_report, city):
    make_history(submit_report, 23)
    make_history(lambda **kw: submit_report(category="den-chieu-sang", point=WARD_B_POINT, **kw), 5)
    response = client.get(URL, {"category": "rac-thai"})
    older = link(response, "next")
    assert "category=rac-thai" in older
    rest = codes_on(client.get(URL + older))
    assert len(rest) == 3
    assert set(rest) <= set(Report.objects.filter(category__code="rac-thai").values_list("code", flat=True))


def test_new_reports_arriving_do_not_shift_the_older_pages(client, submit_report):
    make_history(submit_report, 25)
    first = client.get(URL)
    older = link(first, "next")
    submit_report(description="Mới đến")
    assert codes_on(client.get(URL + older)) == expected_order()[21:26]


def test_a_broken_cursor_shows_the_newest_page_with_a_message(client, submit_report):
    report = submit_report()
    response = client.get(URL, {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert codes_on(response) == [report.code]
    assert 'class="message message-warning"' in response.content.decode()


@pytest.mark.parametrize("token", ["", "x" * 300, "bm90LWEtY3Vyc29y", "b3wyMDI1LTAxLTAxVDAwOjAwOjAwfDE"])
def test_cursor_decoding_rejects_what_we_did_not_make(token):
    assert paging.Cursor.decode(token) is None


def test_cursor_round_trip():
    cursor = paging.Cursor(paging.OLDER, timezone.now(), 42)
    assert paging.Cursor.decode(cursor.encode()) == cursor


def test_home_page_lists_the_latest_ten_and_links_the_list(client, submit_report, django_assert_max_num_queries):
    made = make_history(submit_report, 12, ties_every=1)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("public:home"))
    html = response.content.decode()
    assert codes_on(response) == [r.code for r in reversed(made)][:10]
    assert f'href="{URL}"' in html
    assert f'href="{reverse("intake:submit")}"' in html
    assert 'data-map="reports"' in html and 'id="map-statuses"' in html
