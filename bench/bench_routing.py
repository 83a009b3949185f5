"""Point → unit routing with the whole country loaded.

Fills a scratch database (SQLite in a temporary folder, or DATABASE_URL)
with `generate_areas --communes 3321` (the number of communes after the
2025 reform, with their provinces and utilities), then times what every new
report with a point goes through: `routing.ward_at` (the area index → the
commune) and `routing.decide` (the commune → the street-lighting company of
its province), for random points over the country.

    python bench/bench_routing.py            # SQLite
    DATABASE_URL=postgres://.../empty_db python bench/bench_routing.py
"""

import os
import random
import sys
import tempfile
import time

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="phananh-bench-routing-"))
os.environ.setdefault("DATABASE_URL", "sqlite:///" + os.path.join(os.environ["VAR_DIR"], "routing.sqlite3"))

from common import line, setup_django, timed  # noqa: E402

setup_django()

from django.core.management import call_command  # noqa: E402

from phananh.reports.models import Category, Report  # noqa: E402
from phananh.units import directory, routing, synthetic  # noqa: E402
from phananh.units.models import Area, Unit  # noqa: E402

COMMUNES = 3321


def main():
    call_command("migrate", verbosity=0)
    if Report.objects.exists():
        raise SystemExit("DATABASE_URL names a database with reports: give the bench an empty one")
    if not Unit.objects.filter(code__startswith=synthetic.PREFIX).exists():
        call_command("generate_areas", "--communes", str(COMMUNES))
    lighting = Category(code="den-chieu-sang", name_vi="Đèn chiếu sáng", handler="utility:lighting")
    west, south, east, north = synthetic.VIETNAM
    rng = random.Random(42)
    points = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(20000)]

    routing.forget_index()
    directory.forget()
    start = time.perf_counter()
    routing.area_index()
    index_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    directory.current()
    tree_ms = (time.perf_counter() - start) * 1000
    print(f"{Area.objects.count()} areas, {Unit.objects.count()} units ({os.environ['DATABASE_URL'].split(':')[0]})")
    print(f"area index build: {index_ms:.0f} ms; unit tree load: {tree_ms:.0f} ms (once per process)")

    it = iter(points)
    ward_stats = timed(lambda: routing.ward_at(*next(it)), repeat=len(points))
    print(line(f"point → commune (ward_at), {COMMUNES} communes", ward_stats))

    wards = [routing.ward_at(lat, lng) for lat, lng in points[:5000]]
    wards = [ward for ward in wards if ward is not None]
    it = iter(wards)
    decide_stats = timed(lambda: routing.decide(lighting, next(it)), repeat=len(wards))
    print(line("commune → responsible unit (decide)", decide_stats))
    return 0 if ward_stats["p99_ms"] + decide_stats["p99_ms"] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
