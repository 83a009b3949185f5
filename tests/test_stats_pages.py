"""Public statistics pages and API: they render, read rollups only, and answer bad input clearly."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phananh.reports import workflow
from phananh.stats import rollup

from .conftest import WARD_B_POINT


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def history(city, submit_report, parked_photo):
    fixed = submit_report()
    workflow.apply(fixed, "accept", city.officer_a)
    workflow.apply(fixed, "resolve", city.officer_a, outcome="fixed", result="Đã dọn.", photos=[parked_photo()])
    submit_report(category="den-chieu-sang", point=WARD_B_POINT)
    submit_report()
    rollup.refresh()
    return city


def page_urls(city):
    return [
        reverse("stats:overview"), reverse("public:units"), reverse("stats:unit", args=[city.ward_a.code]),
        reverse("stats:categories"), reverse("stats:category", args=["rac-thai"]), reverse("stats:wards"),
        reverse("stats:ward", args=[city.ward_a.code]), reverse("stats:opendata"), reverse("stats:chain_heads"),
        reverse("stats:monthly", args=["2025-01"]),
    ]


API = ["/api/v1/stats/city", "/api/v1/stats/units", "/api/v1/stats/categories", "/api/v1/stats/wards",
       "/api/v1/stats/units/26743", "/api/v1/stats/categories/rac-thai", "/api/v1/stats/wards/26743",
       "/api/v1/stats/chain-heads", "/api/v1/stats/monthly/2025-01"]


def test_pages_and_api_never_read_events_or_reports(client, history):
    """Figures come from the rollups; the monthly report's list of overdue
    reports joins the report only for its tracking code."""
    for url in page_urls(history) + API:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "reports_event" not in sql and 'FROM "reports_report"' not in sql, url


def test_overview_shows_figures_with_their_n_and_a_chart_with_a_table(client, history):
    html = client.get(reverse("stats:overview")).content.decode()
    assert "Received 3 = open 2 + resolved 1 + closed 0 + rejected 0 + duplicate 0." in html
    assert re.search(r"Resolved on time</dt>\s*<dd><span class=\"score-value\">100%</span> "
                     r"<span class=\"score-n\">1 of 1</span>", html)
    assert '<svg class="chart"' in html and 'role="img"' in html and "<desc" in html
    assert "Show these figures as a table" in html


def test_unit_page(client, history):
    html = client.get(reverse("stats:unit", args=[history.ward_a.code])).content.decode()
    assert "Phường Bến Thành" in html and "Received 2 = open 1 + resolved 1" in html
    assert "Not ranked in this period:" in html and "Fewer than 20 reports" in html


def test_units_page_ranks_only_units_with_enough_reports(client, history, settings):
    settings.STATS_MIN_SAMPLE = 2
    html = client.get(reverse("public:units")).content.decode()
    ranked, _sep, unranked = html.partition("Not ranked")
    assert "Phường Bến Thành" in ranked and "Công ty Chiếu sáng" not in ranked
    assert "Công ty Chiếu sáng" in unranked and "Fewer than 2 reports" in unranked


def test_a_bad_period_is_explained_and_the_default_shown(client, history):
    response = client.get(reverse("stats:overview"), {"ky": "tháng trước"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "That period was not understood, so the last 12 months are shown." in html
    assert '<option value="12m" selected>' in html


def test_unknown_codes_are_404(client, history):
    for url in (reverse("stats:unit", args=["khong-co"]), reverse("stats:category", args=["khong-co"]),
                reverse("stats:ward", args=[history.lighting.code]), reverse("stats:monthly", args=["2025-13"])):
        assert client.get(url).status_code == 404, url


def test_api_city_figures(client, history):
    body = client.get("/api/v1/stats/city", {"ky": "all"}).json()
    figures = body["figures"]
    assert figures["received"] == 3 == sum(figures["states"].values())
    assert figures["on_time_resolution"] == {"count": 1, "n": 1, "percent": 100}
    assert figures["fixed_share"] == {"count": 1, "n": 1, "percent": 100}
    assert body["freshness"]["event_seq"] > 0


def test_api_units_lists_ranked_then_not_ranked_with_reasons(client, history, settings):
    settings.STATS_MIN_SAMPLE = 2
    rows = client.get("/api/v1/stats/units", headers={"accept-language": "en"}).json()["rows"]
    assert rows[0]["code"] == history.ward_a.code and rows[0]["rank"] == 1
    lighting = next(r for r in rows if r["code"] == history.lighting.code)
    assert lighting["rank"] is None and "Fewer than 2" in lighting["not_ranked_because"]


def test_api_bad_input(client, history):
    response = client.get("/api/v1/stats/city", {"ky": "2025-99"}, headers={"accept-language": "en"})
    assert response.status_code == 400 and response.json()["field"] == "ky"
    assert client.get("/api/v1/stats/units/khong-co").status_code == 404
    assert client.get("/api/v1/stats/monthly/2025-13").status_code == 404
    assert client.get("/api/v1/stats/chain-heads", {"before": "hôm qua"}).status_code == 400


def test_empty_install(client, db):
    for url in (reverse("stats:overview"), reverse("public:units"), reverse("stats:categories"),
                reverse("stats:wards"), "/api/v1/stats/city", "/api/v1/stats/units"):
        assert client.get(url).status_code == 200, url
    assert "not been computed yet" in client.get(reverse("stats:overview")).content.decode()


def test_tables_are_cached_until_the_rollups_change(history, submit_report, django_assert_max_num_queries):
    from phananh.stats import scorecards
    from phananh.stats.models import Dim

    period = scorecards.parse_period("all")[0]
    first = scorecards.table(Dim.UNIT, period)
    with django_assert_max_num_queries(1):  # the rollups' version, nothing else
        again = scorecards.table(Dim.UNIT, period)
    assert {k: r.counts for k, r in again.items()} == {k: r.counts for k, r in first.items()}
    submit_report()
    assert scorecards.table(Dim.UNIT, period)[history.ward_a.pk].received == 2  # not folded yet: same version
    rollup.refresh()
    assert scorecards.table(Dim.UNIT, period)[history.ward_a.pk].received == 3
