"""The work queue: default views, filters, keyset pagination and its query budget."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from phananh.console import queue
from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Category, Report

from .conftest import OUTSIDE_POINT, WARD_B_POINT


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    # Assertions read English msgids; the site defaults to Vietnamese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


HOME = reverse("console:home")


def codes(response):
    return [r.code for r in response.context["page"].rows]


@pytest.fixture
def mix(city, submit_report):
    """One report in each situation the filters tell apart."""
    m = type("Mix", (), {})()
    m.triage = submit_report(point=OUTSIDE_POINT, category="khac")
    m.garbage_a = submit_report()
    m.light_b = submit_report(category="den-chieu-sang", point=WARD_B_POINT)  # to the lighting company
    m.sidewalk_b = submit_report(category="lan-chiem-via-he", point=WARD_B_POINT)
    m.mine = submit_report(description="Rác của tôi")
    workflow.apply(m.mine, "accept", city.officer_a)
    workflow.apply(m.mine, "assign_officer", city.officer_a, officer=city.officer_a)
    m.extension = submit_report(description="Cần thêm thời gian")
    workflow.apply(m.extension, "accept", city.officer_a)
    workflow.apply(m.extension, "request_extension", city.officer_a, days=2, reason="Chờ vật tư")
    m.done = submit_report(description="Đã xong")
    workflow.apply(m.done, "accept", city.officer_a)
    workflow.apply(m.done, "resolve", city.officer_a, outcome="cannot_fix", result="Đất tư nhân.")
    return m


def test_coordinator_default_is_the_triage_queue(client, city, mix):
    client.force_login(city.coordinator)
    response = client.get(HOME)
    assert codes(response) == [mix.triage.code]
    assert response.context["presets"][0].active  # "Needs triage" is highlighted


def test_unit_default_is_the_units_open_reports(client, city, mix):
    client.force_login(city.officer_a)
    found = set(codes(client.get(HOME)))
    assert found == {mix.garbage_a.code, mix.mine.code, mix.extension.code}


def test_rows_show_what_a_person_needs(client, city, mix):
    Report.objects.filter(pk=mix.garbage_a.pk).update(address="42 Lê Thánh Tôn")
    client.force_login(city.officer_a)
    body = client.get(HOME).content.decode()
    report = Report.objects.get(pk=mix.garbage_a.pk)
    due = timezone.localtime(report.resolve_due).strftime("%d/%m/%Y %H:%M")  # Asia/Ho_Chi_Minh
    assert report.code in body and "Garbage and illegal dumping" in body
    assert "Phường Bến Thành" in body and "42 Lê Thánh Tôn" in body
    assert due in body
    assert 'class="badge status-assigned"' in body and "Sent to unit" in body
    assert "canbo_a" in body  # the assignee of mix.mine


@pytest.mark.parametrize("params,expected", [
    ({"status": "all"}, {"triage", "garbage_a", "light_b", "sidewalk_b", "mine", "extension", "done"}),
    ({"status": "open"}, {"triage", "garbage_a", "light_b", "sidewalk_b", "mine", "extension"}),
    ({"status": "resolved"}, {"done"}),
    ({"status": "all", "category": "den-chieu-sang"}, {"light_b"}),
    ({"status": "all", "unit": "ward_b"}, {"sidewalk_b"}),
    ({"status": "all", "ward": "ward_b"}, {"light_b", "sidewalk_b"}),
    ({"status": "open", "extension": "on"}, {"extension"}),
])
def test_coordinator_filters(client, city, mix, params, expected):
    values = {"den-chieu-sang": Category.objects.get(code="den-chieu-sang").pk,
              "ward_b": city.ward_b.pk}
    params = {k: values.get(v, v) for k, v in params.items()}
    client.force_login(city.coordinator)
    found = set(codes(client.get(HOME, params)))
    assert found == {getattr(mix, name).code for name in expected}


def test_assigned_to_me(client, city, mix):
    client.force_login(city.officer_a)
    assert codes(client.get(HOME, {"status": "open", "mine": "on"})) == [mix.mine.code]
    client.force_login(city.officer_a2)
    assert codes(client.get(HOME, {"status": "open", "mine": "on"})) == []


def test_overdue_only(client, city, mix):
    late = clock.now() - timedelta(hours=1)
    Report.objects.filter(pk__in=[mix.garbage_a.pk, mix.done.pk]).update(resolve_due=late)
    client.force_login(city.officer_a)
    response = client.get(HOME, {"status": "all", "overdue": "on"})
    assert codes(response) == [mix.garbage_a.code]  # the resolved one is late but no longer open
    assert "Overdue" in response.content.decode()


def test_a_bad_filter_value_is_reported_not_a_crash(client, city, mix):
    client.force_login(city.coordinator)
    response = client.get(HOME, {"status": "nonsense", "unit": "abc", "ward": "999999"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert mix.triage.code in codes(response)  # falls back to all open reports


def test_unit_staff_are_not_offered_other_units(client, city, mix):
    client.force_login(city.officer_a)
    response = client.get(HOME, {"status": "all", "unit": city.ward_b.pk})
    assert response.status_code == 200
    assert mix.sidewalk_b.code not in codes(response)


def test_open_views_sort_by_deadline_and_others_newest_first(client, city, mix):
    client.force_login(city.coordinator)
    rows = client.get(HOME, {"status": "open"}).context["page"].rows
    dues = [r.resolve_due for r in rows]
    assert dues == sorted(dues)
    rows = client.get(HOME, {"status": "all"}).context["page"].rows
    keys = [(r.received_at, r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)


# --- keyset pagination -----------------------------------------------------------------------

@pytest.fixture
def many(city, submit_report, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    reports = [submit_report(description=f"Phản ánh số {i}") for i in range(8)]
    # Equal deadlines across a page boundary and two without any deadline:
    # the id must break ties and the deadline-less rows come last.
    same = clock.now() + timedelta(days=1)
    Report.objects.filter(pk__in=[r.pk for r in reports[2:5]]).update(resolve_due=same)
    Report.objects.filter(pk__in=[reports[0].pk, reports[6].pk]).update(resolve_due=None)
    return reports


def walk(client, params):
    """Follow the "Next page" links to the end; returns the codes page by page."""
    pages = []
    response = client.get(HOME, params)
    while True:
        assert response.status_code == 200
        pages.append(codes(response))
        next_query = response.context["next_query"]
        if not next_query:
            return pages
        assert f'href="?{next_query}"'.replace("&", "&amp;") in response.content.decode()
        response = client.get(f"{HOME}?{next_query}")


def test_pages_cover_every_report_once_in_deadline_order(client, city, many):
    client.force_login(city.officer_a)
    pages = walk(client, {"status": "open"})
    assert [len(p) for p in pages] == [3, 3, 2]
    seen = [code for p in pages for code in p]
    expected = [r.code for r in Report.objects.filter(unit=city.ward_a).order_by("resolve_due", "id")
                if r.resolve_due is not None]
    expected += [r.code for r in sorted(many, key=lambda r: r.pk) if r.pk in (many[0].pk, many[6].pk)]
    assert seen == expected


def test_pages_newest_first(client, city, many):
    client.force_login(city.officer_a)
    seen = [code for p in walk(client, {"status": "all"}) for code in p]
    assert seen == [r.code for r in Report.objects.order_by("-received_at", "-id")]


def test_a_new_report_does_not_shift_the_next_page(client, city, many, submit_report):
    client.force_login(city.officer_a)
    first = client.get(HOME, {"status": "all"})
    after = first.context["page"].next_cursor
    submit_report(description="Mới đến giữa chừng")
    second = client.get(HOME, {"status": "all", "after": after})
    assert not set(codes(first)) & set(codes(second))
    assert codes(second) == [r.code for r in Report.objects.order_by("-received_at", "-id")[4:7]]


@pytest.mark.parametrize("cursor", ["garbage", "x" * 500, ""])
def test_a_tampered_cursor_shows_the_first_page(client, city, many, cursor):
    client.force_login(city.officer_a)
    first = codes(client.get(HOME, {"status": "all"}))
    assert codes(client.get(HOME, {"status": "all", "after": cursor})) == first


def test_a_cursor_from_another_order_is_ignored(client, city, many):
    client.force_login(city.officer_a)
    due_cursor = client.get(HOME, {"status": "open"}).context["page"].next_cursor
    assert codes(client.get(HOME, {"status": "all", "after": due_cursor})) == codes(
        client.get(HOME, {"status": "all"}))


def test_the_queue_costs_a_fixed_number_of_queries(client, city, submit_report, django_assert_max_num_queries):
    for i in range(30):
        report = submit_report(description=f"Phản ánh {i}")
        if i % 3 == 0:
            workflow.apply(report, "assign_officer", city.officer_a, officer=city.officer_a)
    client.force_login(city.coordinator)
    with django_assert_max_num_queries(10) as captured:
        response = client.get(HOME, {"status": "open"})
    assert len(response.context["page"].rows) == queue.PAGE_SIZE
    sql = " ".join(q["sql"].upper() for q in captured.captured_queries)
    assert "OFFSET" not in sql and "COUNT(" not in sql
    with django_assert_max_num_queries(10):
        client.get(HOME, {"status": "open", "after": response.context["page"].next_cursor})
