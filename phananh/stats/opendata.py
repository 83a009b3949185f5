"""Open data: every report and every public event, as CSV and GeoJSON.

No reporter data ever leaves: no name, phone, e-mail, token, no free text a
resident typed (descriptions and comments may hold a name or a number; they
are on the report pages, where staff can hide them), no staff identity (the
actor is given by role only). Rows are streamed in keyset batches, so an
export of millions of rows holds one batch in memory at a time.

The report columns are the facts the statistics are summed from; the
events let anyone check those facts. docs/open-data.md explains both and
how to recompute every public scorecard figure from them.
"""

import csv
import io
import json
from datetime import UTC

from phananh.reports.models import Category, Event
from phananh.units.models import Unit

from . import measures
from .models import ReportFact

BATCH_SIZE = 2000

REPORT_COLUMNS = (
    "code", "received_at", "period_day", "category", "ward", "unit", "status", "state", "channel", "lat", "lng",
    "ack_due", "acknowledged_at", "ack_result", "resolve_due", "resolved_at", "resolve_result",
    "resolve_working_seconds", "outcome", "rating", "reopen_count", "ever_resolved",
)
EVENT_COLUMNS = ("seq", "report", "type", "created_at", "actor_role", "unit", "details", "hash")

# Payload keys published per event type; anything else (reasons typed by
# staff, residents' comments, routing internals) stays out.
PUBLIC_PAYLOAD = {
    "submitted": ("channel", "category", "ward"),
    "routed": ("unit", "category"),
    "returned": ("unit",),
    "extension_approved": ("from", "until"),
    "resolved": ("outcome", "planned_date", "referred_to"),
    "rated": ("rating",),
    "reopened": ("rating",),
    "merged": ("original",),
    "deadlines_reset": ("ack_due", "resolve_due"),
}


def _stamp(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


class Codes:
    """Unit and category codes by id, loaded once per export (a few thousand at most)."""

    def __init__(self):
        self.units = dict(Unit.objects.values_list("id", "code"))
        self.categories = dict(Category.objects.values_list("id", "code"))

    def unit(self, pk):
        if pk and pk not in self.units:
            self.units = dict(Unit.objects.values_list("id", "code"))
        return self.units.get(pk, "") if pk else ""


# --- reports ----------------------------------------------------------------------------

def report_records():
    """One dict per report, oldest first, in keyset batches over the facts."""
    codes = Codes()
    last = 0
    while True:
        batch = list(
            ReportFact.objects.filter(pk__gt=last).order_by("pk")
            .select_related("report").only(*_FACT_ONLY)[:BATCH_SIZE]
        )
        if not batch:
            return
        for fact in batch:
            yield _report_record(fact, codes)
        last = batch[-1].pk


_FACT_ONLY = (
    "report__code", "report__lat", "report__lng", "report__channel",
    "received_at", "day", "category", "ward", "unit", "status", "ack_due", "acknowledged_at", "ack_result",
    "resolve_due", "resolved_at", "resolve_result", "resolve_seconds", "outcome", "rating", "reopen_count",
    "ever_resolved",
)


def _report_record(fact, codes):
    report = fact.report
    return {
        "code": report.code,
        "received_at": _stamp(fact.received_at),
        "period_day": fact.day.isoformat(),
        "category": codes.categories.get(fact.category_id, ""),
        "ward": codes.unit(fact.ward_id),
        "unit": codes.unit(fact.unit_id),
        "status": fact.status,
        "state": measures.state_of(fact.status),
        "channel": report.channel,
        "lat": report.lat if report.lat is not None else "",
        "lng": report.lng if report.lng is not None else "",
        "ack_due": _stamp(fact.ack_due),
        "acknowledged_at": _stamp(fact.acknowledged_at),
        "ack_result": fact.ack_result,
        "resolve_due": _stamp(fact.resolve_due),
        "resolved_at": _stamp(fact.resolved_at),
        "resolve_result": fact.resolve_result,
        "resolve_working_seconds": fact.resolve_seconds if fact.resolve_seconds is not None else "",
        "outcome": fact.outcome,
        "rating": fact.rating,
        "reopen_count": fact.reopen_count,
        "ever_resolved": int(fact.ever_resolved),
    }


# --- events -----------------------------------------------------------------------------------

def event_records():
    """One dict per public event, in chain order, in keyset batches."""
    codes = Codes()
    last = 0
    while True:
        batch = list(
            Event.objects.filter(public=True, seq__gt=last).order_by("seq")
            .select_related("report")
            .only("seq", "type", "created_at", "actor_role", "unit_id", "payload", "hash",
                  "report__code", "report__lat", "report__lng")[:BATCH_SIZE]
        )
        if not batch:
            return
        for event in batch:
            yield _event_record(event, codes)
        last = batch[-1].seq


def _event_record(event, codes):
    payload = event.payload or {}
    details = {key: payload[key] for key in PUBLIC_PAYLOAD.get(event.type, ()) if key in payload}
    return {
        "seq": event.seq,
        "report": event.report.code,
        "type": event.type,
        "created_at": _stamp(event.created_at),
        # Staff act for their unit; who exactly is not published.
        "actor_role": event.actor_role,
        "unit": codes.unit(event.unit_id),
        "details": details,
        "hash": event.hash,
        "_point": (event.report.lat, event.report.lng),
    }


# --- encoders ----------------------------------------------------------------------------------

def csv_lines(records, columns):
    """CSV text, header first, a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    rows = 0
    for record in records:
        writer.writerow([_cell(record[column]) for column in columns])
        rows += 1
        if rows % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value):
    """A CSV cell; the details of an event are one JSON object."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return value


def geojson_chunks(records, columns, point):
    """A GeoJSON FeatureCollection; a record without a location gets a null
    geometry (allowed by RFC 7946) rather than being left out."""
    pieces = ['{"type":"FeatureCollection","features":[']
    separator = ""
    for record in records:
        lat, lng = point(record)
        geometry = ({"type": "Point", "coordinates": [lng, lat]}
                    if lat not in (None, "") and lng not in (None, "") else None)
        properties = {column: (None if record[column] == "" else record[column]) for column in columns}
        pieces.append(separator + json.dumps({"type": "Feature", "geometry": geometry, "properties": properties},
                                             ensure_ascii=False, separators=(",", ":")))
        separator = ","
        if len(pieces) >= 500:
            yield "".join(pieces)
            pieces = []
    pieces.append("]}\n")
    yield "".join(pieces)


def report_point(record):
    return record["lat"], record["lng"]


def event_point(record):
    return record["_point"]
