"""The staff actions offered on a report page, and running one.

Which actions a person gets is `workflow.allowed_actions`; this module adds
what the page needs around each one (heading, button, success message,
whether it is destructive) and turns a submitted form into one
`workflow.apply` call.
"""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phananh.reports import workflow
from phananh.units.access import roles_on, unit_roles
from phananh.units.models import Role

from .forms import ACTION_FORMS


@dataclass(frozen=True)
class Action:
    name: str
    title: object       # heading of the form (lazy translation)
    button: object      # text of the submit button
    done: object        # success message, %(code)s is the report
    style: str = "primary"  # "primary", "secondary" or "danger"
    warning: object = ""    # what cannot be undone, said before the button
    start_open: bool = False  # the form most people come for: unfolded at once

    @property
    def form_class(self):
        return ACTION_FORMS[self.name]

    @property
    def quick(self):
        """True when the form has no fields: shown as a lone button."""
        return not self.form_class.base_fields


ACTIONS = {a.name: a for a in (
    Action("accept", _("Acknowledge"), _("Acknowledge: our unit handles it"),
           _("Report %(code)s acknowledged.")),
    Action("start", _("Start work"), _("Start work"), _("Work on report %(code)s has started.")),
    Action("assign_officer", _("Assign an officer"), _("Assign"), _("Officer assigned to report %(code)s.")),
    Action("resolve", _("Resolve"), _("Resolve the report"), _("Report %(code)s resolved.")),
    Action("request_extension", _("Ask for more time"), _("Send the request"),
           _("Extension requested for report %(code)s."), "secondary"),
    Action("return", _("Return: not our unit"), _("Return to the coordinator"),
           _("Report %(code)s returned to the coordinator."), "secondary",
           _("Your unit will no longer see this report.")),
    Action("route", _("Send to a unit"), _("Send"), _("Report %(code)s sent to the unit."), start_open=True),
    Action("reclassify", _("Change the category"), _("Change category"),
           _("Category of report %(code)s changed."), "secondary"),
    Action("approve_extension", _("Approve the extension"), _("Approve the extension"),
           _("Extension approved for report %(code)s.")),
    Action("decline_extension", _("Decline the extension"), _("Decline the extension"),
           _("Extension declined for report %(code)s."), "secondary"),
    Action("reset_deadlines", _("Restart the deadlines"), _("Restart the deadlines from now"),
           _("Deadlines of report %(code)s start again from now."), "secondary"),
    Action("close", _("Close"), _("Close the report"), _("Report %(code)s closed."), "secondary"),
    Action("reject", _("Reject this report (public)"), _("Reject the report"),
           _("Report %(code)s rejected."), "danger",
           _("This closes the report for good. The reason is published and sent to the citizen.")),
    Action("merge", _("Mark as duplicate of another report"), _("Close as duplicate"),
           _("Report %(code)s closed as a duplicate."), "danger",
           _("This closes the report for good; the citizen is pointed to the original report.")),
    Action("note", _("Add an internal note"), _("Add note"), _("Note added to report %(code)s."), "secondary"),
)}


def offered(report, user):
    """The Actions `user` can take on `report` now, in page order."""
    allowed = set(workflow.allowed_actions(report, user))
    result = []
    for action in ACTIONS.values():
        if action.name not in allowed:
            continue
        if action.name == "assign_officer" and report.assignee_id == user.pk and not _is_head(report, user):
            continue  # an officer already holding it has nothing to take
        if action.name in ("approve_extension", "decline_extension") and not report.extension_requested_until:
            continue
        result.append(action)
    return result


def _is_head(report, user):
    return unit_roles(user).get(report.unit_id) == Role.HEAD


def refusal(report, user, name):
    """(message, HTTP status) when `user` may not take action `name` on
    `report` now, else None. The messages are the workflow's own."""
    transition = workflow.TRANSITIONS[name]
    if not roles_on(user, report) & transition.roles:
        return gettext("You are not allowed to do this on report %(code)s.") % {"code": report.code}, 403
    if report.status not in transition.sources:
        return gettext("This cannot be done while the report is “%(status)s”.") % {
            "status": report.get_status_display()}, 409
    return None


def perform(form, report, user):
    """Run the action of a valid form; WorkflowError propagates to the view."""
    return workflow.apply(report, form.action, user, **form.workflow_data())
