"""The staff work queue: which reports, in which order, one page at a time.

Open work is sorted by its resolve-by deadline (soonest first, reports
without a deadline last) because that is the order in which it must be done;
finished work is sorted newest first. Both orders end with the id, so every
row has a unique sort key and pages are cut with keyset pagination: the next
page starts after the key of the last row shown. That costs the same on page
1 and page 500, needs no OFFSET and no COUNT, and never shows a row twice
when new reports arrive while someone is paging.

The cursor handed to the browser is that key, signed: opaque to the person,
and a tampered or stale cursor is simply ignored (first page) instead of
turning into a database error.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import F, Q

from phananh.public import paging
from phananh.reports.models import OPEN_STATUSES, Report
from phananh.units.access import visible_reports_filter

PAGE_SIZE = 25
DUE_FIRST = "due"
NEWEST_FIRST = "new"
_CURSOR_SALT = "phananh.console.queue"

# Status filter values beyond the single statuses.
OPEN = "open"
ALL = "all"


@dataclass
class Filters:
    status: str = OPEN
    category: object = None
    unit: object = None
    ward: object = None
    overdue: bool = False
    mine: bool = False
    extension: bool = False
    # The accent-insensitive search (a Q from phananh.reports.search), or None.
    search: object = None

    @property
    def order(self):
        if self.overdue or self.status == OPEN or self.status in OPEN_STATUSES:
            return DUE_FIRST
        return NEWEST_FIRST


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    order: str


def reports_for(user, filters, now):
    """The visible reports matching `filters`, without ordering or slicing.

    Visibility comes first and the search is only one more condition on
    top of it, so a search never reaches reports of another unit. The search
    cannot use an index: it scans what the other filters leave, in the
    queue's order, and stops at the page size."""
    qs = Report.objects.filter(visible_reports_filter(user))
    if filters.status == OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status != ALL:
        qs = qs.filter(status=filters.status)
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.unit is not None:
        qs = qs.filter(unit=filters.unit)
    if filters.ward is not None:
        qs = qs.filter(ward=filters.ward)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, resolve_due__lt=now)
    if filters.mine:
        qs = qs.filter(assignee=user)
    if filters.extension:
        qs = qs.filter(extension_requested_until__isnull=False)
    if filters.search is not None:
        qs = qs.filter(filters.search)
    return qs.select_related("category", "unit", "ward", "assignee")


def page(qs, order, cursor, now, size=None):
    """One page of `qs` in `order`, starting after the row `cursor` names."""
    size = size or PAGE_SIZE
    key = decode_cursor(cursor, order)
    if order == DUE_FIRST:
        qs = qs.order_by(F("resolve_due").asc(nulls_last=True), "id")
        if key is not None:
            qs = qs.filter(_after_due(*key))
    else:
        qs = qs.order_by("-received_at", "-id")
        if key is not None:
            qs = qs.filter(paging.rows_before(*key))  # the index-friendly form of the keyset condition
    rows = list(qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    for report in rows:
        # Plain attribute for the template: late and still someone's work.
        report.is_overdue = bool(report.is_open and report.resolve_due and report.resolve_due < now)
    next_cursor = encode_cursor(order, rows[-1]) if has_more else None
    return Page(rows=rows, next_cursor=next_cursor, order=order)


def _after_due(due, last_id):
    """Rows after (due, id) in "deadline ascending, no deadline last" order."""
    if due is None:
        return Q(resolve_due__isnull=True, id__gt=last_id)
    return Q(resolve_due__gt=due) | Q(resolve_due=due, id__gt=last_id) | Q(resolve_due__isnull=True)


def encode_cursor(order, report):
    moment = report.resolve_due if order == DUE_FIRST else report.received_at
    return signing.dumps([order, moment.isoformat() if moment else None, report.pk], salt=_CURSOR_SALT)


def decode_cursor(cursor, order):
    """(moment, id) from a cursor made for the same order, else None."""
    if not cursor:
        return None
    try:
        cursor_order, moment, last_id = signing.loads(cursor, salt=_CURSOR_SALT)
        if cursor_order != order or not isinstance(last_id, int):
            return None
        moment = datetime.fromisoformat(moment) if moment is not None else None
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if moment is None and order != DUE_FIRST:
        return None
    return moment, last_id
