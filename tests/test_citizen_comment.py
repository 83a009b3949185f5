"""The workflow's "comment" action: the reporter adds to their own report, in any status."""

import pytest
from django.utils import translation

from phananh.reports import workflow
from phananh.reports.models import Event, Report, Status
from phananh.reports.workflow import SYSTEM_ACTOR, AlreadyDone, Citizen, NotAllowed, WorkflowError

from .conftest import OUTSIDE_POINT


def last_event(report):
    return Event.objects.filter(report=report).order_by("-seq").first()


def test_reporter_comments_through_their_private_link(submit_report):
    report = submit_report()
    status_before = report.status
    report = workflow.apply(report, "comment", Citizen(report.token), text="  Rác vẫn còn ở góc hẻm.  ")
    event = last_event(report)
    assert event.type == "citizen_comment" and event.public
    assert event.actor is None and event.actor_role == "citizen"
    assert event.payload == {"text": "Rác vẫn còn ở góc hẻm."}
    assert Report.objects.get(pk=report.pk).status == status_before


def test_a_channel_that_checked_the_sender_comments_as_system(submit_report):
    report = submit_report()
    workflow.apply(report, "comment", SYSTEM_ACTOR, text="Thêm ảnh sau.", via="email", ref="abc123")
    event = last_event(report)
    assert event.actor_role == "system"
    assert event.payload == {"text": "Thêm ảnh sau.", "via": "email", "ref": "abc123"}


def test_the_same_ref_adds_the_comment_once(submit_report):
    report = submit_report()
    workflow.apply(report, "comment", SYSTEM_ACTOR, text="Một lần.", ref="msg-1")
    with pytest.raises(AlreadyDone):
        workflow.apply(report, "comment", SYSTEM_ACTOR, text="Một lần.", ref="msg-1")
    workflow.apply(report, "comment", SYSTEM_ACTOR, text="Lần khác.", ref="msg-2")
    assert Event.objects.filter(report=report, type="citizen_comment").count() == 2


def test_wrong_token_is_refused(submit_report):
    report = submit_report()
    with pytest.raises(NotAllowed):
        workflow.apply(report, "comment", Citizen("not-the-token"), text="Xin chào")
    assert not Event.objects.filter(report=report, type="citizen_comment").exists()


def test_staff_cannot_comment_as_the_citizen(submit_report, city):
    report = submit_report()
    for person in (city.coordinator, city.officer_a, city.head_a, city.outsider):
        with pytest.raises(NotAllowed):
            workflow.apply(report, "comment", person, text="Ghi chú")
        assert "comment" not in workflow.allowed_actions(report, person)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_comment_is_refused(submit_report, text):
    report = submit_report()
    with translation.override("en"), pytest.raises(WorkflowError, match="Write your comment first"):
        workflow.apply(report, "comment", Citizen(report.token), text=text)


def test_a_too_long_comment_is_refused(submit_report):
    report = submit_report()
    with pytest.raises(WorkflowError):
        workflow.apply(report, "comment", Citizen(report.token), text="x" * 2001)
    assert not Event.objects.filter(report=report, type="citizen_comment").exists()


def test_allowed_on_closed_rejected_and_duplicate_reports(submit_report, city):
    rejected = workflow.apply(submit_report(point=OUTSIDE_POINT), "reject", city.coordinator, reason="Ngoài phạm vi.")
    original = submit_report()
    duplicate = workflow.apply(submit_report(), "merge", city.coordinator, original=original)
    resolved = workflow.apply(submit_report(), "accept", city.officer_a)
    resolved = workflow.apply(resolved, "resolve", city.officer_a, outcome="referred", result="Đã chuyển.",
                              referred_to="VNPT")
    for report in (rejected, duplicate, resolved):
        workflow.apply(report, "comment", SYSTEM_ACTOR, text="Vẫn còn.")
        assert last_event(report).type == "citizen_comment"
    assert {Report.objects.get(pk=r.pk).status for r in (rejected, duplicate, resolved)} == {
        Status.REJECTED, Status.DUPLICATE, Status.RESOLVED}
