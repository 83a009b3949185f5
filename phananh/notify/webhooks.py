"""Signed webhooks: every event of a report that concerns a unit is POSTed
to that unit's active WebhookEndpoints (its document-management system, say).

The JSON body is written once, in the event's transaction, and stored on
the Notification: every retry sends the same bytes, so a receiver that got
a message but whose answer was lost recognises the repeat by `event_id`
(the event's number in the audit chain, unique and increasing).

Each try is signed afresh:

    X-PhanAnh-Event-Id:  the event_id
    X-PhanAnh-Timestamp: Unix seconds of this try
    X-PhanAnh-Signature: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)

Receivers check the signature and that the timestamp is recent (see
`verify` and docs/notifications.md).
"""

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phananh.sla.deadlines import stamp

from .models import WebhookEndpoint

# The events a unit's endpoint can receive (phananh.reports.workflow), for
# the admin's checkboxes. Others that may be added later are sent too when
# an endpoint takes every event.
EVENT_TYPES = [
    ("routed", _("Sent to the unit")),
    ("reclassified", _("Category changed")),
    ("acknowledged", _("Acknowledged")),
    ("officer_assigned", _("Officer assigned")),
    ("started", _("Work started")),
    ("returned", _("Returned as not the unit's")),
    ("extension_requested", _("Extension requested")),
    ("extension_approved", _("Extension approved")),
    ("extension_declined", _("Extension declined")),
    ("resolved", _("Resolved")),
    ("rated", _("Rated by the citizen")),
    ("reopened", _("Reopened")),
    ("closed", _("Closed")),
    ("merged", _("Merged as a duplicate")),
    ("rejected", _("Rejected")),
    ("note", _("Internal note")),
    ("citizen_comment", _("Comment from the citizen")),
    ("deadlines_reset", _("Deadlines restarted")),
    ("reminder", _("Deadline reminder")),
    ("overdue", _("Overdue")),
    ("escalated", _("Escalated")),
]

SIGNATURE_PREFIX = "sha256="


def _moment(value):
    return stamp(value) if value else None


def payload(event):
    """What the receiver learns: the event and the report as it stands after
    it. No reporter identity: confidential or not, it never leaves by webhook."""
    report = event.report
    return {
        "event_id": event.seq,
        "type": event.type,
        "occurred_at": stamp(event.created_at),
        "unit": event.unit.code if event.unit_id else None,
        "data": event.payload,
        "report": {
            "code": report.code,
            "status": report.status,
            "category": report.category.code,
            "unit": report.unit.code if report.unit_id else None,
            "lat": report.lat,
            "lng": report.lng,
            "address": report.address,
            "received_at": _moment(report.received_at),
            "ack_due": _moment(report.ack_due),
            "resolve_due": _moment(report.resolve_due),
            "url": settings.SITE_URL + reverse("public:report", args=[report.code]),
        },
    }


def body(event):
    return json.dumps(payload(event), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def endpoints_for(event):
    """The active endpoints of the unit the event concerns that take its type."""
    if not event.unit_id:
        return []
    candidates = WebhookEndpoint.objects.filter(unit_id=event.unit_id, active=True).order_by("id")
    return [endpoint for endpoint in candidates if endpoint.wants(event.type)]


def sign(secret, timestamp, body_text):
    mac = hmac.new(secret.encode(), f"{timestamp}.{body_text}".encode(), hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def headers(secret, event_id, body_text, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else int(timestamp))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-PhanAnh-Event-Id": str(event_id),
        "X-PhanAnh-Timestamp": timestamp,
        "X-PhanAnh-Signature": sign(secret, timestamp, body_text),
    }


def verify(secret, timestamp, body_text, signature, *, tolerance=300, now=None):
    """What a receiver does (docs/notifications.md has the same code for
    them to copy): a matching signature on a timestamp within `tolerance`
    seconds, so a captured request cannot be replayed later."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except (TypeError, ValueError):
        return False
    if age > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body_text), signature or "")
