"""Shared fixtures: a small city with two wards, utilities, staff and categories.

    Thành phố Hồ Chí Minh (province)
    ├── Phường Bến Thành (ward, square area A)  ── Công an phường Bến Thành (ward:police)
    ├── Phường Sài Gòn   (ward, square area B)
    ├── Công ty Chiếu sáng (utility:lighting)
    └── Tổ điều phối 1022 (coordinator)
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from phananh.reports import media as media_lib
from phananh.reports import workflow
from phananh.reports.models import Category
from phananh.units.models import Area, Membership, Role, Unit, UnitKind

# Two side-by-side squares around central Ho Chi Minh City.
WARD_A_POINT = (10.7725, 106.6980)   # inside Bến Thành
WARD_B_POINT = (10.7725, 106.7080)   # inside Sài Gòn
OUTSIDE_POINT = (21.0285, 105.8542)  # Hà Nội, outside every area


def square(min_lng, min_lat, max_lng, max_lat):
    return {"type": "Polygon", "coordinates": [[
        [min_lng, min_lat], [max_lng, min_lat], [max_lng, max_lat], [min_lng, max_lat], [min_lng, min_lat],
    ]]}


def make_area(unit, geometry):
    lngs = [p[0] for p in geometry["coordinates"][0]]
    lats = [p[1] for p in geometry["coordinates"][0]]
    return Area.objects.create(unit=unit, name=unit.name, geometry=geometry, min_lat=min(lats),
                               min_lng=min(lngs), max_lat=max(lats), max_lng=max(lngs), synthetic=True)


def make_user(username, unit=None, role=None, **extra):
    user = get_user_model().objects.create_user(username=username, password="test-pass-123", **extra)
    if unit is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


class City:
    """Handles to the fixture city's units and people."""


@pytest.fixture
def city(db):
    call_command("load_categories", verbosity=0)
    c = City()
    c.province = Unit.objects.create(name="Thành phố Hồ Chí Minh", code="79", kind=UnitKind.PROVINCE)
    c.ward_a = Unit.objects.create(name="Phường Bến Thành", code="26743", kind=UnitKind.WARD, parent=c.province)
    c.ward_b = Unit.objects.create(name="Phường Sài Gòn", code="26740", kind=UnitKind.WARD, parent=c.province)
    c.police_a = Unit.objects.create(name="Công an phường Bến Thành", code="ca-26743", kind=UnitKind.WARD,
                                     subtype="police", parent=c.ward_a)
    c.lighting = Unit.objects.create(name="Công ty Chiếu sáng", code="chieu-sang", kind=UnitKind.UTILITY,
                                     subtype="lighting", parent=c.province)
    c.coordination = Unit.objects.create(name="Tổ điều phối 1022", code="dieu-phoi", kind=UnitKind.COORDINATOR,
                                         parent=c.province)
    make_area(c.ward_a, square(106.690, 10.765, 106.703, 10.780))
    make_area(c.ward_b, square(106.703, 10.765, 106.716, 10.780))
    c.coordinator = make_user("dieuphoi", c.coordination, Role.COORDINATOR)
    c.head_a = make_user("truong_a", c.ward_a, Role.HEAD)
    c.officer_a = make_user("canbo_a", c.ward_a, Role.OFFICER)
    c.officer_a2 = make_user("canbo_a2", c.ward_a, Role.OFFICER)
    c.officer_b = make_user("canbo_b", c.ward_b, Role.OFFICER)
    c.head_b = make_user("truong_b", c.ward_b, Role.HEAD)
    c.lighting_officer = make_user("chieusang", c.lighting, Role.OFFICER)
    c.outsider = make_user("nguoingoai")
    return c


def jpeg_bytes(size=(64, 48), color=(200, 60, 40), exif=None):
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, "JPEG", **kwargs)
    return out.getvalue()


@pytest.fixture
def photo_upload():
    def make(name="photo.jpg", **kwargs):
        return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")
    return make


@pytest.fixture
def parked_photo(photo_upload):
    """A validated upload parked in incoming storage, as views hand it to the workflow."""
    def make(**kwargs):
        upload = photo_upload(**kwargs)
        media_lib.validate_image(upload)
        return media_lib.park_upload(upload)
    return make


@pytest.fixture
def submit_report(city):
    """Submit a report through the workflow, as the citizen web form does."""
    def make(category="rac-thai", point=WARD_A_POINT, description="Rác đổ thành đống ở đầu hẻm, bốc mùi hôi.",
             **kwargs):
        lat, lng = point if point else (None, None)
        report, token = workflow.submit(
            category=Category.objects.get(code=category), description=description, channel="web",
            lat=lat, lng=lng, **kwargs,
        )
        report.token = token
        return report
    return make


@pytest.fixture(autouse=True)
def fresh_area_index():
    """Each test builds its own areas and calendar exceptions; per-process caches must not outlive it."""
    from phananh.sla.service import forget_calendar
    from phananh.units import directory, routing

    routing.forget_index()
    directory.forget()
    forget_calendar()
    yield
    routing.forget_index()
    directory.forget()
    forget_calendar()


@pytest.fixture
def english(client, settings):
    """Render pages in English so assertions can read the English msgids;
    the site itself defaults to Vietnamese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
