"""A report's event log in words, for staff.

Events store codes and ISO dates in their payload (they are hashed, so they
must not depend on the reader's language); this module turns each one into
a sentence in the reader's language, with the person who acted.
"""

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phananh.reports.models import Category, Channel, Outcome, Rating
from phananh.sla import wording as deadline_wording
from phananh.units import routing
from phananh.units.models import Role

ROUTING_EVENTS = ("routed", "triage_needed")

TITLES = {
    "submitted": gettext_lazy("Report received"),
    "routed": gettext_lazy("Sent to a unit"),
    "triage_needed": gettext_lazy("Waiting for a coordinator"),
    "reclassified": gettext_lazy("Category changed"),
    "rejected": gettext_lazy("Rejected"),
    "merged": gettext_lazy("Closed as duplicate"),
    "acknowledged": gettext_lazy("Acknowledged by the unit"),
    "officer_assigned": gettext_lazy("Officer assigned"),
    "started": gettext_lazy("Work started"),
    "returned": gettext_lazy("Returned: not for this unit"),
    "extension_requested": gettext_lazy("More time requested"),
    "extension_approved": gettext_lazy("Extension approved"),
    "extension_declined": gettext_lazy("Extension declined"),
    "resolved": gettext_lazy("Resolved"),
    "rated": gettext_lazy("Rated by the citizen"),
    "reopened": gettext_lazy("Reopened"),
    "closed": gettext_lazy("Closed"),
    "note": gettext_lazy("Internal note"),
    "supported": gettext_lazy("Another resident has the same problem (“me too”)"),
    **deadline_wording.TITLES,
}

ROLE_LABELS = {
    Role.OFFICER: Role.OFFICER.label,
    Role.HEAD: Role.HEAD.label,
    Role.COORDINATOR: Role.COORDINATOR.label,
    "operator": gettext_lazy("Hotline operator"),
}


@dataclass
class Entry:
    event: object
    title: str
    details: list
    actor: str


def entries(events):
    """Entries for `events` (with actor and unit selected), oldest first."""
    # Payloads name categories by code; one small query gives all their names.
    names = {c.code: c.name for c in Category.objects.order_by().only("code", "name_vi", "name_en")}
    return [Entry(e, _title(e), _details(e, names), actor_label(e)) for e in events]


def actor_label(event):
    if event.actor_id:
        person = event.actor.get_full_name() or event.actor.username
        role = ROLE_LABELS.get(event.actor_role)
        return f"{person} ({role})" if role else person
    if event.actor_role == "citizen":
        return _("the citizen")
    if event.actor_role == "public":
        return _("a resident (not identified)")
    return _("PhanAnh (automatic)")


def routing_reason(events):
    """The latest automatic routing explanation among `events`, in words."""
    for event in reversed(list(events)):
        if event.type in ROUTING_EVENTS and event.payload.get("reason"):
            return routing.explain(event.payload["reason"], event.payload.get("reason_params") or {})
    return None


def _title(event):
    title = TITLES.get(event.type)
    return str(title) if title else event.type.replace("_", " ").capitalize()


def _when(value):
    moment = parse_datetime(value) if value else None
    if moment is None:
        return value or ""
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


def _day(value):
    day = parse_date(value) if value else None
    return formats.date_format(day, "d/m/Y") if day else (value or "")


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _details(event, category_names):
    p = event.payload or {}
    t = event.type
    out = []

    def category(code):
        return category_names.get(code, code)

    if t == "submitted":
        out.append(_("Channel: %(channel)s") % {"channel": _label(Channel, p.get("channel"))})
        if p.get("photos"):
            out.append(_("Photos: %(n)d") % {"n": p["photos"]})
    elif t == "routed":
        out.append(_("To: %(unit)s") % {"unit": p.get("unit_name") or p.get("unit")})
        if p.get("category"):
            out.append(_("Category: %(old)s → %(new)s") % {
                "old": category(p["category"]["from"]), "new": category(p["category"]["to"])})
        if p.get("reason"):
            out.append(routing.explain(p["reason"], p.get("reason_params") or {}))
    elif t == "triage_needed":
        out.append(routing.explain(p.get("reason", ""), p.get("reason_params") or {}))
    elif t == "reclassified":
        out.append(_("Category: %(old)s → %(new)s") % {"old": category(p.get("from")), "new": category(p.get("to"))})
    elif t == "merged":
        out.append(_("Original report: %(code)s") % {"code": p.get("original")})
    elif t == "officer_assigned":
        out.append(_("Officer: %(name)s") % {"name": p.get("officer")})
    elif t == "returned":
        out.append(_("From: %(unit)s") % {"unit": p.get("unit_name") or p.get("unit")})
    elif t == "extension_requested":
        out.append(_("%(days)s working days more, until %(until)s") % {
            "days": p.get("days"), "until": _when(p.get("until"))})
    elif t == "extension_approved":
        out.append(_("New deadline: %(until)s") % {"until": _when(p.get("until"))})
    elif t == "resolved":
        out.append(_("Outcome: %(outcome)s") % {"outcome": _label(Outcome, p.get("outcome"))})
        if p.get("referred_to"):
            out.append(_("Referred to: %(org)s") % {"org": p["referred_to"]})
        if p.get("planned_date"):
            out.append(_("Planned for: %(day)s") % {"day": _day(p["planned_date"])})
        if p.get("photos"):
            out.append(_("Photos of the fix: %(n)d") % {"n": p["photos"]})
    elif t in deadline_wording.TITLES:
        out.extend(deadline_wording.details(event))
    elif t in ("rated", "reopened") and p.get("rating"):
        out.append(_("Rating: %(rating)s") % {"rating": _label(Rating, p["rating"])})
    # Free texts people wrote, shown as written.
    for key in ("reason", "result", "comment", "text"):
        if t in ROUTING_EVENTS and key == "reason":
            continue  # a routing reason is a code, explained above
        if isinstance(p.get(key), str) and p[key].strip():
            out.append(p[key])
    return out
