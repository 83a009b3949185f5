"""The public history of a report, as sentences people understand.

Only events marked public are shown. Internal details stay out even when
they sit in a public event's payload: the automatic routing reason, the
text a unit gives when returning a report, the extension reason, and the
resident's own comments (which may contain their name or phone number).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from phananh.reports.models import Channel, Event, Outcome, Rating


@dataclass
class Entry:
    event: Event
    text: str
    link_code: str | None = None  # a report to link to (the original of a duplicate)

    @property
    def created_at(self):
        return self.event.created_at


def public_timeline(report):
    """Entries for the report page, oldest first: one query, units joined."""
    # "Me too" supports are shown as a count on the page, not one line each.
    events = (Event.objects.filter(report=report, public=True).exclude(type="supported")
              .select_related("unit").order_by("seq"))
    return [describe(event) for event in events]


def _unit_name(event):
    return event.payload.get("unit_name") or (event.unit.name if event.unit_id else _("the unit"))


def _local_datetime(value):
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return date_format(timezone.localtime(moment), "d/m/Y H:i")


def _local_date(value):
    try:
        return date_format(date.fromisoformat(value[:10]), "d/m/Y")
    except (TypeError, ValueError):
        return None


def describe(event):
    payload = event.payload or {}
    kind = event.type
    if kind == "submitted":
        channel = Channel(payload["channel"]).label if payload.get("channel") in Channel.values else None
        if channel:
            return Entry(event, _("Report received (through: %(channel)s).") % {"channel": channel})
        return Entry(event, _("Report received."))
    if kind == "routed":
        return Entry(event, _("Sent to %(unit)s to handle.") % {"unit": _unit_name(event)})
    if kind == "acknowledged":
        return Entry(event, _("%(unit)s acknowledged the report.") % {"unit": _unit_name(event)})
    if kind == "started":
        return Entry(event, _("%(unit)s started work on it.") % {"unit": _unit_name(event)})
    if kind == "returned":
        return Entry(event, _("%(unit)s said this is not theirs to handle; a coordinator will send it "
                              "to the right unit.") % {"unit": _unit_name(event)})
    if kind == "extension_approved":
        until = _local_datetime(payload.get("until"))
        if until:
            return Entry(event, _("The deadline for resolving it was extended to %(date)s.") % {"date": until})
        return Entry(event, _("The deadline for resolving it was extended."))
    if kind == "resolved":
        return Entry(event, _resolved_sentence(event, payload))
    if kind == "rated":
        if payload.get("rating") == Rating.SATISFIED:
            return Entry(event, _("The resident said they are satisfied with the result. Closed."))
        return Entry(event, _("The resident rated the result."))
    if kind == "reopened":
        if payload.get("rating") == Rating.UNSATISFIED:
            return Entry(event, _("The resident was not satisfied with the result, so the report was reopened."))
        return Entry(event, _("The resident said the problem is still not fixed, so the report was reopened."))
    if kind == "rejected":
        reason = payload.get("reason")
        if reason:
            return Entry(event, _("Rejected. Reason: %(reason)s") % {"reason": reason})
        return Entry(event, _("Rejected."))
    if kind == "merged":
        return Entry(event, _("Closed as a duplicate of report"), link_code=payload.get("original"))
    if kind == "closed":
        return Entry(event, _("Closed."))
    return Entry(event, _("The report was updated."))


def _resolved_sentence(event, payload):
    unit = _unit_name(event)
    outcome = payload.get("outcome")
    if outcome == Outcome.FIXED:
        return _("%(unit)s reported the problem as fixed.") % {"unit": unit}
    if outcome == Outcome.CANNOT_FIX:
        planned = _local_date(payload.get("planned_date"))
        if planned:
            return _("%(unit)s said it cannot be fixed now; planned for %(date)s.") % {"unit": unit, "date": planned}
        return _("%(unit)s said it cannot be fixed now.") % {"unit": unit}
    if outcome == Outcome.REFERRED:
        return _("%(unit)s referred it to %(org)s.") % {"unit": unit, "org": payload.get("referred_to") or "?"}
    return _("%(unit)s marked it as resolved.") % {"unit": unit}
