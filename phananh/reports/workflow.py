"""The report state machine: the only code that changes a report's status.

    submitted ─route─> assigned ─accept─> acknowledged ─start─> in_progress ─resolve─> resolved
      │  └─reject─> rejected   │    └──────return (not ours)──> submitted   │        │
      └─merge─> duplicate      └─request/approve extension moves resolve_due ┘        │
    resolved ─rate satisfied / close─> closed                                         │
    resolved ─rate unsatisfied / reopen─> reopened ─accept─> acknowledged ...  <──────┘

A coordinator may restart both deadlines (reset_deadlines, with a reason),
e.g. after a transfer; otherwise routing and returns keep the original clock.
The deadline jobs act through SYSTEM-only transitions that never change the
status (remind, mark_overdue, escalate) and through close (not rated in time).

`submit` creates a report; `apply(report, action, actor, **data)` performs
one transition. Both check who is acting, validate the data, update the row
and append the Event in one transaction, and raise `WorkflowError` with a
message for the user when something is not allowed.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from phananh.lib import clock
from phananh.lib.codes import hash_token, new_token, new_tracking_code, token_matches
from phananh.nlp import category_routing
from phananh.notify import outbox, subscriptions
from phananh.sla import deadlines
from phananh.sla.service import current_calendar, deadlines_for
from phananh.units import routing
from phananh.units.access import roles_on, unit_roles
from phananh.units.models import Role, Unit

from . import events, search
from .models import OPEN_STATUSES, WITH_UNIT_STATUSES, Event, Media, MediaKind, Outcome, Rating, Report, Status

S = Status
UNIT_ROLES = {Role.OFFICER, Role.HEAD}
COORDINATOR = {Role.COORDINATOR}
CITIZEN = "citizen"
SYSTEM = "system"
# Anyone at all, signed in or not: a resident saying "me too" on a report.
PUBLIC = "public"


class WorkflowError(Exception):
    """A refused action; `str(error)` is a sentence for the person acting."""


class NotAllowed(WorkflowError):
    pass


class AlreadyDone(WorkflowError):
    """A deadline job's action was already recorded for this deadline: nothing
    changed, which is what makes running a job twice harmless."""


@dataclass(frozen=True)
class Citizen:
    """The reporter, proven by the secret token of their private link."""

    token: str


class _System:
    def __repr__(self):
        return "SYSTEM"


SYSTEM_ACTOR = _System()


@dataclass(frozen=True)
class Transition:
    sources: tuple
    roles: frozenset
    public: bool = True


TRANSITIONS = {
    "route": Transition((S.SUBMITTED,), frozenset(COORDINATOR | {SYSTEM})),
    "reclassify": Transition((S.SUBMITTED, S.ASSIGNED), frozenset(COORDINATOR), public=False),
    "reject": Transition((S.SUBMITTED,), frozenset(COORDINATOR)),
    "merge": Transition((S.SUBMITTED, S.ASSIGNED, S.ACKNOWLEDGED), frozenset(COORDINATOR)),
    "accept": Transition((S.ASSIGNED, S.REOPENED), frozenset(UNIT_ROLES)),
    "assign_officer": Transition(
        (S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED), frozenset(UNIT_ROLES), public=False
    ),
    "start": Transition((S.ACKNOWLEDGED,), frozenset(UNIT_ROLES)),
    "return": Transition((S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED), frozenset(UNIT_ROLES)),
    "request_extension": Transition((S.ACKNOWLEDGED, S.IN_PROGRESS), frozenset(UNIT_ROLES), public=False),
    "approve_extension": Transition((S.ACKNOWLEDGED, S.IN_PROGRESS), frozenset(COORDINATOR)),
    "decline_extension": Transition((S.ACKNOWLEDGED, S.IN_PROGRESS), frozenset(COORDINATOR), public=False),
    "resolve": Transition((S.ACKNOWLEDGED, S.IN_PROGRESS), frozenset(UNIT_ROLES)),
    "rate": Transition((S.RESOLVED,), frozenset({CITIZEN})),
    "reopen": Transition((S.RESOLVED, S.CLOSED), frozenset({CITIZEN})),
    "close": Transition((S.RESOLVED,), frozenset(COORDINATOR | {SYSTEM})),
    "note": Transition(tuple(S), frozenset(COORDINATOR | UNIT_ROLES), public=False),
    # The reporter adds to their own report, in any status: through their
    # private link (Citizen), or by email from the address that made it (a
    # channel that checked the sender acts as SYSTEM).
    "comment": Transition(tuple(S), frozenset({CITIZEN, SYSTEM})),
    "reset_deadlines": Transition(OPEN_STATUSES, frozenset(COORDINATOR)),
    # "Me too": a resident with the same problem follows this report instead
    # of sending another one. Counted, never identified (see _support).
    "support": Transition(OPEN_STATUSES, frozenset({PUBLIC})),
    # The deadline jobs (phananh.sla.jobs); none of them changes the status.
    "remind": Transition(WITH_UNIT_STATUSES, frozenset({SYSTEM}), public=False),
    "mark_overdue": Transition(OPEN_STATUSES, frozenset({SYSTEM})),
    "escalate": Transition(WITH_UNIT_STATUSES, frozenset({SYSTEM}), public=False),
}
# Transitions that only record what the clock did; every other one may change
# what is due and so asks the deadline jobs to look at the report again.
DEADLINE_JOB_ACTIONS = frozenset({"remind", "mark_overdue", "escalate"})
# Transitions that change nothing a deadline depends on either.
CLOCK_NEUTRAL_ACTIONS = DEADLINE_JOB_ACTIONS | {"support"}

# --- creating a report --------------------------------------------------------

def submit(*, category, description, channel, lat=None, lng=None, ward=None, address="", reporter_name="",
           reporter_phone="", reporter_email="", confidential=False, photos=(), idempotency_key=None,
           actor=None, category_source=category_routing.GIVEN, notify_by=None, then=None):
    """Create a report with its photos, route it, and return (report, token).

    A location is a point (lat/lng) or, for people who do not use the map,
    a ward chosen from the list plus an address; a point decides the ward.
    `category_source` says who picked the category (GIVEN, CITIZEN or
    UNCHOSEN in phananh.nlp.category_routing): it decides whether the
    classifier's suggestion may route the report instead (see that module).
    `notify_by` is how the reporter chose to hear back (see
    phananh.notify.subscriptions.REPORTER_CHOICES; None: the default for the
    channel); the subscription commits with the report or not at all.
    `then(report)`, when given, runs inside the report's transaction once it
    is created (a channel's own record, its reply in the outbox), so that it
    commits with the report or not at all. Channels pass it rather than
    wrapping this call in their own transaction: SQLite lets one writer in
    at a time, and the reads and routing above must not keep others waiting.
    With an idempotency key already used, returns the existing report and
    None instead of creating a second one (a double click or a retry), and
    `then` is not called.
    """
    if idempotency_key:
        existing = Report.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing, None
    description = (description or "").strip()
    if not description:
        raise WorkflowError(_("Please describe the problem."))
    has_point = lat is not None and lng is not None
    if has_point:
        ward = routing.ward_at(lat, lng)
    has_location = has_point or ward is not None
    # Decided before the transaction: it may ask the classifier. The deadlines
    # are those of the category the report is routed by.
    route = category_routing.plan(category, description, category_source, ward, has_location=has_location)
    token = new_token()
    # Drawn before the transaction too: a code taken meanwhile by another
    # report (odds of one in a trillion) fails on the unique index instead.
    code = _unique_code()
    now = clock.now()
    ack_due, resolve_due = deadlines_for(route.category, now)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                code=code, category=category, description=description, lat=lat, lng=lng,
                address=(address or "").strip(), ward=ward, channel=channel,
                reporter_name=reporter_name.strip(), reporter_phone=reporter_phone.strip(),
                reporter_email=reporter_email.strip(), confidential=confidential,
                citizen_token_hash=hash_token(token), idempotency_key=idempotency_key or None,
                received_at=now, ack_due=ack_due, resolve_due=resolve_due, deadline_check_at=now,
                search_text=search.search_text(description, address or ""),
            )
            attached = _attach(report, photos, MediaKind.EVIDENCE)
            actor_user = actor if getattr(actor, "is_authenticated", False) else None
            events.record(
                report, "submitted", actor=actor_user, actor_role="operator" if actor_user else CITIZEN,
                payload={"channel": channel, "category": category.code, "photos": attached,
                         "ward": ward.code if ward else None, **_due_times(report)},
            )
            subscriptions.subscribe_reporter(report, notify_by)
            decision = route.decision
            if decision.unit is not None:
                # A category other than the submitted one is recorded by the
                # route as the change from → to.
                _perform(report, "route", SYSTEM_ACTOR, SYSTEM, {"unit": decision.unit, "category": route.category,
                         "reason": decision.reason, "reason_params": decision.params})
            else:
                events.record(report, "triage_needed", public=False,
                              payload={"reason": decision.reason, "reason_params": decision.params})
            if then is not None:
                then(report)
    except IntegrityError:
        # Two retries raced past the lookup above; the first one won.
        existing = Report.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return existing, None
    return report, token


def _unique_code():
    for _attempt in range(10):
        code = new_tracking_code()
        if not Report.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not draw a free tracking code")


def _attach(report, photos, kind):
    from .tasks import process_media

    parked = []
    for name in photos:
        media = Media.objects.create(report=report, kind=kind, incoming=name)
        transaction.on_commit(lambda pk=media.pk: process_media(pk))
        parked.append(media.pk)
    return len(parked)


# --- transitions -------------------------------------------------------------

def apply(report, action, actor, **data):
    """Perform `action` on `report` as `actor` (a User, a Citizen or
    SYSTEM_ACTOR). Returns the refreshed report."""
    if action not in TRANSITIONS:
        raise WorkflowError(_("Unknown action."))
    with transaction.atomic():
        locked = (
            Report.objects.select_for_update(of=("self",))
            .select_related("ward", "unit", "category")
            .get(pk=report.pk)
        )
        role = _role_for(locked, action, actor)
        _perform(locked, action, actor, role, data)
    return locked


def allowed_actions(report, user):
    """Actions `user` could take on `report` now (to show the right buttons)."""
    roles = roles_on(user, report)
    return [
        name for name, t in TRANSITIONS.items()
        if report.status in t.sources and roles & t.roles
    ]


def _role_for(report, action, actor):
    transition = TRANSITIONS[action]
    if PUBLIC in transition.roles:
        return PUBLIC
    if actor is SYSTEM_ACTOR:
        if SYSTEM in transition.roles:
            return SYSTEM
    elif isinstance(actor, Citizen):
        if CITIZEN in transition.roles:
            if token_matches(actor.token, report.citizen_token_hash):
                return CITIZEN
            raise NotAllowed(_("This link is not valid for this report."))
    else:
        roles = roles_on(actor, report) & transition.roles
        # Prefer acting as the unit when the person is both unit staff and coordinator.
        for role in (Role.HEAD, Role.OFFICER, Role.COORDINATOR):
            if role in roles:
                return role
    raise NotAllowed(_("You are not allowed to do this on report %(code)s.") % {"code": report.code})


def _perform(report, action, actor, role, data):
    transition = TRANSITIONS[action]
    if report.status not in transition.sources:
        raise WorkflowError(
            _("This cannot be done while the report is “%(status)s”.") % {"status": report.get_status_display()}
        )
    handler = HANDLERS[action]
    event_type, payload, unit = handler(report, actor, data)
    if action not in CLOCK_NEUTRAL_ACTIONS:
        report.deadline_check_at = clock.now()
    report.save()
    # A public action records no person, even a signed-in one.
    user = actor if role not in (SYSTEM, CITIZEN, PUBLIC) else None
    event = events.record(
        report, event_type, actor=user, actor_role=role, public=transition.public,
        payload=payload, unit=unit,
    )
    # In this same transaction: a rolled-back change sends nothing.
    outbox.on_event(event, fresh=True)


def _text(data, key, message, max_length=2000):
    value = (data.get(key) or "").strip()
    if not value:
        raise WorkflowError(message)
    if len(value) > max_length:
        raise WorkflowError(_("This text is too long (at most %(n)d characters).") % {"n": max_length})
    return value


def _route(report, actor, data):
    unit = data.get("unit")
    if not isinstance(unit, Unit) or not unit.is_active:
        raise WorkflowError(_("Choose an active unit to send the report to."))
    if unit.kind in ("province", "district", "coordinator") and not data.get("allow_any_kind"):
        raise WorkflowError(_("Reports go to a ward, department or utility, not to %(unit)s.") % {"unit": unit.name})
    category = data.get("category")
    payload = {"unit": unit.code, "unit_name": unit.name}
    if category is not None and category != report.category:
        payload["category"] = {"from": report.category.code, "to": category.code}
        report.category = category
    if data.get("reason"):
        payload["reason"] = data["reason"]
        payload["reason_params"] = data.get("reason_params", {})
    report.unit, report.assignee = unit, None
    report.status = S.ASSIGNED
    return "routed", payload, unit


def _reclassify(report, actor, data):
    category = data.get("category")
    if category is None or category == report.category:
        raise WorkflowError(_("Choose a different category."))
    payload = {"from": report.category.code, "to": category.code}
    report.category = category
    return "reclassified", payload, report.unit


def _reject(report, actor, data):
    report.public_reason = _text(data, "reason", _("Give the public reason for rejecting this report."))
    report.status = S.REJECTED
    report.closed_at = clock.now()
    return "rejected", {"reason": report.public_reason}, report.unit


def _merge(report, actor, data):
    original = data.get("original")
    if not isinstance(original, Report) or original.pk == report.pk:
        raise WorkflowError(_("Choose the original report this one repeats."))
    # Judge the original by its stored status, not by a copy the caller may
    # have read before someone else closed it as a duplicate.
    original = Report.objects.filter(pk=original.pk).first()
    if original is None:
        raise WorkflowError(_("Choose the original report this one repeats."))
    if original.status in (S.DUPLICATE, S.REJECTED):
        raise WorkflowError(
            _("Report %(code)s cannot be an original: it is itself closed as duplicate or rejected.")
            % {"code": original.code}
        )
    report.duplicate_of = original
    report.status = S.DUPLICATE
    report.closed_at = clock.now()
    return "merged", {"original": original.code}, report.unit


def _accept(report, actor, data):
    report.status = S.ACKNOWLEDGED
    report.acknowledged_at = clock.now()
    return "acknowledged", {}, report.unit


def _assign_officer(report, actor, data):
    officer = data.get("officer")
    if officer is None:
        raise WorkflowError(_("Choose an officer."))
    if not officer.memberships.filter(unit=report.unit).exists():
        raise WorkflowError(
            _("%(name)s is not a member of %(unit)s.")
            % {"name": officer.get_full_name() or officer.username, "unit": report.unit.name}
        )
    if unit_roles(actor).get(report.unit_id) != Role.HEAD and officer != actor:
        raise NotAllowed(_("Only the unit head can give a report to someone else."))
    report.assignee = officer
    return "officer_assigned", {"officer": officer.get_full_name() or officer.username}, report.unit


def _start(report, actor, data):
    report.status = S.IN_PROGRESS
    return "started", {}, report.unit


def _return(report, actor, data):
    reason = _text(data, "reason", _("Say why this report is not for your unit."))
    unit = report.unit
    report.unit, report.assignee = None, None
    report.status = S.SUBMITTED
    report.extension_requested_until, report.extension_reason = None, ""
    return "returned", {"reason": reason, "unit": unit.code, "unit_name": unit.name}, unit


def _request_extension(report, actor, data):
    try:
        days = int(data.get("days") or 0)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 30:
        raise WorkflowError(_("Ask for between 1 and 30 more working days."))
    reason = _text(data, "reason", _("Give the reason for the extension."), max_length=500)
    base = max(report.resolve_due or clock.now(), clock.now())
    report.extension_requested_until = current_calendar().add_working_days(base, days)
    report.extension_reason = reason
    return "extension_requested", {
        "days": days, "reason": reason, "until": report.extension_requested_until.isoformat(),
    }, report.unit


def _pending_extension(report):
    if report.extension_requested_until is None:
        raise WorkflowError(_("There is no pending extension request."))


def _approve_extension(report, actor, data):
    _pending_extension(report)
    previous = report.resolve_due
    report.resolve_due = report.extension_requested_until
    payload = {"from": previous.isoformat() if previous else None, "until": report.resolve_due.isoformat(),
               "reason": report.extension_reason}
    report.extension_requested_until, report.extension_reason = None, ""
    return "extension_approved", payload, report.unit


def _decline_extension(report, actor, data):
    _pending_extension(report)
    reason = _text(data, "reason", _("Say why the extension is declined."), max_length=500)
    report.extension_requested_until, report.extension_reason = None, ""
    return "extension_declined", {"reason": reason}, report.unit


def _resolve(report, actor, data):
    outcome = data.get("outcome")
    if outcome not in Outcome.values:
        raise WorkflowError(_("Choose the outcome: fixed, cannot be fixed now, or referred."))
    result = _text(data, "result", _("Describe what was done, for the citizen to read."))
    photos = list(data.get("photos") or [])
    payload = {"outcome": outcome, "result": result}
    if outcome == Outcome.FIXED and not photos and not report.media.filter(kind=MediaKind.PROOF).exists():
        raise WorkflowError(_("A report can only be marked fixed with a photo of the fix."))
    if outcome == Outcome.REFERRED:
        payload["referred_to"] = _text(
            data, "referred_to", _("Say which organisation the report was referred to."), 200
        )
    if outcome == Outcome.CANNOT_FIX and data.get("planned_date"):
        payload["planned_date"] = _planned_date(data["planned_date"]).isoformat()
    payload["photos"] = _attach(report, photos, MediaKind.PROOF)
    report.outcome, report.result_text = outcome, result
    report.status = S.RESOLVED
    report.resolved_at = clock.now()
    report.extension_requested_until, report.extension_reason = None, ""
    return "resolved", payload, report.unit


def _planned_date(value):
    """A date, or its ISO text as API clients send it."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise WorkflowError(_("Give the planned date as a date (yyyy-mm-dd)."))


def rating_window_open(report, now=None):
    if report.resolved_at is None:
        return False
    now = now or clock.now()
    return now <= report.resolved_at + timedelta(days=settings.RATING_WINDOW_DAYS)


def _require_window(report):
    if not rating_window_open(report):
        raise WorkflowError(
            _("The %(days)d days for rating this result have passed.") % {"days": settings.RATING_WINDOW_DAYS}
        )


def _rate(report, actor, data):
    _require_window(report)
    rating = data.get("rating")
    if rating not in Rating.values:
        raise WorkflowError(_("Say whether you are satisfied with the result."))
    comment = (data.get("comment") or "").strip()[:2000]
    report.rating, report.rating_comment = rating, comment
    if rating == Rating.SATISFIED:
        report.status = S.CLOSED
        report.closed_at = clock.now()
        return "rated", {"rating": rating, "comment": comment}, report.unit
    _reopen_fields(report)
    return "reopened", {"rating": rating, "comment": comment, **_due_times(report)}, report.unit


def _reopen(report, actor, data):
    _require_window(report)
    comment = _text(data, "comment", _("Tell the unit what is still wrong."))
    _reopen_fields(report)
    return "reopened", {"comment": comment, **_due_times(report)}, report.unit


def _due_times(report):
    """The deadlines a round starts with, kept in its event so that statistics
    rebuilt after a calendar or category edit still judge by the promise made."""
    return {"ack_due": report.ack_due.isoformat(), "resolve_due": report.resolve_due.isoformat()}


def _reopen_fields(report):
    now = clock.now()
    report.ack_due, report.resolve_due = deadlines_for(report.category, now)
    report.status = S.REOPENED
    report.reopen_count += 1
    report.acknowledged_at = report.closed_at = None
    report.outcome = ""


def _close(report, actor, data):
    if actor is SYSTEM_ACTOR and rating_window_open(report):
        # The job's list may be stale: the report was reopened and resolved again meanwhile.
        raise WorkflowError(_("The citizen can still rate this result."))
    report.status = S.CLOSED
    report.closed_at = clock.now()
    return "closed", {"reason": data.get("reason", "")}, report.unit


def _note(report, actor, data):
    return "note", {"text": _text(data, "text", _("Write the note first."))}, report.unit


def _comment(report, actor, data):
    """`via` names the channel it came through; `ref` (a hash of the message
    that carried it) makes a redelivered email or SMS add the comment once."""
    payload = {"text": _text(data, "text", _("Write your comment first."))}
    if data.get("via"):
        payload["via"] = str(data["via"])[:16]
    if data.get("ref"):
        payload["ref"] = str(data["ref"])[:64]
        if Event.objects.filter(report=report, type="citizen_comment", payload__ref=payload["ref"]).exists():
            raise AlreadyDone(_("This comment was already added."))
    return "citizen_comment", payload, report.unit


def _support(report, actor, data):
    """One more resident with the same problem. The count changes under the
    row lock `apply` holds, in the event's transaction; the event names
    nobody (the caller limits one count per browser and address)."""
    report.supporters += 1
    return "supported", {"supporters": report.supporters}, report.unit


def _reset_deadlines(report, actor, data):
    """Both deadlines start again from now, e.g. when a report reached the
    right unit only after a transfer. Public, because the public page shows
    the deadlines and the open data must explain why they moved."""
    reason = _text(data, "reason", _("Say why the deadlines start again."), max_length=500)
    before = report.ack_due, report.resolve_due
    report.ack_due, report.resolve_due = deadlines_for(report.category, clock.now())
    payload = {
        "reason": reason,
        "ack_due": {"from": _stamp_or_none(before[0]), "to": deadlines.stamp(report.ack_due)},
        "resolve_due": {"from": _stamp_or_none(before[1]), "to": deadlines.stamp(report.resolve_due)},
    }
    if report.extension_requested_until is not None:
        # It was counted from the old deadline and could now shorten the new one.
        report.extension_requested_until, report.extension_reason = None, ""
        payload["extension_request_dropped"] = True
    return "deadlines_reset", payload, report.unit


def _stamp_or_none(moment):
    return deadlines.stamp(moment) if moment else None


# --- the deadline jobs' transitions ---------------------------------------------------
# Each records one event per deadline (kind and due moment) per round
# (reopen_count), checked here under the row lock, so two job runs at the
# same time still write it once.

def _running_deadline(report, data, *, passed):
    kind = data.get("kind")
    if kind not in deadlines.KINDS:
        raise WorkflowError(_("Unknown deadline."))
    due = deadlines.running(report, kind)
    if due is None:
        raise WorkflowError(_("This deadline is not running."))
    if passed != (clock.now() >= due):
        raise WorkflowError(_("This deadline has passed.") if not passed else _("This deadline has not passed yet."))
    return kind, due


def _refuse_repeat(report, event_type, kind, due, **extra):
    payloads = Event.objects.filter(report=report, type=event_type).values_list("payload", flat=True)
    if deadlines.recorded(payloads, kind, due, report.reopen_count, **extra):
        raise AlreadyDone(_("This was already done for this deadline."))


def _deadline_payload(report, kind, due):
    return {"kind": kind, "due": deadlines.stamp(due), "round": report.reopen_count}


def _remind(report, actor, data):
    kind, due = _running_deadline(report, data, passed=False)
    _refuse_repeat(report, "reminder", kind, due)
    payload = _deadline_payload(report, kind, due)
    payload["to"] = "officer" if report.assignee_id else "unit"
    return "reminder", payload, report.unit


def _mark_overdue(report, actor, data):
    kind, due = _running_deadline(report, data, passed=True)
    _refuse_repeat(report, "overdue", kind, due)
    return "overdue", _deadline_payload(report, kind, due), report.unit


def _escalate(report, actor, data):
    kind, due = _running_deadline(report, data, passed=True)
    level = data.get("level")
    if not isinstance(level, int) or isinstance(level, bool) or level < 0:
        raise WorkflowError(_("Unknown escalation step."))
    _refuse_repeat(report, "escalated", kind, due, level=level)
    who, unit = deadlines.ladder_target(report, level)
    payload = _deadline_payload(report, kind, due)
    payload.update({"level": level, "to": who, "unit": unit.code if unit else None})
    return "escalated", payload, report.unit


HANDLERS = {
    "route": _route,
    "reclassify": _reclassify,
    "reject": _reject,
    "merge": _merge,
    "accept": _accept,
    "assign_officer": _assign_officer,
    "start": _start,
    "return": _return,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "decline_extension": _decline_extension,
    "resolve": _resolve,
    "rate": _rate,
    "reopen": _reopen,
    "close": _close,
    "note": _note,
    "comment": _comment,
    "reset_deadlines": _reset_deadlines,
    "support": _support,
    "remind": _remind,
    "mark_overdue": _mark_overdue,
    "escalate": _escalate,
}


def public_events(report):
    return Event.objects.filter(report=report, public=True).order_by("seq")
