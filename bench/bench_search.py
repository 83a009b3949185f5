"""Accent-insensitive search over many reports: what a search costs on the
public list and in the staff queue, and how fast the backfill migration runs.

1. Creates, in a scratch database, N reports (default 100,000) over two
   years in 8 wards of the demo city, with the demo generator's texts in
   every writing style (casual, formal, unaccented, SMS, hotline), and
   `search_text` computed as `workflow.submit` does.
2. Times `search.search_text` per report (the cost added to a submission)
   and the backfill migration over all rows.
3. Times the queries the list and the queue run (page of 20 / 25, keyset
   order, LIMIT), with and without a search: a frequent word, two words, a
   rare street name, a word that is nowhere (the worst case: every row the
   other filters leave is read), combined with the status and unit filters,
   and a tracking code. Prints the query plan of the worst case.

Run: PYTHONPATH=.:bench .venv/bin/python bench/bench_search.py [--reports N] [--db FILE] [--repeat R]
With DATABASE_URL set it runs on that (empty) database instead of SQLite;
with --db it keeps the SQLite database in FILE. A second run on a database
this script filled only times the queries.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="phananh-bench-search-"))
if "--db" in sys.argv:
    # Keep the generated SQLite database in a file, to time the queries again without generating.
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.abspath(sys.argv[sys.argv.index("--db") + 1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.test_settings")

from common import line, setup_django, timed  # noqa: E402

setup_django()

import importlib  # noqa: E402

from django.apps import apps  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from phananh.console import queue  # noqa: E402
from phananh.demo import texts  # noqa: E402
from phananh.lib.codes import hash_token, new_tracking_code  # noqa: E402
from phananh.public import paging, queries  # noqa: E402
from phananh.reports import search  # noqa: E402
from phananh.reports.models import OPEN_STATUSES, Category, Report, Status  # noqa: E402
from phananh.units.models import Membership, Role, Unit, UnitKind  # noqa: E402

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
STYLES = ["casual"] * 4 + ["formal", "nodiac", "nodiac", "sms", "sms", "operator"]
REPEAT = 15


def build(n, rng):
    call_command("load_categories", verbosity=0)
    province = Unit.objects.create(name="Thành phố Hồ Chí Minh", code="79", kind=UnitKind.PROVINCE)
    coordination = Unit.objects.create(name="Tổ điều phối 1022", code="dieu-phoi", kind=UnitKind.COORDINATOR,
                                       parent=province)
    wards = [Unit.objects.create(name=f"Phường {code}", code=code, kind=UnitKind.WARD, parent=province)
             for code in texts.STREETS]
    categories = list(Category.objects.all())
    users = get_user_model().objects
    coordinator = users.create_user("bench-coordinator")
    Membership.objects.create(user=coordinator, unit=coordination, role=Role.COORDINATOR)
    officer = users.create_user("bench-officer")
    Membership.objects.create(user=officer, unit=wards[0], role=Role.OFFICER)

    codes, rows, fold_seconds = set(), [], []
    statuses = list(Status.values)
    # Rows are inserted in the order they were received, as in real life:
    # the table's physical order then follows the list's order.
    moments = sorted(NOW - timedelta(seconds=rng.randrange(730 * 86400)) for _ in range(n))
    for received in moments:
        ward = rng.choice(wards)
        category = rng.choice(categories)
        fillers, address = texts.place(rng, ward.code)
        description = texts.describe(rng, category.code, fillers, rng.choice(STYLES), ward_handled=True,
                                     ward_name=ward.name, reporter_name=texts.person_name(rng))
        code = new_tracking_code()
        while code in codes:
            code = new_tracking_code()
        codes.add(code)
        start = time.perf_counter()
        text = search.search_text(description, address)
        fold_seconds.append(time.perf_counter() - start)
        status = rng.choice(statuses)
        rows.append(Report(
            code=code, category=category, description=description, address=address, ward=ward,
            unit=ward if status != Status.SUBMITTED else None, status=status, channel="web",
            citizen_token_hash=hash_token(code), received_at=received,
            resolve_due=received + timedelta(days=category.resolve_days), search_text=text,
        ))
        if len(rows) == 5000:
            Report.objects.bulk_create(rows)
            rows = []
    Report.objects.bulk_create(rows)
    return coordinator, officer, fold_seconds


def time_backfill():
    migration = importlib.import_module("phananh.reports.migrations.0005_backfill_search_text")
    Report.objects.update(search_text="")
    start = time.perf_counter()
    migration.backfill(apps, type("Editor", (), {"connection": connection})())
    return time.perf_counter() - start


def public_page(q=None, **filters):
    cleaned = dict(filters)
    if q is not None:
        cleaned["q"] = search.condition(q)
    return paging.keyset_page(queries.apply_filters(queries.public_rows(), cleaned), None)


def queue_page(user, q=None, status=queue.OPEN):
    filters = queue.Filters(status=status, search=search.condition(q) if q else None)
    return queue.page(queue.reports_for(user, filters, NOW), filters.order, None, NOW)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="SQLite file to keep the generated reports in")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Report.objects.exists():
        users = get_user_model().objects
        if not users.filter(username="bench-coordinator").exists():
            raise SystemExit("The database already holds reports; point DATABASE_URL at an empty one.")
        coordinator, officer = users.get(username="bench-coordinator"), users.get(username="bench-officer")
        print(f"database: {connection.vendor}, reports: {Report.objects.count():,} (kept from an earlier run)")
    else:
        print(f"database: {connection.vendor}, reports: {args.reports:,}")
        start = time.perf_counter()
        coordinator, officer, fold_seconds = build(args.reports, random.Random(args.seed))
        print(f"generated in {time.perf_counter() - start:.1f} s")
        fold_seconds.sort()
        print(f"search_text() per report: p50 {fold_seconds[len(fold_seconds) // 2] * 1000:.3f} ms, "
              f"p95 {fold_seconds[int(len(fold_seconds) * .95)] * 1000:.3f} ms")
        seconds = time_backfill()
        print(f"backfill migration: {seconds:.1f} s, {args.reports / seconds:,.0f} rows/s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would soon after a bulk load
            cursor.execute("ANALYZE")
    code = Report.objects.order_by("id").values_list("code", flat=True)[Report.objects.count() // 2]
    cases = [
        ("public, no search (baseline)", lambda: public_page()),
        ("public, frequent word 'rac'", lambda: public_page("rac")),
        ("public, two words 'den duong'", lambda: public_page("den duong")),
        ("public, rare street 'calmette'", lambda: public_page("calmette")),
        ("public, word found nowhere (full scan)", lambda: public_page("xyzzy")),
        ("public, nowhere + status 'rejected'", lambda: public_page("xyzzy", status="rejected")),
        ("public, tracking code", lambda: public_page(code)),
        ("queue, officer of one ward, open, no search", lambda: queue_page(officer)),
        ("queue, officer of one ward, open, 'den duong'", lambda: queue_page(officer, "den duong")),
        ("queue, officer of one ward, open, nowhere", lambda: queue_page(officer, "xyzzy")),
        ("queue, coordinator, all statuses, 'den duong'", lambda: queue_page(coordinator, "den duong", queue.ALL)),
        ("queue, coordinator, all statuses, nowhere", lambda: queue_page(coordinator, "xyzzy", queue.ALL)),
    ]
    for name, run in cases:
        run()  # warm the cache of pages
        print(line(name, timed(run, args.repeat)))
    worst = queries.apply_filters(queries.public_rows(), {"q": search.condition("xyzzy")})
    print("plan of the worst public case:")
    print(worst.order_by("-received_at", "-id")[:21].explain())
    open_count = Report.objects.filter(status__in=OPEN_STATUSES, unit=officer.memberships.get().unit).count()
    print(f"(the officer's unit has {open_count:,} open reports)")


if __name__ == "__main__":
    main()
