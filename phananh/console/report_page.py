"""What the staff report page shows: finding the report and building its context."""

import logging
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from phananh.lib import clock
from phananh.lib.codes import normalize_tracking_code
from phananh.nlp import category_routing, duplicates
from phananh.reports.models import Category, MediaKind, Report
from phananh.units import routing
from phananh.units.access import can_see_reporter, visible_reports_filter

from . import actions, history

log = logging.getLogger(__name__)


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
    offered = actions.offered(report, user)
    for action in offered:
        if failed_form is not None and failed_form.action == action.name:
            form = failed_form
        else:
            form = action.form_class(report=report, user=user)
        forms.append((action, form))
    suggestions = category_suggestions(report, {action.name for action in offered})
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
        # duplicate_of too: Django reads it on each row to link it back to this
        # report, and a deferred field would cost one query per duplicate.
        "duplicates": list(report.duplicates.only("code", "duplicate_of").order_by("received_at")[:50]),
        "actions": forms,
        "failed_form": failed_form,
        "error_anchor": f"action-{failed_form.action}" if failed_form is not None else "",
        "page_error": page_error,
        "suggestions": suggestions,
        # Possible duplicates, only for someone who can merge (phananh.nlp.duplicates).
        "merge_suggestions": duplicates.merge_suggestions(report, visible_reports_filter(user))
        if any(action.name == "merge" for action in offered) else None,
        # A coordinator deciding where a new report goes: the panel opens by itself.
        "triage": any(action.name == "route" for action in offered),
    }


# --- suggested categories (the triage panel) ------------------------------------

# Scores in words, highest band first; the last band takes every score left.
# The classifier's scores are calibrated (docs/benchmarks.md): in
# cross-validation a suggestion scored 0.9 or more was right over 9 times in 10.
LIKELIHOODS = (
    (0.9, "very-likely", _("very likely")),
    (0.5, "likely", _("likely")),
    (0.2, "possible", _("possible")),
    (0.0, "unlikely", _("unlikely")),
)
# Suggestions below this score (after the first) are noise, not possibilities.
SHOWN_FROM = 0.01


@dataclass
class Suggestion:
    category: Category
    score: float
    percent: int
    level: str          # CSS modifier, always shown together with `likelihood`
    likelihood: str     # the score in plain words
    reasons: list       # words of the description that point to this category
    is_current: bool
    target: str         # the action form "Use this category" fills in: "route", "reclassify" or ""
    unit: object        # for "route": the unit that handles the category at the report's ward, if any


def likelihood(score):
    """(CSS level, words) for a score in [0, 1]."""
    level, words = next((level, words) for floor, level, words in LIKELIHOODS if score >= floor or floor == 0.0)
    return level, str(words)


def category_suggestions(report, offered):
    """Up to three Suggestions for the report's description, best first, or
    None when the classifier cannot answer (the page shows without them)."""
    from phananh.nlp import classifier  # scikit-learn loads on the first page that needs it

    try:
        found = classifier.suggest(report.description, k=3, among=classifier.active_codes())
        reasons = {code: classifier.reasons(report.description, code) for code, _score in found}
    except Exception:  # the report page must open even with a broken model
        log.exception("category suggestions failed for report %s", report.code)
        return None
    found = [(code, score) for index, (code, score) in enumerate(found) if index == 0 or score >= SHOWN_FROM]
    categories = Category.objects.in_bulk([code for code, _score in found], field_name="code")
    target = "route" if "route" in offered else "reclassify" if "reclassify" in offered else ""
    suggestions = []
    for code, score in found:
        category = categories.get(code)
        if category is None:
            continue
        level, words = likelihood(score)
        unit = None
        if target == "route" and report.ward_id and not category_routing.is_catch_all(category):
            unit = routing.responsible_unit(category.handler, report.ward)
        suggestions.append(Suggestion(
            category=category, score=score, percent=category_routing.percent(score), level=level,
            likelihood=words, reasons=reasons.get(code, []), is_current=category.pk == report.category_id,
            target=target, unit=unit,
        ))
    return suggestions
