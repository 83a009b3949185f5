"""The resident's own actions on their report: rate the result, or reopen it.

Proof of being the resident is the secret token of the private link (or the
same token remembered in this device's session). All changes go through
`workflow.apply`, which checks the token again and the rating window.

A resolved report offers one form only, the rating, because "not satisfied"
already reopens it; a closed report still inside the rating window offers
the reopen form instead. The thanks after an action are shown inside the
panel, where the person is, not at the top of a long page.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from phananh.lib.codes import token_matches
from phananh.reports import workflow
from phananh.reports.models import Event, Rating, Status

from .forms import RatingForm, ReopenForm, error_summary

RATE, REOPEN = "rate", "reopen"

# Messages carrying this tag are shown in the panel, not in the banner at the top of the page.
PANEL_TAG = "citizen-panel"
# The element the redirect after an action points at: the thanks, inside the panel.
MESSAGE_ANCHOR = "citizen-message"


@dataclass
class Panel:
    """What the resident may do now, with forms (bound after a failed POST)."""

    report: object
    rating_form: RatingForm | None = None
    reopen_form: ReopenForm | None = None
    notices: list = field(default_factory=list)  # sentences on where the report stands for the resident
    suggest_new_report: bool = False  # show a "Send a new report" link after the notices
    window_ends: datetime | None = None  # last moment for rating or reopening
    errors: list = field(default_factory=list)  # (message, anchor id) for the error summary
    messages: list = field(default_factory=list)  # thanks for the action just done


def token_valid(report, token):
    return bool(token) and token_matches(token, report.citizen_token_hash)


def _day(moment):
    return date_format(timezone.localtime(moment), "d/m/Y")


def _last_event(report, types):
    """The newest of the report's events of these types (one indexed query), or None."""
    return Event.objects.filter(report=report, type__in=types).order_by("-seq").only("type", "created_at").first()


def build_panel(report, data=None, action=None):
    """The resident's panel; `data`/`action` re-show a submitted form with its errors."""
    window = workflow.rating_window_open(report)
    panel = Panel(report)
    if report.resolved_at and window:
        panel.window_ends = report.resolved_at + timedelta(days=settings.RATING_WINDOW_DAYS)
    if report.status == Status.RESOLVED and window:
        panel.rating_form = RatingForm(data if action == RATE else None, prefix=RATE)
    # A reopen posted from a page shown while the report was closed is still
    # honoured (the workflow allows it); its form comes back if it had errors.
    if window and (report.status == Status.CLOSED or (report.status == Status.RESOLVED and action == REOPEN)):
        panel.reopen_form = ReopenForm(data if action == REOPEN else None, prefix=REOPEN)

    if report.status == Status.CLOSED:
        panel.notices.append(_closed_notice(report))
    if report.status in (Status.RESOLVED, Status.CLOSED) and not window and report.resolved_at:
        panel.suggest_new_report = True
        panel.notices.append(_(
            "The %(days)d days for rating or reopening this result have passed. If the problem is back, "
            "please send a new report."
        ) % {"days": settings.RATING_WINDOW_DAYS})
    elif report.status == Status.REOPENED:
        reopened = _last_event(report, ["reopened"])
        if reopened is not None:
            panel.notices.append(_("You reopened this report on %(date)s; the unit has to look at it again.")
                                 % {"date": _day(reopened.created_at)})
        else:
            panel.notices.append(_("You reopened this report; the unit has to look at it again."))
    elif report.is_open:
        panel.notices.append(_("When the unit reports the problem as resolved, you can rate the result here."))
    elif report.status in (Status.REJECTED, Status.DUPLICATE):
        panel.suggest_new_report = True
        panel.notices.append(_("This report was closed without a result to rate; the reason is given above. "
                               "If the problem is still there, please send a new report."))
    return panel


def _closed_notice(report):
    """Who closed the report and when: the resident's own rating, or the unit/system without one.

    Read from the last closing event rather than `report.rating`, which may
    still hold the rating of an earlier round before a reopen."""
    closing = _last_event(report, ["rated", "closed"])
    when = closing.created_at if closing is not None else report.closed_at
    if closing is not None and closing.type == "rated":
        return _("You rated the result as satisfactory on %(date)s. The report is closed.") % {"date": _day(when)}
    if when is None:
        return _("This report is closed.")
    return _("This report was closed on %(date)s without a rating from you.") % {"date": _day(when)}


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
    messages.success(request, _thanks(action, form.cleaned_data), extra_tags=PANEL_TAG)
    return True, panel


def split_messages(request):
    """(messages for the page's banner, thanks for the resident's panel).

    Reading the storage marks every message as shown, so both lists must be
    rendered: the view passes the first as the template's `messages`."""
    banner, in_panel = [], []
    for message in messages.get_messages(request):
        (in_panel if PANEL_TAG in (message.extra_tags or "").split() else banner).append(message)
    return banner, in_panel


def _thanks(action, data):
    if action == RATE and data["rating"] == Rating.SATISFIED:
        return _("Thank you for your rating. The report is now closed.")
    return _("Thank you. The report has been reopened and sent back to the unit, with a new deadline.")
