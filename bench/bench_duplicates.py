"""The nearby-duplicate lookup (phananh.nlp.duplicates) with a million reports.

1. Creates, in a scratch SQLite database (VAR_DIR, default /tmp/dupes-bench),
   N reports (default 1,000,000) received over two years in a 20 × 20 km
   city: most around 3,000 busy spots (streets, markets, alleys; spread
   ~150 m), the rest anywhere. Statuses as in a working city: most reports
   of the last two weeks still open, a third of the last two months, a few
   older ones stuck open, the rest closed, resolved, rejected or merged.
   Minimal rows (the columns the lookup reads, every other one at its
   model default), texts from the demo generator in every writing style,
   with their `search_text` as `workflow.submit` stores it. The rows go in
   like `bulk_create` writes them, one multi-row INSERT per batch, but
   through sqlite3's executemany: Django prepares each of the ~40 fields of
   every row in Python, about 1 ms per row on the shared 2-core machine,
   which made a million rows take most of an hour; this takes a few minutes.
2. Times `duplicates.find` (what GET /api/v1/nearby and the staff panel
   run: the bounding-box query on the (lat, lng) index, then haversine and
   text scoring in Python) at 70% points next to an open report and 30%
   anywhere, with the SQL alone timed separately, and the API end to end.
3. With --index, repeats the lookups with a candidate index added to the
   scratch database only (the project's models are not changed):
   (status, lat, lng), which reads only the open reports of the band.

Run: PYTHONPATH=.:bench .venv/bin/python bench/bench_duplicates.py [--reports N] [--repeat R] [--index]
A second run finds the database of the first in VAR_DIR and only times.
"""

import argparse
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("VAR_DIR", "/tmp/dupes-bench")
os.makedirs(os.environ["VAR_DIR"], exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.test_settings")

from common import line, percentiles, setup_django  # noqa: E402

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from phananh.demo import texts  # noqa: E402
from phananh.lib import clock  # noqa: E402
from phananh.nlp import api as nlp_api  # noqa: E402
from phananh.nlp import duplicates  # noqa: E402
from phananh.reports import search  # noqa: E402
from phananh.reports.models import OPEN_STATUSES, Category, Report, Status  # noqa: E402

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
# A 20 × 20 km box over Ho Chi Minh City.
SOUTH, NORTH, WEST, EAST = 10.70, 10.88, 106.60, 106.78
SPOTS = 3000
SPOT_SPREAD_M = 150
BATCH = 10_000
STYLES = ["casual"] * 4 + ["formal", "nodiac", "nodiac", "sms", "sms", "operator"]
TEXTS_PER_CATEGORY = 120
CLOSED = [Status.CLOSED] * 6 + [Status.RESOLVED, Status.REJECTED, Status.DUPLICATE]
OPEN = list(OPEN_STATUSES)
# A partial (lat, lng) index on the open statuses would be smaller still, but
# SQLite only uses a partial index when the query repeats its condition with
# literal values, and the ORM binds `status IN (...)` as parameters.
INDEXES = {
    "(status, lat, lng)": "CREATE INDEX bench_status_lat_lng ON reports_report (status, lat, lng)",
}


def text_pool(rng, categories):
    """A few hundred descriptions per category, in every style, with their search_text."""
    pool = {}
    wards = list(texts.STREETS)
    for category in categories:
        rows = []
        for _ in range(TEXTS_PER_CATEGORY):
            ward = rng.choice(wards)
            fillers, address = texts.place(rng, ward)
            description = texts.describe(rng, category.code, fillers, rng.choice(STYLES), ward_handled=True,
                                         ward_name="Phường Bến Thành", reporter_name=texts.person_name(rng))
            rows.append((description, address, search.search_text(description, address)))
        pool[category.pk] = rows
    return pool


def status_for(rng, age_days):
    if age_days <= 14:
        return rng.choice(OPEN) if rng.random() < 0.8 else rng.choice(CLOSED)
    if age_days <= 60:
        return rng.choice(OPEN) if rng.random() < 0.3 else rng.choice(CLOSED)
    return rng.choice(OPEN) if rng.random() < 0.03 else rng.choice(CLOSED)


def metres_to_degrees(lat, east, north):
    return north / 111_320.0, east / (111_320.0 * math.cos(math.radians(lat)))


def insert_rows(rows):
    """Insert dicts of {field name: value} into the report table; fields left
    out take their model default, prepared for the database once."""
    fields = [f for f in Report._meta.local_concrete_fields if not f.primary_key]
    given = list(rows[0])
    defaults = {f.name: f.get_db_prep_save(f.get_default(), connection) for f in fields if f.name not in given}
    by_name = {f.name: f for f in fields}
    columns = [by_name[name] for name in given] + [f for f in fields if f.name not in given]
    sql = (f"INSERT INTO {Report._meta.db_table} ({', '.join(f.column for f in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    tail = tuple(defaults[f.name] for f in columns[len(given):])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(row[name] for name in given) + tail for row in rows])


def build(n, rng):
    call_command("load_categories", verbosity=0)
    categories = list(Category.objects.all())
    pool = text_pool(rng, categories)
    spots = [(rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)) for _ in range(SPOTS)]
    with connection.cursor() as cursor:  # a scratch database: speed over durability
        cursor.execute("PRAGMA synchronous = OFF")
    # Oldest first, as rows arrive in real life.
    ages = sorted((rng.random() * 730 for _ in range(n)), reverse=True)
    rows = []
    started = time.perf_counter()
    for number, age in enumerate(ages):
        if rng.random() < 0.8:
            lat, lng = rng.choice(spots)
            dlat, dlng = metres_to_degrees(lat, rng.gauss(0, SPOT_SPREAD_M), rng.gauss(0, SPOT_SPREAD_M))
            lat, lng = lat + dlat, lng + dlng
        else:
            lat, lng = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
        category = rng.choice(categories)
        description, address, folded = rng.choice(pool[category.pk])
        received = connection.ops.adapt_datetimefield_value(NOW - timedelta(days=age))
        rows.append({
            "code": f"B{number:09d}", "category": category.pk, "description": description, "address": address,
            "lat": round(lat, 6), "lng": round(lng, 6), "status": status_for(rng, age), "channel": "web",
            "citizen_token_hash": "0" * 64, "received_at": received, "updated_at": received,
            "search_text": folded,
        })
        if len(rows) == BATCH:
            insert_rows(rows)
            rows = []
            if (number + 1) % 200_000 == 0:
                print(f"  {number + 1:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
    if rows:
        insert_rows(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def cases(rng, count):
    """(lat, lng, category, text) lookups: 70% next to an open recent report
    (someone reporting what a neighbour already reported), 30% anywhere."""
    categories = {c.pk: c for c in Category.objects.select_related("group")}
    recent = list(
        Report.objects.filter(status__in=OPEN_STATUSES, received_at__gte=NOW - timedelta(days=14))
        .order_by("?").values_list("lat", "lng", "category_id", "description")[: count]
    )
    out = []
    for i in range(count):
        if i % 10 < 7 and recent:
            lat, lng, category_id, description = recent[i % len(recent)]
            dlat, dlng = metres_to_degrees(lat, rng.gauss(0, 25), rng.gauss(0, 25))
            out.append((lat + dlat, lng + dlng, categories[category_id], description[: len(description) // 2]))
        else:
            category = rng.choice(list(categories.values()))
            out.append((rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST), category, "rác đổ bừa bãi bốc mùi"))
    return out


def time_lookups(lookups):
    sql, full, rows, found = [], [], [], []
    with clock.at(NOW):
        for lat, lng, category, text in lookups:
            start = time.perf_counter()
            candidates = duplicates.candidates(lat, lng)
            sql.append(time.perf_counter() - start)
            rows.append(len(candidates))
            start = time.perf_counter()
            matches = duplicates.find(lat, lng, category, text, limit=3, floor=duplicates.SHOWN_TO_CITIZENS_FROM)
            full.append(time.perf_counter() - start)
            found.append(len(matches))
    return percentiles(sql), percentiles(full), sorted(rows), found


def time_api(lookups):
    nlp_api.NEARBY_PER_MINUTE = 10 ** 9  # one client asking thousands of times
    client = Client()
    samples = []
    with clock.at(NOW):
        for lat, lng, category, text in lookups:
            start = time.perf_counter()
            response = client.get("/api/v1/nearby", {"lat": lat, "lng": lng, "category": category.code,
                                                     "text": text})
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, response.content
    return percentiles(samples)


def report(title, lookups):
    sql, full, rows, found = time_lookups(lookups)
    print(title)
    print("  " + line("bounding-box query (SQL only)", sql))
    print("  " + line("find() (query + scoring)", full))
    print(f"  rows read per lookup: p50 {rows[len(rows) // 2]}, p95 {rows[int(len(rows) * .95)]}, "
          f"max {rows[-1]}; lookups with a match: {sum(1 for f in found if f)} of {len(found)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=400, help="lookups per measurement")
    parser.add_argument("--index", action="store_true", help="also time with candidate indexes (scratch DB only)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    count = Report.objects.count()
    if count:
        print(f"database: {connection.settings_dict['NAME']}, reports: {count:,} (kept from an earlier run)")
    else:
        print(f"database: {connection.settings_dict['NAME']}, reports: {args.reports:,}")
        start = time.perf_counter()
        build(args.reports, rng)
        print(f"generated in {time.perf_counter() - start:.1f} s")
    open_now = Report.objects.filter(status__in=OPEN_STATUSES).count()
    print(f"open reports: {open_now:,}")
    duplicates.Text.of("warm")  # the IDF table is built once per process
    lookups = cases(rng, args.repeat)
    time_lookups(lookups[:20])  # warm the page cache
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEXES[name].split()[2]}")
    report("existing indexes (report_location on lat, lng):", lookups)
    print("  " + line("GET /api/v1/nearby end to end", time_api(lookups[: args.repeat // 2])))
    min_lat, max_lat, min_lng, max_lng = duplicates.bounding_box(*lookups[0][:2], duplicates.MAX_RADIUS_M)
    plan = Report.objects.filter(
        lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng, status__in=OPEN_STATUSES,
        received_at__gte=NOW - timedelta(days=duplicates.MAX_WINDOW_DAYS)).explain()
    print("  plan: " + " | ".join(plan.splitlines()))
    if args.index:
        for name, sql in INDEXES.items():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.execute("ANALYZE")
            time_lookups(lookups[:20])
            report(f"with {name}:", lookups)
            plan = Report.objects.filter(
                lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng,
                status__in=OPEN_STATUSES,
                received_at__gte=NOW - timedelta(days=duplicates.MAX_WINDOW_DAYS)).explain()
            print("  plan: " + " | ".join(plan.splitlines()))
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX {sql.split()[2]}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
