"""Point → ward lookups, responsible units and routing decisions with their reasons."""

import time

import pytest
from django.utils import translation

from phananh.reports.models import Category
from phananh.units import routing
from phananh.units.models import Area, Unit, UnitKind

from .conftest import OUTSIDE_POINT, WARD_A_POINT, WARD_B_POINT, make_area, square

SHARED_EDGE_LNG = 106.703  # the border between the fixture squares A and B


@pytest.fixture(autouse=True)
def fresh_index():
    """The area index is per process; areas of another test's (rolled back)
    city must not answer this test's lookups, and ours must not leak out."""
    routing.forget_index()
    yield
    routing.forget_index()


def unit(code, kind, parent, subtype="", name=None, **extra):
    return Unit.objects.create(code=code, name=name or code, kind=kind, subtype=subtype, parent=parent, **extra)


# --- ward_at ------------------------------------------------------------------------

def test_points_inside_each_ward(city):
    assert routing.ward_at(*WARD_A_POINT) == city.ward_a
    assert routing.ward_at(*WARD_B_POINT) == city.ward_b


def test_point_outside_every_area(city):
    assert routing.ward_at(*OUTSIDE_POINT) is None
    assert routing.ward_at(10.7725, 106.7161) is None  # just east of B


def test_no_areas_at_all(db):
    assert routing.ward_at(*WARD_A_POINT) is None


def test_point_on_the_outer_border_belongs_to_the_ward(city):
    assert routing.ward_at(10.7725, 106.690) == city.ward_a
    assert routing.ward_at(10.780, 106.710) == city.ward_b


def test_point_on_a_shared_edge_goes_to_one_ward_always_the_same(city):
    # Both squares touch the point; their areas differ only by float rounding.
    answers = {routing.ward_at(10.7725, SHARED_EDGE_LNG) for _ in range(3)}
    routing.forget_index()
    answers.add(routing.ward_at(10.7725, SHARED_EDGE_LNG))
    assert answers == {city.ward_a}  # the older area


def test_shared_edge_tie_does_not_depend_on_insertion_order(db):
    province = unit("p", UnitKind.PROVINCE, None)
    east = unit("east", UnitKind.WARD, province)
    west = unit("west", UnitKind.WARD, province)
    make_area(east, square(106.703, 10.765, 106.716, 10.780))  # imported first
    make_area(west, square(106.690, 10.765, 106.703, 10.780))
    assert routing.ward_at(10.7725, SHARED_EDGE_LNG) == east


def test_overlapping_areas_the_smallest_wins(city):
    market = unit("cho-ben-thanh", UnitKind.WARD, city.province, name="Khu chợ Bến Thành")
    make_area(market, square(106.6975, 10.7720, 106.6985, 10.7730))  # inside A
    routing.forget_index()
    assert routing.ward_at(*WARD_A_POINT) == market
    assert routing.ward_at(10.7700, 106.6950) == city.ward_a


def test_multipolygon_areas(db):
    province = unit("p", UnitKind.PROVINCE, None)
    islands = unit("con-dao", UnitKind.WARD, province)
    geometry = {"type": "MultiPolygon", "coordinates": [
        square(106.60, 8.68, 106.62, 8.70)["coordinates"],
        square(106.50, 8.60, 106.52, 8.62)["coordinates"],
    ]}
    Area.objects.create(unit=islands, name="Côn Đảo", geometry=geometry, min_lat=8.60, min_lng=106.50,
                        max_lat=8.70, max_lng=106.62)
    assert routing.ward_at(8.69, 106.61) == islands
    assert routing.ward_at(8.61, 106.51) == islands
    assert routing.ward_at(8.65, 106.56) is None


def test_index_is_kept_for_a_few_seconds_then_refreshed(city, monkeypatch):
    assert routing.ward_at(*OUTSIDE_POINT) is None  # index built and checked now
    hanoi = unit("hoan-kiem", UnitKind.WARD, city.province, name="Phường Hoàn Kiếm")
    lat, lng = OUTSIDE_POINT
    make_area(hanoi, square(lng - 0.01, lat - 0.01, lng + 0.01, lat + 0.01))
    # Within the check interval the cached index answers (that is the point of caching).
    assert routing.ward_at(*OUTSIDE_POINT) is None
    # Once the interval has passed, the changed row count rebuilds the index.
    later = time.monotonic() + routing._REFRESH_CHECK_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert routing.ward_at(*OUTSIDE_POINT) == hanoi


def test_forget_index_sees_a_new_area_at_once(city):
    assert routing.ward_at(*OUTSIDE_POINT) is None
    hanoi = unit("hoan-kiem", UnitKind.WARD, city.province)
    lat, lng = OUTSIDE_POINT
    make_area(hanoi, square(lng - 0.01, lat - 0.01, lng + 0.01, lat + 0.01))
    routing.forget_index()
    assert routing.ward_at(*OUTSIDE_POINT) == hanoi


def test_edited_and_deleted_areas_are_noticed(city, monkeypatch):
    assert routing.ward_at(*WARD_A_POINT) == city.ward_a
    clock = [time.monotonic()]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    area = city.ward_a.areas.get()
    area.geometry = square(106.600, 10.600, 106.610, 10.610)  # moved away: same row count
    area.save()
    clock[0] += routing._REFRESH_CHECK_SECONDS + 1
    assert routing.ward_at(*WARD_A_POINT) is None
    assert routing.ward_at(10.605, 106.605) == city.ward_a
    area.delete()
    clock[0] += routing._REFRESH_CHECK_SECONDS + 1
    assert routing.ward_at(10.605, 106.605) is None


# --- responsible_unit -----------------------------------------------------------------

def test_ward_handler_is_the_ward_itself(city):
    assert routing.responsible_unit("ward", city.ward_a) == city.ward_a
    assert routing.responsible_unit("ward", city.ward_b) == city.ward_b


def test_ward_police_is_the_wards_own_police_post(city):
    assert routing.responsible_unit("ward:police", city.ward_a) == city.police_a
    # Sài Gòn has no police post of its own: never borrow Bến Thành's.
    assert routing.responsible_unit("ward:police", city.ward_b) is None


def test_utility_is_found_above_the_ward(city):
    assert routing.responsible_unit("utility:lighting", city.ward_a) == city.lighting
    assert routing.responsible_unit("utility:lighting", city.ward_b) == city.lighting


def test_department_is_found_above_the_ward(city):
    transport = unit("so-gtvt", UnitKind.DEPARTMENT, city.province, subtype="transport")
    assert routing.responsible_unit("department:transport", city.ward_a) == transport


def test_missing_units_give_none(city):
    assert routing.responsible_unit("utility:water", city.ward_a) is None
    assert routing.responsible_unit("department:health", city.ward_a) is None
    assert routing.responsible_unit("", city.ward_a) is None


def test_the_nearest_unit_of_a_kind_wins(city):
    local = unit("chieu-sang-bt", UnitKind.UTILITY, city.ward_a, subtype="lighting")
    assert routing.responsible_unit("utility:lighting", city.ward_a) == local
    assert routing.responsible_unit("utility:lighting", city.ward_b) == city.lighting


def test_a_unit_changed_by_another_process_is_seen_at_the_next_check(city, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from phananh.units import directory

    assert routing.responsible_unit("utility:lighting", city.ward_a) == city.lighting
    # Another process deactivates the company: no signal reaches this one,
    # only the moved updated_at.
    Unit.objects.filter(pk=city.lighting.pk).update(is_active=False, updated_at=timezone.now() + timedelta(seconds=1))
    monkeypatch.setattr(directory._units, "seconds", 0)
    assert routing.responsible_unit("utility:lighting", city.ward_a) is None


def test_routing_hands_out_copies_of_the_units_it_keeps(city):
    found = routing.responsible_unit("utility:lighting", city.ward_a)
    found.name = "changed by a caller"
    assert routing.responsible_unit("utility:lighting", city.ward_a).name == city.lighting.name
    assert routing.ward_at(*WARD_A_POINT) is not routing.ward_at(*WARD_A_POINT)


def test_inactive_units_are_skipped(city):
    city.lighting.is_active = False
    city.lighting.save()
    assert routing.responsible_unit("utility:lighting", city.ward_a) is None
    spare = unit("chieu-sang-2", UnitKind.UTILITY, city.province, subtype="lighting")
    assert routing.responsible_unit("utility:lighting", city.ward_a) == spare
    city.police_a.is_active = False
    city.police_a.save()
    assert routing.responsible_unit("ward:police", city.ward_a) is None


def test_an_inactive_ward_does_not_pass_its_reports_to_a_neighbour(city):
    city.ward_a.is_active = False
    city.ward_a.save()
    assert routing.responsible_unit("ward", city.ward_a) is None
    # Its city-wide services still answer.
    assert routing.responsible_unit("utility:lighting", city.ward_a) == city.lighting


def test_old_three_level_tree_finds_the_wards_own_district(city):
    other = unit("quan-3", UnitKind.DISTRICT, city.province)  # an older, unrelated district
    district = unit("quan-1", UnitKind.DISTRICT, city.province)
    ward = unit("phuong-x", UnitKind.WARD, district)
    assert other.pk < district.pk
    assert routing.responsible_unit("district", ward) == district
    assert routing.responsible_unit("province", ward) == city.province
    assert routing.responsible_unit("utility:lighting", ward) == city.lighting


# --- decide and explain ---------------------------------------------------------------

def category(code):
    return Category.objects.get(code=code)


def test_decide_routes_to_the_responsible_unit(city):
    decision = routing.decide(category("rac-thai"), city.ward_a)
    assert decision.unit == city.ward_a
    assert decision.reason == "handler_kind"
    assert decision.params == {"category": "rac-thai", "handler": "ward", "ward": city.ward_a.name,
                               "unit": city.ward_a.name}


def test_decide_coordinator_category(city):
    decision = routing.decide(category("khac"), city.ward_a)
    assert (decision.unit, decision.reason) == (None, "category_coordinator")


def test_decide_without_location(city):
    decision = routing.decide(category("rac-thai"), None, has_location=False)
    assert (decision.unit, decision.reason) == (None, "no_location")


def test_decide_outside_every_area(city):
    decision = routing.decide(category("rac-thai"), None)
    assert (decision.unit, decision.reason) == (None, "no_area")


def test_decide_no_unit_of_the_kind(city):
    decision = routing.decide(category("cap-nuoc"), city.ward_b)
    assert (decision.unit, decision.reason) == (None, "no_unit")
    assert decision.params["ward"] == city.ward_b.name
    assert decision.params["handler"] == "utility:water"


def test_explain_in_english(city):
    with translation.override("en"):
        assert routing.decide(category("khac"), city.ward_a).explain() == (
            'Category “Other issues” is always triaged by a coordinator.')
        assert routing.decide(category("rac-thai"), None, has_location=False).explain() == (
            "The report has no location yet; a coordinator must place it.")
        assert routing.decide(category("rac-thai"), None).explain() == (
            "The location is not inside any known area.")
        assert routing.decide(category("cap-nuoc"), city.ward_b).explain() == (
            'No active unit of kind “Public utility (water)” covers Phường Sài Gòn.')
        assert routing.decide(category("den-chieu-sang"), city.ward_a).explain() == (
            'Category “Street lighting failure” is handled by: Public utility (street lighting); '
            'Công ty Chiếu sáng covers Phường Bến Thành.')


def test_explain_in_vietnamese_fills_in_the_names(city):
    with translation.override("vi"):
        text = routing.decide(category("den-chieu-sang"), city.ward_a).explain()
    # The catalog comes later; whatever the wording, the Vietnamese names are in it.
    assert "Công ty Chiếu sáng" in text and "Phường Bến Thành" in text
    assert "%(" not in text


def test_explain_reads_back_event_params(city):
    decision = routing.decide(category("rac-thai"), city.ward_a)
    assert routing.explain(decision.reason, dict(decision.params)) == decision.explain()


def test_explain_unknown_reason_or_missing_params_never_fails():
    assert routing.explain("manual", {}) == "manual"
    with translation.override("en"):
        assert routing.explain("no_unit", {"handler": "ward"}) == (  # an old event without "ward"
            'No active unit of kind “Ward / commune” covers ….')
        assert routing.explain("no_area", None) == "The location is not inside any known area."
