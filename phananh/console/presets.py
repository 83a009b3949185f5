"""Default queue views and the one-tap quick views above the filters.

A coordinator opens the console to triage, so their default is the reports
waiting for a decision; unit staff open it to work, so theirs is everything
their unit still has open (`units.access` already limits them to their unit).
"""

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from phananh.reports.models import Status
from phananh.units.access import coordinator_scopes

from . import queue

# "q" (the search) is kept with the page cursor; a quick view starts a new search.
FILTER_KEYS = ("status", "category", "unit", "ward", "overdue", "mine", "extension", "q")
# Filters hidden in the collapsible panel (status has quick views).
EXTRA_KEYS = ("category", "unit", "ward")


@dataclass
class Preset:
    label: str
    query: str
    active: bool


def is_coordinator(user):
    return user.is_superuser or bool(coordinator_scopes(user))


def default_status(user):
    return Status.SUBMITTED.value if is_coordinator(user) else queue.OPEN


def with_defaults(get, user):
    """The GET parameters with the default status when none was chosen."""
    params = get.copy()
    if not params.get("status"):
        params["status"] = default_status(user)
    return params


def _normal(params):
    """The filter part of a query, blank values dropped, for comparisons."""
    return {key: params.get(key) for key in FILTER_KEYS if params.get(key)}


def query_with(params, **extra):
    query = QueryDict(mutable=True)
    for key, value in _normal(params).items():
        query[key] = value
    for key, value in extra.items():
        if value:
            query[key] = value
    return query.urlencode()


def has_extra_filters(params):
    return any(params.get(key) for key in EXTRA_KEYS)


def for_user(user, params):
    if is_coordinator(user):
        views = [
            (_("Needs triage"), {"status": Status.SUBMITTED.value}),
            (_("Extension requests"), {"status": queue.OPEN, "extension": "on"}),
            (_("Overdue"), {"status": queue.OPEN, "overdue": "on"}),
            (_("All open"), {"status": queue.OPEN}),
            (_("Resolved"), {"status": Status.RESOLVED.value}),
            (_("Everything"), {"status": queue.ALL}),
        ]
    else:
        views = [
            (_("Open"), {"status": queue.OPEN}),
            (_("Assigned to me"), {"status": queue.OPEN, "mine": "on"}),
            (_("Overdue"), {"status": queue.OPEN, "overdue": "on"}),
            (_("New, to acknowledge"), {"status": Status.ASSIGNED.value}),
            (_("Resolved"), {"status": Status.RESOLVED.value}),
            (_("Everything"), {"status": queue.ALL}),
        ]
    current = _normal(params)
    return [Preset(str(label), query_with(view), current == view) for label, view in views]
