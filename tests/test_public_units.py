"""The public units page shows the unit scorecards, read from the statistics rollups."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from phananh.lib import clock
from phananh.reports import workflow
from phananh.stats import rollup

from .conftest import WARD_B_POINT

URL = reverse("public:units")


@pytest.fixture(autouse=True)
def english(client, settings):
    # The site defaults to Vietnamese; these tests read the English msgids whatever the catalog holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def history(city, submit_report, parked_photo, settings):
    settings.STATS_MIN_SAMPLE = 3

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
    rollup.refresh()
    return city


def row_of(html, name):
    return re.search(rf"<tr>(?:(?!</tr>).)*?>{re.escape(name)}</a>.*?</tr>", html, re.S).group(0)


def test_units_with_enough_reports_are_ranked_with_every_figure_and_its_n(client, history):
    html = client.get(URL).content.decode()
    ranked = html.partition("Not ranked")[0]
    ward_a = row_of(ranked, "Phường Bến Thành")
    assert "data-label=\"Rank\"><span class=\"v\">1</span>" in ward_a
    assert 'data-label="Received"><span class="v">4</span>' in ward_a
    # Only the outcome "fixed" counts as fixed; the reopened fix no longer stands: 1 fixed of 2.
    assert "50% <span class=\"pct\">1 of 2</span>" in ward_a
    assert "<strong class=\"overdue\">1</strong>" in ward_a  # the month-old report
    assert "derived from" not in ward_a and "Where these figures come from" in html


def test_units_with_too_few_reports_are_shown_but_not_ranked(client, history):
    unranked = client.get(URL).content.decode().partition("Not ranked")[2]
    assert "Công ty Chiếu sáng" in unranked and "Fewer than 3 reports in this period" in unranked
    # The report Ward Sài Gòn returned waits for the coordinators: their queue is listed, not ranked.
    assert "Waiting for a unit (coordination)" in unranked


def test_the_page_reads_the_rollups_not_the_reports(client, history, submit_report):
    submit_report()
    unfolded = row_of(client.get(URL).content.decode(), "Phường Bến Thành")
    assert 'data-label="Received"><span class="v">4</span>' in unfolded  # not folded in yet
    rollup.refresh()
    after = row_of(client.get(URL).content.decode(), "Phường Bến Thành")
    assert 'data-label="Received"><span class="v">5</span>' in after


def test_query_count_does_not_grow_with_units(client, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get(URL)


def test_empty_install_says_so(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "No unit has received a report in this period yet." in response.content.decode()
