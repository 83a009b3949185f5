"""The resident's own actions on their report: rate the result, or reopen it.

Proof of being the resident is the secret token of the private link (or the
same token remembered in this device's session). All changes go through
`workflow.apply`, which checks the token again and the rating window.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _

from phananh.lib.codes import token_matches
from phananh.reports import workflow
from phananh.reports.models import Rating, Status

from .forms import RatingForm, ReopenForm, error_summary

RATE, REOPEN = "rate", "reopen"


@dataclass
class Panel:
    """What the resident may do now, with forms (bound after a failed POST)."""

    report: object
    rating_form: RatingForm | None = None
    reopen_form: ReopenForm | None = None
    notice: str = ""
    suggest_new_report: bool = False  # show a "Send a new report" link after the notice
    errors: list = field(default_factory=list)  # (message, anchor id) for the error summary


def token_valid(report, token):
    return bool(token) and token_matches(token, report.citizen_token_hash)


def build_panel(report, data=None, action=None):
    """The resident's panel; `data`/`action` re-show a submitted form with its errors."""
    window = workflow.rating_window_open(report)
    panel = Panel(report)
    if report.status == Status.RESOLVED and window:
        panel.rating_form = RatingForm(data if action == RATE else None, prefix=RATE)
    if report.status in (Status.RESOLVED, Status.CLOSED) and window:
        panel.reopen_form = ReopenForm(data if action == REOPEN else None, prefix=REOPEN)
    if report.status in (Status.RESOLVED, Status.CLOSED) and not window and report.resolved_at:
        panel.suggest_new_report = True
        panel.notice = _(
            "The %(days)d days for rating or reopening this result have passed. If the problem is back, "
            "please send a new report."
        ) % {"days": settings.RATING_WINDOW_DAYS}
    elif report.is_open:
        panel.notice = _("When the unit reports the problem as resolved, you can rate the result here.")
    elif report.status in (Status.REJECTED, Status.DUPLICATE):
        panel.suggest_new_report = True
        panel.notice = _("This report was closed without a result to rate; the reason is given above. "
                         "If the problem is still there, please send a new report.")
    return panel


def handle_post(request, report, token):
    """Perform the posted action. Returns (done, panel): done=True means redirect (PRG)."""
    action = request.POST.get("action")
    panel = build_panel(report, request.POST, action)
    form = panel.rating_form if action == RATE else panel.reopen_form if action == REOPEN else None
    if form is None:
        # The form was on screen but the report moved on (rated elsewhere, window closed).
        panel.errors.append((_("This action is no longer possible for this report."), "citizen-actions"))
        return False, panel
    if not form.is_valid():
        panel.errors.extend(error_summary(form))
        return False, panel
    try:
        if action == RATE:
            workflow.apply(report, "rate", workflow.Citizen(token), **form.cleaned_data)
        else:
            workflow.apply(report, "reopen", workflow.Citizen(token), **form.cleaned_data)
    except workflow.WorkflowError as error:
        panel.errors.append((str(error), "citizen-actions"))
        return False, panel
    messages.success(request, _thanks(action, form.cleaned_data))
    return True, panel


def _thanks(action, data):
    if action == RATE and data["rating"] == Rating.SATISFIED:
        return _("Thank you for your rating. The report is now closed.")
    return _("Thank you. The report has been reopened and sent back to the unit, with a new deadline.")
