"""Reports as the native API shows them to the public: plain data, built
from the same helpers as the public report page, never the reporter's
identity (name, phone, email are not even loaded).

Times are ISO 8601 in Vietnam time (+07:00), the moment the public page
shows as dd/mm/yyyy HH:MM.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from phananh.public import reportpage
from phananh.public.statuses import EXPLANATIONS
from phananh.reports.models import Media, MediaKind, Report

# Columns never needed for the public view; the reporter's are never loaded.
PRIVATE_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "citizen_token_hash", "idempotency_key",
                  "search_text", "rating_comment", "extension_reason")


def local(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def ref(obj):
    """{"code", "name"} of a category or unit, or None."""
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def absolute(request, url):
    return request.build_absolute_uri(url) if request is not None else settings.SITE_URL + url


def photo(request, media):
    return {"url": absolute(request, media.image.url), "thumbnail_url": absolute(request, media.thumbnail.url),
            "width": media.width, "height": media.height}


def photos(request, media):
    """The published photos among `media`; one still being processed is not shown yet."""
    return [photo(request, m) for m in media if m.ready]


def links(request, code):
    return {
        "url": absolute(request, reverse("api:report", args=[code])),
        "web_url": absolute(request, reverse("public:report", args=[code])),
    }


# --- the list ----------------------------------------------------------------------

def list_queryset():
    """Rows for the list with category, ward, unit and the first ready photo
    joined: two queries per page whatever its length."""
    ready = Media.objects.filter(kind=MediaKind.EVIDENCE).exclude(thumbnail="").order_by("created_at", "id")
    return (
        Report.objects.select_related("category", "ward", "unit")
        .defer(*PRIVATE_FIELDS)
        .prefetch_related(Prefetch("media", queryset=ready, to_attr="ready_photos"))
    )


def list_row(request, report):
    first = report.ready_photos[0] if report.ready_photos else None
    return {
        **summary(report),
        "resolve_due": local(report.resolve_due),
        "thumbnail_url": absolute(request, first.thumbnail.url) if first else None,
        **links(request, report.code),
    }


# --- one report ------------------------------------------------------------------------

def detail(request, report):
    """Everything the public report page says, as data."""
    context = reportpage.page_context(report)
    media = context["before_photos"] + context["after_photos"]
    outcome = context["outcome"]
    return {
        **summary(report),
        "explanation": str(EXPLANATIONS.get(report.status, "")),
        "ack_due": local(report.ack_due) if context["show_deadlines"] else None,
        "resolve_due": local(report.resolve_due) if context["show_deadlines"] else None,
        "acknowledge_overdue": context["ack_overdue"],
        "resolve_overdue": context["resolve_overdue"],
        "acknowledged_at": local(report.acknowledged_at),
        "resolved_at": local(report.resolved_at),
        "closed_at": local(report.closed_at),
        "reopen_count": report.reopen_count,
        "outcome_detail": {
            "kind": outcome.kind, "title": str(outcome.title), "text": outcome.text,
            "referred_to": outcome.referred_to,
            "planned_date": outcome.planned_date.isoformat() if outcome.planned_date else None,
        } if outcome else None,
        "public_reason": report.public_reason,
        "duplicate_of": report.duplicate_of.code if report.duplicate_of_id else None,
        "photos": photos(request, context["before_photos"]),
        "proof_photos": photos(request, context["after_photos"]),
        "photos_processing": sum(1 for m in media if not m.ready),
        "timeline": [
            {"type": entry.event.type, "text": str(entry.text), "at": local(entry.created_at),
             "report": entry.link_code}
            for entry in context["timeline"]
        ],
        **links(request, report.code),
    }


def summary(report):
    """The fields a list row and the full report share."""
    return {
        "code": report.code,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "outcome": report.outcome,
        "category": ref(report.category),
        "description": report.description,
        "address": report.address,
        "lat": report.lat,
        "lng": report.lng,
        "ward": ref(report.ward),
        "unit": ref(report.unit),
        "received_at": local(report.received_at),
    }
