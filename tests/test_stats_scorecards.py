"""Scorecard figures on a hand-made week, worked out by hand in working time.

Category rac-thai promises an acknowledgement within 4 working hours and a
resolution within 2 working days. Reports received Monday 3 March 2025 at
08:00 are due to be acknowledged by 13:30 (3.5 h before lunch, 0.5 h after)
and resolved by Wednesday 08:00. The figures are read on Friday at 10:00.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from phananh.lib import clock
from phananh.reports import workflow
from phananh.stats import measures, rollup, scorecards
from phananh.stats.models import Dim
from phananh.stats.scorecards import Period, Ratio
from phananh.units.models import Unit

from .conftest import OUTSIDE_POINT, WARD_A_POINT, WARD_B_POINT

MONDAY_8 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 08:00 in Ho Chi Minh City
FRIDAY_10 = MONDAY_8 + timedelta(days=4, hours=2)
MARCH = Period("2025-03", date(2025, 3, 1), date(2025, 3, 1))


@pytest.fixture(autouse=True)
def english():
    # Reasons are user-facing sentences; read their English msgids whatever the catalog holds.
    with translation.override("en"):
        yield


def at(hours, fn, *args, **kwargs):
    with clock.at(MONDAY_8 + timedelta(hours=hours)):
        return fn(*args, **kwargs)


@pytest.fixture
def week(city, submit_report, parked_photo):
    officer = city.officer_a

    def submit(**kwargs):
        return at(0, submit_report, **kwargs)

    def resolve(report, hours, outcome):
        extra = {"photos": [parked_photo()]} if outcome == "fixed" else {}
        return at(hours, workflow.apply, report, "resolve", officer, outcome=outcome, result="Đã xử lý.", **extra)

    a = submit()  # acknowledged and fixed within the morning: 3 working hours
    at(1, workflow.apply, a, "accept", officer)
    resolve(a, 3, "fixed")

    b = submit()  # acknowledged at 15:00 (late), resolved Thursday 09:00 (late): 25 working hours
    at(7, workflow.apply, b, "accept", officer)
    resolve(b, 73, "cannot_fix")

    submit()  # never acknowledged: both deadlines pass

    d = submit(point=OUTSIDE_POINT)  # outside every ward: the coordinators reject it
    at(1, workflow.apply, d, "reject", city.coordinator, reason="Không thuộc địa bàn.")

    e = submit()  # fixed in 2 hours, the resident is not satisfied: reopened at 10:30, then left waiting
    token_e = e.token
    at(1, workflow.apply, e, "accept", officer)
    e = resolve(e, 2, "fixed")
    at(2.5, workflow.apply, e, "rate", workflow.Citizen(token_e), rating="unsatisfied", comment="Vẫn còn rác.")

    f = submit()  # fixed by 14:00 (4.5 working hours) and the resident is satisfied
    token_f = f.token
    at(0.5, workflow.apply, f, "accept", officer)
    f = resolve(f, 6, "fixed")
    at(7, workflow.apply, f, "rate", workflow.Citizen(token_f), rating="satisfied")

    with clock.at(FRIDAY_10):
        rollup.refresh()
    return city


def test_unit_figures_worked_out_by_hand(week):
    with clock.at(FRIDAY_10):
        f = scorecards.figures(Dim.UNIT, week.ward_a.pk, MARCH)
    assert f.received == 5
    assert f.states == {"open": 2, "resolved": 2, "closed": 1, "rejected": 0, "merged": 0}
    assert f.identity_holds
    assert f.on_time_ack == Ratio(2, 5)          # a, f on time; b late; c and e never acknowledged
    assert f.on_time_resolution == Ratio(2, 5)   # a, f on time; b late; c and e overdue
    assert (f.res_on_time, f.res_late, f.res_overdue) == (2, 1, 2)
    assert f.median_hours.bounds == (4.0, 4.5)   # 3, 4.5 and 25 working hours
    assert f.median_hours.n == 3
    assert f.fixed_share == Ratio(2, 3)
    assert f.satisfaction == Ratio(1, 2)
    assert f.reopen_rate == Ratio(1, 4)
    assert (f.overdue_now, f.open_now) == (2, 2)


def test_city_counts_the_rejected_report_without_timing_it(week):
    f = scorecards.figures(Dim.CITY, 0, MARCH)
    assert f.received == 6 and f.rejected == 1 and f.identity_holds
    assert f.on_time_ack.n == 5 and f.on_time_resolution.n == 5
    unassigned = scorecards.figures(Dim.UNIT, 0, MARCH)
    assert unassigned.received == 1 and unassigned.rejected == 1


def test_category_and_ward_dimensions_sum_to_the_city(week):
    city_figures = scorecards.figures(Dim.CITY, 0, MARCH)
    for dim in (Dim.UNIT, Dim.CATEGORY, Dim.WARD):
        rows = scorecards.table(dim, MARCH)
        for name in measures.COUNTERS:
            assert sum(getattr(row, name) for row in rows.values()) == getattr(city_figures, name), (dim, name)


def test_all_time_and_month_agree_and_other_months_are_empty(week):
    everything = scorecards.figures(Dim.UNIT, week.ward_a.pk, Period("all"))
    march = scorecards.figures(Dim.UNIT, week.ward_a.pk, MARCH)
    assert everything.counts == march.counts and everything.hours == march.hours
    april = scorecards.figures(Dim.UNIT, week.ward_a.pk, Period("2025-04", date(2025, 4, 1), date(2025, 4, 1)))
    assert april.received == 0 and april.on_time_resolution.percent is None
    assert april.overdue_now == 2  # overdue now belongs to no period


def test_ranking_needs_the_minimum_sample_and_a_full_period(week, submit_report, settings):
    settings.STATS_MIN_SAMPLE = 3
    week.ward_b.started_on = date(2025, 3, 5)
    week.ward_b.save()
    for _ in range(3):
        at(0, submit_report, point=WARD_B_POINT)
    at(0, submit_report, category="den-chieu-sang", point=WARD_A_POINT)
    with clock.at(FRIDAY_10):
        rollup.refresh()
    rows = scorecards.table(Dim.UNIT, MARCH)
    ranked, unranked = scorecards.rank_units(rows, Unit.objects.in_bulk([k for k in rows if k]), MARCH)
    assert [r.name for r in ranked] == ["Phường Bến Thành"] and ranked[0].rank == 1
    reasons = {r.name: r.hidden_reason for r in unranked}
    assert "In service only since 05/03/2025" in reasons["Phường Sài Gòn"]
    assert "Fewer than 3 reports" in reasons["Công ty Chiếu sáng"]
    assert "coordinators' queue" in reasons["Waiting for a unit (coordination)"]


def test_a_transfer_moves_the_report_and_keeps_its_period(city, submit_report):
    report = at(0, submit_report)
    at(1, workflow.apply, report, "return", city.officer_a, reason="Không thuộc phường.")
    at(2, workflow.apply, report, "route", city.coordinator, unit=city.ward_b)
    with clock.at(FRIDAY_10):
        rollup.refresh()
    assert scorecards.figures(Dim.UNIT, city.ward_a.pk, MARCH).received == 0
    moved = scorecards.figures(Dim.UNIT, city.ward_b.pk, MARCH)
    assert moved.received == 1 and moved.open == 1
    # The original clock runs on: Ward B answers for the deadlines missed since Monday.
    assert moved.ack_overdue == 1 and moved.res_overdue == 1


def test_period_parsing():
    today = date(2025, 6, 15)
    assert scorecards.parse_period("2025-03", today) == (Period("2025-03", date(2025, 3, 1), date(2025, 3, 1)), None)
    assert scorecards.parse_period("2024", today)[0].months()[-1] == date(2024, 12, 1)
    twelve = scorecards.parse_period(None, today)[0]
    assert (twelve.first, twelve.last) == (date(2024, 7, 1), date(2025, 6, 1))
    assert scorecards.parse_period("all", today)[0].is_all
    for bad in ("2025-13", "2026", "1999", "tháng 3", "2025-7"):
        period, error = scorecards.parse_period(bad, today)
        assert period.value == "12m" and "not understood" in error


def test_percent_rounds_halves_up_and_never_divides_by_zero():
    assert Ratio(1, 8).percent == 13 and Ratio(1, 3).percent == 33 and Ratio(2, 3).percent == 67
    assert Ratio(0, 0).percent is None


def test_median_bucket_is_the_middle_value():
    three, four_and_half, twenty_five = (measures.bucket_of(h * 3600) for h in (3, 4.5, 25))
    counts = {three: 1, four_and_half: 1, twenty_five: 1}
    assert measures.bucket_bounds(measures.median_bucket(counts)) == (4.0, 4.5)
    assert measures.bucket_bounds(measures.bucket_of(0)) == (0.0, 0.5)
    assert measures.bucket_bounds(measures.bucket_of(10_000 * 3600)) == (800.0, None)
    assert measures.median_bucket({}) is None


def test_after_a_return_the_next_holder_must_acknowledge_again(city, submit_report):
    report = at(0, submit_report)
    at(1, workflow.apply, report, "accept", city.officer_a)  # on time, by Ward Bến Thành
    at(2, workflow.apply, report, "return", city.officer_a, reason="Không thuộc phường.")
    at(3, workflow.apply, report, "route", city.coordinator, unit=city.ward_b)
    with clock.at(FRIDAY_10):
        rollup.refresh()
    moved = scorecards.figures(Dim.UNIT, city.ward_b.pk, MARCH)
    assert moved.on_time_ack == Ratio(0, 1) and moved.ack_overdue == 1
    at(100, workflow.apply, report, "accept", city.officer_b)
    with clock.at(FRIDAY_10 + timedelta(days=1)):
        rollup.refresh()
    assert scorecards.figures(Dim.UNIT, city.ward_b.pk, MARCH).ack_late == 1
