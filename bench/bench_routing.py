"""Point → ward lookup with a national-size set of commune polygons.

Builds 3,321 synthetic square communes on a grid over Vietnam's bounding box
(the number of communes after the 2025 reform) in memory and times random
lookups through the same AreaIndex the application uses.
"""

import random
import sys
import time
from types import SimpleNamespace

from common import line, setup_django, timed

setup_django()

from phananh.units.routing import AreaIndex  # noqa: E402

COMMUNES = 3321


def grid_areas(n, west=102.1, south=8.5, east=109.5, north=23.4):
    cols = int(n ** 0.5) + 1
    rows = (n + cols - 1) // cols
    dx, dy = (east - west) / cols, (north - south) / rows
    areas = []
    for i in range(n):
        r, c = divmod(i, cols)
        x0, y0 = west + c * dx, south + r * dy
        ring = [[x0, y0], [x0 + dx, y0], [x0 + dx, y0 + dy], [x0, y0 + dy], [x0, y0]]
        areas.append(SimpleNamespace(pk=i, unit_id=i, geometry={"type": "Polygon", "coordinates": [ring]}))
    return areas


def main():
    rng = random.Random(42)
    areas = grid_areas(COMMUNES)
    start = time.perf_counter()
    index = AreaIndex(areas)
    build_ms = (time.perf_counter() - start) * 1000
    points = [(rng.uniform(8.5, 23.4), rng.uniform(102.1, 109.5)) for _ in range(20000)]
    it = iter(points)
    stats = timed(lambda: index.unit_at(*next(it)), repeat=len(points))
    print(f"routing index build, {COMMUNES} communes: {build_ms:.1f} ms")
    print(line(f"point → commune lookup, {COMMUNES} communes", stats))
    return 0 if stats["p99_ms"] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
