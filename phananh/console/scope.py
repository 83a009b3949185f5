"""Which units a staff member's pickers offer.

Visibility of reports is decided by `units.access`; this module only narrows
the drop-down lists (route to, filter by unit or ward) to the territory a
person works in, so a ward officer in one province is not offered the 3,000
wards of the whole country.
"""

from django.db.models import Q

from phananh.units.access import coordinator_scopes, memberships, unit_roles
from phananh.units.models import Role, Unit, UnitKind

HANDLING_KINDS = (UnitKind.WARD, UnitKind.DEPARTMENT, UnitKind.UTILITY)


def _under(paths):
    """Q for units whose materialised path starts with one of `paths`."""
    if "/" in paths:
        return Q(pk__isnull=False)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition


def territory_paths(user):
    """Path prefixes of the area a person works in: a coordinator's scope, and
    for unit staff the tree their unit hangs in (its parent: the province of a
    ward or of a city utility)."""
    if user.is_superuser:
        return {"/"}
    paths = set(coordinator_scopes(user))
    for m in memberships(user):
        if m.role != Role.COORDINATOR:
            paths.add(m.unit.parent.path if m.unit.parent_id else m.unit.path)
    return paths


def routable_units(user):
    """Active units a coordinator may send reports to."""
    scopes = {"/"} if user.is_superuser else set(coordinator_scopes(user))
    if not scopes:
        return Unit.objects.none()
    return (
        Unit.objects.filter(_under(scopes), is_active=True, kind__in=HANDLING_KINDS)
        .select_related("parent")
        .order_by("kind", "name")
    )


def filter_units(user):
    """Units offered in the queue's unit filter: every handling unit of a
    coordinator's territory, otherwise the person's own units."""
    if user.is_superuser or coordinator_scopes(user):
        return routable_units(user)
    return Unit.objects.filter(pk__in=list(unit_roles(user))).order_by("kind", "name")


def filter_wards(user):
    """Wards and communes (not their police posts) in the person's territory."""
    return Unit.objects.filter(_under(territory_paths(user)), kind=UnitKind.WARD, subtype="").order_by("name")
