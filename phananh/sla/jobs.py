"""The deadline jobs: reminders, overdue marking, escalation, auto-close.

For each report they plan every timed step still to come:

- remind the unit before a deadline (SLA_REMIND_BEFORE_*_HOURS working hours);
- mark the deadline overdue at its due moment (a public event);
- escalate at the due moment plus each of SLA_ESCALATION_HOURS: the unit's
  heads, then the parent unit's heads, then the coordinators;
- close a resolved report the citizen did not rate within RATING_WINDOW_DAYS.

Steps whose time has come are done through the workflow as SYSTEM_ACTOR,
which records each one once per deadline and round (it refuses a repeat
with AlreadyDone under the report's row lock): running the jobs twice, or
two workers at once, changes nothing the second time.

Which reports to look at: `Report.deadline_check_at`, the moment of the
report's next step. The workflow sets it to "now" whenever a report changes;
a run handles the reports whose moment has come (one indexed range read, in
batches) and stores each one's next moment, or null when nothing is left.
A run therefore costs what is due now, not the number of overdue reports,
and a stopped worker catches up on its next run: nothing due is skipped,
because nothing is marked handled except in the transaction that did it.

Reminders are the one step that can lapse: once the deadline has passed,
the overdue mark and the escalation say more than a late reminder would.
Reports waiting for a coordinator (no unit yet) are marked overdue but not
reminded or escalated: the coordinators already see them, soonest due first.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Event, Report, Status

from . import config, deadlines
from .service import current_calendar

log = logging.getLogger(__name__)

AUTO_CLOSE_REASON = "not rated in time"
JOB_EVENTS = ("reminder", "overdue", "escalated")
# Reports that may still have a timed step (the migration uses the same list).
WATCHED_STATUSES = (
    Status.SUBMITTED, Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED, Status.RESOLVED,
)


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str
    data: dict = field(default_factory=dict)


def plan(report, history, calendar, now):
    """Every step still to do for `report`, in order; `history` maps each job
    event type to the payloads already recorded for the report."""
    steps = []
    for kind in deadlines.KINDS:
        due = deadlines.running(report, kind)
        if due is not None:
            steps += _deadline_steps(report, kind, due, history, calendar, now)
    if report.status == Status.RESOLVED and report.resolved_at:
        # The rating window is counted in calendar days (workflow.rating_window_open):
        # it closes just after resolved_at + RATING_WINDOW_DAYS.
        at = report.resolved_at + timedelta(days=settings.RATING_WINDOW_DAYS, microseconds=1)
        steps.append(Step(at, "close", {"reason": AUTO_CLOSE_REASON}))
    # Stable: at the same moment, the overdue mark comes before the first escalation.
    return sorted(steps, key=lambda step: step.at)


def _deadline_steps(report, kind, due, history, calendar, now):
    def done(event_type, **extra):
        return deadlines.recorded(history.get(event_type, ()), kind, due, report.reopen_count, **extra)

    steps = []
    held = deadlines.held_by_unit(report)
    if held and now < due and not done("reminder"):
        at = deadlines.working_hours_before(calendar, due, config.remind_before_hours(kind))
        steps.append(Step(at, "remind", {"kind": kind}))
    if not done("overdue"):
        steps.append(Step(due, "mark_overdue", {"kind": kind}))
    if held:
        for level, hours in enumerate(config.escalation_hours()):
            if not done("escalated", level=level):
                at = calendar.add_working_hours(due, hours)
                steps.append(Step(at, "escalate", {"kind": kind, "level": level}))
    return steps


def history_of(report):
    history = {}
    for event_type, payload in Event.objects.filter(report=report, type__in=JOB_EVENTS).values_list(
            "type", "payload"):
        history.setdefault(event_type, []).append(payload)
    return history


def run(now=None):
    """Do every step that has come due; returns counts per action.

    `now` pins the time (the command's --now, tests); otherwise each report
    is handled at the current time, so its events carry the real moment.
    """
    start = now or clock.now()
    calendar = current_calendar()
    counts = Counter()
    size = config.get("SLA_BATCH_SIZE")
    after = None
    while True:
        # Keyset over (moment, id): every report due at the start is seen once.
        due = Report.objects.filter(deadline_check_at__lte=start)
        if after is not None:
            due = due.filter(Q(deadline_check_at__gt=after[0]) | Q(deadline_check_at=after[0], pk__gt=after[1]))
        batch = list(due.order_by("deadline_check_at", "pk").values_list("deadline_check_at", "pk")[:size])
        if not batch:
            return counts
        for _moment, pk in batch:
            moment = now or clock.now()
            with clock.at(moment):
                counts.update(look_at(pk, calendar, moment))
        after = batch[-1]


def look_at(pk, calendar, now):
    """Do the due steps of one report and store when to look at it next."""
    retry = now + timedelta(minutes=config.get("SLA_RETRY_MINUTES"))
    try:
        with transaction.atomic():
            report = Report.objects.select_for_update(of=("self",)).filter(pk=pk).first()
            if report is None or report.deadline_check_at is None or report.deadline_check_at > now:
                return Counter()  # another run got here first
            done, trouble = Counter(), False
            for step in plan(report, history_of(report), calendar, now):
                if step.at > now:
                    break
                try:
                    workflow.apply(report, step.action, workflow.SYSTEM_ACTOR, **step.data)
                    done[step.action] += 1
                except workflow.AlreadyDone:
                    pass
                except workflow.WorkflowError as error:
                    log.warning("report %s: %s %s refused: %s", report.code, step.action, step.data, error)
                    trouble = True
            report = Report.objects.get(pk=pk)
            later = [step.at for step in plan(report, history_of(report), calendar, now) if step.at > now]
            next_at = min(later) if later else None
            if trouble:
                next_at = min(next_at, retry) if next_at else retry
            Report.objects.filter(pk=pk).update(deadline_check_at=next_at)
            return done
    except Exception:
        log.exception("deadline jobs failed on report %s; trying again at %s", pk, retry)
        Report.objects.filter(pk=pk).update(deadline_check_at=retry)
        return Counter({"errors": 1})


def recheck_all(now=None):
    """Ask for a fresh look at every report that may have a timed step, after
    the calendar or the job settings changed. One UPDATE; the next run does the work."""
    return Report.objects.filter(status__in=WATCHED_STATUSES).update(deadline_check_at=now or clock.now())
