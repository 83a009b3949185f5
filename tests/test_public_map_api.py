"""GET /api/v1/map: the contract of DESIGN §8, clustering by density, validation, privacy."""

import math
import uuid

import pytest
from django.utils import timezone

from phananh.public import mapdata
from phananh.reports import workflow
from phananh.reports.models import Category, Report, Status

from .conftest import OUTSIDE_POINT, WARD_A_POINT, WARD_B_POINT

URL = "/api/v1/map"
CITY_BOX = "106.68,10.76,106.72,10.79"
REPORT_KEYS = {"code", "lat", "lng", "status", "category", "outcome"}


@pytest.fixture(autouse=True)
def own_cache(settings):
    # Clustered answers are cached; each test gets an empty cache of its own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"map-test-{uuid.uuid4()}"}}


def get_map(client, **params):
    params.setdefault("bbox", CITY_BOX)
    params.setdefault("zoom", "14")
    return client.get(URL, params)


def bulk_reports(points, category_code="rac-thai", status=Status.ASSIGNED, prefix="MAP"):
    """Rows straight into the table: the map only reads them, and 200+ go in at once."""
    category = Category.objects.get(code=category_code)
    now = timezone.now()
    Report.objects.bulk_create([
        Report(code=f"{prefix}-{i:05d}", category=category, description="x", lat=lat, lng=lng, status=status,
               citizen_token_hash="0" * 64, received_at=now, reporter_name="Nguyễn Văn An",
               reporter_phone="0903123456", reporter_email="an@example.com")
        for i, (lat, lng) in enumerate(points)
    ])


def test_few_reports_come_back_one_by_one_with_exactly_the_public_fields(client, submit_report, city):
    first = submit_report(reporter_name="Nguyễn Văn An", reporter_phone="0903123456",
                          reporter_email="an@example.com")
    second = submit_report(category="den-chieu-sang", point=WARD_B_POINT)
    response = get_map(client)
    assert response.status_code == 200
    data = response.json()
    assert data["clusters"] == []
    assert {r["code"] for r in data["reports"]} == {first.code, second.code}
    row = next(r for r in data["reports"] if r["code"] == first.code)
    assert set(row) == REPORT_KEYS
    assert row == {"code": first.code, "lat": WARD_A_POINT[0], "lng": WARD_A_POINT[1], "status": "assigned",
                   "category": "rac-thai", "outcome": ""}
    body = response.content.decode()
    for secret in ("Nguyễn", "0903123456", "an@example.com", "citizen_token"):
        assert secret not in body


def test_only_reports_inside_the_box_and_with_a_place(client, submit_report):
    inside = submit_report()
    submit_report(point=OUTSIDE_POINT)  # Hà Nội
    submit_report(point=None, ward=None, address="Chợ Bến Thành")
    codes = [r["code"] for r in get_map(client).json()["reports"]]
    assert codes == [inside.code]


def test_rejected_and_duplicate_reports_are_public_and_marked_by_status(client, submit_report, city):
    original = submit_report()
    rejected = workflow.apply(submit_report(category="khac"), "reject", city.coordinator, reason="Không phải phản ánh.")
    duplicate = workflow.apply(submit_report(), "merge", city.coordinator, original=original)
    statuses = {r["code"]: r["status"] for r in get_map(client).json()["reports"]}
    assert statuses[rejected.code] == "rejected"
    assert statuses[duplicate.code] == "duplicate"
    assert statuses[original.code] == "assigned"


def test_status_group_single_status_and_category_filters(client, submit_report, city):
    open_report = submit_report()
    light = submit_report(category="den-chieu-sang", point=WARD_B_POINT)
    rejected = workflow.apply(submit_report(category="khac"), "reject", city.coordinator, reason="Trùng lặp nội dung.")

    def codes(**params):
        return {r["code"] for r in get_map(client, **params).json()["reports"]}

    assert codes(status="open") == {open_report.code, light.code}
    assert codes(status="rejected") == {rejected.code}
    assert codes(status="assigned") == {open_report.code, light.code}
    assert codes(category="den-chieu-sang") == {light.code}
    assert codes(status="open", category="rac-thai") == {open_report.code}


def test_many_reports_are_grouped_on_the_grid_with_averaged_positions(client, city, django_assert_max_num_queries):
    # Two dense spots well inside different grid cells, plus one lonely report in a third cell.
    size = mapdata.cell_size(mapdata.MapQuery(106.68, 10.76, 106.72, 10.79, 14))
    spot_a = [(10.7700 + i * size / 500, 106.6900 + i * size / 500) for i in range(150)]
    spot_b = [(10.7800, 106.7100)] * 60
    bulk_reports(spot_a + spot_b)
    bulk_reports([(10.7650, 106.7150)], prefix="ONE")
    with django_assert_max_num_queries(2):
        response = get_map(client)
    data = response.json()
    assert sorted(c["count"] for c in data["clusters"]) == [60, 150]
    big = next(c for c in data["clusters"] if c["count"] == 150)
    assert big["lat"] == pytest.approx(sum(p[0] for p in spot_a) / 150, abs=1e-6)
    assert big["lng"] == pytest.approx(sum(p[1] for p in spot_a) / 150, abs=1e-6)
    small = next(c for c in data["clusters"] if c["count"] == 60)
    assert (small["lat"], small["lng"]) == (10.78, 106.71)
    # A cell holding one report is sent as that report, with its real position.
    assert data["reports"] == [{"code": "ONE-00000", "lat": 10.765, "lng": 106.715, "status": "assigned",
                                "category": "rac-thai", "outcome": ""}]
    assert "Nguyễn" not in response.content.decode()


def test_the_threshold_decides_between_single_reports_and_clusters(client, city):
    bulk_reports([(10.7700, 106.6900)] * mapdata.MAX_SINGLE_REPORTS)
    data = get_map(client).json()
    assert len(data["reports"]) == mapdata.MAX_SINGLE_REPORTS and data["clusters"] == []
    bulk_reports([(10.7700, 106.6900)], prefix="EXTRA")
    data = get_map(client).json()
    assert data["reports"] == [] and data["clusters"] == [{"lat": 10.77, "lng": 106.69, "count": 201}]


def test_a_filter_that_leaves_few_reports_switches_back_to_single_reports(client, city):
    bulk_reports([(10.7700, 106.6900)] * 205)
    bulk_reports([(10.7710, 106.6910)] * 3, status=Status.REJECTED, prefix="REJ")
    data = get_map(client, status="rejected").json()
    assert data["clusters"] == [] and len(data["reports"]) == 3


def test_the_grid_gets_finer_with_each_zoom_level_and_coarser_for_huge_boxes():
    at_14 = mapdata.cell_size(mapdata.MapQuery(106.68, 10.76, 106.72, 10.79, 14))
    at_15 = mapdata.cell_size(mapdata.MapQuery(106.68, 10.76, 106.72, 10.79, 15))
    assert at_15 == at_14 / 2
    # The whole world at zoom 22 would be trillions of cells: the grid is coarsened instead.
    world = mapdata.MapQuery(-180, -90, 180, 90, 22)
    size = mapdata.cell_size(world)
    assert (360 / size + 1) * (180 / size + 1) <= mapdata.MAX_CELLS


def test_zoom_changes_the_clusters(client, city):
    # 0.03° apart: separate cells at zoom 14 (0.0055° cells), one cell at zoom 8 (0.35° cells).
    bulk_reports([(10.7700, 106.6900)] * 120 + [(10.7700, 106.7200)] * 120)
    box = "106.60,10.70,106.80,10.85"
    assert len(get_map(client, bbox=box, zoom="14").json()["clusters"]) == 2
    assert get_map(client, bbox=box, zoom="8").json()["clusters"] == [
        {"lat": 10.77, "lng": 106.705, "count": 240}
    ]


def test_clusters_at_the_edge_of_the_view_count_their_whole_cell(client, city):
    size = mapdata.cell_size(mapdata.MapQuery(106.68, 10.76, 106.72, 10.79, 14))
    # The view's east edge runs through the middle of a grid cell; reports sit on both sides of it.
    east = (math.floor((106.72 + 180) / size) + 0.5) * size - 180
    bulk_reports([(10.7700, east - size / 10)] * 201)
    bulk_reports([(10.7700, east + size / 10)] * 50, prefix="OUT")
    data = get_map(client, bbox=f"106.68,10.76,{east},10.79").json()
    assert data["clusters"] == [{"lat": 10.77, "lng": pytest.approx(east - size / 10 + size / 5 * 50 / 251, abs=1e-6),
                                 "count": 251}]


def test_snapped_box_is_whole_cells_around_the_view():
    query = mapdata.MapQuery(106.68, 10.76, 106.72, 10.79, 14)
    size = mapdata.cell_size(query)
    snapped = mapdata.snap_to_cells(query, size)
    assert snapped.west <= query.west and snapped.east >= query.east
    assert snapped.south <= query.south and snapped.north >= query.north
    for edge, offset in ((snapped.west, 180), (snapped.east, 180), (snapped.south, 90), (snapped.north, 90)):
        assert (edge + offset) / size == pytest.approx(round((edge + offset) / size))
    world = mapdata.snap_to_cells(mapdata.MapQuery(-180, -90, 180, 90, 3), 45.0)
    assert (world.west, world.south, world.east, world.north) == (-180, -90, 180, 90)


def test_clustered_answers_are_cached_for_a_minute(client, city, django_assert_max_num_queries):
    bulk_reports([(10.7700, 106.6900)] * 205)
    first = get_map(client).json()
    bulk_reports([(10.7700, 106.6900)] * 5, prefix="NEW")
    with django_assert_max_num_queries(1):  # the bounded read that decides the mode; no grouping query
        again = get_map(client).json()
    assert again == first
    assert get_map(client, zoom="15").json()["clusters"][0]["count"] == 210  # another grid: computed afresh


@pytest.mark.parametrize("params, status, field", [
    ({"bbox": ""}, 400, "bbox"),
    ({"bbox": "106.68,10.76,106.72"}, 400, "bbox"),
    ({"bbox": "106.68,10.76,106.72,10.79,1"}, 400, "bbox"),
    ({"bbox": "a,b,c,d"}, 400, "bbox"),
    ({"bbox": "nan,10.76,106.72,10.79"}, 400, "bbox"),
    ({"bbox": "106.72,10.76,106.68,10.79"}, 422, "bbox"),   # west > east
    ({"bbox": "106.68,10.79,106.72,10.76"}, 422, "bbox"),   # south > north
    ({"bbox": "106.68,10.76,106.68,10.79"}, 422, "bbox"),   # empty width
    ({"bbox": "-181,10.76,106.72,10.79"}, 422, "bbox"),
    ({"bbox": "106.68,-91,106.72,10.79"}, 422, "bbox"),
    ({"zoom": ""}, 400, "zoom"),
    ({"zoom": "abc"}, 400, "zoom"),
    ({"zoom": "14.5"}, 400, "zoom"),
    ({"zoom": "23"}, 422, "zoom"),
    ({"zoom": "-1"}, 422, "zoom"),
    ({"status": "lost"}, 422, "status"),
    ({"category": "khong-co"}, 422, "category"),
])
def test_bad_parameters_get_a_clear_json_error(client, city, params, status, field):
    response = get_map(client, **params)
    assert response.status_code == status
    body = response.json()
    assert body["field"] == field
    assert isinstance(body["detail"], str) and len(body["detail"]) > 10


def test_missing_parameters_are_a_400_not_a_500(client, db):
    response = client.get(URL)
    assert response.status_code == 400
    assert response.json()["field"] == "bbox"


def test_zoom_limits_are_accepted(client, city):
    assert get_map(client, zoom="0").status_code == 200
    assert get_map(client, zoom="22").status_code == 200
    assert get_map(client, bbox="-180,-90,180,90", zoom="22").status_code == 200


def test_the_endpoint_is_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/map"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"bbox", "zoom", "status", "category"}
    assert {"200", "400", "422"} <= set(operation["responses"])
