"""The staff endpoints of the native API: token auth, the queue, a report, every action, the permission matrix."""

import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from phananh.console import tokens
from phananh.console.models import StaffToken
from phananh.reports import workflow
from phananh.reports.models import Category, Event, MediaKind, Report, Status
from phananh.units.models import Role, Unit, UnitKind

from .conftest import WARD_B_POINT, make_area, make_user, square

HANOI_POINT = (21.0285, 105.8542)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def token_for(db):
    made = {}

    def make(user):
        if user.pk not in made:
            made[user.pk] = tokens.create(user, "test")[1]
        return made[user.pk]
    return make


@pytest.fixture
def api(client, token_for):
    """api(user).get(path) / .post(path, data): calls as `user` with their token, in English."""
    class Caller:
        def __init__(self, user):
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(user)}", "HTTP_ACCEPT_LANGUAGE": "en"}

        def get(self, path, params=None):
            return client.get("/api/v1/staff" + path, params or {}, **self.headers)

        def post(self, path, data=None, multipart=False):
            if multipart:
                return client.post("/api/v1/staff" + path, data or {}, **self.headers)
            body = json.dumps(data) if data is not None else ""
            return client.post("/api/v1/staff" + path, body, content_type="application/json", **self.headers)

        def act(self, report, action, data=None, **kwargs):
            return self.post(f"/reports/{report.code}/actions/{action}", data, **kwargs)

    return Caller


def snapshot(report):
    fresh = Report.objects.get(pk=report.pk)
    return (fresh.status, fresh.unit_id, fresh.assignee_id, fresh.category_id, fresh.resolve_due,
            Event.objects.filter(report=report).count())


@pytest.fixture
def in_ward_a(submit_report):
    return submit_report()  # garbage in ward A: assigned to Phường Bến Thành


@pytest.fixture
def in_ward_b(submit_report):
    return submit_report(point=WARD_B_POINT)


@pytest.fixture
def to_triage(submit_report):
    return submit_report(category="khac", description="Có chuyện cần báo")  # waits for a coordinator


# --- tokens -----------------------------------------------------------------------------------------

def test_the_command_prints_the_token_last_and_stores_only_its_hash(city):
    out = StringIO()
    call_command("create_staff_token", "canbo_a", "--name", "điện thoại", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    token = StaffToken.objects.get()
    assert raw.startswith("pas_") and len(raw) > 40
    assert token.user == city.officer_a and token.name == "điện thoại"
    assert raw not in (token.key_hash, token.prefix) and raw.startswith(token.prefix)
    assert tokens.find(raw) == token


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(Exception, match="no user"):
        call_command("create_staff_token", "khong-co", stdout=StringIO(), stderr=StringIO())


def test_calls_without_a_valid_token_are_refused_with_401(client, city, api, in_ward_a):
    anonymous = client.get("/api/v1/staff/queue", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json()["field"] == "Authorization"
    forged = client.get("/api/v1/staff/queue", HTTP_AUTHORIZATION="Bearer pas_guessed")
    assert forged.status_code == 401
    before = snapshot(in_ward_a)
    response = client.post(f"/api/v1/staff/reports/{in_ward_a.code}/actions/accept",
                           HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401 and snapshot(in_ward_a) == before


def test_a_revoked_token_and_an_inactive_user_are_refused(client, city, api):
    caller = api(city.officer_a)
    assert caller.get("/queue").status_code == 200
    tokens.revoke(StaffToken.objects.get(user=city.officer_a))
    assert caller.get("/queue").status_code == 401
    other = api(city.officer_b)
    city.officer_b.is_active = False
    city.officer_b.save()
    assert other.get("/queue").status_code == 401


def test_a_user_without_membership_gets_403(city, api):
    response = api(city.outsider).get("/queue")
    assert response.status_code == 403 and "not a member" in response.json()["detail"]


def test_use_is_recorded_at_most_hourly(city, api):
    caller = api(city.officer_a)
    caller.get("/queue")
    first = StaffToken.objects.get().last_used_at
    caller.get("/queue")
    assert first is not None and StaffToken.objects.get().last_used_at == first


def test_each_token_is_rate_limited(city, api, monkeypatch):
    monkeypatch.setattr(tokens, "REQUESTS_PER_MINUTE", 3)
    caller = api(city.officer_a)
    assert [caller.get("/queue").status_code for _ in range(3)] == [200, 200, 200]
    refused = caller.get("/queue")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["retry_after"] >= 1
    assert api(city.officer_a2).get("/queue").status_code == 200  # another token has its own count


def test_admin_creates_a_token_shown_once_and_revokes_it(client, city):
    admin = make_user("quantri", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/console/stafftoken/add/", {"user": city.officer_a.pk, "name": "app"}, follow=True)
    assert response.status_code == 200
    token = StaffToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    raw = next(m for m in shown if "pas_" in m).split("<code>")[1].split("</code>")[0]
    assert tokens.find(raw) == token
    client.post("/admin/console/stafftoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert tokens.find(raw) is None and StaffToken.objects.get().revoked_at is not None


# --- the queue ----------------------------------------------------------------------------------------

def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_unit_staff_see_their_unit_and_coordinators_see_everything(city, api, in_ward_a, in_ward_b, to_triage):
    assert codes(api(city.officer_a).get("/queue")) == [in_ward_a.code]
    assert codes(api(city.officer_b).get("/queue")) == [in_ward_b.code]
    assert set(codes(api(city.coordinator).get("/queue"))) == {in_ward_a.code, in_ward_b.code, to_triage.code}
    row = api(city.officer_a).get("/queue").json()["results"][0]
    assert row["unit"]["code"] == city.ward_a.code and row["overdue"] is False and row["resolve_due"]
    assert "reporter" not in json.dumps(row)


def test_queue_filters_and_cursor_pages(city, api, submit_report, in_ward_a):
    more = [submit_report(description=f"Rác lần {i}") for i in range(4)]
    workflow.apply(more[0], "accept", city.officer_a)
    workflow.apply(more[0], "assign_officer", city.officer_a, officer=city.officer_a)
    caller = api(city.officer_a)
    assert codes(caller.get("/queue", {"mine": "true"})) == [more[0].code]
    assert codes(caller.get("/queue", {"status": "acknowledged"})) == [more[0].code]
    assert codes(caller.get("/queue", {"q": more[2].code})) == [more[2].code]
    seen, params = [], {"limit": "2"}
    while True:
        page = caller.get("/queue", params).json()
        seen += [row["code"] for row in page["results"]]
        if not page["next_cursor"]:
            break
        params = {"limit": "2", "cursor": page["next_cursor"]}
    assert sorted(seen) == sorted([in_ward_a.code] + [r.code for r in more]) and len(seen) == 5


@pytest.mark.parametrize("params,field", [
    ({"status": "lost"}, "status"),
    ({"category": "khong-co"}, "category"),
    ({"unit": "26740"}, "unit"),  # a unit that is not hers
    ({"overdue": "maybe"}, "overdue"),
    ({"cursor": "forged"}, "cursor"),
    ({"limit": "0"}, "limit"),
    ({"q": "..."}, "q"),
])
def test_bad_queue_parameters_are_named(city, api, params, field):
    response = api(city.officer_a).get("/queue", params)
    assert response.status_code in (400, 422) and response.json()["field"] == field


# --- one report --------------------------------------------------------------------------------------

def test_the_report_shows_internal_events_and_the_actions_allowed(city, api, to_triage):
    workflow.apply(to_triage, "note", city.coordinator, text="Gọi lại cho người dân")
    body = api(city.coordinator).get(f"/reports/{to_triage.code}").json()
    types = {e["type"]: e for e in body["events"]}
    assert types["triage_needed"]["public"] is False and types["note"]["details"] == ["Gọi lại cho người dân"]
    assert "route" in body["actions"] and "reject" in body["actions"] and "accept" not in body["actions"]
    specs = {spec["name"]: spec for spec in api(city.coordinator).get(f"/reports/{to_triage.code}/actions").json()}
    unit_field = next(f for f in specs["route"]["fields"] if f["name"] == "unit")
    assert unit_field["type"] == "code" and city.ward_a.code in {c["value"] for c in unit_field["choices"]}
    assert next(f for f in specs["reject"]["fields"] if f["name"] == "reason")["required"] is True


def test_a_confidential_reporter_is_hidden_from_unit_staff_only(city, api, submit_report):
    report = submit_report(reporter_name="Nguyễn Văn An", reporter_phone="0903123456", confidential=True)
    officer = api(city.officer_a).get(f"/reports/{report.code}")
    assert officer.json()["reporter"] is None and "0903123456" not in officer.content.decode()
    coordinator = api(city.coordinator).get(f"/reports/{report.code}").json()
    assert coordinator["reporter"] == {"name": "Nguyễn Văn An", "phone": "0903123456", "email": ""}
    open_report = submit_report(reporter_name="Trần Thị Bình")
    assert api(city.officer_a).get(f"/reports/{open_report.code}").json()["reporter"]["name"] == "Trần Thị Bình"


# --- every action through the API --------------------------------------------------------------------------

def test_a_unit_works_a_report_from_acknowledgement_to_resolution(city, api, in_ward_a, photo_upload, settings,
                                                                 django_capture_on_commit_callbacks):
    officer, coordinator = api(city.officer_a), api(city.coordinator)
    assert officer.act(in_ward_a, "accept").json()["status"] == "acknowledged"
    done = officer.act(in_ward_a, "assign_officer").json()  # no officer named: taking it oneself
    assert done["report"]["assignee"]["username"] == city.officer_a.username
    assert officer.act(in_ward_a, "start").json()["status"] == "in_progress"
    assert officer.act(in_ward_a, "request_extension", {"days": 3, "reason": "Chờ xe ép rác"}).status_code == 200
    assert coordinator.act(in_ward_a, "approve_extension").status_code == 200
    assert officer.act(in_ward_a, "note", {"text": "Đã liên hệ tổ dân phố"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.act(in_ward_a, "resolve", {"outcome": "fixed", "result": "Đã dọn sạch.",
                               "photos": [photo_upload()]}, multipart=True)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "resolved" and body["message"] == f"Report {in_ward_a.code} resolved."
    assert body["report"]["photos_processing"] == 1  # published once the worker has re-encoded it
    assert len(officer.get(f"/reports/{in_ward_a.code}").json()["proof_photos"]) == 1
    assert Report.objects.get(pk=in_ward_a.pk).media.filter(kind=MediaKind.PROOF).count() == 1
    assert coordinator.act(in_ward_a, "close").json()["status"] == "closed"
    types = list(Event.objects.filter(report=in_ward_a).order_by("seq").values_list("type", flat=True))
    assert types[-8:] == ["acknowledged", "officer_assigned", "started", "extension_requested",
                          "extension_approved", "note", "resolved", "closed"]


def test_coordinator_triage_actions(city, api, submit_report, to_triage, in_ward_a):
    coordinator = api(city.coordinator)
    assert coordinator.act(to_triage, "reclassify", {"category": "cay-xanh"}).status_code == 200
    assert Report.objects.get(pk=to_triage.pk).category.code == "cay-xanh"
    routed = coordinator.act(to_triage, "route", {"unit": city.ward_b.code, "category": "rac-thai"})
    assert routed.status_code == 200, routed.json()
    fresh = Report.objects.get(pk=to_triage.pk)
    assert fresh.unit == city.ward_b and fresh.category.code == "rac-thai"
    assert coordinator.act(to_triage, "reset_deadlines", {"reason": "Chuyển đúng đơn vị"}).status_code == 200
    other = submit_report(category="khac", description="Rác trùng")
    assert coordinator.act(other, "merge", {"original": in_ward_a.code.lower()}).json()["status"] == "duplicate"
    third = submit_report(category="khac", description="Quảng cáo")
    assert coordinator.act(third, "reject", {"reason": "Không phải phản ánh"}).json()["status"] == "rejected"


def test_unit_return_head_assignment_and_declined_extension(city, api, submit_report, in_ward_a):
    head = api(city.head_a)
    assert head.act(in_ward_a, "assign_officer", {"officer": city.officer_a2.username}).status_code == 200
    assert Report.objects.get(pk=in_ward_a.pk).assignee == city.officer_a2
    head.act(in_ward_a, "accept")
    api(city.officer_a2).act(in_ward_a, "request_extension", {"days": "2", "reason": "Mưa"})
    assert api(city.coordinator).act(in_ward_a, "decline_extension", {"reason": "Không đủ lý do"}).status_code == 200
    other = submit_report(description="Rác ở chợ")
    returned = api(city.officer_a).act(other, "return", {"reason": "Thuộc ban quản lý chợ"})
    assert returned.status_code == 200
    assert returned.json() == {"message": f"Report {other.code} returned to the coordinator.", "status": "submitted",
                               "report": None}  # no longer the unit's to see


# --- the permission matrix ---------------------------------------------------------------------------------

@pytest.mark.parametrize("action,data", [
    ("accept", {}),
    ("return", {"reason": "Không phải của chúng tôi"}),
    ("note", {"text": "Ghi chú"}),
    ("assign_officer", {}),
    ("resolve", {"outcome": "cannot_fix", "result": "Không làm được"}),
])
def test_staff_of_unit_a_can_never_touch_unit_b_reports(city, api, in_ward_b, action, data):
    head_a = api(city.head_a)
    before = snapshot(in_ward_b)
    response = head_a.act(in_ward_b, action, data)
    assert response.status_code == 404
    assert response.json()["detail"] == f"There is no report {in_ward_b.code} that you can see."
    assert head_a.get(f"/reports/{in_ward_b.code}").status_code == 404
    assert head_a.get(f"/reports/{in_ward_b.code}/actions").status_code == 404
    assert head_a.get("/reports/ZZZZ-ZZZZ").json()["detail"] == "There is no report ZZZZ-ZZZZ that you can see."
    assert snapshot(in_ward_b) == before


@pytest.mark.parametrize("action,data", [
    ("route", {"unit": "26740"}),
    ("reject", {"reason": "Không hợp lệ"}),
    ("merge", {"original": "ORIGINAL"}),
    ("reclassify", {"category": "cay-xanh"}),
    ("reset_deadlines", {"reason": "x"}),
    ("approve_extension", {}),
])
def test_officers_cannot_do_coordinator_work(city, api, submit_report, in_ward_a, action, data):
    other = submit_report(description="Rác lần hai ở cùng chỗ")
    data = {k: other.code if v == "ORIGINAL" else v for k, v in data.items()}
    before = snapshot(in_ward_a)
    response = api(city.officer_a).act(in_ward_a, action, data)
    assert response.status_code in (403, 409)
    assert response.json()["detail"]
    assert snapshot(in_ward_a) == before


def test_coordinators_cannot_do_unit_work(city, api, in_ward_a):
    before = snapshot(in_ward_a)
    response = api(city.coordinator).act(in_ward_a, "accept")
    assert response.status_code == 403
    assert response.json()["detail"] == f"You are not allowed to do this on report {in_ward_a.code}."
    assert snapshot(in_ward_a) == before


def test_an_officer_cannot_hand_a_report_to_a_colleague(city, api, in_ward_a):
    before = snapshot(in_ward_a)
    response = api(city.officer_a).act(in_ward_a, "assign_officer", {"officer": city.officer_a2.username})
    assert response.status_code == 400 and response.json()["field"] == "officer"
    assert snapshot(in_ward_a) == before


def test_an_action_the_state_does_not_allow_is_a_conflict(city, api, in_ward_a):
    response = api(city.officer_a).act(in_ward_a, "start")  # not acknowledged yet
    assert response.status_code == 409
    assert response.json()["detail"] == "This cannot be done while the report is “Sent to unit”."


def test_a_coordinator_of_another_province_sees_nothing_here(city, api, in_ward_a):
    province = Unit.objects.create(name="Thành phố Hà Nội", code="01", kind=UnitKind.PROVINCE)
    ward = Unit.objects.create(name="Phường Hoàn Kiếm", code="00070", kind=UnitKind.WARD, parent=province)
    team = Unit.objects.create(name="Tổ điều phối Hà Nội", code="dieu-phoi-hn", kind=UnitKind.COORDINATOR,
                               parent=province)
    make_area(ward, square(105.84, 21.02, 105.86, 21.04))
    hanoi = api(make_user("dieuphoi_hn", team, Role.COORDINATOR))
    assert codes(hanoi.get("/queue")) == []
    assert hanoi.act(in_ward_a, "reject", {"reason": "x"}).status_code == 404
    assert Report.objects.get(pk=in_ward_a.pk).status == Status.ASSIGNED


# --- wrong input ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("action,data,field", [
    ("request_extension", {"days": 100, "reason": "Lâu"}, "days"),
    ("request_extension", {"days": "ba", "reason": "Lâu"}, "days"),
    ("return", {}, "reason"),
    ("resolve", {"outcome": "fixed", "result": "Xong"}, "photos"),
    ("resolve", {"outcome": "magic", "result": "Xong"}, "outcome"),
    ("resolve", {"outcome": "referred", "result": "Chuyển"}, "referred_to"),
    ("note", {"text": {"nested": True}}, "text"),
])
def test_bad_action_inputs_are_named(city, api, in_ward_a, action, data, field):
    caller = api(city.officer_a)
    if action != "return":
        caller.act(in_ward_a, "accept")
    before = snapshot(in_ward_a)
    response = caller.act(in_ward_a, action, data)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field and response.json()["detail"]
    assert snapshot(in_ward_a) == before


def test_route_to_a_unit_outside_the_coordinators_territory_is_refused(city, api, to_triage):
    province = Unit.objects.create(name="Thành phố Hà Nội", code="01", kind=UnitKind.PROVINCE)
    Unit.objects.create(name="Phường Hoàn Kiếm", code="00070", kind=UnitKind.WARD, parent=province)
    before = snapshot(to_triage)
    response = api(city.coordinator).act(to_triage, "route", {"unit": "00070"})
    assert response.status_code == 400 and response.json()["field"] == "unit"
    assert snapshot(to_triage) == before


def test_a_non_image_proof_photo_is_refused(city, api, in_ward_a):
    caller = api(city.officer_a)
    caller.act(in_ward_a, "accept")
    upload = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = caller.act(in_ward_a, "resolve", {"outcome": "fixed", "result": "Xong", "photos": [upload]},
                          multipart=True)
    assert response.status_code == 400 and response.json()["field"] == "photos"
    assert Report.objects.get(pk=in_ward_a.pk).status == Status.ACKNOWLEDGED


@pytest.mark.parametrize("body,content_type,status", [
    (b"{broken", "application/json", 400),
    (b"[]", "application/json", 400),
    (b"\xff\xfe\x00", "application/json", 400),
    (b"reason", "text/plain", 415),
])
def test_unreadable_action_bodies(client, city, token_for, in_ward_a, body, content_type, status):
    response = client.post(f"/api/v1/staff/reports/{in_ward_a.code}/actions/return", body,
                           content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token_for(city.officer_a)}")
    assert response.status_code == status and response.json()["detail"]


def test_unknown_and_citizen_only_actions_are_not_offered(city, api, in_ward_a):
    for action in ("explode", "rate", "remind"):
        response = api(city.officer_a).act(in_ward_a, action)
        assert response.status_code == 422 and response.json()["field"] == "action"


def test_categories_are_named_by_code_even_inactive_ones_are_refused(city, api, to_triage):
    Category.objects.filter(code="cay-xanh").update(is_active=False)
    response = api(city.coordinator).act(to_triage, "reclassify", {"category": "cay-xanh"})
    assert response.status_code == 400 and response.json()["field"] == "category"
