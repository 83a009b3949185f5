"""The rollup job: incremental, idempotent, restart-safe, and always equal to a rebuild."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from phananh.lib import clock
from phananh.reports import events, workflow
from phananh.stats import measures, rollup
from phananh.stats.models import DayRollup, Dim, MonthRollup, ReportFact, TotalRollup, Watermark

from .conftest import WARD_B_POINT


@pytest.fixture
def history(city, submit_report, parked_photo):
    fixed = submit_report()
    token = fixed.token
    workflow.apply(fixed, "accept", city.officer_a)
    fixed = workflow.apply(fixed, "resolve", city.officer_a, outcome="fixed", result="Đã dọn.",
                           photos=[parked_photo()])
    workflow.apply(fixed, "rate", workflow.Citizen(token), rating="satisfied")
    moved = submit_report(point=WARD_B_POINT)
    workflow.apply(moved, "return", city.officer_b, reason="Không thuộc phường.")
    workflow.apply(moved, "route", city.coordinator, unit=city.ward_a)
    submit_report(category="den-chieu-sang")
    return city


def same_as_recount():
    watermark = Watermark.objects.get()
    return rollup.snapshot() == rollup.recount(watermark.ticked_until, watermark.seq)


def test_rollup_columns_are_the_counters():
    columns = [f.name for f in DayRollup._meta.concrete_fields if f.name not in ("id", "dim", "key", "day")]
    assert tuple(columns) == measures.COUNTERS


def test_refresh_folds_every_event_and_equals_a_recount(history):
    assert rollup.refresh() == Watermark.objects.get().seq > 0
    assert same_as_recount()
    city_row = TotalRollup.objects.get(dim=Dim.CITY, key=0)
    assert (city_row.received, city_row.open, city_row.closed, city_row.satisfied) == (3, 2, 1, 1)


def test_the_identity_holds_in_every_row(history):
    rollup.refresh()
    rows = [*DayRollup.objects.all(), *MonthRollup.objects.all(), *TotalRollup.objects.all()]
    assert rows
    for row in rows:
        assert row.received == sum(getattr(row, state) for state in measures.STATES)


def test_running_twice_changes_nothing(history):
    rollup.refresh()
    before = rollup.snapshot()
    assert rollup.refresh() == 0
    assert rollup.snapshot() == before


def test_batches_of_one_event_give_the_same_rollups(history):
    rollup.refresh(batch_size=1)
    one_by_one = rollup.snapshot()
    rollup.rebuild()
    assert rollup.snapshot() == one_by_one


def test_new_events_are_folded_incrementally(history, submit_report):
    rollup.refresh()
    submit_report()
    assert rollup.refresh() == 2  # submitted and routed
    assert same_as_recount()
    assert TotalRollup.objects.get(dim=Dim.UNIT, key=history.ward_a.pk).received == 3


def test_a_batch_that_fails_leaves_nothing_half_done(history, monkeypatch):
    write = rollup._write
    calls = []

    def crash_on_second_batch(deltas):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        write(deltas)

    monkeypatch.setattr(rollup, "_write", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        rollup.refresh(batch_size=4)
    assert Watermark.objects.get().seq == 4  # the first batch committed, the second rolled back
    assert ReportFact.objects.count() == 1  # the first four events are all about the first report
    monkeypatch.setattr(rollup, "_write", write)
    rollup.refresh(batch_size=4)  # the restart picks up where the first batch ended
    assert same_as_recount()


def test_unknown_event_types_change_nothing(history):
    rollup.refresh()
    before = rollup.snapshot()
    report = ReportFact.objects.first().report
    with transaction.atomic():
        events.record(report, "escalated", public=False, payload={"level": 2})
        events.record(report, "something_new", payload={"x": 1})
    assert rollup.refresh() == 2
    assert rollup.snapshot() == before


def test_a_deadline_passing_is_counted_without_any_event(city, submit_report):
    monday = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 08:00 local; acknowledge by 13:30
    with clock.at(monday):
        submit_report()
        rollup.refresh()
    unit_row = TotalRollup.objects.get(dim=Dim.UNIT, key=city.ward_a.pk)
    assert (unit_row.ack_overdue, unit_row.res_overdue) == (0, 0)
    with clock.at(monday + timedelta(hours=5, minutes=30)):  # 13:30 sharp: due, not yet late
        rollup.refresh()
    assert TotalRollup.objects.get(dim=Dim.UNIT, key=city.ward_a.pk).ack_overdue == 0
    with clock.at(monday + timedelta(hours=5, minutes=30, seconds=1)):
        rollup.refresh()
    assert TotalRollup.objects.get(dim=Dim.UNIT, key=city.ward_a.pk).ack_overdue == 1
    with clock.at(monday + timedelta(days=3)):
        rollup.refresh()
    unit_row.refresh_from_db()
    assert (unit_row.ack_overdue, unit_row.res_overdue) == (1, 1)
    assert same_as_recount()


def test_a_report_counts_in_the_local_day_it_was_received(city, submit_report):
    # 00:30 on 1 February in Vietnam is still 31 January in UTC.
    with clock.at(datetime(2025, 1, 31, 17, 30, tzinfo=UTC)):
        submit_report()
        rollup.refresh()
    assert list(DayRollup.objects.filter(dim=Dim.CITY).values_list("day", flat=True)) == [
        datetime(2025, 2, 1).date()]
    assert list(MonthRollup.objects.filter(dim=Dim.CITY).values_list("month", flat=True)) == [
        datetime(2025, 2, 1).date()]


@pytest.mark.parametrize("due_value", ["plain", "change"])
def test_a_clock_reset_takes_the_deadlines_the_event_states(city, submit_report, due_value):
    report = submit_report()
    new_ack = (clock.now() + timedelta(days=10)).replace(microsecond=0)
    new_resolve = new_ack + timedelta(days=5)

    def written(moment):
        iso = moment.astimezone(UTC).isoformat()
        return iso if due_value == "plain" else {"from": None, "to": iso}

    with transaction.atomic():
        events.record(report, "deadlines_reset", actor_role="coordinator",
                      payload={"reason": "Chuyển đúng đơn vị.", "ack_due": written(new_ack),
                               "resolve_due": written(new_resolve)})
    rollup.refresh()
    fact = ReportFact.objects.get(pk=report.pk)
    assert (fact.ack_due, fact.resolve_due) == (new_ack, new_resolve)
    assert same_as_recount()


def test_rebuild_command_gives_what_the_job_built(history, capsys):
    rollup.refresh()
    before = rollup.snapshot()
    call_command("rebuild_stats")
    assert "rebuilt from" in capsys.readouterr().out
    assert rollup.snapshot() == before


def test_check_command_finds_a_figure_typed_in(history, capsys):
    call_command("refresh_stats")
    call_command("rebuild_stats", "--check")
    assert "equal a recount" in capsys.readouterr().out
    MonthRollup.objects.filter(dim=Dim.UNIT, key=history.ward_a.pk).update(res_on_time=F("res_on_time") + 5)
    with pytest.raises(CommandError):
        call_command("rebuild_stats", "--check")
    assert "month" in capsys.readouterr().err
    call_command("rebuild_stats")
    call_command("rebuild_stats", "--check")


def test_the_periodic_task_refreshes(history):
    from phananh.stats.tasks import refresh_stats

    refresh_stats.call_local()
    assert Watermark.objects.get().seq > 0 and same_as_recount()


def test_histograms_pack_and_add():
    from phananh.stats import histogram

    blob = histogram.encode([0, 3, 0, 2, 0, 0])
    assert histogram.decode(blob) == [0, 3, 0, 2]  # trailing empty buckets are not stored
    assert histogram.changed(blob, {1: -3, 5: 1}) == histogram.encode([0, 0, 0, 2, 0, 1])
    assert histogram.add([1], blob) == [1, 3, 0, 2]
    with pytest.raises(ValueError):
        histogram.changed(blob, {0: -1})
