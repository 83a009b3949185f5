"""Lists and pages over a million generated reports: the public list, the
staff queue, report pages and the statistics pages.

Uses the database of generated reports (bench/generated.py: made by
bench_generate.py, or here if missing) in the demo city, whose staff
accounts act as in real use. Every case is a full request through Django's
test client (middleware, session, template), warmed up twice, then timed R
times: p50 / p95 / p99 (targets: lists and queues p95 < 100 ms, statistics
pages < 100 ms).

- public list: no filter, each status group, a category, a ward, a unit,
  searches (a frequent word, two words, a rare street, a word that is
  nowhere), combined filters, and cursor pages deep into the list (the 50th
  page by following "older", and cursors at the middle and the oldest end);
- staff queue: the coordinator (open by deadline, every status, closed,
  overdue, search, category and ward), a ward head, a ward officer, a
  utility officer, and deep pages by their "next" cursors;
- report pages (public and staff) of random reports;
- the statistics pages and API.

Run: PYTHONPATH=.:bench .venv/bin/python bench/bench_lists.py [--repeat R] [--db FILE] [--only WORD]
"""

import argparse
import random
import re
import time
from datetime import timedelta

import generated

generated.configure()

from common import line, setup_django, timed  # noqa: E402

setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from phananh.console import queue  # noqa: E402
from phananh.lib import clock  # noqa: E402
from phananh.public import paging  # noqa: E402
from phananh.reports.models import Category, Report  # noqa: E402
from phananh.units.models import Unit, UnitKind  # noqa: E402

LIST_TARGET_MS = PAGE_TARGET_MS = 100


def next_link(html, rel="next"):
    tag = re.search(rf'<a[^>]*rel="{rel}"[^>]*>', html)
    match = re.search(r'href="([^"]+)"', tag.group(0)) if tag else None
    return match.group(1).replace("&amp;", "&") if match else None


def follow(client, url, pages, rel="next"):
    """The URL of the page `pages` links after `url`."""
    for _ in range(pages):
        href = next_link(client.get(url).content.decode(), rel)
        if href is None:
            break
        url = href if href.startswith("/") else url.split("?")[0] + href
    return url


def deep_cursor(position):
    """A public-list cursor at `position` (0 = newest, 1 = oldest) of all reports."""
    first = Report.objects.order_by("received_at").values_list("received_at", flat=True).first()
    last = Report.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    moment = last - (last - first) * position
    row = Report.objects.filter(received_at__lte=moment).order_by("-received_at", "-id").values(
        "received_at", "id").first()
    return paging.Cursor(paging.OLDER, row["received_at"], row["id"]).encode()


def queue_cursor(user, status, position):
    """A signed queue cursor `position` of the way down the coordinator's queue."""
    filters = queue.Filters(status=status)
    rows = queue.reports_for(user, filters, clock.now())
    total = Report.objects.count()
    order = filters.order
    if order == queue.DUE_FIRST:
        row = rows.order_by("resolve_due", "id")[int(rows.count() * position)]
    else:
        row = Report.objects.order_by("-received_at", "-id")[int(total * position)]
    return queue.encode_cursor(order, row)


class Cases:
    def __init__(self, repeat, only):
        self.repeat, self.only, self.results = repeat, only, []

    def time(self, name, client, url, target):
        if self.only and not any(word in name for word in self.only.split(",")):
            return
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (name, url, response.status_code)
        stats = timed(lambda: client.get(url), self.repeat)
        verdict = "ok" if stats["p95_ms"] < target else f"MISSES p95 < {target} ms"
        print(line(name, stats) + f"  {verdict}", flush=True)
        self.results.append((name, url, stats, client))


def main():
    parser = argparse.ArgumentParser()
    generated.add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", help="run only the cases whose name contains one of these (comma-separated)")
    args = parser.parse_args()
    print(f"machine: {generated.machine()}")
    generated.prepare(args.reports, args.seed)
    size, where = generated.database_size()
    print(f"database: {connection.vendor}, {size / 2**30:.2f} GiB ({where})")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    users = get_user_model().objects
    coordinator, head = users.get(username="dieuphoi"), users.get(username="nhieuloc_truong")
    officer, utility = users.get(username="nhieuloc_canbo"), users.get(username="chieusang")
    ward = Unit.objects.filter(kind=UnitKind.WARD, subtype="").order_by("code").first()
    lighting = Unit.objects.get(code="chieu-sang-cong-cong")
    garbage = Category.objects.get(code="rac-thai")
    rng = random.Random(args.seed)
    cases = Cases(args.repeat, args.only)
    public = Client()

    print("-- public list")
    for name, query in [
        ("no filter", ""), ("open", "status=open"), ("resolved", "status=resolved"), ("closed", "status=closed"),
        ("rejected", "status=rejected"), ("duplicate", "status=duplicate"), ("category", "category=cap-nuoc"),
        ("ward", f"ward={ward.code}"), ("unit", f"unit={lighting.code}"),
        ("open + category + ward", f"status=open&category=rac-thai&ward={ward.code}"),
        ("search, frequent word 'rac'", "q=rac"), ("search, two words 'den duong'", "q=den+duong"),
        ("search, rare street 'calmette'", "q=calmette"), ("search + status 'rejected'", "q=quang+cao&status=rejected"),
        ("search, word found nowhere", "q=xyzzy"),
    ]:
        cases.time(f"public list, {name}", public, f"/phan-anh/?{query}", LIST_TARGET_MS)
    cases.time("public list, page 50 (following older)", public, follow(public, "/phan-anh/", 49), LIST_TARGET_MS)
    for position in (0.5, 0.999):
        cases.time(f"public list, cursor at {position:.0%} of the table", public,
                   f"/phan-anh/?cursor={deep_cursor(position)}", LIST_TARGET_MS)
    cases.time("public list, open, page 30", public, follow(public, "/phan-anh/?status=open", 29), LIST_TARGET_MS)
    cases.time("public list, ward, page 30", public, follow(public, f"/phan-anh/?ward={ward.code}", 29),
               LIST_TARGET_MS)

    print("-- staff queue")
    staff = {user.username: Client() for user in (coordinator, head, officer, utility)}
    for user in (coordinator, head, officer, utility):
        staff[user.username].force_login(user)
    by = staff[coordinator.username]
    for name, query in [
        ("open, by deadline", ""), ("all statuses", "status=all"), ("closed", "status=closed"),
        ("submitted (triage)", "status=submitted"), ("overdue", "overdue=on"),
        ("extension requested", "extension=on"), ("category + ward", f"category={garbage.pk}&ward={ward.pk}"),
        ("search 'den duong', all", "status=all&q=den+duong"), ("search nowhere, open", "q=xyzzy"),
        ("search nowhere, all", "status=all&q=xyzzy"),
    ]:
        cases.time(f"queue, coordinator, {name}", by, f"/can-bo/?{query}", LIST_TARGET_MS)
    cases.time("queue, coordinator, all, page 50", by, follow(by, "/can-bo/?status=all", 49), LIST_TARGET_MS)
    cases.time("queue, coordinator, open, page 30", by, follow(by, "/can-bo/", 29), LIST_TARGET_MS)
    for position in (0.5, 0.999):
        cursor = queue_cursor(coordinator, queue.ALL, position)
        cases.time(f"queue, coordinator, all, cursor at {position:.0%}", by,
                   f"/can-bo/?status=all&after={cursor}", LIST_TARGET_MS)
    for user, label in ((head, "ward head"), (officer, "ward officer"), (utility, "lighting officer")):
        client = staff[user.username]
        cases.time(f"queue, {label}, open", client, "/can-bo/", LIST_TARGET_MS)
        cases.time(f"queue, {label}, all statuses", client, "/can-bo/?status=all", LIST_TARGET_MS)
        cases.time(f"queue, {label}, all, page 30", client, follow(client, "/can-bo/?status=all", 29),
                   LIST_TARGET_MS)
        cases.time(f"queue, {label}, search 'rac'", client, "/can-bo/?status=all&q=rac", LIST_TARGET_MS)

    print("-- report pages")
    top = Report.objects.order_by("-id").values_list("id", flat=True).first()
    codes = []
    while len(codes) < 5:
        code = Report.objects.filter(id__gte=rng.randrange(top)).order_by("id").values_list("code", flat=True).first()
        if code:
            codes.append(code)
    for index, code in enumerate(codes):
        cases.time(f"report page, public #{index + 1}", public, f"/phan-anh/{code}/", PAGE_TARGET_MS)
        cases.time(f"report page, staff #{index + 1}", by, f"/can-bo/phan-anh/{code}/", PAGE_TARGET_MS)

    print("-- statistics")
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for name, url in [
        ("home (map, latest)", "/"), ("units ranking", "/don-vi/"), ("overview", "/thong-ke/"),
        ("overview, all time", "/thong-ke/?ky=all"), ("unit page", f"/thong-ke/don-vi/{ward.code}/"),
        ("categories", "/thong-ke/linh-vuc/"), ("category page", "/thong-ke/linh-vuc/rac-thai/"),
        ("wards", "/thong-ke/phuong-xa/"), ("ward page", f"/thong-ke/phuong-xa/{ward.code}/"),
        ("monthly report, city", f"/thong-ke/bao-cao-thang/{month}/"),
        ("monthly report, unit", f"/thong-ke/bao-cao-thang/{month}/{ward.code}/"),
        ("API city", "/api/v1/stats/city"), ("API units", "/api/v1/stats/units"),
    ]:
        cases.time(f"stats, {name}", public, url, PAGE_TARGET_MS)

    missed = [(name, url, stats, client) for name, url, stats, client in cases.results
              if stats["p95_ms"] >= LIST_TARGET_MS]
    print(f"{len(cases.results) - len(missed)} of {len(cases.results)} cases within target")
    for name, url, _stats, client in missed:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(url)
            spent = time.perf_counter() - started
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        print(f"slowest query of '{name}' ({spent * 1000:.0f} ms, {len(captured)} queries): "
              f"{float(slowest['time']) * 1000:.0f} ms")
        print("  " + slowest["sql"][:600])
        if connection.vendor in ("sqlite", "postgresql"):
            with connection.cursor() as cursor:
                prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                cursor.execute(prefix + slowest["sql"])
                for row in cursor.fetchall():
                    print("    " + " ".join(str(v) for v in row))
    print(f"machine after: {generated.machine()}")


if __name__ == "__main__":
    main()
