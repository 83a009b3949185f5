"""POST /sms/inbound: an SMS gateway's messages become reports, status answers or help."""

import hashlib
import hmac
import json
import uuid

import pytest
from django.utils import translation

from phananh.intake import sms
from phananh.notify.models import Notification, Subscription
from phananh.reports import workflow
from phananh.reports.models import Event, Outcome, Report, Status
from phananh.units.models import Unit, UnitKind

from .conftest import WARD_B_POINT

SECRET = "gateway-secret-for-tests"
URL = "/sms/inbound"
PHONE = "84912345678"
E164 = "+84912345678"


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Rate-limit counters and retry markers live in the cache: a fresh one per test."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": uuid.uuid4().hex}}


@pytest.fixture(autouse=True)
def fresh_ward_names():
    """Ward names are cached per process; each test builds its own wards."""
    sms.forget_ward_names()
    yield
    sms.forget_ward_names()


@pytest.fixture
def gateway(client, settings, city):
    settings.SMS_INBOUND_SECRET = SECRET
    settings.SITE_URL = "https://phananh.example.vn"

    def post(text, *, id=None, sender=PHONE, as_json=False, headers=None, **extra):
        payload = {"id": id or uuid.uuid4().hex, "sender": sender, "text": text, **extra}
        headers = {"X-PhanAnh-Secret": SECRET} if headers is None else headers
        if as_json:
            return client.post(URL, json.dumps(payload), content_type="application/json", headers=headers)
        return client.post(URL, payload, headers=headers)

    return post


def sms_notifications(**filters):
    return Notification.objects.filter(channel="sms", **filters)


# --- authentication -----------------------------------------------------------------

def test_missing_or_wrong_secret_is_refused(gateway):
    assert gateway("den duong hu", headers={}).status_code == 403
    response = gateway("den duong hu", headers={"X-PhanAnh-Secret": "guess"})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert not Report.objects.exists()


def test_an_empty_secret_setting_turns_the_webhook_off(gateway, settings):
    settings.SMS_INBOUND_SECRET = ""
    assert gateway("den duong hu o hem 45", headers={"X-PhanAnh-Secret": ""}).status_code == 403
    assert not Report.objects.exists()


def test_hmac_signature_of_the_body_is_accepted(client, city, settings):
    settings.SMS_INBOUND_SECRET = SECRET
    body = json.dumps({"id": "gw-1", "sender": PHONE, "text": "den duong hu o hem 45 le loi p ben thanh"}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(URL, body, content_type="application/json", headers={"X-PhanAnh-Signature": signature})
    assert response.status_code == 200 and response.json()["status"] == "created"

    tampered = body.replace(b"hem 45", b"hem 46")
    response = client.post(URL, tampered, content_type="application/json", headers={"X-PhanAnh-Signature": signature})
    assert response.status_code == 403
    assert Report.objects.count() == 1


def test_only_post(client, settings):
    settings.SMS_INBOUND_SECRET = SECRET
    assert client.get(URL, headers={"X-PhanAnh-Secret": SECRET}).status_code == 405


# --- a report by SMS -----------------------------------------------------------------

def test_accentless_sms_becomes_a_placed_classified_report(gateway, city):
    text = "den duong hu o hem 45 le loi p ben thanh"
    response = gateway(text, id="viettel-000123")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "created" and data["reply_queued"] is True
    report = Report.objects.get(code=data["code"])
    assert report.channel == "sms"
    assert report.description == text
    assert report.reporter_phone == E164
    assert report.idempotency_key == "sms:viettel-000123"
    assert report.address == "hem 45 le loi p ben thanh"
    assert report.ward == city.ward_a                      # "p ben thanh" → Phường Bến Thành
    assert report.category.code == "den-chieu-sang"        # the classifier is sure
    assert report.unit == city.lighting                    # routed at once
    assert Subscription.objects.filter(report=report, channel="sms", address=E164, is_reporter=True).exists()


def test_the_reply_is_one_gsm_segment_with_the_code(gateway):
    data = gateway("den duong hu o hem 45 le loi p ben thanh").json()
    note = sms_notifications().get()
    assert note.recipient == E164
    assert note.event.type == "submitted" and note.event.report.code == data["code"]
    assert data["code"] in note.body and data["reply"] == note.body
    assert len(note.body) <= 160
    assert note.body.isascii()
    assert set(note.body) <= sms._GSM_SAFE


def test_unsure_text_goes_to_the_coordinator_under_the_catch_all(gateway):
    data = gateway("co viec nay muon hoi cac anh chi o phuong").json()
    report = Report.objects.get(code=data["code"])
    assert report.category.code == "khac"
    assert report.unit is None and report.status == "submitted"
    triage = Event.objects.get(report=report, type="triage_needed")
    assert triage.payload["reason"] == "uncertain_category"
    assert "classifier" in triage.payload["reason_params"]


def test_flooding_sms_keeps_the_street_for_the_coordinator(gateway):
    data = gateway("nc ngap sau 30cm duong nguyen huu canh").json()
    report = Report.objects.get(code=data["code"])
    assert report.category.code == "ngap-nuoc"
    assert report.address == "duong nguyen huu canh"
    assert report.ward is None                             # no ward named: the coordinator places it


def test_unicode_json_with_a_point(gateway, city):
    text = "Rác ùn ứ trước số 12 Nguyễn Huệ, phường Sài Gòn. Bốc mùi lắm!"
    data = gateway(text, as_json=True, lat=WARD_B_POINT[0], lng=WARD_B_POINT[1]).json()
    report = Report.objects.get(code=data["code"])
    assert report.description == text
    assert (report.lat, report.lng) == WARD_B_POINT
    assert report.ward == city.ward_b
    assert report.address == "trước số 12 Nguyễn Huệ, phường Sài Gòn"
    assert report.category.code == "rac-thai"


def test_gateway_field_names_are_understood(client, city, settings):
    settings.SMS_INBOUND_SECRET = SECRET
    response = client.post(URL, {"message_id": "m-1", "from": "+84 91 234 5678", "message": "den duong hu o hem 45"},
                           headers={"X-PhanAnh-Secret": SECRET})
    assert response.json()["status"] == "created"
    assert Report.objects.get().reporter_phone == E164


def test_unreadable_position_is_dropped_with_a_warning(gateway):
    with translation.override("en"):
        data = gateway("den duong hu o hem 45 le loi", lat="abc", lng="106.7").json()
    assert data["status"] == "created"
    assert data["warnings"]
    report = Report.objects.get(code=data["code"])
    assert report.lat is None and report.lng is None


def test_a_retried_message_makes_one_report_and_one_reply(gateway):
    first = gateway("den duong hu o hem 45 le loi", id="retry-7").json()
    second = gateway("den duong hu o hem 45 le loi", id="retry-7").json()
    assert second["status"] == "duplicate" and second["code"] == first["code"]
    assert Report.objects.count() == 1
    assert sms_notifications().count() == 1
    assert Event.objects.filter(type="submitted").count() == 1


def test_a_long_gateway_id_is_hashed_into_the_key(gateway):
    long_id = "x" * 150
    data = gateway("den duong hu o hem 45 le loi", id=long_id).json()
    report = Report.objects.get(code=data["code"])
    assert report.idempotency_key == "sms:sha256:" + hashlib.sha256(long_id.encode()).hexdigest()
    assert gateway("den duong hu o hem 45 le loi", id=long_id).json()["status"] == "duplicate"


def test_same_ward_name_in_two_provinces_is_not_guessed(gateway, city):
    other = Unit.objects.create(name="Tỉnh Khác", code="99", kind=UnitKind.PROVINCE)
    Unit.objects.create(name="Phường Bến Thành", code="99001", kind=UnitKind.WARD, parent=other)
    data = gateway("den duong hu o hem 45 le loi p ben thanh").json()
    assert Report.objects.get(code=data["code"]).ward is None


def test_the_longest_ward_name_after_the_marker_wins(gateway, city):
    tan = Unit.objects.create(name="Phường Tân", code="90001", kind=UnitKind.WARD, parent=city.province)
    tan_dinh = Unit.objects.create(name="Phường Tân Định", code="90002", kind=UnitKind.WARD, parent=city.province)
    assert sms.match_ward("rac o hem 5 p tan dinh") == tan_dinh
    assert sms.match_ward("rac o hem 5 phuong tan, gan cho") == tan
    assert sms.match_ward("rac o p tan dinh va p ben thanh") is None      # two wards: the coordinator decides
    assert sms.match_ward("rac o ben thanh") is None                      # no marker, no guess


# --- status questions -------------------------------------------------------------------

def test_tra_code_answers_the_status_without_a_new_report(gateway, submit_report):
    report = submit_report()
    compact = report.code.replace("-", "")
    data = gateway(f"TRA {compact}", id="q-1").json()
    assert data["status"] == "status" and data["code"] == report.code and data["reply_queued"]
    assert Report.objects.count() == 1
    note = sms_notifications().get()
    assert note.report == report and note.recipient == E164
    assert report.code in note.body and len(note.body) <= 160 and note.body.isascii()
    # The gateway retries: no second answer.
    assert gateway(f"TRA {compact}", id="q-1").json()["status"] == "duplicate"
    assert sms_notifications().count() == 1


@pytest.mark.parametrize("template", ["tra cuu {code}", "STATUS {code}", "Tra: {code}", "{code}", "tra {spaced}"])
def test_ways_of_asking_for_the_status(gateway, submit_report, template):
    report = submit_report()
    text = template.format(code=report.code.lower(), spaced=report.code.replace("-", " "))
    assert gateway(text).json()["status"] == "status"


def test_status_of_a_resolved_report_says_so(gateway, submit_report, city, settings):
    report = submit_report()
    report = workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Chờ kinh phí.")
    body = sms.status_reply(Report.objects.get(pk=report.pk))
    # Always in the site's language, without diacritics.
    with translation.override(settings.LANGUAGE_CODE):
        status, outcome = sms.gsm_text(str(Status.RESOLVED.label)), sms.gsm_text(str(Outcome.CANNOT_FIX.label))
    assert report.code in body and status in body and outcome in body


def test_unknown_code_is_answered_from_the_response(gateway):
    data = gateway("TRA K7MW3QDP").json()
    assert data["status"] == "unknown_code"
    assert data["reply_queued"] is False and "K7MW3QDP" in data["reply"]
    assert not Report.objects.exists() and not Notification.objects.exists()


def test_a_sentence_starting_with_tra_is_still_a_report(gateway):
    assert gateway("tra loi giup toi den duong hu o hem 45 le loi").json()["status"] == "created"


# --- help, garbage, senders to ignore ------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "?", "alo", "alo alo", "HELP", "ok", "test", "TRA", "...!!!", "123"])
def test_empty_or_meaningless_text_gets_help_and_no_report(gateway, text):
    data = gateway(text).json()
    assert data["status"] == "help"
    assert data["reply"] and len(data["reply"]) <= 160 and data["reply"].isascii()
    assert not Report.objects.exists()


@pytest.mark.parametrize("sender", ["VIETTEL", "1022", "+1 202 555 0123", "0951234567"])
def test_messages_from_operators_and_short_codes_are_ignored(gateway, sender):
    data = gateway("Chuc mung ban nhan duoc uu dai 50% khi nap the", sender=sender).json()
    assert data["status"] == "ignored" and data["detail"] and not data["reply"]
    assert not Report.objects.exists()


def test_a_flood_from_one_number_is_limited(gateway, settings):
    settings.SMS_INBOUND_PER_HOUR = 2
    statuses = [gateway(f"den duong hu o hem {n} le loi").json()["status"] for n in range(3)]
    assert statuses == ["created", "created", "rate_limited"]
    assert Report.objects.count() == 2


# --- malformed requests ---------------------------------------------------------------

def test_malformed_requests_get_a_clear_400(client, city, settings):
    settings.SMS_INBOUND_SECRET = SECRET
    headers = {"X-PhanAnh-Secret": SECRET, "Accept-Language": "en"}
    cases = [
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "must be an object"),
        (json.dumps({"sender": PHONE, "text": "den hu"}).encode(), "application/json", "“id” is required"),
        (json.dumps({"id": "1", "text": "den hu"}).encode(), "application/json", "“sender” is required"),
        (json.dumps({"id": "1", "sender": PHONE, "text": 5}).encode(), "application/json", "must be a string"),
        (b"id=1&sender=1&text=x", "text/plain", "application/json"),
        ("{\"id\": \"1\", \"sender\": \"x\", \"text\": \"é\"}".encode("latin-1"), "application/json", "UTF-8"),
    ]
    for body, content_type, words in cases:
        response = client.post(URL, body, content_type=content_type, headers=headers)
        assert response.status_code == 400, body
        assert words in response.json()["detail"], response.json()
    assert not Report.objects.exists()


# --- the text helpers -------------------------------------------------------------------

@pytest.mark.parametrize("text, address", [
    ("den duong hu o hem 45 le loi p ben thanh", "hem 45 le loi p ben thanh"),
    ("nc ngap sau 30cm duong nguyen huu canh", "duong nguyen huu canh"),
    ("Rác ùn ứ trước số 12 Nguyễn Huệ, phường Sài Gòn. Bốc mùi lắm", "trước số 12 Nguyễn Huệ, phường Sài Gòn"),
    ("mat duong co o ga lon gay nguy hiem", ""),              # "o ga" is a pothole, not "ở ga"
    ("Đèn đường hư, tối thui", ""),                           # the street light is the subject
    ("ổ gà to giữa đường Lê Lợi", "đường Lê Lợi"),
    ("nuoc ngap 2 ngay nay o 123 tran hung dao", "123 tran hung dao"),
    ("xe lan chiem via he doi dien cho ben thanh", "doi dien cho ben thanh"),
    ("cay nga chan duong tran hung dao q1", "duong tran hung dao q1"),
    ("cong thoat nuoc bi tac gan truong tieu hoc", "gan truong tieu hoc"),
])
def test_extract_address(text, address):
    assert sms.extract_address(text) == address


def test_gsm_text_folds_vietnamese_and_typography():
    assert sms.gsm_text("Đã nhận “phản ánh” [K7MW-3QDP] — cảm ơn…") == 'Da nhan "phan anh" (K7MW-3QDP) - cam on...'


def test_replies_fit_one_segment_even_with_a_long_site_address(settings, submit_report):
    settings.SITE_URL = "https://phan-anh.thanh-pho-ho-chi-minh.example.gov.vn/cong-dich-vu-cong-truc-tuyen"
    report = submit_report()
    for body in (sms.created_reply(report), sms.status_reply(report), sms.help_reply(),
                 sms.unknown_code_reply("K7MW3QDPXX"), sms.status_help_reply()):
        assert 0 < len(body) <= 160 and body.isascii()
    assert report.code in sms.created_reply(report) and report.code in sms.status_reply(report)
