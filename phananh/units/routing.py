"""Point → ward, and (category handler kind, ward) → responsible unit.

The STRtree over all area polygons is built once per process and rebuilt
when an area changes (the version is the newest `updated_at` plus the row
count, checked at most every few seconds), so a lookup costs microseconds;
the units it leads to come from the unit tree each process keeps
(phananh.units.directory) in the same way.
"""

from dataclasses import dataclass

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _
from shapely import STRtree
from shapely.geometry import Point, shape

from phananh.lib.process_copy import ProcessCopy

from . import directory
from .models import Area, Unit, UnitKind

_REFRESH_CHECK_SECONDS = 5
# Relative difference under which two polygon areas count as the same size.
AREA_TIE = 1e-6


class AreaIndex:
    def __init__(self, areas):
        self.area_ids = [a.pk for a in areas]
        self.unit_ids = [a.unit_id for a in areas]
        self.geometries = [shape(a.geometry) for a in areas]
        self.tree = STRtree(self.geometries) if self.geometries else None

    def unit_at(self, lat, lng):
        """Id of the ward whose area contains the point, or None."""
        if self.tree is None:
            return None
        point = Point(lng, lat)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        # Overlapping imports: the smallest polygon is the most specific. A
        # point on a shared edge touches both neighbours, whose areas may
        # differ only by float noise; then the older area wins, so the answer
        # depends neither on rounding nor on the tree's internal order.
        smallest = min(self.geometries[i].area for i in hits)
        tied = [i for i in hits if self.geometries[i].area <= smallest * (1 + AREA_TIE)]
        best = min(tied, key=lambda i: self.area_ids[i])
        return self.unit_ids[best]


def _areas_version():
    agg = Area.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


_areas = ProcessCopy(lambda: AreaIndex(list(Area.objects.only("id", "unit_id", "geometry"))), _areas_version,
                     _REFRESH_CHECK_SECONDS)


def area_index():
    return _areas.get()


def forget_index():
    _areas.forget()


def ward_at(lat, lng):
    unit_id = area_index().unit_at(lat, lng)
    return directory.current().get(unit_id) if unit_id else None


REASONS = {
    "category_coordinator": _("Category “%(category)s” is always triaged by a coordinator."),
    "no_location": _("The report has no location yet; a coordinator must place it."),
    "no_area": _("The location is not inside any known area."),
    "no_unit": _("No active unit of kind “%(handler)s” covers %(ward)s."),
    "handler_kind": _("Category “%(category)s” is handled by: %(handler)s; %(unit)s covers %(ward)s."),
    # Written by phananh.nlp.category_routing when the classifier decided.
    "suggested_category": _(
        "Category “%(category)s” suggested by the classifier (%(percent)s%% sure) for a report filed under a "
        "catch-all category; it is handled by: %(handler)s; %(unit)s covers %(ward)s."
    ),
    "uncertain_category": _(
        "Nobody chose the category and the classifier is not sure enough to route on its suggestion: "
        "a coordinator decides."
    ),
}


@dataclass
class Decision:
    unit: Unit | None
    reason: str
    params: dict

    def explain(self):
        return explain(self.reason, self.params)


def explain(reason, params):
    """The routing reason as a sentence in the reader's language.

    Reasons are read back from events written long ago, so a placeholder the
    stored params lack reads "…" rather than failing the page that shows it."""
    template = REASONS.get(reason)
    if not template:
        return reason
    params = dict(params or {})
    if params.get("category"):
        params["category"] = category_label(params["category"])
    if params.get("handler"):
        params["handler"] = handler_label(params["handler"])
    try:
        return str(template) % _Lenient(params)
    except (TypeError, ValueError):
        return str(template)


SUBTYPE_LABELS = {
    "water": _("water"), "lighting": _("street lighting"), "drainage": _("drainage"), "parks": _("parks and trees"),
    "power": _("power"), "telecom": _("telecom"), "transport": _("transport"), "health": _("health"),
    "education": _("education"), "police": _("police"),
}


def handler_label(handler):
    """"utility:lighting" → "Public utility (street lighting)" in the reader's language."""
    kind, _sep, subtype = (handler or "").partition(":")
    try:
        label = str(UnitKind(kind).label)
    except ValueError:
        return handler
    return f"{label} ({SUBTYPE_LABELS.get(subtype, subtype)})" if subtype else label


def category_label(code):
    from phananh.reports.models import Category

    category = Category.objects.filter(code=code).first()
    return category.name if category else code


class _Lenient(dict):
    def __missing__(self, key):
        return "…"


def parse_handler(handler):
    kind, _sep, subtype = (handler or "").partition(":")
    return kind, subtype


# Kinds that own a territory: a unit of such a kind is responsible only for
# what lies inside it, so one is never borrowed from a neighbouring branch.
TERRITORIAL_KINDS = {UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.WARD}


def responsible_unit(handler, ward):
    """The nearest active unit of the handler kind: the ward itself, then the
    ward's children, then each ancestor (for territorial kinds) or each
    ancestor's children (for utilities, departments) up to the root.

    So "ward" is the ward, "ward:police" the ward's police post, and
    "utility:water" the water company attached to the city above the ward.
    An inactive ward answers None rather than handing its reports to a
    neighbouring ward; the coordinator places them.
    """
    kind, subtype = parse_handler(handler)
    territorial = kind in TERRITORIAL_KINDS
    units = directory.current()
    for depth, level in enumerate(units.ancestors(ward.pk)):
        if level.kind == kind and level.subtype == subtype:
            return level if level.is_active else None
        if territorial and depth > 0:
            continue
        found = units.first_active_child(level.pk, kind, subtype)
        if found:
            return found
    return None


def decide(category, ward, has_location=True):
    """Where a new report should go, and why."""
    params = {"category": category.code, "handler": category.handler}
    kind, _subtype = parse_handler(category.handler)
    if kind == UnitKind.COORDINATOR:
        return Decision(None, "category_coordinator", params)
    if not has_location:
        return Decision(None, "no_location", params)
    if ward is None:
        return Decision(None, "no_area", params)
    params["ward"] = ward.name
    unit = responsible_unit(category.handler, ward)
    if unit is None:
        return Decision(None, "no_unit", params)
    params["unit"] = unit.name
    return Decision(unit, "handler_kind", params)
