"""Fold events, in chain order, into per-report facts.

This is the only place that interprets event types for the statistics. It
reads the event, never the Report row, so the figures are what the audit
chain proves. Event types it does not know (reminders, escalations and
whatever comes next) change nothing.

Attribution, decided once here and documented in docs/open-data.md:
- a report counts in the period of its reception (local date);
- its state, deadlines and results count for the unit holding it now (a
  transfer or return keeps the original clock, so the new holder answers
  for it; a report waiting for triage counts for "no unit");
- its category is the current one; its ward is where it was reported;
- deadlines are those of the current cycle: from reception, moved by an
  approved extension, fresh after a reopening or a coordinator's reset.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from phananh.reports.models import Category, Status
from phananh.sla.service import current_calendar
from phananh.units.models import Unit

from . import measures
from .models import ReportFact

S = Status


class FoldError(Exception):
    """The log says something the fold cannot place (e.g. an unknown category code)."""


class Context:
    """Lookups one fold needs, loaded once: categories by code, unit ids by
    code, the working calendar."""

    def __init__(self):
        self.calendar = current_calendar()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self._load_categories()
        self._unit_ids = dict(Unit.objects.values_list("code", "id"))

    def _load_categories(self):
        self._categories = {c.code: c for c in Category.objects.only("id", "code", "ack_hours", "resolve_days")}
        self._categories_by_id = {c.pk: c for c in self._categories.values()}

    def category(self, code):
        if code not in self._categories:
            self._load_categories()  # created since this context was loaded
        try:
            return self._categories[code]
        except KeyError:
            raise FoldError(f"unknown category code {code!r}") from None

    def category_by_id(self, pk):
        if pk not in self._categories_by_id:
            self._load_categories()
        return self._categories_by_id[pk]

    def unit_id(self, code):
        if code and code not in self._unit_ids:
            self._unit_ids = dict(Unit.objects.values_list("code", "id"))
        return self._unit_ids.get(code) if code else None

    def deadlines(self, category, start):
        return (
            self.calendar.add_working_hours(start, category.ack_hours),
            self.calendar.add_working_days(start, category.resolve_days),
        )

    def working_seconds(self, start, end):
        return int(self.calendar.working_time_between(start, end).total_seconds())

    def local_day(self, moment):
        return moment.astimezone(self.tz).date()


def _moment(value):
    """An aware datetime from a payload value, or None: an ISO string, or a
    change written as {"from": ..., "to": ...} (the new value is "to")."""
    if isinstance(value, dict):
        value = value.get("to")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _fresh_deadlines(fact, event, ctx):
    """Deadlines starting at `event`: the ones the event states, if it states
    them, else computed from the category's promise and the calendar."""
    payload = event.payload or {}
    computed = ctx.deadlines(ctx.category_by_id(fact.category_id), event.created_at)
    fact.ack_due = _moment(payload.get("ack_due")) or computed[0]
    fact.resolve_due = _moment(payload.get("resolve_due")) or computed[1]
    fact.cycle_start = event.created_at


def start_fact(event, ctx):
    """The fact of a report from its `submitted` event."""
    payload = event.payload or {}
    received = event.created_at
    fact = ReportFact(
        report_id=event.report_id, received_at=received, day=ctx.local_day(received),
        category_id=ctx.category(payload.get("category")).pk,
        ward_id=ctx.unit_id(payload.get("ward")), unit_id=None, status=S.SUBMITTED,
        cycle_start=received, outcome="", rating="", reopen_count=0, ever_resolved=False,
    )
    _fresh_deadlines(fact, event, ctx)
    return fact


def apply_event(fact, event, ctx):
    """Change `fact` as `event` says. Unknown event types change nothing."""
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(fact, event, event.payload or {}, ctx)


def _routed(fact, event, payload, ctx):
    fact.unit_id = event.unit_id
    fact.status = S.ASSIGNED
    change = payload.get("category")
    if isinstance(change, dict) and change.get("to"):
        fact.category_id = ctx.category(change["to"]).pk


def _reclassified(fact, event, payload, ctx):
    fact.category_id = ctx.category(payload.get("to")).pk


def _status(status):
    def handler(fact, event, payload, ctx):
        fact.status = status
    return handler


def _acknowledged(fact, event, payload, ctx):
    fact.status = S.ACKNOWLEDGED
    fact.acknowledged_at = event.created_at


def _returned(fact, event, payload, ctx):
    # Back to triage: nobody holds it, and whoever gets it next must acknowledge it again.
    fact.status = S.SUBMITTED
    fact.unit_id = None
    fact.acknowledged_at = None


def _extension_approved(fact, event, payload, ctx):
    until = _moment(payload.get("until"))
    if until is not None:
        fact.resolve_due = until


def _resolved(fact, event, payload, ctx):
    fact.status = S.RESOLVED
    fact.resolved_at = event.created_at
    fact.outcome = payload.get("outcome") or ""
    fact.ever_resolved = True
    fact.resolve_seconds = ctx.working_seconds(fact.cycle_start, event.created_at)


def _rated(fact, event, payload, ctx):
    rating = payload.get("rating")
    if rating in measures.RATINGS:
        fact.rating = rating
    if rating == "satisfied":
        fact.status = S.CLOSED


def _reopened(fact, event, payload, ctx):
    if payload.get("rating") in measures.RATINGS:
        fact.rating = payload["rating"]
    fact.status = S.REOPENED
    fact.reopen_count += 1
    # A new cycle: nothing acknowledged or resolved in it yet, fresh deadlines.
    fact.acknowledged_at = fact.resolved_at = fact.resolve_seconds = None
    fact.outcome = ""
    _fresh_deadlines(fact, event, ctx)


def _deadlines_reset(fact, event, payload, ctx):
    # A coordinator restarted the clock (e.g. after a transfer): deadlines count from now.
    _fresh_deadlines(fact, event, ctx)


HANDLERS = {
    "routed": _routed,
    "reclassified": _reclassified,
    "rejected": _status(S.REJECTED),
    "merged": _status(S.DUPLICATE),
    "acknowledged": _acknowledged,
    "started": _status(S.IN_PROGRESS),
    "returned": _returned,
    "extension_approved": _extension_approved,
    "resolved": _resolved,
    "rated": _rated,
    "reopened": _reopened,
    "closed": _status(S.CLOSED),
    "deadlines_reset": _deadlines_reset,
}


def settle(fact, ticked_until):
    """Store the deadline results, which depend on the facts and on how far
    the job's clock has advanced."""
    fact.ack_result = measures.ack_result(fact, ticked_until)
    fact.resolve_result = measures.resolve_result(fact, ticked_until)
