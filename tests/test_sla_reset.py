"""Deadlines on reports: routing and returns keep the clock; only a coordinator resets it, with a reason."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Event, Report
from phananh.reports.workflow import Citizen, NotAllowed, WorkflowError
from phananh.sla import jobs

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(d, hh=0, mm=0):
    return datetime(2025, 3, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def report(city, submit_report):
    with clock.at(vn(10, 9)):   # Monday; "rac-thai": 4 working hours / 2 working days
        return submit_report()


def act(report, action, actor, at, **data):
    with clock.at(at):
        return workflow.apply(report, action, actor, **data)


def test_return_and_reroute_keep_the_original_clock(report, city):
    act(report, "accept", city.officer_a, vn(10, 10))
    act(report, "return", city.officer_a, vn(11, 9), reason="Thuộc phường Sài Gòn.")
    act(report, "route", city.coordinator, vn(11, 10), unit=city.ward_b)
    moved = Report.objects.get(pk=report.pk)
    assert (moved.ack_due, moved.resolve_due) == (vn(10, 14, 30), vn(12, 9))


def test_coordinator_resets_both_deadlines_from_now_with_a_public_reason(report, city):
    act(report, "return", city.officer_a, vn(11, 9), reason="Thuộc phường Sài Gòn.")
    act(report, "route", city.coordinator, vn(11, 10), unit=city.ward_b)
    reset = act(report, "reset_deadlines", city.coordinator, vn(11, 10, 5), reason="Chuyển nhầm đơn vị lúc đầu.")
    assert reset.ack_due == vn(11, 15, 35) and reset.resolve_due == vn(13, 10, 5)
    event = Event.objects.filter(report=report).order_by("-seq").first()
    assert event.type == "deadlines_reset" and event.public and event.actor == city.coordinator
    assert event.payload == {
        "reason": "Chuyển nhầm đơn vị lúc đầu.",
        "ack_due": {"from": "2025-03-10T07:30:00+00:00", "to": "2025-03-11T08:35:00+00:00"},
        "resolve_due": {"from": "2025-03-12T02:00:00+00:00", "to": "2025-03-13T03:05:00+00:00"},
    }


def test_after_a_reset_the_new_deadline_gets_its_own_overdue_mark(report, city):
    jobs.run(vn(10, 14, 30))
    act(report, "reset_deadlines", city.coordinator, vn(10, 15), reason="Chuyển lại đơn vị.")
    jobs.run(vn(11, 9, 29))   # the new acknowledgement deadline: 15:00 + 4 working hours
    assert Event.objects.filter(report=report, type="overdue").count() == 1
    jobs.run(vn(11, 9, 30))
    assert Event.objects.filter(report=report, type="overdue").count() == 2


def test_a_pending_extension_request_is_dropped_by_a_reset(report, city):
    act(report, "accept", city.officer_a, vn(10, 10))
    act(report, "request_extension", city.officer_a, vn(10, 11), days=5, reason="Chờ vật tư.")
    reset = act(report, "reset_deadlines", city.coordinator, vn(10, 11, 30), reason="Giao lại việc.")
    assert reset.extension_requested_until is None and reset.extension_reason == ""
    assert Event.objects.filter(report=report).order_by("-seq").first().payload["extension_request_dropped"]


def test_the_reason_is_required(report, city):
    with translation.override("en"), pytest.raises(WorkflowError, match="Say why the deadlines start again"):
        act(report, "reset_deadlines", city.coordinator, vn(10, 10), reason="  ")
    assert Report.objects.get(pk=report.pk).ack_due == vn(10, 14, 30)


def test_only_a_coordinator_may_reset(report, city):
    for person in (city.head_a, city.officer_a, city.officer_b, city.outsider):
        with pytest.raises(NotAllowed):
            act(report, "reset_deadlines", person, vn(10, 10), reason="Xin thêm giờ.")
    with pytest.raises(NotAllowed):
        act(report, "reset_deadlines", Citizen(report.token), vn(10, 10), reason="Xin thêm giờ.")
    assert "reset_deadlines" in workflow.allowed_actions(report, city.coordinator)
    assert "reset_deadlines" not in workflow.allowed_actions(report, city.head_a)
    assert not Event.objects.filter(report=report, type="deadlines_reset").exists()


def test_a_finished_report_cannot_be_reset(report, city):
    act(report, "accept", city.officer_a, vn(10, 10))
    act(report, "resolve", city.officer_a, vn(10, 11), outcome="cannot_fix", result="Cần kinh phí.")
    with pytest.raises(WorkflowError):
        act(report, "reset_deadlines", city.coordinator, vn(10, 12), reason="Muộn rồi.")
