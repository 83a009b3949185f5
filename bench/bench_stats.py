"""Statistics pages and API with rollups equivalent to 10 million events, and
the cost of folding new events into them.

1. Builds, in a scratch SQLite database, the rollup rows that two years of a
   city of 168 wards would produce: 1.43 million reports (about 7 events
   each, so 10 million events) spread over 348 units, 23 categories and
   730 days, in realistic states (recent reports open, older ones mostly
   closed; some late, some overdue, some reopened). The rows are computed
   with the application's own `measures.contribution` and `Deltas`, then
   bulk-inserted. Per-report facts are inserted for the open reports only:
   they are the only facts a page reads (the monthly report's overdue list).
2. Times every statistics page and API endpoint through the Django test
   client (p50 / p95 / p99 over repeated requests, target p95 < 100 ms).
3. Records real events through the workflow (new reports, then their
   acknowledgement and resolution) and times `rollup.refresh()` per 1,000
   events on top of that database.

Run: PYTHONPATH=.:bench .venv/bin/python bench/bench_stats.py [--reports N]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

# Test settings: plain static files (no collectstatic needed), jobs inline.
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="phananh-bench-stats-"))
if "--db" in sys.argv:
    # Keep the generated database in a file to time again without generating (two minutes at full size).
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.abspath(sys.argv[sys.argv.index("--db") + 1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.test_settings")

from common import line, percentiles, setup_django, timed  # noqa: E402

setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache.backends.dummy import DummyCache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from phananh.lib import clock  # noqa: E402
from phananh.reports import workflow  # noqa: E402
from phananh.reports.models import Category, Report  # noqa: E402
from phananh.sla.service import deadlines_for  # noqa: E402
from phananh.stats import fold, histogram, measures, rollup, scorecards  # noqa: E402
from phananh.stats.models import (  # noqa: E402
    DayRollup,
    MonthRollup,
    ReportFact,
    TotalRollup,
    Watermark,
)
from phananh.units.models import Membership, Role, Unit, UnitKind  # noqa: E402

EVENTS = 10_000_000
EVENTS_PER_REPORT = 7
DAYS = 730
WARDS = 168
UTILITIES = ("water", "lighting", "drainage", "parks", "power", "telecom")
DEPARTMENTS = ("transport", "health", "education")
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # a Monday, 10:00 in Ho Chi Minh City
TARGET_MS = 100


class Fact:
    """The attributes measures.contribution reads, without a model instance."""

    __slots__ = ("status", "ack_result", "resolve_result", "outcome", "resolve_seconds", "rating",
                 "ever_resolved", "reopen_count", "day", "unit_id", "category_id", "ward_id")


def build_city():
    call_command("load_categories", verbosity=0)
    province = Unit.objects.create(name="Thành phố Hồ Chí Minh", code="79", kind=UnitKind.PROVINCE)
    Unit.objects.create(name="Tổ điều phối 1022", code="dieu-phoi", kind=UnitKind.COORDINATOR, parent=province)
    wards, police = [], {}
    for i in range(WARDS):
        ward = Unit.objects.create(name=f"Phường {i + 1}", code=f"p{i + 1:03d}", kind=UnitKind.WARD, parent=province)
        wards.append(ward)
        police[ward.pk] = Unit.objects.create(name=f"Công an phường {i + 1}", code=f"ca-p{i + 1:03d}",
                                              kind=UnitKind.WARD, subtype="police", parent=ward)
    others = {}
    for subtype in UTILITIES:
        others[f"utility:{subtype}"] = Unit.objects.create(name=f"Công ty {subtype}", code=f"u-{subtype}",
                                                           kind=UnitKind.UTILITY, subtype=subtype, parent=province)
    for subtype in DEPARTMENTS:
        others[f"department:{subtype}"] = Unit.objects.create(
            name=f"Sở {subtype}", code=f"s-{subtype}", kind=UnitKind.DEPARTMENT, subtype=subtype, parent=province)
    return wards, police, others


def holder(category, ward, police, others):
    if category.handler == "ward":
        return ward.pk
    if category.handler == "ward:police":
        return police[ward.pk].pk
    unit = others.get(category.handler)
    return unit.pk if unit else None  # coordinator categories wait in triage


def synthetic_fact(rng, day, age_days, category, ward, unit_id):
    fact = Fact()
    fact.day, fact.category_id, fact.ward_id, fact.unit_id = day, category.pk, ward.pk, unit_id
    fact.outcome, fact.rating, fact.resolve_seconds = "", "", None
    fact.ever_resolved, fact.reopen_count = False, 0
    roll = rng.random()
    if unit_id is None:
        fact.status = "rejected" if roll < 0.5 else ("submitted" if age_days < 3 else "rejected")
    elif roll < 0.05:
        fact.status = "duplicate"
    elif age_days < 10 and roll < 0.6 or roll < 0.08:
        fact.status = rng.choice(["assigned", "acknowledged", "in_progress", "reopened"])
    elif age_days < 7 or roll < 0.3:
        fact.status = "resolved"
    else:
        fact.status = "closed"
    state = measures.state_of(fact.status)
    if state in measures.UNMEASURED_STATES:
        fact.ack_result = fact.resolve_result = ""
    elif state == "open":
        fact.ack_result = "pending" if fact.status == "assigned" and age_days < 1 else rng.choice(
            ["on_time"] * 6 + ["late"] * 2 + ["overdue"])
        fact.resolve_result = "pending" if age_days < 3 else "overdue"
        if fact.status == "reopened":
            fact.ever_resolved, fact.reopen_count = True, 1
    else:
        fact.ack_result = rng.choice(["on_time"] * 7 + ["late"] * 2)
        fact.resolve_result = rng.choice(["on_time"] * 7 + ["late"] * 3)
        fact.outcome = rng.choice(["fixed"] * 8 + ["cannot_fix", "referred"])
        fact.resolve_seconds = int(rng.lognormvariate(2.5, 1.0) * 3600)
        fact.ever_resolved = True
        fact.reopen_count = 1 if rng.random() < 0.06 else 0
        if fact.status == "closed" and rng.random() < 0.6:
            fact.rating = "satisfied" if rng.random() < 0.8 else "unsatisfied"
    return fact


def generate(reports, seed=2025):
    """Rollup rows for `reports` reports over DAYS days, and the open ones to store as facts."""
    rng = random.Random(seed)
    wards, police, others = build_city()
    categories = list(Category.objects.all())
    weights = [rng.uniform(0.3, 3) for _ in categories]
    ward_weights = [rng.uniform(0.3, 3) for _ in wards]
    today = NOW.date()
    deltas, open_facts = rollup.Deltas(), []
    per_day = reports / DAYS
    made = 0
    for index in range(DAYS):
        age = DAYS - 1 - index
        day = today - timedelta(days=age)
        count = round(per_day * (index + 1)) - made
        for category, ward in zip(rng.choices(categories, weights, k=count),
                                  rng.choices(wards, ward_weights, k=count), strict=True):
            fact = synthetic_fact(rng, day, age, category, ward, holder(category, ward, police, others))
            deltas.add(fact, +1)
            if measures.state_of(fact.status) == "open":
                open_facts.append(fact)
        made += count
    return deltas, open_facts


def store(deltas, open_facts):
    tables = deltas.tables()
    with transaction.atomic():
        for name, model, date_field in rollup.ROW_TABLES:
            rows = []
            for key, values in tables[name].items():
                fields = {"dim": key[0], "key": key[1]}
                if date_field:
                    fields[date_field] = key[2]
                counts = [0] * measures.BUCKETS
                for counter, value in values.items():
                    if counter.startswith("h"):
                        counts[int(counter[1:])] = value
                    else:
                        fields[counter] = value
                if name in rollup.WITH_HOURS:
                    fields["hours"] = histogram.encode(counts)
                rows.append(model(**fields))
            model.objects.bulk_create(rows, batch_size=2000)
    store_open_facts(open_facts)
    Watermark.objects.update_or_create(pk=1, defaults={"seq": 0, "ticked_until": NOW, "refreshed_at": NOW})


def store_open_facts(open_facts):
    """Open reports as Report rows (no events: only their facts are read) and their facts."""
    categories = {c.pk: c for c in Category.objects.all()}
    for start in range(0, len(open_facts), 5000):
        chunk = open_facts[start:start + 5000]
        with transaction.atomic():
            made = Report.objects.bulk_create([
                Report(code=f"B{start + i:07d}", category_id=f.category_id, description="Bench", ward_id=f.ward_id,
                       unit_id=f.unit_id, status=f.status, citizen_token_hash="x" * 64,
                       received_at=datetime.combine(f.day, datetime.min.time(), UTC) + timedelta(hours=2))
                for i, f in enumerate(chunk)
            ])
            facts = []
            for report, f in zip(made, chunk, strict=True):
                ack_due, resolve_due = deadlines_for(categories[f.category_id], report.received_at)
                if f.resolve_result == "pending":
                    resolve_due = max(resolve_due, NOW + timedelta(days=2))
                facts.append(ReportFact(
                    report=report, received_at=report.received_at, day=f.day, category_id=f.category_id,
                    ward_id=f.ward_id, unit_id=f.unit_id, status=f.status, cycle_start=report.received_at,
                    ack_due=ack_due if f.ack_result != "pending" else NOW + timedelta(hours=3),
                    resolve_due=resolve_due, outcome=f.outcome, rating=f.rating, reopen_count=f.reopen_count,
                    ever_resolved=f.ever_resolved, ack_result=f.ack_result, resolve_result=f.resolve_result,
                    acknowledged_at=report.received_at + timedelta(hours=1) if f.ack_result in ("on_time", "late")
                    else None,
                ))
            ReportFact.objects.bulk_create(facts, batch_size=2000)


def time_pages(repeat, cached):
    """p50/p95/p99 of each page and endpoint. Cold: no cache at all, every
    request sums the rollups itself (the first visitor after each refresh
    of the job). Warm: the per-dimension tables come from the cache."""
    original = scorecards.cache
    if not cached:
        scorecards.cache = DummyCache("none", {})
    try:
        return _time_pages(repeat)
    finally:
        scorecards.cache = original


def _time_pages(repeat):
    client = Client()
    client.cookies["django_language"] = "vi"
    ward = Unit.objects.get(code="p007")
    month = NOW.date().replace(day=1) - timedelta(days=1)
    urls = [
        ("overview, last 12 months", "/thong-ke/"),
        ("overview, one year", f"/thong-ke/?ky={NOW.year - 1}"),
        ("overview, all time", "/thong-ke/?ky=all"),
        ("units ranking, last 12 months", "/don-vi/"),
        ("units ranking, all time", "/don-vi/?ky=all"),
        ("unit page", f"/thong-ke/don-vi/{ward.code}/"),
        ("categories", "/thong-ke/linh-vuc/"),
        ("category page", "/thong-ke/linh-vuc/rac-thai/"),
        ("wards", "/thong-ke/phuong-xa/"),
        ("ward page", f"/thong-ke/phuong-xa/{ward.code}/"),
        ("monthly report, city", f"/thong-ke/bao-cao-thang/{month:%Y-%m}/"),
        ("monthly report, unit", f"/thong-ke/bao-cao-thang/{month:%Y-%m}/{ward.code}/"),
        ("monthly report CSV, city", f"/thong-ke/bao-cao-thang/{month:%Y-%m}.csv"),
        ("API city", "/api/v1/stats/city"),
        ("API units", "/api/v1/stats/units"),
        ("API unit", f"/api/v1/stats/units/{ward.code}"),
        ("API categories", "/api/v1/stats/categories?ky=all"),
        ("API monthly, city", f"/api/v1/stats/monthly/{month:%Y-%m}"),
    ]
    results = []
    with clock.at(NOW):
        for name, url in urls:
            for _ in range(3):  # warm caches (templates, calendar, SQLite pages)
                assert client.get(url).status_code == 200, url
            stats = timed(lambda url=url: client.get(url), repeat)
            results.append((name, stats))
            print(line(name, stats), flush=True)
    return results


def time_refresh(new_reports):
    """Real events through the workflow, folded 1,000 at a time."""
    wards = list(Unit.objects.filter(kind=UnitKind.WARD, subtype="")[:20])
    officers = {}
    for ward in wards:
        user = get_user_model().objects.create_user(username=f"canbo-{ward.code}-{time.time_ns()}", password="x")
        Membership.objects.create(user=user, unit=ward, role=Role.OFFICER)
        officers[ward.pk] = user
    category = Category.objects.get(code="rac-thai")
    reports = []
    start = NOW - timedelta(hours=4)
    with clock.at(start):
        for i in range(new_reports):
            report, _token = workflow.submit(category=category, description="Rác tràn ra đường.", channel="web",
                                             ward=wards[i % len(wards)])
            reports.append(report)
    samples_new = fold_in_batches()
    with clock.at(start + timedelta(hours=1)):
        for report in reports:
            workflow.apply(report, "accept", officers[report.unit_id])
            workflow.apply(report, "resolve", officers[report.unit_id], outcome="cannot_fix", result="Chờ vật tư.")
    samples_touch = fold_in_batches()
    return samples_new, samples_touch


def fold_in_batches():
    """Milliseconds per batch of 1,000 events (the job's batch size), and of
    the deadline tick that ends each run of the job."""
    batches, ctx = [], fold.Context()
    with clock.at(NOW):
        while True:
            began = time.perf_counter()
            folded = rollup.fold_next_batch(ctx, 1000)
            if not folded:
                break
            batches.append((time.perf_counter() - began) * 1000 * 1000 / folded)
        began = time.perf_counter()
        rollup.tick(NOW)
        tick_ms = (time.perf_counter() - began) * 1000
    return batches, tick_ms


def profile(url):
    """Where one request spends its time (python bench/bench_stats.py --profile URL)."""
    import cProfile
    import pstats

    client = Client()
    with clock.at(NOW):
        client.get(url)
        cProfile.runctx("client.get(url)", globals(), {"client": client, "url": url}, "/tmp/bench-stats.prof")
    pstats.Stats("/tmp/bench-stats.prof").sort_stats("cumulative").print_stats(40)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=EVENTS // EVENTS_PER_REPORT)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--new-reports", type=int, default=1500)
    parser.add_argument("--profile", help="profile one URL after generating the data, then stop")
    parser.add_argument("--db", help="SQLite file to keep the generated data in, and to reuse when it has it")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    if not MonthRollup.objects.exists():
        deltas, open_facts = generate(args.reports)
        store(deltas, open_facts)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rows = {model.__name__: model.objects.count() for model in (DayRollup, MonthRollup, TotalRollup, ReportFact)}
    reports = TotalRollup.objects.get(dim=0, key=0).received
    print(f"rollups for {reports:,} reports (~{reports * EVENTS_PER_REPORT:,} events), ready in "
          f"{time.perf_counter() - began:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()), flush=True)
    if args.profile:
        profile(args.profile)
        return 0
    worst = 0
    for cached in (False, True):
        print("-- " + ("warm: tables from the cache" if cached else "cold: no cache, every request sums the rollups"))
        results = time_pages(args.repeat, cached)
        worst = max(stats["p95_ms"] for _name, stats in results)
        print(f"slowest page or endpoint: p95 {worst:.1f} ms (target < {TARGET_MS} ms); "
              f"load average while timing: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    if not args.new_reports:
        return 0 if worst < TARGET_MS else 1
    new, touch = time_refresh(args.new_reports)
    for name, (samples, tick_ms) in (("new reports (submitted + routed)", new),
                                     ("existing reports (acknowledged + resolved)", touch)):
        stats = percentiles([s / 1000 for s in samples])
        print(f"refresh per 1,000 events, {name}: median {stats['p50_ms']:.0f} ms, "
              f"worst {max(samples):.0f} ms (n={len(samples)} batches); deadline tick {tick_ms:.0f} ms")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
