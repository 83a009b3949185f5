"""The public units table: figures derived from events, with their n, cached for a minute."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from phananh.lib import clock
from phananh.public import stats
from phananh.reports import workflow

from .conftest import WARD_B_POINT

URL = reverse("public:units")


@pytest.fixture(autouse=True)
def english(client, settings):
    # The site defaults to Vietnamese; these tests read the English msgids whatever the catalog holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.delete(stats.CACHE_KEY)
    yield
    cache.delete(stats.CACHE_KEY)


@pytest.fixture
def history(city, submit_report, parked_photo):
    def resolve(report, outcome, **extra):
        workflow.apply(report, "accept", city.officer_a)
        return workflow.apply(report, "resolve", city.officer_a, outcome=outcome, result="Đã xử lý.", **extra)

    resolve(submit_report(), "fixed", photos=[parked_photo()])
    resolve(submit_report(), "cannot_fix")
    with clock.at(clock.now() - timedelta(days=30)):
        submit_report()  # still only assigned, a month later: overdue
    reopened = submit_report()
    token = reopened.token
    reopened = resolve(reopened, "fixed", photos=[parked_photo()])
    workflow.apply(reopened, "rate", workflow.Citizen(token), rating="unsatisfied", comment="Chưa sạch.")
    submit_report(category="den-chieu-sang", point=WARD_B_POINT)  # lighting utility, fresh
    returned = submit_report(point=WARD_B_POINT)
    workflow.apply(returned, "return", city.officer_b, reason="Khu vực của phường khác.")
    return city


def rows_by_name():
    rows, _computed_at = stats.unit_table()
    return {row.name: row for row in rows}


def test_figures_per_unit(history):
    rows = rows_by_name()
    ward_a = rows["Phường Bến Thành"]
    assert (ward_a.received, ward_a.resolved, ward_a.fixed, ward_a.open, ward_a.overdue) == (4, 3, 2, 2, 1)
    lighting = rows["Công ty Chiếu sáng"]
    assert (lighting.received, lighting.resolved, lighting.fixed, lighting.open, lighting.overdue) == (1, 0, 0, 1, 0)
    ward_b = rows["Phường Sài Gòn"]
    assert (ward_b.received, ward_b.resolved, ward_b.open) == (1, 0, 0)
    assert "Tổ điều phối 1022" not in rows  # never received anything
    total = stats.totals(list(rows.values()))
    assert (total.received, total.resolved, total.fixed, total.open, total.overdue) == (6, 3, 2, 3, 1)


def test_only_fixed_outcomes_count_as_fixed(history):
    ward_a = rows_by_name()["Phường Bến Thành"]
    assert ward_a.fixed_percent == 67 and ward_a.overdue_percent == 50


def test_page_shows_every_figure_with_its_n_and_the_method(client, history):
    html = client.get(URL).content.decode()
    row = re.search(r"<tr>\s*<th scope=\"row\">Phường Bến Thành.*?</tr>", html, re.S).group(0)
    numbers = re.findall(r"<span>(\d+)", row)
    assert numbers[:2] == ["4", "3"]
    assert "67% of n=3" in row and "50% of n=2" in row
    assert "derived from the public event log" in html
    assert "All units" in html


def test_the_table_is_cached_for_a_minute(client, history, django_assert_max_num_queries, monkeypatch):
    client.get(URL)
    calls = []
    monkeypatch.setattr(stats, "compute", lambda: calls.append(1) or {"rows": [], "computed_at": clock.now()})
    with django_assert_max_num_queries(0):
        response = client.get(URL)
    assert "Phường Bến Thành" in response.content.decode() and calls == []
    cache.delete(stats.CACHE_KEY)
    client.get(URL)
    assert calls == [1]


def test_empty_install_says_so(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "No unit has received a report yet." in response.content.decode()
