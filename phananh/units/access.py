"""Who may see and act on which reports.

A coordinator covers the subtree of the coordinator unit's parent (the whole
install when it has none). Unit staff see only what their own unit holds.
Memberships are read once per request and kept on the user object.
"""

from django.db.models import Q

from .models import Role


def memberships(user):
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, "_phananh_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("unit", "unit__parent"))
        user._phananh_memberships = cached
    return cached


def coordinator_scopes(user):
    """Path prefixes of the territory each coordinator membership covers."""
    scopes = []
    for m in memberships(user):
        if m.role == Role.COORDINATOR:
            scopes.append(m.unit.parent.path if m.unit.parent_id else "/")
    return scopes


def unit_roles(user):
    """{unit_id: role} for memberships in handling units."""
    return {m.unit_id: m.role for m in memberships(user) if m.role != Role.COORDINATOR}


def is_staff_member(user):
    return bool(memberships(user))


def roles_on(user, report):
    """The roles `user` holds with respect to one report."""
    roles = set()
    scopes = coordinator_scopes(user)
    if scopes:
        ward_path = report.ward.path if report.ward_id else None
        if ward_path is None or any(ward_path.startswith(scope) for scope in scopes):
            roles.add(Role.COORDINATOR)
    role = unit_roles(user).get(report.unit_id) if report.unit_id else None
    if role:
        roles.add(role)
    return roles


def visible_reports_filter(user):
    """A Q selecting the reports `user` may see in the staff console."""
    if user.is_superuser:
        return Q(pk__isnull=False)
    scopes = coordinator_scopes(user)
    if "/" in scopes:
        return Q(pk__isnull=False)
    condition = Q(pk__in=[])
    if scopes:
        condition |= Q(ward__isnull=True)
    for scope in scopes:
        condition |= Q(ward__path__startswith=scope)
    units = list(unit_roles(user))
    if units:
        condition |= Q(unit_id__in=units)
    return condition


def can_see_reporter(user, report):
    """Confidential reports hide the reporter from unit staff; coordinators
    need the contact to call back, so they always see it."""
    roles = roles_on(user, report)
    if Role.COORDINATOR in roles:
        return True
    return bool(roles) and not report.confidential
