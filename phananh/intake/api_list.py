"""The public report list of the API: reading its filters, cutting a page.

Every filter narrows by an indexed column (status, category, ward and unit
have composite indexes with the status; the box uses report_location; the
period and the order use report_recent), and the page is a keyset page on
(received_at, id), newest first: the same cost on the first page and the
ten-thousandth, no COUNT, no OFFSET. The text search (phananh.reports.search)
is the one condition without an index; it scans what the others leave, in
the list's order, and stops at the page size.

Bad values are refused with the parameter's name (400 cannot be read, 422
read but unknown), never silently ignored: a client that thinks it filtered
must not get everything.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from phananh.api_errors import ApiError
from phananh.public import mapdata, paging
from phananh.public.statuses import statuses_for
from phananh.reports import search
from phananh.reports.models import Category, Report
from phananh.units.models import Unit, UnitKind

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Listing:
    condition: Q           # every filter but the status
    statuses: tuple | None  # None: any status
    cursor: paging.Cursor | None
    limit: int


def _text(params, name, max_length=200):
    value = (getattr(params, name) or "").strip()
    if "\x00" in value:
        raise ApiError(400, _("This value contains a null character."), name)
    if len(value) > max_length:
        raise ApiError(400, _("This value is too long (at most %(n)d characters).") % {"n": max_length}, name)
    return value


def parse(params):
    """A Listing from the raw query parameters, or ApiError naming the bad one."""
    condition = Q()
    bbox = _text(params, "bbox")
    if bbox:
        try:
            west, south, east, north = mapdata._parse_bbox(bbox)
        except mapdata.MapQueryError as error:
            raise ApiError(error.status, error.message, "bbox")
        condition &= Q(lat__gte=south, lat__lte=north, lng__gte=west, lng__lte=east)
    status = _text(params, "status")
    statuses = None
    if status:
        statuses = statuses_for(status)
        if statuses is None:
            raise ApiError(422, _("Unknown status “%(value)s”. Use a status (e.g. in_progress) or a group "
                                  "(open, resolved, closed, rejected, duplicate).") % {"value": status}, "status")
    category = _text(params, "category")
    if category:
        found = Category.objects.filter(code=category).values_list("pk", flat=True).first()
        if found is None:
            raise ApiError(422, _("Unknown category “%(value)s”.") % {"value": category}, "category")
        condition &= Q(category_id=found)
    for name, kinds, message in (
        ("ward", (UnitKind.WARD,), _("There is no ward with the code “%(value)s”.")),
        ("unit", (UnitKind.WARD, UnitKind.DEPARTMENT, UnitKind.UTILITY), _("There is no unit with the code "
                                                                           "“%(value)s”.")),
    ):
        code = _text(params, name)
        if code:
            found = Unit.objects.filter(code=code, kind__in=kinds).values_list("pk", flat=True).first()
            if found is None:
                raise ApiError(422, message % {"value": code}, name)
            condition &= Q(**{f"{name}_id": found})
    since, until = _moment(params, "since", start=True), _moment(params, "until", start=False)
    if since is not None:
        condition &= Q(received_at__gte=since)
    if until is not None:
        condition &= Q(received_at__lt=until)
    q = _text(params, "q", max_length=search.MAX_QUERY_LENGTH)
    if q:
        where = search.condition(q)
        if where is None:
            raise ApiError(400, _("Type at least one letter or digit to search."), "q")
        condition &= where
    return Listing(condition, statuses, _cursor(params), _limit(params))


def _moment(params, name, start):
    """A date (the whole local day: from its start, or up to its end) or an
    ISO 8601 date-time (without an offset: Vietnam time)."""
    raw = _text(params, name, max_length=40)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = date.fromisoformat(raw)
            moment = datetime.combine(day, time.min)
            if not start:
                moment = datetime.combine(date.fromordinal(day.toordinal() + 1), time.min)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ApiError(400, _("Give a date (YYYY-MM-DD) or a date and time (ISO 8601)."), name)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _cursor(params):
    raw = _text(params, "cursor", max_length=200)
    if not raw:
        return None
    cursor = paging.Cursor.decode(raw)
    if cursor is None or cursor.direction != paging.OLDER:
        raise ApiError(400, _("This cursor is not valid. Start again from the first page."), "cursor")
    return cursor


def _limit(params):
    raw = _text(params, "limit", max_length=10)
    if not raw:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, _("limit must be a whole number from 1 to %(n)d.") % {"n": MAX_LIMIT}, "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, _("limit must be a whole number from 1 to %(n)d.") % {"n": MAX_LIMIT}, "limit")
    return limit


def page(queryset, listing):
    """(rows, cursor of the next page or None), newest first."""
    condition = listing.condition
    cursor = listing.cursor
    if cursor is not None:
        condition &= Q(received_at__lt=cursor.received_at) | Q(received_at=cursor.received_at, id__lt=cursor.id)
    size = listing.limit + 1
    if listing.statuses is not None and len(listing.statuses) > 1:
        rows = _merged_statuses(queryset, condition, listing.statuses, size)
    else:
        if listing.statuses is not None:
            condition &= Q(status=listing.statuses[0])
        rows = list(queryset.filter(condition).order_by("-received_at", "-id")[:size])
    more = len(rows) > listing.limit
    rows = rows[: listing.limit]
    next_cursor = paging.Cursor(paging.OLDER, rows[-1].received_at, rows[-1].pk).encode() if more else None
    return rows, next_cursor


def _merged_statuses(queryset, condition, statuses, size):
    """The first `size` rows of several statuses (a group such as "open").

    `status IN (...)` ordered by date makes the database read and sort every
    row of those statuses (half the table for "open"), because no index gives
    that order across statuses. One query per status walks report_status_recent
    newest first and stops after `size` keys; the keys are merged here and the
    winning rows read by id: a few small queries whatever the table size."""
    keys = []
    for status in statuses:
        keys += (
            Report.objects.filter(condition, status=status).order_by("-received_at", "-id")
            .values_list("received_at", "id")[:size]
        )
    ids = [pk for _moment, pk in sorted(keys, reverse=True)[:size]]
    return list(queryset.filter(pk__in=ids).order_by("-received_at", "-id")) if ids else []
