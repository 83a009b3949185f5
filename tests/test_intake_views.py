"""The citizen submit form and its confirmation page, through the test client."""

import html
import json
import re
import uuid

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from phananh.intake import views as intake_views
from phananh.lib.codes import token_matches
from phananh.reports import workflow
from phananh.reports.models import Media, MediaKind, Report

from .conftest import OUTSIDE_POINT, WARD_A_POINT, WARD_B_POINT


@pytest.fixture(autouse=True)
def in_english(english):
    """Assertions below read English text."""

SUBMIT = reverse("intake:submit")
DESCRIPTION = "Đèn đường trước số 12 Lê Lợi tắt ba đêm liền."


def form_data(point=WARD_A_POINT, **overrides):
    lat, lng = point if point else ("", "")
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "category": "rac-thai",
        "description": DESCRIPTION,
        "lat": str(lat),
        "lng": str(lng),
        "ward": "",
        "address": "",
        "reporter_name": "",
        "reporter_phone": "",
        "reporter_email": "",
    }
    data.update(overrides)
    return data


def text_of(response):
    return html.unescape(response.content.decode())


def parked_values(response):
    return re.findall(r'name="parked_photo" value="([^"]+)"', response.content.decode())


def sent_url(report):
    return reverse("intake:sent", args=[report.code])


def incoming_exists(name):
    return storages["incoming"].exists(name)


# --- the empty form --------------------------------------------------------------

def test_form_offers_grouped_categories_and_wards_with_stable_ids(city, client, settings):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # category names in Vietnamese, the default
    response = client.get(SUBMIT)
    assert response.status_code == 200
    page = text_of(response)
    assert '<optgroup label="Hạ tầng giao thông">' in page
    assert '<option value="den-chieu-sang"' in page and "Đèn chiếu sáng công cộng hư" in page
    assert '<optgroup label="Thành phố Hồ Chí Minh">' in page
    assert f'<option value="{city.ward_a.pk}">Phường Bến Thành</option>' in page
    # Units hanging under a ward (its police post) are not wards people choose.
    assert "Công an phường Bến Thành" not in page
    for element_id in ("id_description", "id_category", "id_photos", "id_ward", "id_address", "id_lat", "id_lng",
                       "submit-report"):
        assert f'id="{element_id}"' in page
    camera = re.search(r"<input[^>]*id=\"id_photos\"[^>]*>", page).group(0)
    assert 'accept="image/*"' in camera and 'capture="environment"' in camera and "multiple" in camera
    assert 'enctype="multipart/form-data"' in page


def test_every_page_load_gets_its_own_idempotency_key(city, client):
    keys = [re.search(r'name="idempotency_key" value="([^"]+)"', client.get(SUBMIT).content.decode()).group(1)
            for _ in range(2)]
    assert keys[0] != keys[1]
    assert all(str(uuid.UUID(key)) == key for key in keys)


def test_category_options_carry_folded_everyday_words_for_the_search_box(city, client):
    page = text_of(client.get(SUBMIT))
    option = re.search(r'<option value="den-chieu-sang" data-terms="([^"]*)"', page).group(1)
    # What submit.js matches "den duong" against: no diacritics, đ folded to d.
    assert "den duong" in option and "street lighting" in option
    assert "đ" not in option and "è" not in option


def test_the_form_has_a_place_for_category_suggestions(city, client, settings):
    settings.CLASSIFIER_MIN_CONFIDENCE = 0.6
    page = text_of(client.get(SUBMIT))
    box = re.search(r'<div class="category-suggestion"[^>]*>', page).group(0)
    assert f'data-classify-url="{reverse("api:classify")}"' in box
    # Announced politely, and the buttons are a group named by their visible heading.
    assert '<p class="suggestion-status" id="category-suggestion-status" aria-live="polite"></p>' in page
    assert 'role="group" aria-labelledby="category-suggestion-label" hidden' in page
    # Sentences for the script come translated with the page, with the threshold for choosing.
    script = json.loads(re.search(r'<script id="intake-text" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    assert script["suggestConfidence"] == 0.6
    assert script["suggestChosen"].startswith("Suggested from your description: %(name)s.")


def test_english_through_the_language_cookie(city, client):
    client.cookies["django_language"] = "en"
    response = client.get(SUBMIT)
    page = text_of(response)
    assert '<html lang="en">' in page
    assert "Street lighting failure" in page and "Đèn chiếu sáng công cộng hư" not in page
    assert '<optgroup label="Roads and infrastructure">' in page
    response = client.post(SUBMIT, form_data(description=""))
    assert "Please describe the problem." in text_of(response)


def test_vietnamese_by_default(city, client, settings):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    page = text_of(client.get(SUBMIT))
    assert '<html lang="vi">' in page
    assert "Đèn chiếu sáng công cộng hư" in page and "Street lighting failure" not in page


# --- success -------------------------------------------------------------------

def test_a_report_with_a_photo_is_created_routed_and_confirmed(city, client, photo_upload):
    data = form_data(point=WARD_B_POINT, category="den-chieu-sang", reporter_name="Nguyễn Văn An",
                     reporter_phone="+84 903.123.456", reporter_email="an@example.com", confidential="on")
    data["photos"] = photo_upload("den.jpg")
    response = client.post(SUBMIT, data)

    report = Report.objects.get()
    assert response.status_code == 302 and response.url == sent_url(report)
    assert report.unit == city.lighting and report.ward == city.ward_b
    assert report.channel == "web" and report.description == DESCRIPTION
    assert (report.lat, report.lng) == WARD_B_POINT
    assert report.reporter_phone == "0903123456" and report.confidential
    assert report.idempotency_key == data["idempotency_key"]
    media = Media.objects.get(report=report)
    assert media.kind == MediaKind.EVIDENCE and incoming_exists(media.incoming)

    token = client.session["citizen_tokens"][report.code]
    assert token_matches(token, report.citizen_token_hash)
    page = text_of(client.get(response.url))
    assert report.code in page
    assert settings.SITE_URL + reverse("public:private", args=[report.code, token]) in page
    assert "Công ty Chiếu sáng" in page
    # The private link never travels in the confirmation URL itself.
    assert token not in response.url


def test_confirmation_shows_the_deadlines_in_local_time(city, client):
    response = client.post(SUBMIT, form_data())
    report = Report.objects.get()
    page = text_of(client.get(response.url))
    for due in (report.ack_due, report.resolve_due):
        assert timezone.localtime(due).strftime("%d/%m/%Y %H:%M") in page
    assert f"within {report.category.ack_hours} working hours" in page
    assert f"within {report.category.resolve_days} working days" in page
    assert "Phường Bến Thành" in page


def test_confirmation_says_a_coordinator_routes_what_no_unit_takes(city, client):
    # "Other", and the classifier agrees: nothing any unit handles.
    client.post(SUBMIT, form_data(category="khac", description="Chó thả rông trong hẻm, cắn con nít."))
    report = Report.objects.get()
    assert report.unit is None and report.category.code == "khac"
    page = text_of(client.get(sent_url(report)))
    assert "A coordinator will read it" in page
    assert "From your description it was filed under" not in page


def test_other_with_a_clear_description_goes_to_the_unit_and_the_citizen_is_told(city, client):
    # The citizen could not find the category; the description leaves no doubt.
    client.post(SUBMIT, form_data(category="khac"))
    report = Report.objects.get()
    assert report.category.code == "den-chieu-sang" and report.unit == city.lighting
    page = text_of(client.get(sent_url(report)))
    assert "From your description it was filed under <strong>Street lighting failure</strong>." in page
    assert "It has been sent to <strong>Công ty Chiếu sáng</strong>" in page
    # The deadlines promised are those of the category it was filed under.
    assert f"within {report.category.ack_hours} working hours" in page


def test_a_chosen_category_is_kept_even_when_the_description_says_otherwise(city, client):
    client.post(SUBMIT, form_data(category="rac-thai"))  # the description is about a street light
    report = Report.objects.get()
    assert report.category.code == "rac-thai" and report.unit == city.ward_a
    assert "From your description" not in text_of(client.get(sent_url(report)))


def test_the_private_link_shows_only_on_the_device_that_sent_it(city, client, django_user_model):
    response = client.post(SUBMIT, form_data())
    report = Report.objects.get()
    token = client.session["citizen_tokens"][report.code]
    other = type(client)()
    page = text_of(other.get(response.url))
    assert report.code in page and token not in page
    assert "/rieng/" not in page


def test_ward_only_location_without_the_map(city, client):
    response = client.post(SUBMIT, form_data(point=None, ward=str(city.ward_a.pk), address="12 Lê Lợi"))
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.lat is None and report.lng is None
    assert report.ward == city.ward_a and report.unit == city.ward_a
    assert report.address == "12 Lê Lợi"


def test_a_map_point_decides_the_ward_over_the_list(city, client):
    client.post(SUBMIT, form_data(point=WARD_B_POINT, ward=str(city.ward_a.pk)))
    assert Report.objects.get().ward == city.ward_b


# --- idempotency ---------------------------------------------------------------

def test_replaying_the_same_post_creates_nothing_new(city, client, photo_upload):
    data = form_data()
    first = client.post(SUBMIT, {**data, "photos": photo_upload()})
    again = client.post(SUBMIT, {**data, "photos": photo_upload()})
    assert Report.objects.count() == 1 and Media.objects.count() == 1
    assert first.status_code == again.status_code == 302
    assert again.url == first.url == sent_url(Report.objects.get())


def test_a_retry_that_loses_the_race_lands_on_the_winners_confirmation(city, client, photo_upload, monkeypatch):
    real_submit = workflow.submit
    winner = {}

    def racing_submit(**kwargs):
        # The other request commits first, with its own copy of the photo.
        winner["report"], winner["token"] = real_submit(**{**kwargs, "photos": []})
        return real_submit(**kwargs)

    monkeypatch.setattr(intake_views.workflow, "submit", racing_submit)
    before = set(storages["incoming"].listdir("")[1])
    response = client.post(SUBMIT, {**form_data(), "photos": photo_upload()})
    assert Report.objects.count() == 1
    assert response.url == sent_url(winner["report"])
    # The loser's parked copy is deleted, not left behind unattached.
    assert set(storages["incoming"].listdir("")[1]) == before
    assert winner["report"].code not in client.session.get("citizen_tokens", {})


def test_a_missing_or_malformed_key_still_submits_once(city, client):
    response = client.post(SUBMIT, form_data(idempotency_key="not-a-uuid"))
    assert response.status_code == 302
    key = Report.objects.get().idempotency_key
    assert str(uuid.UUID(key)) == key


# --- bad input -------------------------------------------------------------------

BAD_INPUTS = [
    ("empty description", {"description": "   "}, "Please describe the problem.", "id_description"),
    ("no location", {"lat": "", "lng": ""}, "Tell us where the problem is", "id_ward"),
    ("outside every area", {"lat": str(OUTSIDE_POINT[0]), "lng": str(OUTSIDE_POINT[1])},
     "This location is outside the area PhanAnh serves", "location"),
    ("not numbers", {"lat": "abc", "lng": "106.7"}, "The place on the map could not be read", "location"),
    ("only one coordinate", {"lng": ""}, "The place on the map could not be read", "location"),
    ("not a number at all", {"lat": "nan", "lng": "inf"}, "The place on the map could not be read", "location"),
    ("out of range", {"lat": "123.4", "lng": "106.7"}, "The place on the map is not a real position", "location"),
    ("invalid email", {"reporter_email": "an@"}, "Enter an email address like", "id_reporter_email"),
    ("invalid phone", {"reporter_phone": "12ab"}, "Enter a phone number like", "id_reporter_phone"),
    ("no category", {"category": ""}, "Choose what the problem is about.", "id_category"),
    ("unknown category", {"category": "khong-co"}, "Choose what the problem is about from the list.",
     "id_category"),
    ("ward without address", {"lat": "", "lng": "", "ward": "WARD_A", "address": ""}, "Type the address or a landmark",
     "id_address"),
    ("a unit that is not a ward", {"lat": "", "lng": "", "ward": "POLICE", "address": "12 Lê Lợi"},
     "Choose the ward or commune from the list.", "id_ward"),
]


@pytest.mark.parametrize(("case", "overrides", "message", "anchor"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_explained_and_keeps_what_was_typed(city, client, case, overrides, message, anchor):
    overrides = {key: {"WARD_A": str(city.ward_a.pk), "POLICE": str(city.police_a.pk)}.get(value, value)
                 for key, value in overrides.items()}
    data = form_data(**{"reporter_name": "Trần Thị Bình", "reporter_phone": "0903 123 456",
                        "address": "Hẻm 42 Lê Lợi", **overrides})
    response = client.post(SUBMIT, data)
    page = text_of(response)
    assert response.status_code == 200
    assert Report.objects.count() == 0
    assert message in page
    # The summary at the top links to the place to fix it.
    summary = page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#{anchor}"' in summary and message in summary
    # Everything typed is still there.
    if data["description"].strip():
        assert DESCRIPTION in page
    assert 'value="Trần Thị Bình"' in page
    if data["address"]:
        assert f'value="{data["address"]}"' in page
    assert f'value="{data["idempotency_key"]}"' in page
    assert "<title>Error:" in page


def test_invalid_fields_are_tied_to_their_messages(city, client):
    page = text_of(client.post(SUBMIT, form_data(description="", reporter_email="x")))
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in textarea and "id_description_error" in textarea
    assert 'id="id_description_error"' in page
    email = re.search(r'<input type="email"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in email and "id_reporter_email_error" in email


def test_a_file_that_is_not_an_image_is_refused(city, client):
    data = form_data(photos=SimpleUploadedFile("notes.jpg", b"this is not a picture", content_type="image/jpeg"))
    page = text_of(client.post(SUBMIT, data))
    assert "“notes.jpg” is not a photo we can read" in page
    assert Report.objects.count() == 0 and not parked_values_in(page)


def test_a_too_large_photo_is_refused(city, client, settings, photo_upload):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.jpg", photo_upload().read() + b"\0" * (1024 * 1024), content_type="image/jpeg")
    page = text_of(client.post(SUBMIT, form_data(photos=big)))
    assert "“big.jpg” is too large" in page and "up to 1 MB" in page
    assert Report.objects.count() == 0


def test_too_many_photos_keeps_the_first_ones_and_says_how_many_were_left_out(city, client, photo_upload):
    photos = [photo_upload(f"p{i}.jpg") for i in range(settings.MAX_PHOTOS + 2)]
    response = client.post(SUBMIT, form_data(photos=photos))
    page = text_of(response)
    assert Report.objects.count() == 0
    assert f"at most {settings.MAX_PHOTOS} photos, so 2 photos were not attached" in page
    assert len(parked_values(response)) == settings.MAX_PHOTOS
    assert f"Already attached: {settings.MAX_PHOTOS} photos." in page


def parked_values_in(page):
    return re.findall(r'name="parked_photo" value="([^"]+)"', page)


# --- parked photos across an error --------------------------------------------------

def test_accepted_photos_survive_an_error_and_are_attached_on_the_next_post(city, client, photo_upload):
    data = form_data(description="")
    first = client.post(SUBMIT, {**data, "photos": [photo_upload("a.jpg"), photo_upload("b.jpg")]})
    parked = parked_values(first)
    page = text_of(first)
    assert len(parked) == 2
    assert "Already attached: 2 photos." in page and "a.jpg" in page and "b.jpg" in page
    assert "Your 2 photos are kept" in page

    second = client.post(SUBMIT, {**data, "description": DESCRIPTION, "parked_photo": parked})
    report = Report.objects.get()
    assert second.status_code == 302
    assert report.media.filter(kind=MediaKind.EVIDENCE).count() == 2
    assert all(incoming_exists(m.incoming) for m in report.media.all())


def test_new_photos_add_to_parked_ones_up_to_the_limit(city, client, photo_upload, settings):
    settings.MAX_PHOTOS = 2
    first = client.post(SUBMIT, {**form_data(description=""), "photos": photo_upload("a.jpg")})
    second = client.post(SUBMIT, {**form_data(description=""), "parked_photo": parked_values(first),
                                  "photos": [photo_upload("b.jpg"), photo_upload("c.jpg")]})
    assert "at most 2 photos, so 1 photo was not attached" in text_of(second)
    assert len(parked_values(second)) == 2


def test_a_parked_photo_can_be_removed(city, client, photo_upload):
    first = client.post(SUBMIT, {**form_data(description=""), "photos": [photo_upload("a.jpg"),
                                                                        photo_upload("b.jpg")]})
    parked = parked_values(first)
    names = re.findall(r'name="remove_photo" value="([^"]+)"', first.content.decode())
    response = client.post(SUBMIT, {**form_data(), "parked_photo": parked, "remove_photo": [names[0]]})
    assert response.status_code == 302
    report = Report.objects.get()
    assert [m.incoming for m in report.media.all()] == [names[1]]
    assert not incoming_exists(names[0])


def test_a_tampered_parked_photo_is_not_attached(city, client, photo_upload):
    first = client.post(SUBMIT, {**form_data(description=""), "photos": photo_upload()})
    forged = parked_values(first)[0].replace(":", "x:", 1)
    page = text_of(client.post(SUBMIT, {**form_data(), "parked_photo": [forged]}))
    assert "A photo attached earlier could not be kept" in page
    assert Report.objects.count() == 0


def test_a_parked_photo_from_someone_elses_form_cannot_be_named(city, client):
    # Without the signature, a bare storage name is not accepted.
    page = text_of(client.post(SUBMIT, {**form_data(), "parked_photo": ["abc.upload"]}))
    assert "could not be kept" in page and Report.objects.count() == 0


# --- confirmation page and location lookup ---------------------------------------------

def test_confirmation_accepts_the_code_as_typed_and_refuses_unknown_codes(city, client):
    client.post(SUBMIT, form_data())
    report = Report.objects.get()
    response = client.get(reverse("intake:sent", args=[report.code.lower().replace("-", "")]))
    assert response.status_code == 302 and response.url == sent_url(report)
    assert client.get(reverse("intake:sent", args=["2222-2222"])).status_code == 404
    assert client.get(reverse("intake:sent", args=["not-a-code"])).status_code == 404


def test_locate_names_the_ward_under_a_point(city, client):
    url = reverse("intake:locate")
    inside = client.get(url, {"lat": WARD_A_POINT[0], "lng": WARD_A_POINT[1]}).json()
    assert inside == {"inside": True, "ward": "Phường Bến Thành"}
    outside = client.get(url, {"lat": OUTSIDE_POINT[0], "lng": OUTSIDE_POINT[1]}).json()
    assert outside == {"inside": False, "ward": None}
    assert client.get(url, {"lat": "x", "lng": "1"}).status_code == 400
    assert client.get(url, {"lat": "91", "lng": "1"}).status_code == 400
    assert client.get(url).status_code == 400
