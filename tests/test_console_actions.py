"""Every console action through its form: success, and refusal with nothing changed."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from phananh.console.forms import KEPT_SALT
from phananh.reports import workflow
from phananh.reports.models import Category, Event, MediaKind, Report, Status

from .conftest import WARD_B_POINT


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    # Assertions read English msgids; the site defaults to Vietnamese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def act(report, action):
    return reverse("console:act", args=[report.code, action])


def page(report):
    return reverse("console:report", args=[report.code])


def fresh(report):
    return Report.objects.get(pk=report.pk)


def events(report):
    return list(Event.objects.filter(report=report).order_by("seq").values_list("type", flat=True))


def unchanged(report, before_events):
    """The refusal left the report exactly where it was."""
    return events(report) == before_events


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def triage(submit_report):
    """A report waiting for a coordinator (no location)."""
    return submit_report(point=None, category="khac", description="Người bán hàng rong chặn lối vào chợ.")


@pytest.fixture
def assigned(submit_report):
    return submit_report()  # garbage in ward A


@pytest.fixture
def acknowledged(city, assigned):
    return workflow.apply(assigned, "accept", city.officer_a)


@pytest.fixture
def resolved(city, acknowledged):
    return workflow.apply(acknowledged, "resolve", city.officer_a, outcome="cannot_fix", result="Đất tư nhân.")


# --- coordinator actions ---------------------------------------------------------------

def test_route_sends_the_report_and_can_change_its_category(client, city, triage):
    client.force_login(city.coordinator)
    category = Category.objects.get(code="lan-chiem-via-he")
    response = client.post(act(triage, "route"), {"route-unit": city.ward_b.pk, "route-category": category.pk})
    assert response.status_code == 302 and response["Location"] == page(triage)
    report = fresh(triage)
    assert report.status == Status.ASSIGNED and report.unit == city.ward_b and report.category == category
    assert any(triage.code in m for m in flash(response))


def test_route_without_a_unit_is_refused(client, city, triage):
    client.force_login(city.coordinator)
    before = events(triage)
    response = client.post(act(triage, "route"), {"route-unit": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert unchanged(triage, before) and fresh(triage).status == Status.SUBMITTED


def test_route_refuses_a_coordination_unit(client, city, triage):
    client.force_login(city.coordinator)
    before = events(triage)
    response = client.post(act(triage, "route"), {"route-unit": city.coordination.pk})
    assert response.status_code == 400
    assert unchanged(triage, before)


def test_reclassify(client, city, triage):
    client.force_login(city.coordinator)
    category = Category.objects.get(code="rac-thai")
    response = client.post(act(triage, "reclassify"), {"reclassify-category": category.pk})
    assert response.status_code == 302
    assert fresh(triage).category == category
    assert events(triage)[-1] == "reclassified"


def test_reclassify_to_the_same_category_shows_the_workflow_message(client, city, triage):
    client.force_login(city.coordinator)
    before = events(triage)
    response = client.post(act(triage, "reclassify"), {"reclassify-category": triage.category_id})
    assert response.status_code == 400
    assert "Choose a different category." in response.content.decode()
    assert unchanged(triage, before)


def test_reject_needs_a_public_reason(client, city, triage):
    client.force_login(city.coordinator)
    before = events(triage)
    response = client.post(act(triage, "reject"), {"reject-reason": "   "})
    assert response.status_code == 400 and unchanged(triage, before)
    response = client.post(act(triage, "reject"), {"reject-reason": "Không thuộc phạm vi tiếp nhận."})
    assert response.status_code == 302
    report = fresh(triage)
    assert report.status == Status.REJECTED and report.public_reason == "Không thuộc phạm vi tiếp nhận."


def test_merge_accepts_the_code_as_people_type_it(client, city, triage, assigned):
    client.force_login(city.coordinator)
    typed = assigned.code.lower().replace("-", " ")
    response = client.post(act(triage, "merge"), {"merge-original": typed})
    assert response.status_code == 302
    report = fresh(triage)
    assert report.status == Status.DUPLICATE and report.duplicate_of == assigned


@pytest.mark.parametrize("typed,message", [
    ("hello", "is not a tracking code"),
    ("ZZZZ-ZZZZ", "There is no report ZZZZ-ZZZZ that you can see."),
    ("SELF", "cannot be a duplicate of itself"),
])
def test_merge_refusals(client, city, triage, typed, message):
    client.force_login(city.coordinator)
    before = events(triage)
    response = client.post(act(triage, "merge"), {"merge-original": triage.code if typed == "SELF" else typed})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert unchanged(triage, before)


def test_merge_into_a_rejected_report_shows_the_workflow_message(client, city, submit_report, triage):
    other = submit_report(point=None, category="khac", description="Một phản ánh khác")
    workflow.apply(other, "reject", city.coordinator, reason="Trùng lặp")
    client.force_login(city.coordinator)
    before = events(triage)
    response = client.post(act(triage, "merge"), {"merge-original": other.code})
    assert response.status_code == 400
    assert "cannot be an original" in response.content.decode()
    assert unchanged(triage, before)


def test_merge_into_a_report_the_coordinator_cannot_see_is_refused(client, city, submit_report, triage):
    from phananh.units.models import Role, Unit, UnitKind

    from .conftest import make_area, make_user, square

    province = Unit.objects.create(name="Thành phố Hà Nội", code="01", kind=UnitKind.PROVINCE)
    ward = Unit.objects.create(name="Phường Hoàn Kiếm", code="00070", kind=UnitKind.WARD, parent=province)
    make_area(ward, square(105.84, 21.02, 105.86, 21.04))
    make_user("canbo_hn", ward, Role.OFFICER)
    elsewhere = submit_report(point=(21.0285, 105.8542))
    assert elsewhere.unit == ward
    client.force_login(city.coordinator)
    before = events(triage)
    response = client.post(act(triage, "merge"), {"merge-original": elsewhere.code})
    assert response.status_code == 400
    assert "that you can see" in response.content.decode()
    assert unchanged(triage, before)


# --- unit actions ------------------------------------------------------------------------

def test_accept(client, city, assigned):
    client.force_login(city.officer_a)
    response = client.post(act(assigned, "accept"))
    assert response.status_code == 302
    assert fresh(assigned).status == Status.ACKNOWLEDGED


def test_accept_twice_says_why_it_cannot(client, city, acknowledged):
    client.force_login(city.officer_a)
    before = events(acknowledged)
    response = client.post(act(acknowledged, "accept"))
    assert response.status_code == 409
    assert "This cannot be done while the report is" in response.content.decode()
    assert unchanged(acknowledged, before)


def test_head_assigns_a_member_of_the_unit(client, city, assigned):
    client.force_login(city.head_a)
    response = client.post(act(assigned, "assign_officer"), {"assign_officer-officer": city.officer_a2.pk})
    assert response.status_code == 302
    assert fresh(assigned).assignee == city.officer_a2


def test_head_cannot_assign_someone_from_another_unit(client, city, assigned):
    client.force_login(city.head_a)
    before = events(assigned)
    response = client.post(act(assigned, "assign_officer"), {"assign_officer-officer": city.officer_b.pk})
    assert response.status_code == 400
    assert unchanged(assigned, before) and fresh(assigned).assignee is None


def test_officer_takes_the_report(client, city, assigned):
    client.force_login(city.officer_a)
    body = client.get(page(assigned)).content.decode()
    assert "Take this report myself" in body
    response = client.post(act(assigned, "assign_officer"), {"assign_officer-officer": city.officer_a.pk})
    assert response.status_code == 302
    assert fresh(assigned).assignee == city.officer_a


def test_start(client, city, acknowledged):
    client.force_login(city.officer_a)
    assert client.post(act(acknowledged, "start")).status_code == 302
    assert fresh(acknowledged).status == Status.IN_PROGRESS


def test_start_before_acknowledging_is_refused(client, city, assigned):
    client.force_login(city.officer_a)
    before = events(assigned)
    assert client.post(act(assigned, "start")).status_code == 409
    assert unchanged(assigned, before)


def test_return_sends_it_back_and_leaves_the_unit_on_the_queue(client, city, assigned):
    client.force_login(city.officer_a)
    before = events(assigned)
    response = client.post(act(assigned, "return"), {"return-reason": ""})
    assert response.status_code == 400 and unchanged(assigned, before)
    response = client.post(act(assigned, "return"), {"return-reason": "Địa điểm thuộc phường Sài Gòn."})
    # The unit no longer sees the report, so it goes back to its queue, not a 404.
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    report = fresh(assigned)
    assert report.status == Status.SUBMITTED and report.unit is None


def test_request_extension(client, city, acknowledged):
    client.force_login(city.officer_a)
    response = client.post(act(acknowledged, "request_extension"),
                           {"request_extension-days": "3", "request_extension-reason": "Chờ vật tư"})
    assert response.status_code == 302
    assert fresh(acknowledged).extension_requested_until is not None


@pytest.mark.parametrize("days", ["0", "31", "ba", ""])
def test_request_extension_out_of_range_is_refused(client, city, acknowledged, days):
    client.force_login(city.officer_a)
    before = events(acknowledged)
    response = client.post(act(acknowledged, "request_extension"),
                           {"request_extension-days": days, "request_extension-reason": "Chờ vật tư"})
    assert response.status_code == 400
    assert 'id="id_request_extension-days_error"' in response.content.decode()
    assert unchanged(acknowledged, before)


@pytest.fixture
def extension_pending(city, acknowledged):
    return workflow.apply(acknowledged, "request_extension", city.officer_a, days=3, reason="Chờ vật tư")


def test_coordinator_approves_an_extension(client, city, extension_pending):
    client.force_login(city.coordinator)
    body = client.get(page(extension_pending)).content.decode()
    assert "Chờ vật tư" in body and act(extension_pending, "approve_extension") in body
    until = extension_pending.extension_requested_until
    assert client.post(act(extension_pending, "approve_extension")).status_code == 302
    report = fresh(extension_pending)
    assert report.resolve_due == until and report.extension_requested_until is None


def test_approving_without_a_pending_request_is_refused(client, city, acknowledged):
    client.force_login(city.coordinator)
    assert act(acknowledged, "approve_extension") not in client.get(page(acknowledged)).content.decode()
    before = events(acknowledged)
    response = client.post(act(acknowledged, "approve_extension"))
    assert response.status_code == 400
    assert "There is no pending extension request." in response.content.decode()
    assert unchanged(acknowledged, before)


def test_coordinator_declines_an_extension_with_a_reason(client, city, extension_pending):
    client.force_login(city.coordinator)
    before = events(extension_pending)
    response = client.post(act(extension_pending, "decline_extension"), {"decline_extension-reason": ""})
    assert response.status_code == 400 and unchanged(extension_pending, before)
    response = client.post(act(extension_pending, "decline_extension"),
                           {"decline_extension-reason": "Việc này làm được trong hạn."})
    assert response.status_code == 302
    assert fresh(extension_pending).extension_requested_until is None
    assert events(extension_pending)[-1] == "extension_declined"


# --- resolve -------------------------------------------------------------------------------

def jpeg_upload(photo_upload, name="sua-xong.jpg"):
    return photo_upload(name=name, color=(0, 160, 0))


def test_resolve_fixed_with_a_photo(client, city, acknowledged, photo_upload, django_capture_on_commit_callbacks):
    client.force_login(city.officer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act(acknowledged, "resolve"), {
            "resolve-outcome": "fixed", "resolve-result": "Đã dọn sạch rác.",
            "resolve-photos": [jpeg_upload(photo_upload), jpeg_upload(photo_upload, "hai.jpg")],
        })
    assert response.status_code == 302
    report = fresh(acknowledged)
    assert report.status == Status.RESOLVED and report.outcome == "fixed"
    proofs = report.media.filter(kind=MediaKind.PROOF)
    assert proofs.count() == 2 and all(m.ready for m in proofs)
    # The thumbnails are on the staff page once processed.
    body = client.get(page(report)).content.decode()
    assert proofs[0].thumbnail.url in body


def test_resolve_fixed_without_a_photo_is_refused(client, city, acknowledged):
    client.force_login(city.officer_a)
    before = events(acknowledged)
    response = client.post(act(acknowledged, "resolve"), {"resolve-outcome": "fixed", "resolve-result": "Xong."})
    assert response.status_code == 400
    body = response.content.decode()
    assert "A report can only be marked fixed with a photo of the fix." in body
    assert "Xong." in body  # typed values are kept
    assert unchanged(acknowledged, before) and fresh(acknowledged).status == Status.ACKNOWLEDGED


def test_each_bad_file_gets_its_own_message(client, city, acknowledged, photo_upload):
    client.force_login(city.officer_a)
    before = events(acknowledged)
    response = client.post(act(acknowledged, "resolve"), {
        "resolve-outcome": "fixed", "resolve-result": "Đã dọn.",
        "resolve-photos": [
            SimpleUploadedFile("ghi-chu.txt", b"not an image", content_type="text/plain"),
            SimpleUploadedFile("rong.jpg", b"", content_type="image/jpeg"),
            jpeg_upload(photo_upload, "tot.jpg"),
        ],
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "“ghi-chu.txt” is not a photo we can read" in body
    assert "“rong.jpg” is empty" in body or "“rong.jpg” is not a photo" in body
    assert "tot.jpg" in body  # the good photo is kept, not lost
    assert unchanged(acknowledged, before)


def test_photos_kept_after_an_error_are_used_on_the_next_try(client, city, acknowledged, photo_upload,
                                                            django_capture_on_commit_callbacks):
    client.force_login(city.officer_a)
    response = client.post(act(acknowledged, "resolve"), {
        "resolve-outcome": "fixed", "resolve-result": "", "resolve-photos": [jpeg_upload(photo_upload)],
    })
    assert response.status_code == 400
    kept = response.context["failed_form"].data["resolve-kept"]
    assert kept and f'value="{kept}"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act(acknowledged, "resolve"), {
            "resolve-outcome": "fixed", "resolve-result": "Đã dọn sạch.", "resolve-kept": kept,
        })
    assert response.status_code == 302
    assert fresh(acknowledged).media.filter(kind=MediaKind.PROOF).count() == 1


@pytest.mark.parametrize("salt", ["wrong-salt", "OTHER_REPORT"])
def test_a_forged_or_replayed_kept_value_is_ignored(client, city, acknowledged, salt):
    from django.core import signing

    salt = f"{KEPT_SALT}:{acknowledged.pk + 1}" if salt == "OTHER_REPORT" else salt
    client.force_login(city.officer_a)
    forged = signing.dumps([["someone-elses.upload", "x.jpg"]], salt=salt)
    response = client.post(act(acknowledged, "resolve"), {
        "resolve-outcome": "fixed", "resolve-result": "Xong.", "resolve-kept": forged,
    })
    assert response.status_code == 400
    assert "A report can only be marked fixed with a photo of the fix." in response.content.decode()


def test_resolve_referred_needs_the_organisation(client, city, acknowledged):
    client.force_login(city.officer_a)
    before = events(acknowledged)
    response = client.post(act(acknowledged, "resolve"), {"resolve-outcome": "referred", "resolve-result": "Đã báo."})
    assert response.status_code == 400
    assert "Say which organisation the report was referred to." in response.content.decode()
    assert unchanged(acknowledged, before)
    response = client.post(act(acknowledged, "resolve"), {
        "resolve-outcome": "referred", "resolve-result": "Đã báo.", "resolve-referred_to": "VNPT",
    })
    assert response.status_code == 302
    assert Event.objects.get(report=acknowledged, type="resolved").payload["referred_to"] == "VNPT"


def test_resolve_cannot_fix_with_a_planned_date(client, city, acknowledged):
    client.force_login(city.officer_a)
    response = client.post(act(acknowledged, "resolve"), {
        "resolve-outcome": "cannot_fix", "resolve-result": "Cần kinh phí.", "resolve-planned_date": "2027-03-15",
    })
    assert response.status_code == 302
    assert Event.objects.get(report=acknowledged, type="resolved").payload["planned_date"] == "2027-03-15"
    body = client.get(page(acknowledged)).content.decode()
    assert "15/03/2027" in body


def test_resolve_without_an_outcome_is_refused(client, city, acknowledged):
    client.force_login(city.officer_a)
    before = events(acknowledged)
    response = client.post(act(acknowledged, "resolve"), {"resolve-result": "Xong."})
    assert response.status_code == 400
    assert 'href="#id_resolve-outcome_0"' in response.content.decode()  # the summary links to the first radio
    assert unchanged(acknowledged, before)


# --- close, note, odd requests ----------------------------------------------------------------

def test_close(client, city, resolved):
    client.force_login(city.coordinator)
    assert client.post(act(resolved, "close")).status_code == 302
    assert fresh(resolved).status == Status.CLOSED


def test_close_an_open_report_is_refused(client, city, assigned):
    client.force_login(city.coordinator)
    before = events(assigned)
    assert client.post(act(assigned, "close")).status_code == 409
    assert unchanged(assigned, before)


def test_note_is_internal(client, city, assigned):
    client.force_login(city.officer_a)
    response = client.post(act(assigned, "note"), {"note-text": "Đã gọi điện cho tổ trưởng dân phố."})
    assert response.status_code == 302
    note = Event.objects.get(report=assigned, type="note")
    assert not note.public and note.actor == city.officer_a
    client.force_login(city.coordinator)
    body = client.get(page(assigned)).content.decode()
    assert "Đã gọi điện cho tổ trưởng dân phố." in body and "canbo_a" in body


def test_empty_note_is_refused(client, city, assigned):
    client.force_login(city.officer_a)
    before = events(assigned)
    assert client.post(act(assigned, "note"), {"note-text": ""}).status_code == 400
    assert unchanged(assigned, before)


def test_unknown_and_citizen_actions_are_404(client, city, assigned):
    client.force_login(city.coordinator)
    assert client.post(act(assigned, "explode")).status_code == 404
    assert client.post(act(assigned, "rate"), {"rating": "satisfied"}).status_code == 404


def test_actions_only_accept_post(client, city, assigned):
    client.force_login(city.officer_a)
    assert client.get(act(assigned, "accept")).status_code == 405
    assert fresh(assigned).status == Status.ASSIGNED


def test_a_route_to_another_ward_is_visible_in_the_history(client, city, submit_report):
    report = submit_report(category="cap-nuoc", point=WARD_B_POINT)  # no water company: triage
    client.force_login(city.coordinator)
    client.post(act(report, "route"), {"route-unit": city.ward_b.pk})
    body = client.get(page(report)).content.decode()
    assert "To: Phường Sài Gòn" in body and "dieuphoi (Coordinator)" in body


def test_coordinator_restarts_the_deadlines_with_a_public_reason(client, city, assigned):
    client.force_login(city.coordinator)
    before_due = fresh(assigned).resolve_due
    before = events(assigned)
    response = client.post(act(assigned, "reset_deadlines"), {"reset_deadlines-reason": ""})
    assert response.status_code == 400 and unchanged(assigned, before)
    from phananh.lib import clock

    later = before_due + (before_due - fresh(assigned).received_at)
    with clock.at(later):
        response = client.post(act(assigned, "reset_deadlines"),
                               {"reset_deadlines-reason": "Chuyển đúng đơn vị muộn."})
    assert response.status_code == 302
    assert fresh(assigned).resolve_due > before_due
    assert events(assigned)[-1] == "deadlines_reset"


def test_officers_cannot_restart_the_deadlines(client, city, assigned):
    client.force_login(city.officer_a)
    before = events(assigned)
    response = client.post(act(assigned, "reset_deadlines"), {"reset_deadlines-reason": "x"})
    assert response.status_code in (403, 404) and unchanged(assigned, before)
