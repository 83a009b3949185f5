"""The deadline jobs: reminders, overdue marks, the escalation ladder and auto-close,
on a pinned clock, each recorded once however often the jobs run."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Event, Report, Status
from phananh.reports.workflow import SYSTEM_ACTOR, AlreadyDone, Citizen, WorkflowError
from phananh.sla import jobs
from phananh.units.models import Role

from .conftest import OUTSIDE_POINT, make_user

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(d, hh=0, mm=0, month=3):
    """A moment in March 2025: 10/03 is a Monday, 14/03 a Friday."""
    return datetime(2025, month, d, hh, mm, tzinfo=TZ)


SUBMITTED_AT = vn(10, 9)   # "rac-thai": acknowledge within 4 working hours, resolve within 2 working days
ACK_DUE = vn(10, 14, 30)   # 09:00-11:30 and 13:00-14:30
RESOLVE_DUE = vn(12, 9)    # Wednesday 09:00


@pytest.fixture(autouse=True)
def job_settings(settings):
    settings.SLA_REMIND_BEFORE_ACK_HOURS = 1
    settings.SLA_REMIND_BEFORE_RESOLVE_HOURS = 4
    settings.SLA_ESCALATION_HOURS = [0, 8, 16]
    settings.RATING_WINDOW_DAYS = 7


@pytest.fixture
def report(city, submit_report):
    with clock.at(SUBMITTED_AT):
        made = submit_report()
    assert made.ack_due == ACK_DUE and made.resolve_due == RESOLVE_DUE
    return made


def act(report, action, actor, at, **data):
    with clock.at(at):
        return workflow.apply(report, action, actor, **data)


def job_events(report, *types):
    types = types or ("reminder", "overdue", "escalated")
    return list(Event.objects.filter(report=report, type__in=types).order_by("seq"))


def summary(report):
    return [(e.type, e.payload["kind"], e.payload.get("level")) for e in job_events(report)]


def run_twice(at):
    """Run the jobs at `at`, then again: the second run must find nothing to do."""
    first = jobs.run(at)
    events = Event.objects.count()
    assert jobs.run(at) == {}
    assert Event.objects.count() == events
    return first


def test_nothing_is_due_right_after_submission(report):
    assert jobs.run(vn(10, 10)) == {}
    assert job_events(report) == []


def test_ack_reminder_one_working_hour_before_and_only_once(report):
    run_twice(vn(10, 13, 29))
    assert job_events(report) == []
    assert run_twice(vn(10, 13, 30)) == {"remind": 1}
    (reminder,) = job_events(report)
    assert not reminder.public and reminder.actor_role == "system"
    assert reminder.payload == {"kind": "ack", "due": "2025-03-10T07:30:00+00:00", "round": 0, "to": "unit"}
    run_twice(vn(10, 14))
    assert len(job_events(report)) == 1


def test_reminder_goes_to_the_officer_holding_the_report(report, city):
    act(report, "assign_officer", city.head_a, vn(10, 10), officer=city.officer_a)
    run_twice(vn(10, 13, 45))
    assert job_events(report, "reminder")[0].payload["to"] == "officer"


def test_missed_ack_is_marked_overdue_publicly_and_escalated_to_the_unit_head(report, city):
    # At the due moment a reminder would come too late: the overdue mark says more.
    assert run_twice(ACK_DUE) == {"mark_overdue": 1, "escalate": 1}
    assert job_events(report, "reminder") == []
    overdue = job_events(report, "overdue")[0]
    assert overdue.public and overdue.unit == city.ward_a and overdue.created_at == ACK_DUE
    assert overdue.payload == {"kind": "ack", "due": "2025-03-10T07:30:00+00:00", "round": 0}
    escalated = job_events(report, "escalated")[0]
    assert not escalated.public
    assert escalated.payload["level"] == 0 and escalated.payload["to"] == "unit_head"
    assert escalated.payload["unit"] == city.ward_a.code
    # The status is untouched: overdue is a fact about the clock, not a state.
    assert Report.objects.get(pk=report.pk).status == Status.ASSIGNED


def test_the_ladder_climbs_one_working_day_at_a_time_and_stops(report, city):
    run_twice(ACK_DUE)
    run_twice(vn(11, 14, 29))
    assert [e.payload["level"] for e in job_events(report, "escalated")] == [0]
    run_twice(vn(11, 14, 30))   # + 8 working hours
    step = job_events(report, "escalated")[-1].payload
    assert (step["level"], step["to"], step["unit"]) == (1, "parent_head", city.province.code)
    run_twice(vn(12, 14, 30))   # + 16 working hours
    step = job_events(report, "escalated")[-1].payload
    assert (step["level"], step["to"], step["unit"]) == (2, "coordinators", None)
    ack_steps = [s for s in summary(report) if s[1] == "ack"]
    assert ack_steps == [("overdue", "ack", None), ("escalated", "ack", 0),
                         ("escalated", "ack", 1), ("escalated", "ack", 2)]
    run_twice(vn(20, 9))
    assert [s for s in summary(report) if s[1] == "ack"] == ack_steps


def test_the_ladder_follows_the_configured_offsets(report, settings):
    settings.SLA_ESCALATION_HOURS = [2]
    run_twice(vn(10, 16, 29))
    assert [s for s in summary(report) if s[0] == "escalated"] == []
    run_twice(vn(10, 16, 30))
    run_twice(vn(20, 9))
    assert [s for s in summary(report) if s[0] == "escalated" and s[1] == "ack"] == [("escalated", "ack", 0)]


def test_an_acknowledged_report_only_runs_the_resolve_clock(report, city):
    act(report, "accept", city.officer_a, vn(10, 10))
    run_twice(vn(11, 14, 29))
    assert job_events(report) == []
    assert run_twice(vn(11, 14, 30)) == {"remind": 1}   # 4 working hours before Wednesday 09:00
    assert run_twice(RESOLVE_DUE) == {"mark_overdue": 1, "escalate": 1}
    assert summary(report) == [("reminder", "resolve", None), ("overdue", "resolve", None),
                               ("escalated", "resolve", 0)]


def test_a_worker_that_was_down_catches_up_once_without_stale_reminders(report):
    counts = run_twice(vn(21, 9))   # a week and a half later
    assert counts == {"mark_overdue": 2, "escalate": 6}
    assert sorted(summary(report)) == sorted(
        [("overdue", kind, None) for kind in ("ack", "resolve")]
        + [("escalated", kind, level) for kind in ("ack", "resolve") for level in (0, 1, 2)])
    assert job_events(report, "reminder") == []


def test_a_resolved_report_is_not_marked(report, city):
    act(report, "accept", city.officer_a, vn(10, 10))
    act(report, "resolve", city.officer_a, vn(10, 11), outcome="cannot_fix", result="Cần kinh phí.")
    run_twice(vn(13, 9))
    assert job_events(report) == []


def test_a_report_waiting_for_a_coordinator_is_marked_but_nobody_is_reminded(city, submit_report):
    with clock.at(SUBMITTED_AT):
        waiting = submit_report(point=OUTSIDE_POINT)
    assert waiting.status == Status.SUBMITTED
    run_twice(vn(13, 9))
    assert summary(waiting) == [("overdue", "ack", None), ("overdue", "resolve", None)]


def test_routing_late_keeps_the_clock_and_the_unit_is_reminded_of_nothing_already_late(city, submit_report):
    with clock.at(SUBMITTED_AT):
        waiting = submit_report(point=OUTSIDE_POINT)
    run_twice(vn(10, 15))
    act(waiting, "route", city.coordinator, vn(10, 16), unit=city.ward_a)
    routed = Report.objects.get(pk=waiting.pk)
    assert (routed.ack_due, routed.resolve_due) == (ACK_DUE, RESOLVE_DUE)
    run_twice(vn(10, 16))
    # Already overdue before routing: not marked twice, but now escalated to the unit's head.
    assert summary(waiting) == [("overdue", "ack", None), ("escalated", "ack", 0)]


def test_reopening_starts_a_new_round(report, city):
    token = report.token
    run_twice(ACK_DUE)
    act(report, "accept", city.officer_a, vn(10, 15))
    act(report, "resolve", city.officer_a, vn(10, 16), outcome="cannot_fix", result="Cần kinh phí.")
    act(report, "reopen", Citizen(token), vn(11, 9), comment="Vẫn chưa xử lý.")
    reopened = Report.objects.get(pk=report.pk)
    assert reopened.reopen_count == 1 and reopened.ack_due == vn(11, 14, 30)
    run_twice(vn(11, 14, 30))
    overdue = job_events(report, "overdue")
    assert [(e.payload["kind"], e.payload["round"]) for e in overdue] == [("ack", 0), ("ack", 1)]
    assert [e.payload["round"] for e in job_events(report, "escalated")] == [0, 1]


def test_an_approved_extension_gives_the_new_deadline_its_own_marks(report, city):
    act(report, "accept", city.officer_a, vn(10, 10))
    run_twice(RESOLVE_DUE)
    act(report, "request_extension", city.officer_a, vn(12, 10), days=1, reason="Chờ vật tư.")
    act(report, "approve_extension", city.coordinator, vn(12, 11))
    new_due = Report.objects.get(pk=report.pk).resolve_due
    assert new_due == vn(13, 10)   # one working day after the request, made when already late
    run_twice(vn(13, 9, 59))
    assert len(job_events(report, "overdue")) == 1
    run_twice(vn(13, 10))
    resolve_overdue = [e.payload["due"] for e in job_events(report, "overdue")]
    assert resolve_overdue == ["2025-03-12T02:00:00+00:00", "2025-03-13T03:00:00+00:00"]
    assert [e.payload["level"] for e in job_events(report, "escalated")] == [0, 0]


def test_unrated_resolution_is_closed_after_the_window(report, city):
    act(report, "accept", city.officer_a, vn(10, 10))
    act(report, "resolve", city.officer_a, vn(10, 11), outcome="cannot_fix", result="Cần kinh phí.")
    run_twice(vn(17, 11))   # exactly seven days: the citizen may still rate
    assert Report.objects.get(pk=report.pk).status == Status.RESOLVED
    assert run_twice(vn(17, 11, 1)) == {"close": 1}
    closed = Report.objects.get(pk=report.pk)
    assert closed.status == Status.CLOSED and closed.closed_at == vn(17, 11, 1)
    event = Event.objects.filter(report=report, type="closed").get()
    assert event.actor_role == "system" and event.payload == {"reason": "not rated in time"}
    assert closed.deadline_check_at is None


def test_auto_close_waits_for_the_latest_resolution(report, city):
    token = report.token
    act(report, "accept", city.officer_a, vn(10, 10))
    act(report, "resolve", city.officer_a, vn(10, 11), outcome="cannot_fix", result="Cần kinh phí.")
    jobs.run(vn(10, 12))   # the next look is planned for the 17th
    act(report, "reopen", Citizen(token), vn(14, 9), comment="Vẫn còn.")
    act(report, "accept", city.officer_a, vn(14, 10))
    act(report, "resolve", city.officer_a, vn(14, 11), outcome="cannot_fix", result="Cần kinh phí.")
    run_twice(vn(17, 12))
    assert Report.objects.get(pk=report.pk).status == Status.RESOLVED
    # Even if asked directly, the system may not close while the citizen can rate.
    with clock.at(vn(17, 12)), pytest.raises(WorkflowError):
        workflow.apply(report, "close", SYSTEM_ACTOR, reason="not rated in time")
    assert run_twice(vn(21, 12)) == {"close": 1}


def test_each_report_carries_the_moment_of_its_next_step(report, city):
    def next_check():
        return Report.objects.get(pk=report.pk).deadline_check_at

    assert next_check() == SUBMITTED_AT
    jobs.run(vn(10, 10))
    assert next_check() == vn(10, 13, 30)          # the ack reminder
    jobs.run(vn(10, 13, 30))
    assert next_check() == ACK_DUE                 # overdue mark and first escalation
    act(report, "accept", city.officer_a, vn(10, 14))
    assert next_check() == vn(10, 14)              # any change asks for a fresh look
    jobs.run(vn(10, 14))
    assert next_check() == vn(11, 14, 30)          # the resolve reminder


def test_a_run_reads_only_what_is_due(city, submit_report, django_assert_max_num_queries):
    with clock.at(SUBMITTED_AT):
        for _ in range(5):
            submit_report()
    jobs.run(vn(21, 9))
    assert Event.objects.filter(type="escalated").count() == 30
    # Everything late is handled: a later run is one indexed read, however many reports are overdue.
    with django_assert_max_num_queries(1):
        assert jobs.run(vn(21, 10)) == {}


def test_many_reports_are_handled_in_batches(city, submit_report, settings):
    settings.SLA_BATCH_SIZE = 2
    with clock.at(SUBMITTED_AT):
        made = [submit_report() for _ in range(5)]
    assert run_twice(vn(10, 14)) == {"remind": 5}
    assert run_twice(ACK_DUE) == {"mark_overdue": 5, "escalate": 5}
    assert all(len(job_events(r, "overdue")) == 1 for r in made)


def test_one_failing_report_does_not_stop_the_others(city, submit_report, monkeypatch, settings):
    with clock.at(SUBMITTED_AT):
        bad, good = submit_report(), submit_report()
    real_apply = workflow.apply

    def flaky(report, action, actor, **data):
        if report.pk == bad.pk:
            raise RuntimeError("database hiccup")
        return real_apply(report, action, actor, **data)

    monkeypatch.setattr(workflow, "apply", flaky)
    counts = jobs.run(ACK_DUE)
    assert counts["errors"] == 1 and counts["mark_overdue"] == 1
    assert job_events(bad) == [] and len(job_events(good, "overdue")) == 1
    assert Report.objects.get(pk=bad.pk).deadline_check_at == ACK_DUE + timedelta(minutes=15)
    monkeypatch.setattr(workflow, "apply", real_apply)
    assert jobs.run(vn(10, 14, 45)) == {"mark_overdue": 1, "escalate": 1}


def test_the_workflow_refuses_marks_out_of_time_or_twice(report):
    with clock.at(vn(10, 14)), pytest.raises(WorkflowError):
        workflow.apply(report, "mark_overdue", SYSTEM_ACTOR, kind="ack")
    with clock.at(ACK_DUE), pytest.raises(WorkflowError):
        workflow.apply(report, "remind", SYSTEM_ACTOR, kind="ack")
    with clock.at(ACK_DUE):
        workflow.apply(report, "mark_overdue", SYSTEM_ACTOR, kind="ack")
        with pytest.raises(AlreadyDone):
            workflow.apply(report, "mark_overdue", SYSTEM_ACTOR, kind="ack")
        workflow.apply(report, "escalate", SYSTEM_ACTOR, kind="ack", level=0)
        with pytest.raises(AlreadyDone):
            workflow.apply(report, "escalate", SYSTEM_ACTOR, kind="ack", level=0)
        for bad in ({"kind": "later"}, {"kind": "ack", "level": "1"}, {"kind": "ack", "level": -1}):
            with pytest.raises(WorkflowError):
                workflow.apply(report, "escalate", SYSTEM_ACTOR, **bad)
    assert len(job_events(report)) == 2


def test_staff_cannot_use_the_system_transitions(report, city):
    for person in (city.coordinator, city.head_a, city.officer_a):
        assert not {"remind", "mark_overdue", "escalate"} & set(workflow.allowed_actions(report, person))
        with clock.at(ACK_DUE), pytest.raises(workflow.NotAllowed):
            workflow.apply(report, "mark_overdue", person, kind="ack")


def test_parent_heads_and_coordinators_are_found(report, city):
    from phananh.sla import deadlines

    leader = make_user("lanhdao", city.province, Role.HEAD)
    assert deadlines.ladder_people(report, "unit_head", city.ward_a) == [city.head_a]
    assert deadlines.ladder_people(report, "parent_head", city.province) == [leader]
    assert deadlines.ladder_people(report, "parent_head", None) == []
    assert deadlines.ladder_people(report, "coordinators", None) == [city.coordinator]


def test_command_runs_the_jobs_once_at_the_given_moment(report):
    out = StringIO()
    call_command("run_deadline_jobs", now="2025-03-10T14:30:00+07:00", stdout=out)
    assert out.getvalue().strip() == "escalate 1, mark_overdue 1"
    out = StringIO()
    call_command("run_deadline_jobs", now="10/03/2025 14:30", stdout=out)
    assert out.getvalue().strip() == "nothing due"
    assert job_events(report, "overdue")[0].created_at == ACK_DUE


def test_command_recheck_looks_at_every_open_report_again(report, settings):
    jobs.run(vn(10, 10))
    settings.SLA_REMIND_BEFORE_ACK_HOURS = 2   # the stored next moment (13:30) is now too late
    call_command("run_deadline_jobs", now="2025-03-10T12:45+07:00", stdout=StringIO())
    assert job_events(report) == []
    out = StringIO()
    call_command("run_deadline_jobs", now="2025-03-10T12:45+07:00", recheck=True, stdout=out)
    assert "reports to look at again: 1" in out.getvalue() and "remind 1" in out.getvalue()


def test_command_explains_a_bad_moment(db):
    with pytest.raises(CommandError, match="Cannot read --now"):
        call_command("run_deadline_jobs", now="tomorrow")


def test_the_worker_runs_the_jobs_on_a_schedule():
    from phananh.sla import tasks

    assert tasks.deadline_jobs.s().validate_datetime(datetime(2025, 3, 10, 9, 17))
