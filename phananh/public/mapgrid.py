"""Clusters of a crowded map view from a precomputed grid.

Clustering reads every report in view: fine for a few thousand, about half
a second for 200,000 and seconds for a million (docs/benchmarks.md, "A
million generated reports"). When a view holds more than DENSE_FROM reports,
its clusters come instead from a grid of every located report (of the
view's filter: the website's map has none, API clients may ask for a
status or a category), built with one grouped query and kept for a minute,
like the cluster cache, in the shared cache and in each process (the
MAX_GRIDS filters used last):

- the base level counts the reports and sums their coordinates per cell of
  a fine zoom (as fine as zoom BASE_MAX_ZOOM while the city's extent holds
  at most MAX_BASE_CELLS cells), and keeps the report itself for a cell
  that holds only one;
- each next level sums four cells of the one below. The map's cells at any
  zoom are exactly these cells: both grids are anchored at (-180, -90) and
  their sizes differ by powers of two, so a coarse cell number is the fine
  one halved (floor division), the same number the SQL query computes.

A view then reads at most a few thousand cells of the level of its zoom,
whatever the number of reports. Building the grid reads every located
report (2–3 s for 700,000 on SQLite), so it is a job (tasks.py), never
request work: the first crowded view clusters with SQL and asks for the
grid; a view that finds the grid more than a minute old still answers from
it and asks for a fresh one (at most once a minute per process; the job's
lock drops requests while a build runs). The answer is what
`mapdata._clustered` returns for the same box, except that averages are summed in another order
(identical after rounding to 6 decimals but for a last-digit tie) and that
a report lying exactly on the box's north or east edge belongs to the cell
beyond it (the SQL range includes it, a measure-zero case).
"""

import hashlib
import math
import time
from collections import OrderedDict

from django.core.cache import cache
from django.db.models import Count, F, FloatField, Max, Min, Sum, Value
from django.db.models.functions import Floor

from phananh.reports.models import Category, Report
from phananh.units.models import Area

from . import mapdata

# Views with more reports than this are clustered from the grid; below it
# the SQL clustering costs at most a few tens of milliseconds.
DENSE_FROM = 2_000
BASE_MAX_ZOOM = 18
# A grid of this many base cells takes about 25 MB in a process.
MAX_BASE_CELLS = 100_000
MAX_GRIDS = 4
GRID_SECONDS = mapdata.CLUSTER_CACHE_SECONDS
# A stale grid answers while the job rebuilds it, but not one this old.
FORGET_AFTER = 10 * GRID_SECONDS

# Grids of this process by filter key, least recently used first; when each
# filter's grid was last asked of the job queue.
_grids = OrderedDict()
_asked = {}


class Grid:
    def __init__(self, base_size, base, built_at):
        self.base_size = base_size
        self.built_at = built_at
        # levels[k]: {(x, y): [count, sum of lat, sum of lng, the report when count == 1]}
        self.levels = [base]
        while len(self.levels[-1]) > 1:
            self.levels.append(_coarser(self.levels[-1]))

    def clusters(self, query, size):
        """The map answer for `query` clustered with cells of `size` degrees,
        or None when the cells are finer than the grid's."""
        ratio = size / self.base_size
        level = round(math.log2(ratio)) if ratio >= 1 else -1
        if level < 0 or 2 ** level * self.base_size != size:
            return None
        top = len(self.levels) - 1
        cells, shift = self.levels[min(level, top)], max(0, level - top)
        # The cell numbers of the box snapped to whole cells, as mapdata.snap_to_cells.
        x0, x1 = _span(query.west, query.east, 180, size)
        y0, y1 = _span(query.south, query.north, 90, size)
        found = []
        if shift == 0 and (x1 - x0 + 1) * (y1 - y0 + 1) <= len(cells):
            for y in range(y0, y1 + 1):
                for x in range(x0, x1 + 1):
                    cell = cells.get((x, y))
                    if cell is not None:
                        found.append((y, x, cell))
        else:
            merged = {}
            for (x, y), cell in cells.items():
                x, y = x >> shift, y >> shift
                if x0 <= x <= x1 and y0 <= y <= y1:
                    merged[(x, y)] = _add(merged.get((x, y)), cell)
            found = [(y, x, cell) for (x, y), cell in merged.items()]
        found.sort(key=lambda item: (item[0], item[1]))
        clusters, reports = [], []
        for _y, _x, (count, sum_lat, sum_lng, one) in found:
            if count == 1:
                reports.append(dict(one))
            else:
                clusters.append({"lat": round(sum_lat / count, mapdata.DECIMALS),
                                 "lng": round(sum_lng / count, mapdata.DECIMALS), "count": count})
        reports.sort(key=lambda r: r["code"])
        return {"clusters": clusters, "reports": reports}


def _span(low, high, offset, size):
    count = round(2 * offset / size)
    return max(0, math.floor((low + offset) / size)), min(count - 1, math.floor((high + offset) / size))


def _add(total, cell):
    if total is None:
        return list(cell)
    return [total[0] + cell[0], total[1] + cell[1], total[2] + cell[2], None]


def _coarser(cells):
    up = {}
    for (x, y), cell in cells.items():
        key = (x >> 1, y >> 1)
        up[key] = _add(up.get(key), cell)
    return up


def is_crowded(data):
    """True when a map answer counts more than DENSE_FROM reports."""
    return len(data["reports"]) + sum(c["count"] for c in data["clusters"]) > DENSE_FROM


def filter_key(query):
    """(statuses, category code) of a MapQuery, as plain values for the job queue."""
    return (sorted(str(s) for s in query.statuses) if query.statuses else None, query.category)


def _cache_key(key):
    return "public:map-grid:v2:" + hashlib.sha256(repr(key).encode()).hexdigest()


def crowded_view(query, size):
    """The answer from the grid of the query's filter when one is at hand
    (this process's, or the shared cache's; without any SQL) and the view
    holds more than DENSE_FROM reports by its count; else None, and the
    caller clusters with SQL. A grid older than GRID_SECONDS still answers,
    and is rebuilt meanwhile."""
    key = filter_key(query)
    local = repr(key)
    grid = _grids.get(local)
    if grid is None or _stale(grid):
        shared = cache.get(_cache_key(key))
        if shared is not None and (grid is None or shared.built_at > grid.built_at):
            grid = _keep(local, shared)
    if grid is not None and time.time() - grid.built_at >= FORGET_AFTER:
        # Nobody looked at this map for a while: its counts are too old to show even once.
        _grids.pop(local, None)
        grid = None
    if grid is None:
        return None
    _grids.move_to_end(local)
    data = grid.clusters(query, size)
    if data is None or not is_crowded(data):
        return None
    if _stale(grid):
        request_rebuild(query)
    return data


def _keep(local, grid):
    _grids[local] = grid
    _grids.move_to_end(local)
    while len(_grids) > MAX_GRIDS:
        _grids.popitem(last=False)
    return grid


def _stale(grid):
    return time.time() - grid.built_at >= GRID_SECONDS


def base_size():
    """The finest cell size (a zoom's, down to BASE_MAX_ZOOM) at which the
    areas' extent holds at most MAX_BASE_CELLS cells. Only the size depends
    on the extent: reports outside every area still get their cell."""
    box = Area.objects.aggregate(w=Min("min_lng"), s=Min("min_lat"), e=Max("max_lng"), n=Max("max_lat"))
    if box["w"] is None:
        box = Report.objects.filter(lat__isnull=False, lng__isnull=False).aggregate(
            w=Min("lng"), s=Min("lat"), e=Max("lng"), n=Max("lat"))
    width, height = (box["e"] - box["w"], box["n"] - box["s"]) if box["w"] is not None else (0.0, 0.0)
    for zoom in range(BASE_MAX_ZOOM, -1, -1):
        size = 360.0 / (2 ** zoom * mapdata.CELLS_PER_TILE)
        if (width / size + 1) * (height / size + 1) <= MAX_BASE_CELLS:
            return size
    return 360.0 / mapdata.CELLS_PER_TILE


def build(statuses=None, category=None):
    """The grid of the located reports with one of `statuses` (when given)
    in category `category` (a code, when given)."""
    size = base_size()
    codes = dict(Category.objects.values_list("pk", "code"))
    located = Report.objects.filter(lat__isnull=False, lng__isnull=False)
    if statuses:
        located = located.filter(status__in=statuses)
    if category:
        located = located.filter(category__code=category)
    rows = (
        located.order_by()
        .annotate(cell_x=Floor((F("lng") + Value(180.0)) / Value(size), output_field=FloatField()),
                  cell_y=Floor((F("lat") + Value(90.0)) / Value(size), output_field=FloatField()))
        .values("cell_x", "cell_y")
        .annotate(count=Count("id"), sum_lat=Sum("lat"), sum_lng=Sum("lng"), code=Min("code"),
                  one_status=Min("status"), one_outcome=Min("outcome"), one_category=Min("category_id"),
                  one_lat=Min("lat"), one_lng=Min("lng"))
    )
    base = {}
    for row in rows.iterator(chunk_size=5000):
        one = None
        if row["count"] == 1:
            # Only meaningful for a cell with one report, which is then sent as that report.
            one = (("code", row["code"]), ("lat", row["one_lat"]), ("lng", row["one_lng"]),
                   ("status", row["one_status"]), ("category", codes.get(row["one_category"], "")),
                   ("outcome", row["one_outcome"] or ""))
        base[(int(row["cell_x"]), int(row["cell_y"]))] = [row["count"], row["sum_lat"], row["sum_lng"], one]
    return Grid(size, base, time.time())


def request_rebuild(query):
    """Ask the job queue for a fresh grid of the query's filter, at most once
    a minute per filter and process."""
    from .tasks import rebuild_map_grid

    key = filter_key(query)
    now = time.monotonic()
    if now - _asked.get(repr(key), -math.inf) < GRID_SECONDS:
        return
    _asked[repr(key)] = now
    rebuild_map_grid(*key)


def refresh(statuses=None, category=None):
    """Build the grid of a filter and share it (what the job does)."""
    key = (sorted(statuses) if statuses else None, category)
    grid = _keep(repr(key), build(statuses, category))
    cache.set(_cache_key(key), grid, FORGET_AFTER)
    return grid


def current(statuses=None, category=None):
    """This process's grid of a filter, or None."""
    return _grids.get(repr((sorted(statuses) if statuses else None, category)))


def forget():
    _grids.clear()
    _asked.clear()
