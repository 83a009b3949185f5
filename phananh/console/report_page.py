"""What the staff report page shows: finding the report and building its context."""

from django.http import Http404

from phananh.lib import clock
from phananh.lib.codes import normalize_tracking_code
from phananh.reports.models import MediaKind, Report
from phananh.units.access import can_see_reporter, visible_reports_filter

from . import actions, history


def visible_reports(user):
    return Report.objects.filter(visible_reports_filter(user))


def get_visible_report(user, code):
    """The report `code` if `user` may see it; 404 otherwise, the same answer
    as for a code that does not exist, so the page never reveals existence."""
    code = normalize_tracking_code(code)
    if code is None:
        raise Http404
    report = (
        visible_reports(user)
        .select_related("category", "category__group", "unit", "ward", "assignee", "duplicate_of")
        .filter(code=code)
        .first()
    )
    if report is None:
        raise Http404
    return report


def still_visible(user, report):
    """After an action (a return, a route) the person may have lost sight of it."""
    return visible_reports(user).filter(pk=report.pk).exists()


def context(report, user, failed_form=None, page_error=None):
    now = clock.now()
    events = list(report.events.select_related("actor").order_by("seq"))
    media = list(report.media.all())
    forms = []
    for action in actions.offered(report, user):
        if failed_form is not None and failed_form.action == action.name:
            form = failed_form
        else:
            form = action.form_class(report=report, user=user)
        forms.append((action, form))
    return {
        "report": report,
        "now": now,
        "is_overdue": bool(report.is_open and report.resolve_due and report.resolve_due < now),
        "ack_late": bool(
            report.is_open and report.acknowledged_at is None and report.ack_due and report.ack_due < now
        ),
        "reporter_visible": can_see_reporter(user, report),
        "routing_reason": history.routing_reason(events),
        "entries": history.entries(events),
        "evidence": [m for m in media if m.kind == MediaKind.EVIDENCE],
        "proof": [m for m in media if m.kind == MediaKind.PROOF],
        "duplicates": list(report.duplicates.only("code").order_by("received_at")[:50]),
        "actions": forms,
        "failed_form": failed_form,
        "error_anchor": f"action-{failed_form.action}" if failed_form is not None else "",
        "page_error": page_error,
    }
