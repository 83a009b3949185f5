"""`manage.py import_areas`: GeoJSON boundaries in, all or nothing."""

import json

import pytest
from django.core.management import CommandError, call_command

from phananh.units import routing
from phananh.units.models import Area, Unit, UnitKind

from .conftest import square

A_SQUARE = square(106.690, 10.765, 106.703, 10.780)
B_SQUARE = square(106.703, 10.765, 106.716, 10.780)
BOWTIE = {"type": "Polygon", "coordinates": [[
    [106.70, 10.77], [106.71, 10.78], [106.71, 10.77], [106.70, 10.78], [106.70, 10.77],
]]}


@pytest.fixture(autouse=True)
def fresh_index():
    routing.forget_index()
    yield
    routing.forget_index()


@pytest.fixture
def wards(db):
    province = Unit.objects.create(name="Thành phố Hồ Chí Minh", code="79", kind=UnitKind.PROVINCE)
    a = Unit.objects.create(name="Phường Bến Thành", code="26743", kind=UnitKind.WARD, parent=province)
    b = Unit.objects.create(name="Phường Sài Gòn", code="26740", kind=UnitKind.WARD, parent=province)
    return province, a, b


def feature(code, geometry, name=None, **props):
    properties = {"code": code, **props}
    if name is not None:
        properties["name"] = name
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def geojson(tmp_path, *features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}), encoding="utf-8")
    return str(path)


def run(*args, **opts):
    call_command("import_areas", *args, verbosity=0, **opts)


def test_valid_feature_collection(wards, tmp_path):
    _province, a, b = wards
    path = geojson(tmp_path, feature("26743", A_SQUARE, "Bến Thành"), feature(26740, B_SQUARE))
    run(path, source="Sở TN&MT 2025")
    area_a, area_b = Area.objects.get(unit=a), Area.objects.get(unit=b)
    assert area_a.name == "Bến Thành" and area_b.name == "26740"  # numeric code read as text; name falls back
    assert (area_a.min_lng, area_a.min_lat, area_a.max_lng, area_a.max_lat) == (106.690, 10.765, 106.703, 10.780)
    assert area_a.geometry == A_SQUARE
    assert area_a.source == "Sở TN&MT 2025" and not area_a.synthetic
    assert routing.ward_at(10.7725, 106.6980) == a


def test_a_single_feature_file(wards, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(feature("26743", A_SQUARE)), encoding="utf-8")
    run(str(path))
    assert Area.objects.count() == 1


def test_other_property_names(wards, tmp_path):
    path = geojson(tmp_path, {"type": "Feature", "properties": {"ma_xa": "26743", "ten": "BT"},
                              "geometry": A_SQUARE})
    run(path, unit_property="ma_xa", name_property="ten")
    assert Area.objects.get().name == "BT"


@pytest.mark.parametrize("props", [{}, {"code": ""}, {"code": None}, {"code": "   "}])
def test_missing_unit_property(wards, tmp_path, props):
    path = geojson(tmp_path, {"type": "Feature", "properties": props, "geometry": A_SQUARE})
    with pytest.raises(CommandError, match="feature 1: property 'code' is missing"):
        run(path)
    assert Area.objects.count() == 0


def test_unknown_unit_without_create_units_under(wards, tmp_path):
    path = geojson(tmp_path, feature("99999", A_SQUARE, "Phường Mới"))
    with pytest.raises(CommandError, match="no unit with code '99999'.*--create-units-under"):
        run(path)
    assert not Unit.objects.filter(code="99999").exists()


def test_unknown_unit_with_create_units_under(wards, tmp_path):
    province, _a, _b = wards
    path = geojson(tmp_path, feature("99999", A_SQUARE, "Phường Mới"))
    run(path, create_units_under="79")
    created = Unit.objects.get(code="99999")
    assert (created.name, created.kind, created.parent) == ("Phường Mới", UnitKind.WARD, province)
    assert created.path == f"{province.path}{created.pk}/"
    assert Area.objects.get().unit == created


def test_create_units_under_an_unknown_parent(wards, tmp_path):
    with pytest.raises(CommandError, match="no unit with code 'nowhere'"):
        run(geojson(tmp_path, feature("99999", A_SQUARE)), create_units_under="nowhere")


def test_areas_belong_to_wards_only(wards, tmp_path):
    province, a, _b = wards
    Unit.objects.create(name="Công an phường", code="ca-1", kind=UnitKind.WARD, subtype="police", parent=a)
    for code in ("79", "ca-1"):
        with pytest.raises(CommandError, match="not a ward or commune"):
            run(geojson(tmp_path, feature(code, A_SQUARE)))
    assert Area.objects.count() == 0


@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": [106.7, 10.77]},
    {"type": "LineString", "coordinates": [[106.7, 10.77], [106.71, 10.78]]},
    None,
    [],
    "Polygon",
])
def test_non_polygon_geometry(wards, tmp_path, geometry):
    with pytest.raises(CommandError, match="geometry must be a Polygon or MultiPolygon"):
        run(geojson(tmp_path, feature("26743", geometry)))
    assert Area.objects.count() == 0


def test_self_intersecting_polygon(wards, tmp_path):
    with pytest.raises(CommandError, match="feature 1: invalid polygon .*Self-intersection"):
        run(geojson(tmp_path, feature("26743", BOWTIE)))
    assert Area.objects.count() == 0


@pytest.mark.parametrize("geometry, message", [
    ({"type": "Polygon", "coordinates": [[[106.7, 10.77], [106.71]]]}, "unreadable geometry"),
    ({"type": "Polygon", "coordinates": []}, "empty"),
    (square(10.765, 106.690, 10.780, 106.703), "out of range"),  # latitude and longitude swapped
])
def test_broken_geometries(wards, tmp_path, geometry, message):
    with pytest.raises(CommandError, match=message):
        run(geojson(tmp_path, feature("26743", geometry)))
    assert Area.objects.count() == 0


@pytest.mark.parametrize("content", ["not json at all", "{\"type\": \"FeatureCollection\",", "\xff\xfe"])
def test_not_json(wards, tmp_path, content):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(CommandError, match="cannot read"):
        run(str(path))


@pytest.mark.parametrize("data", [
    [1, 2, 3],
    {"type": "Topology"},
    {"type": "FeatureCollection", "features": {"a": 1}},
    {"type": "FeatureCollection", "features": ["nope"]},
    {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": "x", "geometry": A_SQUARE}]},
])
def test_not_geojson_features(wards, tmp_path, data):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError):
        run(str(path))
    assert Area.objects.count() == 0


def test_missing_file(wards, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.geojson"))


def test_all_or_nothing_across_files(wards, tmp_path):
    good = geojson(tmp_path, feature("26743", A_SQUARE), feature("26740", B_SQUARE), name="good.geojson")
    bad = geojson(tmp_path, feature("26743", A_SQUARE), feature("26740", BOWTIE), name="bad.geojson")
    with pytest.raises(CommandError, match="bad.geojson, feature 2"):
        run(good, bad)
    assert Area.objects.count() == 0
    # Units created on the way are rolled back too.
    new = geojson(tmp_path, feature("11111", A_SQUARE), name="new.geojson")
    with pytest.raises(CommandError):
        run(new, bad, create_units_under="79")
    assert not Unit.objects.filter(code="11111").exists()
    # An unreadable second file stops the import before anything is written.
    broken = tmp_path / "broken.geojson"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError):
        run(good, str(broken))
    assert Area.objects.count() == 0


def test_replace(wards, tmp_path):
    _province, a, b = wards
    run(geojson(tmp_path, feature("26743", A_SQUARE), feature("26740", B_SQUARE)))
    moved = square(106.600, 10.600, 106.610, 10.610)
    # Without --replace a second import adds areas.
    run(geojson(tmp_path, feature("26743", moved), name="again.geojson"))
    assert a.areas.count() == 2
    # With --replace the unit's areas are exactly the file's; two features of one unit both stay.
    part = square(106.620, 10.600, 106.630, 10.610)
    run(geojson(tmp_path, feature("26743", moved), feature("26743", part), name="new.geojson"), replace=True)
    assert sorted(x.geometry["coordinates"][0][0][0] for x in a.areas.all()) == [106.600, 106.620]
    assert b.areas.count() == 1  # units not in the file keep theirs


def test_synthetic(wards, tmp_path):
    run(geojson(tmp_path, feature("26743", A_SQUARE)), synthetic=True)
    assert Area.objects.get().synthetic is True


def test_reports_a_count(wards, tmp_path, capsys):
    call_command("import_areas", geojson(tmp_path, feature("26743", A_SQUARE), feature("26740", B_SQUARE)))
    assert "imported 2 areas from 1 file(s)" in capsys.readouterr().out
