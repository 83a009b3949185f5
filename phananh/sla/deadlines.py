"""Which of a report's two deadlines are running, and when things fall due.

A report carries two promises: acknowledge by `ack_due` and resolve by
`resolve_due`. The acknowledgement clock runs until a unit acknowledges
(statuses submitted, assigned, reopened); the resolution clock runs while
the report is open. The workflow and the deadline jobs both ask this module,
so that "is this deadline running?" has one answer.
"""

from datetime import UTC, datetime, timedelta

from phananh.reports.models import OPEN_STATUSES, WITH_UNIT_STATUSES, Status
from phananh.units.models import Membership, Role

from .calendar import MAX_SCAN_DAYS

ACK = "ack"
RESOLVE = "resolve"
KINDS = (ACK, RESOLVE)
# Waiting for a unit to say "we have it": a fresh, a routed and a reopened report.
ACK_PENDING_STATUSES = (Status.SUBMITTED, Status.ASSIGNED, Status.REOPENED)

# Who each step of the escalation ladder goes to; steps beyond the list go
# to the last one.
UNIT_HEAD = "unit_head"
PARENT_HEAD = "parent_head"
COORDINATORS = "coordinators"
LADDER = (UNIT_HEAD, PARENT_HEAD, COORDINATORS)


def running(report, kind):
    """The due moment of deadline `kind` if its clock is running, else None."""
    if kind == ACK and report.status in ACK_PENDING_STATUSES:
        return report.ack_due
    if kind == RESOLVE and report.status in OPEN_STATUSES:
        return report.resolve_due
    return None


def held_by_unit(report):
    """Reminders and escalation need someone to remind: a unit holding the report."""
    return report.unit_id is not None and report.status in WITH_UNIT_STATUSES


def stamp(moment):
    """A moment as written into event payloads: UTC ISO 8601, whatever zone it came in."""
    return moment.astimezone(UTC).isoformat()


def same_moment(text, moment):
    """True when the payload text `text` names the instant `moment`."""
    try:
        return datetime.fromisoformat(text) == moment
    except (TypeError, ValueError):
        return False


def recorded(payloads, kind, due, round, **extra):
    """True when one of the event payloads is about deadline `kind` due at
    `due` in round `round` (reopen_count), with the `extra` keys equal."""
    return any(
        payload.get("kind") == kind and payload.get("round") == round and same_moment(payload.get("due"), due)
        and all(payload.get(key) == value for key, value in extra.items())
        for payload in payloads
    )


def working_hours_before(calendar, moment, hours):
    """The moment with exactly `hours` of office time between it and `moment`
    (the mirror of WorkCalendar.add_working_hours): when a reminder is due."""
    remaining = timedelta(hours=hours)
    moment = calendar.local(moment)
    day = moment.date()
    for _ in range(MAX_SCAN_DAYS):
        for start, end in reversed(calendar.windows_on(day)):
            if start >= moment:
                continue
            end = min(end, moment)
            if remaining <= end - start:
                return end - remaining
            remaining -= end - start
        day -= timedelta(days=1)
    raise ValueError("calendar has no working time within ten years")


def ladder_target(report, level):
    """(who, unit) that escalation step `level` goes to: the unit's heads, the
    parent unit's heads, then the coordinators (unit None)."""
    who = LADDER[min(level, len(LADDER) - 1)]
    if who == UNIT_HEAD:
        return who, report.unit
    if who == PARENT_HEAD:
        return who, report.unit.parent if report.unit_id else None
    return who, None


def ladder_people(report, who, unit):
    """The users an escalation step reaches (active accounts only)."""
    if who in (UNIT_HEAD, PARENT_HEAD):
        if unit is None:
            return []
        members = Membership.objects.filter(unit=unit, role=Role.HEAD, user__is_active=True)
        return [m.user for m in members.select_related("user").order_by("user_id")]
    return coordinators_for(report)


def coordinators_for(report):
    """Coordinators whose territory holds the report's ward (all of them when
    the report has no ward), as in phananh.units.access."""
    found = []
    members = Membership.objects.filter(role=Role.COORDINATOR, user__is_active=True).select_related(
        "user", "unit__parent").order_by("user_id")
    ward_path = report.ward.path if report.ward_id else None
    for m in members:
        scope = m.unit.parent.path if m.unit.parent_id else "/"
        if ward_path is None or ward_path.startswith(scope):
            found.append(m.user)
    return list({u.pk: u for u in found}.values())
