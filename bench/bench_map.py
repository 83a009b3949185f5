"""The public map API over a million generated reports: random viewports at zooms 5 to 18.

Uses the database of generated reports (bench/generated.py: made by
bench_generate.py, or here if missing). For each zoom, requests
/api/v1/map for random viewports the size of a desktop screen (1280 × 800
pixels) centred anywhere in the city's areas, through Django's test client,
and prints p50 / p95 / p99 per zoom and over all (target p95 < 50 ms):

- "cached": as a running worker answers: the grid of phananh.public.mapgrid
  in the process for crowded views, the cluster cache (the file cache,
  empty at the start) for the others;
- "no cache": the cluster cache off, so every view that is not crowded is
  clustered by SQL (the first visitor's cost);
- then the API's filters (a status group, a category) at three zooms: the
  grid is unfiltered, so these are clustered by SQL.

It first times the very first crowded view (SQL clustering of the whole
city, which then has the grid built) and a grid build alone.

Run: PYTHONPATH=.:bench .venv/bin/python bench/bench_map.py [--requests R] [--db FILE]
"""

import argparse
import math
import random
import time

import generated

generated.configure()

from common import line, percentiles, setup_django  # noqa: E402

setup_django()

from django.core.cache import cache  # noqa: E402
from django.core.cache.backends.dummy import DummyCache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402

from phananh.public import mapdata, mapgrid  # noqa: E402
from phananh.units.models import Area  # noqa: E402

ZOOMS = range(5, 19)
SCREEN = (1280, 800)
TARGET_MS = 50


def city_box():
    box = Area.objects.aggregate(w=Min("min_lng"), s=Min("min_lat"), e=Max("max_lng"), n=Max("max_lat"))
    return box["w"], box["s"], box["e"], box["n"]


def viewport(rng, zoom, box):
    """west,south,east,north of a screen centred at a random point of the city."""
    west, south, east, north = box
    lat, lng = rng.uniform(south, north), rng.uniform(west, east)
    degrees_per_pixel = 360 / (256 * 2 ** zoom)
    half_w = SCREEN[0] / 2 * degrees_per_pixel
    half_h = SCREEN[1] / 2 * degrees_per_pixel * math.cos(math.radians(lat))
    return (max(-180, lng - half_w), max(-90, lat - half_h), min(180, lng + half_w), min(90, lat + half_h))


def in_view(bbox):
    from phananh.reports.models import Report

    west, south, east, north = bbox
    return Report.objects.filter(lat__gte=south, lat__lte=north, lng__gte=west, lng__lte=east).count()


def run_zooms(client, box, requests, seed, label):
    rng = random.Random(seed)
    everything = []
    print(f"-- {label}")
    for zoom in ZOOMS:
        samples, shapes = [], []
        for _ in range(requests):
            bbox = viewport(rng, zoom, box)
            url = f"/api/v1/map?bbox={','.join(f'{v:.6f}' for v in bbox)}&zoom={zoom}"
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.content[:200])
            data = response.json()
            shapes.append((len(data["clusters"]), len(data["reports"])))
        everything += samples
        clusters = sum(c for c, _r in shapes) / len(shapes)
        singles = sum(r for _c, r in shapes) / len(shapes)
        print(line(f"zoom {zoom:2d} ({clusters:.0f} clusters, {singles:.0f} reports a view)", percentiles(samples)),
              flush=True)
    stats = percentiles(everything)
    print(line(f"all zooms, {label}", stats) + ("  ok" if stats["p95_ms"] < TARGET_MS else "  MISSES p95 < 50 ms"))
    return stats


def main():
    parser = argparse.ArgumentParser()
    generated.add_arguments(parser)
    parser.add_argument("--requests", type=int, default=25, help="random viewports per zoom and mode")
    args = parser.parse_args()
    print(f"machine: {generated.machine()}")
    generated.prepare(args.reports, args.seed)
    size, where = generated.database_size()
    print(f"database: {connection.vendor}, {size / 2**30:.2f} GiB ({where})")
    box = city_box()
    print(f"city: {box}; reports with a point: {in_view((-180, -90, 180, 90)):,}")
    client = Client()
    west, south, east, north = box
    whole = f"/api/v1/map?bbox={west},{south},{east},{north}&zoom=13"
    mapgrid.forget()
    cache.clear()
    started = time.perf_counter()
    client.get(whole)
    print(f"first crowded view (SQL clustering of the whole city, then the grid is built): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    grid = mapgrid.build()
    print(f"grid build alone: {(time.perf_counter() - started) * 1000:.0f} ms, base cell {grid.base_size:.6f}°, "
          f"{len(grid.levels[0]):,} base cells, {sum(len(level) for level in grid.levels):,} in all levels")
    cache.clear()  # the grid stays in this process, as in a running worker
    run_zooms(client, box, args.requests, 1, "cached (empty at the start)")
    original = mapdata.cache
    mapdata.cache = DummyCache("none", {})
    try:
        run_zooms(client, box, args.requests, 2, "no cache")
    finally:
        mapdata.cache = original
    print("-- filters, cached")
    rng = random.Random(3)
    for query in ("status=open", "status=closed", "category=rac-thai"):
        for zoom in (11, 14, 17):
            samples = []
            for _ in range(args.requests):
                bbox = viewport(rng, zoom, box)
                url = f"/api/v1/map?bbox={','.join(f'{v:.6f}' for v in bbox)}&zoom={zoom}&{query}"
                started = time.perf_counter()
                assert client.get(url).status_code == 200
                samples.append(time.perf_counter() - started)
            print(line(f"{query}, zoom {zoom}", percentiles(samples)), flush=True)
    query = mapdata.MapQuery(west, south, east, north, 13)
    size = mapdata.cell_size(query)
    print("plan of the cluster query for the whole city at zoom 13:")
    print(mapdata.reports_in_box(mapdata.snap_to_cells(query, size)).values("lat").explain())
    print(f"machine after: {generated.machine()}")


if __name__ == "__main__":
    main()
