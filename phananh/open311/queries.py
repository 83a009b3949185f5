"""GET requests: reading the filters, finding the reports, describing each one.

Only public data leaves here: never the reporter's name, phone or email (the
columns are not even loaded), so a confidential report exposes nobody.
A query reads at most 1,000 reports from a window of at most 90 days,
newest first, through the (status,) received_at indexes, with the photos
in one more query: two queries whatever the table size.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from phananh.lib import clock
from phananh.lib.codes import normalize_tracking_code
from phananh.public.statuses import EXPLANATIONS
from phananh.reports.models import OPEN_STATUSES, Media, MediaKind, Report, Status

from .render import Open311Error, w3c
from .services import service_notice

MAX_ROWS = 1000
MAX_SPAN = timedelta(days=90)
MAX_IDS = 1000
OPEN, CLOSED = "open", "closed"
# Open311 knows two statuses. "Resolved" counts as closed: the unit has dealt
# with it; should the resident reopen it, it becomes open again.
CLOSED_STATUSES = tuple(s for s in Status if s not in OPEN_STATUSES)
STATUS_MAP = {OPEN: tuple(OPEN_STATUSES), CLOSED: CLOSED_STATUSES}

FIELDS = (
    "id", "code", "description", "lat", "lng", "address", "status", "outcome", "result_text", "public_reason",
    "received_at", "updated_at", "resolved_at", "closed_at", "resolve_due",
    "category__id", "category__code", "category__name_vi", "category__name_en",
    "category__ack_hours", "category__resolve_days",
    "unit__id", "unit__name", "ward__id", "ward__name", "duplicate_of__id", "duplicate_of__code",
)


@dataclass
class Filters:
    codes: list = field(default_factory=list)   # tracking codes; override everything else
    services: list = field(default_factory=list)
    statuses: tuple = ()
    start: datetime | None = None
    end: datetime | None = None


def open311_status(report):
    return OPEN if report.status in OPEN_STATUSES else CLOSED


def _values(params, name):
    """A parameter that may be repeated and comma separated: ["a", "b"]."""
    values = []
    for raw in params.getlist(name):
        values.extend(part.strip() for part in raw.split(","))
    return [value for value in values if value]


def parse_filters(params):
    errors = []
    filters = Filters()
    ids = _values(params, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _("Ask for at most %(n)d service_request_id values at once.") % {"n": MAX_IDS})
        # Unreadable ids cannot match a report; they are simply not found.
        filters.codes = [code for code in map(normalize_tracking_code, ids) if code]
        return filters
    filters.services = _values(params, "service_code")
    statuses = [value.lower() for value in _values(params, "status")]
    unknown = [value for value in statuses if value not in STATUS_MAP]
    if unknown:
        errors.append(_("status must be “open” or “closed”, not “%(value)s”.") % {"value": unknown[0]})
    filters.statuses = tuple(s for value in set(statuses) - set(unknown) for s in STATUS_MAP[value])
    start, start_error = _moment(params, "start_date")
    end, end_error = _moment(params, "end_date")
    errors += [error for error in (start_error, end_error) if error]
    if errors:
        raise Open311Error(400, *errors)
    # The spec's default window: the 90 days before the end (or after the start).
    if start is None and end is None:
        end = clock.now()
    if start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    filters.start, filters.end = start, end
    return filters


def _moment(params, name):
    """(datetime, None) or (None, error) for a W3C date or datetime; a missing
    time zone means Vietnam's time, a date alone its midnight."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        moment = None
    if moment is not None and not 1900 <= moment.year <= 9000:
        # Beyond any report, and too close to year 1 or 9999 for the time zone
        # conversions the database query makes.
        return None, _("%(name)s must be a real date.") % {"name": name}
    if moment is None:
        return None, _("%(name)s must be a W3C date and time such as 2025-07-01T00:00:00+07:00.") % {"name": name}
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, None


def base_queryset():
    photos = Media.objects.filter(kind=MediaKind.EVIDENCE).exclude(image="").order_by("created_at", "id")
    return (
        Report.objects.select_related("category", "unit", "ward", "duplicate_of")
        .only(*FIELDS)
        .prefetch_related(Prefetch("media", queryset=photos, to_attr="public_photos"))
    )


def find(filters):
    queryset = base_queryset()
    if filters.codes:
        queryset = queryset.filter(code__in=filters.codes)
    else:
        queryset = queryset.filter(received_at__gte=filters.start, received_at__lte=filters.end)
        if filters.services:
            queryset = queryset.filter(category__code__in=filters.services)
        if filters.statuses:
            queryset = queryset.filter(status__in=filters.statuses)
    return list(queryset.order_by("-received_at", "-id")[:MAX_ROWS])


def find_one(code):
    normalized = normalize_tracking_code(code)
    report = base_queryset().filter(code=normalized).first() if normalized else None
    if report is None:
        raise Open311Error(404, _("There is no service request with the id “%(id)s”.") % {"id": code[:40]})
    return report


def describe(report, absolute_url):
    """The spec's request fields for a report from `base_queryset`; `absolute_url`
    turns a media path into a full URL."""
    photos = report.public_photos
    return {
        "service_request_id": report.code,
        "status": open311_status(report),
        "status_notes": status_notes(report) or None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": report.unit.name if report.unit_id else None,
        "service_notice": service_notice(report.category),
        "requested_datetime": w3c(report.received_at),
        "updated_datetime": w3c(updated_at(report)),
        "expected_datetime": w3c(report.resolve_due),
        "address": address(report) or None,
        "address_id": None,
        "zipcode": None,
        "lat": _coordinate(report.lat),
        "long": _coordinate(report.lng),
        "media_url": absolute_url(photos[0].image.url) if photos else None,
    }


def status_notes(report):
    if report.status == Status.DUPLICATE and report.duplicate_of_id:
        return _("Duplicate of service request %(code)s.") % {"code": report.duplicate_of.code}
    if report.status == Status.REJECTED:
        return _("Rejected: %(reason)s") % {"reason": report.public_reason} if report.public_reason else \
            str(EXPLANATIONS[Status.REJECTED])
    if report.status in (Status.RESOLVED, Status.CLOSED) and report.outcome:
        outcome = report.get_outcome_display()
        return f"{outcome}: {report.result_text}" if report.result_text else str(outcome)
    return str(EXPLANATIONS.get(report.status, ""))


def updated_at(report):
    """For a closed request the spec asks for the date it was closed."""
    if report.status == Status.RESOLVED and report.resolved_at:
        return report.resolved_at
    if report.status in CLOSED_STATUSES and report.closed_at:
        return report.closed_at
    return report.updated_at


def address(report):
    """Most specific first, as the spec asks: the address, then the ward."""
    parts = [report.address.strip()] if report.address.strip() else []
    if report.ward_id and report.ward.name not in report.address:
        parts.append(report.ward.name)
    return ", ".join(parts)


def _coordinate(value):
    return value if value is not None and math.isfinite(value) else None
