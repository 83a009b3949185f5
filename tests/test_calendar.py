"""Working-time arithmetic: known cases, holidays, admin exceptions and properties."""

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from phananh.reports.models import Category
from phananh.sla import service
from phananh.sla.calendar import WorkCalendar
from phananh.sla.management.commands import deadline as deadline_command
from phananh.sla.models import DayOverride

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
PLAIN = WorkCalendar(use_public_holidays=False)  # Mon–Fri only, for weekly properties


def vn(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The configured calendar is cached per process; never let one test's
    calendar exceptions (rolled back with its transaction) leak into another."""
    service.forget_calendar()
    yield
    service.forget_calendar()


# --- known cases -------------------------------------------------------------

@pytest.mark.parametrize("start, hours, due", [
    # Monday 10:00: 1.5 h before lunch, 2.5 h after it.
    (vn(2025, 1, 6, 10), 4, vn(2025, 1, 6, 15, 30)),
    (vn(2025, 1, 6, 10), 3.5, vn(2025, 1, 6, 15)),
    (vn(2025, 1, 6, 10), 1.5, vn(2025, 1, 6, 11, 30)),
    # During lunch the clock waits for 13:00.
    (vn(2025, 1, 6, 11, 45), 1, vn(2025, 1, 6, 14)),
    # Before opening and after closing.
    (vn(2025, 1, 6, 6), 1, vn(2025, 1, 6, 8, 30)),
    (vn(2025, 1, 6, 17, 30), 1, vn(2025, 1, 7, 8, 30)),
    # Friday 16:00 + 2 h: one hour on Friday, one on Monday.
    (vn(2025, 1, 3, 16), 2, vn(2025, 1, 6, 8, 30)),
    # Received on Saturday or Sunday: counting starts Monday 07:30.
    (vn(2025, 1, 4, 9), 1, vn(2025, 1, 6, 8, 30)),
    (vn(2025, 1, 5, 23, 59), 4, vn(2025, 1, 6, 11, 30)),
    (vn(2025, 1, 4, 9), 0, vn(2025, 1, 6, 7, 30)),
    # Zero hours inside office hours is the moment itself.
    (vn(2025, 1, 6, 9, 15), 0, vn(2025, 1, 6, 9, 15)),
    # A whole week of working time from Monday 07:30 ends Friday 17:00.
    (vn(2025, 1, 6, 7, 30), 40, vn(2025, 1, 10, 17)),
])
def test_add_working_hours(start, hours, due):
    assert CAL.add_working_hours(start, hours) == due


@pytest.mark.parametrize("start, days, due", [
    (vn(2025, 1, 6, 10), 2, vn(2025, 1, 8, 10)),   # Monday 10:00 + 2 days = Wednesday 10:00
    (vn(2025, 1, 8, 10), 3, vn(2025, 1, 13, 10)),  # Wednesday + 3 days crosses the weekend
    (vn(2025, 1, 6, 7, 30), 1, vn(2025, 1, 6, 17)),
    (vn(2025, 1, 4, 12), 1, vn(2025, 1, 6, 17)),   # Saturday: the first day is Monday
])
def test_add_working_days(start, days, due):
    assert CAL.add_working_days(start, days) == due


def test_hours_per_day_is_eight():
    assert CAL.hours_per_day == 8


def test_results_are_in_local_time_whatever_the_input_zone():
    due = CAL.add_working_hours(datetime(2025, 1, 6, 3, 0, tzinfo=ZoneInfo("UTC")), 4)  # 10:00 local
    assert due == vn(2025, 1, 6, 15, 30)
    assert due.utcoffset() == timedelta(hours=7)


def test_naive_input_is_local_office_time_not_the_servers_zone():
    assert CAL.add_working_hours(datetime(2025, 1, 6, 10, 0), 4) == vn(2025, 1, 6, 15, 30)
    assert CAL.working_time_between(datetime(2025, 1, 6, 10), vn(2025, 1, 6, 11)) == timedelta(hours=1)


def test_negative_hours_are_refused():
    with pytest.raises(ValueError):
        CAL.add_working_hours(vn(2025, 1, 6, 10), -1)


def test_next_opening():
    assert CAL.next_opening(vn(2025, 1, 6, 12)) == vn(2025, 1, 6, 13)
    assert CAL.next_opening(vn(2025, 1, 6, 9)) == vn(2025, 1, 6, 9)
    assert CAL.next_opening(vn(2025, 1, 10, 17)) == vn(2025, 1, 13, 7, 30)


# --- Vietnamese public holidays -------------------------------------------------

@pytest.mark.parametrize("day", [
    *[date(2026, 2, d) for d in range(16, 21)],     # Tết Bính Ngọ 2026: Monday 16 to Friday 20 February
    date(2025, 4, 30), date(2025, 5, 1),            # Reunification Day, Labour Day
    date(2025, 5, 2),                               # bridge day, worked on Saturday 26/4/2025
    date(2025, 9, 1), date(2025, 9, 2),             # National Day
    date(2026, 4, 27),                              # Hùng Kings 2026 falls on Sunday 26/4, observed Monday
    date(2026, 8, 31),                              # bridge day before National Day 2026
    date(2025, 1, 1),
])
def test_public_holidays_are_days_off(day):
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)
    assert CAL.windows_on(day) == []


@pytest.mark.parametrize("day", [
    date(2025, 4, 26),   # make-up Saturday for the 2/5/2025 bridge
    date(2026, 8, 22),   # make-up Saturday for the 31/8/2026 bridge
    date(2014, 12, 27),  # make-up Saturday in 2014 for a day off in 2015 (2/1/2015)
    date(2019, 1, 5),    # make-up Saturday in 2019 for a day off in 2018 (31/12/2018)
])
def test_make_up_saturdays_are_working_days(day):
    assert day.weekday() == 5
    assert CAL.is_working_day(day)


def test_ordinary_weekend_is_off_and_weekday_is_on():
    assert not CAL.is_working_day(date(2025, 1, 4))
    assert not CAL.is_working_day(date(2025, 1, 5))
    assert CAL.is_working_day(date(2025, 1, 6))


@pytest.mark.parametrize("start, hours, due", [
    # Friday before Tết 2026 → the Monday after the whole week off.
    (vn(2026, 2, 13, 16), 2, vn(2026, 2, 23, 8, 30)),
    # Tuesday 29/4/2025 → 30/4, 1/5, the bridge 2/5 and the weekend are off.
    (vn(2025, 4, 29, 16), 2, vn(2025, 5, 5, 8, 30)),
    # Friday 25/4/2025 → Saturday 26/4 is a make-up working day.
    (vn(2025, 4, 25, 16), 2, vn(2025, 4, 26, 8, 30)),
    # Friday before National Day 2025 (Monday 1/9 and Tuesday 2/9 off).
    (vn(2025, 8, 29, 16), 2, vn(2025, 9, 3, 8, 30)),
    # Hùng Kings 2026 observed on Monday 27/4.
    (vn(2026, 4, 24, 16), 2, vn(2026, 4, 28, 8, 30)),
    # Reported during Tết: counting starts when the offices reopen.
    (vn(2026, 2, 17, 10), 0, vn(2026, 2, 23, 7, 30)),
])
def test_deadlines_skip_holidays(start, hours, due):
    assert CAL.add_working_hours(start, hours) == due


def test_two_working_days_over_reunification_day():
    # Tuesday 29/4/2025 10:00: rest of Tuesday, then Saturday 26/4 is past; next are Mon 5/5 and Tue 6/5.
    assert CAL.add_working_days(vn(2025, 4, 29, 10), 2) == vn(2025, 5, 6, 10)


# --- working_time_between -------------------------------------------------------

@pytest.mark.parametrize("start, end, elapsed", [
    (vn(2025, 1, 6, 10), vn(2025, 1, 6, 15, 30), timedelta(hours=4)),
    (vn(2025, 1, 3, 16), vn(2025, 1, 6, 8, 30), timedelta(hours=2)),
    (vn(2025, 1, 6), vn(2025, 1, 13), timedelta(hours=40)),
    (vn(2025, 1, 6, 12), vn(2025, 1, 6, 12, 45), timedelta()),         # inside the lunch break
    (vn(2025, 1, 4, 8), vn(2025, 1, 5, 16), timedelta()),              # a weekend
    (vn(2026, 2, 14), vn(2026, 2, 23, 7, 30), timedelta()),            # the Tết week
    (vn(2025, 1, 6, 15), vn(2025, 1, 6, 10), timedelta()),             # end before start
    (vn(2025, 1, 6, 10), vn(2025, 1, 6, 10), timedelta()),
])
def test_working_time_between(start, end, elapsed):
    assert CAL.working_time_between(start, end) == elapsed


def test_working_time_between_accepts_other_zones():
    utc = ZoneInfo("UTC")
    assert CAL.working_time_between(datetime(2025, 1, 6, 3, tzinfo=utc), vn(2025, 1, 6, 11)) == timedelta(hours=1)


def test_a_calendar_without_working_days_has_no_working_time():
    never = WorkCalendar(weekdays=frozenset(), use_public_holidays=False)
    assert never.working_time_between(vn(2025, 1, 6), vn(2025, 2, 6)) == timedelta()
    with pytest.raises(ValueError):
        never.add_working_hours(vn(2025, 1, 6), 1)


def test_extra_days_on_the_calendar_value():
    cal = WorkCalendar(extra_days_off=frozenset({date(2025, 1, 7)}),
                       extra_working_days=frozenset({date(2025, 1, 11), date(2025, 4, 30)}))
    assert not cal.is_working_day(date(2025, 1, 7))
    assert cal.is_working_day(date(2025, 1, 11))
    assert cal.is_working_day(date(2025, 4, 30))  # an admin exception beats the public holiday
    assert cal.add_working_hours(vn(2025, 1, 6, 16), 2) == vn(2025, 1, 8, 8, 30)


# --- admin exceptions through the configured calendar ------------------------------

@pytest.mark.django_db
def test_day_override_extra_day_off():
    DayOverride.objects.create(day=date(2025, 1, 7), is_working=False, note="Nghỉ đột xuất")
    cal = service.current_calendar()
    assert not cal.is_working_day(date(2025, 1, 7))
    assert cal.add_working_hours(vn(2025, 1, 6, 16), 2) == vn(2025, 1, 8, 8, 30)


@pytest.mark.django_db
def test_day_override_extra_working_day():
    DayOverride.objects.create(day=date(2025, 1, 11), is_working=True, note="Làm bù")
    cal = service.current_calendar()
    assert cal.is_working_day(date(2025, 1, 11))
    assert cal.add_working_hours(vn(2025, 1, 10, 16), 2) == vn(2025, 1, 11, 8, 30)


@pytest.mark.django_db
def test_saving_or_deleting_an_override_refreshes_the_cached_calendar():
    day = date(2025, 1, 7)
    assert service.current_calendar().is_working_day(day)  # now cached
    override = DayOverride.objects.create(day=day, is_working=False)
    assert not service.current_calendar().is_working_day(day)
    override.is_working = True
    override.save()
    assert service.current_calendar().is_working_day(day)
    override.delete()
    assert service.current_calendar().is_working_day(day)
    DayOverride.objects.create(day=date(2025, 1, 11), is_working=True)
    assert service.current_calendar().is_working_day(date(2025, 1, 11))


@pytest.mark.django_db
def test_edits_without_signals_are_seen_once_the_cache_expires(monkeypatch):
    day = date(2025, 1, 7)
    assert service.current_calendar().is_working_day(day)
    DayOverride.objects.bulk_create([DayOverride(day=day, is_working=False)])  # no post_save signal
    assert service.current_calendar().is_working_day(day)  # still the cached one
    later = service.time.monotonic() + service._CACHE_SECONDS + 1
    monkeypatch.setattr(service.time, "monotonic", lambda: later)
    assert not service.current_calendar().is_working_day(day)


@pytest.mark.django_db
def test_deadlines_for_uses_category_settings_and_overrides():
    call_command("load_categories", verbosity=0)
    category = Category.objects.get(code="rac-thai")  # 4 working hours, 2 working days
    ack, resolve = service.deadlines_for(category, vn(2025, 1, 6, 10))
    assert (ack, resolve) == (vn(2025, 1, 6, 15, 30), vn(2025, 1, 8, 10))
    DayOverride.objects.create(day=date(2025, 1, 7), is_working=False)
    ack, resolve = service.deadlines_for(category, vn(2025, 1, 6, 10))
    assert (ack, resolve) == (vn(2025, 1, 6, 15, 30), vn(2025, 1, 9, 10))


# --- properties ------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 10, 31), timezones=st.just(TZ),
).map(lambda m: m.replace(microsecond=0))
minutes = st.integers(min_value=0, max_value=8 * 60 * 15)  # up to three working weeks
bounded = settings(max_examples=200, deadline=None)


def in_office_hours(cal, moment):
    return any(start <= moment <= end for start, end in cal.windows_on(moment.date()))


@bounded
@given(moments, minutes, minutes)
def test_more_time_never_gives_an_earlier_deadline(start, a, b):
    a, b = sorted((a, b))
    assert CAL.add_working_hours(start, a / 60) <= CAL.add_working_hours(start, b / 60)


@bounded
@given(moments, minutes)
def test_deadline_falls_inside_office_hours_on_a_working_day(start, m):
    due = CAL.add_working_hours(start, m / 60)
    assert due >= start
    assert due.tzinfo == TZ
    assert CAL.is_working_day(due.date())
    assert in_office_hours(CAL, due)
    if m:
        # Never on the opening bell of a window: some working time was spent in it.
        assert all(due != opening for opening, _end in CAL.windows_on(due.date()))
        assert time(7, 30) < due.time() <= time(17, 0)


@bounded
@given(moments, minutes)
def test_adding_then_measuring_round_trips(start, m):
    due = CAL.add_working_hours(start, m / 60)
    assert CAL.working_time_between(start, due) == timedelta(minutes=m)


@bounded
@given(moments, minutes)
def test_an_off_period_start_counts_from_the_next_opening(start, m):
    assert CAL.add_working_hours(start, m / 60) == CAL.add_working_hours(CAL.next_opening(start), m / 60)


@bounded
@given(moments, st.integers(min_value=0, max_value=20))
def test_days_are_eight_hour_blocks(start, days):
    assert CAL.add_working_days(start, days) == CAL.add_working_hours(start, days * 8)


@bounded
@given(moments, st.integers(min_value=1, max_value=10))
def test_any_seven_days_hold_one_working_week(start, weeks):
    # Without public holidays every 7-day span crosses exactly one weekend.
    end = start + timedelta(days=7 * weeks)
    assert PLAIN.working_time_between(start, end) == timedelta(hours=40 * weeks)
    # ...and adding whole 40-hour weeks from an opening comes back to the same weekday and time
    # (or to the end of the window just before it, when that time is an opening bell).
    opening = PLAIN.next_opening(start)
    due = PLAIN.add_working_hours(opening, 40 * weeks)
    assert PLAIN.next_opening(due) == opening + timedelta(weeks=weeks)


@bounded
@given(moments, minutes)
def test_crossing_a_weekend_skips_saturday_and_sunday(start, m):
    due = PLAIN.add_working_hours(start, m / 60)
    assert due.weekday() < 5
    # Working time spent equals wall time minus weekends, lunches and nights: never more than wall time.
    assert PLAIN.working_time_between(start, due) <= max(due - start, timedelta())


@bounded
@given(moments, moments, moments)
def test_working_time_is_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CAL.working_time_between(a, c) == CAL.working_time_between(a, b) + CAL.working_time_between(b, c)


# --- manage.py deadline ------------------------------------------------------------------

def deadline(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("deadline", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


@pytest.mark.django_db
@pytest.mark.parametrize("args, due", [
    (["2025-01-06T10:00", "--hours", "4"], "2025-01-06T15:30:00+07:00"),
    (["2025-01-06T10:00+07:00", "--hours", "3.5"], "2025-01-06T15:00:00+07:00"),
    (["2025-01-06T03:00:00Z", "--hours", "4"], "2025-01-06T15:30:00+07:00"),        # UTC input
    (["2025-01-06 10:00", "--hours", "4"], "2025-01-06T15:30:00+07:00"),
    (["06/01/2025 10:00", "--hours", "4"], "2025-01-06T15:30:00+07:00"),           # dd/mm/yyyy HH:MM
    (["06/01/2025", "10:00", "--hours", "4"], "2025-01-06T15:30:00+07:00"),        # unquoted on a shell
    (["2025-01-03T16:00", "--hours", "2"], "2025-01-06T08:30:00+07:00"),
    (["2025-01-06T10:00", "--days", "2"], "2025-01-08T10:00:00+07:00"),
    (["04/01/2025 09:00", "--days", "1"], "2025-01-06T17:00:00+07:00"),            # Saturday
    (["13/02/2026 16:00", "--hours", "2"], "2026-02-23T08:30:00+07:00"),           # Tết 2026
    (["25/04/2025 16:00", "--hours", "2"], "2025-04-26T08:30:00+07:00"),           # make-up Saturday
    (["2025-01-06T10:00", "--hours", "0"], "2025-01-06T10:00:00+07:00"),
])
def test_deadline_command(args, due):
    assert deadline(*args) == due


@pytest.mark.django_db
def test_deadline_command_uses_calendar_exceptions():
    DayOverride.objects.create(day=date(2025, 1, 6), is_working=False)
    assert deadline("2025-01-03T16:00", "--hours", "2") == "2025-01-07T08:30:00+07:00"


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["yesterday", "--hours", "4"], "Cannot read the start moment 'yesterday'"),
    (["32/01/2025 10:00", "--hours", "4"], "Cannot read the start moment"),
    (["2025-01-06T10:00", "--hours", "-1"], "--hours must be zero or a positive number"),
    (["2025-01-06T10:00", "--hours", "four"], "--hours needs a number"),
    (["2025-01-06T10:00", "--days", "nan"], "--days must be zero or a positive number"),
    (["2025-01-06T10:00", "--hours", "1e12"], "too far away"),
    (["2025-01-06T10:00"], "one of the arguments --hours --days is required"),
    (["2025-01-06T10:00", "--hours", "1", "--days", "1"], "not allowed with"),
])
def test_deadline_command_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        deadline(*args)


def test_deadline_command_without_a_migrated_database(monkeypatch):
    from django.db import OperationalError

    def unavailable():
        raise OperationalError("no such table: sla_dayoverride")

    monkeypatch.setattr(deadline_command, "current_calendar", unavailable)
    out, err = io.StringIO(), io.StringIO()
    call_command("deadline", "2025-01-06T10:00", "--hours", "4", stdout=out, stderr=err)
    assert out.getvalue().strip() == "2025-01-06T15:30:00+07:00"
    assert "database not ready" in err.getvalue()
