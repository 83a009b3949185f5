"""The deployment the generated reports happen in, read once from the database.

Wards are the units that own an `Area`; where each category goes in each
ward is asked of `phananh.units.routing.decide` (once per pair), so the
generated routing is what the workflow would have decided; staff are the
real memberships. Points are drawn inside the ward polygons: most spread
over the ward, some clustered around a few hot spots per ward (a market, a
flood-prone junction) that also favour one kind of problem, the way real
reports bunch up.
"""

from dataclasses import dataclass, field

import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.ops import unary_union

from phananh.reports.models import Category
from phananh.units import routing
from phananh.units.models import Area, Membership, Role, Unit

from .bulk_random import Weighted
from .history import CATEGORY_WEIGHTS

# Category weights of the demo, plus the catch-all the demo adds on its own.
OTHER = "khac"
WEIGHTS = {**CATEGORY_WEIGHTS, OTHER: 3}
DEFAULT_WEIGHT = 2  # a category this module does not know (added by an operator)
# Seasons of Ho Chi Minh City: rain from May to November floods streets and
# brings trees down; the dry months bring smoke and dust.
RAINY_MONTHS = frozenset(range(5, 12))
SEASONAL = {"ngap-nuoc": (2.5, 0.3), "cay-xanh": (1.6, 0.7), "ho-ga-nap-cong": (1.3, 0.8),
            "o-nhiem-khong-khi": (0.7, 1.6)}
HOT_SPOT_SHARE = 0.35
# Inside the polygon by about two metres, so that rounding to six decimals
# never moves a point onto a neighbour's edge.
INNER_MARGIN = 0.00002


class NotReady(Exception):
    """The database lacks what reports need (areas, categories); the message says what to run."""


@dataclass
class HotSpot:
    lat: float
    lng: float
    sigma: float         # degrees
    category: object     # the problem it is known for


@dataclass
class Ward:
    unit: Unit
    region: object       # shapely geometry, points are drawn inside it
    bounds: tuple
    weight: float
    overlaps: bool       # shares ground with another area: check each point with routing
    streets: list = field(default_factory=list)
    hot_spots: list = field(default_factory=list)


@dataclass
class Staff:
    heads: list
    officers: list


class City:
    def __init__(self, rng):
        self.rng = rng
        self.categories = list(Category.objects.filter(is_active=True).order_by("pk"))
        if not self.categories:
            raise NotReady("There are no report categories: run `manage.py load_categories` (or `load_demo`) first.")
        self.by_code = {c.code: c for c in self.categories}
        self.other = self.by_code.get(OTHER)
        self.units = {u.pk: u for u in Unit.objects.all()}
        self._load_wards()
        self._load_staff()
        self._decisions = {}

    # --- places ---------------------------------------------------------------------

    def _load_wards(self):
        shapes = {}
        for area in Area.objects.filter(unit__is_active=True).order_by("pk"):
            shapes.setdefault(area.unit_id, []).append(shape(area.geometry))
        if not shapes:
            raise NotReady(
                "No ward has an area to place reports in. Run `manage.py load_demo` for the demo city, or "
                "`manage.py generate_areas PARENT --bbox W,S,E,N --output FILE` and `manage.py import_areas FILE "
                "--synthetic` for your own wards."
            )
        geometries = {pk: unary_union(parts) for pk, parts in shapes.items()}
        ids = list(geometries)
        tree = STRtree([geometries[pk] for pk in ids])
        self.wards = []
        for pk in ids:
            geometry = geometries[pk]
            overlaps = any(ids[i] != pk and geometry.intersection(geometries[ids[i]]).area > 0
                           for i in tree.query(geometry, predicate="intersects"))
            inner = geometry.buffer(-INNER_MARGIN)
            region = inner if not inner.is_empty else geometry
            shapely.prepare(region)
            unit = self.units[pk]
            self.wards.append(Ward(unit=unit, region=region, bounds=region.bounds, overlaps=overlaps,
                                   weight=self.rng.lognormvariate(0, 0.6) * geometry.area ** 0.5))
        self.ward_choice = Weighted((self.wards, [w.weight for w in self.wards]))
        self.area_index = routing.area_index() if any(w.overlaps for w in self.wards) else None
        for ward in self.wards:
            ward.hot_spots = [self._hot_spot(ward) for _ in range(self.rng.randint(1, 4))]

    def _hot_spot(self, ward):
        lat, lng = self._uniform_point(ward)
        problems = [c for c in self.categories if c.code != OTHER] or self.categories
        category = Weighted((problems, [WEIGHTS.get(c.code, DEFAULT_WEIGHT) for c in problems])).pick(self.rng)
        return HotSpot(lat, lng, self.rng.uniform(0.0004, 0.0012), category)

    def pick_ward(self, rng):
        return self.ward_choice.pick(rng)

    def point_in(self, rng, ward, spot=None):
        """(lat, lng, ward): a point of `ward`, around `spot` when given. The
        ward is the one routing would find for the point."""
        lat = lng = None
        if spot is not None:
            for _attempt in range(10):
                lat = round(rng.gauss(spot.lat, spot.sigma), 6)
                lng = round(rng.gauss(spot.lng, spot.sigma), 6)
                if shapely.contains_xy(ward.region, lng, lat):
                    break
            else:
                lat = None
        if lat is None:
            lat, lng = self._uniform_point(ward, rng)
        if ward.overlaps:
            found = self.area_index.unit_at(lat, lng)
            if found != ward.unit.pk:
                ward = next((w for w in self.wards if w.unit.pk == found), ward)
        return lat, lng, ward

    def _uniform_point(self, ward, rng=None):
        rng = rng or self.rng
        west, south, east, north = ward.bounds
        for _attempt in range(1000):
            lng, lat = round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6)
            if shapely.contains_xy(ward.region, lng, lat):
                return lat, lng
        # A sliver of a ward: its representative point is inside by definition.
        point = ward.region.representative_point()
        return round(point.y, 6), round(point.x, 6)

    # --- categories -------------------------------------------------------------------

    def category_choice(self, month):
        """Weighted categories of a month (the season changes what goes wrong)."""
        rainy = month in RAINY_MONTHS
        weights = []
        for category in self.categories:
            weight = WEIGHTS.get(category.code, DEFAULT_WEIGHT)
            if category.code in SEASONAL:
                weight *= SEASONAL[category.code][0 if rainy else 1]
            weights.append(weight)
        return Weighted((self.categories, weights))

    def same_handler(self, category, rng):
        """Another category handled by the same kind of unit (what a
        coordinator's reclassification typically swaps), or None."""
        others = [c for c in self.categories if c.handler == category.handler and c.pk != category.pk]
        return rng.choice(others) if others else None

    # --- routing and people -------------------------------------------------------------

    def decide(self, category, ward_unit):
        """routing.decide for a category in a ward (None: no location).

        The decision depends on the category only through its handler kind
        and its code in the reason, so one call per handler kind and ward
        serves every category (each query-heavy call costs milliseconds)."""
        key = (category.handler, ward_unit.pk if ward_unit else None)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decisions[key] = routing.decide(category, ward_unit, has_location=ward_unit is not None)
        if decision.params.get("category") == category.code:
            return decision
        return routing.Decision(decision.unit, decision.reason, {**decision.params, "category": category.code})

    def _load_staff(self):
        self.staff = {}
        self.coordinators = []
        memberships = Membership.objects.filter(user__is_active=True).select_related("user", "unit__parent")
        for m in memberships.order_by("pk"):
            if m.role == Role.COORDINATOR:
                scope = m.unit.parent.path if m.unit.parent_id else "/"
                self.coordinators.append((m.user, scope))
                continue
            staff = self.staff.setdefault(m.unit_id, Staff([], []))
            (staff.heads if m.role == Role.HEAD else staff.officers).append(m.user)
        self._coordinators_by_ward = {}

    def coordinator_for(self, ward_unit, rng):
        """A coordinator whose territory holds the ward (any when there is no
        ward), or None when the deployment has none."""
        key = ward_unit.pk if ward_unit else None
        found = self._coordinators_by_ward.get(key)
        if found is None:
            path = ward_unit.path if ward_unit else None
            found = [user for user, scope in self.coordinators if path is None or path.startswith(scope)]
            self._coordinators_by_ward[key] = found
        return rng.choice(found) if found else None

    def staff_of(self, unit_id):
        return self.staff.get(unit_id) or Staff([], [])

    def parent_code(self, unit_id):
        unit = self.units.get(unit_id)
        parent = self.units.get(unit.parent_id) if unit and unit.parent_id else None
        return parent.code if parent else None
