"""Pieces of the submit form that do not need a request: phone numbers,
accent folding, and photos carried between posts."""

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.http import QueryDict

from phananh.intake import photo_tray
from phananh.intake.choices import active_wards, category_search_terms, fold
from phananh.intake.forms import ReportForm, normalize_phone
from phananh.intake.photo_tray import ParkedPhoto, PhotoTray

from .conftest import WARD_A_POINT


@pytest.fixture(autouse=True)
def in_english(english):
    """Assertions below read English text."""


@pytest.mark.parametrize(("typed", "stored"), [
    ("0903123456", "0903123456"),
    ("0903 123 456", "0903123456"),
    ("090.312.3456", "0903123456"),
    ("+84 903 123 456", "0903123456"),
    ("84903123456", "0903123456"),
    ("(028) 3829-1234", "02838291234"),
    ("+1 415 555 0100", "+14155550100"),
])
def test_phone_numbers_as_people_write_them(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12ab", "0903", "+84", "090312345678901", "hotline"])
def test_phone_numbers_that_cannot_be_called(typed):
    with pytest.raises(ValidationError):
        normalize_phone(typed)


def test_fold_strips_vietnamese_diacritics_and_d_stroke():
    assert fold("Đèn chiếu sáng công cộng hư") == "den chieu sang cong cong hu"
    assert fold("ĐƯỜNG Nguyễn Huệ") == "duong nguyen hue"


def test_search_terms_let_everyday_words_find_the_official_category(city):
    from phananh.reports.models import Category

    terms = category_search_terms(Category.objects.select_related("group"))
    assert "den duong" in terms["den-chieu-sang"]
    assert "o ga" in terms["hu-hong-mat-duong"]
    assert "pothole" in terms["hu-hong-mat-duong"]


def test_ward_list_leaves_out_inactive_wards_and_ward_attachments(city):
    city.ward_b.is_active = False
    city.ward_b.save()
    assert active_wards() == [city.ward_a]


def post(**values):
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def parked(parked_photo, filename="a.jpg"):
    name = parked_photo()
    return ParkedPhoto(name=name, filename=filename, size=123)


def test_a_signed_photo_comes_back_from_the_post(db, parked_photo):
    photo = parked(parked_photo)
    tray = PhotoTray.from_post(post(parked_photo=[photo.signed()]))
    assert tray.names() == [photo.name] and tray.lost == 0


def test_an_expired_photo_is_reported_lost(db, parked_photo, monkeypatch):
    photo = parked(parked_photo)
    value = photo.signed()
    later = signing.time.time() + photo_tray.MAX_AGE_SECONDS + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    tray = PhotoTray.from_post(post(parked_photo=[value]))
    assert tray.names() == [] and tray.lost == 1


def test_a_photo_whose_file_is_gone_is_reported_lost(db, parked_photo):
    photo = parked(parked_photo)
    storages["incoming"].delete(photo.name)
    tray = PhotoTray.from_post(post(parked_photo=[photo.signed()]))
    assert tray.names() == [] and tray.lost == 1


def test_the_same_photo_twice_counts_once(db, parked_photo):
    photo = parked(parked_photo)
    tray = PhotoTray.from_post(post(parked_photo=[photo.signed(), photo.signed()]))
    assert tray.names() == [photo.name]


def test_discarding_new_photos_keeps_the_carried_ones(db, parked_photo, photo_upload):
    carried = parked(parked_photo)
    tray = PhotoTray.from_post(post(parked_photo=[carried.signed()]))
    tray.park([photo_upload("new.jpg")])
    new_name = tray.names()[1]
    tray.discard_new()
    assert tray.names() == [carried.name]
    assert storages["incoming"].exists(carried.name) and not storages["incoming"].exists(new_name)


def test_the_form_knows_a_point_from_a_ward(city):
    form = ReportForm(post(category="rac-thai", description="Rác", lat=str(WARD_A_POINT[0]),
                           lng=str(WARD_A_POINT[1]).replace(".", ",")))
    assert form.is_valid(), form.errors
    submission = form.submission()
    # A decimal comma, as a Vietnamese keyboard may type it, is read too.
    assert (submission["lat"], submission["lng"]) == WARD_A_POINT
    assert submission["ward"] is None and submission["photos"] == []
