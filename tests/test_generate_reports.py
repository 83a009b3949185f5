"""generate_reports: realistic reports in bulk, with a valid audit chain and statistics."""

import random
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Min

from phananh.demo import bulk
from phananh.demo.bulk_calendar import FastCalendar, from_us, to_us
from phananh.lib import clock
from phananh.reports import events, search
from phananh.reports.models import Category, Event, Media, Report, Status
from phananh.sla import deadlines
from phananh.sla.calendar import WorkCalendar
from phananh.sla.service import current_calendar
from phananh.stats import rollup
from phananh.units.models import Area

# A Monday morning in Ho Chi Minh City; every run in this file is pinned to it.
NOW = datetime(2026, 3, 16, 2, 30, tzinfo=UTC)


def generate(count, seed=7, **kwargs):
    with clock.at(NOW):
        return bulk.generate(count, seed, **kwargs)


def snapshot():
    return list(Report.objects.order_by("received_at", "code").values_list(
        "code", "description", "address", "lat", "lng", "ward__code", "category__code", "status", "channel",
        "received_at", "resolve_due", "reporter_name"))


def test_generates_the_reports_with_a_valid_chain_and_statistics(city):
    generator = generate(120)
    assert Report.objects.count() == 120
    assert not Report.objects.exclude(idempotency_key__startswith="gen:7:").exists()
    assert generator.written_events == Event.objects.count()
    connection.check_constraints()  # the foreign keys the raw inserts wrote
    assert events.first_broken_event() is None
    call_command("verify_audit", stdout=StringIO())
    with clock.at(NOW):
        call_command("rebuild_stats", "--check", stdout=StringIO())
        assert rollup.differences() == []


def test_continues_an_existing_chain_and_statistics(city, submit_report):
    with clock.at(NOW - timedelta(days=3)):
        submit_report()
    before = Event.objects.count()
    with clock.at(NOW):
        rollup.refresh()
    generate(40, force=True)
    assert Event.objects.count() > before
    assert events.first_broken_event() is None
    with clock.at(NOW):
        call_command("rebuild_stats", "--check", stdout=StringIO())


def test_canonical_is_the_audit_logs_own(city):
    generate(60)
    for event in Event.objects.order_by("seq"):
        assert bulk.canonical(event, bulk._dumps(event.payload)) == events.canonical(event)


def test_events_follow_time_and_each_report_starts_with_submitted(city):
    generate(80)
    moments = list(Event.objects.order_by("seq").values_list("created_at", flat=True))
    assert moments == sorted(moments)
    assert moments[-1] <= NOW
    firsts = Event.objects.filter(seq__in=Event.objects.values("report").annotate(first=Min("seq")).values("first"))
    assert set(firsts.values_list("type", flat=True)) == {"submitted"}


def test_every_status_is_present_from_200_reports(city):
    generate(200)
    statuses = set(Report.objects.values_list("status", flat=True).distinct())
    assert statuses == set(Status.values)


def test_same_seed_same_reports(city):
    with transaction.atomic():
        generate(60, seed=11)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Report.objects.exists()
    generate(60, seed=11)
    assert snapshot() == first
    assert len({row[0] for row in first}) == 60


def test_another_seed_other_reports_and_a_seed_only_once(city):
    generate(30, seed=1)
    first = {row[1] for row in snapshot()}
    generate(30, seed=2)
    second = {row[1] for row in snapshot()} - first
    assert len(second) > 20
    with pytest.raises(bulk.Refused, match="seed 1"):
        generate(10, seed=1)


def test_refuses_a_database_with_real_reports_unless_forced(city, submit_report):
    submit_report()
    with pytest.raises(bulk.Refused, match="real"):
        generate(10)
    with pytest.raises(CommandError, match="real"), clock.at(NOW):
        call_command("generate_reports", "10", "--seed", "3", stdout=StringIO())
    generate(10, force=True)
    assert Report.objects.count() == 11


def test_refuses_without_areas_and_says_what_to_run(city):
    Area.objects.all().delete()
    with pytest.raises(bulk.Refused) as excinfo:
        generate(10)
    assert "load_demo" in str(excinfo.value) and "generate_areas" in str(excinfo.value)
    assert not Report.objects.exists()


def test_command_prints_progress_and_the_summary(city):
    out = StringIO()
    with clock.at(NOW):
        call_command("generate_reports", "30", "--seed", "4", "--batch-size", "10", stdout=out)
    text = out.getvalue()
    assert "10 / 30 reports" in text and "30 / 30 reports" in text
    assert "Generated 30 reports (seed 4)" in text
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_reports", "0", stdout=StringIO())


def test_rows_are_what_the_workflow_would_have_written(city):
    generate(150)
    calendar = current_calendar()
    categories = {c.code: c for c in Category.objects.all()}
    for report in Report.objects.all():
        assert report.search_text == search.search_text(report.description, report.address)
    for event in Event.objects.filter(type="submitted").select_related("report"):
        report = event.report
        assert event.created_at == report.received_at
        category = categories[event.payload["category"]]
        assert datetime.fromisoformat(event.payload["ack_due"]) == calendar.add_working_hours(
            report.received_at, category.ack_hours)
        assert datetime.fromisoformat(event.payload["resolve_due"]) == calendar.add_working_days(
            report.received_at, category.resolve_days)
        if report.lat is not None:
            assert report.ward_id is not None
    # Points fall in the ward routing finds for them.
    from phananh.units import routing

    for lat, lng, ward_id in Report.objects.exclude(lat=None).values_list("lat", "lng", "ward_id"):
        assert routing.area_index().unit_at(lat, lng) == ward_id
    # Duplicates point at an earlier report; rejected ones say why.
    for report in Report.objects.filter(status=Status.DUPLICATE).select_related("duplicate_of"):
        assert report.duplicate_of.received_at < report.received_at
    assert not Report.objects.filter(status=Status.REJECTED, public_reason="").exists()


def test_deadline_jobs_find_nothing_left_undone(city):
    generate(150)
    # The jobs' own plan says when they next have something to do; everything
    # due before the last minute was done by the generated history.
    late = Report.objects.filter(deadline_check_at__lt=NOW - timedelta(minutes=2))
    assert not late.exists()
    open_reports = Report.objects.filter(status__in=[Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS])
    overdue = [r for r in open_reports if r.resolve_due < NOW]
    for report in overdue:
        marks = Event.objects.filter(report=report, type="overdue").values_list("payload", flat=True)
        assert deadlines.recorded(marks, "resolve", report.resolve_due, report.reopen_count)


def test_photos_are_a_few_shared_files(city):
    generate(150)
    media = Media.objects.all()
    assert media.count() > 30
    assert media.values("image").distinct().count() <= 40
    assert not media.filter(image="").exists() and not media.exclude(incoming="").exists()
    names = media.values("image").annotate(n=Count("id")).order_by("-n")
    assert names[0]["n"] > 1


# --- the working-time arithmetic ----------------------------------------------------------

@pytest.mark.parametrize("calendar", [
    WorkCalendar(),
    WorkCalendar(extra_days_off=frozenset({date(2025, 9, 3)}), extra_working_days=frozenset({date(2025, 9, 6)})),
])
def test_fast_calendar_gives_the_calendar_answers(calendar):
    fast = FastCalendar(calendar, date(2024, 12, 1), date(2026, 12, 31))
    rng = random.Random(3)
    for _ in range(3000):
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(500))
        windows = calendar.windows_on(day)
        if windows and rng.random() < 0.4:
            # Exactly on a window's edge, and one microsecond either side.
            moment = rng.choice([edge for window in windows for edge in window])
            moment += timedelta(microseconds=rng.choice([-1, 0, 1]))
        else:
            moment = datetime.combine(day, datetime.min.time(), calendar.tz) + timedelta(seconds=rng.uniform(0, 86400))
        hours = rng.choice([0, 0.5, 1, 4, 8, 16, 40, rng.uniform(0, 300)])
        expected = calendar.add_working_hours(moment, hours)
        assert fast.add_working_hours(moment, hours) == expected
        assert fast.add_working_hours(moment, hours).isoformat() == expected.isoformat()
        other = moment + timedelta(seconds=rng.uniform(-200_000, 4_000_000))
        assert fast.working_time_between(moment, other) == calendar.working_time_between(moment, other)
        if hours:
            assert from_us(fast.hours_before_us(to_us(moment), hours)) == deadlines.working_hours_before(
                calendar, moment, hours)


def test_fast_calendar_outside_its_span_asks_the_calendar():
    calendar = WorkCalendar()
    fast = FastCalendar(calendar, date(2025, 6, 2), date(2025, 6, 6))
    moment = datetime(2025, 6, 5, 9, 0, tzinfo=calendar.tz)
    assert fast.add_working_hours(moment, 40) == calendar.add_working_hours(moment, 40)
    early = datetime(2025, 5, 1, 9, 0, tzinfo=calendar.tz)
    assert fast.add_working_hours(early, 3) == calendar.add_working_hours(early, 3)
    assert fast.working_time_between(early, moment) == calendar.working_time_between(early, moment)
