"""The configured working calendar and report deadlines."""

import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from .calendar import WorkCalendar

_CACHE_SECONDS = 60
_cached = {"calendar": None, "at": 0.0}


def current_calendar():
    """The calendar with admin-edited exceptions, rebuilt at most once a minute
    per process (and at once in the process that edits an exception)."""
    if _cached["calendar"] is None or time.monotonic() - _cached["at"] > _CACHE_SECONDS:
        from .models import DayOverride

        overrides = list(DayOverride.objects.values_list("day", "is_working"))
        _cached["calendar"] = WorkCalendar(
            tz=ZoneInfo(settings.TIME_ZONE),
            extra_days_off=frozenset(d for d, working in overrides if not working),
            extra_working_days=frozenset(d for d, working in overrides if working),
        )
        _cached["at"] = time.monotonic()
    return _cached["calendar"]


def forget_calendar(using=None, **kwargs):
    """Drop the cached calendar now, and again once the edit commits: another
    thread rebuilding it in between would still have read the old rows."""
    _cached["calendar"] = None
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(_drop_cached, using=using)


def _drop_cached():
    _cached["calendar"] = None


def deadlines_for(category, received_at):
    """(acknowledge-by, resolve-by) for a report of `category` received at a moment."""
    calendar = current_calendar()
    return (
        calendar.add_working_hours(received_at, category.ack_hours),
        calendar.add_working_days(received_at, category.resolve_days),
    )
