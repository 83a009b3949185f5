"""Everything the public report page shows, gathered in a fixed number of queries.

The outcome is spelled out separately from the status: "closed" on its own
says nothing about whether anything was fixed, and citizens rightly distrust
sites that let the two blur (DESIGN §3).
"""

from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _

from phananh.lib import clock
from phananh.reports.models import WITH_UNIT_STATUSES, MediaKind, Outcome, Report, Status

from .statuses import EXPLANATIONS
from .timeline import public_timeline


@dataclass
class OutcomeView:
    kind: str              # fixed | cannot_fix | referred | no_outcome
    title: str
    text: str = ""         # what the unit wrote for the public
    referred_to: str = ""
    planned_date: date | None = None


def get_report(code):
    """The report with what its page needs joined, or 404. Reporter fields are never loaded."""
    report = (
        Report.objects.select_related("category", "category__group", "ward", "unit", "duplicate_of")
        .defer("reporter_name", "reporter_phone", "reporter_email")
        .filter(code=code)
        .first()
    )
    if report is None:
        raise Http404(_("There is no report with this tracking code."))
    return report


def page_context(report):
    media = list(report.media.all())
    timeline = public_timeline(report)
    now = clock.now()
    holds = report.status in WITH_UNIT_STATUSES
    return {
        "report": report,
        "explanation": EXPLANATIONS.get(report.status, ""),
        "before_photos": [m for m in media if m.kind == MediaKind.EVIDENCE],
        "after_photos": [m for m in media if m.kind == MediaKind.PROOF],
        "timeline": timeline,
        "outcome": outcome_of(report, timeline),
        "ack_overdue": bool(report.status == Status.ASSIGNED and report.ack_due and report.ack_due < now),
        "resolve_overdue": bool(holds and report.resolve_due and report.resolve_due < now),
        "show_deadlines": holds or report.status == Status.SUBMITTED,
    }


def outcome_of(report, timeline):
    """The outcome box for a resolved or closed report, None otherwise."""
    if report.status not in (Status.RESOLVED, Status.CLOSED):
        return None
    resolved = next((e.event for e in reversed(timeline) if e.event.type == "resolved"), None)
    payload = resolved.payload if resolved is not None else {}
    if report.outcome == Outcome.FIXED:
        return OutcomeView("fixed", _("Fixed"), report.result_text)
    if report.outcome == Outcome.CANNOT_FIX:
        planned = None
        if payload.get("planned_date"):
            try:
                planned = date.fromisoformat(payload["planned_date"][:10])
            except ValueError:
                planned = None
        return OutcomeView("cannot_fix", _("Cannot be fixed now"), report.result_text, planned_date=planned)
    if report.outcome == Outcome.REFERRED:
        return OutcomeView("referred", _("Referred to another organisation"), report.result_text,
                           referred_to=payload.get("referred_to", ""))
    return OutcomeView("no_outcome", _("Closed without a recorded fix"), report.result_text)
