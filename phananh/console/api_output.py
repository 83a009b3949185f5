"""Reports as the staff API shows them: what the console's report page shows,
as data. The reporter is included only where `units.access.can_see_reporter`
allows (a confidential report hides them from unit staff)."""

from django import forms
from django.urls import reverse

from phananh.intake import api_output as public
from phananh.lib import clock
from phananh.reports.models import MediaKind
from phananh.units.access import can_see_reporter

from . import actions, history

MAX_DUPLICATES = 50
# How the API names what the console's forms pick by database id.
CODE_FIELDS = {"unit": "code", "category": "code", "officer": "username"}
MAX_CHOICES = 500


def person(user):
    return {"username": user.username, "name": user.get_full_name() or user.username} if user else None


def queue_row(request, report):
    """One row of the queue (category, unit, ward and assignee already joined)."""
    return {
        **public.summary(report),
        "assignee": person(report.assignee),
        "ack_due": public.local(report.ack_due),
        "resolve_due": public.local(report.resolve_due),
        "overdue": report.is_overdue,
        "extension_requested_until": public.local(report.extension_requested_until),
        "reopen_count": report.reopen_count,
        "url": public.absolute(request, reverse("api:staff_report", args=[report.code])),
    }


def detail(request, report, user):
    now = clock.now()
    events = list(report.events.select_related("actor").order_by("seq"))
    media = list(report.media.all())
    reporter = None
    if can_see_reporter(user, report):
        reporter = {"name": report.reporter_name, "phone": report.reporter_phone, "email": report.reporter_email}
    return {
        **public.summary(report),
        "channel": report.channel,
        "assignee": person(report.assignee),
        "ack_due": public.local(report.ack_due),
        "resolve_due": public.local(report.resolve_due),
        "acknowledged_at": public.local(report.acknowledged_at),
        "resolved_at": public.local(report.resolved_at),
        "closed_at": public.local(report.closed_at),
        "overdue": bool(report.is_open and report.resolve_due and report.resolve_due < now),
        "acknowledge_late": bool(report.is_open and report.acknowledged_at is None and report.ack_due
                                 and report.ack_due < now),
        "extension": {"until": public.local(report.extension_requested_until), "reason": report.extension_reason}
        if report.extension_requested_until else None,
        "result_text": report.result_text,
        "public_reason": report.public_reason,
        "rating": report.rating,
        "rating_comment": report.rating_comment,
        "reopen_count": report.reopen_count,
        "duplicate_of": report.duplicate_of.code if report.duplicate_of_id else None,
        "duplicates": list(report.duplicates.order_by("received_at").values_list("code", flat=True)[:MAX_DUPLICATES]),
        "confidential": report.confidential,
        "reporter": reporter,
        "routing_reason": history.routing_reason(events),
        "photos": public.photos(request, [m for m in media if m.kind == MediaKind.EVIDENCE]),
        "proof_photos": public.photos(request, [m for m in media if m.kind == MediaKind.PROOF]),
        "photos_processing": sum(1 for m in media if not m.ready),
        "events": [
            {"seq": entry.event.seq, "type": entry.event.type, "title": entry.title, "details": entry.details,
             "actor": entry.actor, "actor_role": entry.event.actor_role, "public": entry.event.public,
             "at": public.local(entry.event.created_at), "payload": entry.event.payload}
            for entry in history.entries(events)
        ],
        "actions": [action.name for action in actions.offered(report, user)],
        "url": public.absolute(request, reverse("api:staff_report", args=[report.code])),
        "console_url": public.absolute(request, reverse("console:report", args=[report.code])),
        "web_url": public.absolute(request, reverse("public:report", args=[report.code])),
    }


def action_spec(action, form):
    """An offered action and the inputs it takes, for a client to build its form."""
    return {
        "name": action.name,
        "title": str(action.title),
        "button": str(form.button_label or action.button),
        "warning": str(action.warning),
        "fields": [field_spec(name, field) for name, field in form.fields.items() if name != "kept"],
    }


def field_spec(name, field):
    spec = {"name": name, "required": field.required, "label": str(field.label or name),
            "help": str(field.help_text or ""), "type": "text", "choices": None}
    if isinstance(field, forms.ModelChoiceField):
        key = CODE_FIELDS.get(name, "pk")
        spec["type"] = key
        spec["choices"] = [{"value": str(getattr(obj, key)), "label": field.label_from_instance(obj)}
                           for obj in field.queryset[:MAX_CHOICES]]
    elif isinstance(field, forms.IntegerField):
        spec["type"] = "integer"
    elif isinstance(field, forms.DateField):
        spec["type"] = "date"
    elif isinstance(field, forms.ChoiceField):
        spec["type"] = "choice"
        spec["choices"] = [{"value": str(value), "label": str(label)} for value, label in field.choices if value]
    elif isinstance(field, forms.FileField):
        spec["type"] = "photos"
    return spec
