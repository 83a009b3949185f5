"""What the public map shows in a bounding box: single reports, or grid clusters.

A phone cannot draw 50,000 markers and nobody can read them, so when more
than MAX_SINGLE_REPORTS public reports fall inside the view, the database
groups them on a grid and returns one averaged point per cell. The grid is
anchored at (-180, -90) rather than at the view, so clusters stay put while
the map is panned, and its cell is a quarter of a map tile at the requested
zoom (about 64 screen pixels). The cell number is FLOOR((coordinate + offset)
/ size) in SQL, which SQLite (Django's FLOOR) and PostgreSQL compute the same
way on the same doubles; averages are rounded to 6 decimals (~10 cm) so the
two databases answer identically.

Clustering reads every report in view, so it is the expensive case (about
half a second for 200,000 reports in view). Its box is widened to whole grid
cells, which keeps the edge clusters complete, and the answer is cached for
CLUSTER_CACHE_SECONDS under those cell numbers: everybody opening the same
city view shares one computation, and counts are at most a minute old.
"""

import hashlib
import math
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db.models import Avg, Count, F, FloatField, Min, Value
from django.db.models.functions import Floor
from django.utils.translation import gettext as _

from phananh.reports.models import Category, Report

from .statuses import statuses_for

MAX_SINGLE_REPORTS = 200
CELLS_PER_TILE = 4
# A huge box at a high zoom would make millions of tiny cells; coarsen the grid instead.
MAX_CELLS = 4096
MAX_ZOOM = 22
DECIMALS = 6
CLUSTER_CACHE_SECONDS = 60


class MapQueryError(Exception):
    """Bad map parameters. status 400: cannot be read; 422: read but not acceptable."""

    def __init__(self, field, message, status=400):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@dataclass(frozen=True)
class MapQuery:
    west: float
    south: float
    east: float
    north: float
    zoom: int
    statuses: tuple | None = None
    category: str | None = None


def parse_query(bbox, zoom, status=None, category=None):
    """Validate raw query-string values into a MapQuery, or raise MapQueryError."""
    west, south, east, north = _parse_bbox(bbox)
    zoom_level = _parse_zoom(zoom)
    statuses = None
    if status:
        statuses = statuses_for(status.strip())
        if statuses is None:
            raise MapQueryError(
                "status", _("Unknown status “%(value)s”. Use a status (e.g. in_progress) or a group "
                            "(open, resolved, closed, rejected, duplicate).") % {"value": status}, 422,
            )
    category = (category or "").strip() or None
    if category and not Category.objects.filter(code=category).exists():
        raise MapQueryError("category", _("Unknown category “%(value)s”.") % {"value": category}, 422)
    return MapQuery(west, south, east, north, zoom_level, statuses, category)


def _parse_bbox(raw):
    if not raw:
        raise MapQueryError("bbox", _("bbox is required: west,south,east,north in degrees."))
    parts = raw.split(",")
    if len(parts) != 4:
        raise MapQueryError("bbox", _("bbox needs exactly 4 numbers: west,south,east,north."))
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise MapQueryError("bbox", _("bbox must contain only numbers: west,south,east,north."))
    if any(v != v or v in (float("inf"), float("-inf")) for v in (west, south, east, north)):
        raise MapQueryError("bbox", _("bbox must contain only finite numbers."))
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise MapQueryError("bbox", _("Longitudes in bbox must be between -180 and 180."), 422)
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise MapQueryError("bbox", _("Latitudes in bbox must be between -90 and 90."), 422)
    if west >= east:
        raise MapQueryError("bbox", _("In bbox, west must be smaller than east."), 422)
    if south >= north:
        raise MapQueryError("bbox", _("In bbox, south must be smaller than north."), 422)
    return west, south, east, north


def _parse_zoom(raw):
    if raw is None or str(raw).strip() == "":
        raise MapQueryError("zoom", _("zoom is required: a whole number from 0 to 22."))
    try:
        zoom = int(str(raw).strip())
    except ValueError:
        raise MapQueryError("zoom", _("zoom must be a whole number from 0 to 22."))
    if not 0 <= zoom <= MAX_ZOOM:
        raise MapQueryError("zoom", _("zoom must be between 0 and 22."), 422)
    return zoom


def cell_size(query):
    """Grid cell in degrees for this zoom, doubled until the box holds at most MAX_CELLS."""
    size = 360.0 / (2 ** query.zoom * CELLS_PER_TILE)
    while ((query.east - query.west) / size + 1) * ((query.north - query.south) / size + 1) > MAX_CELLS:
        size *= 2
    return size


def reports_in_box(query):
    """Public reports inside the box (every status; never any reporter data).

    The lat/lng range uses the report_location index."""
    qs = Report.objects.filter(
        lat__gte=query.south, lat__lte=query.north, lng__gte=query.west, lng__lte=query.east,
    )
    if query.statuses:
        qs = qs.filter(status__in=query.statuses)
    if query.category:
        qs = qs.filter(category__code=query.category)
    return qs.order_by()


def map_data(query):
    """{"clusters": [...], "reports": [...]} for the map API (DESIGN §8).

    Each report also carries its `outcome` (beyond the DESIGN contract, which
    it only extends) so the map can tell "closed, fixed" from "closed, not fixed"."""
    box = reports_in_box(query)
    # One bounded read decides the mode: at most MAX_SINGLE_REPORTS + 1 rows.
    singles = list(
        box.values("code", "lat", "lng", "status", "outcome", category_code=F("category__code"))[
            : MAX_SINGLE_REPORTS + 1
        ]
    )
    if len(singles) <= MAX_SINGLE_REPORTS:
        return {"clusters": [], "reports": sorted((_report(row) for row in singles), key=lambda r: r["code"])}
    size = cell_size(query)
    from . import mapgrid  # it builds on this module

    # A crowded view: from the precomputed grid (mapgrid), without reading
    # each report, when there is one for the query's filter.
    data = mapgrid.crowded_view(query, size)
    if data is not None:
        return data
    whole_cells = snap_to_cells(query, size)
    key = _cache_key(whole_cells, size)
    data = cache.get(key)
    if data is None:
        data = _clustered(reports_in_box(whole_cells), size)
        cache.set(key, data, CLUSTER_CACHE_SECONDS)
        if mapgrid.is_crowded(data):
            mapgrid.request_rebuild(query)  # so that the next crowded views need not read every report
    return data


def snap_to_cells(query, size):
    """The query's box widened outwards to whole grid cells (within the world)."""
    return replace(
        query,
        west=max(-180.0, math.floor((query.west + 180) / size) * size - 180),
        south=max(-90.0, math.floor((query.south + 90) / size) * size - 90),
        east=min(180.0, (math.floor((query.east + 180) / size) + 1) * size - 180),
        north=min(90.0, (math.floor((query.north + 90) / size) + 1) * size - 90),
    )


def _cache_key(query, size):
    raw = repr((size, query.west, query.south, query.east, query.north, query.statuses, query.category))
    return "public:map-clusters:v1:" + hashlib.sha256(raw.encode()).hexdigest()


def _clustered(box, size):
    cells = (
        box.annotate(
            cell_x=Floor((F("lng") + Value(180.0)) / Value(size), output_field=FloatField()),
            cell_y=Floor((F("lat") + Value(90.0)) / Value(size), output_field=FloatField()),
        )
        .values("cell_x", "cell_y")
        .annotate(
            count=Count("id"), avg_lat=Avg("lat"), avg_lng=Avg("lng"),
            # Meaningful only for a cell with one report, which is then sent as that report.
            code=Min("code"), one_status=Min("status"), one_outcome=Min("outcome"), category_code=Min("category__code"),
            one_lat=Min("lat"), one_lng=Min("lng"),
        )
        .order_by("cell_y", "cell_x")
    )
    clusters, reports = [], []
    for cell in cells:
        if cell["count"] == 1:
            reports.append(_report({
                "code": cell["code"], "lat": cell["one_lat"], "lng": cell["one_lng"],
                "status": cell["one_status"], "outcome": cell["one_outcome"], "category_code": cell["category_code"],
            }))
        else:
            clusters.append({
                "lat": round(cell["avg_lat"], DECIMALS), "lng": round(cell["avg_lng"], DECIMALS),
                "count": cell["count"],
            })
    reports.sort(key=lambda r: r["code"])
    return {"clusters": clusters, "reports": reports}


def _report(row):
    return {
        "code": row["code"], "lat": row["lat"], "lng": row["lng"],
        "status": row["status"], "category": row["category_code"], "outcome": row["outcome"] or "",
    }
