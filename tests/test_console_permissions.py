"""Who may see and do what in the staff console: the permission matrix."""

import pytest
from django.urls import reverse

from phananh.reports import workflow
from phananh.reports.models import Event, Report, Status
from phananh.units.models import Role, Unit, UnitKind

from .conftest import WARD_B_POINT, make_area, make_user, square

HANOI_POINT = (21.0285, 105.8542)


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    # Assertions read English msgids; the site defaults to Vietnamese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page(code):
    return reverse("console:report", args=[code])


def act(code, action):
    return reverse("console:act", args=[code, action])


def snapshot(report):
    """What an action would change: the row's workflow fields and its events."""
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
def hanoi(city):
    """A second province with its own ward, area and coordinator."""
    province = Unit.objects.create(name="Thành phố Hà Nội", code="01", kind=UnitKind.PROVINCE)
    ward = Unit.objects.create(name="Phường Hoàn Kiếm", code="00070", kind=UnitKind.WARD, parent=province)
    team = Unit.objects.create(name="Tổ điều phối Hà Nội", code="dieu-phoi-hn", kind=UnitKind.COORDINATOR,
                               parent=province)
    make_area(ward, square(105.84, 21.02, 105.86, 21.04))
    coordinator = make_user("dieuphoi_hn", team, Role.COORDINATOR)
    return province, ward, coordinator


# --- anonymous and non-members ----------------------------------------------------

@pytest.mark.parametrize("name,args", [("console:home", []), ("console:report", ["K7MW-3QDP"])])
def test_anonymous_users_are_sent_to_sign_in(client, db, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_post_to_an_action_changes_nothing(client, city, in_ward_a):
    before = snapshot(in_ward_a)
    response = client.post(act(in_ward_a.code, "accept"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert snapshot(in_ward_a) == before


def test_a_user_without_membership_gets_a_friendly_403(client, city, in_ward_a):
    client.force_login(city.outsider)
    response = client.get(reverse("console:home"))
    assert response.status_code == 403
    assert "not a member of any unit" in response.content.decode()
    assert client.get(page(in_ward_a.code)).status_code == 403
    before = snapshot(in_ward_a)
    assert client.post(act(in_ward_a.code, "accept")).status_code == 403
    assert snapshot(in_ward_a) == before


# --- unit staff see only their unit ------------------------------------------------

def test_staff_of_unit_a_cannot_see_unit_b_reports(client, city, in_ward_a, in_ward_b):
    client.force_login(city.officer_a)
    assert client.get(page(in_ward_a.code)).status_code == 200
    response = client.get(page(in_ward_b.code))
    assert response.status_code == 404
    # Same answer as a code that does not exist: existence is not revealed.
    assert client.get(page("ZZZZ-ZZZZ")).status_code == 404
    queue = client.get(reverse("console:home")).content.decode()
    assert in_ward_a.code in queue and in_ward_b.code not in queue


@pytest.mark.parametrize("action,data", [
    ("accept", {}),
    ("return", {"return-reason": "Không phải của chúng tôi"}),
    ("note", {"note-text": "Ghi chú"}),
    ("assign_officer", {"assign_officer-officer": "0"}),
])
def test_staff_of_unit_a_cannot_act_on_unit_b_reports(client, city, in_ward_b, action, data):
    client.force_login(city.head_a)
    before = snapshot(in_ward_b)
    assert client.post(act(in_ward_b.code, action), data).status_code == 404
    assert snapshot(in_ward_b) == before


@pytest.mark.parametrize("action,data", [
    ("route", {"route-unit": "WARD_B"}),
    ("reject", {"reject-reason": "Không hợp lệ"}),
    ("merge", {"merge-original": "ORIGINAL"}),
    ("reclassify", {"reclassify-category": "CATEGORY"}),
])
def test_officers_cannot_do_coordinator_triage(client, city, submit_report, in_ward_a, action, data):
    # The officer's unit holds the report, so they see it, but triage is not theirs.
    other = submit_report(description="Rác lần hai ở cùng chỗ")
    values = {"WARD_B": city.ward_b.pk, "ORIGINAL": other.code, "CATEGORY": other.category_id + 1}
    data = {k: values.get(v, v) for k, v in data.items()}
    client.force_login(city.officer_a)
    before = snapshot(in_ward_a)
    response = client.post(act(in_ward_a.code, action), data)
    assert response.status_code in (403, 409)
    assert snapshot(in_ward_a) == before


def test_officers_cannot_approve_their_own_extension(client, city, in_ward_a):
    workflow.apply(in_ward_a, "accept", city.officer_a)
    workflow.apply(in_ward_a, "request_extension", city.officer_a, days=3, reason="Chờ vật tư")
    client.force_login(city.head_a)
    before = snapshot(in_ward_a)
    response = client.post(act(in_ward_a.code, "approve_extension"))
    assert response.status_code == 403
    assert "not allowed" in response.content.decode()
    assert snapshot(in_ward_a) == before
    assert Report.objects.get(pk=in_ward_a.pk).extension_requested_until is not None


def test_an_officer_cannot_give_a_report_to_a_colleague(client, city, in_ward_a):
    client.force_login(city.officer_a)
    before = snapshot(in_ward_a)
    response = client.post(act(in_ward_a.code, "assign_officer"), {"assign_officer-officer": city.officer_a2.pk})
    assert response.status_code == 400
    assert snapshot(in_ward_a) == before
    client.post(act(in_ward_a.code, "assign_officer"), {"assign_officer-officer": city.officer_a.pk})
    assert Report.objects.get(pk=in_ward_a.pk).assignee == city.officer_a


def test_coordinators_cannot_do_unit_work(client, city, in_ward_a):
    client.force_login(city.coordinator)
    before = snapshot(in_ward_a)
    response = client.post(act(in_ward_a.code, "accept"))
    assert response.status_code == 403
    assert snapshot(in_ward_a) == before


# --- coordinators see their province only ----------------------------------------------

def test_coordinator_of_one_province_cannot_see_another_province(client, city, hanoi, submit_report, in_ward_a):
    _province, hanoi_ward, hanoi_coordinator = hanoi
    in_hanoi = submit_report(category="cap-nuoc", point=HANOI_POINT)  # no water company: triage in Hà Nội
    assert in_hanoi.ward == hanoi_ward and in_hanoi.status == Status.SUBMITTED

    client.force_login(city.coordinator)
    assert client.get(page(in_hanoi.code)).status_code == 404
    assert client.get(page(in_ward_a.code)).status_code == 200
    before = snapshot(in_hanoi)
    assert client.post(act(in_hanoi.code, "reject"), {"reject-reason": "x"}).status_code == 404
    assert snapshot(in_hanoi) == before
    queue = client.get(reverse("console:home"), {"status": "all"}).content.decode()
    assert in_ward_a.code in queue and in_hanoi.code not in queue

    client.force_login(hanoi_coordinator)
    assert client.get(page(in_hanoi.code)).status_code == 200
    assert client.get(page(in_ward_a.code)).status_code == 404


def test_coordinator_can_only_route_within_their_province(client, city, hanoi, submit_report):
    _province, hanoi_ward, _coordinator = hanoi
    report = submit_report(point=None, category="khac")  # no location: every coordinator sees it
    client.force_login(city.coordinator)
    before = snapshot(report)
    response = client.post(act(report.code, "route"), {"route-unit": hanoi_ward.pk})
    assert response.status_code == 400
    assert snapshot(report) == before


# --- the reporter's identity -------------------------------------------------------------

def test_confidential_reporter_is_hidden_from_unit_staff_and_shown_to_coordinators(client, city, submit_report):
    report = submit_report(reporter_name="Nguyễn Văn An", reporter_phone="0903123456", confidential=True)
    client.force_login(city.officer_a)
    body = client.get(page(report.code)).content.decode()
    assert "Nguyễn Văn An" not in body and "0903123456" not in body
    assert "Confidential — hidden from unit staff" in body

    client.force_login(city.coordinator)
    body = client.get(page(report.code)).content.decode()
    assert "Nguyễn Văn An" in body and "0903123456" in body
    assert "Confidential — hidden from unit staff" not in body


def test_non_confidential_reporter_is_shown_to_the_unit(client, city, submit_report):
    report = submit_report(reporter_name="Trần Thị Bình", reporter_phone="0912000111")
    client.force_login(city.officer_a)
    body = client.get(page(report.code)).content.decode()
    assert "Trần Thị Bình" in body and 'href="tel:0912000111"' in body
