"""Synthetic ward boundaries: adjacent cells with irregular shared edges.

The official ward list has no boundaries. Rather than squares, the cells are
cut from one lattice whose interior points are nudged at random, so the
wards look like wards on the map; because neighbours share the same lattice
points, the cells tile the box with no gap and no overlap, which keeps "a
point belongs to exactly one ward" true for routing. The result is labelled
synthetic wherever it is stored.
"""

import json
import random
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from shapely.geometry import Point, shape
from shapely.ops import unary_union

SOURCE = "synthetic demo boundary — not official"
# Central Ho Chi Minh City, (west, south, east, north).
DEMO_BOUNDS = (106.68, 10.76, 106.72, 10.80)


def grid_cells(bounds, rows, cols, *, subdivisions=4, jitter=0.22, seed=79):
    """Polygons (GeoJSON coordinates) for a rows × cols tiling of `bounds`,
    listed row by row from the north-west corner.

    Each cell edge is split into `subdivisions` segments; lattice points not on
    the outer border move by up to `jitter` of a segment in each direction,
    little enough that the edges never cross (import_areas checks anyway).
    """
    west, south, east, north = bounds
    nx, ny = cols * subdivisions, rows * subdivisions
    dx, dy = (east - west) / nx, (north - south) / ny
    rng = random.Random(seed)
    lattice = {}
    for j in range(ny + 1):
        for i in range(nx + 1):
            x, y = west + i * dx, north - j * dy
            if 0 < i < nx:
                x += rng.uniform(-jitter, jitter) * dx
            if 0 < j < ny:
                y += rng.uniform(-jitter, jitter) * dy
            lattice[i, j] = (round(x, 6), round(y, 6))
    cells = []
    for row in range(rows):
        for col in range(cols):
            i0, j0 = col * subdivisions, row * subdivisions
            i1, j1 = i0 + subdivisions, j0 + subdivisions
            # Walk the cell's border counter-clockwise on the map: down the west
            # side, east along the south, up the east side, west along the north.
            ring = [lattice[i0, j] for j in range(j0, j1)]
            ring += [lattice[i, j1] for i in range(i0, i1)]
            ring += [lattice[i1, j] for j in range(j1, j0, -1)]
            ring += [lattice[i, j0] for i in range(i1, i0, -1)]
            ring.append(ring[0])
            cells.append([[list(p) for p in ring]])
    return cells


def feature_collection(wards, bounds=DEMO_BOUNDS, cols=4, seed=79):
    """GeoJSON for `wards` ([(code, name)...]) laid out cols per row from the
    north-west; properties carry the code and name that import_areas reads."""
    rows = -(-len(wards) // cols)
    cells = grid_cells(bounds, rows, cols, seed=seed)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": code, "name": name, "synthetic": True},
             "geometry": {"type": "Polygon", "coordinates": cell}}
            for (code, name), cell in zip(wards, cells, strict=False)
        ],
    }


def import_synthetic_areas(wards, stdout=None):
    """Store synthetic areas for `wards` through the import_areas command, so
    the demo goes through the same validation as a real GeoJSON import."""
    data = feature_collection(wards)
    with tempfile.TemporaryDirectory(prefix="phananh-demo-") as folder:
        path = Path(folder) / "demo-wards.geojson"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        call_command("import_areas", str(path), synthetic=True, source=SOURCE, stdout=stdout or StringIO())


class PointPicker:
    """Random points well inside a ward's area (not on a shared edge), so
    routing puts each one in the intended ward."""

    MARGIN = 0.0004  # degrees, about 40 m

    def __init__(self, areas):
        self.shapes = {}
        for area in areas:
            self.shapes.setdefault(area.unit_id, []).append(shape(area.geometry))
        self.inner = {}
        for unit_id, shapes in self.shapes.items():
            merged = unary_union(shapes)
            inner = merged.buffer(-self.MARGIN)
            self.inner[unit_id] = inner if not inner.is_empty else merged

    def point_in(self, rng, unit_id):
        """(lat, lng) inside the unit's area, rounded like a phone's GPS fix."""
        region = self.inner[unit_id]
        west, south, east, north = region.bounds
        for _attempt in range(1000):
            lng, lat = rng.uniform(west, east), rng.uniform(south, north)
            if region.contains(Point(lng, lat)):
                return round(lat, 6), round(lng, 6)
        raise ValueError(f"could not place a point in the area of unit {unit_id}")

    def near(self, rng, unit_id, lat, lng, metres=40):
        """A point a few metres from (lat, lng), still in the same unit."""
        region = self.inner[unit_id]
        step = metres / 111_000
        for _attempt in range(100):
            candidate = (lat + rng.uniform(-step, step), lng + rng.uniform(-step, step))
            if region.contains(Point(candidate[1], candidate[0])):
                return round(candidate[0], 6), round(candidate[1], 6)
        return lat, lng
