"""`manage.py load_demo`: the demo city, its staff and report histories."""

import random
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone
from shapely.geometry import box, shape
from shapely.ops import unary_union

from phananh.demo import areas, city, history, photos, texts
from phananh.reports.models import Category, Event, Media, MediaKind, Outcome, Rating, Report, Status
from phananh.sla.service import current_calendar
from phananh.units import routing
from phananh.units.models import Area, Membership, Role, Unit, UnitKind

WARD_CODES = {"26740", "26737", "26743", "26758", "27160", "27139", "27142", "26944"}
README = Path(city.__file__).with_name("README.md")


def load_demo(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count()
            for model in (Unit, Area, get_user_model(), Membership, Category, Report, Event, Media)}


def assert_city():
    province = Unit.objects.get(code="79")
    assert province.name == "Thành phố Hồ Chí Minh" and province.kind == UnitKind.PROVINCE
    wards = Unit.objects.filter(kind=UnitKind.WARD, subtype="", parent=province)
    assert set(wards.values_list("code", flat=True)) == WARD_CODES
    assert "Phường Cầu Ông Lãnh" in {w.name for w in wards}
    assert all("  " not in w.name for w in wards)
    for ward in wards:
        area = ward.areas.get()
        assert area.synthetic and area.source == areas.SOURCE
        post = ward.children.get(subtype="police")
        assert post.kind == UnitKind.WARD and post.name.startswith("Công an phường")
        roles = dict(Membership.objects.filter(unit=ward).values_list("role", "user__username"))
        assert set(roles) == {Role.HEAD, Role.OFFICER}
        assert Membership.objects.filter(unit=post, role=Role.OFFICER).exists()
    subtypes = {(u.kind, u.subtype) for u in Unit.objects.filter(parent=province)}
    for utility in ("water", "lighting", "drainage", "parks", "power", "telecom"):
        assert (UnitKind.UTILITY, utility) in subtypes
    for department in ("transport", "health", "education"):
        assert (UnitKind.DEPARTMENT, department) in subtypes
    for unit in Unit.objects.filter(kind__in=[UnitKind.UTILITY, UnitKind.DEPARTMENT]):
        assert Membership.objects.filter(unit=unit, role=Role.OFFICER).exists(), unit
    coordination = Unit.objects.get(kind=UnitKind.COORDINATOR)
    assert coordination.parent == province and coordination.name == "Tổ điều phối 1022"
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="dieuphoi").memberships.get().role == Role.COORDINATOR
    assert users.get(username="benthanh_truong").check_password(city.STAFF_PASSWORD)
    assert users.get(username="chieusang").get_full_name()
    assert Category.objects.count() == 23


def assert_reports(expected_count):
    assert Report.objects.count() == expected_count
    assert set(Report.objects.values_list("status", flat=True)) == set(Status.values)
    assert not Report.objects.annotate(n=Count("events")).filter(n=0).exists()
    for report in Report.objects.prefetch_related("events"):
        events = sorted(report.events.all(), key=lambda e: e.seq)
        assert events[0].type == "submitted"
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        assert events[0].created_at == report.received_at
    now = timezone.now()
    assert not Event.objects.filter(created_at__gt=now).exists()
    assert not Report.objects.filter(received_at__lt=now - timedelta(days=62)).exists()
    # Staff work in office hours.
    calendar = current_calendar()
    for event in Event.objects.filter(type__in=["acknowledged", "started", "resolved"]):
        local = event.created_at.astimezone(calendar.tz)
        assert any(start <= local <= end for start, end in calendar.windows_on(local.date())), event
    resolved = Report.objects.filter(status=Status.RESOLVED)
    assert set(resolved.values_list("outcome", flat=True)) == set(Outcome.values)
    assert Report.objects.filter(status=Status.CLOSED, rating=Rating.SATISFIED).exists()
    assert Report.objects.filter(status=Status.CLOSED, rating="").exists()  # closed when the window ran out
    assert not Report.objects.filter(status=Status.REJECTED, public_reason="").exists()
    duplicates = Report.objects.filter(status=Status.DUPLICATE)
    assert not duplicates.filter(duplicate_of__isnull=True).exists()
    for duplicate in duplicates.select_related("duplicate_of"):
        assert duplicate.duplicate_of.received_at < duplicate.received_at
    for report in Report.objects.filter(outcome=Outcome.FIXED):
        assert report.media.filter(kind=MediaKind.PROOF).exists(), report
    assert Media.objects.filter(kind=MediaKind.EVIDENCE).exists()
    assert all(m.ready and not m.incoming for m in Media.objects.all())
    open_reports = Report.objects.filter(status__in=[Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS])
    assert open_reports.filter(resolve_due__lt=now).exists()  # some overdue
    assert open_reports.filter(resolve_due__gt=now).exists()  # some still on time
    assert Report.objects.filter(lat__isnull=True, ward__isnull=False).exists()  # ward chosen, no point
    assert Report.objects.filter(confidential=True).exclude(reporter_name="").exists()
    assert Report.objects.filter(reporter_phone__regex=r"^0[35789]\d{8}$").exists()
    call_command("verify_audit", stdout=StringIO())


def assert_points_route_to_their_ward():
    routing.forget_index()
    picker = areas.PointPicker(Area.objects.all())
    rng = random.Random(1)
    for ward in Unit.objects.filter(code__in=WARD_CODES):
        for _ in range(5):
            assert routing.ward_at(*picker.point_in(rng, ward.pk)) == ward
        centre = shape(ward.areas.get().geometry).representative_point()
        assert routing.ward_at(centre.y, centre.x) == ward
    for report in Report.objects.filter(lat__isnull=False).select_related("ward")[:50]:
        assert routing.ward_at(report.lat, report.lng) == report.ward


@pytest.mark.django_db
def test_default_demo_is_complete_and_a_second_run_changes_nothing():
    output = load_demo()
    assert "Demo loaded" in output and "benthanh_canbo" in output and city.STAFF_PASSWORD in output
    assert_city()
    assert_reports(200)
    assert set(Report.objects.values_list("category__code", flat=True)) == set(
        Category.objects.values_list("code", flat=True))
    assert_points_route_to_their_ward()
    before = counts()
    again = load_demo()
    assert "already loaded" in again and "benthanh_canbo" not in again
    assert counts() == before


@pytest.mark.django_db
def test_a_small_demo_still_shows_every_state():
    load_demo("--reports", "30")
    assert_reports(30)


@pytest.mark.django_db
def test_units_that_already_exist_are_reused_and_real_boundaries_kept():
    province = Unit.objects.create(code="79", name="Thành phố Hồ Chí Minh", kind=UnitKind.PROVINCE)
    ben_thanh = Unit.objects.create(code="26743", name="Phường Bến Thành", kind=UnitKind.WARD, parent=province)
    official = {"type": "Polygon", "coordinates": [[[106.69, 10.76], [106.70, 10.76], [106.70, 10.77],
                                                     [106.69, 10.77], [106.69, 10.76]]]}
    Area.objects.create(unit=ben_thanh, name="Bến Thành", geometry=official, min_lat=10.76, min_lng=106.69,
                        max_lat=10.77, max_lng=106.70, source="official")
    load_demo("--reports", "0")
    assert Unit.objects.filter(code="79").count() == 1
    assert list(ben_thanh.areas.values_list("source", flat=True)) == ["official"]
    assert Area.objects.filter(synthetic=True).count() == 7
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_the_seed_decides_the_reports_and_the_load_time_only_their_dates():
    load_demo("--reports", "0")
    categories = {c.code: c for c in Category.objects.all()}
    wards = [(w, w.code) for w in Unit.objects.filter(code__in=WARD_CODES).order_by("code")]
    picker = areas.PointPicker(Area.objects.all())
    now = timezone.now()

    def plans(seed, at):
        planner = history.Planner(seed=seed, now=at, categories=categories, wards=wards, picker=picker,
                                  calendar=current_calendar())
        return planner.plans(40)

    def content(ps):
        # A duplicate repeats an earlier report old enough at load time, so only it may change with the day.
        return [(p.scenario, p.category, p.description, p.point) for p in ps if p.scenario != "duplicate"]

    def stories(ps):
        return [(p.description, [(s.at, s.action, s.actor) for s in p.steps]) for p in ps]

    first = plans(7, now)
    assert stories(plans(7, now)) == stories(first)
    assert content(plans(7, now + timedelta(days=3))) == content(first)
    assert content(plans(8, now)) != content(first)
    for plan in first:
        assert all(a.at < b.at for a, b in zip(plan.steps, plan.steps[1:], strict=False)), plan.scenario
        assert plan.steps[-1].at < now


def test_synthetic_wards_tile_the_box_without_gaps_or_overlaps():
    cells = [shape({"type": "Polygon", "coordinates": c}) for c in areas.grid_cells(areas.DEMO_BOUNDS, 2, 4)]
    assert len(cells) == 8 and all(c.is_valid for c in cells)
    assert unary_union(cells).symmetric_difference(box(*areas.DEMO_BOUNDS)).area < 1e-12
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            assert a.intersection(b).area < 1e-12
    assert not any(c.equals(c.envelope) for c in cells)  # not plain rectangles


def test_writing_styles():
    rng = random.Random(3)
    fillers, _address = texts.place(rng, "27142")
    assert fillers["street"] in texts.STREETS["27142"]
    sms = texts.describe(rng, "den-chieu-sang", fillers, "sms")
    assert sms.isascii() and sms == sms.lower()
    nodiac = texts.describe(rng, "rac-thai", fillers, "nodiac", ward_handled=True)
    assert nodiac.isascii()
    formal = texts.describe(rng, "rac-thai", fillers, "formal", ward_handled=True, ward_name="Phường Nhiêu Lộc",
                            reporter_name="Lê Văn An")
    assert formal.startswith("Kính gửi UBND phường Nhiêu Lộc.") and "Lê Văn An" in formal
    assert texts.strip_diacritics("Đèn đường hư ở Nhiêu Lộc") == "Den duong hu o Nhieu Loc"
    assert set(texts.CASUAL) == set(texts.SMS) == set(texts.FIXED)
    assert re.fullmatch(r"0\d{9}", texts.phone_number(rng))


def test_every_scene_draws_a_picture_and_its_fixed_version():
    for code in photos.SCENES:
        before = photos.draw(code, random.Random(code))
        after = photos.draw(code, random.Random(code), after=True)
        assert before.size == photos.PHOTO_SIZE and before.mode == "RGB"
        assert len(before.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20, code  # a scene, not a flat box
        assert before.tobytes() != after.tobytes(), code


def test_readme_lists_every_demo_account():
    readme = README.read_text(encoding="utf-8")
    rows = {tuple(cell.strip(" `") for cell in line.strip("|").split("|")[:2])
            for line in readme.splitlines() if line.startswith("|")}
    _province, wards = city.official_wards()
    usernames = ["admin", "dieuphoi"] + [f"{slug}_{role}" for _code, _name, slug in wards
                                         for role in ("truong", "canbo", "congan")]
    usernames += [username for *_unit, username in city.CITY_UNITS]
    for username in usernames:
        password = city.ADMIN_PASSWORD if username == "admin" else city.STAFF_PASSWORD
        assert (username, password) in rows, username


@pytest.mark.django_db
def test_generate_areas_writes_synthetic_boundaries_that_import_areas_accepts(tmp_path):
    province = Unit.objects.create(code="79", name="Thành phố Hồ Chí Minh", kind=UnitKind.PROVINCE)
    wards = [Unit.objects.create(code=f"2700{i}", name=f"Phường {i}", kind=UnitKind.WARD, parent=province)
             for i in range(5)]
    Unit.objects.create(code="ca-27000", name="Công an", kind=UnitKind.WARD, subtype="police", parent=wards[0])
    path = tmp_path / "wards.geojson"
    call_command("generate_areas", "79", "--bbox", "106.60,10.70,106.80,10.90", "--output", str(path),
                 stderr=StringIO())
    call_command("import_areas", str(path), "--synthetic", "--source", "generated", stdout=StringIO())
    assert Area.objects.count() == 5 and not Area.objects.filter(synthetic=False).exists()
    polygons = {area.unit_id: shape(area.geometry) for area in Area.objects.all()}
    routing.forget_index()
    for ward in wards:
        centre = polygons[ward.pk].representative_point()
        assert routing.ward_at(centre.y, centre.x) == ward
    with pytest.raises(CommandError, match="already has an area"):
        call_command("generate_areas", "79", "--bbox", "106.60,10.70,106.80,10.90", stdout=StringIO())
    with pytest.raises(CommandError, match="west,south,east,north"):
        call_command("generate_areas", "79", "--bbox", "10.9,106.8,10.7,106.6", stdout=StringIO())


def test_generate_areas_builds_a_synthetic_country_that_routes(db):
    out = StringIO()
    call_command("generate_areas", "--communes", "120", stdout=out)
    assert "34 provinces, 68 utilities and 120 communes" in out.getvalue()
    communes = Unit.objects.filter(kind=UnitKind.WARD, code__startswith="syn-xa-")
    assert communes.count() == 120 == Area.objects.filter(synthetic=True, unit__in=communes).count()
    # Labelled so wherever it shows.
    assert not Unit.objects.exclude(name__endswith="(mô phỏng)").exists()
    assert not Area.objects.exclude(source__contains="not official").exists()
    routing.forget_index()
    lighting = Category(code="den", name_vi="Đèn", handler="utility:lighting")
    for commune in communes.order_by("?")[:15]:
        centre = shape(commune.areas.get().geometry).representative_point()
        assert routing.ward_at(centre.y, centre.x) == commune
        decision = routing.decide(lighting, commune)
        assert decision.unit.code == f"{commune.parent.code}-lighting"
    with pytest.raises(CommandError, match="already in the database"):
        call_command("generate_areas", "--communes", "10", stdout=StringIO())
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("generate_areas", "--communes", "0", stdout=StringIO())
    with pytest.raises(CommandError, match="give no PARENT_CODE"):
        call_command("generate_areas", "79", "--communes", "10", stdout=StringIO())
    with pytest.raises(CommandError, match="or --communes N"):
        call_command("generate_areas", stdout=StringIO())


def test_the_demo_history_sends_no_mail(db):
    from phananh.notify.models import Notification

    call_command("load_demo", reports=30, verbosity=0)
    assert Notification.objects.count() == 0
