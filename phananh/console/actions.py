"""The staff actions offered on a report page, and running one.

Which actions a person gets is `workflow.allowed_actions`; this module adds
what the page needs around each one (heading, button, success message,
whether it is destructive) and turns a submitted form into one
`workflow.apply` call.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


L = gettext_lazy
ACTIONS = {a.name: a for a in (
    Action("accept", L("Acknowledge"), L("Acknowledge: our unit handles it"),
           L("Report %(code)s acknowledged.")),
    Action("start", L("Start work"), L("Start work"), L("Work on report %(code)s has started.")),
    Action("assign_officer", L("Assign an officer"), L("Assign"), L("Officer assigned to report %(code)s.")),
    Action("resolve", L("Resolve"), L("Resolve the report"), L("Report %(code)s resolved.")),
    Action("request_extension", L("Ask for more time"), L("Send the request"),
           L("Extension requested for report %(code)s."), "secondary"),
    Action("return", L("Return: not our unit"), L("Return to the coordinator"),
           L("Report %(code)s returned to the coordinator."), "secondary",
           L("Your unit will no longer see this report.")),
    Action("route", L("Send to a unit"), L("Send"), L("Report %(code)s sent to the unit."), start_open=True),
    Action("reclassify", L("Change the category"), L("Change category"),
           L("Category of report %(code)s changed."), "secondary"),
    Action("approve_extension", L("Approve the extension"), L("Approve the extension"),
           L("Extension approved for report %(code)s.")),
    Action("decline_extension", L("Decline the extension"), L("Decline the extension"),
           L("Extension declined for report %(code)s."), "secondary"),
    Action("close", L("Close"), L("Close the report"), L("Report %(code)s closed."), "secondary"),
    Action("reject", L("Reject this report (public)"), L("Reject the report"),
           L("Report %(code)s rejected."), "danger",
           L("This closes the report for good. The reason is published and sent to the citizen.")),
    Action("merge", L("Mark as duplicate of another report"), L("Close as duplicate"),
           L("Report %(code)s closed as a duplicate."), "danger",
           L("This closes the report for good; the citizen is pointed to the original report.")),
    Action("note", L("Add an internal note"), L("Add note"), L("Note added to report %(code)s."), "secondary"),
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
        return _("You are not allowed to do this on report %(code)s.") % {"code": report.code}, 403
    if report.status not in transition.sources:
        return _("This cannot be done while the report is “%(status)s”.") % {
            "status": report.get_status_display()}, 409
    return None


def perform(form, report, user):
    """Run the action of a valid form; WorkflowError propagates to the view."""
    return workflow.apply(report, form.action, user, **form.workflow_data())
