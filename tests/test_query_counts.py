"""Pages and APIs answer in a number of queries that does not grow with the data.

Each page is requested with a few generated reports and again with many
(generate_reports: every status, photos, long histories); the number of
SQL queries must be the same, so that no list does one query per row and
no page walks the reports table. A warm-up request first fills the
per-process caches (calendar, area index, categories), the statistics
cache is emptied before each measured request.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from phananh.demo import bulk
from phananh.lib import clock
from phananh.public import mapdata, mapgrid
from phananh.reports.models import Event, Report, Status
from phananh.stats import rollup

NOW = datetime(2026, 3, 16, 2, 30, tzinfo=UTC)  # a Monday morning in Ho Chi Minh City
# A page and a bit of the public list (20 a page) and of the queue (25), then many pages.
FEW, MANY = 30, 120
# The fixture city's two wards, and a box around them.
BBOX = "106.68,10.76,106.73,10.79"


def add_reports(count, seed):
    with clock.at(NOW):
        bulk.generate(count, seed, force=True, days=60)
        rollup.refresh()


def queries(client, url):
    """SQL queries of one GET of `url`, after a warm-up request."""
    with clock.at(NOW + timedelta(minutes=1)):
        assert client.get(url).status_code == 200, url
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def counts(client, urls, seed_few=1, seed_many=2):
    """{name: (queries with FEW reports, queries with MANY)} for `urls` (name → url or function giving it)."""
    add_reports(FEW, seed_few)
    few = {name: queries(client, url() if callable(url) else url) for name, url in urls.items()}
    add_reports(MANY - FEW, seed_many)
    assert Report.objects.count() == MANY
    many = {name: queries(client, url() if callable(url) else url) for name, url in urls.items()}
    return {name: (few[name], many[name]) for name in urls}


def assert_flat(found):
    grown = {name: pair for name, pair in found.items() if pair[0] != pair[1]}
    assert not grown, f"queries grew with the number of reports (few, many): {grown}"


def newest_code(**filters):
    return Report.objects.filter(**filters).order_by("-received_at").values_list("code", flat=True).first()


def test_public_pages_and_map(client, city):
    found = counts(client, {
        "home": "/",
        "list": "/phan-anh/",
        "list, open": "/phan-anh/?status=open",
        "list, category": "/phan-anh/?category=rac-thai",
        "list, ward": f"/phan-anh/?ward={city.ward_a.code}",
        "list, search": "/phan-anh/?q=duong",
        "list, page 2": lambda: "/phan-anh/?cursor=" + older_cursor(client),
        "map, singles": f"/api/v1/map?bbox={BBOX}&zoom=15",
        "map, one status": f"/api/v1/map?bbox={BBOX}&zoom=15&status=closed",
        "track": "/tra-cuu/",
    })
    assert_flat(found)


def older_cursor(client):
    """The cursor of the list's second page."""
    import re

    html = client.get("/phan-anh/").content.decode()
    match = re.search(r'rel="next" href="[^"]*cursor=([^"&]+)', html)
    assert match, "the list has a second page"
    return match.group(1)


def test_map_clusters_in_a_fixed_number_of_queries(client, city):
    # More than MAX_SINGLE_REPORTS (200) placed in view: the server clusters.
    url = f"/api/v1/map?bbox={BBOX}&zoom=13"
    found = []
    for count, seed in ((450, 3), (450, 4)):
        add_reports(count, seed)
        found.append(queries(client, url))
        assert client.get(url).json()["clusters"], "the view is clustered"
    assert found[0] == found[1], found


@pytest.mark.parametrize("status", [Status.CLOSED, Status.IN_PROGRESS])
def test_report_pages_do_not_grow_with_the_history(client, city, status):
    """Of two reports in the same status (so with the same actions offered),
    the one with the longest history, photos included, costs what the shortest costs."""
    add_reports(MANY, 5)
    by_events = Report.objects.filter(status=status).annotate(n=Count("events")).order_by("n", "id")
    short, long = by_events.first(), by_events.last()
    assert long.n >= short.n + 3
    public = [queries(client, f"/phan-anh/{report.code}/") for report in (short, long)]
    client.force_login(city.coordinator)
    console = [queries(client, f"/can-bo/phan-anh/{report.code}/") for report in (short, long)]
    assert public[0] == public[1], public
    assert console[0] == console[1], console
    # Five more reports closed as its duplicates: the staff page lists them at no extra cost.
    others = Report.objects.exclude(pk__in=[short.pk, long.pk]).filter(duplicates__isnull=True)[:5]
    Report.objects.filter(pk__in=[r.pk for r in others]).update(status=Status.DUPLICATE, duplicate_of=long)
    assert queries(client, f"/can-bo/phan-anh/{long.code}/") == console[1]
    client.logout()
    assert queries(client, f"/phan-anh/{long.code}/") == public[1]


def test_console_queues(client, city):
    def as_user(user, path):
        def url():
            client.force_login(user)
            return path
        return url

    found = counts(client, {
        "coordinator, open": as_user(city.coordinator, "/can-bo/"),
        "coordinator, all": as_user(city.coordinator, "/can-bo/?status=all"),
        "coordinator, closed": as_user(city.coordinator, f"/can-bo/?status={Status.CLOSED}"),
        "coordinator, overdue": as_user(city.coordinator, "/can-bo/?overdue=on"),
        "coordinator, search": as_user(city.coordinator, "/can-bo/?status=all&q=duong"),
        "ward head, open": as_user(city.head_a, "/can-bo/"),
        "ward officer, all": as_user(city.officer_a, "/can-bo/?status=all"),
    })
    assert_flat(found)


def test_unit_and_statistics_pages(client, city):
    month = (timezone.localdate(NOW).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    found = counts(client, {
        "units": "/don-vi/",
        "overview": "/thong-ke/",
        "overview, all time": "/thong-ke/?ky=all",
        "unit": f"/thong-ke/don-vi/{city.ward_a.code}/",
        "categories": "/thong-ke/linh-vuc/",
        "category": "/thong-ke/linh-vuc/rac-thai/",
        "wards": "/thong-ke/phuong-xa/",
        "ward": f"/thong-ke/phuong-xa/{city.ward_a.code}/",
        "monthly, city": f"/thong-ke/bao-cao-thang/{month}/",
        "monthly, unit": f"/thong-ke/bao-cao-thang/{month}/{city.ward_a.code}/",
        "API city": "/api/v1/stats/city",
        "API units": "/api/v1/stats/units",
    })
    assert_flat(found)


@pytest.mark.parametrize("path", ["/phan-anh/", "/can-bo/?status=all"])
def test_lists_read_no_event_and_count_nothing(client, city, path):
    """Lists never read the event log, and never COUNT the reports."""
    add_reports(FEW, 6)
    client.force_login(city.coordinator)
    with clock.at(NOW), CaptureQueriesContext(connection) as captured:
        client.get(path)
    sql = " ".join(q["sql"] for q in captured).lower()
    assert Event._meta.db_table not in sql
    assert "count(" not in sql


# --- the crowded map from the precomputed grid ---------------------------------------------

@pytest.fixture
def small_crowd(monkeypatch):
    """Crowded from a few hundred reports on, and no grid left from another test."""
    monkeypatch.setattr(mapgrid, "DENSE_FROM", 50)
    mapgrid.forget()
    cache.clear()
    yield
    mapgrid.forget()
    cache.clear()


def same_answer(grid_data, sql_data):
    """Equal but for the last digit of an average (the grid sums in another order)."""
    assert grid_data["reports"] == sql_data["reports"]
    assert [c["count"] for c in grid_data["clusters"]] == [c["count"] for c in sql_data["clusters"]]
    for ours, theirs in zip(grid_data["clusters"], sql_data["clusters"], strict=True):
        assert ours["lat"] == pytest.approx(theirs["lat"], abs=1.1e-6)
        assert ours["lng"] == pytest.approx(theirs["lng"], abs=1.1e-6)


def test_crowded_views_come_from_the_grid_in_one_query(client, city, small_crowd):
    add_reports(500, 7)
    with clock.at(NOW):
        first = client.get(f"/api/v1/map?bbox={BBOX}&zoom=13").json()  # SQL clusters, then the grid is built
    assert first["clusters"]
    assert mapgrid.current() is not None and cache.get(mapgrid._cache_key((None, None))) is not None
    for zoom in (9, 12, 13, 14, 15):
        url = f"/api/v1/map?bbox={BBOX}&zoom={zoom}"
        with clock.at(NOW), CaptureQueriesContext(connection) as captured:
            data = client.get(url).json()
        assert len(captured) == 1, [q["sql"] for q in captured]  # the bounded read that decides the mode
        query = mapdata.parse_query(BBOX, str(zoom))
        size = mapdata.cell_size(query)
        same_answer(data, mapdata._clustered(mapdata.reports_in_box(mapdata.snap_to_cells(query, size)), size))


def test_the_grid_answers_as_sql_clustering_does(city, small_crowd):
    add_reports(400, 8)
    grid = mapgrid.build()
    rng = random.Random(5)
    answered = 0
    for _ in range(150):
        zoom = rng.randrange(6, 20)
        lat, lng = rng.uniform(10.765, 10.780), rng.uniform(106.690, 106.716)
        half = 640 * 360 / (256 * 2 ** zoom)
        query = mapdata.MapQuery(lng - half, lat - half / 2, lng + half, lat + half / 2, zoom)
        size = mapdata.cell_size(query)
        data = grid.clusters(query, size)
        if data is None:  # cells finer than the grid's: SQL answers those
            assert size < grid.base_size
            continue
        answered += 1
        same_answer(data, mapdata._clustered(mapdata.reports_in_box(mapdata.snap_to_cells(query, size)), size))
    assert answered > 50


def test_a_stale_grid_answers_while_it_is_rebuilt(client, city, small_crowd):
    add_reports(450, 9)  # about 300 of them placed on the map
    url = f"/api/v1/map?bbox={BBOX}&zoom=13"
    with clock.at(NOW):
        client.get(url)
    old = mapgrid.current()
    old.built_at -= mapgrid.GRID_SECONDS + 1  # a minute later, here and in the shared cache
    cache.set(mapgrid._cache_key((None, None)), old)
    mapgrid._asked.clear()
    add_reports(450, 10)
    with clock.at(NOW):
        data = client.get(url).json()  # the old counts; the job (inline in tests) builds a new grid
    assert sum(c["count"] for c in data["clusters"]) + len(data["reports"]) < 400
    assert mapgrid.current() is not old
    with clock.at(NOW):
        data = client.get(url).json()
    assert sum(c["count"] for c in data["clusters"]) + len(data["reports"]) > 400


def test_a_filter_has_its_own_grid(client, city, small_crowd):
    add_reports(600, 11)
    url = f"/api/v1/map?bbox={BBOX}&zoom=13&status=closed"
    with clock.at(NOW):
        client.get(url)  # SQL clusters, then the grid of closed reports is built
    assert mapgrid.current(["closed"]) is not None and mapgrid.current() is None
    with clock.at(NOW), CaptureQueriesContext(connection) as captured:
        data = client.get(url).json()
    assert len(captured) == 1  # the bounded read that decides the mode
    query = mapdata.parse_query(BBOX, "13", "closed")
    size = mapdata.cell_size(query)
    same_answer(data, mapdata._clustered(mapdata.reports_in_box(mapdata.snap_to_cells(query, size)), size))
    assert sum(c["count"] for c in data["clusters"]) + len(data["reports"]) == Report.objects.filter(
        status=Status.CLOSED, lat__isnull=False).count()
