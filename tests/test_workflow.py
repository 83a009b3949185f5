import pytest
from django.core.management import call_command

from phananh.reports import workflow
from phananh.reports.models import Category, Event, MediaKind, Report, Status
from phananh.reports.workflow import SYSTEM_ACTOR, Citizen, NotAllowed, WorkflowError

from .conftest import OUTSIDE_POINT, WARD_B_POINT


def statuses(report):
    return list(Event.objects.filter(report=report).order_by("seq").values_list("type", flat=True))


def test_submit_routes_ward_category_to_the_ward_covering_the_point(city, submit_report):
    report = submit_report()
    assert report.status == Status.ASSIGNED
    assert report.unit == city.ward_a
    assert report.ward == city.ward_a
    assert statuses(report) == ["submitted", "routed"]
    routed = Event.objects.get(report=report, type="routed")
    assert routed.payload["reason"] == "handler_kind"
    assert routed.actor_role == "system"


def test_utility_category_goes_to_the_utility_above_the_ward(city, submit_report):
    report = submit_report(category="den-chieu-sang", point=WARD_B_POINT)
    assert report.unit == city.lighting
    assert report.ward == city.ward_b


def test_ward_police_category_goes_to_the_police_post_of_the_ward(city, submit_report):
    assert submit_report(category="an-ninh").unit == city.police_a


def test_no_unit_of_the_kind_leaves_the_report_with_the_coordinator(city, submit_report):
    report = submit_report(category="cap-nuoc")  # no water utility in the fixture city
    assert report.status == Status.SUBMITTED and report.unit is None
    event = Event.objects.get(report=report, type="triage_needed")
    assert event.payload["reason"] == "no_unit" and not event.public


def test_outside_every_area_goes_to_the_coordinator(city, submit_report):
    report = submit_report(point=OUTSIDE_POINT)
    assert report.unit is None and report.ward is None


def test_idempotency_key_returns_the_first_report(city, submit_report):
    first = submit_report(idempotency_key="k-1")
    again = submit_report(idempotency_key="k-1")
    assert again.pk == first.pk and again.token is None
    assert Report.objects.count() == 1


def test_empty_description_is_refused(city, submit_report):
    with pytest.raises(WorkflowError):
        submit_report(description="   ")
    assert Report.objects.count() == 0


def test_full_lifecycle_with_proof_rating_and_reopen(city, submit_report, parked_photo,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit_report(photos=[parked_photo()])
    token = report.token
    report = workflow.apply(report, "accept", city.officer_a)
    assert report.status == Status.ACKNOWLEDGED and report.acknowledged_at
    report = workflow.apply(report, "start", city.officer_a)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="Đã dọn.")
    with django_capture_on_commit_callbacks(execute=True):
        report = workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="Đã dọn sạch.",
                                photos=[parked_photo(color=(0, 200, 0))])
    assert report.status == Status.RESOLVED
    assert report.media.filter(kind=MediaKind.PROOF).count() == 1
    assert all(m.ready for m in report.media.all())  # worker runs inline in tests
    report = workflow.apply(report, "rate", Citizen(token), rating="unsatisfied", comment="Vẫn còn rác")
    assert report.status == Status.REOPENED and report.reopen_count == 1
    report = workflow.apply(report, "accept", city.officer_a)
    report = workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="Dọn lại.")
    report = workflow.apply(report, "rate", Citizen(token), rating="satisfied")
    assert report.status == Status.CLOSED
    call_command("verify_audit", verbosity=0)


def test_officer_of_another_unit_cannot_act(city, submit_report):
    report = submit_report()
    with pytest.raises(NotAllowed):
        workflow.apply(report, "accept", city.officer_b)
    with pytest.raises(NotAllowed):
        workflow.apply(report, "accept", city.outsider)
    assert Report.objects.get(pk=report.pk).status == Status.ASSIGNED


def test_citizen_needs_the_right_token(city, submit_report):
    report = submit_report()
    workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Đất tư nhân.")
    with pytest.raises(NotAllowed):
        workflow.apply(report, "rate", Citizen("wrong"), rating="satisfied")


def test_coordinator_routes_rejects_and_merges(city, submit_report):
    a = submit_report(point=OUTSIDE_POINT)
    workflow.apply(a, "route", city.coordinator, unit=city.ward_b,
                   category=Category.objects.get(code="lan-chiem-via-he"))
    a.refresh_from_db()
    assert a.unit == city.ward_b and a.category.code == "lan-chiem-via-he"
    b = submit_report(point=OUTSIDE_POINT)
    workflow.apply(b, "merge", city.coordinator, original=a)
    b.refresh_from_db()
    assert b.status == Status.DUPLICATE and b.duplicate_of == a
    c = submit_report(point=OUTSIDE_POINT)
    with pytest.raises(WorkflowError):
        workflow.apply(c, "reject", city.coordinator, reason="")
    workflow.apply(c, "reject", city.coordinator, reason="Không thuộc phạm vi tiếp nhận.")
    assert Report.objects.get(pk=c.pk).status == Status.REJECTED


def test_officer_cannot_do_coordinator_actions(city, submit_report):
    report = submit_report(point=OUTSIDE_POINT)
    with pytest.raises(NotAllowed):
        workflow.apply(report, "reject", city.officer_a, reason="x")


def test_return_and_extension(city, submit_report):
    report = submit_report()
    workflow.apply(report, "accept", city.officer_a)
    report = workflow.apply(report, "request_extension", city.officer_a, days=3, reason="Chờ vật tư")
    assert report.extension_requested_until > report.resolve_due
    report = workflow.apply(report, "approve_extension", city.coordinator)
    assert report.resolve_due == report.extension_requested_until or report.extension_requested_until is None
    report = workflow.apply(report, "return", city.officer_a, reason="Thuộc phường khác")
    assert report.status == Status.SUBMITTED and report.unit is None


def test_system_cannot_do_unit_actions(city, submit_report):
    with pytest.raises(NotAllowed):
        workflow.apply(submit_report(), "accept", SYSTEM_ACTOR)
